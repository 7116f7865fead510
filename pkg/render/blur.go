package render

import (
	"image"
	"math"

	"github.com/strata-render/strata/pkg/pixels"
)

// gaussianBlur blurs the premultiplied img in place with a Gaussian of
// standard deviation sigma (see blurBoxes and svgBoxes). A wide blur is computed at a
// lower resolution, as Skia does: the image is averaged down by a power
// of two f that keeps sigma/f ≥ minSmallSigma px, blurred there, and scaled back up
// bilinearly; what that loses is detail a Gaussian that wide removes
// anyway (the blur fidelity cases hold it to the browser), and it costs
// 1/f² of the blur.
func gaussianBlur(img *image.RGBA, sigma float64) {
	gaussianBlurPlane(img.Pix, img.Rect.Dx(), img.Rect.Dy(), img.Stride, 4, sigma)
}

// blurBuffers keeps the blur's scratch planes between renders (a padded
// full-canvas layer's is 3.5 MB).
var blurBuffers pixels.Pool[uint8]

// minSmallSigma is the smallest standard deviation, in pixels of the
// reduced image, that a wide blur is computed at: 3 keeps every blur
// fidelity case within 0.7/255 of Chromium (6 kept them within 0.1, at
// twice the cost of the effects card's 12 px photo blur; see
// docs/PERFORMANCE.md, "Layer effects").
const minSmallSigma = 3

// gaussianBlurPlane is gaussianBlur for w×h pixels of ch interleaved
// channels (4 for RGBA, 1 for a shadow's coverage).
func gaussianBlurPlane(pix []uint8, w, h, stride, ch int, sigma float64) {
	f := 1
	for f < 8 && sigma/float64(2*f) >= minSmallSigma {
		f *= 2
	}
	sizes := svgBoxes(sigma)
	if f == 1 {
		blurBoxes(pix, w, h, stride, ch, sizes)
		return
	}
	// Boxes at the lower resolution (none or two of even size, so they
	// stay centred) with the variance of the full-resolution ones (what
	// the browser draws), less what averaging down and scaling up add
	// (measured: about 0.7·f² px²).
	target := (boxesVariance(sizes) - 0.7*float64(f*f)) / float64(f*f)
	best := [3]int{1, 1, 1}
	for n := 1; boxesVariance([3]int{n, n, n}) <= target+1; n++ {
		for _, c := range [...][3]int{{n, n, n}, {n, n, n + 1}, {n, n + 1, n + 1}} {
			evens := (c[0]+1)%2 + (c[1]+1)%2 + (c[2]+1)%2
			if evens%2 == 0 && math.Abs(boxesVariance(c)-target) < math.Abs(boxesVariance(best)-target) {
				best = c
			}
		}
	}
	sw, sh := (w+f-1)/f, (h+f-1)/f
	small := make([]uint8, ch*sw*sh)
	downsample(small, pix, w, h, stride, ch, f, sw, sh)
	blurBoxes(small, sw, sh, ch*sw, ch, best)
	upsample(pix, w, h, stride, ch, small, f, sw, sh)
}

// svgBoxes are SVG's three box sizes for a Gaussian of standard
// deviation sigma: d = ⌊sigma·3·√(2π)/4 + 0.5⌋ three times, or for an even
// d two of d and one of d+1.
func svgBoxes(sigma float64) [3]int {
	d := int(math.Floor(sigma*3*math.Sqrt(2*math.Pi)/4 + 0.5))
	if d%2 == 1 {
		return [3]int{d, d, d}
	}
	return [3]int{d, d, d + 1}
}

// boxesVariance is the variance in px² of three successive boxes.
func boxesVariance(sizes [3]int) float64 {
	v := 0.0
	for _, d := range sizes {
		v += float64(d*d-1) / 12
	}
	return v
}

// downsample averages f×f blocks of the w×h plane into the sw×sh small
// one (pixels beyond the plane count as transparent).
func downsample(small, pix []uint8, w, h, stride, ch, f, sw, sh int) {
	acc := make([]uint32, ch*sw)
	div := uint32(f * f)
	for sy := 0; sy < sh; sy++ {
		clear(acc)
		for y := sy * f; y < min(sy*f+f, h); y++ {
			row := pix[y*stride : y*stride+ch*w]
			if ch == 4 {
				for x := 0; x+f <= w; x += f {
					a := acc[4*(x/f) : 4*(x/f)+4 : 4*(x/f)+4]
					for k := 4 * x; k < 4*(x+f); k += 4 {
						q := row[k : k+4 : k+4]
						a[0] += uint32(q[0])
						a[1] += uint32(q[1])
						a[2] += uint32(q[2])
						a[3] += uint32(q[3])
					}
				}
				for x := w - w%f; x < w; x++ { // a partial last block
					for c := 0; c < 4; c++ {
						acc[4*(x/f)+c] += uint32(row[4*x+c])
					}
				}
				continue
			}
			for x := 0; x < w; x++ {
				i := ch * (x / f)
				for c := 0; c < ch; c++ {
					acc[i+c] += uint32(row[ch*x+c])
				}
			}
		}
		o := small[ch*sw*sy : ch*sw*(sy+1)]
		for i, a := range acc {
			o[i] = uint8((a + div/2) / div)
		}
	}
}

// upsample scales the sw×sh small plane up by f into the w×h one,
// bilinearly between block centres (edges clamped). Each small row is
// scaled horizontally once and kept while the output rows use it.
func upsample(pix []uint8, w, h, stride, ch int, small []uint8, f, sw, sh int) {
	// Per column: the left source pixel and the weight of the right one
	// (0..256).
	xi := make([]int, w)
	xw := make([]uint32, w)
	for x := range xi {
		xi[x], xw[x] = upCoord(x, f, sw)
	}
	// A horizontally scaled row holds 256× the values: at most 65280,
	// so 16 bits.
	hrow := func(dst []uint16, sy int) {
		row := small[ch*sw*sy : ch*sw*(sy+1)]
		if ch == 4 {
			for x := 0; x < w; x++ {
				i, k := 4*xi[x], xw[x]
				j := min(i+4, 4*sw-4)
				p, q, d := row[i:i+4:i+4], row[j:j+4:j+4], dst[4*x:4*x+4:4*x+4]
				d[0] = uint16(uint32(p[0])*(256-k) + uint32(q[0])*k)
				d[1] = uint16(uint32(p[1])*(256-k) + uint32(q[1])*k)
				d[2] = uint16(uint32(p[2])*(256-k) + uint32(q[2])*k)
				d[3] = uint16(uint32(p[3])*(256-k) + uint32(q[3])*k)
			}
			return
		}
		for x := 0; x < w; x++ {
			i, k := ch*xi[x], xw[x]
			j := min(i+ch, ch*sw-ch)
			for c := 0; c < ch; c++ {
				dst[ch*x+c] = uint16(uint32(row[i+c])*(256-k) + uint32(row[j+c])*k)
			}
		}
	}
	r0, r1 := make([]uint16, ch*w), make([]uint16, ch*w)
	have0, have1 := -1, -1
	for y := 0; y < h; y++ {
		sy, k := upCoord(y, f, sh)
		sy1 := min(sy+1, sh-1)
		if have1 == sy { // moved down one small row
			r0, r1 = r1, r0
			have0, have1 = have1, have0
		}
		if have0 != sy {
			hrow(r0, sy)
			have0 = sy
		}
		if have1 != sy1 {
			hrow(r1, sy1)
			have1 = sy1
		}
		o := pix[y*stride : y*stride+ch*w]
		a, b := r0[:len(o)], r1[:len(o)]
		for i := range o {
			o[i] = uint8((uint32(a[i])*(256-k) + uint32(b[i])*k + 1<<15) >> 16)
		}
	}
}

// upCoord maps destination pixel x to the small image's left neighbour
// and the right neighbour's weight (0..256).
func upCoord(x, f, n int) (int, uint32) {
	u := (float64(x)+0.5)/float64(f) - 0.5
	if u <= 0 {
		return 0, 0
	}
	i := int(u)
	if i >= n-1 {
		return n - 1, 0
	}
	return i, uint32((u - float64(i)) * 256)
}

// blurBoxes is three box blurs of the given sizes along each axis; an
// odd box is centred, even ones alternate half a pixel left and right so
// that two of them stay centred together.
func blurBoxes(pix []uint8, w, h, stride, ch int, sizes [3]int) {
	if sizes[2] <= 1 || w == 0 || h == 0 {
		return
	}
	// Windows [x−lo, x+hi] of the three passes.
	var win [3][2]int
	left := true
	for i, d := range sizes {
		switch {
		case d%2 == 1:
			win[i] = [2]int{(d - 1) / 2, (d - 1) / 2}
		case left:
			win[i] = [2]int{d / 2, d/2 - 1}
			left = false
		default:
			win[i] = [2]int{d/2 - 1, d / 2}
			left = true
		}
	}
	// Ping-pong between pix and tmp: six passes end back in pix (every
	// pass writes every byte it reads next, so tmp needs no clearing).
	tmp := blurBuffers.Get(len(pix))
	defer blurBuffers.Put(tmp)
	src, dst := pix, tmp
	for _, k := range win {
		boxRows(dst, src, w, h, stride, ch, k[0], k[1])
		src, dst = dst, src
	}
	for _, k := range win {
		boxColumns(dst, src, w, h, stride, ch, k[0], k[1])
		src, dst = dst, src
	}
	if &src[0] != &pix[0] {
		copy(pix, src)
	}
}

// boxRows writes to dst the mean of src over the window [x−lo, x+hi] of
// each row, transparent outside, one channel at a time (a tight scalar
// running sum).
func boxRows(dst, src []uint8, w, h, stride, ch, lo, hi int) {
	inv := uint64(1<<32) / uint64(lo+hi+1)
	if ch == 4 {
		boxRows4(dst, src, w, h, stride, lo, hi, inv)
		return
	}
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+ch*w]
		o := dst[y*stride : y*stride+ch*w]
		for c := 0; c < ch; c++ {
			var acc uint64
			// Prime with the window of x = −1: [−1−lo, hi−1].
			for x := 0; x < hi && x < w; x++ {
				acc += uint64(s[ch*x+c])
			}
			for x := 0; x < w; x++ {
				if in := x + hi; in < w {
					acc += uint64(s[ch*in+c])
				}
				if out := x - lo - 1; out >= 0 {
					acc -= uint64(s[ch*out+c])
				}
				o[ch*x+c] = uint8((acc*inv + 1<<31) >> 32)
			}
		}
	}
}

// boxRows4 is boxRows for RGBA: the four channels in one sweep.
func boxRows4(dst, src []uint8, w, h, stride, lo, hi int, inv uint64) {
	for y := 0; y < h; y++ {
		s := src[y*stride : y*stride+4*w]
		o := dst[y*stride : y*stride+4*w]
		var r, g, b, a uint64
		for x := 0; x < hi && x < w; x++ {
			p := s[4*x : 4*x+4 : 4*x+4]
			r, g, b, a = r+uint64(p[0]), g+uint64(p[1]), b+uint64(p[2]), a+uint64(p[3])
		}
		for x := 0; x < w; x++ {
			if in := x + hi; in < w {
				p := s[4*in : 4*in+4 : 4*in+4]
				r, g, b, a = r+uint64(p[0]), g+uint64(p[1]), b+uint64(p[2]), a+uint64(p[3])
			}
			if out := x - lo - 1; out >= 0 {
				p := s[4*out : 4*out+4 : 4*out+4]
				r, g, b, a = r-uint64(p[0]), g-uint64(p[1]), b-uint64(p[2]), a-uint64(p[3])
			}
			q := o[4*x : 4*x+4 : 4*x+4]
			q[0] = uint8((r*inv + 1<<31) >> 32)
			q[1] = uint8((g*inv + 1<<31) >> 32)
			q[2] = uint8((b*inv + 1<<31) >> 32)
			q[3] = uint8((a*inv + 1<<31) >> 32)
		}
	}
}

// boxColumns is boxRows down the columns: a running sum per byte of a
// row, sliding one row at a time, so memory is read row by row.
func boxColumns(dst, src []uint8, w, h, stride, ch, lo, hi int) {
	inv := uint64(1<<32) / uint64(lo+hi+1)
	n := ch * w
	acc := make([]uint32, n)
	for y := 0; y < hi && y < h; y++ {
		for i, v := range src[y*stride : y*stride+n] {
			acc[i] += uint32(v)
		}
	}
	var zero []uint8
	for y := 0; y < h; y++ {
		in, out := zero, zero
		if yi := y + hi; yi < h {
			in = src[yi*stride : yi*stride+n]
		}
		if yo := y - lo - 1; yo >= 0 {
			out = src[yo*stride : yo*stride+n]
		}
		o := dst[y*stride : y*stride+n]
		switch {
		case in != nil && out != nil:
			for i := range acc {
				a := acc[i] + uint32(in[i]) - uint32(out[i])
				acc[i] = a
				o[i] = uint8((uint64(a)*inv + 1<<31) >> 32)
			}
		case in != nil:
			for i := range acc {
				a := acc[i] + uint32(in[i])
				acc[i] = a
				o[i] = uint8((uint64(a)*inv + 1<<31) >> 32)
			}
		default:
			for i := range acc {
				a := acc[i]
				if out != nil {
					a -= uint32(out[i])
				}
				acc[i] = a
				o[i] = uint8((uint64(a)*inv + 1<<31) >> 32)
			}
		}
	}
}

// blurMargin is how far a blur of standard deviation sigma spreads: three
// standard deviations, past which a Gaussian is below 1/255 of its peak
// after rounding.
func blurMargin(sigma float64) int {
	return int(math.Ceil(3 * sigma))
}
