package render

import (
	"context"
	"image"

	"github.com/strata-render/strata/pkg/codes"
	"github.com/strata-render/strata/pkg/schema"
)

// drawBarcode draws a barcode layer: whole-pixel bars at the widest module
// that fits with quiet zones, centred, full box height (pkg/codes).
func drawBarcode(_ context.Context, _ frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	b := l.Barcode
	img, err := codes.Barcode(b.Format, b.Value, w, h, b.Foreground, b.Background)
	if err != nil {
		return nil, codeError(err, l.Path)
	}
	return img, nil
}
