package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/schema"
)

const examplesDir = "../../docs/examples"

func testEngine(t *testing.T) (*engine.Engine, config.Config) {
	t.Helper()
	cfg := config.NewDefaultConfig()
	cfg.AssetsDir = assets.Dir()
	eng, err := engine.New(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err, "run scripts/setup.sh to fill the assets dir")
	t.Cleanup(eng.Close)
	return eng, cfg
}

// pixelDiff compares two images channel by channel (8-bit, alpha
// premultiplied, so differences in invisible pixels count for nothing) and
// returns the share of pixels differing by more than tolerance
// in any channel and the largest difference.
func pixelDiff(a, b image.Image, tolerance int) (share float64, worst int) {
	bounds := a.Bounds()
	off := 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			ra, ga, ba, aa := a.At(x, y).RGBA()
			rb, gb, bb, ab := b.At(x, y).RGBA()
			d := 0
			for _, p := range [][2]uint32{{ra, rb}, {ga, gb}, {ba, bb}, {aa, ab}} {
				d = max(d, abs(int(p[0]>>8)-int(p[1]>>8)))
			}
			worst = max(worst, d)
			if d > tolerance {
				off++
			}
		}
	}
	return float64(off) / float64(bounds.Dx()*bounds.Dy()), worst
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// The committed images are what the engine renders now, within a small
// tolerance so libvips or FreeType version noise does not fail it.
// UPDATE_EXAMPLES=1 rewrites them (look at them before committing);
// SAVE_ACTUAL=dir saves what was rendered.
func TestExamplesAreCurrent(t *testing.T) {
	eng, cfg := testEngine(t)
	names, err := exampleNames(examplesDir)
	require.NoError(t, err)
	update := os.Getenv("UPDATE_EXAMPLES") == "1"
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			got, err := renderExample(eng, cfg, filepath.Join(examplesDir, name+".json"))
			require.NoError(t, err)
			pngPath := filepath.Join(examplesDir, name+".png")
			if update {
				require.NoError(t, os.WriteFile(pngPath, got, 0o644))
				return
			}
			if dir := os.Getenv("SAVE_ACTUAL"); dir != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), got, 0o644))
			}
			want, err := os.ReadFile(pngPath)
			require.NoError(t, err, "%s has no image: run make examples", name)
			wantImg, err := png.Decode(bytes.NewReader(want))
			require.NoError(t, err)
			gotImg, err := png.Decode(bytes.NewReader(got))
			require.NoError(t, err)
			require.Equal(t, wantImg.Bounds(), gotImg.Bounds(), "%s: size changed; run make examples", name)
			share, worst := pixelDiff(wantImg, gotImg, 24)
			require.LessOrEqual(t, share, 0.002,
				"%s: %.2f%% of pixels differ by more than 24 (worst %d): the committed image is stale; run make examples and look at it",
				name, share*100, worst)
		})
	}
	if update {
		require.NoError(t, os.WriteFile(filepath.Join(examplesDir, "README.md"), gallery(names), 0o644))
	}
}

// pixelDiff must notice a real change and ignore noise.
func TestPixelDiff(t *testing.T) {
	base := image.NewNRGBA(image.Rect(0, 0, 100, 10))
	for i := range base.Pix {
		base.Pix[i] = 100
		if i%4 == 3 {
			base.Pix[i] = 255
		}
	}
	clone := func(mut func(*image.NRGBA)) *image.NRGBA {
		c := image.NewNRGBA(base.Rect)
		copy(c.Pix, base.Pix)
		mut(c)
		return c
	}
	cases := []struct {
		name      string
		img       *image.NRGBA
		wantShare float64
		wantWorst int
	}{
		{name: "same", img: clone(func(*image.NRGBA) {}), wantShare: 0, wantWorst: 0},
		{name: "noise under tolerance", img: clone(func(c *image.NRGBA) {
			for i := 0; i < len(c.Pix); i += 8 {
				c.Pix[i] += 3
			}
		}), wantShare: 0, wantWorst: 3},
		{name: "one changed pixel", img: clone(func(c *image.NRGBA) { c.Pix[0] = 255 }), wantShare: 0.001, wantWorst: 155},
		{name: "a changed column", img: clone(func(c *image.NRGBA) {
			for y := range 10 {
				c.Pix[y*c.Stride+4*50+2] = 0
			}
		}), wantShare: 0.01, wantWorst: 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			share, worst := pixelDiff(base, tc.img, 24)
			require.InDelta(t, tc.wantShare, share, 1e-9)
			require.Equal(t, tc.wantWorst, worst)
		})
	}
}

// layerTypes collects the layer types a request uses, layouts included.
func layerTypes(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		// Only layers arrays are walked, so "type" here is a layer's.
		if typ, ok := x["type"].(string); ok {
			into[typ] = true
		}
		for k, child := range x {
			if k == "layers" || k == "background_layers" {
				layerTypes(child, into)
			}
		}
	case []any:
		for _, child := range x {
			layerTypes(child, into)
		}
	}
}

// Every layer type has an example, except types this build cannot render
// yet; once it can, this test asks for their example.
func TestExamplesCoverEveryLayerType(t *testing.T) {
	eng, cfg := testEngine(t)
	names, err := exampleNames(examplesDir)
	require.NoError(t, err)
	used := map[string]bool{}
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(examplesDir, name+".json"))
		require.NoError(t, err)
		var v map[string]any
		require.NoError(t, json.Unmarshal(raw, &v))
		layerTypes(v["layers"], used)
	}
	// A request of each type that the engine must be able to render.
	tinyPNG := func() string {
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 4, 4))))
		return base64.StdEncoding.EncodeToString(buf.Bytes())
	}()
	probes := map[schema.LayerType]string{
		schema.TypeImage: `{"index":0,"type":"image","buffer":"` + tinyPNG + `"}`,
	}
	for _, typ := range []schema.LayerType{schema.TypeSolidColor, schema.TypeGradient, schema.TypeText, schema.TypeImage,
		schema.TypeQRCode, schema.TypeBarcode, schema.TypeLayout} {
		if used[string(typ)] {
			continue
		}
		probe, ok := probes[typ]
		require.True(t, ok, "no example uses a %s layer: add one to docs/examples and run make examples", typ)
		dir := t.TempDir()
		path := filepath.Join(dir, "probe.json")
		require.NoError(t, os.WriteFile(path, []byte(`{"dimensions":{"width":8,"height":8},"layers":[`+probe+`]}`), 0o644))
		_, err := renderExample(eng, cfg, path)
		require.Error(t, err, "%s layers render now: add an example to docs/examples and run make examples", typ)
		t.Logf("no %s example yet: this build cannot render it (%v)", typ, err)
	}
}

// The gallery lists every example, and the images stay small.
func TestExamplesGalleryAndSize(t *testing.T) {
	names, err := exampleNames(examplesDir)
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(examplesDir, "README.md"))
	require.NoError(t, err)
	require.Equal(t, string(gallery(names)), string(readme), "docs/examples/README.md is stale: run make examples")
	var total int64
	files, err := os.ReadDir(examplesDir)
	require.NoError(t, err)
	for _, f := range files {
		info, err := f.Info()
		require.NoError(t, err)
		total += info.Size()
		if png, ok := strings.CutSuffix(f.Name(), ".png"); ok {
			require.FileExists(t, filepath.Join(examplesDir, png+".json"), "an image without its request")
		}
	}
	require.Less(t, total, int64(3<<20), "docs/examples must stay under 3 MB")
	for _, name := range names {
		require.NotEmpty(t, descriptions[name], "%s has no caption in descriptions", name)
	}
}
