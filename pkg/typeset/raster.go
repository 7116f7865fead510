package typeset

import (
	"image"
	"image/color"
	"math"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"golang.org/x/image/draw"
	"golang.org/x/image/vector"

	"github.com/strata-render/strata/pkg/schema"
)

// subpixels is the number of horizontal subpixel positions a glyph mask
// is rendered at (quarter pixels).
const subpixels = 4

// maskKey identifies a rasterised glyph.
type maskKey struct {
	src     uint64
	gid     uint32
	size    int32 // font size in 1/64 px (emoji: w<<16|h)
	sub     uint8
	wght    float32
	vars    string
	stroke  int32 // stroke width in 1/64 px: the mask is the stroke's (0: the fill)
	bold    bool
	oblique bool
	emoji   bool
}

// mask is a rasterised glyph: an 8-bit coverage mask (outline glyphs) or
// premultiplied RGBA pixels (emoji), placed at (x0, y0) from the pen on
// the baseline.
type mask struct {
	x0, y0 int
	w, h   int
	a      []byte
	rgba   []byte
}

func maskCost(m *mask) int64 { return int64(len(m.a) + len(m.rgba) + 64) }

// glyphMask returns the coverage mask of an outline glyph at size, for a
// pen at subpixel offset sub/subpixels (cached).
func (r *Registry) glyphMask(ss *session, ref faceRef, gid uint32, size float64, sub int) *mask {
	key := maskKey{src: ref.src.id, gid: gid, size: int32(math.Round(size * 64)), sub: uint8(sub), wght: ref.wght, vars: ref.vars, bold: ref.bold, oblique: ref.oblique}
	if m, ok := r.masks.Get(key); ok {
		return m
	}
	m := ss.rasterise(ref, gid, size, float64(sub)/subpixels)
	r.masks.Put(key, m)
	return m
}

// rasterise draws a glyph outline into a coverage mask.
func (ss *session) rasterise(ref faceRef, gid uint32, size, dx float64) *mask {
	face := ss.face(ref)
	outline, ok := ss.outline(ref, gid)
	if !ok || len(outline.Segments) == 0 {
		return &mask{}
	}
	scale := size / float64(face.Upem())
	slant := 0.0
	if ref.oblique {
		slant = obliqueSlant
	}
	var shifts = []float64{0}
	if ref.bold {
		s := boldStrength * size
		shifts = []float64{0, s / 2, s}
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	tx := func(p ot.SegmentPoint) (float64, float64) {
		x := (float64(p.X)+slant*float64(p.Y))*scale + dx
		y := -float64(p.Y) * scale
		return x, y
	}
	for _, seg := range outline.Segments {
		for _, p := range seg.ArgsSlice() {
			x, y := tx(p)
			minX, maxX = math.Min(minX, x), math.Max(maxX, x)
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		}
	}
	maxX += shifts[len(shifts)-1]
	x0, y0 := int(math.Floor(minX)), int(math.Floor(minY))
	w, h := int(math.Ceil(maxX))-x0, int(math.Ceil(maxY))-y0
	if w <= 0 || h <= 0 || w > 8192 || h > 8192 {
		return &mask{}
	}
	z := &ss.raster
	z.Reset(w, h)
	z.DrawOp = draw.Src
	sink := rasterSink{z}
	for _, shift := range shifts {
		ox, oy := float64(x0)-shift, float64(y0)
		walkOutline(outline.Segments, func(p ot.SegmentPoint) (float64, float64) {
			x, y := tx(p)
			return x - ox, y - oy
		}, sink)
	}
	dst := image.NewAlpha(image.Rect(0, 0, w, h))
	z.Draw(dst, dst.Bounds(), image.Opaque, image.Point{})
	return &mask{x0: x0, y0: y0, w: w, h: h, a: dst.Pix}
}

// paintStyle is how a block is painted: the fill colour, an optional
// stroke, and the decoration metrics (used by glyphs that carry a
// decoration).
type paintStyle struct {
	fill   color.NRGBA
	stroke *schema.TextStroke
	deco   decoMetrics
}

// premul is a colour premultiplied, 0..255 per channel.
func premul(c color.NRGBA) (r, g, b, a uint32) {
	a = uint32(c.A)
	return uint32(c.R) * a / 255, uint32(c.G) * a / 255, uint32(c.B) * a / 255, a
}

// paintOp is one step of painting a block: a glyph's coverage mask in a
// colour (drawMask), an emoji's pixels at an alpha (drawRGBA), or a
// decoration rectangle (fillRect), in paint order.
type paintOp struct {
	kind           uint8
	m              *mask
	x, y           int        // the mask's or emoji's top-left
	rect           [4]float64 // a decoration's x0, y0, x1, y1
	cr, cg, cb, ca uint32     // premultiplied colour (emoji: ca is the alpha)
}

const (
	opMask = iota
	opEmoji
	opRect
)

// bounds is the part of the plane that op may write to (a superset for
// a rectangle: its edge pixels may get no coverage).
func (op *paintOp) bounds() image.Rectangle {
	if op.kind == opRect {
		return image.Rect(int(math.Floor(op.rect[0])), int(math.Floor(op.rect[1])), int(math.Ceil(op.rect[2])), int(math.Ceil(op.rect[3])))
	}
	return image.Rect(op.x, op.y, op.x+op.m.w, op.y+op.m.h)
}

// run paints op into dst, clipped to dst.
func (op *paintOp) run(dst *image.RGBA) {
	switch op.kind {
	case opMask:
		drawMask(dst, op.m, op.x, op.y, op.cr, op.cg, op.cb, op.ca)
	case opEmoji:
		drawRGBA(dst, op.m, op.x, op.y, op.ca)
	case opRect:
		fillRect(dst, op.rect[0], op.rect[1], op.rect[2], op.rect[3], op.cr, op.cg, op.cb, op.ca)
	}
}

// paintOps appends the steps that paint a placed block, offset by
// (ox, oy), onto a plane clipped to clip: per line, underlines, the
// glyphs' fill, their stroke, then line-through (CSS paint order). Glyphs
// wholly outside clip are left out before they are rasterised.
func (r *Registry) paintOps(ss *session, ops []paintOp, clip image.Rectangle, b *block, p placement, ps paintStyle, ox, oy int) []paintOp {
	cr, cg, cb, ca := premul(ps.fill)
	for i := range b.lines {
		ln := &b.lines[i]
		lx, ly := p.x[i]+float64(ox), p.y[i]+float64(oy)
		decoLines := func(bit uint8, y, t float64) {
			t = math.Max(1, math.Round(t))
			top := math.Round(ly + y - t/2)
			for _, sp := range decoSpans(ln, bit) {
				ops = append(ops, paintOp{kind: opRect, rect: [4]float64{lx + sp[0], top, lx + sp[1], top + t}, cr: cr, cg: cg, cb: cb, ca: ca})
			}
		}
		decoLines(decoUnderline, ps.deco.underY, ps.deco.underT)
		ops = r.glyphOps(ss, ops, clip, b, ln, lx, ly, nil, cr, cg, cb, ca)
		if ps.stroke != nil {
			sr, sg, sb, sa := premul(ps.stroke.Color)
			ops = r.glyphOps(ss, ops, clip, b, ln, lx, ly, ps.stroke, sr, sg, sb, sa)
		}
		decoLines(decoStrike, ps.deco.strikeY, ps.deco.strikeT)
	}
	return ops
}

// glyphOps appends the steps that draw a line's glyphs at (lx, ly): their
// fill, or with stroke their outlines stroked (emoji are not stroked).
func (r *Registry) glyphOps(ss *session, ops []paintOp, clip image.Rectangle, b *block, ln *line, lx, ly float64, stroke *schema.TextStroke, cr, cg, cb, ca uint32) []paintOp {
	margin := 2 + b.size*0.3 // oblique, bold and rounding slack
	if stroke != nil {
		margin += stroke.Width / 2
	}
	for _, g := range ln.glyphs {
		x := lx + g.x
		by := int(math.Round(ly + g.y))
		// Skip glyphs wholly outside the box before rasterising them
		// (huge sizes, clipped overflow).
		if x+g.xb+math.Max(g.gw, g.adv)+margin < float64(clip.Min.X) || x+g.xb-margin > float64(clip.Max.X) ||
			float64(by)-g.yb-margin > float64(clip.Max.Y) || float64(by)-g.yb-g.gh+margin < float64(clip.Min.Y) {
			continue
		}
		if g.emoji {
			if stroke != nil {
				continue
			}
			ex, ey, ew, eh := emojiBox(g.xb, g.yb, g.gw, g.gh, g.adv, b.size)
			m := r.emojiImage(ss, g.ref, font.GID(g.gid), ew, eh)
			if m.rgba != nil {
				ops = append(ops, paintOp{kind: opEmoji, m: m, x: int(math.Round(x)) + ex, y: by + ey, ca: ca})
			}
			continue
		}
		ix := math.Floor(x)
		sub := int((x - ix) * subpixels)
		var m *mask
		if stroke != nil {
			m = r.strokeMask(ss, g.ref, g.gid, b.size, sub, stroke.Width)
		} else {
			m = r.glyphMask(ss, g.ref, g.gid, b.size, sub)
		}
		if m.w == 0 {
			continue
		}
		ops = append(ops, paintOp{kind: opMask, m: m, x: int(ix) + m.x0, y: by + m.y0, cr: cr, cg: cg, cb: cb, ca: ca})
	}
	return ops
}

// drawMask composites a coverage mask in a premultiplied colour over dst
// (source-over), clipped to dst.
func drawMask(dst *image.RGBA, m *mask, px, py int, cr, cg, cb, ca uint32) {
	b := dst.Rect
	x0, y0 := max(px, b.Min.X), max(py, b.Min.Y)
	x1, y1 := min(px+m.w, b.Max.X), min(py+m.h, b.Max.Y)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	for y := y0; y < y1; y++ {
		mrow := m.a[(y-py)*m.w+(x0-px) : (y-py)*m.w+(x1-px)]
		d := dst.Pix[dst.PixOffset(x0, y):]
		for i, a := range mrow {
			if a == 0 {
				continue
			}
			p := d[i*4 : i*4+4 : i*4+4]
			av := uint32(a)
			if av == 255 && ca == 255 {
				p[0], p[1], p[2], p[3] = uint8(cr), uint8(cg), uint8(cb), 255
				continue
			}
			sa := div255(ca * av)
			inv := 255 - sa
			p[0] = uint8(div255(cr*av) + div255(uint32(p[0])*inv))
			p[1] = uint8(div255(cg*av) + div255(uint32(p[1])*inv))
			p[2] = uint8(div255(cb*av) + div255(uint32(p[2])*inv))
			p[3] = uint8(sa + div255(uint32(p[3])*inv))
		}
	}
}

// drawRGBA composites premultiplied pixels over dst with an extra alpha.
func drawRGBA(dst *image.RGBA, m *mask, px, py int, alpha uint32) {
	b := dst.Rect
	x0, y0 := max(px, b.Min.X), max(py, b.Min.Y)
	x1, y1 := min(px+m.w, b.Max.X), min(py+m.h, b.Max.Y)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	for y := y0; y < y1; y++ {
		s := m.rgba[((y-py)*m.w+(x0-px))*4:]
		d := dst.Pix[dst.PixOffset(x0, y):]
		for i := 0; i < x1-x0; i++ {
			sp := s[i*4 : i*4+4 : i*4+4]
			sa := div255(uint32(sp[3]) * alpha)
			if sa == 0 {
				continue
			}
			dp := d[i*4 : i*4+4 : i*4+4]
			inv := 255 - sa
			for c := 0; c < 3; c++ {
				dp[c] = uint8(min(255, div255(uint32(sp[c])*alpha)+div255(uint32(dp[c])*inv)))
			}
			dp[3] = uint8(sa + div255(uint32(dp[3])*inv))
		}
	}
}

// div255 is x/255 rounded, for x ≤ 255*255.
func div255(x uint32) uint32 { return (x + 128 + (x+128)>>8) >> 8 }

// rasterSink feeds an outline to the rasteriser, in its float32 pixels.
type rasterSink struct{ z *vector.Rasterizer }

func (s rasterSink) MoveTo(x, y float64) { s.z.MoveTo(float32(x), float32(y)) }
func (s rasterSink) LineTo(x, y float64) { s.z.LineTo(float32(x), float32(y)) }
func (s rasterSink) QuadTo(x1, y1, x2, y2 float64) {
	s.z.QuadTo(float32(x1), float32(y1), float32(x2), float32(y2))
}
func (s rasterSink) CubeTo(x1, y1, x2, y2, x3, y3 float64) {
	s.z.CubeTo(float32(x1), float32(y1), float32(x2), float32(y2), float32(x3), float32(y3))
}
func (s rasterSink) Close() { s.z.ClosePath() }
