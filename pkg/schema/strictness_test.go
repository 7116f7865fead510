package schema

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
)

// TestStrictnessDecisions is the table of docs/API.md's "Strictness"
// section: where a client of the reference API could send something
// Strata might refuse, each case is accepted (and what it means) or
// refused with a sentence that says the fix.
func TestStrictnessDecisions(t *testing.T) {
	t.Parallel()
	const text = `{"index":0,"type":"text","font_name":"Inter","font_size_in_px":20,"text_color":"#000000",` + okBox
	barcode := func(format, value string) string {
		return withLayer(`{"index":0,"type":"barcode","format":"` + format + `","value":"` + value + `",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`)
	}
	for _, c := range []struct {
		name  string
		body  string
		check func(t *testing.T, r *Request)
		// refused: the path and a fragment of its message.
		path, fragment string
	}{
		{name: "jpg is jpeg", body: `{"dimensions":{"width":1,"height":1},"layers":[` + okSolid + `],"output_format":"jpg"}`,
			check: func(t *testing.T, r *Request) { require.Equal(t, JPEG, r.OutputFormat) }},
		{name: "JPG is jpeg", body: `{"dimensions":{"width":1,"height":1},"layers":[` + okSolid + `],"output_format":"JPG"}`,
			check: func(t *testing.T, r *Request) { require.Equal(t, JPEG, r.OutputFormat) }},
		{name: "enum in another case", body: withLayer(text + `,"text":"x","font_style":"Italic","font_weight":"Bold","text_align":"Center"}`),
			check: func(t *testing.T, r *Request) { require.True(t, r.Layers[0].Text.Italic) }},
		{name: "empty text (the Go SDK's zero value) renders nothing, with a warning", body: withLayer(text + `,"text":""}`),
			check: func(t *testing.T, r *Request) { require.Equal(t, "", r.Layers[0].Text.Text) }},
		{name: "ean13 with a wrong check digit is drawn as given, with a warning", body: barcode("ean13", "9781234567890"),
			check: func(t *testing.T, r *Request) { require.Equal(t, "9781234567890", r.Layers[0].Barcode.Value) }},
		{name: "ean8 with a wrong check digit likewise", body: barcode("ean8", "96385070"),
			check: func(t *testing.T, r *Request) { require.Equal(t, "96385070", r.Layers[0].Barcode.Value) }},
		{name: "fractional opacity", body: withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","opacity":50.5}`),
			check: func(t *testing.T, r *Request) { require.Equal(t, 50.5, r.Layers[0].Opacity) }},
		{name: "hex colour without # is refused with the fix", body: withLayer(`{"index":0,"type":"solid-color","hex_color":"FF5500"}`),
			path: "layers[0].hex_color", fragment: `did you mean "#FF5500"?`},
		{name: "code39 in lower case is refused with the fix", body: barcode("code39", "abc-12"),
			path: "layers[0].value", fragment: `did you mean "ABC-12"?`},
		{name: "negative position is refused (the reference: >= 0)", body: withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":-1,"y":0},"dimensions":{"width":1,"height":1}}`),
			path: "layers[0].position.x", fragment: "between 0 and"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := Decode([]byte(c.body), DefaultLimits())
			if c.check != nil {
				require.NoError(t, err)
				c.check(t, r)
				return
			}
			require.Error(t, err)
			fe := failure.As(err)
			require.Equal(t, failure.Invalid, fe.Kind)
			require.Equal(t, c.path, fe.Details[0].Path)
			require.Contains(t, fe.Details[0].Message, c.fragment)
			require.Contains(t, fe.Message, c.fragment, "the hint reaches the error sentence the SDKs show")
		})
	}
}
