package typeset

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLineBoxChromium: line-height normal as Chromium computes it, each
// metric rounded to whole pixels and the gap split with the smaller half
// above (the fidelity suite's text-line-height-* cases check the same
// against Chromium itself).
func TestLineBoxChromium(t *testing.T) {
	for _, c := range []struct {
		name         string
		m            lineMetrics
		size         float64
		above, below float64
	}{
		{"Inter 18px", lineMetrics{ascent: 1984.0 / 2048, descent: 494.0 / 2048}, 18, 17, 4},
		{"Poppins 25px: gap 2.5 rounds to 3", lineMetrics{ascent: 1.05, descent: 0.35, gap: 0.1}, 25, 26 + 1, 9 + 2},
		{"Poppins 21px: gap 2.1 rounds to 2", lineMetrics{ascent: 1.05, descent: 0.35, gap: 0.1}, 21, 22 + 1, 7 + 1},
	} {
		a, b := c.m.box(c.size)
		require.Equal(t, [2]float64{c.above, c.below}, [2]float64{a, b}, c.name)
	}

	// Through layout: seven Inter 18 px lines are 7 × 21 px tall (not
	// 7 × 21.8).
	r := testRegistry(t)
	tx := text("one\ntwo\nthree\nfour\nfive\nsix\nseven", "Inter", 18)
	_, h, err := r.Measure(context.Background(), tx, nil, 0)
	require.NoError(t, err)
	require.Equal(t, 7*21, h)
}

// TestCJKPunctuationTrim: adjacent fullwidth punctuation is trimmed as
// Chromium's default text-spacing-trim trims it ("。「" is 1.5 em).
func TestCJKPunctuationTrim(t *testing.T) {
	r := testRegistry(t)
	width := func(s string) int {
		w, _, err := r.Measure(context.Background(), text(s, "NotoSansJP", 28), nil, 0)
		require.NoError(t, err)
		return w
	}
	require.Equal(t, 3*28, width("あ。あ"))
	require.Equal(t, 3*28, width("あ「あ"))
	require.Equal(t, 4*28-14, width("あ。「あ"), "the opening bracket after a full stop is half-width")
	require.Equal(t, 4*28-14, width("あ」」あ"), "a closing bracket before another is half-width")
	require.Equal(t, 4*28-14, width("あ「「あ"), "an opening bracket after another is half-width")
	require.Equal(t, 4*28, width("あ「。あ"), "a full stop after an opening bracket is not trimmed")

	require.Nil(t, cjkTrim([]rune("plain (text)")))
	require.Equal(t, []bool{false, false, true, false}, cjkTrim([]rune("あ。「あ")))
}

// TestSpaceInRequestedFace: a space after a fallback run is measured in
// the requested face (as Chromium does), not in the fallback face.
func TestSpaceInRequestedFace(t *testing.T) {
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	runes := []rune("สวัสดี ครับ, world")
	sl := r.shapeUncached(ss, style{family: "Inter", weight: 400}, styledLine{runes: runes, styles: make([]uint8, len(runes))})
	for i, c := range runes {
		ref := sl.refs[sl.runIndex(i)]
		switch c {
		case ' ':
			require.Equal(t, "Inter", ref.src.name, "space at %d", i)
		case 'ค', ',':
			require.Equal(t, "Kanit", ref.src.name, "%q at %d", c, i)
		}
	}
}
