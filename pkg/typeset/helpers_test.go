package typeset

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-text/typesetting/font"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/schema"
)

// assetsDir follows the service's rule: STRATA_ASSETS_DIR, else
// ~/.cache/strata.
func assetsDir(t testing.TB) string {
	t.Helper()
	dir := assets.Dir()
	if _, err := os.Stat(filepath.Join(dir, "fonts", "Inter", "Inter_400Regular.ttf")); err != nil {
		t.Fatalf("font assets missing under %s: run scripts/setup.sh (%v)", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "emoji", "NotoColorEmoji.ttf")); err != nil {
		t.Fatalf("emoji font missing under %s: run scripts/setup.sh (%v)", dir, err)
	}
	return dir
}

var (
	sharedOnce sync.Once
	shared     *Registry
	sharedErr  error
)

// testRegistry returns one registry shared by the package's tests (its
// caches are what production shares too).
func testRegistry(t testing.TB) *Registry {
	t.Helper()
	dir := assetsDir(t)
	sharedOnce.Do(func() { shared, sharedErr = NewRegistry(dir) })
	require.NoError(t, sharedErr)
	return shared
}

var black = color.NRGBA{A: 255}

// text returns a text layer payload with the API's defaults.
func text(s, family string, size float64) *schema.Text {
	return &schema.Text{Text: s, FontName: family, FontSize: size, Color: black, Weight: schema.Regular, SplitLines: true}
}

// onWhite flattens a premultiplied layer image onto white for viewing and
// comparing.
func onWhite(img *image.RGBA) *image.RGBA {
	bg := image.NewRGBA(img.Rect)
	draw.Draw(bg, bg.Rect, image.White, image.Point{}, draw.Src)
	draw.Draw(bg, bg.Rect, img, image.Point{}, draw.Over)
	return bg
}

func drawText(t testing.TB, r *Registry, tx *schema.Text, fonts []*schema.Font, w, h int) *image.RGBA {
	t.Helper()
	img, err := r.Draw(context.Background(), tx, fonts, w, h)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, w, h), img.Rect)
	return img
}

// inkBounds is the bounding box of pixels with any alpha.
func inkBounds(img *image.RGBA) image.Rectangle {
	var r image.Rectangle
	b := img.Rect
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.Pix[img.PixOffset(x, y)+3] != 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, png.Encode(f, img))
}

func weightOf(w int) schema.Weight { return schema.Weight(w) }

// Draw is DrawInk into a fresh w×h image (transparent where nothing is
// painted), as the tests compare whole boxes.
func (r *Registry) Draw(ctx context.Context, t *schema.Text, custom []*schema.Font, w, h int) (*image.RGBA, error) {
	box := image.Rect(0, 0, w, h)
	img, err := r.DrawInk(ctx, t, custom, w, h, func(image.Rectangle) *image.RGBA { return image.NewRGBA(box) })
	if err == nil && img == nil {
		img = image.NewRGBA(box)
	}
	return img, err
}

// paint draws a placed block into dst, offset by (ox, oy), as DrawInk
// paints it.
func (r *Registry) paint(ss *session, dst *image.RGBA, b *block, p placement, ps paintStyle, ox, oy int) {
	ops := r.paintOps(ss, ss.ops[:0], dst.Rect, b, p, ps, ox, oy)
	for i := range ops {
		ops[i].run(dst)
	}
	clear(ops)
	ss.ops = ops[:0]
}

// fullFont is src's font parsed by go-text with every table (the
// registry hides the layout tables, which only go-text's own shaper reads,
// and a lean face's glyph data).
func fullFont(tb testing.TB, src *source) *font.Font {
	tb.Helper()
	full := newSource(src.name, src.path, src.weight, src.italic)
	full.once.Do(func() { full.open(false) })
	if full.err != nil {
		tb.Fatal(full.err)
	}
	return full.font
}
