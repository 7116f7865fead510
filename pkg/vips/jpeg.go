package vips

// #include "vips.h"
import "C"

// JPEGScaled decodes the JPEG in b with libjpeg's DCT-domain scaling to
// the smallest M/8 of its size that still covers minW×minH, fully into
// memory. libvips' own shrink-on-load offers only 1/2, 1/4 and 1/8 and
// decodes on demand inside the resize pipeline; decoding first at the
// nearest eighth and resizing the in-memory image takes about two thirds
// of the CPU time for a 12 MP photo cover-fitted into 1080×1080
// (docs/PERFORMANCE.md, "Images"). It returns nil (take the general path) for JPEGs it
// does not handle: CMYK and YCCK, colour transforms other than YCbCr, and
// any decoding error. The caller rules out EXIF orientations and embedded
// colour profiles, which vips_thumbnail applies.
func JPEGScaled(b *Buffer, minW, minH int) (*Image, int) {
	var scale C.int
	p := C.strata_jpeg_scaled(b.p, b.n, C.int(minW), C.int(minH), &scale)
	if p == nil {
		return nil, 0
	}
	return &Image{p}, int(scale)
}
