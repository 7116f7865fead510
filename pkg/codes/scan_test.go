package codes

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// scanCase is one value of one symbology that every test must read back.
type scanCase struct {
	name   string
	format schema.BarcodeFormat // formatQR for QR codes
	value  string
	level  string // QR error correction
}

// scanCases cover every format with short, long and edge values.
var scanCases = []scanCase{
	{name: "qr one char", format: formatQR, value: "A"},
	{name: "qr url", format: formatQR, value: "https://example.com/p?q=1&r=%20#frag"},
	{name: "qr utf-8", format: formatQR, value: "héllo wörld ☃ 日本語", level: "Q"},
	{name: "qr digits level L", format: formatQR, value: "01234567890123456789", level: "L"},
	{name: "qr long level H", format: formatQR, value: strings.Repeat("Strata renders images. ", 12), level: "H"},
	{name: "code128 one char", format: schema.Code128, value: "x"},
	{name: "code128 text", format: schema.Code128, value: "Hello, World!"},
	{name: "code128 digits", format: schema.Code128, value: "00123456789012345678"},
	{name: "code128 edge chars", format: schema.Code128, value: " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"},
	{name: "code128 80 chars", format: schema.Code128, value: strings.Repeat("Az09", 20)},
	{name: "ean13 12 digits", format: schema.EAN13, value: "400638133393"},
	{name: "ean13 13 digits", format: schema.EAN13, value: "9780306406157"},
	{name: "ean13 zeros", format: schema.EAN13, value: "0000000000000"},
	{name: "ean8 7 digits", format: schema.EAN8, value: "9638507"},
	{name: "ean8 8 digits", format: schema.EAN8, value: "55123457"},
	{name: "code39 one char", format: schema.Code39, value: "A"},
	{name: "code39 edge chars", format: schema.Code39, value: "A-B.C $/+%9"},
	{name: "code39 long", format: schema.Code39, value: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
	{name: "itf 2 digits", format: schema.ITF, value: "12"},
	{name: "itf 4 digits", format: schema.ITF, value: "0042"},
	{name: "itf 14 digits", format: schema.ITF, value: "15400141288763"},
	{name: "itf 30 digits", format: schema.ITF, value: "123456789012345678901234567890"},
	{name: "codabar shortest", format: schema.Codabar, value: "A12B"},
	{name: "codabar all chars", format: schema.Codabar, value: "C0123456789-$:/.+D"},
	{name: "codabar library", format: schema.Codabar, value: "D31117013206375D"},
}

// boxSize is a box size relative to a code's minimum.
type boxSize struct {
	name string
	size func(minW, minH int) (w, h int)
}

var boxSizes = []boxSize{
	{name: "minimum", size: func(w, h int) (int, int) { return w, h }},
	{name: "odd", size: func(w, h int) (int, int) { return w*3/2 + 3, h*4/3 + 7 }},
	{name: "tall", size: func(w, h int) (int, int) { return w + 1, h*2 + 30 }},
}

// minSize is the minimum box of a case.
func (c scanCase) minSize(t *testing.T) (int, int) {
	t.Helper()
	if c.format == formatQR {
		n, err := QRMinSize(c.value, c.level)
		require.NoError(t, err)
		return n, n
	}
	w, h, err := BarcodeMinSize(c.format, c.value)
	require.NoError(t, err)
	return w, h
}

// draw renders a case into a w×h box.
func (c scanCase) draw(w, h int, fg, bg color.NRGBA) (*image.RGBA, error) {
	if c.format == formatQR {
		return QR(c.value, c.level, w, h, fg, bg)
	}
	return Barcode(c.format, c.value, w, h, fg, bg)
}

// TestScanGozxing draws every case at several box sizes, colour pairs and
// rotations and reads it back in-process with gozxing.
func TestScanGozxing(t *testing.T) {
	t.Parallel()
	for _, c := range scanCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			minW, minH := c.minSize(t)
			for _, bs := range boxSizes {
				w, h := bs.size(minW, minH)
				pairs := colourPairs
				if bs.name != "minimum" {
					// One dark-on-light and one light-on-dark pair suffice
					// away from the minimum (keeps -race runs short).
					pairs = []colourPair{colourPairs[0], colourPairs[3]}
				}
				for _, cp := range pairs {
					img, err := c.draw(w, h, cp.fg, cp.bg)
					require.NoError(t, err)
					for _, deg := range []int{0, 90, 180, 270} {
						text, err := decodeGozxing(rotate(img, deg), c.format)
						where := fmt.Sprintf("%s %dx%d %s rotated %d", bs.name, w, h, cp.name, deg)
						require.NoError(t, err, where)
						require.Equal(t, expectedText(c.format, c.value), text, where)
					}
				}
			}
		})
	}
}

// TestScanZbar reads every case with Debian's zbarimg, the reference
// outside decoder: minimum and odd sizes, every rotation, a dark-on-light
// and a light-on-dark pair.
func TestScanZbar(t *testing.T) {
	t.Parallel()
	pairs := []colourPair{colourPairs[1], colourPairs[2]}
	for _, c := range scanCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			minW, minH := c.minSize(t)
			for _, bs := range boxSizes[:2] {
				w, h := bs.size(minW, minH)
				for _, cp := range pairs {
					img, err := c.draw(w, h, cp.fg, cp.bg)
					require.NoError(t, err)
					for _, deg := range []int{0, 90, 180, 270} {
						where := fmt.Sprintf("%s %dx%d %s rotated %d", bs.name, w, h, cp.name, deg)
						text, err := decodeZbar(t, rotate(img, deg), c.format, c.value, cp.inverted)
						require.NoError(t, err, where)
						require.Equal(t, expectedText(c.format, c.value), text, where)
					}
				}
			}
		})
	}
}
