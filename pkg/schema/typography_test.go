package schema

import (
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
)

// textWith is a request of one text layer with more fields.
func textWith(fields string) string {
	return withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + fields + `}`)
}

func TestDecodeTypography(t *testing.T) {
	t.Parallel()
	req, err := Decode([]byte(textWith(`,"line_height":1.4,"letter_spacing_in_px":-0.5,"max_lines":3,"text_overflow":"CLIP",`+
		`"text_transform":"uppercase","text_decoration":"underline line-through","text_stroke":{"width_in_px":2,"hex_color":"#F00"},`+
		`"text_shadows":[{"x_in_px":1,"y_in_px":2,"blur_in_px":4,"hex_color":"#00000080"},{"hex_color":"#fff"}],`+
		`"font_features":{"tnum":1,"liga":0,"ss01":2},"font_variations":{"wght":650,"wdth":75.5},"lang":"sr-cyrl"`)), DefaultLimits())
	require.NoError(t, err)
	ty := req.Layers[0].Text.Typography
	require.Equal(t, Typography{
		LineHeight: 1.4, LetterSpacing: -0.5, MaxLines: 3, Overflow: OverflowClip, Transform: TransformUppercase,
		Underline: true, LineThrough: true,
		Stroke:     &TextStroke{Width: 2, Color: color.NRGBA{255, 0, 0, 255}},
		Shadows:    []TextShadow{{X: 1, Y: 2, Blur: 4, Color: color.NRGBA{0, 0, 0, 0x80}}, {Color: color.NRGBA{255, 255, 255, 255}}},
		Features:   []FontSetting{{"liga", 0}, {"ss01", 2}, {"tnum", 1}}, // sorted by tag
		Variations: []FontSetting{{"wdth", 75.5}, {"wght", 650}},
		Lang:       "sr-Cyrl", // canonical case
	}, ty)

	// None of them: the zero value (and the ellipsis is the default).
	req, err = Decode([]byte(textWith(``)), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, Typography{Overflow: OverflowEllipsis, Transform: TransformNone}, req.Layers[0].Text.Typography)

	req, err = Decode([]byte(withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","fit":"none","focal_point":{"x_in_percent":0,"y_in_percent":100}}`)), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, FitNone, req.Layers[0].Image.Fit)
}

func TestDecodeTypographyRejects(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, path, msg string }{
		{"line height zero", textWith(`,"line_height":0`), "layers[0].line_height", "greater than 0 and at most 10"},
		{"line height huge", textWith(`,"line_height":11`), "layers[0].line_height", "greater than 0 and at most 10"},
		{"line height in px", textWith(`,"line_height":"24px"`), "layers[0].line_height", "must be a number"},
		{"letter spacing too wide", textWith(`,"letter_spacing_in_px":1001`), "layers[0].letter_spacing_in_px", "between -1000 and 1000"},
		{"max lines zero", textWith(`,"max_lines":0`), "layers[0].max_lines", "between 1 and 10000"},
		{"max lines fractional", textWith(`,"max_lines":1.5`), "layers[0].max_lines", "whole number"},
		{"overflow without max lines", textWith(`,"text_overflow":"clip"`), "layers[0].text_overflow", "applies only with max_lines"},
		{"unknown overflow", textWith(`,"max_lines":2,"text_overflow":"fade"`), "layers[0].text_overflow", "must be one of ellipsis, clip"},
		{"unknown transform", textWith(`,"text_transform":"small-caps"`), "layers[0].text_transform", "must be one of none, uppercase"},
		{"unknown decoration", textWith(`,"text_decoration":"overline"`), "layers[0].text_decoration", "must be one of none, underline"},
		{"stroke without width", textWith(`,"text_stroke":{"hex_color":"#000"}`), "layers[0].text_stroke.width_in_px", "is required"},
		{"stroke zero width", textWith(`,"text_stroke":{"width_in_px":0,"hex_color":"#000"}`), "layers[0].text_stroke.width_in_px", "greater than 0"},
		{"stroke without colour", textWith(`,"text_stroke":{"width_in_px":1}`), "layers[0].text_stroke.hex_color", "is required"},
		{"stroke typo", textWith(`,"text_stroke":{"width":1,"hex_color":"#000"}`), "layers[0].text_stroke.width", "is not a known field of a text stroke"},
		{"stroke not an object", textWith(`,"text_stroke":2`), "layers[0].text_stroke", "must be an object"},
		{"shadows not an array", textWith(`,"text_shadows":{}`), "layers[0].text_shadows", "must be an array"},
		{"shadow without colour", textWith(`,"text_shadows":[{"x_in_px":1}]`), "layers[0].text_shadows[0].hex_color", "is required"},
		{"shadow negative blur", textWith(`,"text_shadows":[{"blur_in_px":-1,"hex_color":"#000"}]`), "layers[0].text_shadows[0].blur_in_px", "between 0 and 1000"},
		{"shadow with spread", textWith(`,"text_shadows":[{"spread_in_px":1,"hex_color":"#000"}]`), "layers[0].text_shadows[0].spread_in_px", "is not a known field of a text shadow"},
		{"too many shadows", textWith(`,"text_shadows":[` + strings.Repeat(`{"hex_color":"#000"},`, 8) + `{"hex_color":"#000"}]`), "layers[0].text_shadows", "at most 8"},
		{"features not an object", textWith(`,"font_features":["tnum"]`), "layers[0].font_features", "must be an object of four-letter OpenType tags"},
		{"feature tag too long", textWith(`,"font_features":{"tabular":1}`), "layers[0].font_features.tabular", "is not an OpenType tag"},
		{"feature tag with punctuation", textWith(`,"font_features":{"tn.m":1}`), `layers[0].font_features["tn.m"]`, "is not an OpenType tag"},
		{"feature value negative", textWith(`,"font_features":{"tnum":-1}`), "layers[0].font_features.tnum", "between 0 and 65535"},
		{"feature value fractional", textWith(`,"font_features":{"tnum":0.5}`), "layers[0].font_features.tnum", "whole number"},
		{"feature value bool", textWith(`,"font_features":{"tnum":true}`), "layers[0].font_features.tnum", "must be a number"},
		{"too many features", textWith(`,"font_features":{` + manyTags(33) + `}`), "layers[0].font_features", "at most 32"},
		{"variation tag short", textWith(`,"font_variations":{"wg":1}`), "layers[0].font_variations.wg", "is not an OpenType tag"},
		{"variation out of range", textWith(`,"font_variations":{"wght":1e6}`), "layers[0].font_variations.wght", "between -100000 and 100000"},
		{"lang not BCP 47", textWith(`,"lang":"english please"`), "layers[0].lang", "BCP 47"},
		{"lang too long", textWith(`,"lang":"` + strings.Repeat("a", 36) + `"`), "layers[0].lang", "at most 35"},
		{"lang not a string", textWith(`,"lang":1`), "layers[0].lang", "must be a string"},
		{"fit none with smart crop", withLayer(`{"index":0,"type":"image","buffer":"iVBORw0KGgo=","fit":"none","should_use_smart_cropping":true}`), "layers[0].should_use_smart_cropping", "fit \"cover\" only"},
		{"typography on a solid", solidWith(`,"line_height":1.2`), "layers[0].line_height", "is not a known field of a solid-color layer"},
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

// manyTags is n distinct feature settings ("a000":1, …).
func manyTags(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"a` + string(rune('a'+i/26)) + string(rune('a'+i%26)) + `a":1`)
	}
	return b.String()
}
