package gifenc

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// gradientCard is a w×h opaque canvas like the benchmark's rich card: a
// diagonal three-stop gradient (thousands of colours) under a translucent
// white card.
func gradientCard(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	stops := [3][3]float64{{0x4F, 0x46, 0xE5}, {0x93, 0x33, 0xEA}, {0xEC, 0x48, 0x99}}
	for y := range h {
		for x := range w {
			t := (float64(x)/float64(w) + float64(y)/float64(h)) / 2 * 2
			a, b := stops[0], stops[1]
			if t > 1 {
				a, b, t = stops[1], stops[2], t-1
			}
			var c [3]float64
			for i := range 3 {
				c[i] = a[i] + (b[i]-a[i])*t
			}
			if x > w/10 && x < w*9/10 && y > h/10 && y < h*9/10 { // 80% white card
				for i := range 3 {
					c[i] = c[i]*0.2 + 255*0.8
				}
			}
			img.SetRGBA(x, y, color.RGBA{uint8(c[0] + 0.5), uint8(c[1] + 0.5), uint8(c[2] + 0.5), 255})
		}
	}
	return img
}

func decode(t testing.TB, data []byte) *image.Paletted {
	t.Helper()
	img, err := gif.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	p, ok := img.(*image.Paletted)
	require.True(t, ok)
	return p
}

// psnr is the PSNR in dB of got's RGB against want's.
func psnr(want *image.RGBA, got image.Image) float64 {
	var se float64
	b := want.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			w := want.RGBAAt(x, y)
			r, g, bb, _ := got.At(x, y).RGBA()
			for _, d := range []float64{float64(w.R) - float64(r>>8), float64(w.G) - float64(g>>8), float64(w.B) - float64(bb>>8)} {
				se += d * d
			}
		}
	}
	mse := se / float64(3*b.Dx()*b.Dy())
	return 10 * math.Log10(255*255/mse)
}

func TestFewColoursAreExact(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 61, 37))
	for i := range 61 * 37 {
		c := uint8(i % 200) // 200 distinct colours
		copy(img.Pix[4*i:], []byte{c, 255 - c, c / 2, 255})
	}
	data, err := Encode(img, Options{Dither: 1})
	require.NoError(t, err)
	got := decode(t, data)
	for y := range 37 {
		for x := range 61 {
			r, g, b, a := got.At(x, y).RGBA()
			require.Equal(t, img.RGBAAt(x, y), color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}, "pixel %d,%d", x, y)
		}
	}
}

func TestTransparencyIsOneBit(t *testing.T) {
	for _, name := range []string{"exact", "quantised"} {
		t.Run(name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, 40, 20))
			for i := 0; i < len(img.Pix); i += 4 {
				copy(img.Pix[i:], []byte{30, 60, 90, 255})
			}
			if name == "quantised" {
				img = gradientCard(40, 20)
			}
			img.SetRGBA(0, 0, color.RGBA{})               // transparent
			img.SetRGBA(1, 0, color.RGBA{10, 20, 5, 100}) // alpha < 128: transparent
			img.SetRGBA(2, 0, color.RGBA{80, 40, 0, 160}) // alpha ≥ 128: opaque, straight colour
			data, err := Encode(img, Options{})
			require.NoError(t, err)
			got := decode(t, data)
			for x, wantA := range []uint32{0, 0, 0xFFFF} {
				_, _, _, a := got.At(x, 0).RGBA()
				require.Equal(t, wantA, a, "pixel %d", x)
			}
			r, g, b, _ := got.At(2, 0).RGBA()
			require.InDelta(t, 128, int(r>>8), 8)
			require.InDelta(t, 64, int(g>>8), 8)
			require.InDelta(t, 0, int(b>>8), 8)
			_, _, _, a := got.At(20, 10).RGBA()
			require.Equal(t, uint32(0xFFFF), a, "the rest stays opaque")
		})
	}
}

func TestGradientQuality(t *testing.T) {
	img := gradientCard(1200, 630)
	for _, c := range []struct {
		dither float64
		min    float64
	}{{0, 38}, {1, 38}} {
		data, err := Encode(img, Options{Dither: c.dither})
		require.NoError(t, err)
		got := decode(t, data)
		p := psnr(img, got)
		t.Logf("dither %.0f: %d bytes, PSNR %.1f dB", c.dither, len(data), p)
		require.GreaterOrEqual(t, p, c.min)
	}
}

func FuzzEncode(f *testing.F) {
	f.Add([]byte{1, 2, 3, 255, 0, 0, 0, 0, 9, 9, 9, 130}, uint8(3))
	f.Fuzz(func(t *testing.T, pix []byte, width uint8) {
		w := int(width%16) + 1
		h := len(pix) / 4 / w
		if h == 0 {
			return
		}
		img := &image.RGBA{Pix: pix[:4*w*h], Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
		for i := 0; i < len(img.Pix); i += 4 { // premultiplied: c ≤ a
			for c := range 3 {
				img.Pix[i+c] = min(img.Pix[i+c], img.Pix[i+3])
			}
		}
		data, err := Encode(img, Options{Dither: 1})
		require.NoError(t, err)
		got := decode(t, data)
		require.Equal(t, img.Rect, got.Rect)
	})
}

func BenchmarkEncode(b *testing.B) {
	img := gradientCard(1200, 630)
	for b.Loop() {
		if _, err := Encode(img, Options{Dither: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
