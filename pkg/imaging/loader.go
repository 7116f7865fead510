// Package imaging turns an image layer's source into the pixels the
// compositor draws: it gets the bytes (base64 or a URL through an SSRF-safe
// fetcher), recognises the format from its leading bytes, refuses
// decompression bombs from the declared header size before decoding, decodes
// with libvips (untrusted loaders blocked), cover-fits into the layer box
// (shrink-on-load, SVG rendered at the target size), optionally crops around
// the subject and removes the background. docs/IMAGES.md has the details and
// the measurements behind the choices.
package imaging

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/draw"
	"math"
	"strconv"

	"golang.org/x/image/bmp"

	"github.com/strata-render/strata/pkg/bgremove"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/vips"
	"github.com/strata-render/strata/pkg/warning"
)

// FetchFunc fetches a URL source and returns its body. The service passes
// FetchWith(client) over pkg/fetch's client (address guard, time, size and
// redirect limits).
type FetchFunc func(ctx context.Context, url string, o schema.FetchOptions) ([]byte, error)

// FetchWith adapts a pkg/fetch client to a FetchFunc.
func FetchWith(c *fetch.Client) FetchFunc {
	return func(ctx context.Context, url string, o schema.FetchOptions) ([]byte, error) {
		r, err := c.Get(ctx, url, o)
		if err != nil {
			return nil, err
		}
		return r.Body, nil
	}
}

// Options configure a Loader. Zero limits take schema.DefaultLimits.
type Options struct {
	// MaxPixels caps the pixels an input may declare (width × height).
	MaxPixels int
	// MaxBytes caps one image file, base64 or fetched.
	MaxBytes int64
	// Fetch gets URL sources; nil refuses them.
	Fetch FetchFunc
	// BackgroundRemover removes backgrounds and finds salient objects for smart
	// cropping; nil answers should_remove_background with a 422 and makes
	// smart cropping use faces and libvips' attention strategy only.
	BackgroundRemover *bgremove.Remover
}

// Loader loads image layers. It is safe for concurrent use.
type Loader struct {
	o     Options
	faces *faceFinder
}

// NewLoader returns a Loader. It starts libvips (vips.Start: untrusted
// loaders blocked) and unpacks the embedded face cascade.
func NewLoader(o Options) *Loader {
	def := schema.DefaultLimits()
	if o.MaxPixels <= 0 {
		o.MaxPixels = def.MaxImagePixels
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = def.MaxFileBytes
	}
	vips.Start()
	return &Loader{o: o, faces: newFaceFinder()}
}

// Load returns img cover-fitted into a fresh w×h premultiplied RGBA image:
// scaled to fill the box and cropped centred, or around the subject with
// SmartCrop, with the background made transparent with RemoveBackground.
// path is the layer's JSON path (schema.Layer.Path); every error is a
// *failure.Error whose message starts "image at <path>: ".
func (l *Loader) Load(ctx context.Context, path string, img *schema.Image, w, h int) (*image.RGBA, error) {
	out, _, err := l.load(ctx, path, img, w, h, strategyDefault)
	return out, err
}

// placement says where the output came from: the window of the source
// scaled by scale (the smart-crop tests check subjects against it).
type placement struct {
	scale  float64
	window image.Rectangle
}

// LoadNatural returns img at its natural size (after EXIF orientation; an
// SVG at the size it declares), scaled down with its aspect ratio kept
// when it is larger than maxW×maxH, never up: the image of a layer that
// gives a position but no dimensions, like a canvas drawImage(img, x, y)
// whose picture is kept inside the canvas. Errors are as Load's.
func (l *Loader) LoadNatural(ctx context.Context, path string, img *schema.Image, maxW, maxH int) (*image.RGBA, error) {
	out, _, err := l.loadSized(ctx, path, img, maxW, maxH, func(sw, sh int) (int, int) {
		return naturalBox(sw, sh, maxW, maxH)
	}, strategyDefault)
	return out, err
}

// LoadDense is Load at up to the source's own resolution, for output that
// keeps pixels finer than the canvas (PDF pages are zoomed and printed):
// the same fit and crop as a w×h box, w·k × h·k pixels for the largest
// k ≤ maxScale at which the source is not enlarged (k = 1, Load itself,
// when the source has no more pixels than the box).
func (l *Loader) LoadDense(ctx context.Context, path string, img *schema.Image, w, h int, maxScale float64) (*image.RGBA, error) {
	out, _, err := l.loadSized(ctx, path, img, w, h, func(sw, sh int) (int, int) {
		return denseBox(sw, sh, w, h, maxScale)
	}, strategyDefault)
	return out, err
}

// denseBox is the w×h box scaled by the largest k ≤ maxScale at which a
// sw×sh source covering it is not enlarged, in whole pixels (w×h when
// k ≤ 1).
func denseBox(sw, sh, w, h int, maxScale float64) (int, int) {
	k := math.Min(maxScale, math.Min(float64(sw)/float64(w), float64(sh)/float64(h)))
	if !(k > 1) {
		return w, h
	}
	return max(w, int(float64(w)*k)), max(h, int(float64(h)*k))
}

// naturalBox is the box of a sw×sh source drawn at its natural size, or
// scaled down uniformly to fit maxW×maxH; each side at least 1 pixel.
func naturalBox(sw, sh, maxW, maxH int) (int, int) {
	f := math.Min(1, math.Min(float64(maxW)/float64(sw), float64(maxH)/float64(sh)))
	return max(1, min(maxW, int(math.Round(float64(sw)*f)))), max(1, min(maxH, int(math.Round(float64(sh)*f))))
}

func (l *Loader) load(ctx context.Context, path string, img *schema.Image, w, h int, s strategy) (*image.RGBA, placement, error) {
	return l.loadSized(ctx, path, img, w, h, func(int, int) (int, int) { return w, h }, s)
}

// loadSized is Load with the box chosen by box from the source's size;
// w×h (the box's bound) must not be empty.
func (l *Loader) loadSized(ctx context.Context, path string, img *schema.Image, w, h int, box func(sw, sh int) (int, int), s strategy) (*image.RGBA, placement, error) {
	var none placement
	if w <= 0 || h <= 0 {
		return nil, none, failure.New(failure.Internal, "image at %s: empty box %dx%d", path, w, h)
	}
	if err := ctx.Err(); err != nil {
		return nil, none, err
	}
	if img.RemoveBackground && l.o.BackgroundRemover == nil {
		return nil, none, failure.New(failure.Unprocessable,
			"image at %s: background removal is not installed on this server.", path)
	}
	data, err := l.source(ctx, path, &img.File)
	if err != nil {
		return nil, none, err
	}
	src, err := l.open(path, data)
	if err != nil {
		return nil, none, err
	}
	defer src.close()
	w, h = box(src.w, src.h)

	// Scale to cover the box; the window is what the output shows.
	scale := math.Max(float64(w)/float64(src.w), float64(h)/float64(src.h))
	if src.svg && scale < svgMinScale {
		return nil, none, failure.New(failure.Unprocessable,
			"image at %s: the SVG declares %dx%d pixels, more than %d times its %dx%d box; declare the size it is drawn at (width, height or viewBox).",
			path, src.w, src.h, int(1/svgMinScale), w, h)
	}
	reportSource(ctx, path, src, img.Fit, w, h, scale)
	if img.Fit == schema.FitNone {
		out, at, err := l.fitNone(ctx, path, src, img, w, h)
		return out, placement{1, image.Rectangle{at.Mul(-1), at.Mul(-1).Add(image.Pt(w, h))}}, err
	}
	if img.Fit == schema.FitContain || img.Fit == schema.FitFill {
		out, err := l.fitInside(ctx, path, src, img, w, h)
		return out, placement{scale, image.Rect(0, 0, w, h)}, err
	}
	cw := max(w, int(math.Ceil(float64(src.w)*scale-1e-6)))
	ch := max(h, int(math.Ceil(float64(src.h)*scale-1e-6)))
	window := centreWindow(cw, ch, w, h)
	if f := img.Focal; f != nil {
		// CSS object-position: the point f% across the image meets the
		// point f% across the box.
		x, y := int(math.Round(float64(cw-w)*f.X/100)), int(math.Round(float64(ch-h)*f.Y/100))
		window = image.Rect(x, y, x+w, y+h)
	}

	if !img.SmartCrop && !img.RemoveBackground && img.Focal == nil {
		// One libvips pipeline: shrink-on-load, resize, centre crop.
		out, err := src.thumbnail(ctx, w, h, vips.CropCentre, vips.SizeBoth)
		if err != nil {
			return nil, none, l.decodeError(path, err)
		}
		if out.Rect.Dx() == w && out.Rect.Dy() == h {
			return out, placement{scale, window}, nil
		}
		// libvips rounded one side short: take the exact path below.
	}

	if int64(cw)*int64(ch) > int64(l.o.MaxPixels) {
		return nil, none, failure.New(failure.Unprocessable,
			"image at %s: the image's aspect ratio is too far from the %dx%d box to fill it.", path, w, h)
	}
	full, err := src.thumbnail(ctx, cw, ch, vips.CropNone, vips.SizeForce)
	if err != nil {
		return nil, none, l.decodeError(path, err)
	}
	var mask *image.Alpha
	if img.RemoveBackground {
		if mask, err = l.o.BackgroundRemover.Mask(ctx, full); err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, none, ctxErr
			}
			return nil, none, failure.Wrap(failure.Unprocessable, err, "image at %s: background removal failed.", path)
		}
		applyMask(full, mask)
	}
	if img.SmartCrop && (cw > w || ch > h) {
		if window, err = l.windowBy(ctx, s, full, mask, w, h); err != nil {
			return nil, none, err
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Rect, full, window.Min, draw.Src)
	return out, placement{scale, window}, nil
}

// fitInside draws the source for fit "fill" (stretched to the box) or
// "contain" (scaled to fit inside it with its aspect ratio, centred; the
// rest of the box transparent), as CSS object-fit does.
func (l *Loader) fitInside(ctx context.Context, path string, src *source, img *schema.Image, w, h int) (*image.RGBA, error) {
	iw, ih := w, h
	if img.Fit == schema.FitContain {
		f := math.Min(float64(w)/float64(src.w), float64(h)/float64(src.h))
		iw = min(w, max(1, int(math.Round(float64(src.w)*f))))
		ih = min(h, max(1, int(math.Round(float64(src.h)*f))))
	}
	full, err := src.thumbnail(ctx, iw, ih, vips.CropNone, vips.SizeForce)
	if err != nil {
		return nil, l.decodeError(path, err)
	}
	if img.RemoveBackground {
		if err := l.removeBackground(ctx, path, full); err != nil {
			return nil, err
		}
	}
	if iw == w && ih == h && full.Rect == image.Rect(0, 0, w, h) {
		return full, nil
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	at := image.Pt((w-iw)/2, (h-ih)/2)
	draw.Draw(out, image.Rectangle{at, at.Add(full.Rect.Size())}, full, full.Rect.Min, draw.Src)
	return out, nil
}

// fitNone draws the source at its natural size (CSS object-fit: none),
// its focal point (default the centre) on the same point of the box
// (object-position), cropped by the box; at is where its top-left corner
// went.
func (l *Loader) fitNone(ctx context.Context, path string, src *source, img *schema.Image, w, h int) (out *image.RGBA, at image.Point, err error) {
	full, err := src.thumbnail(ctx, src.w, src.h, vips.CropNone, vips.SizeForce)
	if err != nil {
		return nil, at, l.decodeError(path, err)
	}
	if img.RemoveBackground {
		if err := l.removeBackground(ctx, path, full); err != nil {
			return nil, at, err
		}
	}
	fx, fy := 50.0, 50.0
	if f := img.Focal; f != nil {
		fx, fy = f.X, f.Y
	}
	iw, ih := full.Rect.Dx(), full.Rect.Dy()
	at = image.Pt(int(math.Floor(float64(w-iw)*fx/100+0.5)), int(math.Floor(float64(h-ih)*fy/100+0.5)))
	out = image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, image.Rectangle{at, at.Add(full.Rect.Size())}, full, full.Rect.Min, draw.Src)
	return out, at, nil
}

// removeBackground makes the background of img transparent.
func (l *Loader) removeBackground(ctx context.Context, path string, img *image.RGBA) error {
	mask, err := l.o.BackgroundRemover.Mask(ctx, img)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return failure.Wrap(failure.Unprocessable, err, "image at %s: background removal failed.", path)
	}
	applyMask(img, mask)
	return nil
}

// source returns the file's bytes, fetching URL sources.
func (l *Loader) source(ctx context.Context, path string, f *schema.File) ([]byte, error) {
	data := f.Data
	if f.Type == schema.SourceURL {
		if l.o.Fetch == nil {
			return nil, failure.New(failure.Unprocessable, "image at %s: URL sources are not enabled on this server.", path)
		}
		body, err := l.o.Fetch(ctx, f.URL, f.Fetch)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			// A fetched file over the size limit is a 413, like a base64
			// one; every other fetch failure is the source's fault (422).
			kind := failure.Unprocessable
			if failure.KindOf(err) == failure.TooLarge {
				kind = failure.TooLarge
			}
			return nil, failure.Wrap(kind, err, "image at %s: %s", path, fetchReason(err))
		}
		data = body
	}
	if int64(len(data)) > l.o.MaxBytes {
		return nil, failure.New(failure.TooLarge, "image at %s: the file is %s, over the %s limit.",
			path, schema.FormatBytes(int64(len(data))), schema.FormatBytes(l.o.MaxBytes))
	}
	if len(data) == 0 {
		return nil, failure.New(failure.Unprocessable, "image at %s: the file is empty.", path)
	}
	return data, nil
}

// fetchReason is the public part of a fetch error (pkg/fetch's messages
// read "fetching <url>: <reason>").
func fetchReason(err error) string {
	var fe *failure.Error
	if errors.As(err, &fe) && fe.Kind != failure.Internal {
		return fe.PublicMessage()
	}
	return "the image could not be fetched."
}

// pixelCount writes a pixel limit exactly: "100 million pixels",
// "2.5 million pixels", "1500 pixels".
func pixelCount(n int) string {
	if n >= 1_000_000 && n%100_000 == 0 {
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + " million pixels"
	}
	return strconv.Itoa(n) + " pixels"
}

// source is an opened input: its bytes in C memory (or decoded pixels for
// BMP) and its size after EXIF orientation. plainJPEG marks a JPEG that
// needs neither rotation nor colour management, which jpegScaled decodes.
type source struct {
	buf       *vips.Buffer
	pixels    *vips.Image
	w, h      int
	plainJPEG bool
	svg       bool // drawn from its vectors at the scale asked (svgMinScale)
	pages     int  // frames the file declares; only the first is drawn
}

// MaxImageSide caps each side of a raster input. libvips' scaling holds
// buffers of whole source lines, so memory grows with the width even
// within the pixel limit: a 100 MP PNG 100000 px wide took 1.27 GB in a
// 512 px box, 40000 px 840 MB, 10000 px 246 MB.
const MaxImageSide = 16384

// svgMinScale is the smallest scale an SVG is drawn at. librsvg's loader
// refuses scales under 0.001 and then draws at the full declared size: a
// 200-byte SVG declaring 600000×600000 px took 15 GB. Such an SVG is
// refused instead (it declares a size hundreds of times its box).
const svgMinScale = 0.002

func (s *source) close() {
	if s.buf != nil {
		s.buf.Free()
	}
	s.pixels.Close()
}

// open recognises the format and checks the declared size against the
// pixel limit before any pixel is decoded.
func (l *Loader) open(path string, data []byte) (*source, error) {
	format := Sniff(data)
	if format == FormatUnknown {
		return nil, failure.New(failure.Unprocessable,
			"image at %s: not a supported image format (PNG, JPEG, WebP, GIF, TIFF, AVIF/HEIF, BMP or SVG).", path)
	}
	if format == FormatJPEG {
		if n := jpegScans(data, MaxJPEGScans); n > MaxJPEGScans {
			return nil, failure.New(failure.Unprocessable,
				"image at %s: the JPEG has more than %d scans; re-encode it (a progressive JPEG normally has about 10).", path, MaxJPEGScans)
		}
	}
	if format == FormatSVG {
		if n, ok := svgOctaves(data); !ok || n > MaxSVGOctaves {
			return nil, failure.New(failure.Unprocessable,
				"image at %s: the SVG asks for feTurbulence numOctaves over %d (or not as a plain number); use %d or fewer, more change no pixel.", path, MaxSVGOctaves, MaxSVGOctaves)
		}
	}
	if format == FormatBMP {
		// libvips reads BMP only through ImageMagick, which stays blocked;
		// Go's decoder handles the common uncompressed variants.
		cfg, err := bmp.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, l.decodeError(path, err)
		}
		if err := l.checkSize(path, cfg.Width, cfg.Height); err != nil {
			return nil, err
		}
		img, err := bmp.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, l.decodeError(path, err)
		}
		pixels := vips.FromImage(img)
		if pixels == nil {
			return nil, failure.New(failure.Internal, "image at %s: no memory for %dx%d pixels", path, cfg.Width, cfg.Height)
		}
		return &source{pixels: pixels, w: cfg.Width, h: cfg.Height}, nil
	}
	if format == FormatGIF {
		if w, h, ok := gifScreen(data); ok {
			if err := l.checkSize(path, w, h); err != nil {
				return nil, err
			}
		}
	}
	buf := vips.NewBuffer(data)
	hdr, err := vips.ReadHeader(buf)
	if err != nil {
		buf.Free()
		return nil, l.decodeError(path, err)
	}
	w, h, orient := hdr.W, hdr.H, hdr.Orient
	if format != FormatSVG {
		if err := l.checkSize(path, w, h); err != nil {
			buf.Free()
			return nil, err
		}
	}
	if w <= 0 || h <= 0 {
		buf.Free()
		return nil, l.decodeError(path, errors.New("zero size"))
	}
	if orient >= 5 && orient <= 8 { // EXIF orientations that swap the axes
		w, h = h, w
	}
	plain := format == FormatJPEG && orient == 1 && !hdr.ICC
	return &source{buf: buf, w: w, h: h, plainJPEG: plain, svg: format == FormatSVG, pages: hdr.Pages}, nil
}

// checkSize refuses a raster input whose declared size is over the pixel
// limit or MaxImageSide, before any pixel is decoded.
func (l *Loader) checkSize(path string, w, h int) error {
	if int64(w)*int64(h) > int64(l.o.MaxPixels) {
		return failure.New(failure.Unprocessable,
			"image at %s: the image declares %dx%d pixels, over the limit of %s.",
			path, w, h, pixelCount(l.o.MaxPixels))
	}
	if max(w, h) > MaxImageSide {
		return failure.New(failure.Unprocessable,
			"image at %s: the image is %dx%d pixels; each side may be at most %d.", path, w, h, MaxImageSide)
	}
	return nil
}

// thumbnail decodes and resizes the source in one libvips pipeline, which
// stops when ctx ends (vips.Image.RGBA).
func (s *source) thumbnail(ctx context.Context, w, h int, crop vips.Crop, size vips.Size) (*image.RGBA, error) {
	var v *vips.Image
	var err error
	switch {
	case s.pixels != nil:
		v, err = vips.ThumbnailImage(s.pixels, w, h, crop, size)
	case s.plainJPEG:
		// Both size modes here fill the w×h box, so the decoded image must
		// cover it.
		if decoded, _ := vips.JPEGScaled(s.buf, w, h); decoded != nil {
			if crop == vips.CropCentre && size == vips.SizeBoth {
				v, err = vips.CoverCentre(decoded, w, h) // the plain cover fit
			} else {
				v, err = vips.ThumbnailImage(decoded, w, h, crop, size)
			}
			decoded.Close()
			break
		}
		v, err = vips.ThumbnailBuffer(s.buf, w, h, crop, size)
	default:
		v, err = vips.ThumbnailBuffer(s.buf, w, h, crop, size)
	}
	if err != nil {
		return nil, err
	}
	defer v.Close()
	return v.RGBA(ctx)
}

func (l *Loader) decodeError(path string, err error) error {
	return failure.Wrap(failure.Unprocessable, err, "image at %s: the image could not be decoded (corrupt or unsupported).", path)
}

// applyMask multiplies premultiplied pixels by the mask, making the
// background transparent.
func applyMask(img *image.RGBA, mask *image.Alpha) {
	for i, a := range mask.Pix {
		if a == 255 {
			continue
		}
		p := img.Pix[4*i : 4*i+4 : 4*i+4]
		m := uint32(a)
		p[0] = uint8((uint32(p[0])*m + 127) / 255)
		p[1] = uint8((uint32(p[1])*m + 127) / 255)
		p[2] = uint8((uint32(p[2])*m + 127) / 255)
		p[3] = uint8((uint32(p[3])*m + 127) / 255)
	}
}

// centreWindow is the w×h window centred in a cw×ch image.
func centreWindow(cw, ch, w, h int) image.Rectangle {
	x, y := (cw-w)/2, (ch-h)/2
	return image.Rect(x, y, x+w, y+h)
}

// windowAround is the w×h window centred on c, kept inside the image.
func windowAround(c image.Point, cw, ch, w, h int) image.Rectangle {
	x := min(max(c.X-w/2, 0), cw-w)
	y := min(max(c.Y-h/2, 0), ch-h)
	return image.Rect(x, y, x+w, y+h)
}

// UpscaleLimit is how many times its pixels an image may be enlarged
// before the render report says it will look blurry (image_upscaled).
const UpscaleLimit = 1.5

// reportSource adds the warnings about a source drawn into a w×h box at
// cover scale: enlarged past UpscaleLimit (raster images only; an SVG is
// drawn from its vectors), or an animation of which only the first frame
// is drawn.
func reportSource(ctx context.Context, path string, src *source, fit schema.Fit, w, h int, cover float64) {
	c := warning.From(ctx)
	sx, sy := float64(w)/float64(src.w), float64(h)/float64(src.h)
	scale := cover
	switch fit {
	case schema.FitContain:
		scale = math.Min(sx, sy)
	case schema.FitFill:
		scale = math.Max(sx, sy)
	case schema.FitNone:
		scale = 1
	}
	if !src.svg && scale > UpscaleLimit {
		c.Add(path, warning.ImageUpscaled,
			"The image is %dx%d pixels and is enlarged %.1f times to fill its %dx%d box, so it will look blurry; send one of at least %dx%d pixels.",
			src.w, src.h, scale, w, h, int(math.Ceil(float64(src.w)*scale)), int(math.Ceil(float64(src.h)*scale)))
	}
	if src.pages > 1 {
		c.Add(path, warning.ImageAnimated,
			"The image has %d frames; only the first is drawn (the output is a still image).", src.pages)
	}
}
