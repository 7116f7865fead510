package imaging

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// halves is a 200×100 PNG, red on the left half and blue on the right.
func halves(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 200; x++ {
			c := color.NRGBA{255, 0, 0, 255}
			if x >= 100 {
				c = color.NRGBA{0, 0, 255, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestFits checks each fit's geometry on a two-colour image: contain
// letterboxes with transparency, fill stretches, cover with a focal point
// keeps the chosen end.
func TestFits(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	data := halves(t)
	load := func(fit schema.Fit, focal *schema.Point, w, h int) *image.RGBA {
		img := base64Image(data)
		img.Fit, img.Focal = fit, focal
		out, err := l.Load(context.Background(), "layers[0]", img, w, h)
		require.NoError(t, err)
		require.Equal(t, image.Rect(0, 0, w, h), out.Rect)
		return out
	}
	// contain 100×100: the image is 100×50, centred; above and below clear.
	c := load(schema.FitContain, nil, 100, 100)
	require.Equal(t, uint8(0), c.RGBAAt(50, 10).A)
	require.Equal(t, uint8(0), c.RGBAAt(50, 90).A)
	require.Equal(t, color.RGBA{255, 0, 0, 255}, c.RGBAAt(10, 50))
	require.Equal(t, color.RGBA{0, 0, 255, 255}, c.RGBAAt(90, 50))
	// fill 50×100: stretched, both halves, the whole box opaque.
	f := load(schema.FitFill, nil, 50, 100)
	require.Equal(t, color.RGBA{255, 0, 0, 255}, f.RGBAAt(5, 2))
	require.Equal(t, color.RGBA{0, 0, 255, 255}, f.RGBAAt(45, 97))
	// cover 100×100 is the centre (both colours); focal 0% keeps red
	// only, 100% blue only.
	cc := load(schema.FitCover, nil, 100, 100)
	require.Equal(t, color.RGBA{255, 0, 0, 255}, cc.RGBAAt(5, 50))
	require.Equal(t, color.RGBA{0, 0, 255, 255}, cc.RGBAAt(95, 50))
	left := load(schema.FitCover, &schema.Point{X: 0, Y: 50}, 100, 100)
	require.Equal(t, color.RGBA{255, 0, 0, 255}, left.RGBAAt(95, 50))
	right := load(schema.FitCover, &schema.Point{X: 100, Y: 50}, 100, 100)
	require.Equal(t, color.RGBA{0, 0, 255, 255}, right.RGBAAt(5, 50))

	// none 100×40: natural size (no scaling: the red/blue edge stays one
	// pixel sharp), centred, cropped: the edge at the box's middle.
	n := load(schema.FitNone, nil, 100, 40)
	require.Equal(t, color.RGBA{255, 0, 0, 255}, n.RGBAAt(49, 20))
	require.Equal(t, color.RGBA{0, 0, 255, 255}, n.RGBAAt(50, 20))
	// none in a box larger than the image: centred, transparent around.
	big := load(schema.FitNone, nil, 300, 200)
	require.Equal(t, uint8(0), big.RGBAAt(40, 100).A)
	require.Equal(t, uint8(0), big.RGBAAt(150, 40).A)
	require.Equal(t, color.RGBA{255, 0, 0, 255}, big.RGBAAt(50, 50))
	require.Equal(t, color.RGBA{0, 0, 255, 255}, big.RGBAAt(249, 149))
	// none with a focal point: object-position 0% 0% keeps the top-left
	// (all red), 100% the right end (all blue).
	tl := load(schema.FitNone, &schema.Point{X: 0, Y: 0}, 80, 40)
	require.Equal(t, color.RGBA{255, 0, 0, 255}, tl.RGBAAt(79, 39))
	br := load(schema.FitNone, &schema.Point{X: 100, Y: 100}, 80, 40)
	require.Equal(t, color.RGBA{0, 0, 255, 255}, br.RGBAAt(0, 0))
}
