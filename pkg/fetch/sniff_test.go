package fetch

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// encoded returns a real 4x4 image in the given encoder's format.
func encoded(t *testing.T, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, enc(&buf, image.NewNRGBA(image.Rect(0, 0, 4, 4))))
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{name: "png", data: encoded(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }), want: "image/png"},
		{name: "jpeg", data: encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }), want: "image/jpeg"},
		{name: "gif", data: encoded(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }), want: "image/gif"},
		{name: "bmp", data: encoded(t, func(b *bytes.Buffer, m image.Image) error { return bmp.Encode(b, m) }), want: "image/bmp"},
		{name: "tiff little-endian", data: encoded(t, func(b *bytes.Buffer, m image.Image) error { return tiff.Encode(b, m, nil) }), want: "image/tiff"},
		{name: "tiff big-endian", data: []byte("MM\x00*\x00\x00\x00\x08"), want: "image/tiff"},
		{name: "webp", data: []byte("RIFF\x24\x00\x00\x00WEBPVP8L"), want: "image/webp"},
		{name: "avif", data: []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), want: "image/avif"},
		{name: "avif sequence", data: []byte("\x00\x00\x00\x18ftypavis\x00\x00\x00\x00avismsf1"), want: "image/avif"},
		{name: "avif as compatible brand", data: []byte("\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf"), want: "image/avif"},
		{name: "heic", data: []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), want: "image/heif"},
		{name: "heif mif1", data: []byte("\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1"), want: "image/heif"},
		{name: "mp4 is not an image", data: []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), want: "video/mp4"},
		{name: "svg", data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>`), want: "image/svg+xml"},
		{name: "svg with prolog, comment, doctype and BOM", data: []byte("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<SVG>"), want: "image/svg+xml"},
		{name: "svg-like element is not svg", data: []byte(`<svgfoo/>`), want: "text/plain; charset=utf-8"},
		{name: "html mentioning svg", data: []byte(`<!DOCTYPE html><html><body><svg></svg></body></html>`), want: "text/html; charset=utf-8"},
		{name: "unterminated comment", data: []byte(`<!-- <svg>`), want: "text/html; charset=utf-8"},
		{name: "json", data: []byte(`{"error":"nope"}`), want: "text/plain; charset=utf-8"},
		{name: "empty", data: nil, want: "text/plain; charset=utf-8"},
		{name: "garbage", data: []byte{0, 1, 2, 3, 4, 5}, want: "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Sniff(tt.data))
		})
	}
}
