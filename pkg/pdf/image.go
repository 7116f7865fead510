package pdf

import (
	"fmt"
	"image"
)

// Image is an image stored in the document.
type Image struct{ name string }

// Image stores img (premultiplied RGBA, as Strata's canvases are) as 8-bit
// RGB at its own resolution, with a soft mask when any pixel is not
// opaque. Viewers draw it without interpolation, so at one image pixel per
// device pixel it comes back exactly.
func (d *Document) Image(img *image.RGBA) *Image {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	rgb := make([]byte, 0, 3*w*h)
	alpha := make([]byte, 0, w*h)
	opaque := true
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for i := 0; i < len(row); i += 4 {
			a := row[i+3]
			r, g, b := row[i], row[i+1], row[i+2]
			if a != 255 {
				opaque = false
				if a == 0 {
					r, g, b = 0, 0, 0
				} else {
					r, g, b = unpremul(r, a), unpremul(g, a), unpremul(b, a)
				}
			}
			rgb = append(rgb, r, g, b)
			alpha = append(alpha, a)
		}
	}
	smask := ""
	if !opaque {
		ref := d.addStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8", w, h), alpha)
		smask = fmt.Sprintf(" /SMask %d 0 R", ref)
	}
	ref := d.addStream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Interpolate false%s", w, h, smask), rgb)
	return &Image{name: named(&d.res.xobjects, "Im", ref)}
}

// unpremul is a premultiplied channel c of alpha a (> 0) as straight colour.
func unpremul(c, a uint8) uint8 {
	v := (uint32(c)*255 + uint32(a)/2) / uint32(a)
	return uint8(min(v, 255))
}
