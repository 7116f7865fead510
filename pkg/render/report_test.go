package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// reportRenderer draws every layer type the report covers: bundled fonts
// and an image loader.
func reportRenderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := New(Options{Fonts: fontRegistry(t), Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(t, err)
	return r
}

// pngB64 is a w×h opaque PNG, base64.
func pngB64(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// animatedGIFB64 is a 2-frame 40×40 GIF, base64.
func animatedGIFB64(t *testing.T) string {
	t.Helper()
	pal := color.Palette{color.Black, color.White}
	a, b := image.NewPaletted(image.Rect(0, 0, 40, 40), pal), image.NewPaletted(image.Rect(0, 0, 40, 40), pal)
	for i := range b.Pix {
		b.Pix[i] = 1
	}
	var buf bytes.Buffer
	require.NoError(t, gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{a, b}, Delay: []int{10, 10}}))
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// TestRenderReport provokes each warning code with a request as a client
// sends it and checks the exact report (code and JSON path), a clean
// request's empty report, and that reporting never changes the pixels:
// each image equals the one drawn with no collector at all.
func TestRenderReport(t *testing.T) {
	r := reportRenderer(t)
	const bg = `{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}`
	text := func(extra string) string {
		return `{"index":1,"type":"text","font_size_in_px":20,"position":{"x":10,"y":10},"dimensions":{"width":180,"height":60}` + extra + `}`
	}
	const ink = `,"font_name":"Inter","text_color":"#111111"`
	img := func(extra, b64 string) string {
		return `{"index":1,"type":"image","file":{"type":"base64","base64":"` + b64 + `"}` + extra + `}`
	}
	small, natural := pngB64(t, 20, 20), pngB64(t, 100, 100)
	type want struct {
		code warning.Code
		path string
	}
	cases := []struct {
		name   string
		layers string
		want   []want
	}{
		{"clean", bg + `,` + text(ink+`,"text":"Hello, world"`) + `,` +
			img(`,"position":{"x":0,"y":0},"dimensions":{"width":100,"height":100}`, natural) +
			`,{"index":2,"type":"barcode","format":"ean13","value":"9781234567897","foreground_hex_color":"#000000","background_hex_color":"#FFFFFF","position":{"x":0,"y":100},"dimensions":{"width":240,"height":60}}`, nil},
		{"font not found", bg + `,` + text(`,"text":"Hello","font_name":"Nonexistent Sans","text_color":"#111111"`), []want{{warning.FontNotFound, "layers[1].font_name"}}},
		{"missing glyphs", bg + `,` + text(ink+`,"text":"a \ud801\ude00 b"`), []want{{warning.MissingGlyphs, "layers[1].text"}}},
		{"clipped", bg + `,` + text(ink+`,"text":"one two three four five six seven eight nine ten eleven twelve thirteen fourteen"`), []want{{warning.TextClipped, "layers[1].text"}}},
		{"clamped by max_lines", bg + `,{"index":1,"type":"text","font_size_in_px":20,"position":{"x":10,"y":10},"dimensions":{"width":180,"height":140}` + ink + `,"text":"one two three four five six seven eight nine ten eleven twelve","max_lines":1}`, []want{{warning.TextClipped, "layers[1].max_lines"}}},
		{"auto-scaled", bg + `,` + text(ink+`,"text":"one two three four five six seven eight nine ten","should_auto_scale":true`), []want{{warning.TextAutoScaled, "layers[1].font_size_in_px"}}},
		{"below legible", bg + `,` + text(ink+`,"text":"`+longWords(60)+`","should_auto_scale":true`), []want{{warning.TextBelowLegible, "layers[1].font_size_in_px"}}},
		{"empty text", bg + `,` + text(ink+`,"text":""`), []want{{warning.TextEmpty, "layers[1].text"}}},
		{"low contrast", `{"index":0,"type":"solid-color","hex_color":"#888888"},` + text(`,"text":"Grey on grey","font_name":"Inter","text_color":"#999999"`), []want{{warning.LowContrast, "layers[1].text_color"}}},
		{"upscaled", bg + `,` + img(`,"position":{"x":0,"y":0},"dimensions":{"width":100,"height":100}`, small), []want{{warning.ImageUpscaled, "layers[1]"}}},
		{"animated", bg + `,` + img(`,"position":{"x":0,"y":0},"dimensions":{"width":40,"height":40}`, animatedGIFB64(t)), []want{{warning.ImageAnimated, "layers[1]"}}},
		{"image mostly off canvas", bg + `,` + img(`,"position":{"x":200,"y":0},"dimensions":{"width":100,"height":100}`, natural), []want{{warning.ImageMostlyOffCanvas, "layers[1]"}}},
		{"check digit", bg + `,{"index":1,"type":"barcode","format":"ean13","value":"9781234567890","foreground_hex_color":"#000000","background_hex_color":"#FFFFFF","position":{"x":0,"y":100},"dimensions":{"width":240,"height":60}}`, []want{{warning.BarcodeCheckDigit, "layers[1].value"}}},
		{"off canvas", bg + `,{"index":1,"type":"solid-color","hex_color":"#FF0000","position":{"x":300,"y":10},"dimensions":{"width":50,"height":50}}`, []want{{warning.LayerOffCanvas, "layers[1]"}}},
		{"rotated onto the canvas is not off it", bg + `,{"index":1,"type":"solid-color","hex_color":"#FF0000","rotation_in_degrees":45,"position":{"x":235,"y":10},"dimensions":{"width":20,"height":20}}`, nil},
		{"opacity 0", bg + `,{"index":1,"type":"solid-color","hex_color":"#FF0000","opacity":0,"dimensions":{"width":50,"height":50}}`, []want{{warning.LayerTransparent, "layers[1].opacity"}}},
		{"transparent colour", bg + `,{"index":1,"type":"solid-color","hex_color":"#FF000000","dimensions":{"width":50,"height":50}}`, []want{{warning.LayerTransparent, "layers[1].hex_color"}}},
	}
	covered := map[warning.Code]bool{}
	for _, c := range cases {
		for _, w := range c.want {
			covered[w.code] = true
		}
	}
	// pdf_rasterized needs PDF output (the cases below compare PNG pixels):
	// a blurred layer is pixels in the PDF.
	pdfReq, err := schema.Decode([]byte(`{"dimensions":{"width":240,"height":160},"output_format":"pdf","layers":[`+bg+
		`,{"index":1,"type":"solid-color","hex_color":"#FF0000","blur_in_px":4,"position":{"x":20,"y":20},"dimensions":{"width":50,"height":50}}]}`), schema.DefaultLimits())
	require.NoError(t, err)
	pdfRes, err := r.Render(context.Background(), pdfReq)
	require.NoError(t, err)
	require.Len(t, pdfRes.Warnings, 1, "%+v", pdfRes.Warnings)
	require.Equal(t, want{warning.PDFRasterized, "layers[1]"}, want{pdfRes.Warnings[0].Code, pdfRes.Warnings[0].Path})
	covered[warning.PDFRasterized] = true
	for _, code := range warning.Codes {
		require.True(t, covered[code], "no case provokes %s", code)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := schema.Decode([]byte(`{"dimensions":{"width":240,"height":160},"layers":[`+c.layers+`]}`), schema.DefaultLimits())
			require.NoError(t, err)
			res, err := r.Render(context.Background(), req)
			require.NoError(t, err)
			var got []want
			for _, w := range res.Warnings {
				got = append(got, want{w.Code, w.Path})
				require.NotEmpty(t, w.Message)
			}
			require.Equal(t, c.want, got, "%+v", res.Warnings)

			// The same request drawn with no collector at all: the same pixels.
			plain, err := r.renderCanvas(context.Background(), req)
			require.NoError(t, err)
			decoded, err := png.Decode(bytes.NewReader(res.Data))
			require.NoError(t, err)
			require.Equal(t, toNRGBA(plain).Pix, toNRGBA(decoded).Pix, "reporting changed the image")
		})
	}
}

// longWords is n short words: text that auto-scale can fit only tiny.
func longWords(n int) string {
	var b bytes.Buffer
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("legibility")
	}
	return b.String()
}

// TestMedianContrast checks the ratio against WCAG's own examples: black
// on white is 21:1, a colour on itself 1:1, and half-opaque text is
// judged as it looks.
func TestMedianContrast(t *testing.T) {
	dst := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range dst.Pix {
		dst.Pix[i] = 255 // opaque white
	}
	ink := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range ink.Pix {
		ink.Pix[i] = 255
	}
	black := color.NRGBA{A: 255}
	ratio, ok := medianContrast(dst, ink, black, 0, 0, 1)
	require.True(t, ok)
	require.InDelta(t, 21, ratio, 0.01)
	ratio, _ = medianContrast(dst, ink, color.NRGBA{255, 255, 255, 255}, 0, 0, 1)
	require.InDelta(t, 1, ratio, 0.01)
	half, _ := medianContrast(dst, ink, black, 0, 0, 0.5)
	require.InDelta(t, 3.98, half, 0.05, "#808080 on white") // WCAG: #808080 vs #FFFFFF is 3.95-4.0
	// Over transparency nothing is judged.
	_, ok = medianContrast(image.NewRGBA(dst.Rect), ink, black, 0, 0, 1)
	require.False(t, ok)
}
