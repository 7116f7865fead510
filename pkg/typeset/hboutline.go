package typeset

/*
#cgo pkg-config: harfbuzz
#include <stdlib.h>
#include <hb.h>

// A glyph outline as HarfBuzz draws it: 7 floats a segment (the op, then
// up to three points), in a malloc'd buffer that grows.
typedef struct { float *v; int n, cap; int oom; } strata_segs;

static void strata_push(strata_segs *s, float op, float x1, float y1, float x2, float y2, float x3, float y3) {
	if (s->oom) return;
	if (s->n + 7 > s->cap) {
		int cap = s->cap ? 2 * s->cap : 7 * 64;
		float *v = realloc(s->v, (size_t)cap * sizeof(float));
		if (!v) { s->oom = 1; return; }
		s->v = v; s->cap = cap;
	}
	float *p = s->v + s->n;
	p[0] = op; p[1] = x1; p[2] = y1; p[3] = x2; p[4] = y2; p[5] = x3; p[6] = y3;
	s->n += 7;
}

static void strata_move_to(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float x, float y, void *u) {
	strata_push(d, 0, x, y, 0, 0, 0, 0);
}
static void strata_line_to(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float x, float y, void *u) {
	strata_push(d, 1, x, y, 0, 0, 0, 0);
}
static void strata_quad_to(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float cx, float cy, float x, float y, void *u) {
	strata_push(d, 2, cx, cy, x, y, 0, 0);
}
static void strata_cubic_to(hb_draw_funcs_t *f, void *d, hb_draw_state_t *st, float c1x, float c1y, float c2x, float c2y, float x, float y, void *u) {
	strata_push(d, 3, c1x, c1y, c2x, c2y, x, y);
}

static hb_draw_funcs_t *strata_draw_funcs(void) {
	hb_draw_funcs_t *f = hb_draw_funcs_create();
	hb_draw_funcs_set_move_to_func(f, strata_move_to, NULL, NULL);
	hb_draw_funcs_set_line_to_func(f, strata_line_to, NULL, NULL);
	hb_draw_funcs_set_quadratic_to_func(f, strata_quad_to, NULL, NULL);
	hb_draw_funcs_set_cubic_to_func(f, strata_cubic_to, NULL, NULL);
	hb_draw_funcs_make_immutable(f);
	return f;
}

static int strata_draw(hb_font_t *font, hb_codepoint_t gid, hb_draw_funcs_t *funcs, strata_segs *s) {
	hb_font_get_glyph_shape(font, gid, funcs, s);
	return !s->oom;
}
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
)

var (
	drawFuncsOnce sync.Once
	drawFuncs     *C.hb_draw_funcs_t
)

// outline is a glyph's outline in font units as HarfBuzz draws it (y up,
// go-text's segment form), for the faces opened lean; ok is false when
// the glyph has none.
func (f *hbFace) outline(gid font.GID, upem int32) (font.GlyphOutline, bool) {
	drawFuncsOnce.Do(func() { drawFuncs = C.strata_draw_funcs() })
	hf := f.font(nil, upem)
	var s C.strata_segs
	ok := C.strata_draw(hf, C.hb_codepoint_t(gid), drawFuncs, &s) != 0
	runtime.KeepAlive(f)
	defer C.free(unsafe.Pointer(s.v))
	if !ok || s.n == 0 {
		return font.GlyphOutline{}, false
	}
	v := unsafe.Slice((*float32)(unsafe.Pointer(s.v)), int(s.n))
	segs := make([]ot.Segment, 0, len(v)/7)
	for i := 0; i+7 <= len(v); i += 7 {
		seg := ot.Segment{Op: ot.SegmentOp(v[i])}
		for k := range 3 {
			seg.Args[k] = ot.SegmentPoint{X: v[i+1+2*k], Y: v[i+2+2*k]}
		}
		segs = append(segs, seg)
	}
	return font.GlyphOutline{Segments: segs}, true
}

// extents is a glyph's ink box in font units (HarfBuzz's convention, as
// go-text's GlyphExtents: y bearing is the top, height is negative).
func (f *hbFace) extents(gid font.GID, upem int32) (font.GlyphExtents, bool) {
	hf := f.font(nil, upem)
	var e C.hb_glyph_extents_t
	ok := C.hb_font_get_glyph_extents(hf, C.hb_codepoint_t(gid), &e) != 0
	runtime.KeepAlive(f)
	if !ok {
		return font.GlyphExtents{}, false
	}
	return font.GlyphExtents{XBearing: float32(e.x_bearing), YBearing: float32(e.y_bearing), Width: float32(e.width), Height: float32(e.height)}, true
}

// glyphExtents is a glyph's ink box in font units: go-text's, or for a
// lean face (go-text has no glyph data to measure there) the bitmap's or
// HarfBuzz's.
func glyphExtents(hf *hbFace, face *font.Face, gid font.GID) (font.GlyphExtents, bool) {
	if hf.bitmaps != nil {
		return hf.bitmaps.extents(gid)
	}
	if hf.lean {
		return hf.extents(gid, hf.upem)
	}
	return face.GlyphExtents(gid)
}
