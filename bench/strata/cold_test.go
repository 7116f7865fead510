package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseInitTrace(t *testing.T) {
	trace := strings.Join([]string{
		"init runtime @0.029 ms, 0.19 ms clock, 0 bytes, 0 allocs",
		"something else on stderr",
		"init github.com/h2non/bimg @2.8 ms, 21 ms clock, 19936 bytes, 140 allocs",
		"init github.com/strata-render/strata/pkg/vips @25 ms, 2.6 ms clock, 24 bytes, 1 allocs",
		"init main @31 ms, 0.01 ms clock, 0 bytes, 0 allocs",
	}, "\n")
	got := parseInitTrace(strings.NewReader(trace), tracedPackages)
	require.InDelta(t, 0.19+21+2.6+0.01, got.totalMS, 1e-9)
	require.Equal(t, 31.0, got.mainAtMS)
	require.Equal(t, map[string]float64{"h2non/bimg": 21, "strata/pkg/vips": 2.6}, got.pkgMS)
}

// buildHarness builds this command into a temporary directory: -mode cold
// execs itself, which a test binary cannot stand in for.
func buildHarness(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "strata-bench")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestColdStartBreakdown runs -mode cold once of each kind on the social
// card, against itself: every phase is reported, in two columns, the staged run with its text stages, and
// the totals nest (exec → PNG ≥ runtime start → PNG ≥ main's init → PNG).
func TestColdStartBreakdown(t *testing.T) {
	bin := buildHarness(t)
	out, err := exec.Command(bin, "-mode", "cold", "-runs", "1", "-design", filepath.Join("..", "designs", "social.json"), "-against", bin).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "total: exec → write") {
			require.Len(t, strings.Fields(strings.TrimPrefix(l, "total: exec → write")), 4, "two columns of median [min–max]: %q", l)
		}
	}
	parts := strings.Split(string(out), "stages true")
	require.Len(t, parts, 2, "%s", out)
	for _, row := range []string{"exec → Go runtime start", "bimg (vips_init", "vips_check", "engine", "decode", "render", "total: exec → write"} {
		require.Contains(t, parts[0], row)
		require.Contains(t, parts[1], row)
	}
	for _, row := range []string{"fonts", "shape", "raster", "after: a warm render", "after: NewRegistry again"} {
		require.NotContains(t, parts[0], row)
		require.Contains(t, parts[1], row)
	}
	total := func(part, name string) float64 {
		for _, l := range strings.Split(part, "\n") {
			if strings.HasPrefix(l, name) {
				var v float64
				_, err := fmt.Sscan(strings.Fields(strings.TrimPrefix(l, name))[0], &v)
				require.NoError(t, err, l)
				return v
			}
		}
		t.Fatalf("no row %q in %s", name, part)
		return 0
	}
	exec2png := total(parts[0], "total: exec → write")
	rt2png := total(parts[0], "total: Go runtime start → write")
	main2png := total(parts[0], "total: main init → write (ms_since_init)")
	require.Greater(t, exec2png, rt2png)
	require.Greater(t, rt2png, main2png)
	require.Greater(t, main2png, 0.0)
}

// TestStagedOnceDrawsTheSameCard: warming the text stages one by one
// leaves the first card byte for byte what a plain cold render draws, and
// both runs report their marks and ms_since_init.
func TestStagedOnceDrawsTheSameCard(t *testing.T) {
	bin := buildHarness(t)
	dir := t.TempDir()
	var pngs [][]byte
	for _, stages := range []bool{false, true} {
		out := filepath.Join(dir, "card.png")
		args := []string{"-mode", "once", "-design", filepath.Join("..", "designs", "social.json"), "-out", out}
		if stages {
			args = append(args, "-stages")
		}
		stdout, err := exec.Command(bin, args...).Output()
		require.NoError(t, err)
		var rep struct {
			SinceInit float64 `json:"ms_since_init"`
			Marks     []mark  `json:"marks"`
		}
		require.NoError(t, json.NewDecoder(bytes.NewReader(stdout)).Decode(&rep))
		require.Greater(t, rep.SinceInit, 0.0)
		require.Equal(t, "main_init", rep.Marks[0].Name)
		png, err := os.ReadFile(out)
		require.NoError(t, err)
		pngs = append(pngs, png)
	}
	require.Equal(t, pngs[0], pngs[1])
}
