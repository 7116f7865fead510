package imaging

import (
	"image"
	"testing"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/vips"
)

// coffeeJPEG is samples/coffee.png (a real photo) resized to w×h and
// saved as a JPEG with opts applied.
func coffeeJPEG(t testing.TB, w, h int, opts bimg.Options) []byte {
	opts.Width, opts.Height, opts.Force, opts.Enlarge = w, h, true, true
	opts.Type, opts.Quality = bimg.JPEG, 90
	data, err := bimg.NewImage(sample(t, "coffee.png")).Process(opts)
	require.NoError(t, err)
	return data
}

// jpegScaled picks the smallest eighth of the size that covers the box.
func TestJPEGScaledPicksTheSmallestCoveringEighth(t *testing.T) {
	data := coffeeJPEG(t, 800, 600, bimg.Options{})
	b := vips.NewBuffer(data)
	defer b.Free()
	for _, c := range []struct {
		minW, minH, scale int
		size              image.Point
	}{
		{300, 300, 4, image.Pt(400, 300)},
		{301, 301, 5, image.Pt(500, 375)},
		{100, 1, 1, image.Pt(100, 75)},
		{101, 1, 2, image.Pt(200, 150)},
		{800, 600, 8, image.Pt(800, 600)},
	} {
		v, scale := vips.JPEGScaled(b, c.minW, c.minH)
		require.NotNil(t, v)
		w, h := v.Size()
		v.Close()
		require.Equal(t, c.scale, scale, "cover %dx%d", c.minW, c.minH)
		require.Equal(t, c.size, image.Pt(w, h), "cover %dx%d", c.minW, c.minH)
	}
}

// The DCT-scaled path gives what libvips' thumbnail gives, within the
// difference of two good downsamplers (measured: mean absolute difference
// 0.47–0.63 per channel, at most 0.03% of values more than 12 apart).
func TestJPEGScaledMatchesTheGeneralPath(t *testing.T) {
	for _, c := range []struct {
		name string
		opts bimg.Options
		box  image.Point
	}{
		{"colour, square box", bimg.Options{}, image.Pt(300, 300)},
		{"colour, tall box", bimg.Options{}, image.Pt(180, 420)},
		{"greyscale", bimg.Options{Interpretation: bimg.InterpretationBW}, image.Pt(250, 250)},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := coffeeJPEG(t, 1600, 1200, c.opts)
			src, err := NewLoader(Options{}).open("layers[0]", data)
			require.NoError(t, err)
			defer src.close()
			require.True(t, src.plainJPEG)
			fast, err := src.thumbnail(c.box.X, c.box.Y, vips.CropCentre, vips.SizeBoth)
			require.NoError(t, err)
			src.plainJPEG = false
			general, err := src.thumbnail(c.box.X, c.box.Y, vips.CropCentre, vips.SizeBoth)
			require.NoError(t, err)
			require.Equal(t, general.Rect, fast.Rect)
			var sum, over int
			for i := range fast.Pix {
				d := diff(fast.Pix[i], general.Pix[i])
				sum += d
				if d > 12 {
					over++
				}
			}
			mean := float64(sum) / float64(len(fast.Pix))
			t.Logf("mean abs difference %.2f, %d of %d channel values over 12", mean, over, len(fast.Pix))
			require.Less(t, mean, 1.5)
			require.LessOrEqual(t, over, len(fast.Pix)/1000)
		})
	}
}

// JPEGs the fast path does not handle go the general way: CMYK, an EXIF
// orientation, an embedded colour profile; broken files never crash.
func TestJPEGScaledFallbacks(t *testing.T) {
	l := NewLoader(Options{})
	cmyk := coffeeJPEG(t, 400, 300, bimg.Options{Interpretation: bimg.InterpretationCMYK})
	b := vips.NewBuffer(cmyk)
	v, _ := vips.JPEGScaled(b, 100, 100)
	b.Free()
	require.Nil(t, v, "CMYK takes libvips' path")
	require.Equal(t, image.Rect(0, 0, 100, 100), loadBox(t, l, cmyk, 100, 100).Rect)

	src, err := l.open("layers[0]", withOrientation(t, sample(t, "coffee.png")))
	require.NoError(t, err)
	require.False(t, src.plainJPEG, "an EXIF orientation takes libvips' path")
	src.close()

	src, err = l.open("layers[0]", withICCMarker(coffeeJPEG(t, 400, 300, bimg.Options{})))
	require.NoError(t, err)
	require.False(t, src.plainJPEG, "an embedded profile takes libvips' path")
	src.close()

	good := coffeeJPEG(t, 400, 300, bimg.Options{})
	for _, broken := range [][]byte{good[:len(good)/2], append(append([]byte{}, good[:200]...), make([]byte, 2000)...)} {
		b := vips.NewBuffer(broken)
		if v, _ := vips.JPEGScaled(b, 50, 50); v != nil {
			v.Close()
		}
		b.Free()
	}
}

// withICCMarker inserts an APP2 ICC_PROFILE segment (one chunk of a
// placeholder profile) after the JPEG's SOI marker: enough for the header
// to report an embedded profile.
func withICCMarker(jpeg []byte) []byte {
	payload := append([]byte("ICC_PROFILE\x00\x01\x01"), make([]byte, 128)...)
	n := len(payload) + 2
	seg := append([]byte{0xFF, 0xE2, byte(n >> 8), byte(n)}, payload...)
	return append(append(append([]byte{}, jpeg[:2]...), seg...), jpeg[2:]...)
}
