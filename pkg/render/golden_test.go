package render

import (
	"context"
	"image"
	"image/draw"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/golden"
)

// newTestRenderer returns a Renderer with default options.
func newTestRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New(Options{})
	require.NoError(t, err)
	return r
}

// toNRGBA converts any decoded image to straight-alpha RGBA for comparing.
func toNRGBA(img image.Image) *image.NRGBA {
	out := image.NewNRGBA(img.Bounds())
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Src)
	return out
}

func TestGolden(t *testing.T) {
	r := newTestRenderer(t)
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := r.Render(context.Background(), tc.req)
			require.NoError(t, err)
			require.Equal(t, "image/png", res.MimeType)
			golden.CheckPNG(t, tc.name, res.Data, golden.Rounding)
		})
	}
}
