package typeset

import (
	"context"
	"image"
	"math"
	"strings"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"

	"github.com/strata-render/strata/pkg/schema"
)

// Laid is a text layer laid out for vector output (PDF): the same
// shaping, wrapping, auto-scale and placement Draw paints, as positioned
// glyphs instead of pixels.
type Laid struct {
	// Size is the font size used, in pixels (auto-scale may lower it).
	Size float64
	// Lines are the laid-out lines, top to bottom.
	Lines []LaidLine
}

// LaidLine is one line of a Laid text.
type LaidLine struct {
	// Text is the line's text in logical order.
	Text string
	// RTL is set on a right-to-left line (its glyphs still come in
	// visual order, left to right).
	RTL bool
	// Baseline is the line's baseline in box pixels, y down.
	Baseline float64
	// Underlines and Strikes are the line's decoration rectangles (x0, y0,
	// x1, y1 in box pixels) where Draw fills them: underlines under the
	// glyphs, line-through over them.
	Underlines, Strikes [][4]float64
	// Glyphs are the line's glyphs in visual order.
	Glyphs []LaidGlyph
}

// LaidGlyph is one glyph placed in the layer box.
type LaidGlyph struct {
	// X, Y are the pen position on the baseline in box pixels, y down,
	// where Draw puts the glyph (the baseline on a whole pixel).
	X, Y float64
	// Face is the face instance the glyph belongs to; GID its glyph id.
	Face Face
	GID  uint32
	// Text is the text of the glyph's cluster on the cluster's first
	// glyph (in visual order), "" on the others; Pen and Advance are then
	// where the cluster starts on the baseline (x, box pixels) and its
	// whole advance.
	Text         string
	Pen, Advance float64
	// Emoji is the colour bitmap of an emoji glyph (premultiplied; shared,
	// read only) with its top-left corner at EmojiAt; nil for outline
	// glyphs.
	Emoji   *image.RGBA
	EmojiAt image.Point
}

// Face identifies a face instance: font, variable-font weight, synthetic
// bold and oblique. It is comparable (a map key).
type Face struct{ ref faceRef }

// PathSink receives a glyph outline.
type PathSink interface {
	MoveTo(x, y float64)
	LineTo(x, y float64)
	QuadTo(x1, y1, x2, y2 float64)
	CubeTo(x1, y1, x2, y2, x3, y3 float64)
	Close()
}

// Layout lays a text layer out in a w×h box exactly as Draw does and
// returns its glyphs.
func (r *Registry) Layout(ctx context.Context, t *schema.Text, custom []*schema.Font, w, h int) (*Laid, error) {
	return withSession(ctx, r, custom, func(ss *session, set *FontSet) (*Laid, error) {
		return r.laid(ctx, ss, set, t, w, h)
	})
}

// laid is Layout's work within a session.
func (r *Registry) laid(ctx context.Context, ss *session, set *FontSet, t *schema.Text, w, h int) (*Laid, error) {
	b := r.fit(ctx, ss, set, t, float64(w), float64(h))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := place(b, float64(w), float64(h), string(t.Align), string(t.VerticalAlign))
	out := &Laid{Size: b.size, Lines: make([]LaidLine, len(b.lines))}
	var deco *decoMetrics
	if t.Underline || t.LineThrough || strings.Contains(t.Text, "~~") {
		m := r.decorations(ss, textStyle(set, t), b.size)
		deco = &m
	}
	for i := range b.lines {
		ln := &b.lines[i]
		ll := &out.Lines[i]
		ll.RTL = ln.dir == di.DirectionRTL
		ll.Baseline = math.Round(p.y[i])
		if deco != nil {
			rects := func(bit uint8, y, th float64) (out [][4]float64) {
				th = math.Max(1, math.Round(th)) // as paint's decoLines
				top := math.Round(p.y[i] + y - th/2)
				for _, sp := range decoSpans(ln, bit) {
					out = append(out, [4]float64{p.x[i] + sp[0], top, p.x[i] + sp[1], top + th})
				}
				return out
			}
			ll.Underlines = rects(decoUnderline, deco.underY, deco.underT)
			ll.Strikes = rects(decoStrike, deco.strikeY, deco.strikeT)
		}
		if ln.lo < ln.hi && ln.hi <= len(ln.runes) {
			ll.Text = string(ln.runes[ln.lo:ln.hi])
		}
		for j, g := range ln.glyphs {
			x := p.x[i] + g.x
			y := math.Round(p.y[i] + g.y)
			lg := LaidGlyph{X: x, Y: y, Face: Face{g.ref}, GID: g.gid}
			if cl, cn := g.cluster, int(g.cn); cn > 0 && cl >= 0 && cl+cn <= len(ln.runes) {
				lg.Text = string(ln.runes[cl : cl+cn])
				lg.Pen = p.x[i] + g.pen
				for k := j; k < len(ln.glyphs) && ln.glyphs[k].cluster == cl; k++ {
					lg.Advance += ln.glyphs[k].adv
				}
			}
			if g.emoji {
				ex, ey, ew, eh := emojiBox(g.xb, g.yb, g.gw, g.gh, g.adv, b.size)
				if m := r.emojiImage(ss, g.ref, font.GID(g.gid), ew, eh); m.rgba != nil {
					lg.Emoji = &image.RGBA{Pix: m.rgba, Stride: 4 * m.w, Rect: image.Rect(0, 0, m.w, m.h)}
					lg.EmojiAt = image.Pt(int(math.Round(x))+ex, int(y)+ey)
				}
			}
			ll.Glyphs = append(ll.Glyphs, lg)
		}
	}
	return out, nil
}

// Upem is the face's units per em.
func (r *Registry) Upem(f Face) float64 { return float64(f.ref.src.font.Upem()) }

// Outline sends glyph gid's outline to sink in font units, y up, with the
// face's variable-font weight and its synthetic styles applied as Draw
// applies them (the oblique shear; the bold strokes as extra copies
// shifted right, filled with the nonzero rule), and returns its advance.
// Colour (emoji) glyphs have no outline, nor has a glyph a hostile custom
// font breaks the font machinery on (the panic is contained here: the
// outlines are read when the PDF is written, after Layout's guard).
func (r *Registry) Outline(f Face, gid uint32, sink PathSink) (advance float64) {
	ss := r.session()
	defer r.release(ss)
	defer func() {
		if recover() != nil {
			advance = 0
		}
	}()
	face := ss.face(f.ref)
	advance = float64(face.HorizontalAdvance(font.GID(gid)))
	outline, ok := ss.outline(f.ref, gid)
	if !ok {
		return advance
	}
	slant := 0.0
	if f.ref.oblique {
		slant = obliqueSlant
	}
	shifts := []float64{0}
	if f.ref.bold {
		s := boldStrength * float64(face.Upem())
		shifts = []float64{0, s / 2, s}
	}
	for _, shift := range shifts {
		walkOutline(outline.Segments, func(p ot.SegmentPoint) (float64, float64) {
			return float64(p.X) + slant*float64(p.Y) + shift, float64(p.Y)
		}, sink)
	}
	return advance
}

// walkOutline sends segs to sink, each point mapped by pt, closing every
// contour (a MoveTo closes the one before it).
func walkOutline(segs []ot.Segment, pt func(ot.SegmentPoint) (float64, float64), sink PathSink) {
	open := false
	for _, seg := range segs {
		switch seg.Op {
		case ot.SegmentOpMoveTo:
			if open {
				sink.Close()
			}
			sink.MoveTo(pt(seg.Args[0]))
			open = true
		case ot.SegmentOpLineTo:
			sink.LineTo(pt(seg.Args[0]))
		case ot.SegmentOpQuadTo:
			x1, y1 := pt(seg.Args[0])
			x2, y2 := pt(seg.Args[1])
			sink.QuadTo(x1, y1, x2, y2)
		case ot.SegmentOpCubeTo:
			x1, y1 := pt(seg.Args[0])
			x2, y2 := pt(seg.Args[1])
			x3, y3 := pt(seg.Args[2])
			sink.CubeTo(x1, y1, x2, y2, x3, y3)
		}
	}
	if open {
		sink.Close()
	}
}
