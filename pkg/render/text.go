package render

import (
	"context"
	"image"
	"image/color"
	"math"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/pixels"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
)

// requestFonts parses the request's custom fonts before any layer is
// drawn, so a bad font is a 422 naming fonts[i] up front; they reach the
// text layers in the frame (the parsed fonts are cached by the registry,
// so drawText's own load is a cache hit).
func (r *Renderer) requestFonts(ctx context.Context, req *schema.Request) ([]*schema.Font, error) {
	if len(req.Fonts) == 0 {
		return nil, nil
	}
	fonts, err := r.fetchFonts(ctx, req.Fonts)
	if err != nil {
		return nil, err
	}
	if r.opts.Fonts != nil {
		if _, err := r.opts.Fonts.LoadCustom(fonts); err != nil {
			return nil, err
		}
	}
	return fonts, nil
}

// fetchFonts returns fonts with every URL source fetched into Data (copies;
// the request is left as it came).
func (r *Renderer) fetchFonts(ctx context.Context, fonts []*schema.Font) ([]*schema.Font, error) {
	out := make([]*schema.Font, len(fonts))
	for i, f := range fonts {
		out[i] = f
		if f.File.Type != schema.SourceURL {
			continue
		}
		if r.opts.FetchFont == nil {
			return nil, failure.New(failure.Unprocessable, "%s: fonts given by URL are not enabled on this server; send font %q as base64.", f.Path, f.Name)
		}
		data, err := r.opts.FetchFont(ctx, f.File.URL, f.File.Fetch)
		if err != nil {
			kind := failure.Unprocessable // the source's fault, except a file over the limit (413)
			if failure.KindOf(err) == failure.TooLarge {
				kind = failure.TooLarge
			}
			return nil, failure.Wrap(kind, err, "%s: font %q could not be fetched: %s", f.Path, f.Name, failure.As(err).PublicMessage())
		}
		if r.opts.MaxFontBytes > 0 && int64(len(data)) > r.opts.MaxFontBytes {
			return nil, failure.New(failure.TooLarge, "%s: font %q is %d bytes, over the %d-byte limit.", f.Path, f.Name, len(data), r.opts.MaxFontBytes)
		}
		fetched := *f
		fetched.File.Data = data
		fetched.File.Type = schema.SourceBase64
		out[i] = &fetched
	}
	return out, nil
}

// drawText draws a text layer with the font registry: shaping, wrapping,
// alignment, auto-scale, clamping, decoration and stroke happen in
// pkg/typeset; the text shadows here; rotation and opacity are the
// compositor's. The image is from inkPlanes (pooledDrawers): the whole
// box, or with r.inkOnly only the part of it the ink touches; nil when
// nothing is painted.
func drawText(ctx context.Context, r frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	if r.opts.Fonts == nil {
		return nil, failure.New(failure.Unprocessable, "Text layers need the bundled fonts, which this server was started without (%s).", l.Path)
	}
	box := image.Rect(0, 0, w, h)
	inkOnly := r.inkOnly && len(l.Text.Shadows) == 0 // a shadow reaches past the ink
	alloc := func(ink image.Rectangle) *image.RGBA {
		if !inkOnly {
			ink = box
		}
		return newInkPlane(ink)
	}
	var rep typeset.TextReport
	img, err := r.opts.Fonts.DrawInk(typeset.WithReport(ctx, &rep), l.Text, r.fonts, w, h, alloc)
	if err == nil {
		reportText(ctx, l, &rep)
	}
	if err != nil || img == nil || len(l.Text.Shadows) == 0 {
		return img, err
	}
	// The shadows' shape is the text's coverage whatever its colours
	// (CSS text-shadow also shows under transparent text): the text
	// drawn again, opaque.
	shape := *l.Text
	shape.Color = color.NRGBA{A: 255}
	if shape.Stroke != nil {
		st := *shape.Stroke
		st.Color = color.NRGBA{A: 255}
		shape.Stroke = &st
	}
	cov, err := r.opts.Fonts.DrawInk(ctx, &shape, r.fonts, w, h, alloc)
	if err != nil || cov == nil {
		inkPlanes.Put(img.Pix)
		return nil, err
	}
	out := newInkPlane(box)
	for i := len(l.Text.Shadows) - 1; i >= 0; i-- { // the first shadow is on top
		drawTextShadow(out, cov, l.Text.Shadows[i])
	}
	compositeAligned(out, img, 0, 0, 255)
	inkPlanes.Put(img.Pix)
	inkPlanes.Put(cov.Pix)
	return out, nil
}

// inkPlanes keeps text layers' images between layers and renders (a
// social card's three were 1.3 MB of fresh memory per render); apart from
// canvases so a small plane is never handed out for a canvas.
var inkPlanes pixels.Pool[byte]

// newInkPlane returns a transparent image with bounds r from inkPlanes.
func newInkPlane(r image.Rectangle) *image.RGBA {
	pix := inkPlanes.Get(4 * r.Dx() * r.Dy())
	clear(pix)
	return &image.RGBA{Pix: pix, Stride: 4 * r.Dx(), Rect: r}
}

// drawTextShadow blends one text shadow into out: the coverage's alpha,
// offset, blurred with a Gaussian of standard deviation blur/2 and
// coloured (CSS text-shadow), clipped to the layer box like the text.
func drawTextShadow(out, cov *image.RGBA, s schema.TextShadow) {
	if s.Color.A == 0 {
		return
	}
	w, h := out.Rect.Dx(), out.Rect.Dy()
	m := blurMargin(s.Blur / 2)
	pw, ph := w+2*m, h+2*m
	plane := make([]uint8, pw*ph)
	dx, dy := int(math.Round(s.X)), int(math.Round(s.Y))
	for y := 0; y < h; y++ {
		ty := y + dy + m
		if ty < 0 || ty >= ph {
			continue
		}
		for x := 0; x < w; x++ {
			tx := x + dx + m
			if tx < 0 || tx >= pw {
				continue
			}
			plane[ty*pw+tx] = cov.Pix[cov.PixOffset(x, y)+3]
		}
	}
	if s.Blur > 0 {
		gaussianBlurPlane(plane, pw, ph, pw, 1, s.Blur/2)
	}
	c := premultiply(s.Color)
	p := uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16 | uint32(c.A)<<24
	for y := 0; y < h; y++ {
		d := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x, a := range plane[(y+m)*pw+m : (y+m)*pw+m+w] {
			if a == 0 {
				continue
			}
			overPacked(d[4*x:4*x+4:4*x+4], mulPacked(p, uint32(a)))
		}
	}
}
