//go:build !race

package render

// raceEnabled reports a -race build (see race_test.go).
const raceEnabled = false
