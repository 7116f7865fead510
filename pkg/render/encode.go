package render

/*
#cgo pkg-config: vips
#include <stdlib.h>
#include <vips/vips.h>

// strata_save wraps raw 8-bit pixels (no copy) in a VipsImage and saves it
// with one of the buffer savers. cgo cannot call the variadic savers
// directly, hence this helper. p holds the per-format parameters.
static int strata_save(int fmt, void *pix, size_t len, int w, int h, int bands,
		const int *p, void **out, size_t *outlen) {
	VipsImage *img = vips_image_new_from_memory(pix, len, w, h, bands, VIPS_FORMAT_UCHAR);
	if (!img) return -1;
	int r = -1;
	switch (fmt) {
	case 1:
		r = vips_jpegsave_buffer(img, out, outlen, "Q", p[0], "optimize_coding", p[1],
			"strip", TRUE, NULL);
		break;
	case 2:
		r = vips_webpsave_buffer(img, out, outlen, "Q", p[0], "effort", p[1],
			"lossless", p[2], "strip", TRUE, NULL);
		break;
	case 3:
		r = vips_tiffsave_buffer(img, out, outlen, "compression", p[0], "predictor", p[1],
			"strip", TRUE, NULL);
		break;
	case 4:
		r = vips_gifsave_buffer(img, out, outlen, "effort", p[0], "dither", p[1] / 100.0,
			"strip", TRUE, NULL);
		break;
	case 5:
		r = vips_heifsave_buffer(img, out, outlen, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
			"Q", p[0], "effort", p[1], "encoder", p[2], "strip", TRUE, NULL);
		break;
	}
	g_object_unref(img);
	return r;
}
*/
import "C"

import (
	"image"
	"os"
	"sync"
	"unsafe"

	"github.com/h2non/bimg"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/schema"
)

// EncodeOptions are the per-format encoder settings.
type EncodeOptions struct {
	// PNGCompression is the DEFLATE level, 0..9 (0 stores).
	PNGCompression int
	// PNGFilter is the PNG row filter for every row: pngFilterAuto (-1)
	// chooses per image, 0 is none, 2 is up.
	PNGFilter int
	// JPEGQuality is 1..100.
	JPEGQuality int
	// WebPQuality is 1..100 (lossy).
	WebPQuality int
	// WebPEffort is libwebp's method, 0..6.
	WebPEffort int
	// TIFFCompression is a VipsForeignTiffCompression (0 none, 1 jpeg,
	// 2 deflate, 5 lzw, …).
	TIFFCompression int
	// GIFEffort is cgif's quantisation effort, 1..10.
	GIFEffort int
	// GIFDither is the dithering amount in percent, 0..100.
	GIFDither int
	// AVIFQuality is 1..100.
	AVIFQuality int
	// AVIFEffort is libheif's CPU effort, 0..9 (higher is slower).
	AVIFEffort int
}

// DefaultEncodeOptions returns the encoder settings chosen by measurement
// (docs/PERFORMANCE.md, "Render core").
func DefaultEncodeOptions() EncodeOptions {
	return EncodeOptions{
		// libdeflate level 1, "none" for drawn content and "up" for photos:
		// the fastest setting, and smaller than zlib level 2 on most images
		// (docs/PERFORMANCE.md, "PNG").
		PNGCompression: 1,
		PNGFilter:      pngFilterAuto,
		JPEGQuality:    85,
		// Effort 2 is within 3–8% of effort 4's size at half the time.
		WebPQuality: 85,
		WebPEffort:  2,
		// LZW with horizontal differencing: half deflate's time.
		TIFFCompression: 5,
		GIFEffort:       1,
		GIFDither:       100,
		// libheif's default effort 4 takes 1.4–2.7 s for 1200×630; effort 1
		// is ~30–40 ms of CPU at nearly effort 2's size.
		AVIFQuality: 60,
		AVIFEffort:  1,
	}
}

var (
	vipsOnce sync.Once
	vipsErr  error
)

// init blocks untrusted loaders as soon as the package is loaded (bimg's
// own init has already started libvips), so no decode in a process that
// links the renderer can ever run before the block.
func init() { _ = startVips() }

// startVips finishes libvips' process-wide set-up. bimg's package init has
// already called vips_init, so VIPS_BLOCK_UNTRUSTED in the environment
// would come too late; the block is switched on through the API instead
// (and the variable set for any later vips_init in this process).
func startVips() error {
	vipsOnce.Do(func() {
		_ = os.Setenv("VIPS_BLOCK_UNTRUSTED", "1")
		bimg.Initialize()
		// Untrusted loaders (ImageMagick, PDF, matlab, …) are blocked: image
		// layers decode attacker-supplied bytes. imaging.Lockdown is the one
		// policy (it lets the SVG loader back in: SVG is in the contract).
		imaging.Lockdown()
		// Operation cache off: renders never repeat an operation on the same
		// input, and a cache only holds memory (imgproxy does the same).
		bimg.VipsCacheSetMax(0)
		bimg.VipsCacheSetMaxMem(0)
	})
	return vipsErr
}

// Shutdown releases libvips. Call it once when the process exits, after
// every Renderer is closed and no render is running; libvips cannot be
// started again afterwards.
func Shutdown() { bimg.Shutdown() }

// With returns o with a request's output options applied (schema has
// already checked each applies to the output format and is in range).
func (o EncodeOptions) With(req schema.OutputOptions) EncodeOptions {
	if q := req.Quality; q != nil {
		o.JPEGQuality, o.WebPQuality, o.AVIFQuality = *q, *q, *q
	}
	if c := req.CompressionLevel; c != nil {
		o.PNGCompression = *c
	}
	if e := req.Effort; e != nil {
		o.WebPEffort, o.AVIFEffort, o.GIFEffort = *e, *e, *e
	}
	return o
}

// mimeTypes maps each output format to its media type.
var mimeTypes = map[schema.Format]string{
	schema.PNG:  "image/png",
	schema.JPEG: "image/jpeg",
	schema.WebP: "image/webp",
	schema.TIFF: "image/tiff",
	schema.GIF:  "image/gif",
	schema.AVIF: "image/avif",
	schema.PDF:  "application/pdf",
}

// saverIDs are strata_save's format numbers (PNG has its own encoder,
// encodePNG).
var saverIDs = map[schema.Format]C.int{
	schema.PNG: -1, schema.JPEG: 1, schema.WebP: 2, schema.TIFF: 3, schema.GIF: 4, schema.AVIF: 5,
}

// encode hands the premultiplied canvas to libvips as raw 8-bit pixels and
// saves it in format. JPEG is flattened onto white; the other formats keep
// alpha, which is dropped only when every pixel is opaque (nothing is lost
// and the file is smaller and faster to write). The pixels are written
// once into C memory that libvips wraps without copying.
func (r *Renderer) encode(canvas *image.RGBA, format schema.Format, o EncodeOptions) ([]byte, string, error) {
	id, ok := saverIDs[format]
	if !ok {
		return nil, "", failure.New(failure.Invalid, "Unsupported output format %q.", format)
	}
	if format == schema.PNG {
		data, err := encodePNG(canvas, o.PNGCompression, o.PNGFilter)
		return data, mimeTypes[format], err
	}
	w, h := canvas.Rect.Dx(), canvas.Rect.Dy()
	mem := C.malloc(C.size_t(w * h * 4))
	if mem == nil {
		return nil, "", failure.New(failure.Internal, "out of memory")
	}
	defer C.free(mem)
	raw := unsafe.Slice((*byte)(mem), w*h*4)
	bands := 3
	switch {
	case format == schema.JPEG:
		flattenWhite(raw, canvas)
	case dropAlpha(raw, 3*w, canvas):
		// Opaque: written as RGB in the same pass that checked it.
	default:
		bands = 4
		unpremultiply(raw, 4*w, canvas)
	}
	n := w * h * bands
	var p [3]C.int
	switch format {
	case schema.JPEG:
		p = [3]C.int{C.int(o.JPEGQuality), 1}
	case schema.WebP:
		p = [3]C.int{C.int(o.WebPQuality), C.int(o.WebPEffort), 0}
	case schema.TIFF:
		p = [3]C.int{C.int(o.TIFFCompression), C.VIPS_FOREIGN_TIFF_PREDICTOR_HORIZONTAL}
	case schema.GIF:
		p = [3]C.int{C.int(o.GIFEffort), C.int(o.GIFDither)}
	case schema.AVIF:
		p = [3]C.int{C.int(o.AVIFQuality), C.int(o.AVIFEffort), C.VIPS_FOREIGN_HEIF_ENCODER_AOM}
	}
	var out unsafe.Pointer
	var outLen C.size_t
	if C.strata_save(id, mem, C.size_t(n), C.int(w), C.int(h), C.int(bands), &p[0], &out, &outLen) != 0 {
		msg := C.GoString(C.vips_error_buffer())
		C.vips_error_clear()
		return nil, "", failure.Wrap(failure.Internal, vipsError(msg), "encoding %s failed", format)
	}
	defer C.g_free(C.gpointer(out))
	return C.GoBytes(out, C.int(outLen)), mimeTypes[format], nil
}

// vipsError is libvips' error text.
type vipsError string

// Error prefixes the text with "libvips".
func (e vipsError) Error() string { return "libvips: " + string(e) }

// flattenWhite writes img composited over opaque white as packed RGB. In
// premultiplied alpha that is c + (255 − a) per channel, which cannot carry
// (c ≤ a), so one add per pixel does all three channels.
func flattenWhite(dst []byte, img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	_ = dst[w*h*3-1]
	for y := 0; y < h; y++ {
		src := unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[y*img.Stride])), w)
		d := unsafe.Pointer(&dst[y*w*3])
		for x, p := range src[:w-1] {
			// Four bytes stored at a three-byte stride, as in dropAlpha.
			*(*uint32)(unsafe.Add(d, x*3)) = p + (255-p>>24)*0x010101
		}
		p := src[w-1]
		p += (255 - p>>24) * 0x010101
		o := y*w*3 + (w-1)*3
		dst[o], dst[o+1], dst[o+2] = uint8(p), uint8(p>>8), uint8(p>>16)
	}
}

// dropAlpha writes img as packed RGB rows, stride bytes apart in dst, if
// every pixel is opaque and reports whether it was; it stops at the first
// translucent pixel. Bytes between rows are left alone.
func dropAlpha(dst []byte, stride int, img *image.RGBA) bool {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return true
	}
	_ = dst[(h-1)*stride+w*3-1]
	for y := 0; y < h; y++ {
		src := unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[y*img.Stride])), w)
		d := unsafe.Pointer(&dst[y*stride])
		// Each pixel is stored as four bytes at a three-byte stride, the
		// fourth overwritten by the next pixel; the row's last pixel is
		// written byte by byte so nothing lands past the row.
		for x, p := range src[:w-1] {
			if p < 0xFF000000 {
				return false
			}
			*(*uint32)(unsafe.Add(d, x*3)) = p // unaligned store: fine on amd64 and arm64
		}
		p := src[w-1]
		if p < 0xFF000000 {
			return false
		}
		o := y*stride + (w-1)*3
		dst[o], dst[o+1], dst[o+2] = uint8(p), uint8(p>>8), uint8(p>>16)
	}
	return true
}

// unpremul[a] is 255·2¹⁶/a rounded, so c·255/a ≈ (c·unpremul[a] + 2¹⁵) >> 16.
var unpremul = func() (t [256]uint32) {
	for a := 1; a < 256; a++ {
		t[a] = uint32((255<<16 + a/2) / a)
	}
	return t
}()

// unpremultiply writes img as packed straight-alpha RGBA rows, stride
// bytes apart in dst.
func unpremultiply(dst []byte, stride int, img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	_ = dst[(h-1)*stride+w*4-1]
	for y := 0; y < h; y++ {
		src := unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[y*img.Stride])), w)
		d := unsafe.Slice((*uint32)(unsafe.Pointer(&dst[y*stride])), w)
		for x, p := range src {
			a := p >> 24
			if a == 255 || a == 0 {
				d[x] = p // opaque, or transparent black (premultiplied: all 0)
				continue
			}
			k := unpremul[a]
			r := min(((p&0xFF)*k+1<<15)>>16, 255)
			g := min(((p>>8&0xFF)*k+1<<15)>>16, 255)
			b := min(((p>>16&0xFF)*k+1<<15)>>16, 255)
			d[x] = r | g<<8 | b<<16 | a<<24
		}
	}
}
