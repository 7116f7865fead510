package typeset

import (
	"context"
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// DrawInk renders a text layer — markdown runs, shaping, wrapping (when
// t.SplitLines), auto-scaling (when t.AutoScale), alignment, clipping to
// the w×h box — into only the part of the box that its ink may touch:
// alloc is called once with that rectangle (in the box's coordinates,
// inside it) and returns a transparent premultiplied image whose Rect
// contains it and lies in the box, and the text is painted into that.
// Pixels of the box outside the rectangle stay transparent. When nothing
// would be painted, alloc is not called and the image is nil. Rotation and
// opacity are the compositor's; the renderer blends the image where the
// box is, with no box-sized image per text layer. custom is the request's
// fonts[]; a font that fails is a failure.Unprocessable naming it.
func (r *Registry) DrawInk(ctx context.Context, t *schema.Text, custom []*schema.Font, w, h int, alloc func(image.Rectangle) *image.RGBA) (*image.RGBA, error) {
	return withSession(ctx, r, custom, func(ss *session, set *FontSet) (*image.RGBA, error) {
		b := r.fit(ctx, ss, set, t, float64(w), float64(h))
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		box := image.Rect(0, 0, w, h)
		p := place(b, float64(w), float64(h), string(t.Align), string(t.VerticalAlign))
		pt := paintStyle{fill: t.Color, stroke: t.Stroke}
		if t.Underline || t.LineThrough || strings.Contains(t.Text, "~~") {
			pt.deco = r.decorations(ss, textStyle(set, t), b.size)
		}
		ops := r.paintOps(ss, ss.ops[:0], box, b, p, pt, 0, 0)
		var ink image.Rectangle
		for i := range ops {
			ink = ink.Union(ops[i].bounds().Intersect(box))
		}
		var img *image.RGBA
		if !ink.Empty() {
			img = alloc(ink)
			for i := range ops {
				ops[i].run(img)
			}
		}
		clear(ops) // no masks kept alive by the session
		ss.ops = ops[:0]
		r.report(ctx, ss, set, t, b, p, float64(w), float64(h))
		return img, nil
	})
}

// Measure returns the natural size of a text layer at its font size:
// the widest line and the height of all lines, wrapped to maxWidth when
// maxWidth > 0 and t.SplitLines (0 = unbounded: the longest hard line).
// The Layout layer uses it for "auto" dimensions.
func (r *Registry) Measure(ctx context.Context, t *schema.Text, custom []*schema.Font, maxWidth int) (w, h int, err error) {
	size, err := withSession(ctx, r, custom, func(ss *session, set *FontSet) ([2]int, error) {
		paras := r.shapeText(ss, set, t)
		o := layoutOptions(t, t.SplitLines && maxWidth > 0)
		b := r.layout(ss, paras, t.FontSize, float64(maxWidth), o)
		r.clamp(ss, textStyle(set, t), b, t.MaxLines, t.Overflow != schema.OverflowClip, float64(maxWidth), o.stroke)
		return [2]int{int(math.Ceil(b.width - 1e-9)), int(math.Ceil(b.height - 1e-9))}, nil
	})
	return size[0], size[1], err
}

// withSession runs fn with the request's font set and a shaping session,
// the prologue every entry point shares: the custom fonts loaded (a font
// that fails is the error), ctx checked, and a panic in the font machinery
// turned into an error by guard.
func withSession[T any](ctx context.Context, r *Registry, custom []*schema.Font, fn func(*session, *FontSet) (T, error)) (out T, err error) {
	set, err := r.LoadCustom(custom)
	if err != nil {
		return out, err
	}
	defer guard(&err, set)
	if err := ctx.Err(); err != nil {
		return out, err
	}
	ss := r.session()
	defer r.release(ss)
	return fn(ss, set)
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

// shapeText splits a layer's text into paragraphs and hard lines and
// shapes each line (cached).
func (r *Registry) shapeText(ss *session, set *FontSet, t *schema.Text) [][]*shapedLine {
	st := textStyle(set, t)
	paras := splitParagraphs(t.Text)
	c := caser(t.Transform, t.Lang)
	out := make([][]*shapedLine, len(paras))
	for i, p := range paras {
		out[i] = make([]*shapedLine, len(p.lines))
		for j, l := range p.lines {
			out[i][j] = r.shape(ss, st, r.breakThai(transformLine(c, l)))
		}
	}
	return out
}

// minAutoSize is the smallest size auto-scale goes down to; text that
// does not fit at it is drawn at it and clipped.
const minAutoSize = 1

// wholeWordShrink is how many times smaller auto-scale may make text to
// keep every word whole: when words fit whole only below 1/wholeWordShrink
// of a size at which the text fits with a word broken, the word is broken.
const wholeWordShrink = 4

// fit lays the text out for a w×h box: at the requested size, or with
// auto-scale at the largest size ≤ the requested one at which the text
// fits with every word whole; when no size down to minAutoSize keeps
// every word whole, or only sizes under 1/wholeWordShrink of one at which
// it fits with a word broken, at the largest size at which it fits with
// words broken between graphemes; at minAutoSize, clipped, when nothing
// fits.
// Shaping is done once; each probe only scales and re-wraps.
//
// When ctx ends during an auto-scale search, the remaining probes are
// skipped (each answers at once with an empty block) and the caller, which
// checks ctx after fit, returns its error: a search costs at most one
// layout past the render's time limit.
func (r *Registry) fit(ctx context.Context, ss *session, set *FontSet, t *schema.Text, w, h float64) *block {
	b := r.fitSize(ctx, ss, set, t, w, h)
	// Shrink first, then clamp: what max_lines cuts is what did not fit
	// in that many lines at the smallest size auto-scale went to.
	r.clamp(ss, textStyle(set, t), b, t.MaxLines, t.Overflow != schema.OverflowClip, w, layoutOptions(t, t.SplitLines).stroke)
	return b
}

// fitSize is fit before clamping.
func (r *Registry) fitSize(ctx context.Context, ss *session, set *FontSet, t *schema.Text, w, h float64) *block {
	paras := r.shapeText(ss, set, t)
	o := layoutOptions(t, t.SplitLines)
	top := r.layout(ss, paras, t.FontSize, w, o)
	fits, whole := rule{w: w, h: h, lines: t.MaxLines}, rule{w: w, h: h, whole: true, lines: t.MaxLines}
	if !t.AutoScale || whole.ok(top) || t.FontSize <= minAutoSize {
		return top
	}
	probed := map[float64]*block{t.FontSize: top} // the fallback search re-probes sizes
	at := func(size float64) *block {
		if ctx.Err() != nil {
			return &block{size: size}
		}
		b, ok := probed[size]
		if !ok {
			b = r.layout(ss, paras, size, w, o)
			probed[size] = b
		}
		return b
	}
	if lo := lowest(at, whole, minAutoSize, t.FontSize); lo != nil {
		best := largest(at, whole, lo, t.FontSize)
		// Keeping words whole may shrink the text to a quarter of the
		// size at which it fits with a word broken, no further: a
		// 150-letter "word" is better broken at 19 px than whole at 1 px.
		if floor := wholeWordShrink * best.size; floor < t.FontSize {
			if fits.ok(top) {
				return top
			}
			if c := lowest(at, fits, floor, t.FontSize); c != nil {
				return largest(at, fits, c, t.FontSize)
			}
		}
		return best
	}
	// No size keeps every word whole (a word is wider than the box even
	// at the smallest size): the largest size that fits, words broken.
	if fits.ok(top) {
		return top
	}
	if lo := lowest(at, fits, minAutoSize, t.FontSize); lo != nil {
		return largest(at, fits, lo, t.FontSize)
	}
	return at(minAutoSize)
}

// rule is what auto-scale asks of a layout: that it fits a w×h box and,
// when whole is set, that no word is broken between graphemes.
type rule struct {
	w, h  float64
	whole bool
	lines int // most lines (max_lines; 0: any number)
}

// ok reports whether b satisfies the rule.
func (r rule) ok(b *block) bool {
	return (!r.whole || !b.broken) && (r.lines == 0 || len(b.lines) <= r.lines) && b.fits(r.w, r.h)
}

// lowest returns the layout at the first of from, 2·from, 4·from …
// below hi at which ok holds; nil if there is none. The first probe
// nearly always succeeds; the others catch texts that fit only above it
// (a word broken into lines as wide as the box whose ink margins overflow
// it at tiny sizes).
func lowest(at func(float64) *block, ok rule, from, hi float64) *block {
	for size := from; size < hi; size *= 2 {
		if b := at(size); ok.ok(b) {
			return b
		}
	}
	return nil
}

// largest binary-searches whole-pixel sizes in (lo.size, hi) for the
// largest at which ok holds. Invariant: ok(lo) holds and ok fails at hi;
// every candidate is laid out and checked, so the result satisfies ok
// even where ok is not monotone in size (it is then a local maximum: ok
// fails one pixel above it).
func largest(at func(float64) *block, ok rule, lo *block, hi float64) *block {
	for {
		mid := math.Floor((lo.size + hi) / 2)
		if mid <= lo.size {
			mid = lo.size + 1
		}
		if mid >= hi {
			return lo
		}
		if c := at(mid); ok.ok(c) {
			lo = c
		} else {
			hi = mid
		}
	}
}
