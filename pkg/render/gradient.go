package render

import (
	"context"
	"encoding/binary"
	"image"
	"math"
	"unsafe"

	"github.com/strata-render/strata/pkg/schema"
)

// drawGradient fills the layer box with a linear or radial gradient.
//
// Linear: the angle is measured from the +x axis turning clockwise on
// screen (0 runs left→right, 90 top→bottom). As in CSS the gradient line
// passes through the box centre and is |w·cos θ| + |h·sin θ| long, so the
// box's corners get exactly the end colours. Radial: a circle centred in
// the box whose radius reaches the farthest corner (CSS "circle
// farthest-corner"). Stops are interpolated in premultiplied alpha (CSS
// Images 4 §3.5.1), so a transparent stop never darkens its neighbour.
func drawGradient(_ context.Context, _ frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	g := l.Gradient
	// From the pool (pooledDrawers): the fills below paint every pixel.
	img := newCanvas(w, h, len(g.Stops) == 0)
	if len(g.Stops) == 0 {
		return img, nil // validation requires two; nothing to paint without any
	}
	f := newGradientFill(g, w, h)
	f.paint(img)
	return img, nil
}

// gradientFill is a gradient laid out on a w×h box (drawGradient), ready
// to paint any rows of it.
type gradientFill struct {
	lut    []uint32
	w, h   int
	radial bool
	radius float64 // radial: the circle reaching the farthest corner
	dx, dy float64 // linear: t's step per pixel along x and y
}

// newGradientFill lays g (with at least one stop) out on a w×h box.
func newGradientFill(g *schema.Gradient, w, h int) *gradientFill {
	fw, fh := float64(w), float64(h)
	if g.Kind == schema.Radial {
		radius := math.Hypot(fw, fh) / 2
		return &gradientFill{lut: gradientLUT(g.Stops, lutSize(radius)), w: w, h: h, radial: true, radius: radius}
	}
	sin, cos := math.Sincos(g.Angle * math.Pi / 180)
	sin, cos = snapUnit(sin), snapUnit(cos)
	length := math.Abs(fw*cos) + math.Abs(fh*sin)
	return &gradientFill{lut: gradientLUT(g.Stops, lutSize(length)), w: w, h: h, dx: cos / length, dy: sin / length}
}

// paint writes the gradient's pixels over img's: rows of the box, in its
// coordinates (the whole box, or a band of its rows as wide as the box).
func (f *gradientFill) paint(img *image.RGBA) {
	if f.radial {
		fillRadial(img, f.lut, f.radius, f.w, f.h)
	} else {
		fillLinear(img, f.lut, f.dx, f.dy, f.w, f.h)
	}
}

// lutSize picks a lookup-table size of about two entries per pixel of
// gradient length, so quantising t never shows.
func lutSize(length float64) int {
	n := int(math.Ceil(length))*2 + 1
	return max(256, min(n, 1<<15))
}

// gradientLUT samples the stops at n evenly spaced t in [0, 1] as packed
// premultiplied RGBA (little-endian R, G, B, A).
func gradientLUT(stops []schema.ColorStop, n int) []uint32 {
	type pm struct{ r, g, b, a, t float64 }
	ps := make([]pm, len(stops))
	for i, s := range stops {
		a := float64(s.Color.A) / 255
		ps[i] = pm{float64(s.Color.R) * a, float64(s.Color.G) * a, float64(s.Color.B) * a, float64(s.Color.A), s.Position / 100}
	}
	lut := make([]uint32, n)
	k := 0
	for i := range lut {
		t := float64(i) / float64(n-1)
		// Advance to the last stop whose position is ≤ t; ties keep the
		// later stop so equal positions make a hard edge.
		for k+1 < len(ps) && ps[k+1].t <= t {
			k++
		}
		var c pm
		switch {
		case t < ps[0].t:
			c = ps[0]
		case k == len(ps)-1:
			c = ps[k]
		default:
			a, b := ps[k], ps[k+1]
			f := (t - a.t) / (b.t - a.t)
			c = pm{a.r + (b.r-a.r)*f, a.g + (b.g-a.g)*f, a.b + (b.b-a.b)*f, a.a + (b.a-a.a)*f, t}
		}
		lut[i] = uint32(math.Round(c.r)) | uint32(math.Round(c.g))<<8 | uint32(math.Round(c.b))<<16 | uint32(math.Round(c.a))<<24
	}
	return lut
}

// fillLinear writes t = 0.5 + (p − centre)·(dx, dy) through lut for every
// pixel centre p of img, rows of a w×h box in its coordinates, stepping
// the table index in 32.32 fixed point along each row; the parts of a row
// before and after the gradient line are filled with the end colours
// without per-pixel clamping.
func fillLinear(img *image.RGBA, lut []uint32, dx, dy float64, w, h int) {
	y0, y1 := img.Rect.Min.Y, img.Rect.Max.Y
	if w == 0 || y1 <= y0 {
		return
	}
	scale := float64(len(lut) - 1)
	last := int64(len(lut) - 1)
	cx, cy := float64(w)/2, float64(h)/2
	step := int64(math.Round(dx * scale * (1 << 32)))
	for y := y0; y < y1; y++ {
		row := unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[(y-y0)*img.Stride])), w)
		if dy == 0 && y > y0 {
			// Horizontal gradients repeat the first row.
			copy(row, unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[0])), w))
			continue
		}
		t0 := 0.5 + (0.5-cx)*dx + (float64(y)+0.5-cy)*dy
		acc := int64(math.Round(t0*scale*(1<<32))) + 1<<31
		// The index is acc>>32 at x: find where it stays within [0, last].
		x0, x1 := 0, w
		if step == 0 {
			if i := acc >> 32; i < 0 || i > last {
				x1 = 0
			}
		} else {
			lo := (0 - acc) // acc + x·step ≥ 0
			hi := ((last+1)<<32 - 1) - acc
			a, b := ceilDiv(lo, step), floorDiv(hi, step)
			if step < 0 {
				a, b = ceilDiv(hi, step), floorDiv(lo, step)
			}
			x0, x1 = int(max(a, 0)), int(min(b+1, int64(w)))
			if x0 > w {
				x0 = w
			}
			if x1 < x0 {
				x1 = x0
			}
		}
		// Before x0 and after x1 the index is clamped to one end.
		for x := 0; x < x0; x++ {
			row[x] = lut[clampIndex(acc+int64(x)*step, last)]
		}
		a := acc + int64(x0)*step
		for x := x0; x < x1; x++ {
			row[x] = lut[a>>32]
			a += step
		}
		for x := x1; x < w; x++ {
			row[x] = lut[clampIndex(acc+int64(x)*step, last)]
		}
	}
}

// clampIndex is the table index of a 32.32 position, clamped to [0, last].
func clampIndex(a, last int64) int64 {
	return min(max(a>>32, 0), last)
}

// floorDiv and ceilDiv divide rounding towards −∞ and +∞.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int64) int64 { return -floorDiv(-a, b) }

// fillRadial writes t = |p − centre| / radius through lut for every pixel
// centre p of img, rows of a w×h box in its coordinates.
func fillRadial(img *image.RGBA, lut []uint32, radius float64, w, h int) {
	scale := float64(len(lut)-1) / radius
	last := len(lut) - 1
	cx, cy := float64(w)/2, float64(h)/2
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		o := (y - img.Rect.Min.Y) * img.Stride
		row := img.Pix[o : o+w*4]
		dy := float64(y) + 0.5 - cy
		dy2 := dy * dy
		for x := 0; x < w; x++ {
			dx := float64(x) + 0.5 - cx
			i := int(math.Sqrt(dx*dx+dy2)*scale + 0.5)
			if i > last {
				i = last
			}
			binary.LittleEndian.PutUint32(row[x*4:], lut[i])
		}
	}
}
