package imaging

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/bgremove"
)

// assetsDir follows the project rule: $STRATA_ASSETS_DIR, else
// ~/.cache/strata.
func assetsDir(t testing.TB) string {
	return assets.Dir()
}

// asset returns the path of an asset, failing the test when it is missing.
func asset(t testing.TB, rel string) string {
	p := filepath.Join(assetsDir(t), rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("asset %s is missing: run scripts/setup.sh (or set STRATA_ASSETS_DIR)", p)
	}
	return p
}

// sample returns the bytes of a sample photo.
func sample(t testing.TB, name string) []byte {
	b, err := os.ReadFile(asset(t, filepath.Join("samples", name)))
	require.NoError(t, err)
	return b
}

var (
	segOnce sync.Once
	seg     *bgremove.Remover
	segErr  error
)

// testSegmenter is one BackgroundRemover shared by the package's tests.
func testSegmenter(t testing.TB) *bgremove.Remover {
	lib, model := asset(t, "onnxruntime/libonnxruntime.so.1"), asset(t, "models/u2netp.onnx")
	segOnce.Do(func() { seg, segErr = bgremove.New(lib, model, 2) })
	require.NoError(t, segErr)
	return seg
}

// base64Image is an image payload with inline bytes.
func base64Image(data []byte) *schema.Image {
	return &schema.Image{File: schema.File{Type: schema.SourceBase64, Data: data}}
}

// loadBox loads data cover-fitted into w×h with a plain Loader.
func loadBox(t testing.TB, l *Loader, data []byte, w, h int) *image.RGBA {
	out, err := l.Load(context.Background(), "layers[0]", base64Image(data), w, h)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, w, h), out.Rect)
	return out
}

// checkGolden compares img with testdata/golden/name.png: each channel may
// differ by tol, at most 0.5% of pixels may differ by more.
// UPDATE_GOLDEN=1 rewrites the file; SAVE_ACTUAL=dir saves img there.
func checkGolden(t *testing.T, name string, img image.Image, tol int) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".png")
	if dir := os.Getenv("SAVE_ACTUAL"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		writePNG(t, filepath.Join(dir, name+".png"), img)
	}
	if os.Getenv("UPDATE_GOLDEN") != "" {
		writePNG(t, path, img)
		return
	}
	f, err := os.Open(path)
	require.NoError(t, err, "missing golden %s: run with UPDATE_GOLDEN=1 and look at it", path)
	defer f.Close()
	want, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, want.Bounds().Size(), img.Bounds().Size(), "golden %s size", name)
	bad, total := 0, 0
	wb, gb := want.Bounds(), img.Bounds()
	for y := 0; y < wb.Dy(); y++ {
		for x := 0; x < wb.Dx(); x++ {
			a := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y)).(color.NRGBA)
			b := color.NRGBAModel.Convert(img.At(gb.Min.X+x, gb.Min.Y+y)).(color.NRGBA)
			total++
			if diff(a.R, b.R) > tol || diff(a.G, b.G) > tol || diff(a.B, b.B) > tol || diff(a.A, b.A) > tol {
				bad++
			}
		}
	}
	require.LessOrEqual(t, float64(bad)/float64(total), 0.005,
		"golden %s: %d of %d pixels differ by more than %d", name, bad, total, tol)
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func writePNG(t testing.TB, path string, img image.Image) {
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
}

func cloneRGBA(m *image.RGBA) *image.RGBA {
	out := image.NewRGBA(m.Rect)
	copy(out.Pix, m.Pix)
	return out
}
