package typeset

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// Draw renders a text layer into a fresh w×h premultiplied RGBA box:
// markdown runs, shaping, wrapping (when t.SplitLines), auto-scaling
// (when t.AutoScale), alignment, clipping to the box. Rotation and
// opacity are the compositor's. custom is the request's fonts[]; a font
// that fails is a failure.Unprocessable naming it.
func (r *Registry) Draw(ctx context.Context, t *schema.Text, custom []*schema.Font, w, h int) (img *image.RGBA, err error) {
	set, err := r.LoadCustom(custom)
	if err != nil {
		return nil, err
	}
	defer guard(&err, set)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ss := r.session()
	defer r.release(ss)
	b := r.fit(ss, set, t, float64(w), float64(h))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img = image.NewRGBA(image.Rect(0, 0, w, h))
	p := place(b, float64(w), float64(h), string(t.Align), string(t.VerticalAlign))
	r.paint(ss, img, b, p, t.Color, 0, 0)
	return img, nil
}

// Measure returns the natural size of a text layer at its font size:
// the widest line and the height of all lines, wrapped to maxWidth when
// maxWidth > 0 and t.SplitLines (0 = unbounded: the longest hard line).
// The Layout layer uses it for "auto" dimensions.
func (r *Registry) Measure(ctx context.Context, t *schema.Text, custom []*schema.Font, maxWidth int) (w, h int, err error) {
	set, err := r.LoadCustom(custom)
	if err != nil {
		return 0, 0, err
	}
	defer guard(&err, set)
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	ss := r.session()
	defer r.release(ss)
	paras := r.shapeText(ss, set, t)
	b := r.layout(ss, paras, t.FontSize, float64(maxWidth), t.ParagraphSpacing, t.SplitLines && maxWidth > 0)
	return int(math.Ceil(b.width - 1e-9)), int(math.Ceil(b.height - 1e-9)), nil
}

// guard turns a panic in the font machinery (hostile custom fonts reach
// code paths the load-time probe did not) into a 422 instead of a crash.
func guard(err *error, set *FontSet) {
	if p := recover(); p != nil {
		if set == nil {
			*err = failure.Wrap(failure.Internal, fmt.Errorf("%v", p), "text rendering failed")
			return
		}
		*err = failure.Wrap(failure.Unprocessable, fmt.Errorf("%v", p), "text could not be drawn with the custom fonts in fonts[]")
	}
}

// style returns the layer's font request.
func textStyle(set *FontSet, t *schema.Text) style {
	w := int(t.Weight)
	if w == 0 {
		w = 400
	}
	return style{set: set, family: t.FontName, weight: w, italic: t.Italic}
}

// shapeText splits a layer's text into paragraphs and hard lines and
// shapes each line (cached).
func (r *Registry) shapeText(ss *session, set *FontSet, t *schema.Text) [][]*shapedLine {
	st := textStyle(set, t)
	paras := splitParagraphs(t.Text)
	out := make([][]*shapedLine, len(paras))
	for i, p := range paras {
		out[i] = make([]*shapedLine, len(p.lines))
		for j, l := range p.lines {
			out[i][j] = r.shape(ss, st, r.breakThai(l))
		}
	}
	return out
}

// minAutoSize is the smallest size auto-scale goes down to; text that
// does not fit at it is drawn at it and clipped.
const minAutoSize = 1

// fit lays the text out for a w×h box: at the requested size, or with
// auto-scale at the largest size ≤ the requested one at which it fits.
// Sizes are binary-searched over whole pixels below the requested size
// (shaping is done once; each probe only scales and re-wraps).
func (r *Registry) fit(ss *session, set *FontSet, t *schema.Text, w, h float64) *block {
	paras := r.shapeText(ss, set, t)
	at := func(size float64) *block {
		return r.layout(ss, paras, size, w, t.ParagraphSpacing, t.SplitLines)
	}
	b := at(t.FontSize)
	if !t.AutoScale || b.fits(w, h) {
		return b
	}
	// Invariant: lo fits (or is the minimum), hi does not fit.
	lo, hi := float64(minAutoSize), t.FontSize
	best := at(lo)
	if !best.fits(w, h) || hi <= lo {
		return best
	}
	for {
		mid := math.Floor((lo + hi) / 2)
		if mid <= lo {
			mid = lo + 1
		}
		if mid >= hi {
			break
		}
		if c := at(mid); c.fits(w, h) {
			lo, best = mid, c
		} else {
			hi = mid
		}
	}
	return best
}
