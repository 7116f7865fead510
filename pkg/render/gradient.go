package render

import (
	"context"
	"encoding/binary"
	"image"
	"math"

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
func drawGradient(_ context.Context, _ *Renderer, l *schema.Layer, w, h int) (*image.RGBA, error) {
	g := l.Gradient
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fw, fh := float64(w), float64(h)
	if g.Kind == schema.Radial {
		radius := math.Hypot(fw, fh) / 2
		lut := gradientLUT(g.Stops, lutSize(radius))
		fillRadial(img, lut, radius)
		return img, nil
	}
	sin, cos := math.Sincos(g.Angle * math.Pi / 180)
	sin, cos = snapUnit(sin), snapUnit(cos)
	length := math.Abs(fw*cos) + math.Abs(fh*sin)
	lut := gradientLUT(g.Stops, lutSize(length))
	fillLinear(img, lut, cos/length, sin/length)
	return img, nil
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
// pixel centre p, stepping t in 32.32 fixed point along each row.
func fillLinear(img *image.RGBA, lut []uint32, dx, dy float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	scale := float64(len(lut) - 1)
	last := int64(len(lut) - 1)
	cx, cy := float64(w)/2, float64(h)/2
	step := int64(math.Round(dx * scale * (1 << 32)))
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w*4]
		if dy == 0 && y > 0 {
			// Horizontal gradients repeat the first row.
			copy(row, img.Pix[:w*4])
			continue
		}
		t0 := 0.5 + (0.5-cx)*dx + (float64(y)+0.5-cy)*dy
		acc := int64(math.Round(t0*scale*(1<<32))) + 1<<31
		for x := 0; x < w; x++ {
			i := acc >> 32
			if i < 0 {
				i = 0
			} else if i > last {
				i = last
			}
			binary.LittleEndian.PutUint32(row[x*4:], lut[i])
			acc += step
		}
	}
}

// fillRadial writes t = |p − centre| / radius through lut for every pixel
// centre p.
func fillRadial(img *image.RGBA, lut []uint32, radius float64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	scale := float64(len(lut)-1) / radius
	last := len(lut) - 1
	cx, cy := float64(w)/2, float64(h)/2
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+w*4]
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
