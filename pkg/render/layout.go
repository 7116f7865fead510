package render

import (
	"context"
	"image"
	"math"
	"sort"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// This file is the layout layer (spec/API.md §5 layout, docs/LAYOUT.md): a
// one-line flex-like flow. Measure, then arrange, then draw: every child's
// box size is resolved once (fixed dimensions, "auto" text measured by the
// font registry, nested layouts measured recursively), the children are
// placed along the main axis with the gap and distributed/aligned as CSS
// flexbox does with justify-content and align-items (flex-shrink 0, no
// wrapping), and each child is drawn with drawLayer into the layout's own
// box image. The compositor then applies the layout's corner radii (which
// clip background and content alike), opacity and rotation to the whole.

// Limits on an auto-sized layout box: it is a real image, so a request
// whose content adds up to an absurd size (gaps and paddings may be up to
// 10⁶ px) is refused with a 422 instead of allocating it. A fixed box is
// bounded by the schema's per-side cap like every other layer.
const (
	maxLayoutSide   = 1 << 16
	maxLayoutPixels = 50_000_000
)

// layoutMemo remembers the box size resolved for each layer during one
// draw of a layout tree, so every child (and every nested layout) is
// measured exactly once however deep it sits. It is used by one render,
// which draws on one goroutine.
type layoutMemo struct {
	sizes map[*schema.Layer]image.Point
	// measured counts size resolutions (tests check there is one per layer).
	measured int
}

// withLayoutMemo returns r with a layout memo, the one already there if
// any, so a whole layout tree shares one.
func (r frame) withLayoutMemo() frame {
	if r.memo == nil {
		r.memo = &layoutMemo{sizes: map[*schema.Layer]image.Point{}}
	}
	return r
}

// childRect is where arrange put one child, in the layout box's
// coordinates (pixels from its top-left corner, before rounding).
type childRect struct {
	X, Y float64
	W, H int
}

// drawLayout draws a layout layer into a fresh w×h box: the background
// (colour, or background layers over the whole box), then the children
// at their arranged positions, each through drawLayer so their own radii,
// opacity and rotation apply. Content is clipped by the box.
func drawLayout(ctx context.Context, r frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	r = r.withLayoutMemo()
	lo := l.Layout
	rects, err := r.arrange(ctx, l, w, h)
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if len(lo.BackgroundLayers) > 0 {
		bg := make([]*schema.Layer, len(lo.BackgroundLayers))
		copy(bg, lo.BackgroundLayers)
		// Array order; an index, where given, orders them (absent = 0).
		sort.SliceStable(bg, func(i, j int) bool { return bg[i].Index < bg[j].Index })
		for _, b := range bg {
			if err := checkContext(ctx); err != nil {
				return nil, err
			}
			if err := r.drawLayer(ctx, img, b, image.Point{}, w, h); err != nil {
				return nil, err
			}
		}
	} else if lo.Background != nil {
		compositeSolid(img, premultiply(*lo.Background), 0, 0, w, h, schema.Corners{}, 1, image.Rectangle{})
	}
	for i, c := range lo.Children {
		if err := checkContext(ctx); err != nil {
			return nil, err
		}
		rc := rects[i]
		if rc.W <= 0 || rc.H <= 0 {
			continue
		}
		// Draw a copy placed where the flow put it: the child's own
		// position is ignored and "auto" sides are resolved.
		placed := *c
		placed.Position = &schema.Point{X: rc.X, Y: rc.Y}
		placed.Size = &schema.Size{Width: rc.W, Height: rc.H}
		if err := r.drawLayer(ctx, img, &placed, image.Point{}, w, h); err != nil {
			return nil, err
		}
	}
	return img, nil
}

// measureLayout returns the size of a layout layer's box: its dimensions
// when given, else its content plus padding (auto size), in whole pixels.
func (r frame) measureLayout(ctx context.Context, l *schema.Layer) (w, h int, err error) {
	if l.Size != nil {
		return l.Size.Width, l.Size.Height, nil
	}
	lo := l.Layout
	main, cross, err := r.contentSize(ctx, lo)
	if err != nil {
		return 0, 0, err
	}
	fw, fh := main, cross
	if lo.Vertical {
		fw, fh = cross, main
	}
	fw += lo.Padding.Left + lo.Padding.Right
	fh += lo.Padding.Top + lo.Padding.Bottom
	w, h = ceilPixels(fw), ceilPixels(fh)
	if !(fw <= maxLayoutSide && fh <= maxLayoutSide) || w*h > maxLayoutPixels {
		return 0, 0, failure.New(failure.Unprocessable, "The layout's content adds up to %.0f×%.0f pixels, more than a layout can draw (%s).", fw, fh, l.Path)
	}
	return w, h, nil
}

// ceilPixels rounds a length up to whole pixels, forgiving float noise.
func ceilPixels(v float64) int {
	return int(math.Ceil(v - 1e-9))
}

// contentSize returns the extent of a layout's children along its main
// axis (their sizes plus the gaps) and across it (the largest child).
func (r frame) contentSize(ctx context.Context, lo *schema.Layout) (main, cross float64, err error) {
	for i, c := range lo.Children {
		w, h, err := r.childSize(ctx, c)
		if err != nil {
			return 0, 0, err
		}
		m, k := float64(w), float64(h)
		if lo.Vertical {
			m, k = k, m
		}
		if i > 0 {
			main += lo.Gap
		}
		main += m
		cross = math.Max(cross, k)
	}
	return main, cross, nil
}

// arrange places a layout's children in its w×h box, one rectangle per
// child in flow (array) order. Along the main axis the children follow
// each other with the gap; the leftover of the padded box (negative when
// the content overflows) goes before them per the main-axis alignment
// (start: none, center: half, end: all). Across, each child is aligned
// in the padded box on its own. This is CSS flexbox with flex: none,
// justify-content and align-items at their unsafe defaults.
func (r frame) arrange(ctx context.Context, l *schema.Layer, w, h int) ([]childRect, error) {
	lo := l.Layout
	main, _, err := r.contentSize(ctx, lo)
	if err != nil {
		return nil, err
	}
	p := lo.Padding
	innerW := math.Max(0, float64(w)-p.Left-p.Right)
	innerH := math.Max(0, float64(h)-p.Top-p.Bottom)
	mainAlign, crossAlign := lo.HorizontalAlign, lo.VerticalAlign
	innerMain, innerCross := innerW, innerH
	if lo.Vertical {
		mainAlign, crossAlign = crossAlign, mainAlign
		innerMain, innerCross = innerH, innerW
	}
	pos := alignOffset(mainAlign, innerMain-main)
	rects := make([]childRect, len(lo.Children))
	for i, c := range lo.Children {
		cw, ch, err := r.childSize(ctx, c)
		if err != nil {
			return nil, err
		}
		m, k := float64(cw), float64(ch)
		if lo.Vertical {
			m, k = k, m
		}
		across := alignOffset(crossAlign, innerCross-k)
		if lo.Vertical {
			rects[i] = childRect{X: p.Left + across, Y: p.Top + pos, W: cw, H: ch}
		} else {
			rects[i] = childRect{X: p.Left + pos, Y: p.Top + across, W: cw, H: ch}
		}
		pos += m + lo.Gap
	}
	return rects, nil
}

// alignOffset is how far into free space (negative when overflowing) a
// box goes for an alignment keyword; start (or none) is 0.
func alignOffset(a schema.Align, free float64) float64 {
	switch a {
	case schema.AlignCenter:
		return free / 2
	case schema.AlignEnd:
		return free
	}
	return 0
}

// childSize resolves the box size of a layer in a layout's flow: its
// dimensions, "auto" text sides measured, a layout without dimensions
// measured from its content. Results are memoised per layer when the
// frame carries a layout memo.
func (r frame) childSize(ctx context.Context, c *schema.Layer) (w, h int, err error) {
	memo := r.memo
	if memo != nil {
		if s, ok := memo.sizes[c]; ok {
			return s.X, s.Y, nil
		}
	}
	switch {
	case c.Type == schema.TypeLayout && c.Size == nil:
		w, h, err = r.measureLayout(ctx, c)
	case c.Type == schema.TypeText && c.Size != nil && (c.Size.AutoWidth || c.Size.AutoHeight):
		w, h, err = r.measureText(ctx, c)
	case c.Size != nil:
		w, h = c.Size.Width, c.Size.Height
	}
	if err != nil {
		return 0, 0, err
	}
	if memo != nil {
		memo.sizes[c] = image.Point{X: w, Y: h}
		memo.measured++
	}
	return w, h, nil
}

// measureText resolves the "auto" sides of a text layer: an auto width is
// the natural width of its longest line (no wrapping); an auto height is
// the height of its lines at the resolved width (wrapped to it when the
// width is fixed and the layer wraps).
func (r frame) measureText(ctx context.Context, l *schema.Layer) (w, h int, err error) {
	if r.opts.Fonts == nil {
		return 0, 0, failure.New(failure.Unprocessable, "Text layers need the bundled fonts, which this server was started without (%s).", l.Path)
	}
	fonts := r.fonts
	w, h = l.Size.Width, l.Size.Height
	maxWidth := w
	if l.Size.AutoWidth {
		maxWidth = 0
	}
	mw, mh, err := r.opts.Fonts.Measure(ctx, l.Text, fonts, maxWidth)
	if err != nil {
		return 0, 0, err
	}
	if l.Size.AutoWidth {
		w = mw
	}
	if l.Size.AutoHeight {
		h = mh
	}
	return w, h, nil
}
