package render

import (
	"context"
	"image"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// drawImage draws an image layer: its source cover-fitted into the layer
// box (smart-cropped and background-removed when asked) by pkg/imaging.
func drawImage(ctx context.Context, r *Renderer, l *schema.Layer, w, h int) (*image.RGBA, error) {
	if r.opts.Images == nil {
		return nil, failure.New(failure.Unprocessable, "image layers are not enabled on this server (%s).", l.Path)
	}
	return r.opts.Images.Load(ctx, l.Path, l.Image, w, h)
}
