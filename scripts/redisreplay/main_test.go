package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseLine reads MONITOR's quoting back into the exact bytes sent.
func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		lua  bool
		args []string
	}{
		{`1796642639.070624 [0 127.0.0.1:41338] "set" "k" "\x93\x00\xf0"`, false, []string{"set", "k", "\x93\x00\xf0"}},
		{`1796642639.398269 [0 lua] "HSET" "a b" "say \"hi\"\\" "\n\r\t\a\b"`, true, []string{"HSET", "a b", `say "hi"\`, "\n\r\t\a\b"}},
		{`1.0 [3 unix:/tmp/r.sock] "get" ""`, false, []string{"get", ""}},
	} {
		e, ok, err := parseLine(tc.line)
		require.NoError(t, err, tc.line)
		require.True(t, ok, tc.line)
		require.Equal(t, tc.lua, e.lua, tc.line)
		require.Equal(t, tc.args, e.args, tc.line)
	}
	_, ok, err := parseLine("OK")
	require.NoError(t, err)
	require.False(t, ok, "MONITOR's leading OK is not a command")
	for _, bad := range []string{`1 [0 x] "unterminated`, `1 [0 x] "\x9"`, `1 [0 x] bare`, `1 [0 x] "a\`} {
		_, _, err := parseLine(bad)
		require.Error(t, err, bad)
	}
}

// TestMeasuredAndMix: only the commands between the first and last INFO cpu
// count, by shape, with the scripts' own calls apart.
func TestMeasuredAndMix(t *testing.T) {
	var all []entry
	for _, line := range []string{
		`1 [0 c] "evalsha" "0000000000aaaa" "0"`, // warm-up: outside the window
		`2 [0 c] "info" "cpu"`,
		`3 [0 c] "set" "k" "v"`,
		`4 [0 c] "evalsha" "1111111111bbbb" "1" "k"`,
		`5 [0 lua] "EXISTS" "k"`,
		`6 [0 lua] "HSET" "k" "f" "v"`,
		`7 [0 c] "set" "k2" "v"`,
		`8 [0 c] "info" "memory"`,
		`9 [0 c] "info" "cpu"`,
		`10 [0 c] "get" "k"`, // after the window
	} {
		e, ok, err := parseLine(line)
		require.NoError(t, err)
		require.True(t, ok)
		all = append(all, e)
	}
	window := measured(all)
	require.Len(t, window, 5)
	shapes, order, inner := mix(window)
	require.Equal(t, 2, inner)
	require.Equal(t, []string{"SET", "EVALSHA 1111111111 (exists,hset…)"}, order)
	require.Equal(t, 2, shapes["SET"].calls)
	require.Equal(t, []string{"set", "k", "v"}, shapes["SET"].args)
	require.Equal(t, 1, shapes[order[1]].calls)
}
