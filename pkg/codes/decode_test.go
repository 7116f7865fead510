package codes

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// formatQR stands for the QR code next to the barcode formats in tables.
const formatQR schema.BarcodeFormat = "qr"

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

// expectedText is what a decoder returns for value: EAN values given
// without their check digit come back with it.
func expectedText(format schema.BarcodeFormat, value string) string {
	switch {
	case format == schema.EAN13 && len(value) == 12:
		return value + string(eanCheckDigit(value))
	case format == schema.EAN8 && len(value) == 7:
		return value + string(eanCheckDigit(value))
	}
	return value
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
	var out *image.RGBA
	if deg == 90 || deg == 270 {
		out = image.NewRGBA(image.Rect(0, 0, h, w))
	} else {
		out = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := img.RGBAAt(b.Min.X+x, b.Min.Y+y)
			switch deg {
			case 0:
				out.SetRGBA(x, y, c)
			case 90:
				out.SetRGBA(h-1-y, x, c)
			case 180:
				out.SetRGBA(w-1-x, h-1-y, c)
			case 270:
				out.SetRGBA(y, w-1-x, c)
			}
		}
	}
	return out
}

// decodeGozxing reads one code of format from img in-process. Light-on-dark
// codes are read from the inverted luminance, as ZXing's ALSO_INVERTED does.
func decodeGozxing(img image.Image, format schema.BarcodeFormat) (string, error) {
	src := gozxing.NewLuminanceSourceFromImage(img)
	text, err := decodeSource(src, format)
	if err == nil {
		return text, nil
	}
	if text2, err2 := decodeSource(src.Invert(), format); err2 == nil {
		return text2, nil
	}
	return "", err
}

func decodeSource(src gozxing.LuminanceSource, format schema.BarcodeFormat) (string, error) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return "", err
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	var reader gozxing.Reader
	switch format {
	case formatQR:
		reader = zxqr.NewQRCodeReader()
	case schema.Code128:
		reader = oned.NewCode128Reader()
	case schema.EAN13:
		reader = oned.NewEAN13Reader()
	case schema.EAN8:
		reader = oned.NewEAN8Reader()
	case schema.Code39:
		reader = oned.NewCode39Reader()
	case schema.ITF:
		reader = oned.NewITFReader()
		// ZXing reads ITF of 6, 8, 10, 12, 14 or more digits unless told.
		hints[gozxing.DecodeHintType_ALLOWED_LENGTHS] = []int{2, 4, 6, 8, 10, 12, 14}
	case schema.Codabar:
		reader = oned.NewCodaBarReader()
		hints[gozxing.DecodeHintType_RETURN_CODABAR_START_END] = true
	}
	res, err := reader.Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// zbarArgs are the zbarimg options for a format's value.
func zbarArgs(format schema.BarcodeFormat, value string, inverted bool) []string {
	args := []string{"--nodbus", "-q", "--raw"}
	if format == schema.ITF && len(value) < 6 {
		// zbar ignores interleaved 2 of 5 shorter than 6 digits by default.
		args = append(args, "-Si25.min-length=2")
	}
	if inverted {
		// zbar reads light-on-dark only when asked to try the inverse.
		args = append(args, "-Stest-inverted")
	}
	return args
}

// decodeZbar writes img as PNG and reads it with Debian's zbarimg. It fails
// the test when zbarimg is not installed.
func decodeZbar(t *testing.T, img image.Image, format schema.BarcodeFormat, value string, inverted bool) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("zbarimg")
	require.NoError(t, err, "zbarimg not found: run scripts/setup.sh (it installs Debian's zbar-tools)")
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	path := filepath.Join(t.TempDir(), "code.png")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, append(zbarArgs(format, value, inverted), path)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &zbarError{err: err, stderr: stderr.String()}
	}
	return strings.TrimSuffix(stdout.String(), "\n"), nil
}

type zbarError struct {
	err    error
	stderr string
}

func (e *zbarError) Error() string { return "zbarimg: " + e.err.Error() + ": " + e.stderr }

// assetsDir is $STRATA_ASSETS_DIR or ~/.cache/strata.
func assetsDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("STRATA_ASSETS_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	return filepath.Join(home, ".cache", "strata")
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
