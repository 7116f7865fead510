package render

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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

// diffStats returns the mean and maximum absolute channel difference of
// two equally sized images.
func diffStats(a, b *image.NRGBA) (mean float64, maxDiff int) {
	var sum int
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
		maxDiff = max(maxDiff, d)
	}
	return float64(sum) / float64(len(a.Pix)), maxDiff
}

// checkGolden compares a PNG against testdata/golden/<name>.png. With
// UPDATE_GOLDEN=1 it rewrites the file; with SAVE_ACTUAL=dir it also saves
// the actual image there for review.
func checkGolden(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".png")
	if dir := os.Getenv("SAVE_ACTUAL"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), data, 0o644))
	}
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, data, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden image; run with UPDATE_GOLDEN=1 and look at it")
	wi, err := png.Decode(bytes.NewReader(want))
	require.NoError(t, err)
	gi, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, wi.Bounds(), gi.Bounds())
	mean, maxDiff := diffStats(toNRGBA(wi), toNRGBA(gi))
	// Tolerance: rounding differences only.
	require.LessOrEqualf(t, maxDiff, 3, "%s: max channel difference %d (mean %.3f)", name, maxDiff, mean)
	require.LessOrEqualf(t, mean, 0.05, "%s: mean channel difference %.3f", name, mean)
}

func TestGolden(t *testing.T) {
	r := newTestRenderer(t)
	for _, tc := range renderCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := r.Render(context.Background(), tc.req)
			require.NoError(t, err)
			require.Equal(t, "image/png", res.MimeType)
			checkGolden(t, tc.name, res.Data)
		})
	}
}
