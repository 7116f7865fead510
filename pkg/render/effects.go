package render

import (
	"image"
	"image/color"
	"math"

	"github.com/strata-render/strata/pkg/schema"
)

// This file applies a layer's effects (schema.Effects) in the order CSS
// paints them: the border over the content inside the radii, the outer
// box shadows under it (outside the box only), then the filter (blur,
// then the colour filters), then the mask; opacity, rotation and the
// blend mode follow in the compositor.

// effectMargin is how many pixels the layer's effects reach beyond its
// box on every side.
func effectMargin(e *schema.Effects) int {
	m := 0
	for _, s := range e.Shadows {
		m = max(m, int(math.Ceil(max(math.Abs(s.X), math.Abs(s.Y))+max(s.Spread, 0)))+blurMargin(s.Blur/2))
	}
	if e.Mask != nil {
		m = 0 // the mask clips everything outside the box (CSS mask-clip: border-box)
	}
	return m + blurMargin(e.Blur)
}

// applyEffects returns the layer image with its effects, and the margin m
// it grew by on every side (its box starts at (m, m) in the result). With
// m > 0 the result is a new image from the canvas pool, which the caller
// gives back once it is composited.
func applyEffects(img *image.RGBA, l *schema.Layer) (*image.RGBA, int) {
	e := l.Effects
	w, h := img.Rect.Dx(), img.Rect.Dy()
	radii := clampRadii(l.Radii, float64(w), float64(h))
	if e.Border != nil {
		drawBorder(img, radii, e.Border)
	}
	m := effectMargin(e)
	out := img
	if m > 0 {
		out = newCanvas(w+2*m, h+2*m, true) // the caller gives it back (pooled)
	}
	if len(e.Shadows) > 0 && e.Mask == nil {
		box := boxCoverage(w, h, radii)
		for i := len(e.Shadows) - 1; i >= 0; i-- { // the first shadow is on top
			drawShadow(out, e.Shadows[i], m, w, h, radii, box)
		}
	}
	if out != img {
		compositeAligned(out, img, m, m, 255)
	}
	if e.Blur > 0 {
		gaussianBlur(out, e.Blur)
	}
	if len(e.Filters) > 0 {
		applyFilters(out, e.Filters)
	}
	if e.Mask != nil {
		applyMask(out, e.Mask)
	}
	return out, m
}

// boxCoverage is the w×h coverage (0..255) of the rounded box.
func boxCoverage(w, h int, radii schema.Corners) *image.RGBA {
	box := image.NewRGBA(image.Rect(0, 0, w, h))
	fillRGBA(box, color.RGBA{255, 255, 255, 255})
	applyCorners(box, radii)
	return box
}

// drawBorder paints the border inside the rounded box: the box minus the
// box inset by the width, whose radii shrink by the width (CSS
// Backgrounds 3 §5.2, inner radius max(0, r − width)). The width is
// rounded to whole pixels, as Chromium snaps borders.
func drawBorder(img *image.RGBA, radii schema.Corners, b *schema.Border) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	bw := max(int(math.Round(b.Width)), 1)
	outer := boxCoverage(w, h, radii)
	var inner *image.RGBA
	if iw, ih := w-2*bw, h-2*bw; iw > 0 && ih > 0 {
		f := float64(bw)
		in := schema.Corners{
			TopLeft: max(radii.TopLeft-f, 0), TopRight: max(radii.TopRight-f, 0),
			BottomRight: max(radii.BottomRight-f, 0), BottomLeft: max(radii.BottomLeft-f, 0),
		}
		inner = boxCoverage(iw, ih, in)
	}
	c := premultiply(b.Color)
	p := uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16 | uint32(c.A)<<24
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint32(outer.Pix[outer.PixOffset(x, y)+3])
			if inner != nil && x >= bw && y >= bw && x < w-bw && y < h-bw {
				a -= min(a, uint32(inner.Pix[inner.PixOffset(x-bw, y-bw)+3]))
			}
			if a == 0 {
				continue
			}
			i := img.PixOffset(x, y)
			overPacked(img.Pix[i:i+4:i+4], mulPacked(p, a))
		}
	}
}

// drawShadow blends one outer box shadow into out, whose layer box starts
// at (m, m): the rounded box grown by the spread (radii too, CSS
// Backgrounds 3 §7.1.1), offset, blurred with a Gaussian of standard
// deviation blur/2, and cut away where the box itself is (an outer shadow
// never shows through the box).
//
// As in Skia, the blur is computed on a nine-patch: a copy of the shape
// only as long as its corners and the blur's reach need (2k+1 pixels a
// side), whose middle row and column stand for every row and column of a
// longer straight edge, where the blurred profile does not change. The
// result is the same, and a blur costs the corners, not the box.
func drawShadow(out *image.RGBA, s schema.Shadow, m, w, h int, radii schema.Corners, box *image.RGBA) {
	sw, sh := float64(w)+2*s.Spread, float64(h)+2*s.Spread
	if sw <= 0 || sh <= 0 || s.Color.A == 0 {
		return
	}
	grow := func(r float64) float64 {
		if r <= 0 {
			return 0
		}
		return max(r+s.Spread, 0)
	}
	sr := clampRadii(schema.Corners{TopLeft: grow(radii.TopLeft), TopRight: grow(radii.TopRight), BottomRight: grow(radii.BottomRight), BottomLeft: grow(radii.BottomLeft)}, sw, sh)
	SW, SH := int(math.Round(sw)), int(math.Round(sh))
	if SW <= 0 || SH <= 0 {
		return
	}
	bm := blurMargin(s.Blur / 2)
	k := int(math.Ceil(max(sr.TopLeft, sr.TopRight, sr.BottomRight, sr.BottomLeft))) + bm + 2
	rw, rh := min(SW, 2*k+1), min(SH, 2*k+1)
	// The nine-patch: the shape (shortened), blurred with room for the blur.
	pw, ph := rw+2*bm, rh+2*bm
	plane := make([]uint8, pw*ph)
	shape := boxCoverage(rw, rh, sr)
	for j := 0; j < rh; j++ {
		row := plane[(j+bm)*pw+bm : (j+bm)*pw+bm+rw]
		for i := range row {
			row[i] = shape.Pix[shape.PixOffset(i, j)+3]
		}
	}
	gaussianBlurPlane(plane, pw, ph, pw, 1, s.Blur/2)
	// Where the full blurred shadow's pixel u (0 at the plane's left
	// edge, bm left of the shape) is found in the nine-patch.
	patch := func(u, full, reduced int) int {
		switch {
		case full == reduced || u < k+bm:
			return u
		case u >= full+2*bm-(k+bm):
			return u - (full - reduced)
		}
		return k + bm
	}
	// The shadow plane's top-left in out.
	x0 := int(math.Round(float64(m)+s.X-s.Spread)) - bm
	y0 := int(math.Round(float64(m)+s.Y-s.Spread)) - bm
	ow, oh := out.Rect.Dx(), out.Rect.Dy()
	cols := make([]int, 0, SW+2*bm)
	for u := max(0, -x0); u < SW+2*bm && x0+u < ow; u++ {
		cols = append(cols, patch(u, SW, rw))
	}
	ux := max(0, -x0)
	c := premultiply(s.Color)
	p := uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16 | uint32(c.A)<<24
	for v := max(0, -y0); v < SH+2*bm && y0+v < oh; v++ {
		oy := y0 + v
		prow := plane[patch(v, SH, rh)*pw:]
		d := out.Pix[oy*out.Stride:]
		var brow []uint8
		if by := oy - m; by >= 0 && by < h {
			brow = box.Pix[by*box.Stride : by*box.Stride+4*w]
		}
		for i, pu := range cols {
			a := prow[pu]
			if a == 0 {
				continue
			}
			ox := x0 + ux + i
			// Cut the box away: an outer shadow never shows through it.
			if bx := ox - m; brow != nil && bx >= 0 && bx < w {
				if ba := brow[4*bx+3]; ba != 0 {
					a = mul255(a, 255-ba)
					if a == 0 {
						continue
					}
				}
			}
			overPacked(d[4*ox:4*ox+4:4*ox+4], mulPacked(p, uint32(a)))
		}
	}
}

// overPacked composites the premultiplied packed colour q (R in the low
// byte) over the pixel o, source-over.
func overPacked(o []uint8, q uint32) {
	v := uint32(o[0]) | uint32(o[1])<<8 | uint32(o[2])<<16 | uint32(o[3])<<24
	v = q + mulPacked(v, 255-q>>24)
	o[0], o[1], o[2], o[3] = uint8(v), uint8(v>>8), uint8(v>>16), uint8(v>>24)
}

// applyMask multiplies img by the alpha of a linear gradient drawn over
// it (CSS mask-image: linear-gradient(), luminance ignored).
func applyMask(img *image.RGBA, g *schema.Gradient) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	mask := image.NewRGBA(image.Rect(0, 0, w, h))
	sin, cos := math.Sincos(g.Angle * math.Pi / 180)
	sin, cos = snapUnit(sin), snapUnit(cos)
	length := math.Abs(float64(w)*cos) + math.Abs(float64(h)*sin)
	fillLinear(mask, gradientLUT(g.Stops, lutSize(length)), cos/length, sin/length, w, h)
	for i := 3; i < len(img.Pix); i += 4 {
		a := mask.Pix[i]
		if a == 255 {
			continue
		}
		p := img.Pix[i-3 : i+1 : i+1]
		p[0], p[1], p[2], p[3] = mul255(p[0], a), mul255(p[1], a), mul255(p[2], a), mul255(p[3], a)
	}
}

// applyFilters applies the colour filters in order to every pixel, each
// on un-premultiplied sRGB values clamped to 0..1 after each step, with
// the matrices of Filter Effects 1 §13 (the CSS filter functions).
func applyFilters(img *image.RGBA, fs []schema.Filter) {
	type mat [3][4]float64 // rows: r, g, b = Σ m[i][j]·c[j] + m[i][3]
	ms := make([]mat, len(fs))
	for i, f := range fs {
		a := f.Amount
		switch f.Kind {
		case schema.Grayscale:
			k := 1 - a
			ms[i] = mat{
				{0.2126 + 0.7874*k, 0.7152 - 0.7152*k, 0.0722 - 0.0722*k, 0},
				{0.2126 - 0.2126*k, 0.7152 + 0.2848*k, 0.0722 - 0.0722*k, 0},
				{0.2126 - 0.2126*k, 0.7152 - 0.7152*k, 0.0722 + 0.9278*k, 0}}
		case schema.Sepia:
			k := 1 - a
			ms[i] = mat{
				{0.393 + 0.607*k, 0.769 - 0.769*k, 0.189 - 0.189*k, 0},
				{0.349 - 0.349*k, 0.686 + 0.314*k, 0.168 - 0.168*k, 0},
				{0.272 - 0.272*k, 0.534 - 0.534*k, 0.131 + 0.869*k, 0}}
		case schema.Bright:
			ms[i] = mat{{a, 0, 0, 0}, {0, a, 0, 0}, {0, 0, a, 0}}
		case schema.Contrast:
			b := 0.5 - 0.5*a
			ms[i] = mat{{a, 0, 0, b}, {0, a, 0, b}, {0, 0, a, b}}
		case schema.Saturate:
			ms[i] = mat{
				{0.213 + 0.787*a, 0.715 - 0.715*a, 0.072 - 0.072*a, 0},
				{0.213 - 0.213*a, 0.715 + 0.285*a, 0.072 - 0.072*a, 0},
				{0.213 - 0.213*a, 0.715 - 0.715*a, 0.072 + 0.928*a, 0}}
		case schema.Invert:
			ms[i] = mat{{1 - 2*a, 0, 0, a}, {0, 1 - 2*a, 0, a}, {0, 0, 1 - 2*a, a}}
		case schema.HueRotate:
			s, c := math.Sincos(a * math.Pi / 180)
			ms[i] = mat{
				{0.213 + c*0.787 - s*0.213, 0.715 - c*0.715 - s*0.715, 0.072 - c*0.072 + s*0.928, 0},
				{0.213 - c*0.213 + s*0.143, 0.715 + c*0.285 + s*0.140, 0.072 - c*0.072 - s*0.283, 0},
				{0.213 - c*0.213 - s*0.787, 0.715 - c*0.715 + s*0.715, 0.072 + c*0.928 + s*0.072, 0}}
		}
	}
	clamp := func(v float64) float64 { return min(max(v, 0), 1) }
	for i := 0; i < len(img.Pix); i += 4 {
		p := img.Pix[i : i+4 : i+4]
		if p[3] == 0 {
			continue
		}
		a := float64(p[3]) / 255
		r, g, b := float64(p[0])/255/a, float64(p[1])/255/a, float64(p[2])/255/a
		for _, m := range ms {
			r, g, b = clamp(m[0][0]*r+m[0][1]*g+m[0][2]*b+m[0][3]),
				clamp(m[1][0]*r+m[1][1]*g+m[1][2]*b+m[1][3]),
				clamp(m[2][0]*r+m[2][1]*g+m[2][2]*b+m[2][3])
		}
		k := a * 255
		p[0], p[1], p[2] = uint8(r*k+0.5), uint8(g*k+0.5), uint8(b*k+0.5)
	}
}

// backdropBlur blurs dst inside the rounded box (CSS backdrop-filter:
// blur()): what is around the box, within the blur's reach, blurs into it,
// as in Chromium; beyond dst is transparent.
func backdropBlur(dst *image.RGBA, box image.Rectangle, radii schema.Corners, sigma float64) {
	in := box.Intersect(dst.Rect)
	if in.Empty() {
		return
	}
	region := box.Inset(-blurMargin(sigma)).Intersect(dst.Rect)
	tmp := image.NewRGBA(image.Rect(0, 0, region.Dx(), region.Dy()))
	for y := region.Min.Y; y < region.Max.Y; y++ {
		copy(tmp.Pix[(y-region.Min.Y)*tmp.Stride:], dst.Pix[dst.PixOffset(region.Min.X, y):dst.PixOffset(region.Max.X, y)])
	}
	gaussianBlur(tmp, sigma)
	cov := boxCoverage(box.Dx(), box.Dy(), clampRadii(radii, float64(box.Dx()), float64(box.Dy())))
	for y := in.Min.Y; y < in.Max.Y; y++ {
		for x := in.Min.X; x < in.Max.X; x++ {
			a := cov.Pix[cov.PixOffset(x-box.Min.X, y-box.Min.Y)+3]
			if a == 0 {
				continue
			}
			d := dst.Pix[dst.PixOffset(x, y):]
			b := tmp.Pix[tmp.PixOffset(x-region.Min.X, y-region.Min.Y):]
			for c := 0; c < 4; c++ {
				d[c] = uint8((uint32(b[c])*uint32(a) + uint32(d[c])*uint32(255-a) + 127) / 255)
			}
		}
	}
}
