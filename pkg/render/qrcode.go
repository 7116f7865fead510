package render

import (
	"context"
	"fmt"
	"image"

	"github.com/strata-render/strata/pkg/codes"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// drawQRCode draws a qr-code layer: a square code with whole-pixel modules
// and its quiet zone, centred in a box of background colour (pkg/codes).
func drawQRCode(_ context.Context, _ frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	q := l.QRCode
	img, err := codes.QR(q.Value, q.ErrorCorrection, w, h, q.Foreground, q.Background)
	if err != nil {
		return nil, codeError(err, l.Path)
	}
	return img, nil
}

// codeError adds the layer's path to an error from pkg/codes: the public
// message becomes a sentence naming the layer and the detail carries the
// path, so a 422 says which layer needs a bigger box and how big.
func codeError(err error, path string) error {
	fe := failure.As(err)
	if fe.Kind == failure.Internal {
		return err
	}
	return &failure.Error{
		Kind:    fe.Kind,
		Message: fmt.Sprintf("%s (%s).", fe.Message, path),
		Details: []failure.Detail{{Path: path, Message: fe.Message}},
		Cause:   fe.Cause,
	}
}
