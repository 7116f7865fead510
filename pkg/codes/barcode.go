package codes

import (
	"image"
	"image/color"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/codabar"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/code39"
	"github.com/boombuler/barcode/ean"
	"github.com/boombuler/barcode/twooffive"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// MinBarHeight is the shortest barcode box in pixels. Bars fill the box's
// height. ZXing and zbar read our codes from 1 to 4 rows (docs/CODES.md);
// 10 keeps a margin over that.
const MinBarHeight = 10

// quietZone is a 1D symbology's quiet zone in modules, left and right.
type quietZone struct{ left, right int }

// barcodeQuietZones are the quiet zones per format: EAN-13 11/7 and EAN-8
// 7/7 modules as GS1 specifies; 10 modules (the Code 128, Code 39, ITF and
// Codabar minimum) for the others.
var barcodeQuietZones = map[schema.BarcodeFormat]quietZone{
	schema.Code128: {10, 10},
	schema.EAN13:   {11, 7},
	schema.EAN8:    {7, 7},
	schema.Code39:  {10, 10},
	schema.ITF:     {10, 10},
	schema.Codabar: {10, 10},
}

// barModules encodes value in format and returns its modules (true = bar)
// without quiet zones.
func barModules(format schema.BarcodeFormat, value string) ([]bool, error) {
	if err := CheckBarcodeValue(format, value); err != nil {
		return nil, err
	}
	var (
		code barcode.Barcode
		err  error
	)
	switch format {
	case schema.Code128:
		code, err = code128.Encode(value)
	case schema.EAN13, schema.EAN8:
		// For 12/7 digits the encoder appends the check digit; a wrong
		// one given is drawn as given (eanBits).
		if _, wrong := schema.EANCheckDigitWrong(format, value); wrong {
			return eanBits(value)
		}
		code, err = ean.Encode(value)
	case schema.Code39:
		// No check character: the spec makes it optional and readers
		// that don't expect one would return it as part of the text.
		code, err = code39.Encode(value, false, false)
	case schema.ITF:
		code, err = twooffive.Encode(value, true)
	case schema.Codabar:
		code, err = codabar.Encode(value)
	}
	if err != nil {
		return nil, failure.Wrap(failure.Invalid, err, "%s cannot encode %q", format, value)
	}
	return modules(code), nil
}

// modules reads a 1D code's modules (true = bar); the library draws bars
// black on white.
func modules(code barcode.Barcode) []bool {
	bits := make([]bool, code.Bounds().Dx())
	for x := range bits {
		r, _, _, _ := code.At(x, 0).RGBA()
		bits[x] = r < 0x8000
	}
	return bits
}

// BarcodeMinSize returns the smallest box in pixels that holds value as a
// format barcode with MinModule-pixel modules, its quiet zones and
// MinBarHeight.
func BarcodeMinSize(format schema.BarcodeFormat, value string) (w, h int, err error) {
	bits, err := barModules(format, value)
	if err != nil {
		return 0, 0, err
	}
	qz := barcodeQuietZones[format]
	return (qz.left + len(bits) + qz.right) * MinModule, MinBarHeight, nil
}

// CheckBarcodeBox reports, without drawing, the error Barcode would
// return for value as a format barcode in a w×h box: nil when it fits.
func CheckBarcodeBox(format schema.BarcodeFormat, value string, w, h int) error {
	minW, _, err := BarcodeMinSize(format, value)
	if err != nil {
		return err
	}
	return barcodeBoxFits(format, minW/MinModule, w, h)
}

// barcodeBoxFits: span modules (quiet zones included) need MinModule
// pixels each across, and the bars MinBarHeight.
func barcodeBoxFits(format schema.BarcodeFormat, span, w, h int) error {
	if w < span*MinModule || h < MinBarHeight {
		return failure.New(failure.Unprocessable,
			"Barcode box %dx%d is too small: this %s value needs %d modules including quiet zones at %d pixels each, so the box must be at least %dx%d pixels",
			w, h, format, span, MinModule, span*MinModule, MinBarHeight)
	}
	return nil
}

// Barcode draws value as a format barcode into a fresh w×h box: the whole
// box is bg; the bars use the widest whole-pixel module at which the
// symbol and its quiet zones fit the width, are centred horizontally and
// fill the full height. A box narrower than MinModule-pixel modules plus
// quiet zones, or lower than MinBarHeight, is a failure.Unprocessable naming the
// minimum size; an invalid value is a failure.Invalid (validation should
// have caught it with CheckBarcodeValue).
func Barcode(format schema.BarcodeFormat, value string, w, h int, fg, bg color.NRGBA) (*image.RGBA, error) {
	bits, err := barModules(format, value)
	if err != nil {
		return nil, err
	}
	qz := barcodeQuietZones[format]
	span := qz.left + len(bits) + qz.right
	if err := barcodeBoxFits(format, span, w, h); err != nil {
		return nil, err
	}
	mod := w / span
	x0 := (w-mod*span)/2 + qz.left*mod
	img := newBox(w, h, bg)
	p := premultiply(fg)
	for x := 0; x < len(bits); {
		if !bits[x] {
			x++
			continue
		}
		end := x + 1
		for end < len(bits) && bits[end] {
			end++
		}
		fillRect(img, x0+x*mod, 0, x0+end*mod, h, p)
		x = end
	}
	return img, nil
}

// eanRightCodes are the EAN right-half ("R") patterns of the digits 0-9,
// bar first: the complements of the left-half odd-parity codes.
var eanRightCodes = [10]string{
	"1110010", "1100110", "1101100", "1000010", "1011100",
	"1001110", "1010000", "1000100", "1001000", "1110100",
}

// eanBits encodes an EAN-13 or EAN-8 value whose last digit is not its
// check digit, as given: the data digits encoded with their check digit,
// whose seven modules (the last digit of the right half, before the end
// guard) are then replaced by the given digit's. The check digit does not
// take part in the left half's parity pattern, so nothing else changes.
// Scanners reject such a symbol; the render report says so.
func eanBits(value string) ([]bool, error) {
	code, err := ean.Encode(value[:len(value)-1])
	if err != nil {
		return nil, failure.Wrap(failure.Invalid, err, "cannot encode %q", value)
	}
	bits := modules(code)
	n := len(bits)
	for i, c := range eanRightCodes[value[len(value)-1]-'0'] {
		bits[n-10+i] = c == '1'
	}
	return bits, nil
}
