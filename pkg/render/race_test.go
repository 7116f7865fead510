//go:build race

package render

// raceEnabled reports a -race build, where sync.Pool drops a share of what
// is put back on purpose, so allocation counts say nothing about pooling.
const raceEnabled = true
