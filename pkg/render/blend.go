package render

import (
	"image"
	"math"

	"github.com/strata-render/strata/pkg/schema"
)

// compositeBlend blends src (premultiplied) at the integer offset (x, y)
// onto dst with a CSS mix-blend-mode (Compositing and Blending 1 §5): the
// colour is (1 − αb)·Cs + (1 − αs)·Cb + αs·αb·B(cb, cs) in premultiplied
// terms, the alpha that of source-over. op (0..1) scales the source.
func compositeBlend(dst, src *image.RGBA, x, y int, op float64, mode schema.BlendMode) {
	r := image.Rect(x, y, x+src.Rect.Dx(), y+src.Rect.Dy()).Intersect(dst.Rect)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		for px := r.Min.X; px < r.Max.X; px++ {
			s := src.Pix[src.PixOffset(px-x+src.Rect.Min.X, py-y+src.Rect.Min.Y):]
			if s[3] == 0 {
				continue
			}
			d := dst.Pix[dst.PixOffset(px, py):]
			as := float64(s[3]) / 255 * op
			ab := float64(d[3]) / 255
			var cs, cb [3]float64
			for c := 0; c < 3; c++ {
				cs[c] = float64(s[c]) / float64(s[3])
				if d[3] > 0 {
					cb[c] = float64(d[c]) / float64(d[3])
				}
			}
			bl := blendColor(mode, cb, cs)
			ao := as + ab*(1-as)
			for c := 0; c < 3; c++ {
				v := (1-ab)*as*cs[c] + (1-as)*ab*cb[c] + as*ab*bl[c]
				d[c] = uint8(math.Round(min(max(v, 0), 1) * 255))
			}
			d[3] = uint8(math.Round(ao * 255))
		}
	}
}

// blendColor is B(cb, cs) of the blend mode, on un-premultiplied colours.
func blendColor(mode schema.BlendMode, cb, cs [3]float64) [3]float64 {
	var out [3]float64
	switch mode {
	case "hue":
		return setLum(setSat(cs, sat(cb)), lum(cb))
	case "saturation":
		return setLum(setSat(cb, sat(cs)), lum(cb))
	case "color":
		return setLum(cs, lum(cb))
	case "luminosity":
		return setLum(cb, lum(cs))
	}
	for c := range out {
		out[c] = blendChannel(mode, cb[c], cs[c])
	}
	return out
}

// blendChannel is a separable blend mode's B(cb, cs).
func blendChannel(mode schema.BlendMode, b, s float64) float64 {
	switch mode {
	case "multiply":
		return b * s
	case "screen":
		return b + s - b*s
	case "overlay":
		return blendChannel("hard-light", s, b)
	case "darken":
		return min(b, s)
	case "lighten":
		return max(b, s)
	case "color-dodge":
		switch {
		case b == 0:
			return 0
		case s >= 1:
			return 1
		}
		return min(1, b/(1-s))
	case "color-burn":
		switch {
		case b >= 1:
			return 1
		case s <= 0:
			return 0
		}
		return 1 - min(1, (1-b)/s)
	case "hard-light":
		if s <= 0.5 {
			return b * 2 * s
		}
		return blendChannel("screen", b, 2*s-1)
	case "soft-light":
		if s <= 0.5 {
			return b - (1-2*s)*b*(1-b)
		}
		var d float64
		if b <= 0.25 {
			d = ((16*b-12)*b + 4) * b
		} else {
			d = math.Sqrt(b)
		}
		return b + (2*s-1)*(d-b)
	case "difference":
		return math.Abs(b - s)
	case "exclusion":
		return b + s - 2*b*s
	}
	return s // normal
}

func lum(c [3]float64) float64 { return 0.3*c[0] + 0.59*c[1] + 0.11*c[2] }

func clipColor(c [3]float64) [3]float64 {
	l := lum(c)
	n := min(c[0], c[1], c[2])
	x := max(c[0], c[1], c[2])
	for i := range c {
		if n < 0 {
			c[i] = l + (c[i]-l)*l/(l-n)
		}
		if x > 1 {
			c[i] = l + (c[i]-l)*(1-l)/(x-l)
		}
	}
	return c
}

func setLum(c [3]float64, l float64) [3]float64 {
	d := l - lum(c)
	return clipColor([3]float64{c[0] + d, c[1] + d, c[2] + d})
}

func sat(c [3]float64) float64 { return max(c[0], c[1], c[2]) - min(c[0], c[1], c[2]) }

func setSat(c [3]float64, s float64) [3]float64 {
	// Indices of the max, mid and min channels.
	i := [3]int{0, 1, 2}
	if c[i[0]] < c[i[1]] {
		i[0], i[1] = i[1], i[0]
	}
	if c[i[1]] < c[i[2]] {
		i[1], i[2] = i[2], i[1]
	}
	if c[i[0]] < c[i[1]] {
		i[0], i[1] = i[1], i[0]
	}
	var out [3]float64
	if hi, lo := c[i[0]], c[i[2]]; hi > lo {
		out[i[1]] = (c[i[1]] - lo) * s / (hi - lo)
		out[i[0]] = s
	}
	return out
}
