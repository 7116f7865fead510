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
			b := r.layout(ss, paras, 24, tc.width, layoutOpts{paraSpacing: 0, wrap: tc.wrap})
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
// larger canvas), and the chosen size is the largest that fits with every
// word whole — one pixel more would not; when it has a word broken, no
// size keeps every word whole and one pixel more would not fit at all.
func TestAutoScaleProperty(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	words := []string{"lorem", "ipsum", "dolor", "sit", "amet", "Typography", "WWWWWW", "jumps", "fjord",
		"مرحبا", "שלום", "日本語", "中文", "한국어", "ไทย", "हिन्दी", "తెలుగు", "🎉", "👩🏾‍💻", "**bold**", "*italic*", "—", "123", "\n", "\n\n",
		"Donaudampfschifffahrtsgesellschaft", "https://example.com/a/long/path", "ภาษาไทยเป็นภาษาที่มีระดับเสียง", "ພາສາລາວຂຽນພາສາ"}
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
	shrunk := 0 // cases where the largest size that fits breaks a word
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

		b := r.fit(context.Background(), ss, nil, tx, float64(w), float64(h))
		require.LessOrEqual(t, b.size, tx.FontSize, name)
		paras := r.shapeText(ss, nil, tx)
		at := func(size float64) *block {
			return r.layout(ss, paras, size, float64(w), layoutOpts{paraSpacing: tx.ParagraphSpacing, wrap: tx.SplitLines})
		}
		fits := func(b *block) bool { return b.fits(float64(w), float64(h)) }
		whole := func(b *block) bool { return !b.broken && fits(b) }
		if !fits(b) {
			// Nothing fits: drawn at the minimum and clipped.
			require.Equal(t, float64(minAutoSize), b.size, name)
			for size := float64(minAutoSize); size <= tx.FontSize; size++ {
				require.False(t, fits(at(size)), "%s: nothing chosen but %.0fpx fits", name, size)
			}
			continue
		}
		require.True(t, !b.broken || tx.SplitLines, name)
		if b.broken {
			// Words are broken only when no size keeps them whole, or
			// keeping them whole would take the text below
			// 1/wholeWordShrink of the chosen size. ("Fits" is not
			// monotone in size, so the search may settle on a whole size
			// below the best one; the smallest is what is checked.)
			for size := float64(minAutoSize); size <= tx.FontSize; size++ {
				if whole(at(size)) {
					require.LessOrEqual(t, size*wholeWordShrink, b.size, "%s: %.0fpx chosen with a word broken but %.0fpx keeps every word whole", name, b.size, size)
					break
				}
			}
		}
		if b.size+1 <= tx.FontSize {
			bigger := at(b.size + 1)
			require.False(t, whole(bigger), "%s: %.0fpx chosen but %.0fpx fits with every word whole", name, b.size, b.size+1)
			require.False(t, b.broken && fits(bigger), "%s: %.0fpx chosen but %.0fpx fits", name, b.size, b.size+1)
			if !b.broken && fits(bigger) && bigger.broken {
				shrunk++
			}
		}
		const m = 100
		canvas := image.NewRGBA(image.Rect(0, 0, w+2*m, h+2*m))
		r.paint(ss, canvas, b, place(b, float64(w), float64(h), string(tx.Align), string(tx.VerticalAlign)), paintStyle{fill: tx.Color}, m, m)
		ink := inkBounds(canvas)
		require.Truef(t, ink.Empty() || ink.In(image.Rect(m, m, m+w, m+h)), "%s: ink %v outside the box", name, ink.Sub(image.Pt(m, m)))
	}
	require.Positive(t, shrunk, "no case shrank to keep a word whole: the generator no longer exercises the rule")
}

// TestEmergencyBreaks: a block is marked broken exactly when wrapping had
// to split a word between grapheme clusters; breaks at UAX #14
// opportunities (spaces, after a slash or hyphen, between CJK
// ideographs, after a Thai dictionary word) and between letters of a
// script without a dictionary here (Lao) are ordinary.
func TestEmergencyBreaks(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	thaiDictionary(t)
	ss := r.session()
	defer r.release(ss)
	cases := []struct {
		name       string
		text       string
		family     string
		size       float64
		width      float64
		wantBroken bool
	}{
		{"spaces", "one two three four five six seven eight", "Inter", 24, 150, false},
		{"word wider than the line", "Pneumonoultramicroscopicsilicovolcanoconiosis", "Inter", 24, 120, true},
		{"long word after short ones", "a b Pneumonoultramicroscopicsilicovolcanoconiosis", "Inter", 24, 200, true},
		{"URL at slashes and hyphens", "https://example.com/documentation/getting-started", "Inter", 24, 300, false},
		{"Japanese between ideographs", "吾輩は猫である。名前はまだ無い。", "Inter", 24, 100, false},
		{"Thai between dictionary words", "ภาษาไทยเป็นภาษาที่มีระดับเสียง", "Inter", 24, 100, false},
		{"Thai word wider than the line", "สวัสดี", "Inter", 24, 40, true},
		{"Lao has no dictionary", "ພາສາລາວຂຽນພາສາລາວຂຽນ", "Inter", 24, 100, false},
		// The wrapper ends the first line before the space that follows
		// the Lao word (the word fits, the word and its space don't):
		// the word is whole.
		{"before a space", "ພາສາລາວຂຽນ 123 简体中文的文字渲染测试", "RobotoMono", 11, 60, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			paras := r.shapeText(ss, nil, text(tc.text, tc.family, tc.size))
			b := r.layout(ss, paras, tc.size, tc.width, layoutOpts{paraSpacing: 0, wrap: true})
			require.Greater(t, len(b.lines), 1, "the case must wrap")
			require.Equal(t, tc.wantBroken, b.broken)
			// Unwrapped, nothing is broken.
			require.False(t, r.layout(ss, paras, tc.size, tc.width, layoutOpts{paraSpacing: 0, wrap: false}).broken)
		})
	}
}

// TestAutoScaleSplitWord is the audit's case: {"text":
// "Supercalifragilistic", "font_size_in_px": 60, "should_auto_scale": true,
// "dimensions": {"width": 180, "height": 90}} used to render
// "Supercalif / ragilistic" at 37 px, the largest size at which the text
// fits the box, because the wrapper breaks a word wider than the line
// between graphemes. 20 px is the largest size with the word whole.
func TestAutoScaleSplitWord(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	tx := text("Supercalifragilistic", "Inter", 60)
	tx.AutoScale = true
	b := r.fit(context.Background(), ss, nil, tx, 180, 90)
	require.False(t, b.broken)
	require.True(t, b.fits(180, 90))
	require.Equal(t, 20.0, b.size)
	require.Len(t, b.lines, 1)

	paras := r.shapeText(ss, nil, tx)
	old := r.layout(ss, paras, 37, 180, layoutOpts{paraSpacing: 0, wrap: true})
	require.True(t, old.fits(180, 90), "37 px fits the box")
	require.True(t, old.broken, "at 37 px the word is broken")
	require.True(t, r.layout(ss, paras, 21, 180, layoutOpts{paraSpacing: 0, wrap: true}).broken, "at 21 px the word is broken")
}

// TestAutoScaleKeepsWordsWhole: with wrapping on, auto-scale picks the
// largest size at which the text fits with no word broken between
// graphemes; scripts whose line breaks are not spaces keep the largest
// size that fits (their breaks are ordinary); a word that can't be
// whole at any size falls back to the largest size that fits.
func TestAutoScaleKeepsWordsWhole(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	thaiDictionary(t)
	ss := r.session()
	defer r.release(ss)
	const (
		shrinks  = "shrinks"  // smaller than the largest size that fits, every word whole
		same     = "same"     // the largest size that fits, every word whole
		fallback = "fallback" // the largest size that fits, a word broken
	)
	cases := []struct {
		name   string
		text   string
		family string
		size   float64
		w, h   float64
		split  bool
		want   string
	}{
		{"German compound", "Donaudampfschifffahrtsgesellschaftskapitän", "Inter", 72, 400, 200, true, shrinks},
		{"German compound in a sentence", "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz tritt außer Kraft", "Inter", 64, 600, 200, true, shrinks},
		{"URL breaks at slashes and hyphens", "https://example.com/documentation/getting-started/installation", "Inter", 60, 300, 200, true, same},
		{"Japanese breaks between ideographs", "吾輩は猫である。名前はまだ無い。", "Inter", 48, 200, 200, true, same},
		{"Chinese breaks between ideographs", "简体中文的文字渲染测试", "Inter", 60, 200, 150, true, same},
		{"Thai breaks between dictionary words", "ภาษาไทยเป็นภาษาที่มีระดับเสียง", "Inter", 48, 200, 200, true, same},
		{"Lao breaks between graphemes", "ພາສາລາວຂຽນພາສາລາວຂຽນ", "Inter", 48, 200, 200, true, same},
		{"fits at the requested size", "Hello world", "Inter", 40, 600, 200, true, same},
		{"no wrapping", "Supercalifragilistic", "Inter", 60, 180, 90, false, same},
		// 150 W are wider than 100 px even at 1 px; this used to be drawn
		// at 1 px, clipped, because at 1 px the broken lines' ink margins
		// overflow the box while 14 px fits.
		{"word too long for any size", strings.Repeat("W", 150), "Inter", 40, 100, 400, true, fallback},
		// Whole only at a few pixels: broken at a readable size instead.
		{"word whole only when tiny", strings.Repeat("a", 150), "Inter", 40, 100, 400, true, fallback},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx := text(tc.text, tc.family, tc.size)
			tx.AutoScale, tx.SplitLines = true, tc.split
			paras := r.shapeText(ss, nil, tx)
			at := func(size float64) *block {
				return r.layout(ss, paras, size, tc.w, layoutOpts{paraSpacing: 0, wrap: tc.split})
			}
			largestFit := 0.0 // scanned from the top: the largest size that fits
			for size := tc.size; size >= minAutoSize && largestFit == 0; size-- {
				if at(size).fits(tc.w, tc.h) {
					largestFit = size
				}
			}
			require.Positive(t, largestFit, "some size must fit")

			b := r.fit(context.Background(), ss, nil, tx, tc.w, tc.h)
			require.True(t, b.fits(tc.w, tc.h))
			require.Equal(t, tc.want == fallback, b.broken)
			switch tc.want {
			case shrinks:
				require.Less(t, b.size, largestFit)
				require.True(t, at(largestFit).broken)
			case same, fallback:
				require.Equal(t, largestFit, b.size)
			}
			if !b.broken && b.size < tc.size {
				bigger := at(b.size + 1)
				require.False(t, !bigger.broken && bigger.fits(tc.w, tc.h), "%.0f px keeps every word whole too", b.size+1)
			}
		})
	}
}

// TestEmergencyBreaksMonotoneInSize checks the assumption that makes a
// binary search for "no word broken" sound: once a size breaks a word,
// every larger size does (word widths scale linearly, up to rounding).
// If this ever fails the search still returns a size that fits with
// every word whole, just not necessarily the largest.
func TestEmergencyBreaksMonotoneInSize(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	words := []string{"lorem", "ipsum", "Typography", "WWWWWW", "Donaudampfschifffahrtsgesellschaft", "Supercalifragilistic",
		"https://example.com/a/long/path", "日本語", "简体中文的文字渲染测试", "ภาษาไทยเป็นภาษาที่มีระดับเสียง", "ພາສາລາວຂຽນພາສາ",
		"مرحبا", "हिन्दी", "🎉", "**bold**", "\n"}
	families := []string{"Inter", "Lora", "Poppins", "Pacifico", "BebasNeue", "RobotoMono"}
	rng := rand.New(rand.NewPCG(3, 4))
	ss := r.session()
	defer r.release(ss)
	for i := range 150 {
		var sb strings.Builder
		for range 1 + rng.IntN(6) {
			sb.WriteString(words[rng.IntN(len(words))] + " ")
		}
		tx := text(strings.TrimSpace(sb.String()), families[rng.IntN(len(families))], float64(8+rng.IntN(140)))
		w := float64(60 + rng.IntN(600))
		paras := r.shapeText(ss, nil, tx)
		brokenAt := 0.0
		for size := float64(minAutoSize); size <= tx.FontSize; size++ {
			b := r.layout(ss, paras, size, w, layoutOpts{paraSpacing: 0, wrap: true})
			if b.broken && brokenAt == 0 {
				brokenAt = size
			}
			require.False(t, brokenAt != 0 && !b.broken, "%d %q %s %.0f px wide: broken at %.0f px, whole at %.0f px", i, tx.Text, tx.FontName, w, brokenAt, size)
		}
	}
}

// TestAutoScaleStopsWhenTheContextEnds: once the render's time is up, an
// auto-scale search lays nothing more out (Draw then returns ctx's error).
func TestAutoScaleStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	tx := text(strings.Repeat("Typography is the craft of arranging type. ", 40), "Inter", 200)
	tx.AutoScale = true
	b := r.fit(context.Background(), ss, nil, tx, 300, 200)
	require.NotEmpty(t, b.lines)
	require.Less(t, b.size, 200.0)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b = r.fit(ctx, ss, nil, tx, 300, 200)
	require.Empty(t, b.lines, "no probe is laid out after the context ended")
	_, err := r.Draw(ctx, tx, nil, 300, 200)
	require.ErrorIs(t, err, context.Canceled)
}
