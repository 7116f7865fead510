package imaging

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/golden"
)

// rampPNG is a w×h PNG whose red channel rises left to right and green top
// to bottom, so a crop's position can be read back from its pixels.
func rampPNG(t testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / (w - 1)), uint8(y * 255 / (h - 1)), 128, 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestCoverFit: the box is filled, the overflow cropped equally from both
// sides, the aspect ratio kept.
func TestCoverFit(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	cases := []struct {
		name        string
		srcW, srcH  int
		w, h        int
		left, right uint8 // expected red at the first and last column
		top, bottom uint8 // expected green at the first and last row
	}{
		// 400×100 into 100×100: scale 1, columns 150..249 kept.
		{name: "wide source", srcW: 400, srcH: 100, w: 100, h: 100, left: 96, right: 159, top: 0, bottom: 255},
		// 100×400 into 100×100: rows 150..249 kept.
		{name: "tall source", srcW: 100, srcH: 400, w: 100, h: 100, left: 0, right: 255, top: 96, bottom: 159},
		// 200×100 into 50×100: scale 1, columns 75..124 kept.
		{name: "wide source, tall box", srcW: 200, srcH: 100, w: 50, h: 100, left: 96, right: 158, top: 0, bottom: 255},
		// 100×50 enlarged 4× into 400×100: rows 12.5..37.5 of the source.
		{name: "small source enlarged", srcW: 100, srcH: 50, w: 400, h: 100, left: 0, right: 255, top: 65, bottom: 190},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := loadBox(t, l, rampPNG(t, tc.srcW, tc.srcH), tc.w, tc.h)
			mid := func(x, y int) color.RGBA { return out.RGBAAt(x, y) }
			require.InDelta(t, tc.left, mid(0, tc.h/2).R, 4, "left column")
			require.InDelta(t, tc.right, mid(tc.w-1, tc.h/2).R, 4, "right column")
			require.InDelta(t, tc.top, mid(tc.w/2, 0).G, 4, "top row")
			require.InDelta(t, tc.bottom, mid(tc.w/2, tc.h-1).G, 4, "bottom row")
			for _, a := range []uint8{out.Pix[3], out.Pix[len(out.Pix)-1]} {
				require.Equal(t, uint8(255), a)
			}
		})
	}
}

// TestCoverFitPhotos: golden images of a wide and a tall crop of a photo.
func TestCoverFitPhotos(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	cases := []struct {
		name string
		file string
		w, h int
	}{
		{name: "cover_wide_box", file: "rocket.jpg", w: 200, h: 60},
		{name: "cover_tall_box", file: "motorcycle_left.png", w: 60, h: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, tc.name, loadBox(t, l, sample(t, tc.file), tc.w, tc.h), golden.Resampling(2))
		})
	}
}
