// Package vips owns Strata's use of libvips and libjpeg: start-up, the
// loader lockdown and shutdown (Start, Shutdown), the start-up check that
// every loader and saver Strata calls exists (Check), and every call into C
// (vips.c): reading headers, thumbnails with shrink-on-load, DCT-scaled
// JPEG decoding, conversion to premultiplied RGBA, smart-crop attention
// and the savers of every output format but PNG (pkg/pngenc).
//
// bimg (the design card's libvips binding) runs libvips' life cycle here:
// its package init calls vips_init, Start finishes the set-up through it
// and Shutdown ends it. The operations are direct calls because bimg
// exposes none of them without an encode/decode round trip, measured
// 3–4× slower (docs/DESIGN-CARD.md).
package vips

/*
#cgo pkg-config: vips libjpeg
#include <stdlib.h>
#include "vips.h"
*/
import "C"

import (
	"context"
	"errors"
	"image"
	"image/draw"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/h2non/bimg"
)

// init finishes the set-up as soon as the package is loaded, so no decode
// in a process that links libvips through Strata can run before the
// untrusted loaders are blocked.
func init() { Start() }

var startOnce sync.Once

// Start finishes libvips' process-wide set-up, once; later calls return at
// once. bimg's package init has already called vips_init, so
// VIPS_BLOCK_UNTRUSTED in the environment would come too late: the block
// is switched on through the API (strata_lockdown, and the variable set
// for any later vips_init in this process). Untrusted loaders
// (ImageMagick, PDF, matlab, …) are blocked, since image layers decode
// attacker-supplied bytes; the SVG loader is let back in (SVG is in the
// contract). The operation cache is off: renders never repeat an operation
// on the same input, and a cache only holds memory (imgproxy does the
// same). Nothing else may call vips_block_untrusted_set, which would
// re-block SVG; running the lockdown again while another goroutine decodes
// an SVG would fail that decode, hence once.
func Start() {
	startOnce.Do(func() {
		_ = os.Setenv("VIPS_BLOCK_UNTRUSTED", "1")
		bimg.Initialize()
		C.strata_lockdown()
		bimg.VipsCacheSetMax(0)
		bimg.VipsCacheSetMaxMem(0)
	})
}

// Shutdown releases libvips. Call it once when the process exits, when no
// decode or encode is running; libvips cannot be started again afterwards.
func Shutdown() { bimg.Shutdown() }

// Error returns libvips' error buffer as an error from op and clears it.
func Error(op string) error {
	msg := strings.TrimSpace(C.GoString(C.vips_error_buffer()))
	C.vips_error_clear()
	if msg == "" {
		msg = "unknown libvips error"
	}
	return errors.New(op + ": " + msg)
}

// Buffer is a copy of request bytes in C memory: libvips reads buffers lazily,
// after the call that received them returns, which Go memory may not be.
type Buffer struct {
	p unsafe.Pointer
	n C.size_t
}

// NewBuffer copies b into C memory; Free releases it.
func NewBuffer(b []byte) *Buffer { return &Buffer{p: C.CBytes(b), n: C.size_t(len(b))} }

// Free releases the copy; no image read from it may be used afterwards.
func (b *Buffer) Free() { C.free(b.p) }

// Header is what an image declares before any pixel is decoded.
type Header struct {
	// W and H are the declared size in pixels.
	W, H int
	// Orient is the EXIF orientation, 1 when absent.
	Orient int
	// ICC reports an embedded colour profile.
	ICC bool
	// Pages is how many frames or pages the file declares (1 for a still
	// image); only the first is ever decoded.
	Pages int
}

// ReadHeader reads the declared size, EXIF orientation, whether a colour
// profile is embedded and the number of frames, without decoding pixels.
func ReadHeader(b *Buffer) (Header, error) {
	var cw, ch, co, ci, cp C.int
	if C.strata_header(b.p, b.n, &cw, &ch, &co, &ci, &cp) != 0 {
		return Header{}, Error("read header")
	}
	return Header{W: int(cw), H: int(ch), Orient: int(co), ICC: ci != 0, Pages: int(cp)}, nil
}

// Image owns one libvips image reference; Close drops it.
type Image struct{ p *C.VipsImage }

// Close drops the reference; a nil or closed Image is left alone.
func (v *Image) Close() {
	if v != nil && v.p != nil {
		C.g_object_unref(C.gpointer(v.p))
		v.p = nil
	}
}

// Size is the image's width and height in pixels.
func (v *Image) Size() (int, int) {
	return int(C.vips_image_get_width(v.p)), int(C.vips_image_get_height(v.p))
}

// Crop is a crop strategy of vips_thumbnail.
type Crop int

// The crop strategies used here.
const (
	CropNone      Crop = C.VIPS_INTERESTING_NONE
	CropCentre    Crop = C.VIPS_INTERESTING_CENTRE
	CropAttention Crop = C.VIPS_INTERESTING_ATTENTION
)

// Size is a size mode of vips_thumbnail.
type Size int

// The size modes used here.
const (
	SizeBoth  Size = C.VIPS_SIZE_BOTH
	SizeForce Size = C.VIPS_SIZE_FORCE
)

// ThumbnailBuffer loads and resizes in one step, with shrink-on-load for
// JPEG (and WebP, HEIF), SVG rendered at the target scale, and EXIF
// orientation applied.
func ThumbnailBuffer(b *Buffer, w, h int, crop Crop, size Size) (*Image, error) {
	var out *C.VipsImage
	if C.strata_thumbnail_buffer(b.p, b.n, &out, C.int(w), C.int(h), C.int(crop), C.int(size)) != 0 {
		return nil, Error("thumbnail")
	}
	return &Image{out}, nil
}

// ThumbnailImage resizes an image already in memory.
func ThumbnailImage(in *Image, w, h int, crop Crop, size Size) (*Image, error) {
	var out *C.VipsImage
	if C.strata_thumbnail_image(in.p, &out, C.int(w), C.int(h), C.int(crop), C.int(size)) != 0 {
		return nil, Error("thumbnail")
	}
	return &Image{out}, nil
}

// CoverCentre resizes an image without alpha, already in memory (as
// JPEGScaled returns), to cover w×h and cuts the centred w×h window from
// it: the pixels ThumbnailImage(in, w, h, CropCentre, SizeBoth) gives, at
// a fraction of its cost, since vips_thumbnail computes the whole resized
// image into memory before it crops and this computes only the window.
func CoverCentre(in *Image, w, h int) (*Image, error) {
	var out *C.VipsImage
	if C.strata_cover_centre(in.p, &out, C.int(w), C.int(h)) != 0 {
		return nil, Error("thumbnail")
	}
	return &Image{out}, nil
}

// FromNRGBA wraps straight-alpha pixels as a libvips image (copied).
func FromNRGBA(img *image.NRGBA) *Image {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	pix := img.Pix
	if img.Stride != 4*w {
		pix = make([]byte, 0, 4*w*h)
		for y := range h {
			pix = append(pix, img.Pix[y*img.Stride:y*img.Stride+4*w]...)
		}
	}
	p := C.strata_from_rgba(unsafe.Pointer(&pix[0]), C.size_t(len(pix)), C.int(w), C.int(h))
	return &Image{p}
}

// FromImage converts img to straight-alpha RGBA drawn directly into C memory
// that the returned libvips image owns: one copy of the pixels instead of
// a Go image and its C copy (400 MB each for a 100 MP BMP). It returns nil
// when the memory cannot be allocated.
func FromImage(img image.Image) *Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	n := 4 * w * h
	p := C.malloc(C.size_t(n))
	if p == nil {
		return nil
	}
	dst := &image.NRGBA{Pix: unsafe.Slice((*byte)(p), n), Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	v := C.strata_from_owned_rgba(p, C.size_t(n), C.int(w), C.int(h))
	if v == nil {
		return nil
	}
	return &Image{v}
}

// RGBA renders the image to premultiplied 8-bit RGBA. The pixels are
// computed (every load, resize and conversion of the pipeline runs) tile by
// tile; when ctx ends, libvips is told to stop at the next tile (its kill
// flag) and ctx's error is returned, so a slow decoder gives its CPU back
// at the render deadline instead of running to its end. One tile's work
// inside one library call (librsvg renders a filter as one) cannot be cut.
func (v *Image) RGBA(ctx context.Context) (*image.RGBA, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // no decode for a context that has already ended
	}
	var conv *C.VipsImage
	var opaque C.int
	if C.strata_to_rgba8(v.p, &conv, &opaque) != 0 {
		return nil, Error("convert to RGBA")
	}
	defer C.g_object_unref(C.gpointer(conv))
	w, h := int(C.vips_image_get_width(conv)), int(C.vips_image_get_height(conv))
	if w <= 0 || h <= 0 {
		return nil, errors.New("decode: empty image")
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	// libvips writes the pixels straight into the Go image (no copy); the
	// call returns only when every pixel is written or it was killed.
	mem := C.strata_memory_image(conv, unsafe.Pointer(&out.Pix[0]), C.size_t(len(out.Pix)))
	if mem == nil {
		return nil, Error("decode")
	}
	defer C.g_object_unref(C.gpointer(mem))
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { C.strata_kill(mem); close(killed) })
	if writeStarting != nil {
		writeStarting(out.Pix)
	}
	rc := C.strata_write(conv, mem)
	if !stop() {
		<-killed // mem stays referenced until the kill has returned
		// The context ended during the write: its error, whether or not
		// the kill landed before the last tile (the race would otherwise
		// decide what the caller sees).
		runtime.KeepAlive(out)
		C.vips_error_clear()
		return nil, ctx.Err()
	}
	runtime.KeepAlive(out)
	if rc != 0 {
		if err := ctx.Err(); err != nil {
			C.vips_error_clear()
			return nil, err
		}
		return nil, Error("decode")
	}
	if opaque == 0 { // an image without alpha is premultiplied as it is
		premultiply(out.Pix)
	}
	return out, nil
}

// writeStarting, when set (tests only), is called with the destination
// pixels right before libvips starts computing into them, so a test can
// watch a decode make progress and cancel it midway.
var writeStarting func(pix []byte)

// Attention returns the centre of libvips' attention strategy (edges,
// skin tones and saturated colour) for a w×h crop of img.
func Attention(img *image.RGBA, w, h int) (image.Point, error) {
	v := FromNRGBA(unpremultiplied(img))
	defer v.Close()
	var x, y C.int
	if C.strata_attention(v.p, C.int(w), C.int(h), &x, &y) != 0 {
		return image.Point{}, Error("smartcrop")
	}
	return image.Pt(int(x), int(y)), nil
}

// premultiply converts straight-alpha RGBA bytes to premultiplied in place.
func premultiply(pix []byte) {
	for i := 0; i < len(pix); i += 4 {
		a := uint32(pix[i+3])
		if a == 255 {
			continue
		}
		pix[i] = uint8((uint32(pix[i])*a + 127) / 255)
		pix[i+1] = uint8((uint32(pix[i+1])*a + 127) / 255)
		pix[i+2] = uint8((uint32(pix[i+2])*a + 127) / 255)
	}
}

// unpremultiplied returns a straight-alpha copy of img.
func unpremultiplied(img *image.RGBA) *image.NRGBA {
	out := image.NewNRGBA(image.Rect(0, 0, img.Rect.Dx(), img.Rect.Dy()))
	for y := range out.Rect.Dy() {
		src := img.Pix[y*img.Stride : y*img.Stride+4*out.Rect.Dx()]
		dst := out.Pix[y*out.Stride:]
		for i := 0; i < len(src); i += 4 {
			a := uint32(src[i+3])
			dst[i+3] = uint8(a)
			if a == 0 {
				continue
			}
			dst[i] = uint8(min(uint32(src[i])*255/a, 255))
			dst[i+1] = uint8(min(uint32(src[i+1])*255/a, 255))
			dst[i+2] = uint8(min(uint32(src[i+2])*255/a, 255))
		}
	}
	return out
}
