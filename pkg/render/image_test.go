package render

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/schema"
)

// samplePhotoBytes reads a sample photo from the assets dir
// ($STRATA_ASSETS_DIR or ~/.cache/strata), failing when it is missing.
func samplePhotoBytes(t *testing.T, name string) []byte {
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
	t.Cleanup(r.Close)
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
			checkGolden(t, tc.name, res.Data)
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
