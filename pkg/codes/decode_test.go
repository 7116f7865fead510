package codes

import (
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // sample photos
	_ "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/codes/codestest"
	"github.com/strata-render/strata/pkg/schema"
)

// formatQR stands for the QR code next to the barcode formats in tables.
const formatQR = codestest.QR

// Colour pairs used across the tests.
var (
	black    = color.NRGBA{0, 0, 0, 255}
	white    = color.NRGBA{255, 255, 255, 255}
	navy     = color.NRGBA{0x1a, 0x23, 0x7e, 255}
	cream    = color.NRGBA{0xff, 0xf8, 0xe1, 255}
	yellow   = color.NRGBA{0xff, 0xeb, 0x3b, 255}
	darkGrey = color.NRGBA{0x21, 0x21, 0x21, 255}
)

// colourPair is a foreground/background pair; inverted pairs are light on
// dark.
type colourPair struct {
	name     string
	fg, bg   color.NRGBA
	inverted bool
}

var colourPairs = []colourPair{
	{name: "black-on-white", fg: black, bg: white},
	{name: "navy-on-cream", fg: navy, bg: cream},
	{name: "yellow-on-darkgrey", fg: yellow, bg: darkGrey, inverted: true},
	{name: "white-on-black", fg: white, bg: black, inverted: true},
}

// flatten composites img over an opaque backdrop, as a viewer shows it.
func flatten(img image.Image, backdrop color.Color) *image.RGBA {
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), image.NewUniform(backdrop), image.Point{}, draw.Src)
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Over)
	return out
}

// rotate turns img clockwise by deg (0, 90, 180 or 270), pixel for pixel.
func rotate(img *image.RGBA, deg int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	if deg == 90 || deg == 270 {
		out = image.NewRGBA(image.Rect(0, 0, h, w))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch deg {
			case 0:
				dx, dy = x, y
			case 90:
				dx, dy = h-1-y, x
			case 180:
				dx, dy = w-1-x, h-1-y
			case 270:
				dx, dy = y, w-1-x
			}
			si := img.PixOffset(b.Min.X+x, b.Min.Y+y)
			di := out.PixOffset(dx, dy)
			copy(out.Pix[di:di+4], img.Pix[si:si+4])
		}
	}
	return out
}

// assetsDir is $STRATA_ASSETS_DIR or ~/.cache/strata.
func assetsDir(t *testing.T) string {
	t.Helper()
	return assets.Dir()
}

// loadSample decodes a sample photo from the assets dir, failing the test
// with a hint when it is missing.
func loadSample(t *testing.T, name string) image.Image {
	t.Helper()
	path := filepath.Join(assetsDir(t), "samples", name)
	f, err := os.Open(path)
	require.NoError(t, err, "sample photo %s missing: run scripts/setup.sh", path)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	return img
}

// overPhoto tiles photo over a canvas 200 px larger than code each way and
// composites code (premultiplied) over it at at.
func overPhoto(photo image.Image, code *image.RGBA, at image.Point) *image.RGBA {
	cb := code.Bounds()
	canvas := image.NewRGBA(image.Rect(0, 0, cb.Dx()+200, cb.Dy()+200))
	pb := photo.Bounds()
	for y := 0; y < canvas.Bounds().Dy(); y += pb.Dy() {
		for x := 0; x < canvas.Bounds().Dx(); x += pb.Dx() {
			draw.Draw(canvas, image.Rect(x, y, x+pb.Dx(), y+pb.Dy()), photo, pb.Min, draw.Src)
		}
	}
	draw.Draw(canvas, cb.Add(at), code, cb.Min, draw.Over)
	return canvas
}

// expectedText is what a decoder returns for value.
func expectedText(format schema.BarcodeFormat, value string) string {
	return codestest.Expected(format, value)
}

// decodeGozxing reads img in-process.
func decodeGozxing(img image.Image, format schema.BarcodeFormat) (string, error) {
	return codestest.Gozxing(img, format)
}

// decodeZbar reads img with zbarimg, failing the test when zbarimg is not
// installed.
func decodeZbar(t *testing.T, img image.Image, format schema.BarcodeFormat, value string, inverted bool) (string, error) {
	t.Helper()
	text, err := codestest.Zbar(t.TempDir(), img, format, value, inverted)
	require.NotErrorIs(t, err, codestest.ErrNoZbar)
	return text, err
}
