package schema

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
)

const specExampleShort = `{
  "dimensions": {"width": 800, "height": 600},
  "layers": [
    {"index": 0, "type": "solid-color", "hex_color": "#FFFFFF"},
    {"index": 1, "type": "text", "text": "Hello World", "font_name": "Roboto",
     "font_size_in_px": 48, "text_color": "#000000",
     "position": {"x": 50.0, "y": 50.0}, "dimensions": {"width": 700, "height": 100}}
  ],
  "output_format": "png"
}`

const specExampleLong = `{
  "dimensions": {"width_in_px": 800, "height_in_px": 600},
  "layers": [
    {"index": 0, "type": "solid-color", "hex_color": "#FFFFFF"},
    {"index": 1, "type": "text", "text": "Hello World", "font_name": "Roboto",
     "font_size_in_px": 48, "text_color": "#000000",
     "position": {"x_in_px": 50.0, "y_in_px": 50.0}, "dimensions": {"width_in_px": 700, "height_in_px": 100}}
  ],
  "output_format": "png"
}`

func TestDecodeBothSpellingsAgree(t *testing.T) {
	t.Parallel()
	short, err := Decode([]byte(specExampleShort), DefaultLimits())
	require.NoError(t, err)
	long, err := Decode([]byte(specExampleLong), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, short, long)
	require.Equal(t, 800, short.Width)
	require.Equal(t, 600, short.Height)
	require.Len(t, short.Layers, 2)
	require.Equal(t, color.NRGBA{255, 255, 255, 255}, short.Layers[0].Solid.Color)
	require.Nil(t, short.Layers[0].Size)
	txt := short.Layers[1]
	require.Equal(t, &Point{50, 50}, txt.Position)
	require.Equal(t, &Size{Width: 700, Height: 100}, txt.Size)
	require.Equal(t, "Roboto", txt.Text.FontName)
	require.Equal(t, Regular, txt.Text.Weight)
	require.True(t, txt.Text.SplitLines)
	require.Equal(t, AlignLeft, txt.Text.Align)
	require.Equal(t, AlignTop, txt.Text.VerticalAlign)
	require.Equal(t, 100.0, txt.Opacity)
}

// The reference's Go SDK sends zero-valued position and dimensions structs
// for optional boxes, and an empty fetch_options on every file.
func TestDecodeGoSDKZeroStructs(t *testing.T) {
	t.Parallel()
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG fake bytes"))
	body := fmt.Sprintf(`{"dimensions":{"width_in_px":100,"height_in_px":50},"layers":[
	 {"index":0,"type":"solid-color","hex_color":"#abc","position":{"x_in_px":0,"y_in_px":0},"dimensions":{"width_in_px":0,"height_in_px":0}},
	 {"index":1,"type":"image","file":{"type":"base64","name":"a.png","base64":%q,"url":"","fetch_options":{}},
	  "position":{"x_in_px":0,"y_in_px":0},"dimensions":{"width_in_px":0,"height_in_px":0}},
	 {"index":2,"type":"layout","layers":[{"type":"text","text":"a","font_name":"Inter","font_size_in_px":12,"text_color":"#000","dimensions":{"width_in_px":"auto","height_in_px":"auto"}}],
	  "dimensions":{"width_in_px":0,"height_in_px":0}}
	],"fonts":[{"name":"X","weight":"bold","style":"italic","file":{"type":"base64","base64":%q,"fetch_options":{}}}]}`, png, png)
	req, err := Decode([]byte(body), DefaultLimits())
	require.NoError(t, err)
	require.Nil(t, req.Layers[0].Size)
	require.Equal(t, color.NRGBA{0xaa, 0xbb, 0xcc, 0xff}, req.Layers[0].Solid.Color)
	require.Nil(t, req.Layers[1].Size)
	require.Equal(t, []byte("\x89PNG fake bytes"), req.Layers[1].Image.File.Data)
	require.Nil(t, req.Layers[2].Size)
	child := req.Layers[2].Layout.Children[0]
	require.True(t, child.Size.AutoWidth)
	require.True(t, child.Size.AutoHeight)
	require.False(t, child.HasIndex)
	require.Equal(t, Bold, req.Fonts[0].Weight)
	require.True(t, req.Fonts[0].Italic)
	require.Equal(t, []byte("\x89PNG fake bytes"), req.Fonts[0].File.Data)
}

func TestDecodeBufferShorthand(t *testing.T) {
	t.Parallel()
	body := `{"dimensions":{"width":10,"height":10},"layers":[{"index":0,"type":"image","buffer":"aGVsbG8="}],
	 "fonts":[{"name":"F","weight":"regular","style":"normal","buffer":"aGVsbG8"}]}`
	req, err := Decode([]byte(body), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, SourceBase64, req.Layers[0].Image.File.Type)
	require.Equal(t, []byte("hello"), req.Layers[0].Image.File.Data)
	require.Equal(t, []byte("hello"), req.Fonts[0].File.Data)
}

func TestDecodeFullContract(t *testing.T) {
	t.Parallel()
	body := `{"dimensions":{"width":1200,"height":630},"output_format":"avif","webhook_url":"https://example.com/hook",
	 "layers":[
	  {"index":3,"type":"gradient","gradient_type":"linear","angle_in_degrees":45,"colors":[{"hex_color":"#FF000080","position":0},{"hex_color":"#00f","position":100}],
	   "position":{"x":1,"y":2},"dimensions":{"width":3,"height":4},"border_top_left_radius":5,"rotation_in_degrees":-30,"opacity":80},
	  {"index":1,"type":"solid-color","hex_color":"#000","angled_edges":[{"edge":"right","angle_in_degrees":15},{"edge":"top","angle_in_degrees":-45}],"border_radius":7},
	  {"index":2,"type":"qr-code","value":"https://x.y","position":{"x":0,"y":0},"dimensions":{"width":100,"height":100},"foreground_hex_color":"#000","background_hex_color":"#fff","error_correction":"H"},
	  {"index":4,"type":"barcode","value":"590123412345","format":"ean13","position":{"x":0,"y":0},"dimensions":{"width":300,"height":100},"foreground_hex_color":"#000","background_hex_color":"#fff"},
	  {"index":5,"type":"image","file":{"type":"url","name":"p.jpg","url":"https://example.com/p.jpg","fetch_options":{"headers":{"X-Key":"v"},"timeout_ms":5000,"auth":{"type":"basic","username":"u","password":"p"}}},
	   "should_use_smart_cropping":true,"should_remove_background":true},
	  {"index":6,"type":"layout","direction":"vertical","gap":8,"horizontal_alignment":"center","vertical_alignment":"end","padding_top":1,"padding_left":2,
	   "background_layers":[{"type":"gradient","gradient_type":"radial","colors":[{"hex_color":"#000","position":0},{"hex_color":"#fff","position":100}]}],
	   "layers":[{"type":"text","text":"**hi**","font_name":"Inter","font_size_in_px":14,"text_color":"#000","font_weight":"semibold","font_style":"italic",
	     "text_align":"right","vertical_align":"bottom","is_splitting_lines":false,"paragraph_spacing_in_px":4,"should_auto_scale":true,"dimensions":{"width":"auto","height":20}}]}
	 ]}`
	req, err := Decode([]byte(body), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, AVIF, req.OutputFormat)
	require.Equal(t, "https://example.com/hook", req.WebhookURL)
	g := req.Layers[0]
	require.Equal(t, Linear, g.Gradient.Kind)
	require.Equal(t, 45.0, g.Gradient.Angle)
	require.Equal(t, color.NRGBA{255, 0, 0, 0x80}, g.Gradient.Stops[0].Color)
	require.Equal(t, Corners{TopLeft: 5}, g.Radii)
	require.Equal(t, -30.0, g.Rotation)
	require.Equal(t, 80.0, g.Opacity)
	s := req.Layers[1]
	require.Equal(t, []AngledEdge{{EdgeRight, 15}, {EdgeTop, -45}}, s.Solid.AngledEdges)
	require.Equal(t, Corners{7, 7, 7, 7}, s.Radii)
	require.Equal(t, "H", req.Layers[2].QRCode.ErrorCorrection)
	require.Equal(t, EAN13, req.Layers[3].Barcode.Format)
	img := req.Layers[4].Image
	require.Equal(t, SourceURL, img.File.Type)
	require.Equal(t, "v", img.File.Fetch.Headers["X-Key"])
	require.Equal(t, "basic", img.File.Fetch.Auth.Type)
	require.True(t, img.SmartCrop)
	require.True(t, img.RemoveBackground)
	lo := req.Layers[5].Layout
	require.True(t, lo.Vertical)
	require.Equal(t, Insets{Top: 1, Left: 2}, lo.Padding)
	require.Equal(t, AlignCenter, lo.HorizontalAlign)
	require.Equal(t, AlignEnd, lo.VerticalAlign)
	require.Len(t, lo.BackgroundLayers, 1)
	require.Nil(t, lo.BackgroundLayers[0].Size)
	txt := lo.Children[0].Text
	require.Equal(t, SemiBold, txt.Weight)
	require.True(t, txt.Italic)
	require.False(t, txt.SplitLines)
	require.True(t, txt.AutoScale)
	require.Equal(t, AlignRight, txt.Align)
}

// valid is a minimal valid request whose first layer the cases replace.
func withLayer(layer string) string {
	return `{"dimensions":{"width":100,"height":100},"layers":[` + layer + `]}`
}

const okText = `"text":"a","font_name":"Inter","font_size_in_px":12,"text_color":"#000"`
const okBox = `"position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}`

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, path, msg string
		kind                  failure.Kind
	}{
		{"malformed JSON", `{"dimensions":`, "", "not valid JSON", failure.Invalid},
		{"trailing data", `{} {}`, "", "exactly one JSON object", failure.Invalid},
		{"invalid UTF-8", withLayer(`{"index":0,"type":"text",` + okBox + `,"text":"caf` + "\xe9" + `","font_name":"Inter","font_size_in_px":12,"text_color":"#000"}`), "", "not valid UTF-8 (at byte", failure.Invalid},
		{"not an object", `[1,2]`, "", "must be a JSON object", failure.Invalid},
		{"missing dimensions", `{"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`, "dimensions", "is required", failure.Invalid},
		{"missing layers", `{"dimensions":{"width":1,"height":1}}`, "layers", "is required", failure.Invalid},
		{"empty layers", `{"dimensions":{"width":1,"height":1},"layers":[]}`, "layers", "at least one", failure.Invalid},
		{"zero canvas width", `{"dimensions":{"width":0,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`, "dimensions.width", "between 1 and 8192", failure.Invalid},
		{"fractional canvas", `{"dimensions":{"width":10.5,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`, "dimensions.width", "whole number", failure.Invalid},
		{"canvas too big", `{"dimensions":{"width":8192,"height":8192},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`, "dimensions", "megapixels", failure.Invalid},
		{"both spellings", `{"dimensions":{"width":10,"width_in_px":10,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`, "dimensions.width_in_px", "not both", failure.Invalid},
		{"both spellings in position", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":1,"x_in_px":1,"y":0}}`), "layers[0].position.x_in_px", "not both", failure.Invalid},
		{"unknown top-level field", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"colour":1}`, "colour", "is not a known field", failure.Invalid},
		{"typo in layer field", withLayer(`{"index":0,"type":"text",` + okBox + `,"text":"a","font_name":"Inter","font_sise_in_px":12,"font_size_in_px":12,"text_color":"#000"}`), "layers[0].font_sise_in_px", "is not a known field of a text layer", failure.Invalid},
		{"bad hex colour", withLayer(`{"index":0,"type":"solid-color","hex_color":"red"}`), "layers[0].hex_color", "#RGB, #RRGGBB or #RRGGBBAA", failure.Invalid},
		{"hex colour wrong length", withLayer(`{"index":0,"type":"solid-color","hex_color":"#12345"}`), "layers[0].hex_color", "hex colour", failure.Invalid},
		{"hex colour not hex", withLayer(`{"index":0,"type":"solid-color","hex_color":"#GGGGGG"}`), "layers[0].hex_color", "hex colour", failure.Invalid},
		{"unknown layer type", withLayer(`{"index":0,"type":"circle"}`), "layers[0].type", "must be one of", failure.Invalid},
		{"missing type", withLayer(`{"index":0}`), "layers[0].type", "is required", failure.Invalid},
		{"negative index", withLayer(`{"index":-1,"type":"solid-color","hex_color":"#fff"}`), "layers[0].index", "between 0", failure.Invalid},
		{"missing index", withLayer(`{"type":"solid-color","hex_color":"#fff"}`), "layers[0].index", "is required", failure.Invalid},
		{"opacity 101", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","opacity":101}`), "layers[0].opacity", "between 0 and 100", failure.Invalid},
		{"opacity string", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","opacity":"50"}`), "layers[0].opacity", "must be a number", failure.Invalid},
		{"border_radius with corner", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","border_radius":4,"border_top_left_radius":2}`), "layers[0].border_top_left_radius", "cannot be combined", failure.Invalid},
		{"negative radius", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","border_radius":-4}`), "layers[0].border_radius", "between 0", failure.Invalid},
		{"radius on text", withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + `,"border_radius":4}`), "layers[0].border_radius", "is not a known field of a text layer", failure.Invalid},
		{"angled edge too steep", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","angled_edges":[{"edge":"left","angle_in_degrees":46}]}`), "layers[0].angled_edges[0].angle_in_degrees", "between -45 and 45", failure.Invalid},
		{"angled edge unknown side", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","angled_edges":[{"edge":"middle","angle_in_degrees":4}]}`), "layers[0].angled_edges[0].edge", "must be one of", failure.Invalid},
		{"angled edge twice", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","angled_edges":[{"edge":"left","angle_in_degrees":4},{"edge":"left","angle_in_degrees":5}]}`), "layers[0].angled_edges[1].edge", "twice", failure.Invalid},
		{"padding with padding_top", withLayer(`{"index":0,"type":"layout","layers":[],"padding":4,"padding_top":2}`), "layers[0].padding_top", "cannot be combined", failure.Invalid},
		{"http webhook", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"webhook_url":"http://example.com/h"}`, "webhook_url", "https", failure.Invalid},
		{"relative webhook", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"webhook_url":"/hook"}`, "webhook_url", "absolute https URL", failure.Invalid},
		{"unknown barcode format", withLayer(`{"index":0,"type":"barcode","value":"1","format":"qr",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].format", "must be one of", failure.Invalid},
		{"ean8 length", withLayer(`{"index":0,"type":"barcode","value":"123","format":"ean8",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].value", "7 or 8 digits", failure.Invalid},
		{"itf odd", withLayer(`{"index":0,"type":"barcode","value":"123","format":"itf",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].value", "even number", failure.Invalid},
		{"codabar stops", withLayer(`{"index":0,"type":"barcode","value":"123","format":"codabar",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].value", "start and a stop character from A, B, C or D", failure.Invalid},
		{"code39 lower case", withLayer(`{"index":0,"type":"barcode","value":"abc","format":"code39",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].value", "upper-case", failure.Invalid},
		{"code128 non-ascii", withLayer(`{"index":0,"type":"barcode","value":"é","format":"code128",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].value", "printable ASCII", failure.Invalid},
		{"gradient one stop", withLayer(`{"index":0,"type":"gradient","gradient_type":"linear",` + okBox + `,"colors":[{"hex_color":"#000","position":0}]}`), "layers[0].colors", "at least two", failure.Invalid},
		{"gradient stops descending", withLayer(`{"index":0,"type":"gradient","gradient_type":"linear",` + okBox + `,"colors":[{"hex_color":"#000","position":50},{"hex_color":"#fff","position":10}]}`), "layers[0].colors[1].position", "ascending", failure.Invalid},
		{"gradient without box", withLayer(`{"index":0,"type":"gradient","gradient_type":"linear","colors":[{"hex_color":"#000","position":0},{"hex_color":"#fff","position":100}]}`), "layers[0].position", "is required", failure.Invalid},
		{"radial with angle", withLayer(`{"index":0,"type":"gradient","gradient_type":"radial","angle_in_degrees":4,` + okBox + `,"colors":[{"hex_color":"#000","position":0},{"hex_color":"#fff","position":100}]}`), "layers[0].angle_in_degrees", "linear gradients only", failure.Invalid},
		{"text missing font size", withLayer(`{"index":0,"type":"text",` + okBox + `,"text":"a","font_name":"Inter","text_color":"#000"}`), "layers[0].font_size_in_px", "is required", failure.Invalid},
		{"text zero font size", withLayer(`{"index":0,"type":"text",` + okBox + `,"text":"a","font_name":"Inter","font_size_in_px":0,"text_color":"#000"}`), "layers[0].font_size_in_px", "greater than 0 and at most 2000", failure.Invalid},
		{"text bad weight", withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + `,"font_weight":"heavy"}`), "layers[0].font_weight", "must be one of thin", failure.Invalid},
		{"text bad align", withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + `,"text_align":"justify"}`), "layers[0].text_align", "left, center, right", failure.Invalid},
		{"auto outside layout", withLayer(`{"index":0,"type":"text","position":{"x":0,"y":0},"dimensions":{"width":"auto","height":10},` + okText + `}`), "layers[0].dimensions.width", "only for a text layer inside a layout", failure.Invalid},
		{"negative position", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":-1,"y":0}}`), "layers[0].position.x", "between 0", failure.Invalid},
		{"half-zero dimensions", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","dimensions":{"width":0,"height":10}}`), "layers[0].dimensions.width", "greater than 0", failure.Invalid},
		{"huge number", withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","rotation_in_degrees":1e400}`), "layers[0].rotation_in_degrees", "finite", failure.Invalid},
		{"image without file", withLayer(`{"index":0,"type":"image"}`), "layers[0].file", "is required", failure.Invalid},
		{"image file and buffer", withLayer(`{"index":0,"type":"image","buffer":"aGk=","file":{"type":"base64","base64":"aGk="}}`), "layers[0]", "not both", failure.Invalid},
		{"image bad base64", withLayer(`{"index":0,"type":"image","file":{"type":"base64","base64":"!!!"}}`), "layers[0].file.base64", "not valid base64", failure.Invalid},
		{"image ftp url", withLayer(`{"index":0,"type":"image","file":{"type":"url","url":"ftp://x/y.png"}}`), "layers[0].file.url", "http or https", failure.Invalid},
		{"font_name over 256 bytes", withLayer(`{"index":0,"type":"text",` + okBox + `,"text":"a","font_name":"` + strings.Repeat("n", 257) + `","font_size_in_px":12,"text_color":"#000"}`), "layers[0].font_name", "is 257 bytes; at most 256 are allowed", failure.Invalid},
		{"custom font name over 256 bytes", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"fonts":[{"name":"` + strings.Repeat("n", 300) + `","file":{"type":"base64","base64":"AAAA"}}]}`, "fonts[0].name", "is 300 bytes; at most 256", failure.Invalid},
		{"file name over 256 bytes", withLayer(`{"index":0,"type":"image",` + okBox + `,"file":{"type":"url","name":"` + strings.Repeat("f", 257) + `","url":"https://x/y.png"}}`), "layers[0].file.name", "is 257 bytes", failure.Invalid},
		{"header value over 8 KB", withLayer(`{"index":0,"type":"image",` + okBox + `,"file":{"type":"url","url":"https://x/y.png","fetch_options":{"headers":{"X-A":"` + strings.Repeat("v", 8193) + `"}}}}`), "layers[0].file.fetch_options.headers.X-A", "is 8193 bytes; at most 8192", failure.Invalid},
		{"header name over 256 bytes", withLayer(`{"index":0,"type":"image",` + okBox + `,"file":{"type":"url","url":"https://x/y.png","fetch_options":{"headers":{"X` + strings.Repeat("a", 256) + `":"v"}}}}`), "layers[0].file.fetch_options.headers.X" + strings.Repeat("a", 63) + "…", "is a header name of 257 bytes", failure.Invalid},
		{"33 headers", withLayer(`{"index":0,"type":"image",` + okBox + `,"file":{"type":"url","url":"https://x/y.png","fetch_options":{"headers":{` + manyHeaders(33) + `}}}}`), "layers[0].file.fetch_options.headers", "has 33 headers; at most 32", failure.Invalid},
		{"bearer token over 8 KB", withLayer(`{"index":0,"type":"image",` + okBox + `,"file":{"type":"url","url":"https://x/y.png","fetch_options":{"auth":{"type":"bearer","token":"` + strings.Repeat("t", 8193) + `"}}}}`), "layers[0].file.fetch_options.auth.token", "is 8193 bytes", failure.Invalid},
		{"basic password over 8 KB", withLayer(`{"index":0,"type":"image",` + okBox + `,"file":{"type":"url","url":"https://x/y.png","fetch_options":{"auth":{"type":"basic","username":"u","password":"` + strings.Repeat("p", 8193) + `"}}}}`), "layers[0].file.fetch_options.auth.password", "is 8193 bytes", failure.Invalid},
		{"fetch cookie header", withLayer(`{"index":0,"type":"image","file":{"type":"url","url":"https://x/y.png","fetch_options":{"headers":{"Cookie":"a=b"}}}}`), "layers[0].file.fetch_options.headers.Cookie", "cannot be set", failure.Invalid},
		{"fetch timeout too long", withLayer(`{"index":0,"type":"image","file":{"type":"url","url":"https://x/y.png","fetch_options":{"timeout_ms":120000}}}`), "layers[0].file.fetch_options.timeout_ms", "between 1000 and 60000", failure.Invalid},
		{"qr empty value", withLayer(`{"index":0,"type":"qr-code","value":"",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].value", "must not be empty", failure.Invalid},
		{"qr bad level", withLayer(`{"index":0,"type":"qr-code","value":"a","error_correction":"X",` + okBox + `,"foreground_hex_color":"#000","background_hex_color":"#fff"}`), "layers[0].error_correction", "L, M, Q, H", failure.Invalid},
		{"layout child without dimensions", withLayer(`{"index":0,"type":"layout","layers":[{"type":"solid-color","hex_color":"#fff"}]}`), "layers[0].layers[0].dimensions", "is required", failure.Invalid},
		{"output format", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"bmp"}`, "output_format", "png, jpeg, webp, tiff, gif, avif", failure.Invalid},
		{"quality out of range", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"jpeg","output_options":{"quality":0}}`, "output_options.quality", "between 1 and 100", failure.Invalid},
		{"quality on png", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_options":{"quality":80}}`, "output_options.quality", "does not apply to output_format png", failure.Invalid},
		{"webp effort over 6", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"webp","output_options":{"effort":7}}`, "output_options.effort", "between 0 and 6", failure.Invalid},
		{"resolution on png", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_options":{"resolution_in_dpi":300}}`, "output_options.resolution_in_dpi", "does not apply to output_format png", failure.Invalid},
		{"resolution zero", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"pdf","output_options":{"resolution_in_dpi":0}}`, "output_options.resolution_in_dpi", "", failure.Invalid},
		{"resolution too high", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"pdf","output_options":{"resolution_in_dpi":2401}}`, "output_options.resolution_in_dpi", "", failure.Invalid},
		{"resolution not whole", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"pdf","output_options":{"resolution_in_dpi":72.5}}`, "output_options.resolution_in_dpi", "", failure.Invalid},
		{"quality on pdf", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"pdf","output_options":{"quality":80}}`, "output_options.quality", "does not apply to output_format pdf", failure.Invalid},
		{"compression on avif", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"avif","output_options":{"compression_level":3}}`, "output_options.compression_level", "does not apply", failure.Invalid},
		{"unknown output option", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_options":{"speed":3}}`, "output_options.speed", "is not a known field", failure.Invalid},
		{"font bad weight", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"fonts":[{"name":"a","weight":"fat","style":"normal","buffer":"aGk="}]}`, "fonts[0].weight", "must be one of", failure.Invalid},
		{"font without data", `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"fonts":[{"name":"a","weight":"bold","style":"normal"}]}`, "fonts[0].buffer", "is required", failure.Invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode([]byte(tc.body), DefaultLimits())
			require.Error(t, err)
			fe := failure.As(err)
			require.Equal(t, tc.kind, fe.Kind, "kind for %s", err)
			if tc.path == "" {
				require.Contains(t, fe.Message, tc.msg)
				return
			}
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

func TestDecodeReportsEveryProblem(t *testing.T) {
	t.Parallel()
	body := withLayer(`{"index":-1,"type":"solid-color","hex_color":"nope","opacity":101},{"index":0,"type":"text"}`)
	_, err := Decode([]byte(body), DefaultLimits())
	fe := failure.As(err)
	paths := map[string]bool{}
	for _, d := range fe.Details {
		paths[d.Path] = true
	}
	for _, p := range []string{"layers[0].index", "layers[0].hex_color", "layers[0].opacity", "layers[1].text", "layers[1].font_name", "layers[1].position"} {
		require.True(t, paths[p], "missing %s in %v", p, fe.Details)
	}
	require.Contains(t, fe.Message, "more problems")
}

// A body with thousands of mistakes gets a short answer: the count of
// them all, the first shownProblems as details.
func TestDecodeCapsTheDetails(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"dimensions":{"width":10,"height":10},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]`)
	for i := range 5000 {
		fmt.Fprintf(&b, `,"junk%d":1`, i)
	}
	b.WriteString(`}`)
	_, err := Decode([]byte(b.String()), DefaultLimits())
	fe := failure.As(err)
	require.Equal(t, failure.Invalid, fe.Kind)
	require.Len(t, fe.Details, shownProblems)
	require.Contains(t, fe.Message, "(and 4997 more problems; details lists the first 100)")
}

func TestDecodeLimits(t *testing.T) {
	t.Parallel()
	limits := DefaultLimits()
	limits.MaxFileBytes = 10
	limits.MaxLayers = 3
	limits.MaxDepth = 2

	_, err := Decode([]byte(withLayer(`{"index":0,"type":"image","buffer":"`+base64.StdEncoding.EncodeToString(make([]byte, 100))+`"}`)), limits)
	require.Equal(t, failure.TooLarge, failure.KindOf(err))
	require.Equal(t, "layers[0].buffer", failure.As(err).Details[0].Path)

	layer := `{"index":0,"type":"solid-color","hex_color":"#fff"}`
	_, err = Decode([]byte(withLayer(strings.Repeat(layer+",", 3)+layer)), limits)
	require.Equal(t, failure.Invalid, failure.KindOf(err))
	require.Contains(t, err.Error(), "4 layers")

	nested := `{"type":"layout","dimensions":{"width":1,"height":1},"layers":[{"type":"layout","dimensions":{"width":1,"height":1},"layers":[]}]}`
	_, err = Decode([]byte(withLayer(`{"index":0,"type":"layout","layers":[`+nested+`]}`)), limits)
	require.Contains(t, err.Error(), "nests layouts 3 deep")
}

func TestDecodeTenThousandLayersQuickly(t *testing.T) {
	t.Parallel()
	layer := `{"index":0,"type":"solid-color","hex_color":"#fff"}`
	body := withLayer(strings.Repeat(layer+",", 9999) + layer)
	_, err := Decode([]byte(body), DefaultLimits())
	require.Equal(t, failure.Invalid, failure.KindOf(err))
	require.Contains(t, err.Error(), "10000 layers")
}

func TestDecodeOutputOptions(t *testing.T) {
	t.Parallel()
	body := `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"avif","output_options":{"quality":40,"effort":5}}`
	req, err := Decode([]byte(body), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, 40, *req.Output.Quality)
	require.Equal(t, 5, *req.Output.Effort)
	require.Nil(t, req.Output.CompressionLevel)
	req, err = Decode([]byte(`{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_options":{"compression_level":9}}`), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, 9, *req.Output.CompressionLevel)
	req, err = Decode([]byte(`{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"output_format":"PDF","output_options":{"resolution_in_dpi":300}}`), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, PDF, req.OutputFormat)
	require.Equal(t, 300, *req.Output.ResolutionDPI)
}

func TestParseColor(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want color.NRGBA
		ok   bool
	}{
		{"#fff", color.NRGBA{255, 255, 255, 255}, true},
		{"#FF5500", color.NRGBA{255, 0x55, 0, 255}, true},
		{"#ff550080", color.NRGBA{255, 0x55, 0, 0x80}, true},
		{"ff5500", color.NRGBA{}, false},
		{"#ff55", color.NRGBA{}, false},
		{"#", color.NRGBA{}, false},
		{"#ff550080ff", color.NRGBA{}, false},
	}
	for _, tc := range cases {
		got, err := ParseColor(tc.in)
		require.Equal(t, tc.ok, err == nil, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestEANCheckDigit(t *testing.T) {
	t.Parallel()
	require.Equal(t, byte('7'), EANCheckDigit("590123412345"))
	require.Equal(t, byte('4'), EANCheckDigit("9638507"))
	require.NoError(t, CheckBarcodeValue(EAN13, "5901234123457"))
	require.NoError(t, CheckBarcodeValue(EAN8, "96385074"))
	require.NoError(t, CheckBarcodeValue(Codabar, "A40156B"))
	require.NoError(t, CheckBarcodeValue(Code39, "CODE-39 $/+%."))
	require.NoError(t, CheckBarcodeValue(ITF, "12345678"))
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{specExampleShort, specExampleLong, withLayer(`{"index":0,"type":"layout","layers":[{"type":"text",` + okText + `,"dimensions":{"width":"auto","height":"auto"}}]}`), `{}`, `[]`, `null`, `{"dimensions":{"width":1e308,"height":-0}}`,
		textWith(`,"line_height":1.2,"max_lines":2,"text_overflow":"clip","font_features":{"tnum":1,"x x ":2},"font_variations":{"wght":1e9},"lang":"zh-Hant-TW-u-nu-hanidec","text_shadows":[{"hex_color":"#000"}],"text_stroke":{"width_in_px":1,"hex_color":"#000"}`)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Decode(body, DefaultLimits())
		if err != nil {
			fe := failure.As(err)
			if fe.Kind != failure.Invalid && fe.Kind != failure.TooLarge {
				t.Fatalf("unexpected kind %v: %v", fe.Kind, err)
			}
			if _, mErr := json.Marshal(fe.Details); mErr != nil {
				t.Fatal(mErr)
			}
			// One mistake, one problem: the same detail twice is noise.
			seen := map[failure.Detail]bool{}
			for _, d := range fe.Details {
				if seen[d] {
					t.Fatalf("detail %+v reported twice in %+v", d, fe.Details)
				}
				seen[d] = true
			}
			return
		}
		if req.Width <= 0 || req.Height <= 0 || len(req.Layers) == 0 {
			t.Fatalf("accepted an invalid request: %+v", req)
		}
	})
}

// Every accepted spelling of base64 decodes to the same bytes: standard or
// URL-safe alphabet, with or without padding, a data: URL prefix, and
// line-wrapped or indented (\n, \r\n, spaces, tabs).
func TestDecodeBase64Forms(t *testing.T) {
	want := []byte("\xfb\xff\xfe any bytes, long enough to wrap over lines \xfc\x00")
	std := base64.StdEncoding.EncodeToString(want)
	wrap := func(s, sep string) string {
		var b strings.Builder
		for i := 0; i < len(s); i += 16 {
			b.WriteString(s[i:min(i+16, len(s))])
			b.WriteString(sep)
		}
		return b.String()
	}
	for _, c := range []struct{ name, value string }{
		{"standard", std},
		{"unpadded", strings.TrimRight(std, "=")},
		{"url-safe", base64.URLEncoding.EncodeToString(want)},
		{"data URL", "data:image/png;base64," + std},
		{"wrapped LF", wrap(std, "\n")},
		{"wrapped CRLF", wrap(std, "\r\n")},
		{"spaces and tabs", wrap(std, " \t ")},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, err := json.Marshal(c.value)
			require.NoError(t, err)
			req, err := Decode([]byte(withLayer(`{"index":0,"type":"image","buffer":`+string(body)+`}`)), DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, want, req.Layers[0].Image.File.Data)
		})
	}
}

// The parser keeps encoding/json's (and JSON.parse's) leniency for lone
// surrogates, and numbers stay text until a validator reads them. It
// does not keep its leniency for duplicate names (see
// TestDecodeExactProblems).
func TestDecodeJSONCompatibility(t *testing.T) {
	req, err := Decode([]byte(`{"dimensions":{"width":5,"height":9},"layers":[{"index":0,"type":"text",`+
		`"text":"a\ud800b","font_name":"Inter","font_size_in_px":12,"text_color":"#000",`+okBox+`}]}`), DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, "a\uFFFDb", req.Layers[0].Text.Text, "a lone surrogate escape becomes U+FFFD")

	_, err = Decode([]byte(`{"dimensions":{"width":1e999,"height":9},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`), DefaultLimits())
	require.ErrorContains(t, err, "dimensions.width must be a finite number")
}

// TestDecodeManyHeadersKnownAndUnknown: an object whose keys are all read
// (twenty headers: object.finish checks them through a set past sixteen)
// reports none as unknown, and an unknown key beside them, one level up,
// still is.
func TestDecodeManyHeadersKnownAndUnknown(t *testing.T) {
	t.Parallel()
	var h []string
	for i := range 20 {
		h = append(h, fmt.Sprintf(`"X-H%d":"v"`, i))
	}
	image := func(fetch string) string {
		return withLayer(`{"index":0,"type":"image","file":{"type":"url","url":"https://x/y.png","fetch_options":` + fetch + `}}`)
	}
	req, err := Decode([]byte(image(`{"headers":{`+strings.Join(h, ",")+`}}`)), DefaultLimits())
	require.NoError(t, err)
	require.Len(t, req.Layers[0].Image.File.Fetch.Headers, 20)

	_, err = Decode([]byte(image(`{"headers":{`+strings.Join(h, ",")+`},"retries":3}`)), DefaultLimits())
	require.ErrorContains(t, err, "layers[0].file.fetch_options.retries")
}

// okSolid is a valid layer for cases about the rest of the request.
const okSolid = `{"index":0,"type":"solid-color","hex_color":"#fff"}`

// withCanvas is a valid request with the given canvas dimensions object.
func withCanvas(dims string) string {
	return `{"dimensions":` + dims + `,"layers":[` + okSolid + `]}`
}

// withFile is a request with one image layer whose file object is file.
func withFile(file string) string {
	return withLayer(`{"index":0,"type":"image","file":` + file + `}`)
}

// TestDecodeExactProblems pins the whole error for inputs where the
// validator used to say something misleading or extra: every detail, and
// the sentence built from the first. Each case names what went wrong
// before.
func TestDecodeExactProblems(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		body    string
		message string
		details []failure.Detail
	}{
		// Both spellings used to add `unknown field "width_in_px"`; in a
		// layer's dimensions, "not both" was also reported twice.
		{
			name:    "both spellings on the canvas",
			body:    withCanvas(`{"width":10,"width_in_px":10,"height":1}`),
			message: `dimensions.width_in_px repeats width: send either "width" or "width_in_px", not both.`,
			details: []failure.Detail{{Path: "dimensions.width_in_px", Message: `repeats width: send either "width" or "width_in_px", not both`}},
		},
		{
			name:    "both spellings in layer dimensions",
			body:    withLayer(`{"index":0,"type":"text",` + okText + `,"position":{"x":0,"y":0},"dimensions":{"width":10,"width_in_px":10,"height":10}}`),
			message: `layers[0].dimensions.width_in_px repeats width: send either "width" or "width_in_px", not both.`,
			details: []failure.Detail{{Path: "layers[0].dimensions.width_in_px", Message: `repeats width: send either "width" or "width_in_px", not both`}},
		},
		{
			name:    "both spellings in a position",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":1,"x_in_px":1,"y":0}}`),
			message: `layers[0].position.x_in_px repeats x: send either "x" or "x_in_px", not both.`,
			details: []failure.Detail{{Path: "layers[0].position.x_in_px", Message: `repeats x: send either "x" or "x_in_px", not both`}},
		},
		// An invalid or missing discriminator used to add "unknown field"
		// for every field of the type the client meant.
		{
			name:    "file type ftp with a url",
			body:    withFile(`{"type":"ftp","url":"https://example.com/a.png"}`),
			message: `layers[0].file.type must be one of base64, url (got "ftp").`,
			details: []failure.Detail{{Path: "layers[0].file.type", Message: `must be one of base64, url (got "ftp")`}},
		},
		{
			name:    "file without a type",
			body:    withFile(`{"url":"https://example.com/a.png","fetch_options":{"timeout_ms":5000}}`),
			message: `layers[0].file.type is required.`,
			details: []failure.Detail{{Path: "layers[0].file.type", Message: "is required"}},
		},
		{
			name:    "unknown layer type with its fields",
			body:    withLayer(`{"index":0,"type":"circle","radius":5,"hex_color":"#fff","position":{"x":0,"y":0}}`),
			message: `layers[0].type must be one of solid-color, gradient, text, image, qr-code, barcode, layout (got "circle").`,
			details: []failure.Detail{{Path: "layers[0].type", Message: `must be one of solid-color, gradient, text, image, qr-code, barcode, layout (got "circle")`}},
		},
		{
			name:    "unknown auth type with a token",
			body:    withFile(`{"type":"url","url":"https://example.com/a.png","fetch_options":{"auth":{"type":"digest","token":"t"}}}`),
			message: `layers[0].file.fetch_options.auth.type must be one of bearer, basic (got "digest").`,
			details: []failure.Detail{{Path: "layers[0].file.fetch_options.auth.type", Message: `must be one of bearer, basic (got "digest")`}},
		},
		{
			name:    "unknown output format with options",
			body:    `{"dimensions":{"width":1,"height":1},"layers":[` + okSolid + `],"output_format":"bmp","output_options":{"quality":80}}`,
			message: `output_format must be one of png, jpeg, webp, tiff, gif, avif, pdf, jpg (got "bmp").`,
			details: []failure.Detail{{Path: "output_format", Message: `must be one of png, jpeg, webp, tiff, gif, avif, pdf, jpg (got "bmp")`}},
		},
		{
			name:    "field of another file type",
			body:    withFile(`{"type":"base64","base64":"aGk=","url":"https://example.com/a.png"}`),
			message: `layers[0].file.url is not a known field of a base64 file.`,
			details: []failure.Detail{{Path: "layers[0].file.url", Message: "is not a known field of a base64 file"}},
		},
		// Bounds used to print as Go's %g: 5e-324 for "above 0", 1e+06.
		{
			name:    "zero font size",
			body:    withLayer(`{"index":0,"type":"text",` + okBox + `,"text":"a","font_name":"Inter","font_size_in_px":0,"text_color":"#000"}`),
			message: `layers[0].font_size_in_px must be greater than 0 and at most 2000 (got 0).`,
			details: []failure.Detail{{Path: "layers[0].font_size_in_px", Message: "must be greater than 0 and at most 2000 (got 0)"}},
		},
		{
			name:    "position over a million",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":2e6,"y":0}}`),
			message: `layers[0].position.x must be between 0 and 1000000 (got 2e6).`,
			details: []failure.Detail{{Path: "layers[0].position.x", Message: "must be between 0 and 1000000 (got 2e6)"}},
		},
		{
			name:    "rotation under minus a million",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","rotation_in_degrees":-1000001}`),
			message: `layers[0].rotation_in_degrees must be between -1000000 and 1000000 (got -1000001).`,
			details: []failure.Detail{{Path: "layers[0].rotation_in_degrees", Message: "must be between -1000000 and 1000000 (got -1000001)"}},
		},
		{
			name:    "canvas width as the client wrote it",
			body:    withCanvas(`{"width":1E20,"height":1}`),
			message: `dimensions.width must be between 1 and 8192 (got 1E20).`,
			details: []failure.Detail{{Path: "dimensions.width", Message: "must be between 1 and 8192 (got 1E20)"}},
		},
		{
			name:    "fractional layer width",
			body:    withLayer(`{"index":0,"type":"text",` + okText + `,"position":{"x":0,"y":0},"dimensions":{"width":10.25,"height":10}}`),
			message: `layers[0].dimensions.width must be a whole number (got 10.25).`,
			details: []failure.Detail{{Path: "layers[0].dimensions.width", Message: "must be a whole number (got 10.25)"}},
		},
		{
			name:    "megapixels",
			body:    withCanvas(`{"width":8192,"height":8192}`),
			message: `dimensions is 8192x8192 = 67.1 megapixels; at most 50 are allowed.`,
			details: []failure.Detail{{Path: "dimensions", Message: "is 8192x8192 = 67.1 megapixels; at most 50 are allowed"}},
		},
		// A missing half of a two-spelling pair used to be named in the
		// long spelling whatever the object used.
		{
			name:    "missing y beside short x",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":1}}`),
			message: `layers[0].position.y is required.`,
			details: []failure.Detail{{Path: "layers[0].position.y", Message: "is required"}},
		},
		{
			name:    "missing y beside long x",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x_in_px":1}}`),
			message: `layers[0].position.y_in_px is required.`,
			details: []failure.Detail{{Path: "layers[0].position.y_in_px", Message: "is required"}},
		},
		{
			name:    "missing height beside long width, null counting as absent",
			body:    withCanvas(`{"width_in_px":10,"height":null}`),
			message: `dimensions.height_in_px is required.`,
			details: []failure.Detail{{Path: "dimensions.height_in_px", Message: "is required"}},
		},
		{
			name:    "short spelling wins when both are used",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":1,"x_in_px":1}}`),
			message: `layers[0].position.x_in_px repeats x: send either "x" or "x_in_px", not both. layers[0].position.y is required.`,
			details: []failure.Detail{{Path: "layers[0].position.x_in_px", Message: `repeats x: send either "x" or "x_in_px", not both`}, {Path: "layers[0].position.y", Message: "is required"}},
		},
		{
			name:    "empty position names both spellings",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{}}`),
			message: `layers[0].position.x is required (send "x" or "x_in_px"). layers[0].position.y is required (send "y" or "y_in_px").`,
			details: []failure.Detail{{Path: "layers[0].position.x", Message: `is required (send "x" or "x_in_px")`}, {Path: "layers[0].position.y", Message: `is required (send "y" or "y_in_px")`}},
		},
		// Unknown fields used to read `output_fromat unknown field "output_fromat".`
		{
			name:    "top-level typo",
			body:    `{"dimensions":{"width":1,"height":1},"layers":[` + okSolid + `],"output_fromat":"png"}`,
			message: `output_fromat is not a known field; did you mean output_format?`,
			details: []failure.Detail{{Path: "output_fromat", Message: "is not a known field; did you mean output_format?"}},
		},
		{
			name:    "typo of an absent optional layer field",
			body:    withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + `,"font_wieght":"bold"}`),
			message: `layers[0].font_wieght is not a known field of a text layer; did you mean font_weight?`,
			details: []failure.Detail{{Path: "layers[0].font_wieght", Message: "is not a known field of a text layer; did you mean font_weight?"}},
		},
		{
			name:    "typo of a spelling, letter case ignored",
			body:    withCanvas(`{"Widht":10,"height":1}`),
			message: `dimensions.width is required. dimensions.Widht is not a known field; did you mean width?`,
			details: []failure.Detail{{Path: "dimensions.width", Message: "is required"}, {Path: "dimensions.Widht", Message: "is not a known field; did you mean width?"}},
		},
		{
			name:    "typo of the source not read",
			body:    withLayer(`{"index":0,"type":"image","file":{"type":"base64","base64":"aGk="},"bufer":"aGk="}`),
			message: `layers[0].bufer is not a known field of an image layer; did you mean buffer?`,
			details: []failure.Detail{{Path: "layers[0].bufer", Message: "is not a known field of an image layer; did you mean buffer?"}},
		},
		{
			name:    "no suggestion of a field already present",
			body:    withLayer(`{"index":0,"type":"text",` + okBox + `,` + okText + `,"font_sise_in_px":12}`),
			message: `layers[0].font_sise_in_px is not a known field of a text layer.`,
			details: []failure.Detail{{Path: "layers[0].font_sise_in_px", Message: "is not a known field of a text layer"}},
		},
		{
			name:    "no suggestion for a one-letter key",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","position":{"x":1,"y":1,"z":1}}`),
			message: `layers[0].position.z is not a known field.`,
			details: []failure.Detail{{Path: "layers[0].position.z", Message: "is not a known field"}},
		},
		// Duplicate names used to be accepted, the last value winning.
		{
			name:    "duplicate colour",
			body:    withLayer(`{"index":0,"type":"solid-color","hex_color":"#fff","hex_color":"#000"}`),
			message: `layers[0].hex_color appears twice in the same object; send it once.`,
			details: []failure.Detail{{Path: "layers[0].hex_color", Message: "appears twice in the same object; send it once"}},
		},
		{
			name:    "duplicate three times at the top, reported once",
			body:    `{"dimensions":{"width":1,"height":1},"output_format":"png","output_format":"png","output_format":"jpeg","layers":[` + okSolid + `]}`,
			message: `output_format appears twice in the same object; send it once.`,
			details: []failure.Detail{{Path: "output_format", Message: "appears twice in the same object; send it once"}},
		},
		{
			name:    "duplicate in a layout child's position",
			body:    withLayer(`{"index":0,"type":"layout","layers":[{"type":"solid-color","hex_color":"#fff","dimensions":{"width":1,"height":1}},{"type":"solid-color","hex_color":"#fff","dimensions":{"width":1,"height":1},"position":{"x":1,"y":1,"y":2}}]}`),
			message: `layers[0].layers[1].position.y appears twice in the same object; send it once.`,
			details: []failure.Detail{{Path: "layers[0].layers[1].position.y", Message: "appears twice in the same object; send it once"}},
		},
		{
			name:    "duplicate inside an unknown field, a name JSON Pointer escapes",
			body:    `{"dimensions":{"width":1,"height":1},"layers":[` + okSolid + `],"meta":[{"a":1},{"x/~1":1,"x/~1":2}]}`,
			message: `meta[1].x/~1 appears twice in the same object; send it once. meta is not a known field.`,
			details: []failure.Detail{{Path: "meta[1].x/~1", Message: "appears twice in the same object; send it once"}, {Path: "meta", Message: "is not a known field"}},
		},
		{
			name:    "duplicates inside both values of a duplicate, listed once",
			body:    `{"dimensions":{"width":1,"height":1},"layers":[` + okSolid + `],"meta":{"a":{"b":1,"b":2},"a":{"b":1,"b":2}}}`,
			message: `meta.a.b appears twice in the same object; send it once. meta.a appears twice in the same object; send it once. meta is not a known field.`,
			details: []failure.Detail{{Path: "meta.a.b", Message: "appears twice in the same object; send it once"}, {Path: "meta.a", Message: "appears twice in the same object; send it once"}, {Path: "meta", Message: "is not a known field"}},
		},
		// An empty name used to give a path of "" (a message with no
		// subject), and a name with a dot a path that reads as two names.
		{
			name:    "empty and dotted names in brackets",
			body:    `{"dimensions":{"width":1,"height":1},"layers":[` + okSolid + `],"":1,"a.b":1,"c":{"":1,"":2}}`,
			message: `c[""] appears twice in the same object; send it once. [""] is not a known field. ["a.b"] is not a known field. (and 1 more problem, listed in details)`,
			details: []failure.Detail{{Path: `c[""]`, Message: "appears twice in the same object; send it once"}, {Path: `[""]`, Message: "is not a known field"}, {Path: `["a.b"]`, Message: "is not a known field"}, {Path: "c", Message: "is not a known field"}},
		},
		{
			name:    "duplicate header",
			body:    withFile(`{"type":"url","url":"https://example.com/a.png","fetch_options":{"headers":{"X-Key":"a","X-Key":"b"}}}`),
			message: `layers[0].file.fetch_options.headers.X-Key appears twice in the same object; send it once.`,
			details: []failure.Detail{{Path: "layers[0].file.fetch_options.headers.X-Key", Message: "appears twice in the same object; send it once"}},
		},
		{
			name:    "header twice in different case",
			body:    withFile(`{"type":"url","url":"https://example.com/a.png","fetch_options":{"headers":{"x-key":"a","X-Key":"b"}}}`),
			message: `layers[0].file.fetch_options.headers.x-key is the same header as "X-Key" (header names ignore case); send it once.`,
			details: []failure.Detail{{Path: "layers[0].file.fetch_options.headers.x-key", Message: `is the same header as "X-Key" (header names ignore case); send it once`}},
		},
		// auth used to overwrite an Authorization header silently.
		{
			name:    "auth and an Authorization header",
			body:    withFile(`{"type":"url","url":"https://example.com/a.png","fetch_options":{"headers":{"authorization":"Bearer a"},"auth":{"type":"bearer","token":"b"}}}`),
			message: `layers[0].file.fetch_options.headers.authorization conflicts with auth, which sets the Authorization header too; use one of them.`,
			details: []failure.Detail{{Path: "layers[0].file.fetch_options.headers.authorization", Message: "conflicts with auth, which sets the Authorization header too; use one of them"}},
		},
		{
			name:    "more problems",
			body:    withLayer(`{"index":-1,"type":"solid-color","hex_color":"nope","opacity":101}`),
			message: `layers[0].index must be between 0 and 2147483647 (got -1). layers[0].opacity must be between 0 and 100 (got 101). layers[0].hex_color must be a hex colour: #RGB, #RRGGBB or #RRGGBBAA (got "nope").`,
			details: []failure.Detail{
				{Path: "layers[0].index", Message: "must be between 0 and 2147483647 (got -1)"},
				{Path: "layers[0].opacity", Message: "must be between 0 and 100 (got 101)"},
				{Path: "layers[0].hex_color", Message: `must be a hex colour: #RGB, #RRGGBB or #RRGGBBAA (got "nope")`},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Decode([]byte(tc.body), DefaultLimits())
			require.Error(t, err)
			fe := failure.As(err)
			require.Equal(t, failure.Invalid, fe.Kind, "%s", err)
			require.Equal(t, tc.details, fe.Details)
			require.Equal(t, tc.message, fe.Message)
		})
	}
}

// TestLongNamesEchoedCut: an unknown key of 1 MB is named in its error by
// its first 64 bytes, cut at a rune boundary.
func TestLongNamesEchoedCut(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("é", 1<<19) // 1 MB, 2-byte runes
	_, err := Decode([]byte(`{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}],"`+key+`":1}`), DefaultLimits())
	fe := failure.As(err)
	require.NotNil(t, fe)
	require.Len(t, fe.Details, 1)
	require.Equal(t, strings.Repeat("é", 32)+"…", fe.Details[0].Path)
	require.Less(t, len(fe.Error()), 1000)

	for in, want := range map[string]string{
		"short":                       "short",
		strings.Repeat("a", 64):       strings.Repeat("a", 64),
		strings.Repeat("a", 65):       strings.Repeat("a", 64) + "…",
		"a" + strings.Repeat("€", 30): "a" + strings.Repeat("€", 21) + "…", // 3-byte runes: 1+63 bytes fit
	} {
		require.Equal(t, want, shownName(in))
	}
}

// manyHeaders is n distinct JSON header members.
func manyHeaders(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"X-H%d":"v"`, i)
	}
	return strings.Join(parts, ",")
}

// TestStringCapsBoundary: every string cap admits its exact limit.
func TestStringCapsBoundary(t *testing.T) {
	t.Parallel()
	body := withLayer(`{"index":0,"type":"text",` + okBox + `,"text":"a","font_name":"` + strings.Repeat("n", MaxNameBytes) + `","font_size_in_px":12,"text_color":"#000"},` +
		`{"index":1,"type":"image",` + okBox + `,"file":{"type":"url","name":"` + strings.Repeat("f", MaxNameBytes) + `","url":"https://x/y.png","fetch_options":{"headers":{` + manyHeaders(MaxHeaders-1) + `,"X-` + strings.Repeat("a", MaxNameBytes-2) + `":"` + strings.Repeat("v", MaxHeaderValueBytes) + `"},"auth":{"type":"bearer","token":"` + strings.Repeat("t", MaxHeaderValueBytes) + `"}}}}`)
	_, err := Decode([]byte(body), DefaultLimits())
	require.NoError(t, err)
}
