package schema

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Enum values match in any letter case, as the reference's own examples
// send them ("Italic", "PNG"), and decode to the same request as the
// lower-case spelling.
func TestEnumValuesMatchInAnyCase(t *testing.T) {
	t.Parallel()
	const lower = `{
  "dimensions": {"width": 400, "height": 300},
  "layers": [
    {"index": 0, "type": "gradient", "gradient_type": "radial",
     "colors": [{"hex_color": "#000000", "position": 0}, {"hex_color": "#FFFFFF", "position": 100}],
     "position": {"x": 0, "y": 0}, "dimensions": {"width": 400, "height": 300}},
    {"index": 1, "type": "text", "text": "Hi", "font_name": "Roboto", "font_size_in_px": 20,
     "font_style": "italic", "font_weight": "bold", "text_align": "center", "vertical_align": "bottom",
     "text_color": "#000000", "position": {"x": 0, "y": 0}, "dimensions": {"width": 400, "height": 100}},
    {"index": 2, "type": "barcode", "value": "12345678", "format": "code128",
     "foreground_hex_color": "#000000", "background_hex_color": "#FFFFFF",
     "position": {"x": 0, "y": 150}, "dimensions": {"width": 400, "height": 100}}
  ],
  "output_format": "jpeg"
}`
	want, err := Decode([]byte(lower), DefaultLimits())
	require.NoError(t, err)
	for _, c := range []struct{ from, to string }{
		{`"italic"`, `"Italic"`},
		{`"bold"`, `"BOLD"`},
		{`"center"`, `"Center"`},
		{`"bottom"`, `"BOTTOM"`},
		{`"radial"`, `"Radial"`},
		{`"code128"`, `"CODE128"`},
		{`"jpeg"`, `"JPEG"`},
		{`"type": "text"`, `"type": "Text"`},
	} {
		t.Run(c.to, func(t *testing.T) {
			body := strings.Replace(lower, c.from, c.to, 1)
			require.NotEqual(t, lower, body, "the case must change something")
			got, err := Decode([]byte(body), DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
	// A value that is not in the list in any case is still refused.
	_, err = Decode([]byte(strings.Replace(lower, `"italic"`, `"Oblique"`, 1)), DefaultLimits())
	require.Error(t, err)
	require.Contains(t, err.Error(), "font_style")
}
