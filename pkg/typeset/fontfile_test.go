package typeset

import (
	"context"
	"image"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/go-text/typesetting/font"
	"github.com/stretchr/testify/require"
)

// leanCases are faces opened lean (every static TrueType face) and text
// in each.
var leanCases = []struct{ family, file, text string }{
	{"Inter", "Inter_400Regular.ttf", "Shipping images at the speed of a function call: fi ffl → 1/2 €£ ÀÉÎÕÜ"},
	{"Inter", "Inter_700Bold_Italic.ttf", "Quality typography, 7 min read · strata.dev"},
	{"Lora", "Lora_400Regular.ttf", "Gjy Qq & 0123456789"},
	{"NotoSansArabic", "NotoSansArabic_400Regular.ttf", "مرحبا بالعالم"},
	{"Hind", "Hind_400Regular.ttf", "नमस्ते दुनिया क्षत्रिय"},
	{"Kanit", "Kanit_400Regular.ttf", "ภาษาไทยง่ายนิดเดียว"},
	{"NotoSansKhmer", "NotoSansKhmer_400Regular.ttf", "ភាសាខ្មែរ"},
	{"NotoSansSC", "NotoSansSC_400Regular.ttf", "简体中文的文字渲染测试，包括标点符号和常用汉字。大会门票现已开售"},
	{"NotoSansSC", "NotoSansSC_700Bold.ttf", "欢迎光临"},
	{"NotoSansJP", "NotoSansJP_400Regular.ttf", "吾輩は猫である。名前はまだ無い。"},
	{"NotoSansKR", "NotoSansKR_400Regular.ttf", "다람쥐 헌 쳇바퀴에 타고파"},
}

// TestLeanFacesDrawLikeFullOnes: a face opened lean (outlines and extents
// from HarfBuzz over the mapping) gives the same glyph extents and the
// same outline segments as go-text parsing every outline, and so
// byte-identical coverage masks (checked plain, bold and oblique, at
// three sizes).
func TestLeanFacesDrawLikeFullOnes(t *testing.T) {
	dir := assetsDir(t)
	ss := &session{faces: map[*font.Font]*sessionFace{}}
	for _, c := range leanCases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(dir, "fonts", c.family, c.file)
			lean, full := newSource(c.family, path, 400, false), newSource(c.family, path, 400, false)
			_, err := lean.load()
			require.NoError(t, err)
			require.True(t, lean.lean, "a static TrueType face is opened lean")
			full.once.Do(func() { full.open(false) })
			require.NoError(t, full.err)
			require.False(t, full.lean)
			fullFace := font.NewFace(full.font)
			glyphs := 0
			for _, r := range c.text {
				gid, ok := full.font.NominalGlyph(r)
				require.True(t, ok, "%q", r)
				lg, _ := lean.font.NominalGlyph(r)
				require.Equal(t, gid, lg, "the same cmap")
				want, wok := fullFace.GlyphExtents(gid)
				got, gok := glyphExtents(lean.hb, font.NewFace(lean.font), gid)
				require.Equal(t, wok, gok)
				require.Equal(t, want, got, "extents of %q", r)
				wo, _ := fullFace.GlyphData(gid).(font.GlyphOutline)
				lo, _ := ss.outline(faceRef{src: lean}, uint32(gid))
				require.Equal(t, wo, lo, "outline of %q", r)
				for _, ref := range []faceRef{{}, {bold: true}, {oblique: true}} {
					for _, size := range []float64{13, 30, 52} {
						lr, fr := ref, ref
						lr.src, fr.src = lean, full
						require.Equal(t, ss.rasterise(fr, uint32(gid), size, 0.25), ss.rasterise(lr, uint32(gid), size, 0.25), "%q at %g px, %+v", r, size, ref)
					}
				}
				glyphs++
			}
			require.Positive(t, glyphs)
		})
	}
}

// TestLeanEmojiLikeFull: the colour emoji font opened lean gives the same
// glyph extents (float for float) and the same PNG bytes as go-text with
// its CBDT table.
func TestLeanEmojiLikeFull(t *testing.T) {
	path := filepath.Join(assetsDir(t), "emoji", "NotoColorEmoji.ttf")
	lean, full := newSource("NotoColorEmoji", path, 400, false), newSource("NotoColorEmoji", path, 400, false)
	_, err := lean.load()
	require.NoError(t, err)
	require.True(t, lean.lean)
	require.NotNil(t, lean.hb.bitmaps)
	full.once.Do(func() { full.open(false) })
	require.NoError(t, full.err)
	ss := &session{faces: map[*font.Font]*sessionFace{}}
	fullFace, leanFace := font.NewFace(full.font), font.NewFace(lean.font)
	checked := 0
	for gid := font.GID(0); gid < 6000; gid += 3 { // the font has about 3,700 glyphs
		want, wok := fullFace.GlyphExtents(gid)
		got, gok := glyphExtents(lean.hb, leanFace, gid)
		require.Equal(t, wok, gok, "glyph %d", gid)
		require.Equal(t, want, got, "extents of glyph %d", gid)
		wp, wok := ss.bitmapPNG(faceRef{src: full}, gid)
		gp, gok := ss.bitmapPNG(faceRef{src: lean}, gid)
		require.Equal(t, wok, gok, "glyph %d", gid)
		require.Equal(t, wp, gp, "PNG of glyph %d", gid)
		if wok {
			checked++
		}
	}
	require.Greater(t, checked, 300)
}

// TestLeanFaceKeepsOutlinesOffTheHeap: opening Noto Sans SC lean costs a
// few megabytes of Go heap (cmap, metrics, layout tables), not the 35 MB
// of parsed outlines a full parse holds.
func TestLeanFaceKeepsOutlinesOffTheHeap(t *testing.T) {
	path := filepath.Join(assetsDir(t), "fonts", "NotoSansSC", "NotoSansSC_400Regular.ttf")
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	lean := newSource("NotoSansSC", path, 400, false)
	_, err := lean.load()
	require.NoError(t, err)
	leanBytes := heap() - before
	before = heap()
	full := newSource("NotoSansSC", path, 400, false)
	full.once.Do(func() { full.open(false) })
	require.NoError(t, full.err)
	fullBytes := heap() - before
	t.Logf("Go heap held: lean %.1f MB, full %.1f MB", float64(leanBytes)/1e6, float64(fullBytes)/1e6)
	require.Less(t, leanBytes, uint64(8<<20))
	require.Greater(t, fullBytes, 3*leanBytes)
	runtime.KeepAlive(lean)
	runtime.KeepAlive(full)
}

// FuzzColorBitmaps: the CBLC/CBDT reader never reads out of bounds,
// whatever the tables hold.
func FuzzColorBitmaps(f *testing.F) {
	cblc := make([]byte, 8+48+8+8+12)
	cblc[7] = 1    // one strike
	cblc[8+3] = 56 // its index list at 56
	cblc[8+11] = 1 // one index subtable
	cblc[8+44], cblc[8+45] = 109, 109
	cblc[56+3] = 5                 // glyphs 0–5
	cblc[56+7] = 8                 // subtable at list + 8
	cblc[64+1], cblc[64+3] = 1, 17 // index format 1, image format 17
	f.Add(cblc, []byte{5, 5, 0, 5, 5, 0, 0, 0, 1, 0x89}, uint16(0))
	f.Fuzz(func(t *testing.T, cblc, cbdt []byte, gid uint16) {
		if len(cblc) < 8+48 {
			return
		}
		c := &colorBitmaps{cblc: cblc, cbdt: cbdt, strike: cblc[8 : 8+48], upem: 2048}
		if c.strike[44] == 0 || c.strike[45] == 0 {
			return
		}
		for _, g := range []font.GID{0, 1, font.GID(gid)} {
			if _, png, ok := c.glyph(g); ok {
				require.NotNil(t, png)
			}
			c.extents(g)
		}
	})
}

// TestLeanFacesConcurrently: cold registries drawing lean faces (CJK
// outlines and emoji bitmaps from the mappings) from 8 goroutines at once
// draw what one goroutine draws; run with -race.
func TestLeanFacesConcurrently(t *testing.T) {
	dir := assetsDir(t)
	texts := []string{"简体中文的文字渲染测试", "吾輩は猫である", "다람쥐 헌 쳇바퀴", "欢迎光临 🎉 🎟️✨"}
	serial, err := NewRegistry(dir)
	require.NoError(t, err)
	want := make([]*image.RGBA, len(texts))
	for i, s := range texts {
		want[i] = drawText(t, serial, text(s, "Inter", 30), nil, 420, 60)
	}
	r, err := NewRegistry(dir)
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range texts {
				k := (i + g) % len(texts)
				img, err := r.Draw(context.Background(), text(texts[k], "Inter", 30), nil, 420, 60)
				if err != nil {
					t.Error(err)
					return
				}
				if string(img.Pix) != string(want[k].Pix) {
					t.Errorf("%q drawn differently under concurrency", texts[k])
				}
			}
		})
	}
	wg.Wait()
}

// TestLayoutTablesHiddenFromGoText: a bundled face is parsed without its
// GSUB and GPOS (HarfBuzz shapes from the mapping), and go-text's parse
// is otherwise the full one: cmap, metrics, GDEF, and every glyph's
// extents and outline (from go-text for the variable font, which is not
// lean; through glyphExtents for a lean face).
func TestLayoutTablesHiddenFromGoText(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	for _, c := range []struct {
		family string
		weight int
		lean   bool
		text   string
	}{
		{"Inter", 700, true, "Shipping images, ffi →"},
		{"NotoSansArabic", 400, true, "مرحبا بالعالم"},
		{"RobotoFlex", 700, false, "AVATAR Wave office"},
	} {
		ref := r.match(nil, c.family, c.weight, false)
		f, err := ref.src.load()
		require.NoError(t, err)
		require.Equal(t, c.lean, ref.src.lean, c.family)
		full := fullFont(t, ref.src)
		require.Nil(t, f.GSUB.Lookups, "%s: GSUB hidden", c.family)
		require.Nil(t, f.GPOS.Lookups, "%s: GPOS hidden", c.family)
		require.NotNil(t, full.GSUB.Lookups, "%s: the reference parse has GSUB", c.family)
		require.Equal(t, full.GDEF, f.GDEF, c.family)
		require.Equal(t, full.Upem(), f.Upem())
		face, fullFace := font.NewFace(f), font.NewFace(full)
		want, _ := fullFace.FontHExtents()
		got, _ := face.FontHExtents()
		require.Equal(t, want, got, c.family)
		for _, ch := range c.text {
			gid, ok := full.NominalGlyph(ch)
			g2, ok2 := f.NominalGlyph(ch)
			require.Equal(t, []any{gid, ok}, []any{g2, ok2}, "%s %q", c.family, ch)
			we, _ := fullFace.GlyphExtents(gid)
			ge, _ := glyphExtents(ref.src.hb, face, gid)
			require.Equal(t, we, ge, "%s %q", c.family, ch)
			require.Equal(t, fullFace.HorizontalAdvance(gid), face.HorizontalAdvance(gid))
			if !c.lean {
				require.Equal(t, fullFace.GlyphData(gid), face.GlyphData(gid), "%s %q", c.family, ch)
			}
		}
	}
}
