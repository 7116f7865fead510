package render

import (
	"context"
	"image"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
)

// fontsKey carries the request's custom fonts to drawText.
type fontsKey struct{}

// withFonts parses the request's custom fonts before any layer is drawn,
// so a bad font is a 422 naming fonts[i] up front, and hands them to the
// text layers through the context (the parsed fonts are cached by the
// registry, so drawText's own load is a cache hit).
func (r *Renderer) withFonts(ctx context.Context, req *schema.Request) (context.Context, error) {
	if len(req.Fonts) == 0 {
		return ctx, nil
	}
	fonts, err := r.fetchFonts(ctx, req.Fonts)
	if err != nil {
		return ctx, err
	}
	if r.opts.Fonts != nil {
		if _, err := r.opts.Fonts.LoadCustom(fonts); err != nil {
			return ctx, err
		}
	}
	return context.WithValue(ctx, fontsKey{}, fonts), nil
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
// alignment and auto-scale happen in pkg/typeset; rotation and opacity are
// the compositor's.
func drawText(ctx context.Context, r *Renderer, l *schema.Layer, w, h int) (*image.RGBA, error) {
	if r.opts.Fonts == nil {
		return nil, failure.New(failure.Unprocessable, "Text layers need the bundled fonts, which this server was started without (%s).", l.Path)
	}
	fonts, _ := ctx.Value(fontsKey{}).([]*schema.Font)
	var rep typeset.TextReport
	img, err := r.opts.Fonts.Draw(typeset.WithReport(ctx, &rep), l.Text, fonts, w, h)
	if err == nil {
		reportText(ctx, l, &rep)
	}
	return img, err
}
