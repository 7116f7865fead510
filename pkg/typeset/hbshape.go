package typeset

/*
#cgo pkg-config: harfbuzz
#include <stdlib.h>
#include <hb.h>
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unicode"
	"unsafe"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// Shaping goes through the system HarfBuzz (Debian libharfbuzz, the
// engine Chromium shapes with) by cgo; go-text still parses the fonts,
// segments the text, wraps lines and supplies glyph outlines and
// extents. go-text's own HarfBuzz port (v0.3.5) skips GSUB/GPOS
// subtables whose coverage is a wide range list (its set digest stops
// adding ranges once any of its three masks is full), so it dropped pair
// kerning in most Latin fonts and the medial Arabic forms; see
// docs/TEXT.md, "Shaping", for the differential test and the benchmark
// behind this choice.

// hbFace is one font file opened in HarfBuzz, with its hb_font_t per
// (variable weight, scale). A hb_font_t is immutable once made, so it is
// shared by all goroutines.
type hbFace struct {
	st *hbState
	// lean: the go-text font of this face has no glyph data, so glyph
	// extents come from HarfBuzz too, at upem, or from bitmaps when the
	// face has colour bitmaps (fontfile.go).
	lean    bool
	upem    int32
	bitmaps *colorBitmaps
}

// hbState holds the C objects; it is separate from hbFace so that the
// cleanup attached to hbFace can free them.
type hbState struct {
	face  *C.hb_face_t
	mu    sync.Mutex
	fonts map[hbFontKey]*C.hb_font_t
}

type hbFontKey struct {
	vars  string // the variation axes, as variationsKey writes them
	scale int32
}

// variationsKey is a canonical spelling of axis values for hbFontKey.
func variationsKey(vs []font.Variation) string {
	b := make([]byte, 0, 12*len(vs))
	for _, v := range vs {
		b = fmt.Appendf(b, "%08x=%g,", uint32(v.Tag), v.Value)
	}
	return string(b)
}

// maxHBFonts bounds the hb_font_t kept per face (a variable font gets
// one per requested weight).
const maxHBFonts = 64

// newHBFace opens font bytes in HarfBuzz: a copy of them when dup (Go
// memory, which C must not keep), else the bytes themselves, which must
// then be memory that outlives the face and that Go does not manage (a
// read-only file mapping). Bytes HarfBuzz cannot read as a font are an
// error.
func newHBFace(data []byte, dup bool) (*hbFace, error) {
	if len(data) == 0 || len(data) > math.MaxInt32 {
		return nil, fmt.Errorf("font data of %d bytes", len(data))
	}
	mode := C.hb_memory_mode_t(C.HB_MEMORY_MODE_READONLY)
	if dup {
		mode = C.HB_MEMORY_MODE_DUPLICATE
	}
	blob := C.hb_blob_create((*C.char)(unsafe.Pointer(&data[0])), C.uint(len(data)), mode, nil, nil)
	face := C.hb_face_create(blob, 0)
	C.hb_blob_destroy(blob) // the face holds its own reference
	if C.hb_face_get_glyph_count(face) == 0 {
		C.hb_face_destroy(face)
		return nil, fmt.Errorf("HarfBuzz cannot read the font (no glyphs)")
	}
	st := &hbState{face: face, fonts: map[hbFontKey]*C.hb_font_t{}}
	f := &hbFace{st: st}
	runtime.AddCleanup(f, func(st *hbState) { st.destroy() }, st)
	return f, nil
}

func (st *hbState) destroy() {
	for _, f := range st.fonts {
		C.hb_font_destroy(f)
	}
	C.hb_face_destroy(st.face)
}

// font returns the immutable hb_font_t for variation axis values (none:
// the font's default instance) and a scale (units per em of the output).
// The caller must keep f alive while it uses the result.
func (f *hbFace) font(vs []font.Variation, scale int32) *C.hb_font_t {
	st := f.st
	key := hbFontKey{variationsKey(vs), scale}
	st.mu.Lock()
	defer st.mu.Unlock()
	if hf := st.fonts[key]; hf != nil {
		return hf
	}
	if len(st.fonts) >= maxHBFonts {
		// Rare (a variable font asked for many weights): start over. A
		// font in use elsewhere keeps its own reference until then.
		for k, hf := range st.fonts {
			defer C.hb_font_destroy(hf)
			delete(st.fonts, k)
		}
	}
	hf := C.hb_font_create(st.face)
	C.hb_font_set_scale(hf, C.int(scale), C.int(scale))
	if len(vs) > 0 {
		hv := make([]C.hb_variation_t, len(vs))
		for i, v := range vs {
			hv[i] = C.hb_variation_t{tag: C.hb_tag_t(v.Tag), value: C.float(v.Value)}
		}
		C.hb_font_set_variations(hf, &hv[0], C.uint(len(hv)))
	}
	C.hb_font_make_immutable(hf)
	st.fonts[key] = hf
	return hf
}

// hbShape shapes input.Text[RunStart:RunEnd] (the rest of Text is
// context) with HarfBuzz at input.Size, into go-text's Output so the
// line wrapper and drawing code use it unchanged. input.Face must be the
// go-text face of the same font (with the same variation set): glyph
// extents and line bounds come from it. vs are the variable-font axes
// (0 for static fonts). halt, when not nil, marks the runes (indices
// into Text) set half-width with the font's 'halt' feature (CJK
// punctuation trimming, see cjkTrim).
func hbShape(hf *hbFace, vs []font.Variation, input shaping.Input, halt []bool) shaping.Output {
	scale := int32(input.Size) // 26.6 pixels: HarfBuzz positions come out in 1/64 px
	hfont := hf.font(vs, scale)
	buf := C.hb_buffer_create()
	defer C.hb_buffer_destroy(buf)

	text := input.Text
	start, end := max(0, min(input.RunStart, len(text))), max(0, min(input.RunEnd, len(text)))
	if len(text) > 0 {
		C.hb_buffer_add_utf32(buf, (*C.uint32_t)(unsafe.Pointer(&text[0])), C.int(len(text)), C.uint(start), C.int(end-start))
	}
	switch input.Direction.Progression() {
	case di.TowardTopLeft:
		C.hb_buffer_set_direction(buf, C.HB_DIRECTION_RTL)
	default:
		C.hb_buffer_set_direction(buf, C.HB_DIRECTION_LTR)
	}
	C.hb_buffer_set_script(buf, C.hb_script_t(input.Script))
	if input.Language != "" {
		lang := C.CString(string(input.Language))
		C.hb_buffer_set_language(buf, C.hb_language_from_string(lang, -1))
		C.free(unsafe.Pointer(lang))
	}
	var feats []C.hb_feature_t
	for _, ft := range input.FontFeatures {
		feats = append(feats, C.hb_feature_t{tag: C.hb_tag_t(ft.Tag), value: C.uint32_t(ft.Value),
			start: C.HB_FEATURE_GLOBAL_START, end: C.HB_FEATURE_GLOBAL_END})
	}
	for i := start; i < end && i < len(halt); i++ {
		if halt[i] {
			feats = append(feats, C.hb_feature_t{tag: C.hb_tag_t(0x68616c74), value: 1, start: C.uint(i), end: C.uint(i + 1)}) // 'halt'
		}
	}
	var fp *C.hb_feature_t
	if len(feats) > 0 {
		fp = &feats[0]
	}
	C.hb_shape(hfont, buf, fp, C.uint(len(feats)))
	runtime.KeepAlive(hf)
	runtime.KeepAlive(text)

	var n C.uint
	infos := unsafe.Slice(C.hb_buffer_get_glyph_infos(buf, &n), int(n))
	pos := unsafe.Slice(C.hb_buffer_get_glyph_positions(buf, nil), int(n))
	face := input.Face
	k := float32(scale) / float32(face.Upem())
	sc := func(v float32) fixed.Int26_6 { return fixed.Int26_6(math.Round(float64(v * k))) }
	glyphs := make([]shaping.Glyph, n)
	for i := range glyphs {
		gid := font.GID(infos[i].codepoint)
		g := shaping.Glyph{
			ClusterIndex: int(infos[i].cluster),
			GlyphID:      gid,
			XAdvance:     fixed.Int26_6(pos[i].x_advance),
			XOffset:      fixed.Int26_6(pos[i].x_offset),
			YOffset:      fixed.Int26_6(pos[i].y_offset),
		}
		g.Advance = g.XAdvance
		if ext, ok := glyphExtents(hf, face, gid); ok {
			g.XBearing, g.YBearing, g.Width, g.Height = sc(ext.XBearing), sc(ext.YBearing), sc(ext.Width), sc(ext.Height)
		}
		// A space the font lacks is drawn as nothing, not as a box
		// (go-text's shaper does the same).
		if gid == 0 && g.ClusterIndex < len(text) && unicode.Is(unicode.Zs, text[g.ClusterIndex]) {
			g.GlyphID = font.EmptyGlyph
			g.Width, g.Height = 0, 0
		}
		glyphs[i] = g
	}
	countClusters(glyphs, end, input.Direction.Progression())
	out := shaping.Output{Glyphs: glyphs, Direction: input.Direction, Face: face, Size: input.Size}
	out.Runes.Offset, out.Runes.Count = start, end-start
	ext, ok := face.FontHExtents()
	if ok {
		out.LineBounds = shaping.Bounds{Ascent: sc(ext.Ascender), Descent: sc(ext.Descender), Gap: sc(ext.LineGap)}
	} else {
		// HarfBuzz's fallback: 0.8 em above, 0.2 em below.
		out.LineBounds = shaping.Bounds{Ascent: fixed.Int26_6(float32(scale) * 0.8), Descent: -fixed.Int26_6(float32(scale) * 0.2)}
	}
	out.RecalculateAll()
	return out
}

// countClusters sets each glyph's RuneCount and GlyphCount from the
// cluster values (as go-text's shaper does): glyphs in logical order for
// left-to-right runs, reversed for right-to-left ones.
func countClusters(glyphs []shaping.Glyph, textEnd int, dir di.Progression) {
	prev := textEnd
	for i := 0; i < len(glyphs); {
		c := glyphs[i].ClusterIndex
		j := i + 1
		for j < len(glyphs) && glyphs[j].ClusterIndex == c {
			j++
		}
		next := textEnd
		if j < len(glyphs) {
			next = glyphs[j].ClusterIndex
		}
		runes := next - c
		if dir == di.TowardTopLeft {
			runes = prev - c
		}
		for k := i; k < j; k++ {
			glyphs[k].GlyphCount, glyphs[k].RuneCount = j-i, runes
		}
		prev = c
		i = j
	}
}
