// Package codestest reads QR codes and barcodes back for tests, in-process
// with github.com/makiuchi-d/gozxing and with Debian's zbarimg, the way
// net/http/httptest serves tests of net/http. Only tests import it.
package codestest

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/strata-render/strata/pkg/schema"
)

// QR stands for the QR code next to the barcode formats.
const QR schema.BarcodeFormat = "qr"

// ErrNoZbar is returned when zbarimg is not installed.
var ErrNoZbar = errors.New("zbarimg not found: run scripts/setup.sh (it installs Debian's zbar-tools)")

// Expected is the text a decoder returns for value: EAN values given
// without their check digit come back with it; everything else, codabar's
// start and stop characters included, comes back as sent.
func Expected(format schema.BarcodeFormat, value string) string {
	if (format == schema.EAN13 && len(value) == 12) || (format == schema.EAN8 && len(value) == 7) {
		return value + string(checkDigit(value))
	}
	return value
}

// checkDigit is the GS1 check digit of data: weights 3,1,3,… from the
// right.
func checkDigit(data string) byte {
	sum := 0
	for i := 0; i < len(data); i++ {
		d := int(data[len(data)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// Gozxing reads one code of format from img in-process. Light-on-dark
// codes are read from the inverted luminance when the direct read fails,
// as ZXing's ALSO_INVERTED does. Codabar comes back with its start and
// stop characters (RETURN_CODABAR_START_END) and ITF of any even length
// is allowed (ZXing's default is 6, 8, 10, 12, 14 or more digits).
func Gozxing(img image.Image, format schema.BarcodeFormat) (string, error) {
	src := gozxing.NewLuminanceSourceFromImage(img)
	text, err := decode(src, format)
	if err == nil {
		return text, nil
	}
	if text2, err2 := decode(src.Invert(), format); err2 == nil {
		return text2, nil
	}
	return "", err
}

func decode(src gozxing.LuminanceSource, format schema.BarcodeFormat) (string, error) {
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return "", err
	}
	// TRY_HARDER also makes 1D readers try the image turned 90°.
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	var reader gozxing.Reader
	switch format {
	case QR:
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
		hints[gozxing.DecodeHintType_ALLOWED_LENGTHS] = []int{2, 4, 6, 8, 10, 12, 14}
	case schema.Codabar:
		reader = oned.NewCodaBarReader()
		hints[gozxing.DecodeHintType_RETURN_CODABAR_START_END] = true
	default:
		return "", errors.New("codestest: unknown format " + string(format))
	}
	res, err := reader.Decode(bmp, hints)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// ZbarArgs are the zbarimg options used for a value: ITF shorter than 6
// digits needs -Si25.min-length (zbar's default minimum is 6) and
// light-on-dark codes need -Stest-inverted.
func ZbarArgs(format schema.BarcodeFormat, value string, inverted bool) []string {
	args := []string{"--nodbus", "-q", "--raw"}
	if format == schema.ITF && len(value) < 6 {
		args = append(args, "-Si25.min-length=2")
	}
	if inverted {
		args = append(args, "-Stest-inverted")
	}
	return args
}

// Zbar writes img as a PNG in dir and reads it with `zbarimg --nodbus -q
// --raw`. It returns ErrNoZbar when zbarimg is not installed, and the
// decoded text without zbarimg's final newline.
func Zbar(dir string, img image.Image, format schema.BarcodeFormat, value string, inverted bool) (string, error) {
	bin, err := exec.LookPath("zbarimg")
	if err != nil {
		return "", ErrNoZbar
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "code-*.png")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, append(ZbarArgs(format, value, inverted), filepath.Clean(f.Name()))...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.New("zbarimg: " + err.Error() + ": " + strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSuffix(stdout.String(), "\n"), nil
}
