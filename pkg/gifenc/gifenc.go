// Package gifenc writes a premultiplied RGBA canvas as a single-frame GIF,
// fast: an exact palette when the canvas has at most 256 colours (drawn
// cards without gradients: lossless), otherwise Wu's colour quantiser
// (wu.go, written for this package; no Go module of it was at hand) over
// an 18-bit colour histogram, each populated bin mapped to the palette
// colour nearest its mean, and an ordered (Bayer) dither where a palette
// colour stands for a visible spread of colours; Go's image/gif does the
// LZW.
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
