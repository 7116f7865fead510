package template

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// card is a template with a named layer of every type, one nested in a
// layout and one in a layout's background.
const card = `{
  "dimensions": {"width": 400, "height": 200},
  "layers": [
    {"index": 0, "type": "solid-color", "name": "bg", "hex_color": "#FFFFFF"},
    {"index": 1, "type": "gradient", "name": "band", "gradient_type": "linear",
     "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#FFF", "position": 100}],
     "position": {"x": 0, "y": 0}, "dimensions": {"width": 400, "height": 20}},
    {"index": 2, "type": "text", "name": "title", "text": "Hello", "font_name": "Inter",
     "font_size_in_px": 30, "text_color": "#111111",
     "position": {"x": 10, "y": 30}, "dimensions": {"width": 380, "height": 40}},
    {"index": 3, "type": "image", "name": "avatar", "buffer": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPgPAAEDAQAIicLsAAAAAElFTkSuQmCC",
     "position": {"x": 10, "y": 80}, "dimensions": {"width": 50, "height": 50}},
    {"index": 4, "type": "qr-code", "name": "qr", "value": "https://example.com",
     "foreground_hex_color": "#000", "background_hex_color": "#FFF",
     "position": {"x": 300, "y": 80}, "dimensions": {"width": 90, "height": 90}},
    {"index": 5, "type": "barcode", "name": "sku", "value": "12345", "format": "code128",
     "foreground_hex_color": "#000", "background_hex_color": "#FFF",
     "position": {"x": 80, "y": 150}, "dimensions": {"width": 200, "height": 40}},
    {"index": 6, "type": "layout", "name": "row", "position": {"x": 80, "y": 80},
     "background_layers": [{"type": "solid-color", "name": "rowbg", "hex_color": "#EEEEEE"}],
     "layers": [
       {"type": "text", "name": "price", "text": "$10", "font_name": "Inter", "font_size_in_px": 20,
        "text_color": "#000", "dimensions": {"width": "auto", "height": "auto"}},
       {"type": "solid-color", "name": "badge", "hex_color": "#DC2626", "dimensions": {"width": 20, "height": 20}}
     ]}
  ]
}`

func mustParse(t *testing.T, body string) *Template {
	t.Helper()
	tpl, err := Parse([]byte(body), schema.DefaultLimits())
	require.NoError(t, err)
	return tpl
}

func mods(t *testing.T, js string) []Modification {
	t.Helper()
	v, err := decodeJSON([]byte(js))
	require.NoError(t, err)
	m, err := ParseModifications("modifications", v)
	require.NoError(t, err)
	return m
}

func TestVariablesOfEveryLayerType(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, card)
	type v struct {
		name, path string
		typ        schema.LayerType
	}
	var got []v
	for _, x := range tpl.Variables {
		got = append(got, v{x.Name, x.Path, x.Type})
		require.Equal(t, Fields(x.Type), x.Fields)
	}
	require.Equal(t, []v{
		{"bg", "layers[0]", schema.TypeSolidColor},
		{"band", "layers[1]", schema.TypeGradient},
		{"title", "layers[2]", schema.TypeText},
		{"avatar", "layers[3]", schema.TypeImage},
		{"qr", "layers[4]", schema.TypeQRCode},
		{"sku", "layers[5]", schema.TypeBarcode},
		{"row", "layers[6]", schema.TypeLayout},
		{"price", "layers[6].layers[0]", schema.TypeText},
		{"badge", "layers[6].layers[1]", schema.TypeSolidColor},
		{"rowbg", "layers[6].background_layers[0]", schema.TypeSolidColor},
	}, got)
	require.Contains(t, tpl.Variables[2].Fields, "text_color")
	require.Contains(t, tpl.Variables[3].Fields, "file")
	require.Contains(t, tpl.Variables[5].Fields, "format")
}

func TestApplyOverridesNamedLayers(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, card)
	req, body, err := tpl.Apply(mods(t, `[
	  {"name": "title", "text": "Bonjour", "text_color": "#DC2626", "max_lines": 1, "lang": "fr", "text_transform": "uppercase"},
	  {"name": "avatar", "file": {"type": "url", "url": "https://example.com/a.png"}},
	  {"name": "badge", "hex_color": "#00FF00"},
	  {"name": "rowbg", "hex_color": "#000000"},
	  {"name": "qr", "value": "other"},
	  {"name": "sku", "hide": true}
	]`), map[string]any{"output_format": "webp"}, schema.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, schema.WebP, req.OutputFormat)
	require.Equal(t, "Bonjour", req.Layers[2].Text.Text)
	require.Equal(t, uint8(0xDC), req.Layers[2].Text.Color.R)
	require.Equal(t, 1, req.Layers[2].Text.MaxLines)
	require.Equal(t, "fr", req.Layers[2].Text.Lang)
	require.Equal(t, schema.TransformUppercase, req.Layers[2].Text.Transform)
	require.Equal(t, "https://example.com/a.png", req.Layers[3].Image.File.URL)
	require.Equal(t, "other", req.Layers[4].QRCode.Value)
	require.Len(t, req.Layers, 6, "sku hidden")
	require.Equal(t, uint8(0xFF), req.Layers[5].Layout.Children[1].Solid.Color.G)
	require.Equal(t, uint8(0), req.Layers[5].Layout.BackgroundLayers[0].Solid.Color.R)
	require.NotContains(t, string(body), `"buffer"`, "file replaces the buffer shorthand")

	// The template itself is untouched by a render.
	again, _, err := tpl.Apply(nil, nil, schema.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, "Hello", again.Layers[2].Text.Text)
	require.Len(t, again.Layers, 7)
}

func TestApplyReportsWhereTheClientWrote(t *testing.T) {
	t.Parallel()
	tpl := mustParse(t, card)
	cases := []struct {
		name, mods string
		top        map[string]any
		message    string
		details    []failure.Detail
	}{
		{
			name:    "bad colour",
			mods:    `[{"name":"title","text":"x"},{"name":"title","text_color":"red"}]`,
			message: `modifications[1].text_color must be a hex colour: #RGB, #RRGGBB or #RRGGBBAA (got "red").`,
			details: []failure.Detail{{Path: "modifications[1].text_color", Message: `must be a hex colour: #RGB, #RRGGBB or #RRGGBBAA (got "red")`}},
		},
		{
			name:    "unknown name suggests the nearest",
			mods:    `[{"name":"titel","text":"x"}]`,
			message: `modifications[0].name "titel" is not the name of a layer of this template; did you mean title?`,
			details: []failure.Detail{{Path: "modifications[0].name", Message: `"titel" is not the name of a layer of this template; did you mean title?`}},
		},
		{
			name:    "field not overridable on the type, with a suggestion",
			mods:    `[{"name":"bg","hex_colour":"#000"}]`,
			message: `modifications[0].hex_colour cannot be set on a solid-color layer; did you mean hex_color?`,
			details: []failure.Detail{{Path: "modifications[0].hex_colour", Message: "cannot be set on a solid-color layer; did you mean hex_color?"}},
		},
		{
			name:    "field of another type lists the right ones",
			mods:    `[{"name":"qr","text":"x"}]`,
			message: `modifications[0].text cannot be set on a qr-code layer (it takes hide, opacity, position, dimensions, rotation_in_degrees, value, foreground_hex_color, background_hex_color).`,
			details: []failure.Detail{{Path: "modifications[0].text", Message: "cannot be set on a qr-code layer (it takes hide, opacity, position, dimensions, rotation_in_degrees, value, foreground_hex_color, background_hex_color)"}},
		},
		{
			name:    "nested object inside a modification",
			mods:    `[{"name":"avatar","file":{"type":"url","url":"ftp://x/y.png"}}]`,
			message: `modifications[0].file.url must use http or https (got "ftp").`,
			details: []failure.Detail{{Path: "modifications[0].file.url", Message: `must use http or https (got "ftp")`}},
		},
		{
			name:    "nested layout child after a hidden layer",
			mods:    `[{"name":"sku","hide":true},{"name":"price","font_size_in_px":-1}]`,
			message: `modifications[1].font_size_in_px must be greater than 0`,
		},
		{
			name:    "a field set twice",
			mods:    `[{"name":"title","text":"a"},{"name":"title","text":"b"}]`,
			message: `modifications[1].text is set again for "title" (modifications[0].text set it already); set each field once.`,
			details: []failure.Detail{{Path: "modifications[1].text", Message: `is set again for "title" (modifications[0].text set it already); set each field once`}},
		},
		{
			name:    "hide must be a boolean",
			mods:    `[{"name":"title","hide":"yes"}]`,
			message: `modifications[0].hide must be true or false.`,
			details: []failure.Detail{{Path: "modifications[0].hide", Message: "must be true or false"}},
		},
		{
			name:    "barcode value checked against the template's format",
			mods:    `[{"name":"sku","format":"ean8","value":"12"}]`,
			message: `modifications[0].value ean8`,
		},
		{
			name:    "top-level field keeps its path",
			top:     map[string]any{"output_format": "bmp"},
			message: `output_format must be`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var m []Modification
			if tc.mods != "" {
				m = mods(t, tc.mods)
			}
			_, _, err := tpl.Apply(m, tc.top, schema.DefaultLimits())
			require.Error(t, err)
			fe := failure.As(err)
			require.Equal(t, failure.Invalid, fe.Kind)
			if tc.details != nil {
				require.Equal(t, tc.details, fe.Details)
			}
			if tc.details != nil {
				require.Equal(t, tc.message, fe.Message)
			} else {
				// The sentence is schema's: only where it points is ours.
				require.True(t, strings.HasPrefix(fe.Message, tc.message), "%s", fe.Message)
			}
		})
	}
}

func TestParseModificationsRejects(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, path string }{
		{"not an array", `{"name":"a"}`, "modifications"},
		{"not an object", `[3]`, "modifications[0]"},
		{"no name", `[{"text":"a"}]`, "modifications[0].name"},
		{"name not a string", `[{"name":1,"text":"a"}]`, "modifications[0].name"},
		{"nothing set", `[{"name":"a"}]`, "modifications[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := decodeJSON([]byte(tc.body))
			require.NoError(t, err)
			_, err = ParseModifications("modifications", v)
			require.Error(t, err)
			require.Equal(t, tc.path, failure.As(err).Details[0].Path)
		})
	}
	many := make([]any, MaxModifications+1)
	_, err := ParseModifications("modifications", many)
	require.ErrorContains(t, err, "at most 200")
}

func TestParseRefusesAWebhookURL(t *testing.T) {
	t.Parallel()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(card), &m))
	m["webhook_url"] = "https://example.com/hook"
	b, _ := json.Marshal(m)
	_, err := Parse(b, schema.DefaultLimits())
	require.Equal(t, "webhook_url", failure.As(err).Details[0].Path)
}

// FuzzApply feeds arbitrary modification JSON to the parser and to Apply
// on a template with every layer type: nothing may panic, and every error
// is a client error with a path.
func FuzzApply(f *testing.F) {
	f.Add(`[{"name":"title","text":"x"}]`)
	f.Add(`[{"name":"sku","hide":true},{"name":"price","dimensions":{"width":"auto","height":1}}]`)
	f.Add(`[{"name":"avatar","buffer":"aGk="},{"name":"row","gap":1e400}]`)
	f.Add(`[{"name":"band","colors":[{"hex_color":"#000","position":100},{"hex_color":"#fff","position":0}]}]`)
	tpl, err := Parse([]byte(card), schema.DefaultLimits())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, js string) {
		v, err := decodeJSON([]byte(js))
		if err != nil {
			return
		}
		m, err := ParseModifications("modifications", v)
		if err != nil {
			require.NotEmpty(t, failure.As(err).Details)
			return
		}
		_, _, err = tpl.Apply(m, nil, schema.DefaultLimits())
		if err != nil {
			k := failure.KindOf(err)
			require.True(t, k == failure.Invalid || k == failure.TooLarge, "%v", err)
		}
	})
}
