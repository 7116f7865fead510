package imaging

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

// cgo cannot call C variadic functions; these wrappers fix the arguments.

static int strata_header(const void *buf, size_t len, int *w, int *h, int *orient, int *icc) {
	VipsImage *im = vips_image_new_from_buffer(buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
	if (!im) return -1;
	*w = vips_image_get_width(im);
	*h = vips_image_get_height(im);
	*orient = 1;
	*icc = vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0;
	if (vips_image_get_typeof(im, VIPS_META_ORIENTATION)) {
		int o;
		if (!vips_image_get_int(im, VIPS_META_ORIENTATION, &o)) *orient = o;
	}
	g_object_unref(im);
	return 0;
}

static int strata_thumbnail_buffer(void *buf, size_t len, VipsImage **out, int w, int h, int crop, int size) {
	return vips_thumbnail_buffer(buf, len, out, w, "height", h, "crop", crop, "size", size, NULL);
}

static int strata_thumbnail_image(VipsImage *in, VipsImage **out, int w, int h, int crop, int size) {
	return vips_thumbnail_image(in, out, w, "height", h, "crop", crop, "size", size, NULL);
}

// strata_to_rgba8 converts any image to 8-bit sRGB with an alpha band.
static int strata_to_rgba8(VipsImage *in, VipsImage **out) {
	VipsImage *t[4] = {NULL, NULL, NULL, NULL};
	int rc = -1;
	if (vips_colourspace(in, &t[0], VIPS_INTERPRETATION_sRGB, NULL)) goto done;
	if (vips_cast_uchar(t[0], &t[1], NULL)) goto done;
	VipsImage *x = t[1];
	if (x->Bands == 3) {
		if (vips_bandjoin_const1(x, &t[2], 255, NULL)) goto done;
		x = t[2];
	} else if (x->Bands > 4) {
		if (vips_extract_band(x, &t[2], 0, "n", 4, NULL)) goto done;
		x = t[2];
	} else if (x->Bands != 4) {
		vips_error("strata", "unexpected band count %d", x->Bands);
		goto done;
	}
	g_object_ref(x);
	*out = x;
	rc = 0;
done:
	for (int i = 0; i < 4; i++) if (t[i]) g_object_unref(t[i]);
	return rc;
}

// strata_memory_image wraps dst, memory the caller owns, as the libvips
// image in (8-bit, any band count) is computed into by strata_write.
static VipsImage *strata_memory_image(VipsImage *in, void *dst, size_t n) {
	return vips_image_new_from_memory(dst, n, in->Xsize, in->Ysize, in->Bands, VIPS_FORMAT_UCHAR);
}

static int strata_write(VipsImage *in, VipsImage *mem) { return vips_image_write(in, mem); }

// strata_kill asks the computation writing into im to stop: libvips checks
// the flag between the tiles it computes and fails the write.
static void strata_kill(VipsImage *im) { vips_image_set_kill(im, TRUE); }

static int strata_attention(VipsImage *in, int w, int h, int *x, int *y) {
	VipsImage *out = NULL;
	int rc = vips_smartcrop(in, &out, w, h, "interesting", VIPS_INTERESTING_ATTENTION,
		"attention_x", x, "attention_y", y, NULL);
	if (out) g_object_unref(out);
	return rc;
}

static VipsImage *strata_from_rgba(const void *pix, size_t n, int w, int h) {
	VipsImage *im = vips_image_new_from_memory_copy(pix, n, w, h, 4, VIPS_FORMAT_UCHAR);
	if (im) im->Type = VIPS_INTERPRETATION_sRGB;
	return im;
}

static void strata_free_owned(VipsImage *im, void *pix) { free(pix); }

// strata_from_owned_rgba wraps w×h straight-alpha RGBA pixels malloc'ed by
// the caller as a libvips image that frees them when it closes.
static VipsImage *strata_from_owned_rgba(void *pix, size_t n, int w, int h) {
	VipsImage *im = vips_image_new_from_memory(pix, n, w, h, 4, VIPS_FORMAT_UCHAR);
	if (!im) {
		free(pix);
		return NULL;
	}
	im->Type = VIPS_INTERPRETATION_sRGB;
	g_signal_connect(im, "postclose", G_CALLBACK(strata_free_owned), pix);
	return im;
}

static void strata_lockdown(void) {
	// Loaders Debian's libvips marks untrusted (ImageMagick, PDF, FITS,
	// matrix, raw, ...) are never reachable from request bytes.
	vips_block_untrusted_set(TRUE);
	// SVG is part of the contract; librsvg (Rust) is the one untrusted
	// loader let back in.
	vips_operation_block_set("VipsForeignLoadSvg", FALSE);
	// The operation cache keys buffer loads by pointer; with request bytes
	// freed and reallocated between calls a stale hit would be wrong, and
	// it only costs memory here (imgproxy disables it too).
	vips_cache_set_max(0);
}
*/
import "C"

import (
	"context"
	"errors"
	"image"
	"image/draw"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	// bimg's init starts libvips (vips_init) for the whole process; this
	// package calls libvips directly for the operations bimg does not expose
	// (thumbnail with shrink-on-load, raw pixel export).
	_ "github.com/h2non/bimg"
)

// lockdownOnce guards strata_lockdown: it blocks every untrusted loader
// before letting SVG back in, so running it again while another goroutine
// decodes an SVG would fail that decode with "operation is blocked".
var lockdownOnce sync.Once

// Lockdown blocks libvips' untrusted loaders except the SVG loader and turns
// off the operation cache. It runs once per process; later calls return at
// once. NewLoader calls it. Nothing else may call vips_block_untrusted_set,
// which would re-block SVG.
func Lockdown() { lockdownOnce.Do(func() { C.strata_lockdown() }) }

// vipsError returns libvips' error buffer as an error and clears it.
func vipsError(op string) error {
	msg := strings.TrimSpace(C.GoString(C.vips_error_buffer()))
	C.vips_error_clear()
	if msg == "" {
		msg = "unknown libvips error"
	}
	return errors.New(op + ": " + msg)
}

// cbuf is a copy of request bytes in C memory: libvips reads buffers lazily,
// after the call that received them returns, which Go memory may not be.
type cbuf struct {
	p unsafe.Pointer
	n C.size_t
}

func newCBuf(b []byte) *cbuf { return &cbuf{p: C.CBytes(b), n: C.size_t(len(b))} }

func (b *cbuf) free() { C.free(b.p) }

// imageHeader is what an image declares before any pixel is decoded.
type imageHeader struct {
	w, h   int
	orient int  // EXIF orientation, 1 when absent
	icc    bool // an embedded colour profile
}

// header reads the declared size, EXIF orientation and whether a colour
// profile is embedded, without decoding pixels.
func header(b *cbuf) (imageHeader, error) {
	var cw, ch, co, ci C.int
	if C.strata_header(b.p, b.n, &cw, &ch, &co, &ci) != 0 {
		return imageHeader{}, vipsError("read header")
	}
	return imageHeader{w: int(cw), h: int(ch), orient: int(co), icc: ci != 0}, nil
}

// vimage owns one libvips image reference.
type vimage struct{ p *C.VipsImage }

func (v *vimage) close() {
	if v != nil && v.p != nil {
		C.g_object_unref(C.gpointer(v.p))
		v.p = nil
	}
}

func (v *vimage) size() (int, int) {
	return int(C.vips_image_get_width(v.p)), int(C.vips_image_get_height(v.p))
}

// cropMode is a crop strategy of vips_thumbnail.
type cropMode int

// The crop strategies used here.
const (
	cropNone      cropMode = C.VIPS_INTERESTING_NONE
	cropCentre    cropMode = C.VIPS_INTERESTING_CENTRE
	cropAttention cropMode = C.VIPS_INTERESTING_ATTENTION
)

// sizeMode is a size mode of vips_thumbnail.
type sizeMode int

// The size modes used here.
const (
	sizeBoth  sizeMode = C.VIPS_SIZE_BOTH
	sizeForce sizeMode = C.VIPS_SIZE_FORCE
)

// thumbnailBuffer loads and resizes in one step, with shrink-on-load for
// JPEG (and WebP, HEIF), SVG rendered at the target scale, and EXIF
// orientation applied.
func thumbnailBuffer(b *cbuf, w, h int, crop cropMode, size sizeMode) (*vimage, error) {
	var out *C.VipsImage
	if C.strata_thumbnail_buffer(b.p, b.n, &out, C.int(w), C.int(h), C.int(crop), C.int(size)) != 0 {
		return nil, vipsError("thumbnail")
	}
	return &vimage{out}, nil
}

// thumbnailImage resizes an image already in memory.
func thumbnailImage(in *vimage, w, h int, crop cropMode, size sizeMode) (*vimage, error) {
	var out *C.VipsImage
	if C.strata_thumbnail_image(in.p, &out, C.int(w), C.int(h), C.int(crop), C.int(size)) != 0 {
		return nil, vipsError("thumbnail")
	}
	return &vimage{out}, nil
}

// fromNRGBA wraps straight-alpha pixels as a libvips image (copied).
func fromNRGBA(img *image.NRGBA) *vimage {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	pix := img.Pix
	if img.Stride != 4*w {
		pix = make([]byte, 0, 4*w*h)
		for y := range h {
			pix = append(pix, img.Pix[y*img.Stride:y*img.Stride+4*w]...)
		}
	}
	p := C.strata_from_rgba(unsafe.Pointer(&pix[0]), C.size_t(len(pix)), C.int(w), C.int(h))
	return &vimage{p}
}

// cNRGBA converts img to straight-alpha RGBA drawn directly into C memory
// that the returned libvips image owns: one copy of the pixels instead of
// a Go image and its C copy (400 MB each for a 100 MP BMP). It returns nil
// when the memory cannot be allocated.
func cNRGBA(img image.Image) *vimage {
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
	return &vimage{v}
}

// rgba renders the image to premultiplied 8-bit RGBA. The pixels are
// computed (every load, resize and conversion of the pipeline runs) tile by
// tile; when ctx ends, libvips is told to stop at the next tile (its kill
// flag) and ctx's error is returned, so a slow decoder (an SVG filter, a
// huge TIFF) gives its CPU back at the render deadline instead of running
// to its end. One tile's work inside one library call cannot be cut.
func (v *vimage) rgba(ctx context.Context) (*image.RGBA, error) {
	var conv *C.VipsImage
	if C.strata_to_rgba8(v.p, &conv) != 0 {
		return nil, vipsError("convert to RGBA")
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
		return nil, vipsError("decode")
	}
	defer C.g_object_unref(C.gpointer(mem))
	killed := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { C.strata_kill(mem); close(killed) })
	rc := C.strata_write(conv, mem)
	if !stop() {
		<-killed // mem stays referenced until the kill has returned
	}
	runtime.KeepAlive(out)
	if rc != 0 {
		if err := ctx.Err(); err != nil {
			C.vips_error_clear()
			return nil, err
		}
		return nil, vipsError("decode")
	}
	premultiply(out.Pix)
	return out, nil
}

// attention returns the centre of libvips' attention strategy (edges,
// skin tones and saturated colour) for a w×h crop of img.
func attention(img *image.RGBA, w, h int) (image.Point, error) {
	v := fromNRGBA(unpremultiplied(img))
	defer v.close()
	var x, y C.int
	if C.strata_attention(v.p, C.int(w), C.int(h), &x, &y) != 0 {
		return image.Point{}, vipsError("smartcrop")
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
