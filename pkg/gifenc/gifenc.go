// Package gifenc writes a premultiplied RGBA canvas as a single-frame GIF,
// fast: an exact palette when the canvas has at most 256 colours (drawn
// cards without gradients: lossless), otherwise a median-cut palette over a
// 18-bit colour histogram with an ordered (Bayer) dither, mapped through a
// lookup table; Go's image/gif does the LZW.
//
// Why not libvips: its GIF saver (cgif with libimagequant) took 3–6× as long
// as takumi's encoder on the benchmark's rich and effects cards, at lower
// PSNR (docs/PERFORMANCE.md, "GIF and AVIF against other encoders"); this
// package is what Strata's default GIF effort uses, and libvips' saver stays
// behind the higher efforts.
//
// GIF transparency is one bit: a pixel with alpha below 128 is transparent,
// any other is written opaque in its straight colour.
package gifenc

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"math"
	"sync"
	"unsafe"
)

// maxColours is what a GIF palette holds.
const maxColours = 256

// Options tune the quantised path.
type Options struct {
	// Dither is the ordered dither's amount, 0 (none) to 1 (a full
	// histogram bin either way); CSS-like percentages divide by 100.
	Dither float64
}

// Encode writes canvas as a GIF.
func Encode(canvas *image.RGBA, o Options) ([]byte, error) {
	w, h := canvas.Rect.Dx(), canvas.Rect.Dy()
	p := &image.Paletted{Pix: make([]uint8, w*h), Stride: w, Rect: image.Rect(0, 0, w, h)}
	if pal, ok := exactPalette(canvas, p); ok {
		p.Palette = pal
	} else {
		p.Palette = quantise(canvas, p, o.Dither)
	}
	var buf bytes.Buffer
	buf.Grow(w * h / 4)
	if err := gif.Encode(&buf, p, &gif.Options{NumColors: len(p.Palette)}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// transparentKey is the table key of every transparent pixel (no opaque or
// thresholded pixel has alpha 0).
const transparentKey = 0

// key is a pixel's palette key: 0 when transparent, else its straight
// colour with alpha 0xFF, laid out as a pixel (R in the low byte).
func key(p uint32) uint32 {
	a := p >> 24
	switch {
	case a == 0xFF:
		return p
	case a < 128:
		return transparentKey
	}
	// Translucent but written opaque: undo the premultiplication.
	un := func(c uint32) uint32 { return min((c*255+a/2)/a, 255) }
	return 0xFF000000 | un(p>>16&0xFF)<<16 | un(p>>8&0xFF)<<8 | un(p&0xFF)
}

// exactPalette indexes the canvas into p when it has at most 256 distinct
// keys, and returns the palette in order of first appearance.
func exactPalette(canvas *image.RGBA, p *image.Paletted) (color.Palette, bool) {
	const slots = 4 * maxColours
	var keys [slots]uint32
	var used [slots]bool
	var index [slots]uint8
	var pal color.Palette
	w, h := p.Rect.Dx(), p.Rect.Dy()
	prev, prevIndex := uint32(1), uint8(0) // 1 is no key: the first pixel probes
	for y := 0; y < h; y++ {
		src := row(canvas, y)
		dst := p.Pix[y*p.Stride : y*p.Stride+w]
		for x, px := range src {
			if px == prev {
				dst[x] = prevIndex
				continue
			}
			k := key(px)
			slot := (k * 0x9E3779B1) >> 22 // Fibonacci hashing into 1024 slots
			for used[slot] && keys[slot] != k {
				slot = (slot + 1) % slots
			}
			if !used[slot] {
				if len(pal) == maxColours {
					return nil, false
				}
				used[slot], keys[slot], index[slot] = true, k, uint8(len(pal))
				pal = append(pal, colourOf(k))
			}
			prev, prevIndex = px, index[slot]
			dst[x] = prevIndex
		}
	}
	return pal, true
}

// colourOf is a key's palette colour.
func colourOf(k uint32) color.Color {
	if k == transparentKey {
		return color.RGBA{}
	}
	return color.RGBA{uint8(k), uint8(k >> 8), uint8(k >> 16), 0xFF}
}

// row is canvas row y as pixels (R in the low byte, A in the high one).
func row(canvas *image.RGBA, y int) []uint32 {
	w := canvas.Rect.Dx()
	return unsafe.Slice((*uint32)(unsafe.Pointer(&canvas.Pix[y*canvas.Stride])), w)
}

// The histogram keeps binBits bits per channel: 6 resolves a gradient's
// steps (5 left a 1200-pixel gradient only ~50 distinct bins).
const (
	binBits = 6
	side    = 1 << binBits
	bins    = side * side * side
)

// bin is a straight colour's histogram bin.
func bin(r, g, b uint32) uint32 {
	return r>>(8-binBits)<<(2*binBits) | g>>(8-binBits)<<binBits | b>>(8-binBits)
}

// at is the bin at cube coordinates r, g, b.
func at(r, g, b uint32) uint32 { return r<<(2*binBits) | g<<binBits | b }

// histogram is the per-bin pixel count and colour sums of one encode.
type histogram struct {
	count, r, g, b [bins]uint32
	// lut is each bin's palette index: its box's for a populated bin,
	// the nearest palette colour for an empty bin the dither reaches
	// (found on first use), unset before.
	lut [bins]uint16
}

// unset marks a lut entry not looked up yet.
const unset = 0xFFFF

var histograms = sync.Pool{New: func() any { return new(histogram) }}

// box is a part of the histogram's colour cube, [lo, hi) per channel, with its
// pixel count and the extent [plo, phi] where it has pixels.
type box struct {
	lo, hi   [3]uint32
	plo, phi [3]uint32
	count    uint64
}

// newBox is the box [lo, hi) with its count and populated extent.
func newBox(hist *histogram, lo, hi [3]uint32, count uint64) box {
	bx := box{lo: lo, hi: hi, count: count}
	bx.plo, bx.phi = populated(hist, bx)
	return bx
}

// quantise maps the canvas to at most 256 colours (one of them the
// transparent colour when a pixel is transparent) and indexes it into p.
func quantise(canvas *image.RGBA, p *image.Paletted, dither float64) color.Palette {
	hist := histograms.Get().(*histogram)
	defer histograms.Put(hist)
	clear(hist.count[:])
	clear(hist.r[:])
	clear(hist.g[:])
	clear(hist.b[:])
	for i := range hist.lut {
		hist.lut[i] = unset
	}
	w, h := p.Rect.Dx(), p.Rect.Dy()
	transparent := false
	for y := 0; y < h; y++ {
		prev, prevBin := uint32(1), uint32(0)
		for _, px := range row(canvas, y) {
			if px == prev {
				hist.count[prevBin]++
				hist.r[prevBin] += px & 0xFF
				hist.g[prevBin] += px >> 8 & 0xFF
				hist.b[prevBin] += px >> 16 & 0xFF
				continue
			}
			k := key(px)
			if k == transparentKey {
				transparent = true
				prev = 1
				continue
			}
			r, g, b := k&0xFF, k>>8&0xFF, k>>16&0xFF
			i := bin(r, g, b)
			hist.count[i]++
			hist.r[i] += r
			hist.g[i] += g
			hist.b[i] += b
			if px>>24 == 0xFF {
				prev, prevBin = px, i
			} else {
				prev = 1
			}
		}
	}
	colours := maxColours
	if transparent {
		colours--
	}
	boxes := medianCut(hist, colours)
	var pal color.Palette
	for i, bx := range boxes {
		var n, sr, sg, sb uint64
		for r := bx.lo[0]; r < bx.hi[0]; r++ {
			for g := bx.lo[1]; g < bx.hi[1]; g++ {
				for b := bx.lo[2]; b < bx.hi[2]; b++ {
					j := at(r, g, b)
					if hist.count[j] == 0 {
						continue
					}
					hist.lut[j] = uint16(i)
					n += uint64(hist.count[j])
					sr += uint64(hist.r[j])
					sg += uint64(hist.g[j])
					sb += uint64(hist.b[j])
				}
			}
		}
		n = max(n, 1)
		pal = append(pal, color.RGBA{uint8((sr + n/2) / n), uint8((sg + n/2) / n), uint8((sb + n/2) / n), 0xFF})
	}
	transparentIndex := uint8(len(pal))
	if transparent {
		pal = append(pal, color.RGBA{})
	}
	// The ordered dither's offsets: up to half a bin either way, centred.
	var offsets [16]int32
	for i, v := range bayer4 {
		offsets[i] = int32(math.Round(float64(2*v-15) / 30 * float64(256/side) / 2 * dither))
	}
	for y := 0; y < h; y++ {
		dst := p.Pix[y*p.Stride : y*p.Stride+w]
		off := offsets[(y&3)*4 : (y&3)*4+4]
		for x, px := range row(canvas, y) {
			k := key(px)
			if k == transparentKey {
				dst[x] = transparentIndex
				continue
			}
			d := off[x&3]
			j := bin(clamp(int32(k&0xFF)+d), clamp(int32(k>>8&0xFF)+d), clamp(int32(k>>16&0xFF)+d))
			if hist.lut[j] == unset {
				hist.lut[j] = nearest(pal[:len(boxes)], j)
			}
			dst[x] = uint8(hist.lut[j])
		}
	}
	return pal
}

// nearest is the index of the palette colour closest to bin j's centre.
func nearest(pal color.Palette, j uint32) uint16 {
	const half = 256 / side / 2
	r := int32(j>>(2*binBits))*(256/side) + half
	g := int32(j>>binBits&(side-1))*(256/side) + half
	b := int32(j&(side-1))*(256/side) + half
	best, bestD := 0, int32(math.MaxInt32)
	for i, c := range pal {
		pc := c.(color.RGBA)
		dr, dg, db := r-int32(pc.R), g-int32(pc.G), b-int32(pc.B)
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	return uint16(best)
}

// bayer4 is the 4×4 ordered-dither matrix (values 0–15).
var bayer4 = [16]int32{0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5}

func clamp(v int32) uint32 { return uint32(min(max(v, 0), 255)) }

// medianCut splits the whole colour cube into at most n boxes, each time
// cutting the box with the most pixels × longest populated side at the
// median pixel along that side. The boxes always cover the cube, so every
// bin (the dither reaches empty ones) has a box.
func medianCut(hist *histogram, n int) []box {
	boxes := []box{newBox(hist, [3]uint32{}, [3]uint32{side, side, side}, total(hist))}
	for len(boxes) < n {
		best, bestScore, bestAxis := -1, uint64(0), 0
		for i, bx := range boxes {
			if bx.count < 2 {
				continue
			}
			for axis := range 3 {
				if side := uint64(bx.phi[axis] - bx.plo[axis]); side > 0 && bx.count*side > bestScore {
					best, bestScore, bestAxis = i, bx.count*side, axis
				}
			}
		}
		if best < 0 {
			break
		}
		a, b := split(hist, boxes[best], bestAxis)
		boxes[best] = a
		boxes = append(boxes, b)
	}
	return boxes
}

func total(hist *histogram) uint64 {
	var n uint64
	for _, c := range hist.count {
		n += uint64(c)
	}
	return n
}

// slab is the pixel count of the bins of bx whose coordinate on axis is v.
func slab(hist *histogram, bx box, axis int, v uint32) uint64 {
	lo, hi := bx.lo, bx.hi
	lo[axis], hi[axis] = v, v+1
	var n uint64
	for r := lo[0]; r < hi[0]; r++ {
		for g := lo[1]; g < hi[1]; g++ {
			for b := lo[2]; b < hi[2]; b++ {
				n += uint64(hist.count[at(r, g, b)])
			}
		}
	}
	return n
}

// populated is the range [lo, hi] of coordinates per axis where bx has
// pixels.
func populated(hist *histogram, bx box) (lo, hi [3]uint32) {
	for axis := range 3 {
		lo[axis], hi[axis] = bx.hi[axis]-1, bx.lo[axis]
		for v := bx.lo[axis]; v < bx.hi[axis]; v++ {
			if slab(hist, bx, axis, v) > 0 {
				lo[axis] = min(lo[axis], v)
				hi[axis] = max(hi[axis], v)
			}
		}
	}
	return lo, hi
}

// split cuts bx on axis after the median pixel, so both halves hold
// pixels.
func split(hist *histogram, bx box, axis int) (box, box) {
	var seen uint64
	cut := bx.plo[axis] + 1
	for v := bx.plo[axis]; v < bx.phi[axis]; v++ {
		seen += slab(hist, bx, axis, v)
		cut = v + 1
		if 2*seen >= bx.count {
			break
		}
	}
	ahi, blo := bx.hi, bx.lo
	ahi[axis], blo[axis] = cut, cut
	return newBox(hist, bx.lo, ahi, seen), newBox(hist, blo, bx.hi, bx.count-seen)
}
