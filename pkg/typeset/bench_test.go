package typeset

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/math/fixed"

	"github.com/strata-render/strata/pkg/schema"
)

// BenchmarkDrawSocialCardText draws the three text layers of the social
// card (pkg/render's BenchmarkSocialCard) with warm caches: typesetting
// alone, no compositing or encoding.
func BenchmarkDrawSocialCardText(b *testing.B) {
	r := testRegistry(b)
	title := text("Strata renders social cards with real shaping, fallback fonts and emoji 🎉", "Inter", 48)
	title.Weight = schema.Bold
	sub := text("Bidi, line breaking and auto-scale included — measured, not guessed.", "Inter", 24)
	foot := text("strata.example.com · November 2026", "Inter", 20)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range []struct {
			t    *schema.Text
			w, h int
		}{{title, 1040, 140}, {sub, 1040, 40}, {foot, 1040, 30}} {
			if _, err := r.Draw(ctx, l.t, nil, l.w, l.h); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAutoScaleLongTitle: a long title auto-scaled into a small box
// (shaped once, then a binary search of wraps).
func BenchmarkAutoScaleLongTitle(b *testing.B) {
	r := testRegistry(b)
	tx := text("An unusually long headline that has to shrink quite a lot before it fits into its box", "Poppins", 200)
	tx.AutoScale = true
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.Draw(ctx, tx, nil, 500, 160); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAutoScaleLongWord: a title whose long compound breaks between
// graphemes at the size where the text first fits, so auto-scale keeps
// shrinking until the word is whole.
func BenchmarkAutoScaleLongWord(b *testing.B) {
	r := testRegistry(b)
	tx := text("Donaudampfschifffahrtsgesellschaftskapitän announces new routes", "Inter", 96)
	tx.AutoScale, tx.Weight = true, schema.Bold
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.Draw(ctx, tx, nil, 500, 160); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShapeUncached is shaping a mixed-script line with no cache.
func BenchmarkShapeUncached(b *testing.B) {
	r := testRegistry(b)
	ss := r.session()
	defer r.release(ss)
	runes := []rune("Hello مرحبا 日本語 हिन्दी 🎉 world")
	line := styledLine{runes: runes, styles: make([]uint8, len(runes))}
	st := style{family: "Inter", weight: 400}
	for b.Loop() {
		r.shapeUncached(ss, st, line)
	}
}

// shapeBenchCases are the strings of the shaper comparison: a Latin card
// title, Arabic, Devanagari and CJK, each in the face Strata picks for it.
var shapeBenchCases = []struct{ name, family, text string }{
	{"latin", "Inter", "Strata renders social cards with real shaping, fallback fonts and emoji"},
	{"arabic", "NotoSansArabic", "مرحبا بالعالم، هذا نص عربي متصل يختبر أشكال الحروف"},
	{"devanagari", "Hind", "हिन्दी क्षत्रिय श्री द्वार संयुक्ताक्षर परीक्षण"},
	{"cjk", "NotoSansSC", "简体中文的文字渲染测试，包括标点符号和常用汉字"},
}

// BenchmarkShapeCold compares the two shapers on the cold path (what a
// cache miss costs): HarfBuzz through cgo (what Strata uses) and
// go-text's HarfBuzz port, each reusing its font objects as in
// production, shaping one line at refSize.
func BenchmarkShapeCold(b *testing.B) {
	r := testRegistry(b)
	for _, c := range shapeBenchCases {
		ref := r.match(nil, c.family, 400, false)
		f, err := ref.src.load()
		if err != nil {
			b.Fatal(err)
		}
		face := font.NewFace(f)
		runes := []rune(c.text)
		d, s := wordDirScript(c.text)
		in := shaping.Input{Text: runes, RunEnd: len(runes), Direction: d, Face: face, Size: fixed.I(refSize),
			Script: s, Language: language.NewLanguage("en")}
		b.Run("harfbuzz/"+c.name, func(b *testing.B) {
			for b.Loop() {
				hbShape(ref.src.hb, nil, in, nil)
			}
		})
		full := in
		full.Face = font.NewFace(fullFont(b, ref.src)) // go-text's shaper reads GSUB and GPOS
		b.Run("gotext/"+c.name, func(b *testing.B) {
			var sh shaping.HarfbuzzShaper
			for b.Loop() {
				sh.Shape(full)
			}
		})
	}
}

// BenchmarkMultilingualCardText draws the text layers of the benchmark's
// multilingual card (bench/designs/multilingual.json: Latin, Arabic,
// Devanagari, Han and emoji) with a registry of its own, warm after the
// first draw, and reports the process's peak RSS ("peak-MB"; the CJK
// faces are what it measures, docs/TEXT.md "Fonts") and the first draw's
// time with every face loaded cold ("first-ms").
func BenchmarkMultilingualCardText(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("..", "..", "bench", "designs", "multilingual.json"))
	require.NoError(b, err)
	req, err := schema.Decode(body, schema.DefaultLimits())
	require.NoError(b, err)
	r, err := NewRegistry(assetsDir(b))
	require.NoError(b, err)
	ctx := context.Background()
	draw := func() {
		for _, l := range req.Layers {
			if l.Text == nil {
				continue
			}
			if _, err := r.Draw(ctx, l.Text, nil, l.Size.Width, l.Size.Height); err != nil {
				b.Fatal(err)
			}
		}
	}
	start := time.Now()
	draw()
	first := time.Since(start)
	b.ReportAllocs()
	for b.Loop() {
		draw()
	}
	b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
	b.ReportMetric(float64(peakRSS(b))/1024, "peak-MB")
}

// peakRSS is the process's peak resident set (VmHWM) in kB.
func peakRSS(b *testing.B) int {
	status, err := os.ReadFile("/proc/self/status")
	require.NoError(b, err)
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			require.NoError(b, err)
			return kb
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// BenchmarkNewRegistry is the start-up listing of the bundled fonts (155
// family directories, ≈ 1,300 files; nothing parsed).
func BenchmarkNewRegistry(b *testing.B) {
	dir := assetsDir(b)
	for b.Loop() {
		if _, err := NewRegistry(dir); err != nil {
			b.Fatal(err)
		}
	}
}
