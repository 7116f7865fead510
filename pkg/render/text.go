package render

import (
	"context"
	"image"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
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
	if r.opts.Fonts != nil {
		if _, err := r.opts.Fonts.LoadCustom(req.Fonts); err != nil {
			return ctx, err
		}
	}
	return context.WithValue(ctx, fontsKey{}, req.Fonts), nil
}

// drawText draws a text layer with the font registry: shaping, wrapping,
// alignment and auto-scale happen in pkg/typeset; rotation and opacity are
// the compositor's.
func drawText(ctx context.Context, r *Renderer, l *schema.Layer, w, h int) (*image.RGBA, error) {
	if r.opts.Fonts == nil {
		return nil, failure.New(failure.Unprocessable, "Text layers need the bundled fonts, which this server was started without (%s).", l.Path)
	}
	fonts, _ := ctx.Value(fontsKey{}).([]*schema.Font)
	return r.opts.Fonts.Draw(ctx, l.Text, fonts, w, h)
}
