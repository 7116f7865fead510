package render

import (
	"image"
	"math"
)

// gaussianBlur blurs the premultiplied img in place with a Gaussian of
// standard deviation sigma, approximated as SVG's feGaussianBlur
// prescribes (Filter Effects 1 §9.2): three successive box blurs of size
// d = ⌊sigma·3·√(2π)/4 + 0.5⌋ per axis (for an even d, two of size d
// offset half a pixel left and right, then one of d+1, so the result stays
// centred). Pixels outside img are transparent. Each box pass keeps a
// running sum, so the cost is O(pixels) whatever sigma is.
func gaussianBlur(img *image.RGBA, sigma float64) {
	d := int(math.Floor(sigma*3*math.Sqrt(2*math.Pi)/4 + 0.5))
	if d <= 1 {
		return
	}
	// Windows [x−lo, x+hi] of the three passes.
	var win [3][2]int
	if d%2 == 1 {
		r := (d - 1) / 2
		win = [3][2]int{{r, r}, {r, r}, {r, r}}
	} else {
		win = [3][2]int{{d / 2, d/2 - 1}, {d/2 - 1, d / 2}, {d / 2, d / 2}}
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	tmp := make([]uint8, len(img.Pix))
	for _, k := range win {
		boxRows(tmp, img.Pix, w, h, img.Stride, k[0], k[1])
		copy(img.Pix, tmp)
	}
	for _, k := range win {
		boxColumns(tmp, img.Pix, w, h, img.Stride, k[0], k[1])
		copy(img.Pix, tmp)
	}
}

// boxRows writes to dst the mean of src over the window [x−lo, x+hi] of
// each row, transparent outside.
func boxRows(dst, src []uint8, w, h, stride, lo, hi int) {
	n := lo + hi + 1
	inv := uint64(1<<32) / uint64(n)
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+4*w]
		o := dst[y*stride : y*stride+4*w]
		var acc [4]uint64
		// Prime with the window of x = −1: [−1−lo, hi−1].
		for x := 0; x < hi && x < w; x++ {
			for c := 0; c < 4; c++ {
				acc[c] += uint64(s[4*x+c])
			}
		}
		for x := 0; x < w; x++ {
			if in := x + hi; in < w {
				for c := 0; c < 4; c++ {
					acc[c] += uint64(s[4*in+c])
				}
			}
			if out := x - lo - 1; out >= 0 {
				for c := 0; c < 4; c++ {
					acc[c] -= uint64(s[4*out+c])
				}
			}
			for c := 0; c < 4; c++ {
				o[4*x+c] = uint8((acc[c]*inv + 1<<31) >> 32)
			}
		}
	}
}

// boxColumns is boxRows down the columns: a running sum per column,
// sliding one row at a time, so memory is read row by row.
func boxColumns(dst, src []uint8, w, h, stride, lo, hi int) {
	n := lo + hi + 1
	inv := uint64(1<<32) / uint64(n)
	acc := make([]uint64, 4*w)
	add := func(y int, sign bool) {
		row := src[y*stride : y*stride+4*w]
		if sign {
			for i, v := range row {
				acc[i] += uint64(v)
			}
		} else {
			for i, v := range row {
				acc[i] -= uint64(v)
			}
		}
	}
	for y := 0; y < hi && y < h; y++ {
		add(y, true)
	}
	for y := 0; y < h; y++ {
		if in := y + hi; in < h {
			add(in, true)
		}
		if out := y - lo - 1; out >= 0 {
			add(out, false)
		}
		o := dst[y*stride : y*stride+4*w]
		for i, a := range acc {
			o[i] = uint8((a*inv + 1<<31) >> 32)
		}
	}
}

// blurMargin is how far a blur of standard deviation sigma spreads: three
// standard deviations, past which a Gaussian is below 1/255 of its peak
// after rounding.
func blurMargin(sigma float64) int {
	return int(math.Ceil(3 * sigma))
}
