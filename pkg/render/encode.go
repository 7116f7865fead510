package render

import (
	"image"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/gifenc"
	"github.com/strata-render/strata/pkg/pixels"
	"github.com/strata-render/strata/pkg/pngenc"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/vips"
)

// EncodeOptions are the per-format encoder settings.
type EncodeOptions struct {
	// PNGCompression is the DEFLATE level, 0..9 (0 stores).
	PNGCompression int
	// PNGFilter is the PNG row filter for every row: pngenc.FilterAuto (-1)
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
	// GIFEffort is the GIF quantisation effort, 1..10: 1 is pkg/gifenc
	// (Wu's quantiser and an ordered dither, 5–10× faster than cgif at
	// equal or better PSNR), 2..10 libvips' cgif at that effort.
	GIFEffort int
	// GIFDither is the dithering amount in percent, 0..100 (ordered at
	// effort 1, error diffusion in cgif).
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
		PNGFilter:      pngenc.FilterAuto,
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

// encodeBanded draws b's bands on parts cores and encodes the canvas in
// format: for PNG each band is converted and compressed on the core that
// drew it (pngenc.EncodeDrawn); the other formats encode once every band
// is drawn. The canvas goes back to its pool.
func (r *Renderer) encodeBanded(b *bandedCanvas, format schema.Format, o EncodeOptions, parts int) (data []byte, mime string, err error) {
	if b.pooled {
		defer canvases.Put(b.canvas.Pix)
	}
	if format == schema.PNG {
		data, err = pngenc.EncodeDrawn(b.canvas, o.PNGCompression, o.PNGFilter, b.bands, b.draw)
		mime = mimeTypes[format]
	} else if err = b.drawAll(); err == nil {
		if err = checkContext(b.ctx); err == nil {
			data, mime, err = r.encode(b.canvas, format, o, parts)
		}
	}
	b.finish(err)
	return data, mime, err
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

// savers are the libvips savers of the formats other than PNG, which
// has its own writer (pkg/pngenc).
var savers = map[schema.Format]vips.Saver{
	schema.JPEG: vips.JPEG, schema.WebP: vips.WebP, schema.TIFF: vips.TIFF, schema.GIF: vips.GIF, schema.AVIF: vips.AVIF,
}

// encode hands the premultiplied canvas to libvips as raw 8-bit pixels and
// saves it in format. JPEG is flattened onto white; the other formats keep
// alpha, which is dropped only when every pixel is opaque (nothing is lost
// and the file is smaller and faster to write). The pixels are written
// once into C memory that libvips wraps without copying.
//
// parts is how many cores the render may use (spareCores): a large PNG
// is split over them.
func (r *Renderer) encode(canvas *image.RGBA, format schema.Format, o EncodeOptions, parts int) ([]byte, string, error) {
	if format == schema.PNG {
		data, err := pngenc.Encode(canvas, o.PNGCompression, o.PNGFilter, parts)
		return data, mimeTypes[format], err
	}
	if format == schema.GIF && o.GIFEffort <= 1 {
		data, err := gifenc.Encode(canvas, gifenc.Options{Dither: float64(o.GIFDither) / 100})
		if err != nil {
			return nil, "", failure.Wrap(failure.Internal, err, "encoding gif failed")
		}
		return data, mimeTypes[format], nil
	}
	saver, ok := savers[format]
	if !ok {
		return nil, "", failure.New(failure.Invalid, "Unsupported output format %q.", format)
	}
	w, h := canvas.Rect.Dx(), canvas.Rect.Dy()
	mem := vips.NewRaw(w * h * 4)
	if mem == nil {
		return nil, "", failure.New(failure.Internal, "out of memory")
	}
	defer mem.Free()
	raw := mem.Bytes()
	bands := 3
	switch {
	case format == schema.JPEG:
		pixels.FlattenWhite(raw, canvas)
	case pixels.DropAlpha(raw, 3*w, canvas):
		// Opaque: written as RGB in the same pass that checked it.
	default:
		bands = 4
		pixels.Unpremultiply(raw, 4*w, canvas)
	}
	var p [3]int
	switch format {
	case schema.JPEG:
		p = [3]int{o.JPEGQuality, 1}
	case schema.WebP:
		p = [3]int{o.WebPQuality, o.WebPEffort, 0}
	case schema.TIFF:
		p = [3]int{o.TIFFCompression, vips.TIFFPredictorHorizontal}
	case schema.GIF:
		p = [3]int{o.GIFEffort, o.GIFDither}
	case schema.AVIF:
		p = [3]int{o.AVIFQuality, o.AVIFEffort, vips.HEIFEncoderAOM}
	}
	data, err := vips.Save(saver, mem, w, h, bands, p)
	if err != nil {
		return nil, "", failure.Wrap(failure.Internal, err, "encoding %s failed", format)
	}
	return data, mimeTypes[format], nil
}
