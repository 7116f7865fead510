package render

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/strata-render/strata/pkg/schema"
)

// halfTransparent is a design whose left half is transparent.
func halfTransparent(format schema.Format) *schema.Request {
	req := request(120, 80, solid(0, "#E63946", box(60, 0, 60, 80)))
	req.OutputFormat = format
	return req
}

func TestEncodeFormats(t *testing.T) {
	r := newTestRenderer(t)
	for _, tc := range []struct {
		name   string
		format schema.Format
		mime   string
		alpha  bool
		decode func([]byte) (image.Image, error)
	}{
		{"png", schema.PNG, "image/png", true, func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }},
		{"default is png", "", "image/png", true, func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }},
		{"jpeg", schema.JPEG, "image/jpeg", false, func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
		{"webp", schema.WebP, "image/webp", true, func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }},
		{"tiff", schema.TIFF, "image/tiff", true, func(b []byte) (image.Image, error) { return tiff.Decode(bytes.NewReader(b)) }},
		{"gif", schema.GIF, "image/gif", true, func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }},
		{"avif", schema.AVIF, "image/avif", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Render(context.Background(), halfTransparent(tc.format))
			require.NoError(t, err)
			require.Equal(t, tc.mime, res.MimeType)
			require.Equal(t, 120, res.Width)
			require.Equal(t, 80, res.Height)

			// libvips reads every format back with the right size and alpha.
			meta, err := bimg.Metadata(res.Data)
			require.NoError(t, err)
			require.Equal(t, 120, meta.Size.Width)
			require.Equal(t, 80, meta.Size.Height)
			if tc.format != schema.GIF { // libvips reports GIF transparency as 4 bands too, checked below
				require.Equal(t, tc.alpha, meta.Alpha, "alpha channel")
			}

			// Pixels, read back through libvips (Go's lossy WebP decoder
			// converts YCbCr differently from libwebp, by up to 14 levels).
			img := decodeViaVips(t, res.Data)
			_, _, _, aLeft := img.At(10, 40).RGBA()
			rr, g, b, aRight := img.At(100, 40).RGBA()
			require.Equal(t, uint32(0xffff), aRight, "the painted half is opaque")
			require.InDelta(t, 0xE6, rr>>8, 4)
			require.InDelta(t, 0x39, g>>8, 6)
			require.InDelta(t, 0x46, b>>8, 6)
			if tc.alpha {
				require.Equal(t, uint32(0), aLeft, "the unpainted half stays transparent")
			} else {
				lr, lg, lb, _ := img.At(10, 40).RGBA()
				require.Equal(t, []uint32{0xff, 0xff, 0xff}, []uint32{lr >> 8, lg >> 8, lb >> 8}, "JPEG is flattened onto white")
			}

			// Go's own decoder reads it too, where Go has one.
			if tc.decode != nil {
				gi, err := tc.decode(res.Data)
				require.NoError(t, err)
				require.Equal(t, image.Rect(0, 0, 120, 80), gi.Bounds())
				_, _, _, a := gi.At(10, 40).RGBA()
				require.Equal(t, tc.alpha, a == 0, "Go decoder sees the same transparency")
			}
		})
	}
}

// decodeViaVips converts an encoded image to PNG with libvips and decodes it.
func decodeViaVips(t *testing.T, data []byte) image.Image {
	t.Helper()
	out, err := bimg.NewImage(data).Convert(bimg.PNG)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(out))
	require.NoError(t, err)
	return img
}

func TestEncodeOpaqueDropsAlpha(t *testing.T) {
	r := newTestRenderer(t)
	res, err := r.Render(context.Background(), request(40, 30, solid(0, "#102030")))
	require.NoError(t, err)
	meta, err := bimg.Metadata(res.Data)
	require.NoError(t, err)
	require.False(t, meta.Alpha, "a fully opaque canvas is written without an alpha channel")
	img, err := png.Decode(bytes.NewReader(res.Data))
	require.NoError(t, err)
	rr, g, b, a := img.At(5, 5).RGBA()
	require.Equal(t, []uint32{0x10, 0x20, 0x30, 0xff}, []uint32{rr >> 8, g >> 8, b >> 8, a >> 8})
}

func TestEncodeUnpremultiplies(t *testing.T) {
	r := newTestRenderer(t)
	// 50% opacity keeps the colour exact in straight alpha.
	res, err := r.Render(context.Background(), request(10, 10, solid(0, "#C86432", opacity(50))))
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(res.Data))
	require.NoError(t, err)
	c := toNRGBA(img).NRGBAAt(3, 3)
	require.InDelta(t, 0xC8, int(c.R), 1)
	require.InDelta(t, 0x64, int(c.G), 1)
	require.InDelta(t, 0x32, int(c.B), 1)
	require.InDelta(t, 128, int(c.A), 1)
}

func TestEncodeUnknownFormat(t *testing.T) {
	r := newTestRenderer(t)
	req := request(10, 10, solid(0, "#000000"))
	req.OutputFormat = "bmp"
	_, err := r.Render(context.Background(), req)
	require.Error(t, err)
}

func TestUntrustedLoadersBlocked(t *testing.T) {
	// New blocks libvips' untrusted loaders (PDF, ImageMagick, …): image
	// layers decode attacker-supplied bytes. Without the block libvips
	// renders this PDF through poppler. SVG is let back in (the contract
	// accepts SVG images; vips.Start).
	newTestRenderer(t)
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 8 8]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	require.Equal(t, "pdf", bimg.DetermineImageTypeName(pdf))
	_, err := bimg.NewImage(pdf).Convert(bimg.PNG)
	require.Error(t, err, "PDF must not load once untrusted loaders are blocked")
	require.Contains(t, err.Error(), "blocked")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="red"/></svg>`)
	_, err = bimg.NewImage(svg).Convert(bimg.PNG)
	require.NoError(t, err, "SVG stays allowed")
	// Trusted loaders still work.
	res, err := newTestRenderer(t).Render(context.Background(), request(4, 4, solid(0, "#FF0000")))
	require.NoError(t, err)
	_, err = bimg.NewImage(res.Data).Convert(bimg.JPEG)
	require.NoError(t, err)
}

// The request's output_options reach the encoder: lower quality, higher
// DEFLATE level and effort each change the output as their format promises.
func TestOutputOptionsReachTheEncoder(t *testing.T) {
	r := newTestRenderer(t)
	render := func(format schema.Format, o schema.OutputOptions) []byte {
		req := shapesRequest(format)
		req.Output = o
		res, err := r.Render(context.Background(), req)
		require.NoError(t, err)
		return res.Data
	}
	n := func(v int) *int { return &v }
	require.Less(t, len(render(schema.JPEG, schema.OutputOptions{Quality: n(20)})), len(render(schema.JPEG, schema.OutputOptions{Quality: n(95)})))
	require.Less(t, len(render(schema.WebP, schema.OutputOptions{Quality: n(20)})), len(render(schema.WebP, schema.OutputOptions{Quality: n(95)})))
	require.Less(t, len(render(schema.PNG, schema.OutputOptions{CompressionLevel: n(9)})), len(render(schema.PNG, schema.OutputOptions{CompressionLevel: n(0)})))
	require.NotEqual(t, render(schema.AVIF, schema.OutputOptions{Quality: n(30)}), render(schema.AVIF, schema.OutputOptions{Quality: n(90)}))
}

// TestEncodeTranslucentEveryPixel checks every pixel of a translucent
// canvas with distinct regions through each format with alpha: a saver that
// read four-band rows as three-band ones (a GIF of the effects card came out
// striped and stretched by 4/3) shifts nearly every pixel, which sampling
// a few points of a symmetric design did not catch.
func TestEncodeTranslucentEveryPixel(t *testing.T) {
	r := newTestRenderer(t)
	req := request(97, 61, // odd sizes: no row length is a multiple of both 3 and 4
		solid(0, "#1D4ED8", box(0, 0, 40, 61)),
		solid(1, "#F59E0B", box(40, 0, 57, 30)),
		solid(2, "#10B981", box(40, 30, 57, 31), opacity(60)))
	want := toNRGBA(decodeViaVips(t, mustRender(t, r, req, schema.PNG)))
	for _, tc := range []struct {
		format schema.Format
		// tolerance per channel, and the share of pixels allowed beyond
		// it: lossy formats blur the colour edges (a misread shifts
		// nearly every pixel)
		tolerance int
		share     float64
		// effort: the GIF encoder (1: pkg/gifenc, more: libvips' cgif)
		effort int
	}{{schema.WebP, 24, 0.05, 0}, {schema.TIFF, 0, 0, 0}, {schema.GIF, 24, 0, 1}, {schema.GIF, 24, 0, 3}, {schema.AVIF, 32, 0.05, 0}} {
		t.Run(fmt.Sprintf("%s/effort=%d", tc.format, tc.effort), func(t *testing.T) {
			data := mustRender(t, r, req, tc.format)
			if tc.effort > 1 {
				canvas, err := r.renderCanvas(context.Background(), req)
				require.NoError(t, err)
				o := r.enc
				o.GIFEffort = tc.effort
				data, _, err = r.encode(canvas, tc.format, o, spareCores())
				require.NoError(t, err)
			}
			got := toNRGBA(decodeViaVips(t, data))
			require.Equal(t, want.Rect, got.Rect)
			bad := 0
			for y := range 61 {
				for x := range 97 {
					a, b := want.NRGBAAt(x, y), got.NRGBAAt(x, y)
					if tc.format == schema.GIF { // one-bit transparency: 60% opacity is written opaque
						a.A = map[bool]uint8{true: 255, false: 0}[a.A >= 128]
					}
					for _, d := range []int{int(a.R) - int(b.R), int(a.G) - int(b.G), int(a.B) - int(b.B), int(a.A) - int(b.A)} {
						if d > tc.tolerance || -d > tc.tolerance {
							bad++
							break
						}
					}
				}
			}
			require.LessOrEqual(t, float64(bad), tc.share*97*61,
				"%d of %d pixels differ from the PNG by more than %d", bad, 97*61, tc.tolerance)
		})
	}
}

// mustRender renders req in format and returns the encoded bytes.
func mustRender(t *testing.T, r *Renderer, req *schema.Request, format schema.Format) []byte {
	t.Helper()
	req.OutputFormat = format
	res, err := r.Render(context.Background(), req)
	require.NoError(t, err)
	return res.Data
}
