package schema

import (
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
)

// solidWith is a request of one solid-color layer with more fields.
func solidWith(fields string) string {
	return withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff"` + fields + `}`)
}

func TestDecodeEffects(t *testing.T) {
	t.Parallel()
	req, err := Decode([]byte(solidWith(`,"shadows":[{"x_in_px":-2,"y_in_px":4,"blur_in_px":8,"spread_in_px":-1,"hex_color":"#00000080"}],`+
		`"border":{"width_in_px":3,"hex_color":"#F00"},"blur_in_px":2.5,`+
		`"filters":{"hue_rotate_in_degrees":90,"grayscale":0.5,"contrast":1.5},`+
		`"mask":{"angle_in_degrees":90,"colors":[{"hex_color":"#000","position":0},{"hex_color":"#00000000","position":100}]},`+
		`"blend_mode":"multiply","backdrop_blur_in_px":6,"rotation_in_degrees":360`)), DefaultLimits())
	require.NoError(t, err)
	e := req.Layers[0].Effects
	require.Equal(t, []Shadow{{X: -2, Y: 4, Blur: 8, Spread: -1, Color: color.NRGBA{0, 0, 0, 0x80}}}, e.Shadows)
	require.Equal(t, &Border{Width: 3, Color: color.NRGBA{255, 0, 0, 255}}, e.Border)
	require.Equal(t, 2.5, e.Blur)
	// Filters come in the fixed order, whatever the JSON order.
	require.Equal(t, []Filter{{Grayscale, 0.5}, {Contrast, 1.5}, {HueRotate, 90}}, e.Filters)
	require.Equal(t, 90.0, e.Mask.Angle)
	require.Len(t, e.Mask.Stops, 2)
	require.Equal(t, BlendMode("multiply"), e.BlendMode())
	require.Equal(t, 6.0, e.BackdropBlur) // a whole turn is no rotation

	// No effect fields: no Effects at all (the compositor's fast paths).
	req, err = Decode([]byte(solidWith(`,"blend_mode":"normal","filters":{}`)), DefaultLimits())
	require.NoError(t, err)
	require.Nil(t, req.Layers[0].Effects)
	require.Equal(t, BlendNormal, req.Layers[0].Effects.BlendMode())

	// Image fits: cover by default, a focal point in percent.
	req, err = Decode([]byte(withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","focal_point":{"x_in_percent":10,"y_in_percent":90}}`)), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, FitCover, req.Layers[0].Image.Fit)
	require.Equal(t, &Point{X: 10, Y: 90}, req.Layers[0].Image.Focal)
	req, err = Decode([]byte(withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","fit":"contain"}`)), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, FitContain, req.Layers[0].Image.Fit)

	// Blur, filters and blend modes apply to every layer type.
	req, err = Decode([]byte(withLayer(`{"index":0,"type":"text",`+okBox+`,`+okText+`,"blur_in_px":1,"blend_mode":"screen"}`)), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, 1.0, req.Layers[0].Effects.Blur)
}

func TestDecodeEffectsRejects(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, path, msg string }{
		{"shadows not an array", solidWith(`,"shadows":{}`), "layers[0].shadows", "must be an array"},
		{"shadow not an object", solidWith(`,"shadows":[1]`), "layers[0].shadows[0]", "must be an object"},
		{"shadow without colour", solidWith(`,"shadows":[{"x_in_px":1}]`), "layers[0].shadows[0].hex_color", "is required"},
		{"shadow bad colour", solidWith(`,"shadows":[{"hex_color":"black"}]`), "layers[0].shadows[0].hex_color", "#RGB"},
		{"shadow negative blur", solidWith(`,"shadows":[{"blur_in_px":-1,"hex_color":"#000"}]`), "layers[0].shadows[0].blur_in_px", "between 0 and 1000"},
		{"shadow offset too far", solidWith(`,"shadows":[{"x_in_px":1001,"hex_color":"#000"}]`), "layers[0].shadows[0].x_in_px", "between -1000 and 1000"},
		{"shadow typo", solidWith(`,"shadows":[{"blur_in_pxx":1,"hex_color":"#000"}]`), "layers[0].shadows[0].blur_in_pxx", "did you mean blur_in_px?"},
		{"too many shadows", solidWith(`,"shadows":[` + strings.Repeat(`{"hex_color":"#000"},`, 8) + `{"hex_color":"#000"}]`), "layers[0].shadows", "at most 8"},
		{"shadow on text", withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + `,"shadows":[{"hex_color":"#000"}]}`), "layers[0].shadows", "solid-color, gradient, image and layout layers only"},
		{"border on a barcode", withLayer(`{"index":0,"type":"barcode","value":"1","format":"code128",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff","border":{"width_in_px":1,"hex_color":"#000"}}`), "layers[0].border", "layers only"},
		{"border zero width", solidWith(`,"border":{"width_in_px":0,"hex_color":"#000"}`), "layers[0].border.width_in_px", "greater than 0"},
		{"border without width", solidWith(`,"border":{"hex_color":"#000"}`), "layers[0].border.width_in_px", "is required"},
		{"border not an object", solidWith(`,"border":2`), "layers[0].border", "must be an object"},
		{"negative blur", solidWith(`,"blur_in_px":-3`), "layers[0].blur_in_px", "between 0 and 1000"},
		{"huge blur", solidWith(`,"blur_in_px":5000`), "layers[0].blur_in_px", "between 0 and 1000"},
		{"grayscale over 1", solidWith(`,"filters":{"grayscale":1.5}`), "layers[0].filters.grayscale", "between 0 and 1"},
		{"negative brightness", solidWith(`,"filters":{"brightness":-1}`), "layers[0].filters.brightness", "between 0 and 10"},
		{"unknown filter", solidWith(`,"filters":{"blur":3}`), "layers[0].filters.blur", "is not a known field of filters"},
		{"hue rotate spelled as CSS", solidWith(`,"filters":{"hue_rotate":30}`), "layers[0].filters.hue_rotate", "is not a known field"},
		{"filters not an object", solidWith(`,"filters":["grayscale"]`), "layers[0].filters", "must be an object"},
		{"unknown blend mode", solidWith(`,"blend_mode":"add"`), "layers[0].blend_mode", "must be one of normal, multiply"},
		{"blend mode not a string", solidWith(`,"blend_mode":1`), "layers[0].blend_mode", "must be a string"},
		{"mask with one stop", solidWith(`,"mask":{"colors":[{"hex_color":"#000","position":0}]}`), "layers[0].mask.colors", "at least two"},
		{"mask without colours", solidWith(`,"mask":{"angle_in_degrees":90}`), "layers[0].mask.colors", "is required"},
		{"unknown fit", withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","fit":"scale-down"}`), "layers[0].fit", "must be one of cover, contain, fill, none"},
		{"smart crop with contain", withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","fit":"contain","should_use_smart_cropping":true}`), "layers[0].should_use_smart_cropping", "fit \"cover\" only"},
		{"focal point with fill", withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","fit":"fill","focal_point":{"x_in_percent":1,"y_in_percent":2}}`), "layers[0].focal_point", "fit \"cover\" and \"none\" only"},
		{"focal point with smart crop", withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","should_use_smart_cropping":true,"focal_point":{"x_in_percent":1,"y_in_percent":2}}`), "layers[0].focal_point", "cannot be combined with should_use_smart_cropping"},
		{"focal point over 100", withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","focal_point":{"x_in_percent":101,"y_in_percent":2}}`), "layers[0].focal_point.x_in_percent", "between 0 and 100"},
		{"focal point without y", withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","focal_point":{"x_in_percent":1}}`), "layers[0].focal_point.y_in_percent", "is required"},
		{"negative backdrop blur", solidWith(`,"backdrop_blur_in_px":-1`), "layers[0].backdrop_blur_in_px", "between 0 and 1000"},
		{"backdrop blur rotated", solidWith(`,"backdrop_blur_in_px":4,"rotation_in_degrees":10`), "layers[0].backdrop_blur_in_px", "cannot be combined with rotation_in_degrees"},
		{"backdrop blur on text", withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + `,"backdrop_blur_in_px":4}`), "layers[0].backdrop_blur_in_px", "layers only"},
		{"mask radial", solidWith(`,"mask":{"gradient_type":"radial","colors":[]}`), "layers[0].mask.gradient_type", "is not a known field of a mask"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode([]byte(tc.body), DefaultLimits())
			require.Error(t, err)
			fe := failure.As(err)
			require.Equal(t, failure.Invalid, fe.Kind)
			var found bool
			for _, d := range fe.Details {
				if d.Path == tc.path && strings.Contains(d.Message, tc.msg) {
					found = true
				}
			}
			require.True(t, found, "want %s: …%s… in %+v", tc.path, tc.msg, fe.Details)
		})
	}
}
