package imaging

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"testing"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"

	"github.com/strata-render/strata/pkg/golden"
)

// photo240 is chelsea.png reduced to 240×160: a real photo small enough to
// encode to every format in a test.
func photo240(t testing.TB) []byte {
	out, err := bimg.NewImage(sample(t, "chelsea.png")).Process(bimg.Options{
		Width: 240, Height: 160, Crop: true, Type: bimg.PNG,
	})
	require.NoError(t, err)
	return out
}

// encodeAs converts a PNG to another format with libvips (bimg).
func encodeAs(t testing.TB, pngData []byte, typ bimg.ImageType) []byte {
	out, err := bimg.NewImage(pngData).Process(bimg.Options{Type: typ, Quality: 90, Speed: 8})
	require.NoError(t, err, "encode %s", bimg.ImageTypeName(typ))
	return out
}

// withOrientation returns a JPEG whose pixels are stored rotated 90°
// anticlockwise, with EXIF orientation 6 ("rotate 90° clockwise to
// display"): it displays upright only if the loader honours EXIF.
func withOrientation(t testing.TB, pngData []byte) []byte {
	rotated, err := bimg.NewImage(pngData).Process(bimg.Options{Rotate: bimg.D270, Type: bimg.JPEG, Quality: 90, StripMetadata: true})
	require.NoError(t, err)
	// A minimal Exif APP1: big-endian TIFF header, one IFD0 entry.
	var tiff bytes.Buffer
	tiff.WriteString("MM\x00\x2a")
	_ = binary.Write(&tiff, binary.BigEndian, uint32(8))
	_ = binary.Write(&tiff, binary.BigEndian, uint16(1))
	_ = binary.Write(&tiff, binary.BigEndian, []uint16{0x0112, 3})
	_ = binary.Write(&tiff, binary.BigEndian, uint32(1))
	_ = binary.Write(&tiff, binary.BigEndian, []uint16{6, 0})
	_ = binary.Write(&tiff, binary.BigEndian, uint32(0))
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	app1 := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(payload)+2))
	app1 = append(app1, payload...)
	return append(append([]byte{0xff, 0xd8}, app1...), rotated[2:]...)
}

func TestLoadEveryFormat(t *testing.T) {
	t.Parallel()
	src := photo240(t)
	cfg, err := png.DecodeConfig(bytes.NewReader(src))
	require.NoError(t, err)
	require.Equal(t, [2]int{240, 160}, [2]int{cfg.Width, cfg.Height})

	dec, err := png.Decode(bytes.NewReader(src))
	require.NoError(t, err)
	var bmpData bytes.Buffer
	require.NoError(t, bmp.Encode(&bmpData, dec))

	l := NewLoader(Options{})
	reference := loadBox(t, l, src, 120, 120)
	cases := []struct {
		name   string
		data   []byte
		format Format
		tol    int // per-channel tolerance against the PNG result
	}{
		{name: "png", data: src, format: FormatPNG, tol: 0},
		{name: "jpeg", data: encodeAs(t, src, bimg.JPEG), format: FormatJPEG, tol: 24},
		{name: "jpeg_exif_orientation", data: withOrientation(t, src), format: FormatJPEG, tol: 24},
		{name: "webp", data: encodeAs(t, src, bimg.WEBP), format: FormatWebP, tol: 24},
		{name: "gif", data: encodeAs(t, src, bimg.GIF), format: FormatGIF, tol: 40},
		{name: "tiff", data: encodeAs(t, src, bimg.TIFF), format: FormatTIFF, tol: 1},
		{name: "avif", data: encodeAs(t, src, bimg.AVIF), format: FormatHEIF, tol: 32},
		{name: "bmp", data: bmpData.Bytes(), format: FormatBMP, tol: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.format, Sniff(tc.data))
			out := loadBox(t, l, tc.data, 120, 120)
			golden.Check(t, "format_"+tc.name, out, golden.Resampling(max(2, tc.tol)))
			// Same picture as the lossless source, orientation included.
			require.Less(t, meanDiff(reference, out), float64(tc.tol)/3+0.5, "mean difference from the PNG result")
		})
	}
}

// meanDiff is the mean absolute per-channel difference of two same-size
// images.
func meanDiff(a, b *image.RGBA) float64 {
	var sum float64
	for i := range a.Pix {
		sum += float64(diff(a.Pix[i], b.Pix[i]))
	}
	return sum / float64(len(a.Pix))
}

func TestSniff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		data string
		want Format
	}{
		{name: "svg plain", data: `<svg xmlns="http://www.w3.org/2000/svg"/>`, want: FormatSVG},
		{name: "svg with prolog", data: "\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE svg>\n<svg width=\"1\">", want: FormatSVG},
		{name: "html is not svg", data: `<html><svg></svg></html>`, want: FormatUnknown},
		{name: "svgfoo is not svg", data: `<svgfoo>`, want: FormatUnknown},
		{name: "pdf", data: "%PDF-1.7\n", want: FormatUnknown},
		{name: "heic", data: "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", want: FormatHEIF},
		{name: "avif compatible brand", data: "\x00\x00\x00\x1cftypmp42\x00\x00\x00\x00mp41avifmiaf", want: FormatHEIF},
		{name: "mp4 is not heif", data: "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp41isom", want: FormatUnknown},
		{name: "empty", data: "", want: FormatUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Sniff([]byte(tc.data)))
		})
	}
}
