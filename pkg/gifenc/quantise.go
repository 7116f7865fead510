package gifenc

import (
	"cmp"
	"image"
	"image/color"
	"math"
	"slices"
	"sync"
)

// The histogram keeps binBits bits per channel: 6 resolves a gradient's
// steps (5 left a 1200-pixel gradient only ~50 distinct bins).
const (
	binBits = 6
	side    = 1 << binBits
	bins    = side * side * side
	// lowBits are the bits of a channel below its bin.
	lowBits = 8 - binBits
	lowMask = 1<<lowBits - 1
)

// bin is a straight colour's histogram bin.
func bin(r, g, b uint32) uint32 {
	return r>>lowBits<<(2*binBits) | g>>lowBits<<binBits | b>>lowBits
}

// at is the bin at cube coordinates r, g, b.
func at(r, g, b int) int { return (r<<binBits|g)<<binBits | b }

// binCount is one bin's pixel count and the sums of its pixels' channel
// bits below the bin (each at most lowMask, so no canvas overflows them):
// a channel's sum is n × the bin's base plus its low sum.
// sq is the sum of the low bits' squares over the three channels (at
// most 27 a pixel), which makes the bin's sum of squared colours exact.
type binCount struct{ n, r, g, b, sq uint32 }

// quantiser is the scratch of one encode, pooled: about 15 MB.
type quantiser struct {
	hist [bins]binCount
	// mo is the cumulative moment table. Its zero planes (a coordinate
	// 0) are never written, so it needs no clearing between encodes.
	mo [msize * msize * msize]moment
	// lut is each bin's palette index: the index of the box holding it.
	lut    [bins]uint16
	pal    color.Palette
	search searcher
}

// unset marks a lut entry not looked up yet.
const unset = 0xFFFF

// steady flags a lut entry whose box's colours are so close to its
// palette colour that dithering would only add error: within steadyError
// (the squared distance over the three channels, per pixel; 2 is an RMS
// error of 0.8 levels a channel, below a visible step).
const (
	steady      = 0x100
	steadyError = 2
)

var quantisers = sync.Pool{New: func() any { return new(quantiser) }}

// quantise maps the canvas to at most 256 colours (one of them the
// transparent colour when a pixel is transparent) with Wu's quantiser
// over the bins, and indexes it into p with the ordered dither.
func quantise(canvas *image.RGBA, p *image.Paletted, dither float64) color.Palette {
	q := quantisers.Get().(*quantiser)
	defer quantisers.Put(q)
	transparent := q.count(canvas)
	colours := maxColours
	if transparent {
		colours--
	}
	q.moments()
	boxes := wu(q.mo[:], colours)
	pal := make(color.Palette, len(boxes), len(boxes)+1)
	for i := range boxes {
		v := vol(&boxes[i], q.mo[:])
		n := max(v.w, 1)
		mean := func(s int64) uint8 { return uint8(min((s+n/2)/n, 255)) }
		pal[i] = color.RGBA{mean(v.r), mean(v.g), mean(v.b), 0xFF}
	}
	q.search.init(pal)
	for i := range boxes {
		q.assign(&boxes[i], i)
	}
	q.pal = pal
	transparentIndex := uint8(len(pal))
	if transparent {
		pal = append(pal, color.RGBA{})
	}
	q.index(canvas, p, transparentIndex, dither)
	return pal
}

// count fills the histogram from the canvas and reports whether any pixel
// is transparent.
func (q *quantiser) count(canvas *image.RGBA) bool {
	clear(q.hist[:])
	transparent := false
	h := canvas.Rect.Dy()
	for y := 0; y < h; y++ {
		prev := uint32(1) // no pixel: the first one is looked up
		var hb *binCount
		var lr, lg, lb, sq uint32
		for _, px := range row(canvas, y) {
			if px == prev {
				hb.n++
				hb.r += lr
				hb.g += lg
				hb.b += lb
				hb.sq += sq
				continue
			}
			k := key(px)
			if k == transparentKey {
				transparent = true
				prev = 1
				continue
			}
			r, g, b := k&0xFF, k>>8&0xFF, k>>16&0xFF
			hb = &q.hist[bin(r, g, b)]
			lr, lg, lb = r&lowMask, g&lowMask, b&lowMask
			sq = lr*lr + lg*lg + lb*lb
			hb.n++
			hb.r += lr
			hb.g += lg
			hb.b += lb
			hb.sq += sq
			if px>>24 == 0xFF {
				prev = px
			} else {
				prev = 1 // a translucent pixel's key is not the pixel
			}
		}
	}
	return transparent
}

// moments turns the histogram into the cumulative moment table. A bin's
// sum of squares is taken as its pixels' mean squared times its count:
// the spread inside a bin is the same whichever way the boxes around it
// are cut, so only the choice of which box to cut next sees the
// difference.
func (q *quantiser) moments() {
	mo := q.mo[:]
	var area [msize]moment
	for r := 1; r <= side; r++ {
		clear(area[:])
		for g := 1; g <= side; g++ {
			var line moment
			hist := q.hist[at(r-1, g-1, 0) : at(r-1, g-1, side-1)+1]
			up := mo[cell(r-1, g, 0) : cell(r-1, g, side)+1]
			out := mo[cell(r, g, 0) : cell(r, g, side)+1]
			for b := 1; b <= side; b++ {
				if h := &hist[b-1]; h.n != 0 {
					n := int64(h.n)
					sr := n*int64((r-1)<<lowBits) + int64(h.r)
					sg := n*int64((g-1)<<lowBits) + int64(h.g)
					sb := n*int64((b-1)<<lowBits) + int64(h.b)
					line.w += n
					line.r += sr
					line.g += sg
					line.b += sb
					// Σ(base+low)² = n·base² + 2·base·Σlow + Σlow², per channel.
					br, bg, bb := int64((r-1)<<lowBits), int64((g-1)<<lowBits), int64((b-1)<<lowBits)
					line.m2 += float64(n*(br*br+bg*bg+bb*bb) + 2*(br*int64(h.r)+bg*int64(h.g)+bb*int64(h.b)) + int64(h.sq))
				}
				a := &area[b]
				a.w += line.w
				a.r += line.r
				a.g += line.g
				a.b += line.b
				a.m2 += line.m2
				u := &up[b]
				out[b] = moment{u.w + a.w, u.r + a.r, u.g + a.g, u.b + a.b, u.m2 + a.m2}
			}
		}
	}
}

// bayer4 is the 4×4 ordered-dither matrix (values 0–15).
var bayer4 = [16]int32{0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5}

func clamp(v int32) uint32 { return uint32(min(max(v, 0), 255)) }

// index writes each pixel's palette index into p: its bin's box, after
// the ordered dither moved its colour by up to half a bin either way
// (times dither).
func (q *quantiser) index(canvas *image.RGBA, p *image.Paletted, transparentIndex uint8, dither float64) {
	var offsets [16]int32
	for i, v := range bayer4 {
		offsets[i] = int32(math.Round(float64(2*v-15) / 30 * float64(256/side) / 2 * dither))
	}
	w, h := p.Rect.Dx(), p.Rect.Dy()
	for y := 0; y < h; y++ {
		dst := p.Pix[y*p.Stride : y*p.Stride+w]
		off := offsets[(y&3)*4 : (y&3)*4+4]
		for x, px := range row(canvas, y) {
			k := key(px)
			if k == transparentKey {
				dst[x] = transparentIndex
				continue
			}
			if e := q.lut[bin(k&0xFF, k>>8&0xFF, k>>16&0xFF)]; e&steady != 0 && e != unset {
				dst[x] = uint8(e)
				continue
			}
			d := off[x&3]
			j := bin(clamp(int32(k&0xFF)+d), clamp(int32(k>>8&0xFF)+d), clamp(int32(k>>16&0xFF)+d))
			if q.lut[j] == unset {
				const half = 1 << lowBits / 2
				r, g, b := int32(j>>(2*binBits))<<lowBits+half, int32(j>>binBits&(side-1))<<lowBits+half, int32(j&(side-1))<<lowBits+half
				q.lut[j] = uint16(q.search.nearest([3]int32{r, g, b}, -1))
			}
			dst[x] = uint8(q.lut[j])
		}
	}
}

// assign sets the lut entries of box i's populated bins to the palette
// colour nearest the bin's mean (Wu's boxes are a good partition, not the
// nearest-colour one: this gains 0.1–0.7 dB on photographs), flagged
// steady when the box's pixels are within steadyError of its colour. The
// empty bins are left unset.
func (q *quantiser) assign(bx *cube, i int) {
	flag := uint16(0)
	if variance(bx, q.mo[:]) <= steadyError*float64(vol(bx, q.mo[:]).w) {
		flag = steady
	}
	for r := bx.lo[0]; r < bx.hi[0]; r++ {
		for g := bx.lo[1]; g < bx.hi[1]; g++ {
			start := at(r, g, bx.lo[2])
			lut := q.lut[start : at(r, g, bx.hi[2]-1)+1]
			hist := q.hist[start : at(r, g, bx.hi[2]-1)+1]
			for j := range lut {
				h := &hist[j]
				if h.n == 0 {
					lut[j] = unset
					continue
				}
				n := h.n
				mean := [3]int32{
					int32(r<<lowBits) + int32((h.r+n/2)/n),
					int32(g<<lowBits) + int32((h.g+n/2)/n),
					int32((bx.lo[2]+j)<<lowBits) + int32((h.b+n/2)/n),
				}
				lut[j] = uint16(q.search.nearest(mean, i)) | flag
			}
		}
	}
}

// searcher finds a palette's colour nearest a point: the colours sorted
// by r+g+b, searched outwards from the point's sum until the sum alone is
// farther than the best colour so far.
type searcher struct {
	cols  [][3]int32 // palette colours by palette index
	order []uint8    // palette indices by sum
	sums  []int32    // the sums, in order
}

func (s *searcher) init(pal color.Palette) {
	s.cols, s.order, s.sums = s.cols[:0], s.order[:0], s.sums[:0]
	for i, c := range pal {
		rc := c.(color.RGBA)
		s.cols = append(s.cols, [3]int32{int32(rc.R), int32(rc.G), int32(rc.B)})
		s.order = append(s.order, uint8(i))
	}
	slices.SortFunc(s.order, func(a, b uint8) int { return cmp.Compare(s.sum(a), s.sum(b)) })
	for _, i := range s.order {
		s.sums = append(s.sums, s.sum(i))
	}
}

func (s *searcher) sum(i uint8) int32 { c := s.cols[i]; return c[0] + c[1] + c[2] }

// nearest is the index of the colour nearest x; guess, when not negative,
// is a likely answer that bounds the search from the start.
func (s *searcher) nearest(x [3]int32, guess int) int {
	dist := func(i uint8) int32 {
		c := s.cols[i]
		dr, dg, db := x[0]-c[0], x[1]-c[1], x[2]-c[2]
		return dr*dr + dg*dg + db*db
	}
	best, bestD := guess, int32(math.MaxInt32)
	if guess >= 0 {
		bestD = dist(uint8(guess))
	}
	xs := x[0] + x[1] + x[2]
	hi, _ := slices.BinarySearch(s.sums, xs)
	lo := hi - 1
	// |Δsum|² ≤ 3·|Δcolour|², so past 3·bestD no colour can be nearer.
	for lo >= 0 || hi < len(s.order) {
		if lo >= 0 {
			if d := xs - s.sums[lo]; d*d > 3*bestD {
				lo = -1
			} else {
				if dd := dist(s.order[lo]); dd < bestD {
					best, bestD = int(s.order[lo]), dd
				}
				lo--
			}
		}
		if hi < len(s.order) {
			if d := s.sums[hi] - xs; d*d > 3*bestD {
				hi = len(s.order)
			} else {
				if dd := dist(s.order[hi]); dd < bestD {
					best, bestD = int(s.order[hi]), dd
				}
				hi++
			}
		}
	}
	return best
}
