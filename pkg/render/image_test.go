package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/golden"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/schema"
)

// samplePhotoBytes reads a sample photo from the assets dir
// ($STRATA_ASSETS_DIR or ~/.cache/strata), failing when it is missing.
func samplePhotoBytes(t testing.TB, name string) []byte {
	t.Helper()
	dir := assets.Dir()
	path := filepath.Join(dir, "samples", name)
	b, err := os.ReadFile(path)
	require.NoError(t, err, "sample photo %s missing: run scripts/setup.sh", path)
	return b
}

// imageLayer is an image layer with inline bytes; without box it fills the
// canvas.
func imageLayer(index int, data []byte, opts ...layerOpt) *schema.Layer {
	l := &schema.Layer{Index: index, HasIndex: true, Type: schema.TypeImage, Opacity: 100,
		Image: &schema.Image{File: schema.File{Type: schema.SourceBase64, Data: data}}}
	for _, o := range opts {
		o(l)
	}
	l.Path = "layers[" + string(rune('0'+index)) + "]"
	return l
}

// TestImageLayer renders photos as layers: one in a box with rounded
// corners, opacity and rotation from the compositor, one without
// dimensions filling the canvas.
func TestImageLayer(t *testing.T) {
	t.Parallel()
	r, err := New(Options{Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(t, err)
	cat := samplePhotoBytes(t, "chelsea.png")
	rocket := samplePhotoBytes(t, "rocket.jpg")
	cases := []struct {
		name string
		req  *schema.Request
	}{
		{name: "image_box_radius_opacity", req: request(240, 160,
			solid(0, "#F4EBDD"),
			imageLayer(1, cat, box(20, 20, 120, 120), radius(24), opacity(85)),
			imageLayer(2, rocket, box(150, 30, 70, 100), rotate(10)))},
		{name: "image_full_canvas", req: request(160, 90, imageLayer(0, rocket))},
		// SVG stays loadable after New blocked libvips' untrusted loaders.
		{name: "image_svg", req: request(120, 60, solid(0, "#FFFFFF"), imageLayer(1, []byte(
			`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 2"><style>* { fill: #2050D0 }</style><circle cx="2" cy="1" r="0.9"/></svg>`),
			box(10, 5, 100, 50)))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := r.Render(context.Background(), tc.req)
			require.NoError(t, err)
			golden.CheckPNG(t, tc.name, res.Data, golden.Rounding)
		})
	}
}

func TestImageLayerErrors(t *testing.T) {
	t.Parallel()
	with, err := New(Options{Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(t, err)
	without, err := New(Options{})
	require.NoError(t, err)
	cases := []struct {
		name    string
		r       *Renderer
		data    []byte
		message string
	}{
		{name: "not an image", r: with, data: []byte("hello"), message: "image at layers[1]: not a supported image format"},
		{name: "no loader", r: without, data: samplePhotoBytes(t, "rocket.jpg"), message: "image layers are not enabled on this server (layers[1])."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.r.Render(context.Background(), request(20, 20, solid(0, "#FFFFFF"), imageLayer(1, tc.data, box(2, 2, 10, 10))))
			fe := failure.As(err)
			require.Equal(t, failure.Unprocessable, fe.Kind)
			require.Contains(t, fe.PublicMessage(), tc.message)
		})
	}
}

// TestImageWithPositionOnly: an image layer with a position and no
// dimensions is drawn at its natural size there, scaled down (aspect kept,
// never up) only to stay inside the canvas; at position (0, 0), the Go
// SDK's zero struct, it still fills the canvas.
func TestImageWithPositionOnly(t *testing.T) {
	t.Parallel()
	r, err := New(Options{Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(t, err)
	redPNG := func(w, h int) []byte {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		draw.Draw(img, img.Rect, image.NewUniform(color.NRGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, img))
		return buf.Bytes()
	}
	tests := []struct {
		name    string
		src     []byte
		x, y    float64
		redRect image.Rectangle // where the image lands on the 200×100 canvas
	}{
		{name: "natural size", src: redPNG(40, 20), x: 10, y: 10, redRect: image.Rect(10, 10, 50, 30)},
		{name: "scaled down to the room left", src: redPNG(400, 200), x: 100, y: 50, redRect: image.Rect(100, 50, 200, 100)},
		{name: "aspect kept when scaled", src: redPNG(300, 100), x: 20, y: 20, redRect: image.Rect(20, 20, 200, 80)},
		{name: "origin means the whole canvas", src: redPNG(40, 20), x: 0, y: 0, redRect: image.Rect(0, 0, 200, 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := renderRGBA(t, r, request(200, 100, solid(0, "#FFFFFF"), imageLayer(1, tc.src, at(tc.x, tc.y))))
			for y := 0; y < 100; y++ {
				for x := 0; x < 200; x++ {
					c := got.RGBAAt(x, y)
					red := c.R == 255 && c.G == 0 && c.B == 0
					if red != image.Pt(x, y).In(tc.redRect) {
						t.Fatalf("pixel (%d,%d) = %v; the image should cover exactly %v", x, y, c, tc.redRect)
					}
				}
			}
		})
	}
}
