package imaging

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/bgremove"
	"github.com/strata-render/strata/pkg/schema"
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

// testRemover is one BackgroundRemover shared by the package's tests.
func testRemover(t testing.TB) *bgremove.Remover {
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

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func cloneRGBA(m *image.RGBA) *image.RGBA {
	out := image.NewRGBA(m.Rect)
	copy(out.Pix, m.Pix)
	return out
}
