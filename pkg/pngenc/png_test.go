package pngenc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/pixels"
)

// noiseCanvas is a w×h premultiplied canvas of random pixels; opaque makes
// every alpha 255, otherwise alphas are random too (some 0 and some 255).
func noiseCanvas(w, h int, opaque bool, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		a := uint8(255)
		if !opaque {
			a = []uint8{0, 255, uint8(rng.IntN(256))}[rng.IntN(3)]
		}
		for c := range 3 {
			img.Pix[i+c] = uint8(rng.IntN(int(a) + 1)) // premultiplied: c ≤ a
		}
		img.Pix[i+3] = a
	}
	return img
}

// straight is the straight-alpha colour encodePNG should write for a
// premultiplied pixel (same rounding as unpremultiply).
func straight(p color.RGBA) color.NRGBA {
	if p.A == 0 || p.A == 255 {
		return color.NRGBA{p.R, p.G, p.B, p.A}
	}
	k := uint32((255<<16 + int(p.A)/2) / int(p.A)) // pixels.Unpremultiply's factor
	un := func(c uint8) uint8 { return uint8(min((uint32(c)*k+1<<15)>>16, 255)) }
	return color.NRGBA{un(p.R), un(p.G), un(p.B), p.A}
}

// drawnCanvas is like noiseCanvas but mostly flat runs, as drawn content
// is (sameAsLeftShare ≥ 0.8: encoded by flatDeflate at levels 1–5).
func drawnCanvas(w, h int, opaque bool, seed uint64) *image.RGBA {
	img := noiseCanvas(w, h, opaque, seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	p := img.Pix
	for i := 4; i < len(p); i += 4 {
		if rng.IntN(10) != 0 {
			copy(p[i:i+4], p[i-4:i])
		}
	}
	return img
}

func TestEncodePNGRoundTrip(t *testing.T) {
	for _, content := range []string{"noise", "drawn"} {
		for _, opaque := range []bool{true, false} {
			for _, level := range []int{0, 1, 2, 6, 9} {
				for _, filter := range []int{FilterAuto, FilterNone, FilterUp} {
					t.Run(fmt.Sprintf("%s/opaque=%v/level=%d/filter=%d", content, opaque, level, filter), func(t *testing.T) {
						src := noiseCanvas(37, 23, opaque, uint64(level))
						if content == "drawn" {
							src = drawnCanvas(37, 23, opaque, uint64(level))
						}
						data, err := Encode(src, level, filter, 1)
						require.NoError(t, err)
						// Go's decoder checks every CRC and the zlib checksum.
						got, err := png.Decode(bytes.NewReader(data))
						require.NoError(t, err)
						require.Equal(t, src.Rect, got.Bounds())
						if opaque {
							rgb, ok := got.(*image.RGBA)
							require.True(t, ok, "an opaque canvas is written as RGB (decoded as %T)", got)
							require.Equal(t, src.Pix, rgb.Pix)
						} else {
							nrgba, ok := got.(*image.NRGBA)
							require.True(t, ok, "a translucent canvas is written as RGBA (decoded as %T)", got)
							for y := range 23 {
								for x := range 37 {
									require.Equal(t, straight(src.RGBAAt(x, y)), nrgba.NRGBAAt(x, y), "pixel %d,%d", x, y)
								}
							}
						}
						// libvips (the other decoder our users' pipelines meet) reads it too.
						size, err := bimg.NewImage(data).Size()
						require.NoError(t, err)
						require.Equal(t, bimg.ImageSize{Width: 37, Height: 23}, size)
					})
				}
			}
		}
	}
}

func TestEncodePNGIsMinimal(t *testing.T) {
	data, err := Encode(noiseCanvas(8, 8, true, 1), 1, FilterNone, 1)
	require.NoError(t, err)
	require.Equal(t, pngSignature, data[:8])
	// IHDR: 8×8, bit depth 8, colour type 2 (RGB), no interlace.
	require.Equal(t, "IHDR", string(data[12:16]))
	require.Equal(t, []byte{0, 0, 0, 8, 0, 0, 0, 8, 8, 2, 0, 0, 0}, data[16:29])
	// Then exactly one IDAT and IEND: no metadata chunks.
	require.Equal(t, "IDAT", string(data[37:41]))
	require.Equal(t, "IEND\xaeB`\x82", string(data[len(data)-8:]))
}

func TestEncodePNGRejectsBadLevel(t *testing.T) {
	for _, level := range []int{-1, 10} {
		_, err := Encode(noiseCanvas(4, 4, true, 1), level, FilterAuto, 1)
		require.Error(t, err, "level %d", level)
	}
}

func TestSameAsLeftShare(t *testing.T) {
	flat := drawnCanvas(64, 64, true, 1)
	for i := range flat.Pix {
		flat.Pix[i] = 255
	}
	for _, c := range []struct {
		name   string
		img    *image.RGBA
		lo, hi float64
	}{
		{"flat colour", flat, 1, 1},
		{"drawn", drawnCanvas(64, 64, true, 2), 0.8, 1},
		{"noise", noiseCanvas(64, 64, true, 7), 0, 0.1},
		{"photo", photoCanvas(64, 64, true, 8), 0, photoShare},
		// TestEncodeInBandsDecodesTheSame's mixed canvas.
		{"mixed", stacked(drawnCanvas(1200, 440, true, 14), noiseCanvas(1200, 190, true, 15)), photoShare, 0.8},
	} {
		w, h := c.img.Rect.Dx(), c.img.Rect.Dy()
		stride := 1 + 3*w
		raw := make([]byte, h*stride)
		require.True(t, pixels.DropAlpha(raw[1:], stride, c.img))
		share := sameAsLeftShare(raw, stride, h, 3)
		require.True(t, share >= c.lo && share <= c.hi, "%s: %.2f", c.name, share)
	}
}

func TestSubtractBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := range 40 {
		a, b := make([]byte, n), make([]byte, n)
		for i := range n {
			a[i], b[i] = uint8(rng.IntN(256)), uint8(rng.IntN(256))
		}
		want := make([]byte, n)
		for i := range n {
			want[i] = a[i] - b[i]
		}
		subtractBytes(a, b)
		require.Equal(t, want, a, "length %d", n)
	}
}

// photoCanvas is a w×h canvas as a photograph is to the encoder: smooth
// gradients with a little noise in every pixel (sameAsLeftShare near 0,
// so libdeflate or, in bands, deflateBands compresses it, up-filtered),
// translucent when opaque is false.
func photoCanvas(w, h int, opaque bool, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 3))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := 255
			if !opaque {
				a = 128 + (x+y)%128
			}
			i := img.PixOffset(x, y)
			for c, v := range []int{x * 255 / w, y * 255 / h, (x + y) * 127 / (w + h)} {
				img.Pix[i+c] = uint8(min(a, max(0, v+rng.IntN(7)-3)*a/255))
			}
			img.Pix[i+3] = uint8(a)
		}
	}
	return img
}

// TestEncodeInBandsDecodesTheSame: a canvas encoded in bands on several
// goroutines decodes, with Go's decoder and with libvips, to exactly the
// pixels of the one-band file, within 1% of its size (drawn content; a
// photograph within 12%: its bands but the last are compressed by another
// encoder, and refer back to no row of the band above); with one band, or
// mixed content (compressed by one libdeflate call), it is the same file.
// (The synthetic photograph at 1080×1080: −1% in two bands, +6% in three,
// +10% in eight, as flate compresses more of it; the product design's
// photo is 1.3% smaller in two bands.)
func TestEncodeInBandsDecodesTheSame(t *testing.T) {
	for _, tc := range []struct {
		name   string
		canvas *image.RGBA
	}{
		{"drawn-opaque", drawnCanvas(1200, 630, true, 3)},
		{"drawn-translucent", drawnCanvas(1000, 700, false, 4)},
		{"drawn-odd-rows", drawnCanvas(999, 1001, true, 5)},
		{"noise", noiseCanvas(800, 600, true, 6)},
		{"photo-opaque", photoCanvas(1080, 1080, true, 12)},
		{"photo-translucent", photoCanvas(700, 500, false, 13)},
		// The first band alone is opaque drawn content (compressed before
		// the others are converted), the image is not.
		{"drawn-then-translucent", stacked(drawnCanvas(1200, 315, true, 8), drawnCanvas(1200, 315, false, 9))},
		{"drawn-then-noise", stacked(drawnCanvas(1200, 315, true, 10), noiseCanvas(1200, 315, true, 11))},
		// Mixed (sameAsLeftShare 0.5–0.8): one libdeflate call, as in
		// one band.
		{"mixed", stacked(drawnCanvas(1200, 440, true, 14), noiseCanvas(1200, 190, true, 15))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			one, err := Encode(tc.canvas, 1, FilterAuto, 1)
			require.NoError(t, err)
			same, err := Encode(tc.canvas, 1, FilterAuto, 0)
			require.NoError(t, err)
			require.Equal(t, one, same, "parts ≤ 1: one band")
			want := decodeWithGo(t, one)
			for _, parts := range []int{2, 3, 8} {
				split, err := Encode(tc.canvas, 1, FilterAuto, parts)
				require.NoError(t, err)
				if tc.name == "mixed" {
					require.Equal(t, one, split, "mixed content is not split")
					continue
				}
				require.NotEqual(t, one, split, "%d parts: split", parts)
				slack := 0.01
				if strings.HasPrefix(tc.name, "photo") {
					slack = 0.12
				}
				require.InDelta(t, len(one), len(split), slack*float64(len(one)), "%d parts: size", parts)
				require.Equal(t, want, decodeWithGo(t, split), "%d parts: Go's decoder", parts)
				// libvips decodes it (checking the zlib stream) and writes
				// it again, uncompressed, for Go to read back.
				again, err := bimg.NewImage(split).Process(bimg.Options{Type: bimg.PNG, Compression: 0})
				require.NoError(t, err, "%d parts: libvips", parts)
				require.Equal(t, want, decodeWithGo(t, again), "%d parts: libvips' pixels", parts)
			}
		})
	}
}

// decodeWithGo decodes a PNG with image/png into straight-alpha RGBA.
func decodeWithGo(t *testing.T, data []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	out := image.NewNRGBA(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out.Pix
}

func TestBandRows(t *testing.T) {
	require.Equal(t, []int{0, 630}, bandRows(630, 3601, 1))
	require.Equal(t, []int{0, 315, 630}, bandRows(630, 3601, 2))
	require.Equal(t, []int{0, 10}, bandRows(10, 3601, 2), "too small to split")
	require.Equal(t, []int{0, 1, 2, 3}, bandRows(3, 1<<20, 8), "no more bands than rows")
}

// The scanlines of a large encode are kept for reuse outside the Go heap:
// pooled on the heap they counted as live memory, which the collector's
// goal doubles (docs/PERFORMANCE.md, "Against takumi").
func TestLargeScanlinesAreNotGoHeap(t *testing.T) {
	canvas := image.NewRGBA(image.Rect(0, 0, 2000, 1414)) // 8.5 MB of RGB rows
	for i := range canvas.Pix {
		canvas.Pix[i] = 0xff
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC() // a sync.Pool keeps what it holds through one collection
	runtime.ReadMemStats(&before)
	_, err := Encode(canvas, 6, FilterAuto, 1)
	require.NoError(t, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	require.Less(t, grown, int64(2<<20), "live heap grew by %d bytes after an encode (its scanlines are 8.5 MB)", grown)
}

// TestEncodeDrawnDrawsEachBandOnce: a canvas drawn band by band as it is
// encoded is the file of the canvas drawn first, byte for byte, each band
// of Bands drawn once; a draw's error is returned.
func TestEncodeDrawnDrawsEachBandOnce(t *testing.T) {
	for _, opaque := range []bool{true, false} {
		src := drawnCanvas(1200, 630, opaque, 7)
		want, err := Encode(src, 1, FilterAuto, 3)
		require.NoError(t, err)
		canvas := image.NewRGBA(src.Rect)
		var mu sync.Mutex
		var drawn [][2]int
		got, err := EncodeDrawn(canvas, 1, FilterAuto, 3, func(band *image.RGBA) error {
			mu.Lock()
			drawn = append(drawn, [2]int{band.Rect.Min.Y, band.Rect.Max.Y})
			mu.Unlock()
			for y := band.Rect.Min.Y; y < band.Rect.Max.Y; y++ {
				copy(band.Pix[(y-band.Rect.Min.Y)*band.Stride:][:4*1200], src.Pix[y*src.Stride:])
			}
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, want, got, "opaque %v", opaque)
		slices.SortFunc(drawn, func(a, b [2]int) int { return a[0] - b[0] })
		require.Equal(t, [][2]int{{0, 210}, {210, 420}, {420, 630}}, drawn)
		require.Equal(t, []int{0, 210, 420, 630}, Bands(1200, 630, 3))
	}
	failed := errors.New("layer 3 failed")
	_, err := EncodeDrawn(image.NewRGBA(image.Rect(0, 0, 1200, 630)), 1, FilterAuto, 3, func(band *image.RGBA) error {
		if band.Rect.Min.Y > 0 {
			return failed
		}
		return nil
	})
	require.ErrorIs(t, err, failed)
}

// stacked is top above bottom, both as wide.
func stacked(top, bottom *image.RGBA) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, top.Rect.Dx(), top.Rect.Dy()+bottom.Rect.Dy()))
	copy(out.Pix, top.Pix)
	copy(out.Pix[len(top.Pix):], bottom.Pix)
	return out
}

// A photograph compressed in bands at every level decodes to the one-band
// file's pixels, its zlib header giving libdeflate's level hint.
func TestPhotoBandsAtEveryLevel(t *testing.T) {
	canvas := photoCanvas(600, 600, true, 16)
	for level := 1; level <= 9; level++ {
		one, err := Encode(canvas, level, FilterAuto, 1)
		require.NoError(t, err)
		split, err := Encode(canvas, level, FilterAuto, 2)
		require.NoError(t, err)
		require.NotEqual(t, one, split, "level %d: split", level)
		require.Equal(t, decodeWithGo(t, one), decodeWithGo(t, split), "level %d", level)
		idat := func(b []byte) []byte { return b[len(pngSignature)+25+8:][:2] } // after IHDR, the IDAT's first bytes
		require.Equal(t, idat(one), idat(split), "level %d: zlib header", level)
		require.Equal(t, zlibHeaderFor(level), idat(split), "level %d", level)
	}
}
