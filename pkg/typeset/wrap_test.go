package typeset

import (
	"context"
	"fmt"
	"image"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

func TestWrapping(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	lineTexts := func(b *block) []int {
		var n []int
		for _, ln := range b.lines {
			n = append(n, len(ln.glyphs))
		}
		return n
	}
	cases := []struct {
		name      string
		text      string
		width     float64
		wrap      bool
		wantLines int
	}{
		{"fits on one line", "short text", 400, true, 1},
		{"wraps at spaces", "one two three four five six seven eight", 150, true, 4},
		{"no wrapping when off", "one two three four five six seven eight", 150, false, 1},
		{"hard breaks", "a\nb\nc", 400, true, 3},
		{"paragraphs", "a\n\nb", 400, true, 2},
		{"long word broken between graphemes", "Pneumonoultramicroscopicsilicovolcanoconiosis", 120, true, 4},
		{"empty lines keep their height", "a\n\n\nb", 400, true, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx := text(tc.text, "Inter", 24)
			paras := r.shapeText(ss, nil, tx)
			b := r.layout(ss, paras, 24, tc.width, 0, tc.wrap)
			require.GreaterOrEqual(t, len(b.lines), tc.wantLines, "%v", lineTexts(b))
			if tc.name != "long word broken between graphemes" {
				require.Len(t, b.lines, tc.wantLines)
			}
			if tc.wrap {
				for _, ln := range b.lines {
					require.LessOrEqual(t, ln.width, tc.width+0.01)
				}
			}
		})
	}
}

func TestParagraphSpacing(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	tx := text("first\n\nsecond", "Inter", 24)
	_, h0, err := r.Measure(context.Background(), tx, nil, 0)
	require.NoError(t, err)
	tx.ParagraphSpacing = 30
	_, h1, err := r.Measure(context.Background(), tx, nil, 0)
	require.NoError(t, err)
	require.Equal(t, h0+30, h1)
}

func TestLineHeightIsNatural(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	// Inter: ascender 0.96875 em, descender 0.2421875 em, no line gap.
	_, h, err := r.Measure(context.Background(), text("Hg", "Inter", 100), nil, 0)
	require.NoError(t, err)
	require.InDelta(t, 121, h, 1)
	_, h2, err := r.Measure(context.Background(), text("Hg\nHg", "Inter", 100), nil, 0)
	require.NoError(t, err)
	require.InDelta(t, 2*h, h2, 1)
}

func TestMeasure(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ctx := context.Background()
	tx := text("hello world, a longer line", "Inter", 20)
	w, h, err := r.Measure(ctx, tx, nil, 0)
	require.NoError(t, err)
	require.Greater(t, w, 150)
	wn, hn, err := r.Measure(ctx, tx, nil, w/2)
	require.NoError(t, err)
	require.LessOrEqual(t, wn, w/2)
	require.Greater(t, hn, h, "narrower wraps onto more lines")
	// The measured box holds the whole text.
	img := drawText(t, r, tx, nil, w, h)
	full := drawText(t, r, tx, nil, w+100, h+100)
	require.Equal(t, inkBounds(full), inkBounds(img))
}

func TestClippedToBox(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	img := drawText(t, r, text(strings.Repeat("overflowing text ", 40), "Inter", 40), nil, 100, 50)
	require.Equal(t, image.Rect(0, 0, 100, 50), img.Bounds())
}

// TestAutoScaleProperty draws a few hundred random strings in random boxes
// with auto-scale on: no ink falls outside the box (drawn unclipped on a
// larger canvas), and the chosen size is the largest that fits — one
// pixel more would not.
func TestAutoScaleProperty(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	words := []string{"lorem", "ipsum", "dolor", "sit", "amet", "Typography", "WWWWWW", "jumps", "fjord",
		"مرحبا", "שלום", "日本語", "中文", "한국어", "ไทย", "हिन्दी", "తెలుగు", "🎉", "👩🏾‍💻", "**bold**", "*italic*", "—", "123", "\n", "\n\n"}
	families := []string{"Inter", "Lora", "Poppins", "Pacifico", "DancingScript", "BebasNeue", "RobotoMono"}
	aligns := []schema.Align{schema.AlignLeft, schema.AlignCenter, schema.AlignRight}
	valigns := []schema.Align{schema.AlignTop, schema.AlignCenter, schema.AlignBottom}
	n := 300
	if testing.Short() {
		n = 80
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ss := r.session()
	defer r.release(ss)
	for i := range n {
		var sb strings.Builder
		for range 1 + rng.IntN(14) {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteString(" ")
		}
		tx := text(strings.TrimSpace(sb.String()), families[rng.IntN(len(families))], float64(8+rng.IntN(140)))
		tx.AutoScale = true
		tx.SplitLines = rng.IntN(4) != 0
		tx.Align, tx.VerticalAlign = aligns[rng.IntN(3)], valigns[rng.IntN(3)]
		tx.ParagraphSpacing = float64(rng.IntN(20))
		w, h := 60+rng.IntN(600), 40+rng.IntN(300)
		name := fmt.Sprintf("%d %q %s %.0fpx in %dx%d", i, tx.Text, tx.FontName, tx.FontSize, w, h)

		b := r.fit(ss, nil, tx, float64(w), float64(h))
		require.LessOrEqual(t, b.size, tx.FontSize, name)
		if b.size <= minAutoSize {
			continue // nothing fits: drawn at the minimum and clipped
		}
		require.True(t, b.fits(float64(w), float64(h)), name)
		if b.size+1 <= tx.FontSize {
			bigger := r.layout(ss, r.shapeText(ss, nil, tx), b.size+1, float64(w), tx.ParagraphSpacing, tx.SplitLines)
			require.False(t, bigger.fits(float64(w), float64(h)), "%s: %.0fpx chosen but %.0fpx fits", name, b.size, b.size+1)
		}
		const m = 100
		canvas := image.NewRGBA(image.Rect(0, 0, w+2*m, h+2*m))
		r.paint(ss, canvas, b, place(b, float64(w), float64(h), string(tx.Align), string(tx.VerticalAlign)), tx.Color, m, m)
		ink := inkBounds(canvas)
		require.Truef(t, ink.Empty() || ink.In(image.Rect(m, m, m+w, m+h)), "%s: ink %v outside the box", name, ink.Sub(image.Pt(m, m)))
	}
}
