package codes

import "github.com/strata-render/strata/pkg/schema"

// The tests size boxes from the smallest that holds a value; the renderer
// only checks a given box (CheckBarcodeBox, CheckQRBox).

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

// QRMinSize returns the smallest square box side in pixels that holds
// value's QR code at level with MinModule-pixel modules and its quiet zone.
func QRMinSize(value, level string) (int, error) {
	m, err := qrMatrix(value, level)
	if err != nil {
		return 0, err
	}
	return (len(m) + 2*QRQuietZone) * MinModule, nil
}
