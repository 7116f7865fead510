package render

import (
	"context"
	"image"

	"github.com/strata-render/strata/pkg/codes"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// drawBarcode draws a barcode layer: whole-pixel bars at the widest module
// that fits with quiet zones, centred, full box height (pkg/codes).
func drawBarcode(ctx context.Context, _ frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	b := l.Barcode
	img, err := codes.Barcode(b.Format, b.Value, w, h, b.Foreground, b.Background)
	if err != nil {
		return nil, codeError(err, l.Path)
	}
	if want, wrong := schema.EANCheckDigitWrong(b.Format, b.Value); wrong {
		warning.From(ctx).Add(l.Path+".value", warning.BarcodeCheckDigit,
			"%s's last digit %c is not its check digit %c; it is drawn as given, but scanners will reject the code (send %s%c, or the first %d digits alone).",
			b.Value, b.Value[len(b.Value)-1], want, b.Value[:len(b.Value)-1], want, len(b.Value)-1)
	}
	return img, nil
}
