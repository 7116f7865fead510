package bgremove

import (
	"image"
	"image/draw"
	"math"
)

// planes is an image as three float32 planes in 0..1.
type planes struct {
	w, h    int
	r, g, b []float32
}

// toRGB converts img to float planes. Premultiplied pixels are used as they
// are: a transparent pixel reads as black, which the model treats as
// background.
func toRGB(img image.Image) *planes {
	bnd := img.Bounds()
	rgba, ok := img.(*image.RGBA)
	if !ok || rgba.Rect.Min != (image.Point{}) || rgba.Stride != 4*bnd.Dx() {
		rgba = image.NewRGBA(image.Rect(0, 0, bnd.Dx(), bnd.Dy()))
		draw.Draw(rgba, rgba.Rect, img, bnd.Min, draw.Src)
	}
	n := bnd.Dx() * bnd.Dy()
	p := &planes{w: bnd.Dx(), h: bnd.Dy(), r: make([]float32, n), g: make([]float32, n), b: make([]float32, n)}
	const k = 1.0 / 255
	for i := range n {
		p.r[i] = float32(rgba.Pix[4*i]) * k
		p.g[i] = float32(rgba.Pix[4*i+1]) * k
		p.b[i] = float32(rgba.Pix[4*i+2]) * k
	}
	return p
}

// gray returns the Rec. 601 luma plane, the guided filter's guide.
func (p *planes) gray() []float32 {
	out := make([]float32, len(p.r))
	for i := range out {
		out[i] = 0.299*p.r[i] + 0.587*p.g[i] + 0.114*p.b[i]
	}
	return out
}

// normalise resizes the planes to the model's 320×320 input and applies
// rembg's normalisation: (v - mean) / std per channel, in NCHW order.
func normalise(p *planes) []float32 {
	mean := [3]float32{0.485, 0.456, 0.406}
	std := [3]float32{0.229, 0.224, 0.225}
	out := make([]float32, 3*side*side)
	for c, plane := range [][]float32{p.r, p.g, p.b} {
		small := upsample(plane, p.w, p.h, side, side)
		dst := out[c*side*side : (c+1)*side*side]
		for i, v := range small {
			dst[i] = (v - mean[c]) / std[c]
		}
	}
	return out
}

// minMax rescales v in place to span 0..1, as rembg does with the model's
// output.
func minMax(v []float32) {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	span := hi - lo
	if span <= 0 {
		for i := range v {
			v[i] = 0
		}
		return
	}
	for i := range v {
		v[i] = (v[i] - lo) / span
	}
}

// upsample resizes a plane from sw×sh to dw×dh with a separable triangle
// filter: bilinear when enlarging, a widened (anti-aliasing) triangle when
// reducing.
func upsample(src []float32, sw, sh, dw, dh int) []float32 {
	tmp := resizeAxis(src, sw, sh, dw, true)  // dw×sh
	return resizeAxis(tmp, dw, sh, dh, false) // dw×dh
}

// resizeAxis resizes one axis of a w×h plane to n samples.
func resizeAxis(src []float32, w, h, n int, horizontal bool) []float32 {
	from := h
	if horizontal {
		from = w
	}
	scale := float64(from) / float64(n)
	support := max(scale, 1)
	type tap struct {
		start   int
		weights []float32
	}
	taps := make([]tap, n)
	for i := range n {
		centre := (float64(i)+0.5)*scale - 0.5
		lo := max(int(math.Ceil(centre-support)), 0)
		hi := min(int(math.Floor(centre+support)), from-1)
		ws := make([]float32, 0, hi-lo+1)
		var sum float64
		for j := lo; j <= hi; j++ {
			wgt := 1 - math.Abs(float64(j)-centre)/support
			if wgt < 0 {
				wgt = 0
			}
			ws = append(ws, float32(wgt))
			sum += wgt
		}
		if sum == 0 { // centre outside the source: nearest edge sample
			lo = min(max(int(math.Round(centre)), 0), from-1)
			ws, sum = []float32{1}, 1
		}
		for k := range ws {
			ws[k] /= float32(sum)
		}
		taps[i] = tap{lo, ws}
	}
	if horizontal {
		out := make([]float32, n*h)
		for y := range h {
			row := src[y*w : (y+1)*w]
			dst := out[y*n : (y+1)*n]
			for x, t := range taps {
				var acc float32
				for k, wgt := range t.weights {
					acc += row[t.start+k] * wgt
				}
				dst[x] = acc
			}
		}
		return out
	}
	out := make([]float32, w*n)
	for y, t := range taps {
		dst := out[y*w : (y+1)*w]
		for k, wgt := range t.weights {
			row := src[(t.start+k)*w : (t.start+k+1)*w]
			for x := range dst {
				dst[x] += row[x] * wgt
			}
		}
	}
	return out
}

// guidedFilter refines the mask p (pw×ph, resized as needed) against the
// w×h guide I (He et al., "Guided Image Filtering"): inside each (2r+1)²
// window the output is a linear function of the guide, so the mask's soft
// 320-pixel edges snap to the photo's edges while flat regions stay as the
// model said.
//
// With s > 1 it is the fast guided filter (He and Sun, 2015): the linear
// coefficients are computed on the guide and mask reduced s times, with the
// radius reduced alike, then enlarged back and applied to the guide at full
// resolution, so the output still steps where the full-resolution guide
// does, at about 1/s² of the cost. s = 1 is the original filter.
func guidedFilter(I []float32, w, h int, p []float32, pw, ph, r, s int, eps float64) []float32 {
	sw, sh := (w+s-1)/s, (h+s-1)/s
	guide := I
	if sw != w || sh != h {
		guide = upsample(I, w, h, sw, sh)
	}
	if pw != sw || ph != sh {
		p = upsample(p, pw, ph, sw, sh)
	}
	a, b := coefficients(guide, p, sw, sh, max((r+s/2)/s, 1), eps)
	if sw != w || sh != h {
		a, b = upsample(a, sw, sh, w, h), upsample(b, sw, sh, w, h)
	}
	out := a
	for k := range out {
		out[k] = min(max(a[k]*I[k]+b[k], 0), 1)
	}
	return out
}

// coefficients are the guided filter's window-averaged linear coefficients
// for guide I and input p (both w×h): the output is a·I + b.
func coefficients(I, p []float32, w, h, r int, eps float64) (meanA, meanB []float32) {
	n := w * h
	ip := make([]float32, n)
	ii := make([]float32, n)
	for k := range n {
		ip[k] = I[k] * p[k]
		ii[k] = I[k] * I[k]
	}
	meanI := boxMean(I, w, h, r)
	meanP := boxMean(p, w, h, r)
	corrIP := boxMean(ip, w, h, r)
	corrII := boxMean(ii, w, h, r)
	a := ip // reuse buffers
	b := ii
	for k := range n {
		varI := float64(corrII[k]) - float64(meanI[k])*float64(meanI[k])
		cov := float64(corrIP[k]) - float64(meanI[k])*float64(meanP[k])
		ak := cov / (varI + eps)
		a[k] = float32(ak)
		b[k] = float32(float64(meanP[k]) - ak*float64(meanI[k]))
	}
	return boxMean(a, w, h, r), boxMean(b, w, h, r)
}

// boxMean is the mean over a (2r+1)² window clipped to the image, from a
// summed-area table.
func boxMean(src []float32, w, h, r int) []float32 {
	sat := make([]float64, (w+1)*(h+1))
	for y := range h {
		var row float64
		for x := range w {
			row += float64(src[y*w+x])
			sat[(y+1)*(w+1)+x+1] = sat[y*(w+1)+x+1] + row
		}
	}
	out := make([]float32, w*h)
	for y := range h {
		y0, y1 := max(y-r, 0), min(y+r+1, h)
		for x := range w {
			x0, x1 := max(x-r, 0), min(x+r+1, w)
			s := sat[y1*(w+1)+x1] - sat[y0*(w+1)+x1] - sat[y1*(w+1)+x0] + sat[y0*(w+1)+x0]
			out[y*w+x] = float32(s / float64((y1-y0)*(x1-x0)))
		}
	}
	return out
}
