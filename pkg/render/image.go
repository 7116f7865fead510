package render

import (
	"context"
	"image"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// drawImage draws an image layer: its source cover-fitted into the layer
// box (smart-cropped and background-removed when asked) by pkg/imaging.
func drawImage(ctx context.Context, r frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	if r.opts.Images == nil {
		return nil, failure.New(failure.Unprocessable, "image layers are not enabled on this server (%s).", l.Path)
	}
	if naturalSized(l) {
		return r.opts.Images.LoadNatural(ctx, l.Path, l.Image, w, h)
	}
	return r.opts.Images.Load(ctx, l.Path, l.Image, w, h)
}

// naturalSized reports an image layer that gives a position but no
// dimensions: it is drawn at the image's natural size, scaled down only to
// stay inside the canvas (or layout box) right of and below the position.
// With neither, an image covers the whole canvas (spec §5); with
// dimensions, it covers its box. Position (0, 0) counts as omitted: the
// reference's Go SDK sends zero structs for both when the caller set
// neither, and means the whole canvas.
func naturalSized(l *schema.Layer) bool {
	return l.Type == schema.TypeImage && l.Size == nil && l.Position != nil && (l.Position.X != 0 || l.Position.Y != 0)
}
