// Package codes draws QR codes and 1D barcodes into a layer box so that they
// always scan: every module is a whole number of pixels, the symbol keeps its
// quiet zone in the background colour, and a box too small for that is
// refused (422) with the minimum size instead of drawing a blurry code.
//
// QR codes are encoded with github.com/skip2/go-qrcode and barcodes with
// github.com/boombuler/barcode; this package only lays the modules out.
// The value rules live in one place, pkg/schema (schema.CheckBarcodeValue,
// schema.QRCapacity), which request validation applies; Barcode and QR
// apply the same rules again (CheckBarcodeValue, qrMatrix) so a value that
// bypassed validation is still a 400, never a panic. docs/CODES.md explains module sizing,
// quiet zones, minimum sizes and what decoders return.
//
// The package imports only schema, failure and the code libraries, so
// validation can call it without an import cycle.
package codes

import (
	"image"
	"image/color"
)

// MinModule is the smallest module (narrowest bar, QR cell) in pixels.
// One-pixel modules decode in ZXing but zbar misses rotated one-pixel QR
// codes and one-pixel Codabar, and any later scaling destroys them; two
// pixels read everywhere we test.
const MinModule = 2

// newBox returns a fresh w×h premultiplied image filled with bg.
func newBox(w, h int, bg color.NRGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	p := premultiply(bg)
	if p == (color.RGBA{}) {
		return img
	}
	row := img.Pix[:w*4]
	for x := 0; x < w; x++ {
		row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = p.R, p.G, p.B, p.A
	}
	for y := 1; y < h; y++ {
		copy(img.Pix[y*img.Stride:y*img.Stride+w*4], row)
	}
	return img
}

// fillRect paints the rectangle [x0,x1)×[y0,y1) of img with the
// premultiplied colour p.
func fillRect(img *image.RGBA, x0, y0, x1, y1 int, p color.RGBA) {
	if x1 <= x0 || y1 <= y0 {
		return
	}
	first := img.Pix[y0*img.Stride+x0*4 : y0*img.Stride+x1*4]
	for i := 0; i < len(first); i += 4 {
		first[i], first[i+1], first[i+2], first[i+3] = p.R, p.G, p.B, p.A
	}
	for y := y0 + 1; y < y1; y++ {
		copy(img.Pix[y*img.Stride+x0*4:y*img.Stride+x1*4], first)
	}
}

// premultiply converts a straight-alpha colour to the premultiplied form
// image.RGBA stores.
func premultiply(c color.NRGBA) color.RGBA {
	return color.RGBAModel.Convert(c).(color.RGBA)
}
