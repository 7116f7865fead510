package render

import (
	"context"
	"image"

	"github.com/strata-render/strata/pkg/schema"
)

// renderCanvas composites req's layers onto a fresh transparent canvas.
func (r *Renderer) renderCanvas(ctx context.Context, req *schema.Request) (*image.RGBA, error) {
	canvas, _, err := frame{Renderer: r}.composeLayers(ctx, req)
	return canvas, err
}
