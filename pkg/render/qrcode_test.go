package render

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // sample photos
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/codes"
	"github.com/strata-render/strata/pkg/codes/codestest"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// codeCase is one code drawn through the real render path.
type codeCase struct {
	name   string
	format schema.BarcodeFormat // codestest.QR for QR codes
	value  string
	w, h   int
}

// codeRenderCases are every format, with boxes whose sides have equal and
// different parity (a quarter turn of the latter lands on half pixels).
var codeRenderCases = []codeCase{
	{name: "qr", format: codestest.QR, value: "https://example.com/strata?x=1", w: 180, h: 180},
	{name: "qr wide odd box", format: codestest.QR, value: "héllo ☃", w: 251, h: 120},
	{name: "code128", format: schema.Code128, value: "Strata-128 {ok}", w: 460, h: 90},
	{name: "code128 odd box", format: schema.Code128, value: "Strata-128 {ok}", w: 461, h: 90},
	{name: "ean13", format: schema.EAN13, value: "400638133393", w: 301, h: 81},
	{name: "ean8", format: schema.EAN8, value: "96385074", w: 200, h: 60},
	{name: "code39", format: schema.Code39, value: "STRATA 39", w: 460, h: 70},
	{name: "itf", format: schema.ITF, value: "1234", w: 200, h: 50},
	{name: "codabar", format: schema.Codabar, value: "A40156B", w: 300, h: 76},
}

// layer builds the case's layer at (x, y).
func (c codeCase) layer(index int, x, y float64, fg, bg color.NRGBA) *schema.Layer {
	l := &schema.Layer{
		Path: fmt.Sprintf("layers[%d]", index), Index: index, HasIndex: true, Opacity: 100,
		Position: &schema.Point{X: x, Y: y}, Size: &schema.Size{Width: c.w, Height: c.h},
	}
	if c.format == codestest.QR {
		l.Type = schema.TypeQRCode
		l.QRCode = &schema.QRCode{Value: c.value, Foreground: fg, Background: bg}
	} else {
		l.Type = schema.TypeBarcode
		l.Barcode = &schema.Barcode{Value: c.value, Format: c.format, Foreground: fg, Background: bg}
	}
	return l
}

var (
	codeInk   = color.NRGBA{0x10, 0x20, 0x60, 255}
	codePaper = color.NRGBA{0xfa, 0xf6, 0xe8, 255}
	codeWhite = color.NRGBA{255, 255, 255, 255}
)

// renderPNG renders req through Renderer.Render as PNG and decodes it.
func renderPNG(t *testing.T, r *Renderer, req *schema.Request) image.Image {
	t.Helper()
	res, err := r.Render(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, "image/png", res.MimeType)
	img, err := png.Decode(bytes.NewReader(res.Data))
	require.NoError(t, err)
	return img
}

// TestCodesRotated renders every format through Renderer.Render at 0, 90,
// 180 and 270 degrees, encodes PNG, decodes it and reads the code back
// with gozxing and zbarimg.
func TestCodesRotated(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	for _, c := range codeRenderCases {
		for _, deg := range []float64{0, 90, 180, 270} {
			t.Run(fmt.Sprintf("%s %v", c.name, deg), func(t *testing.T) {
				t.Parallel()
				// The box is centred so every rotation stays on the canvas.
				size := max(c.w, c.h) + 80
				l := c.layer(1, float64((size-c.w)/2), float64((size-c.h)/2), codeInk, codePaper)
				l.Rotation = deg
				bg := &schema.Layer{Path: "layers[0]", Index: 0, HasIndex: true, Type: schema.TypeSolidColor,
					Opacity: 100, Solid: &schema.SolidColor{Color: codeWhite}}
				img := renderPNG(t, r, &schema.Request{Width: size, Height: size, Layers: []*schema.Layer{bg, l}})
				want := codestest.Expected(c.format, c.value)
				text, err := codestest.Gozxing(img, c.format)
				require.NoError(t, err, "gozxing")
				require.Equal(t, want, text)
				text, err = codestest.Zbar(t.TempDir(), img, c.format, c.value, false)
				require.NotErrorIs(t, err, codestest.ErrNoZbar)
				require.NoError(t, err, "zbarimg")
				require.Equal(t, want, text)
			})
		}
	}
}

// TestCodesCrispThroughCompositor checks that an unrotated code and its
// quarter turns reach the canvas with only the two code colours: no
// resampling blur (a box whose sides differ by an odd number used to land
// on half pixels at 90° and 270°).
func TestCodesCrispThroughCompositor(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	for _, c := range codeRenderCases {
		for _, deg := range []float64{0, 90, 180, 270} {
			t.Run(fmt.Sprintf("%s %v", c.name, deg), func(t *testing.T) {
				t.Parallel()
				size := max(c.w, c.h) + 40
				l := c.layer(0, float64((size-c.w)/2), float64((size-c.h)/2), codeInk, codePaper)
				l.Rotation = deg
				canvas, err := r.renderCanvas(context.Background(), &schema.Request{Width: size, Height: size, Layers: []*schema.Layer{l}})
				require.NoError(t, err)
				colours := map[color.RGBA]bool{}
				for y := 0; y < size; y++ {
					for x := 0; x < size; x++ {
						if p := canvas.RGBAAt(x, y); p.A != 0 {
							colours[p] = true
						}
					}
				}
				require.Len(t, colours, 2, "only ink and paper: %v", colours)
			})
		}
	}
}

// TestCodesOpacity checks that opacity reaches the code and it still
// scans: 60% ink over white.
func TestCodesOpacity(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	for _, c := range []codeCase{codeRenderCases[0], codeRenderCases[4]} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			l := c.layer(1, 10, 10, codeInk, codeWhite)
			l.Opacity = 60
			bg := &schema.Layer{Path: "layers[0]", Index: 0, HasIndex: true, Type: schema.TypeSolidColor,
				Opacity: 100, Solid: &schema.SolidColor{Color: codeWhite}}
			img := renderPNG(t, r, &schema.Request{Width: c.w + 20, Height: c.h + 20, Layers: []*schema.Layer{bg, l}})
			// The darkest pixel is ink at 60% over white.
			darkest := uint32(0xffff)
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					r, _, _, _ := img.At(x, y).RGBA()
					darkest = min(darkest, r>>8)
				}
			}
			require.InDelta(t, 0.6*0x10+0.4*255, float64(darkest), 2)
			text, err := codestest.Gozxing(img, c.format)
			require.NoError(t, err)
			require.Equal(t, codestest.Expected(c.format, c.value), text)
		})
	}
}

// TestCodesOverPhoto composites codes through the compositor onto a real
// photo (Debian skimage's astronaut), upright and turned 90°, with an
// opaque and a translucent background, and reads them back.
func TestCodesOverPhoto(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	photo := codeSamplePhoto(t, "astronaut.png")
	for _, c := range []codeCase{codeRenderCases[0], codeRenderCases[2], codeRenderCases[4]} {
		for _, bgAlpha := range []uint8{255, 0xd0} {
			for _, deg := range []float64{0, 90} {
				t.Run(fmt.Sprintf("%s alpha %d rotated %v", c.name, bgAlpha, deg), func(t *testing.T) {
					t.Parallel()
					// A canvas around the (rotated) box with 60 px of photo on
					// every side.
					cw, ch := c.w+120, c.h+120
					if deg == 90 {
						cw, ch = c.h+120, c.w+120
					}
					canvas := image.NewRGBA(image.Rect(0, 0, cw, ch))
					for y := 0; y < ch; y++ {
						copy(canvas.Pix[y*canvas.Stride:y*canvas.Stride+cw*4], photo.Pix[y*photo.Stride:])
					}
					paper := codePaper
					paper.A = bgAlpha
					l := c.layer(0, float64((cw-c.w)/2+7), float64((ch-c.h)/2-11), codeInk, paper)
					l.Rotation = deg
					require.NoError(t, (frame{Renderer: r}).drawLayer(context.Background(), canvas, l, image.Point{}, cw, ch))
					want := codestest.Expected(c.format, c.value)
					text, err := codestest.Gozxing(canvas, c.format)
					require.NoError(t, err, "gozxing")
					require.Equal(t, want, text)
					text, err = codestest.Zbar(t.TempDir(), canvas, c.format, c.value, false)
					require.NotErrorIs(t, err, codestest.ErrNoZbar)
					require.NoError(t, err, "zbarimg")
					require.Equal(t, want, text)
					if os.Getenv("SAVE_ACTUAL") != "" {
						var buf bytes.Buffer
						require.NoError(t, png.Encode(&buf, canvas))
						name := fmt.Sprintf("codes_photo_%s_%d_%v.png", c.format, bgAlpha, deg)
						require.NoError(t, os.WriteFile(filepath.Join(os.Getenv("SAVE_ACTUAL"), name), buf.Bytes(), 0o644))
					}
				})
			}
		}
	}
}

// TestCodesTooSmall checks the 422 through Render names the layer and the
// minimum size.
func TestCodesTooSmall(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	tests := []struct {
		name string
		c    codeCase
		want string
	}{
		{name: "qr", c: codeCase{format: codestest.QR, value: "https://example.com", w: 60, h: 200},
			want: "QR code box 60x200 is too small: this value needs 33 modules including the quiet zone at 2 pixels each, so the box must be at least 66x66 pixels (layers[0])."},
		{name: "ean13", c: codeCase{format: schema.EAN13, value: "400638133393", w: 500, h: 9},
			want: "Barcode box 500x9 is too small: this ean13 value needs 113 modules including quiet zones at 2 pixels each, so the box must be at least 226x10 pixels (layers[0])."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := &schema.Request{Width: 600, Height: 300,
				Layers: []*schema.Layer{tt.c.layer(0, 0, 0, codeInk, codePaper)}}
			_, err := r.Render(context.Background(), req)
			// CheckCodeBoxes (async submit, strata validate) gives the
			// same answer without rendering.
			for _, err := range []error{err, CheckCodeBoxes(req)} {
				require.Error(t, err)
				fe := failure.As(err)
				require.Equal(t, failure.Unprocessable, fe.Kind)
				require.Equal(t, tt.want, fe.PublicMessage())
				require.Len(t, fe.Details, 1)
				require.Equal(t, "layers[0]", fe.Details[0].Path)
			}
		})
	}
}

// TestCheckCodeBoxesAgreesWithRender: at every format's minimum box the
// check passes and the render succeeds; one pixel less, both refuse.
// Boxes inside layouts are checked too, and every too-small code is listed.
func TestCheckCodeBoxesAgreesWithRender(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	for _, c := range codeRenderCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var w, h int
			if c.format == codestest.QR {
				side, err := codes.QRMinSize(c.value, "")
				require.NoError(t, err)
				w, h = side, side
			} else {
				var err error
				w, h, err = codes.BarcodeMinSize(c.format, c.value)
				require.NoError(t, err)
			}
			for _, d := range []struct{ dw, dh int }{{0, 0}, {-1, 0}, {0, -1}} {
				cc := c
				cc.w, cc.h = w+d.dw, h+d.dh
				req := &schema.Request{Width: 600, Height: 300, Layers: []*schema.Layer{cc.layer(0, 0, 0, codeInk, codePaper)}}
				_, renderErr := r.Render(context.Background(), req)
				checkErr := CheckCodeBoxes(req)
				require.Equal(t, renderErr == nil, checkErr == nil, "%dx%d: render %v, check %v", cc.w, cc.h, renderErr, checkErr)
				if fits := d == struct{ dw, dh int }{}; fits != (checkErr == nil) {
					t.Fatalf("%dx%d: fits=%v but check says %v", cc.w, cc.h, fits, checkErr)
				}
			}
		})
	}
	t.Run("in layouts, every one listed", func(t *testing.T) {
		small := codeCase{format: codestest.QR, value: "https://example.com", w: 40, h: 40}
		bar := codeCase{format: schema.EAN8, value: "96385074", w: 50, h: 40}
		inner := small.layer(0, 0, 0, codeInk, codePaper)
		inner.Path = "layers[0].layers[1]"
		bg := bar.layer(0, 0, 0, codeInk, codePaper)
		bg.Path = "layers[0].background_layers[0]"
		req := &schema.Request{Width: 600, Height: 300, Layers: []*schema.Layer{{
			Path: "layers[0]", Type: schema.TypeLayout, Opacity: 100,
			Layout: &schema.Layout{Children: []*schema.Layer{inner}, BackgroundLayers: []*schema.Layer{bg}},
		}}}
		fe := failure.As(CheckCodeBoxes(req))
		require.Equal(t, failure.Unprocessable, fe.Kind)
		require.Len(t, fe.Details, 2)
		require.Equal(t, "layers[0].background_layers[0]", fe.Details[0].Path)
		require.Equal(t, "layers[0].layers[1]", fe.Details[1].Path)
		require.Contains(t, fe.PublicMessage(), "(and 1 more, listed in details)")
	})
}

// codeSamplePhoto loads a sample photo from the assets dir
// ($STRATA_ASSETS_DIR or ~/.cache/strata), failing when it is missing, and
// tiles it over a 1024×1024 RGBA image.
func codeSamplePhoto(t *testing.T, name string) *image.RGBA {
	t.Helper()
	dir := assets.Dir()
	path := filepath.Join(dir, "samples", name)
	f, err := os.Open(path)
	require.NoError(t, err, "sample photo %s missing: run scripts/setup.sh", path)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	out := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	b := img.Bounds()
	for y := 0; y < 1024; y += b.Dy() {
		for x := 0; x < 1024; x += b.Dx() {
			draw.Draw(out, image.Rect(x, y, x+b.Dx(), y+b.Dy()), img, b.Min, draw.Src)
		}
	}
	return out
}
