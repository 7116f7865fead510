package render

import (
	"fmt"

	"github.com/strata-render/strata/pkg/codes"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// CheckCodeBoxes finds, without rendering, the QR codes and barcodes whose
// box is too small for their value (the 422 a render would give): an async
// request that is certain to fail is refused before it is queued, and
// `strata validate` reports it. Only boxes whose size the request states
// are checked; a code that fills an auto-sized layout's background is
// left to the render. The error is the one the render would return for
// the first such layer, with every such layer in its details.
func CheckCodeBoxes(req *schema.Request) error {
	var problems []*failure.Error
	var walk func(layers []*schema.Layer)
	walk = func(layers []*schema.Layer) {
		for _, l := range layers {
			if l.Layout != nil {
				walk(l.Layout.BackgroundLayers)
				walk(l.Layout.Children)
				continue
			}
			if l.Size == nil || l.Size.AutoWidth || l.Size.AutoHeight {
				continue
			}
			var err error
			switch {
			case l.QRCode != nil:
				err = codes.CheckQRBox(l.QRCode.Value, l.QRCode.ErrorCorrection, l.Size.Width, l.Size.Height)
			case l.Barcode != nil:
				err = codes.CheckBarcodeBox(l.Barcode.Format, l.Barcode.Value, l.Size.Width, l.Size.Height)
			}
			if err != nil {
				problems = append(problems, failure.As(codeError(err, l.Path)))
			}
		}
	}
	walk(req.Layers)
	if len(problems) == 0 {
		return nil
	}
	first := *problems[0]
	first.Details = nil
	for _, p := range problems {
		first.Details = append(first.Details, p.Details...)
	}
	if n := len(problems) - 1; n > 0 {
		first.Message = fmt.Sprintf("%s (and %d more, listed in details)", first.Message, n)
	}
	return &first
}
