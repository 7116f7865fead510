package vips

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/require"
)

// Loading the package blocks libvips' untrusted loaders (without the block
// libvips renders this PDF through poppler) and lets SVG back in.
func TestLockdown(t *testing.T) {
	t.Parallel()
	load := func(data []byte) error {
		b := NewBuffer(data)
		defer b.Free()
		v, err := ThumbnailBuffer(b, 8, 8, CropNone, SizeBoth)
		v.Close()
		return err
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 8 8]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	err := load(pdf)
	require.ErrorContains(t, err, "blocked", "PDF must not load once untrusted loaders are blocked")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="red"/></svg>`)
	require.NoError(t, load(svg), "SVG stays allowed")
}

// A round trip through libvips: straight-alpha pixels in, a resize, and
// premultiplied RGBA out; then saved as WebP and read back.
func TestImageRoundTrip(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		src.SetNRGBA(i%4, i/4, color.NRGBA{200, 100, 50, 128})
	}
	v := FromImage(src)
	require.NotNil(t, v)
	defer v.Close()
	small, err := ThumbnailImage(v, 2, 2, CropNone, SizeForce)
	require.NoError(t, err)
	defer small.Close()
	w, h := small.Size()
	require.Equal(t, [2]int{2, 2}, [2]int{w, h})
	out, err := small.RGBA()
	require.NoError(t, err)
	c := out.RGBAAt(1, 1)
	require.InDelta(t, 100, int(c.R), 2, "premultiplied: 200·128/255")
	require.InDelta(t, 128, int(c.A), 1)

	raw := NewRaw(2 * 2 * 3)
	defer raw.Free()
	copy(raw.Bytes(), []byte{255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0})
	webp, err := Save(WebP, raw, 2, 2, 3, [3]int{90, 2, 0})
	require.NoError(t, err)
	b := NewBuffer(webp)
	defer b.Free()
	hdr, err := ReadHeader(b)
	require.NoError(t, err)
	require.Equal(t, Header{W: 2, H: 2, Orient: 1, Pages: 1}, hdr)
	_, err = Save(JPEG, raw, 4, 4, 3, [3]int{85, 1})
	require.Error(t, err, "more pixels than the buffer holds")
}
