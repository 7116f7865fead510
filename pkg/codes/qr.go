package codes

import (
	"image"
	"image/color"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// QRQuietZone is the QR quiet zone in modules on each side (ISO/IEC 18004).
const QRQuietZone = 4

// qrLevels maps the API's error correction letters to go-qrcode levels.
var qrLevels = map[string]qrcode.RecoveryLevel{
	"L": qrcode.Low,
	"M": qrcode.Medium,
	"Q": qrcode.High,
	"H": qrcode.Highest,
}

// qrMatrix encodes value and returns the module matrix without quiet zone,
// matrix[y][x] true for a dark module.
func qrMatrix(value, level string) ([][]bool, error) {
	if level == "" {
		level = "M"
	}
	rl, ok := qrLevels[level]
	if !ok {
		return nil, failure.New(failure.Invalid, "qr-code error_correction must be L, M, Q or H, not %q", level)
	}
	if value == "" {
		return nil, failure.New(failure.Invalid, "qr-code value must not be empty")
	}
	q, err := qrcode.New(value, rl)
	if err != nil {
		return nil, failure.Wrap(failure.Invalid, err,
			"qr-code value is too long for error correction %s: at most %d bytes of text (more if it is only digits or upper-case letters)",
			level, schema.QRCapacity[level])
	}
	q.DisableBorder = true
	return q.Bitmap(), nil
}

// QR draws value as a QR code into a fresh w×h box: the whole box is bg,
// the code is square and centred, each module is the largest whole number
// of pixels that fits the shorter side together with a QRQuietZone-module
// quiet zone on every side. level is L, M, Q or H ("" means M). A box too
// small for MinModule-pixel modules plus quiet zone is a
// failure.Unprocessable naming the minimum size.
func QR(value string, level string, w, h int, fg, bg color.NRGBA) (*image.RGBA, error) {
	m, err := qrMatrix(value, level)
	if err != nil {
		return nil, err
	}
	n := len(m)
	span := n + 2*QRQuietZone
	side := min(w, h)
	if err := qrBoxFits(span, w, h); err != nil {
		return nil, err
	}
	mod := side / span
	size := mod * span
	x0 := (w-size)/2 + QRQuietZone*mod
	y0 := (h-size)/2 + QRQuietZone*mod
	img := newBox(w, h, bg)
	p := premultiply(fg)
	for y, row := range m {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			// Paint a run of dark modules at once.
			end := x + 1
			for end < n && row[end] {
				end++
			}
			fillRect(img, x0+x*mod, y0+y*mod, x0+end*mod, y0+(y+1)*mod, p)
			x = end
		}
	}
	return img, nil
}

// CheckQRBox reports, without drawing, the error QR would return for
// value at level in a w×h box: nil when it fits.
func CheckQRBox(value, level string, w, h int) error {
	side, err := QRMinSize(value, level)
	if err != nil {
		return err
	}
	return qrBoxFits(side/MinModule, w, h)
}

// qrBoxFits: a span-module code (quiet zone included) needs MinModule
// pixels a module on the box's shorter side.
func qrBoxFits(span, w, h int) error {
	if min(w, h) < span*MinModule {
		return failure.New(failure.Unprocessable,
			"QR code box %dx%d is too small: this value needs %d modules including the quiet zone at %d pixels each, so the box must be at least %dx%d pixels",
			w, h, span, MinModule, span*MinModule, span*MinModule)
	}
	return nil
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
