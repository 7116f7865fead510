package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/api"
	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/dnstest"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/queue"
	"github.com/strata-render/strata/pkg/ratelimit"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/storage/s3test"
	"github.com/strata-render/strata/pkg/template"
)

const (
	oaKey     = "openapi-key-0123456789abcdef"
	oaLimited = "openapi-limited-key-0123456789"
)

// loadDoc loads and validates the embedded document as OpenAPI 3.1, once
// per test binary (validation is slow under -race).
func loadDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := loadedDoc()
	require.NoError(t, err)
	require.True(t, doc.IsOpenAPI31OrLater(), "the document must be OpenAPI 3.1")
	return doc
}

var loadedDoc = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(loader.Context)
})

// requestSchema is the document's GenerateRequest schema compiled once
// with the JSON Schema 2020-12 validator kin-openapi itself uses for 3.1
// documents (kin-openapi recompiles the schema on every call, which is
// too slow for many bodies under -race).
var requestSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("https://strata.invalid/openapi.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("https://strata.invalid/openapi.json#/components/schemas/GenerateRequest")
})

// checkBody reports whether the document accepts body as a generate
// request.
func checkBody(t *testing.T, body string) error {
	t.Helper()
	sch, err := requestSchema()
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	require.Equal(t, "3.1.0", doc.OpenAPI)
	// Every layer type of the contract has its schema, and the discriminator
	// maps every type name.
	layer := doc.Components.Schemas["Layer"].Value
	for _, typ := range []schema.LayerType{schema.TypeSolidColor, schema.TypeGradient, schema.TypeText,
		schema.TypeImage, schema.TypeQRCode, schema.TypeBarcode, schema.TypeLayout} {
		require.Contains(t, layer.Discriminator.Mapping, string(typ))
	}
	for _, status := range []string{"200", "201", "400", "401", "413", "422", "429", "500", "503"} {
		require.NotNil(t, doc.Paths.Find("/image-generation/v1/generate").Post.Responses.Value(status), status)
	}
}

// Every route the server registers is in the document, so a new endpoint
// cannot ship undocumented.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	srv := api.New(api.Options{Keys: map[string]string{oaKey: ""}, Limits: schema.DefaultLimits(), Async: fakeAsyncForRoutes{},
		Templates: template.NewStore(nil, schema.DefaultLimits(), nil)})
	e, ok := srv.Handler().(*echo.Echo)
	require.True(t, ok)
	param := regexp.MustCompile(`:(\w+)`)
	n := 0
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || r.Name == api.WrongMethodRoute {
			continue
		}
		// Echo's ":id" is the document's "{job_id}", ":name" its "{name}",
		// "*" its "{file}".
		path := strings.Replace(strings.Replace(param.ReplaceAllString(r.Path, "{$1}"), "{id}", "{job_id}", 1), "/*", "/{file}", 1)
		item := doc.Paths.Find(path)
		require.NotNil(t, item, "route %s %s is not in openapi.json", r.Method, r.Path)
		require.NotNil(t, item.GetOperation(r.Method), "route %s %s is not in openapi.json", r.Method, r.Path)
		n++
	}
	require.GreaterOrEqual(t, n, 8)
}

// fakeAsyncForRoutes only makes New register the job route; it is never
// called.
type fakeAsyncForRoutes struct{ core.Async }

func TestOpenAPIServedWithoutKey(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(api.New(api.Options{Keys: map[string]string{oaKey: ""}, Limits: schema.DefaultLimits()}).Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/openapi.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "application/json")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, api.OpenAPI, body)
}

// validator checks requests and responses against the document.
type validator struct {
	t      *testing.T
	router routers.Router
}

// newValidator routes by path only (the document's servers are dropped),
// so one validator serves every test server.
func newValidator(t *testing.T) *validator {
	doc := *loadDoc(t)
	doc.Servers = nil
	router, err := legacy.NewRouter(&doc)
	require.NoError(t, err)
	return &validator{t: t, router: router}
}

func (v *validator) input(req *http.Request, body []byte) (*openapi3filter.RequestValidationInput, error) {
	clone := req.Clone(context.Background())
	clone.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := v.router.FindRoute(clone)
	if err != nil {
		return nil, err
	}
	return &openapi3filter.RequestValidationInput{
		Request: clone, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults: true, MultiError: true,
		},
	}, nil
}

// request reports whether the document accepts the request: route,
// parameters and security through kin-openapi, the JSON body through the
// compiled schema.
func (v *validator) request(req *http.Request, body []byte) error {
	in, err := v.input(req, body)
	if err != nil {
		return err
	}
	in.Options.ExcludeRequestBody = true
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return err
	}
	if in.Route.Operation.RequestBody != nil {
		return checkBody(v.t, string(body))
	}
	return nil
}

// response fails the test unless the document describes the response.
func (v *validator) response(req *http.Request, reqBody []byte, resp *http.Response, body []byte) {
	v.t.Helper()
	in, err := v.input(req, reqBody)
	require.NoError(v.t, err)
	in.Options.IncludeResponseStatus = true
	// kin-openapi decodes JSON bodies only; HTML and text are checked by
	// status and content type.
	in.Options.ExcludeResponseBody = !strings.Contains(resp.Header.Get("Content-Type"), "json")
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: in.Options,
	})
	require.NoError(v.t, err, "%s %s → %d %s", req.Method, req.URL.Path, resp.StatusCode, truncate(body))
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func tinyPNG(t *testing.T) string {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0xc0
	}
	img.Set(1, 1, color.NRGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// everyField is a request that uses every layer type and every field, in
// the reference page's spelling or the SDKs'.
func everyField(t *testing.T, long bool) string {
	b64 := tinyPNG(t)
	req := fmt.Sprintf(`{
	  "dimensions": {"width": 600, "height": 315},
	  "output_format": "webp",
	  "output_options": {"quality": 70, "effort": 4},
	  "webhook_url": "https://hooks.example.com/strata",
	  "fonts": [
	    {"name": "Brand", "weight": "bold", "style": "italic", "buffer": "AAEAAAAKAIAAAwAgT1MvMg=="},
	    {"name": "Brand", "weight": "regular", "style": "normal",
	     "file": {"type": "url", "name": "brand.ttf", "url": "https://fonts.example.com/brand.ttf", "base64": "",
	              "fetch_options": {"headers": {"X-Token": "t"}, "timeout_ms": 5000, "auth": {"type": "bearer", "token": "tok"}}}}
	  ],
	  "layers": [
	    {"index": 0, "type": "solid-color", "name": "bg", "hex_color": "#0F172A", "opacity": 90, "rotation_in_degrees": 0,
	     "border_top_left_radius": 4, "border_top_right_radius": 4, "border_bottom_left_radius": 0, "border_bottom_right_radius": 0,
	     "angled_edges": [{"edge": "right", "angle_in_degrees": 10}, {"edge": "bottom", "angle_in_degrees": -5}],
	     "position": {"x": 0, "y": 0}, "dimensions": {"width": 0, "height": 0}, "blur_in_px": 1.5, "blend_mode": "multiply",
	     "filters": {"grayscale": 0.5, "sepia": 0.1, "brightness": 1.1, "contrast": 1.2, "saturate": 1.3, "invert": 0, "hue_rotate_in_degrees": 30},
	     "mask": {"angle_in_degrees": 90, "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#00000000", "position": 100}]}, "shadows": [{"x_in_px": 2, "y_in_px": 4, "blur_in_px": 8, "spread_in_px": -1, "hex_color": "#00000080"}],
	     "border": {"width_in_px": 2, "hex_color": "#FFF"}, "backdrop_blur_in_px": 4},
	    {"index": 1, "type": "gradient", "name": "band", "gradient_type": "linear", "angle_in_degrees": 90, "border_radius": 12,
	     "colors": [{"hex_color": "#F00", "position": 0}, {"hex_color": "#00FF0080", "position": 100}],
	     "position": {"x": 10.5, "y": 10}, "dimensions": {"width": 200, "height": 100}, "blur_in_px": 1.5, "blend_mode": "multiply",
	     "filters": {"grayscale": 0.5, "sepia": 0.1, "brightness": 1.1, "contrast": 1.2, "saturate": 1.3, "invert": 0, "hue_rotate_in_degrees": 30},
	     "mask": {"angle_in_degrees": 90, "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#00000000", "position": 100}]}, "shadows": [{"x_in_px": 2, "y_in_px": 4, "blur_in_px": 8, "spread_in_px": -1, "hex_color": "#00000080"}],
	     "border": {"width_in_px": 2, "hex_color": "#FFF"}, "backdrop_blur_in_px": 4},
	    {"index": 2, "type": "gradient", "gradient_type": "radial", "opacity": 50,
	     "colors": [{"hex_color": "#fff", "position": 0}, {"hex_color": "#000", "position": 50}, {"hex_color": "#000", "position": 100}],
	     "position": {"x": 10, "y": 10}, "dimensions": {"width": 100, "height": 100}},
	    {"index": 3, "type": "text", "name": "title", "text": "Hello **bold** *it*\n\nNext", "font_name": "Brand", "font_size_in_px": 24.5,
	     "text_color": "#FFFFFF", "font_weight": "bold", "font_style": "italic", "text_align": "center", "vertical_align": "bottom",
	     "is_splitting_lines": false, "paragraph_spacing_in_px": 8, "should_auto_scale": true, "rotation_in_degrees": -3, "opacity": 100,
	     "line_height": 1.3, "letter_spacing_in_px": -0.5, "max_lines": 2, "text_overflow": "ellipsis", "text_transform": "uppercase",
	     "text_decoration": "underline", "text_stroke": {"width_in_px": 1, "hex_color": "#000"},
	     "text_shadows": [{"x_in_px": 1, "y_in_px": 2, "blur_in_px": 3, "hex_color": "#00000088"}],
	     "font_features": {"tnum": 1, "liga": 0}, "font_variations": {"wght": 650}, "lang": "en-GB",
	     "position": {"x": 20, "y": 20}, "dimensions": {"width": 300, "height": 80}, "blur_in_px": 1.5, "blend_mode": "multiply",
	     "filters": {"grayscale": 0.5, "sepia": 0.1, "brightness": 1.1, "contrast": 1.2, "saturate": 1.3, "invert": 0, "hue_rotate_in_degrees": 30},
	     "mask": {"angle_in_degrees": 90, "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#00000000", "position": 100}]}},
	    {"index": 4, "type": "image", "name": "photo", "file": {"type": "base64", "name": "a.png", "base64": %q, "url": "", "fetch_options": {}},
	     "should_use_smart_cropping": true, "should_remove_background": false, "border_radius": 8,
	     "position": {"x": 300, "y": 20}, "dimensions": {"width": 100, "height": 100}, "blur_in_px": 1.5, "blend_mode": "multiply",
	     "filters": {"grayscale": 0.5, "sepia": 0.1, "brightness": 1.1, "contrast": 1.2, "saturate": 1.3, "invert": 0, "hue_rotate_in_degrees": 30},
	     "mask": {"angle_in_degrees": 90, "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#00000000", "position": 100}]}, "shadows": [{"x_in_px": 2, "y_in_px": 4, "blur_in_px": 8, "spread_in_px": -1, "hex_color": "#00000080"}],
	     "border": {"width_in_px": 2, "hex_color": "#FFF"}, "backdrop_blur_in_px": 4},
	    {"index": 5, "type": "image", "buffer": %q, "fit": "cover", "focal_point": {"x_in_percent": 20, "y_in_percent": 80}},
	    {"index": 6, "type": "image", "file": {"type": "url", "url": "https://img.example.com/a.png",
	     "fetch_options": {"auth": {"type": "basic", "username": "u", "password": "p"}}}, "position": {"x": 0, "y": 0}, "dimensions": {"width": 50, "height": 50}},
	    {"index": 7, "type": "qr-code", "name": "qr", "value": "https://strata.example", "foreground_hex_color": "#000000", "background_hex_color": "#FFFFFF",
	     "error_correction": "H", "rotation_in_degrees": 0, "position": {"x": 450, "y": 20}, "dimensions": {"width": 120, "height": 120}, "blur_in_px": 1.5, "blend_mode": "multiply",
	     "filters": {"grayscale": 0.5, "sepia": 0.1, "brightness": 1.1, "contrast": 1.2, "saturate": 1.3, "invert": 0, "hue_rotate_in_degrees": 30},
	     "mask": {"angle_in_degrees": 90, "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#00000000", "position": 100}]}},
	    {"index": 8, "type": "barcode", "name": "ean", "value": "5901234123457", "format": "ean13", "foreground_hex_color": "#000", "background_hex_color": "#fff",
	     "position": {"x": 20, "y": 200}, "dimensions": {"width": 200, "height": 80}, "blur_in_px": 1.5, "blend_mode": "multiply",
	     "filters": {"grayscale": 0.5, "sepia": 0.1, "brightness": 1.1, "contrast": 1.2, "saturate": 1.3, "invert": 0, "hue_rotate_in_degrees": 30},
	     "mask": {"angle_in_degrees": 90, "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#00000000", "position": 100}]}},
	    {"index": 9, "type": "barcode", "value": "A123B", "format": "codabar", "foreground_hex_color": "#000", "background_hex_color": "#fff",
	     "position": {"x": 250, "y": 200}, "dimensions": {"width": 200, "height": 80}},
	    {"index": 11, "type": "solid-color", "hex_color": "#abc", "border_radius": 3},
	    {"index": 12, "type": "gradient", "gradient_type": "linear", "rotation_in_degrees": 30,
	     "border_top_left_radius": 1, "border_top_right_radius": 2, "border_bottom_left_radius": 3, "border_bottom_right_radius": 4,
	     "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#fff", "position": 100}],
	     "position": {"x": 0, "y": 0}, "dimensions": {"width": 10, "height": 10}},
	    {"index": 13, "type": "image", "buffer": %q, "opacity": 40, "rotation_in_degrees": 5,
	     "border_top_left_radius": 1, "border_top_right_radius": 2, "border_bottom_left_radius": 3, "border_bottom_right_radius": 4},
	    {"index": 14, "type": "qr-code", "value": "q", "opacity": 70, "foreground_hex_color": "#000", "background_hex_color": "#fff",
	     "position": {"x": 0, "y": 0}, "dimensions": {"width": 60, "height": 60}},
	    {"index": 15, "type": "barcode", "value": "ABC", "format": "code39", "opacity": 70, "rotation_in_degrees": 90,
	     "foreground_hex_color": "#000", "background_hex_color": "#fff", "position": {"x": 0, "y": 0}, "dimensions": {"width": 200, "height": 60}},
	    {"index": 16, "type": "layout", "name": "row", "opacity": 80, "rotation_in_degrees": -2, "dimensions": {"width": 200, "height": 100},
	     "border_top_left_radius": 1, "border_top_right_radius": 2, "border_bottom_left_radius": 3, "border_bottom_right_radius": 4,
	     "layers": [{"type": "barcode", "value": "12345670", "format": "ean8", "foreground_hex_color": "#000", "background_hex_color": "#fff", "dimensions": {"width": 150, "height": 50}}]},
	    {"index": 10, "type": "layout", "direction": "vertical", "gap": 4, "horizontal_alignment": "center", "vertical_alignment": "end",
	     "background_color": "#00000080", "padding_top": 4, "padding_right": 4, "padding_bottom": 4, "padding_left": 4, "border_radius": 6,
	     "position": {"x": 400, "y": 150}, "blur_in_px": 1.5, "blend_mode": "multiply",
	     "filters": {"grayscale": 0.5, "sepia": 0.1, "brightness": 1.1, "contrast": 1.2, "saturate": 1.3, "invert": 0, "hue_rotate_in_degrees": 30},
	     "mask": {"angle_in_degrees": 90, "colors": [{"hex_color": "#000", "position": 0}, {"hex_color": "#00000000", "position": 100}]}, "shadows": [{"x_in_px": 2, "y_in_px": 4, "blur_in_px": 8, "spread_in_px": -1, "hex_color": "#00000080"}],
	     "border": {"width_in_px": 2, "hex_color": "#FFF"}, "backdrop_blur_in_px": 4,
	     "background_layers": [{"type": "solid-color", "hex_color": "#123456"}],
	     "layers": [
	       {"type": "text", "text": "auto", "font_name": "Inter", "font_size_in_px": 14, "text_color": "#fff", "dimensions": {"width": "auto", "height": "auto"}},
	       {"type": "solid-color", "hex_color": "#f0f", "dimensions": {"width": 20, "height": 20}},
	       {"type": "layout", "padding": 2, "layers": [{"type": "qr-code", "value": "x", "foreground_hex_color": "#000", "background_hex_color": "#fff", "dimensions": {"width": 40, "height": 40}}]}
	     ]}
	  ]
	}`, b64, b64, b64)
	if long {
		req = strings.NewReplacer(`"width"`, `"width_in_px"`, `"height"`, `"height_in_px"`, `"x"`, `"x_in_px"`, `"y"`, `"y_in_px"`).Replace(req)
	}
	return req
}

// The document and the decoder agree: requests the decoder accepts are
// valid against the document, and requests it rejects with a 400 that a
// schema can express are invalid against it too.
func TestOpenAPIAgreesWithDecoder(t *testing.T) {
	t.Parallel()
	check := func(body string) (docErr, decodeErr error) {
		_, decodeErr = schema.Decode([]byte(body), schema.DefaultLimits())
		return checkBody(t, body), decodeErr
	}
	for _, long := range []bool{false, true} {
		docErr, decErr := check(everyField(t, long))
		require.NoError(t, decErr, "long=%v", long)
		require.NoError(t, docErr, "long=%v", long)
	}
	base := func(layer string) string {
		return `{"dimensions":{"width":100,"height":100},"layers":[` + layer + `]}`
	}
	solid := `{"index":0,"type":"solid-color","hex_color":"#fff"}`
	invalid := []struct {
		name, body string
	}{
		{"no layers", `{"dimensions":{"width":100,"height":100},"layers":[]}`},
		{"no dimensions", `{"layers":[` + solid + `]}`},
		{"both spellings", `{"dimensions":{"width":100,"width_in_px":100,"height":100},"layers":[` + solid + `]}`},
		{"unknown top-level field", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"outputformat":"png"}`},
		{"canvas too wide", `{"dimensions":{"width":9000,"height":100},"layers":[` + solid + `]}`},
		{"fractional canvas", `{"dimensions":{"width":100.5,"height":100},"layers":[` + solid + `]}`},
		{"bad colour", base(`{"index":0,"type":"solid-color","hex_color":"red"}`)},
		{"typo in a layer field", base(`{"index":0,"type":"text","text":"a","font_name":"Inter","font_sise_in_px":12,"font_size_in_px":12,"text_color":"#000","position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"missing index", base(`{"type":"solid-color","hex_color":"#fff"}`)},
		{"unknown type", base(`{"index":0,"type":"circle"}`)},
		{"opacity over 100", base(`{"index":0,"type":"solid-color","hex_color":"#fff","opacity":101}`)},
		{"both radius kinds", base(`{"index":0,"type":"solid-color","hex_color":"#fff","border_radius":2,"border_top_left_radius":3}`)},
		{"radius on text", base(`{"index":0,"type":"text","text":"a","font_name":"Inter","font_size_in_px":12,"text_color":"#000","border_radius":2,"position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"text without position", base(`{"index":0,"type":"text","text":"a","font_name":"Inter","font_size_in_px":12,"text_color":"#000","dimensions":{"width":10,"height":10}}`)},
		{"auto outside a layout is still a string", base(`{"index":0,"type":"qr-code","value":"a","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x":0,"y":0},"dimensions":{"width":"auto","height":10}}`)},
		{"one gradient stop", base(`{"index":0,"type":"gradient","gradient_type":"linear","colors":[{"hex_color":"#000","position":0}],"position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"angle on radial", base(`{"index":0,"type":"gradient","gradient_type":"radial","angle_in_degrees":5,"colors":[{"hex_color":"#000","position":0},{"hex_color":"#fff","position":100}],"position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"angled edge over 45", base(`{"index":0,"type":"solid-color","hex_color":"#fff","angled_edges":[{"edge":"left","angle_in_degrees":50}]}`)},
		{"image file and buffer", base(`{"index":0,"type":"image","buffer":"AAAA","file":{"type":"base64","base64":"AAAA"}}`)},
		{"image without source", base(`{"index":0,"type":"image"}`)},
		{"url without scheme", base(`{"index":0,"type":"image","file":{"type":"url","url":"ftp://x/y.png"}}`)},
		{"fetch timeout too short", base(`{"index":0,"type":"image","file":{"type":"url","url":"https://x/y.png","fetch_options":{"timeout_ms":10}}}`)},
		{"unsupported barcode format", base(`{"index":0,"type":"barcode","value":"1","format":"upca","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"itf odd digits", base(`{"index":0,"type":"barcode","value":"123","format":"itf","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"code39 lower case", base(`{"index":0,"type":"barcode","value":"abc","format":"code39","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"empty qr value", base(`{"index":0,"type":"qr-code","value":"","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x":0,"y":0},"dimensions":{"width":10,"height":10}}`)},
		{"layout without layers", base(`{"index":0,"type":"layout"}`)},
		{"both padding kinds", base(`{"index":0,"type":"layout","padding":2,"padding_top":1,"layers":[]}`)},
		{"webhook over http", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"webhook_url":"http://x.example/h"}`},
		{"font without style", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"fonts":[{"name":"A","weight":"bold","buffer":"AAAA"}]}`},
		{"unknown output format", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"output_format":"bmp"}`},
		{"quality out of range", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"output_format":"jpeg","output_options":{"quality":101}}`},
		{"unknown output option", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"output_options":{"speed":1}}`},
		{"storage without key", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"storage":{"bucket":"renders"}}`},
		{"storage bucket upper case", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"storage":{"bucket":"Renders","key":"k"}}`},
		{"storage unknown acl", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"storage":{"bucket":"renders","key":"k","acl":"open"}}`},
		{"storage lifetime over a week", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"storage":{"bucket":"renders","key":"k","presigned_url_lifetime_in_seconds":604801}}`},
		{"storage credentials", `{"dimensions":{"width":100,"height":100},"layers":[` + solid + `],"storage":{"bucket":"renders","key":"k","secret_access_key":"x"}}`},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			docErr, decErr := check(tc.body)
			require.Error(t, decErr, "the decoder accepts it")
			require.Equal(t, failure.Invalid, failure.As(decErr).Kind, "%v", decErr)
			require.Error(t, docErr, "openapi.json accepts a request the decoder rejects: %v", decErr)
		})
	}
}

// contractServer is a real API: the real engine, a real queue on Redis and
// the real rate limiter.
func contractServer(t *testing.T, mutate func(*api.Options)) *httptest.Server {
	t.Helper()
	cfg := config.NewDefaultConfig()
	cfg.AssetsDir = assets.Dir()
	eng, err := engine.New(cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err, "run scripts/setup.sh to fill the assets dir")
	t.Cleanup(eng.Close)
	redisURL := "redis://127.0.0.1:6379/0"
	if u := os.Getenv("STRATA_TEST_REDIS_URL"); u != "" {
		redisURL = u
	}
	opts, err := redis.ParseURL(redisURL)
	require.NoError(t, err)
	// Database 8 is this test's own (pkg/queue uses 9-12, cmd/worker
	// 13-15), so its queued job reaches no other test's worker.
	opts.DB = 8
	rdb := redis.NewClient(opts)
	require.NoError(t, rdb.Ping(context.Background()).Err(), "tests need Redis at %s: run scripts/ensure-redis.sh", redisURL)
	require.NoError(t, rdb.FlushDB(context.Background()).Err())
	t.Cleanup(func() {
		_ = rdb.FlushDB(context.Background()).Err()
		_ = rdb.Close()
	})
	q := queue.NewClient(queue.ClientOptions{Redis: rdb, JobTTL: time.Hour})
	limits := cfg.Limits
	limits.MaxBodyBytes = 256 << 10
	o := api.Options{
		Keys:     map[string]string{oaKey: "", oaLimited: ""},
		Limits:   limits,
		Renderer: eng.Renderer,
		Async:    q,
		Logger:   slog.New(slog.DiscardHandler),
		Rate: api.RateLimits{Limiter: ratelimit.New(nil), Default: ratelimit.Limit{PerMinute: 6000, Burst: 1000},
			PerKey: map[string]ratelimit.Limit{core.KeyID(oaLimited): {PerMinute: 1, Burst: 1}}},
		RenderConcurrency: 2,
		Resolver:          dnstest.Start(t, dnstest.Everything("93.184.215.14")).Resolver(),
	}
	if mutate != nil {
		mutate(&o)
	}
	srv := httptest.NewServer(api.New(o).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// Real requests through a real server: every request the server accepts
// and every response it sends, whatever the status, match the document.
func TestOpenAPIContract(t *testing.T) {
	t.Parallel()
	srv := contractServer(t, nil)
	noQueue := contractServer(t, func(o *api.Options) { o.Async = nil })
	slow := contractServer(t, func(o *api.Options) { o.Limits.RenderTimeout = time.Nanosecond })
	s3 := s3test.Start(t)
	bucket := s3.Bucket(t)
	stored := contractServer(t, func(o *api.Options) {
		cfg, err := storage.Parse(s3.Destinations(oaKey, bucket, s3test.WriterKey, s3test.WriterSecret))
		require.NoError(t, err)
		o.Storage, err = storage.New(cfg, storage.Options{KeyID: core.KeyID})
		require.NoError(t, err)
	})
	toStorage := func(extra string) string {
		return `{"dimensions":{"width":120,"height":60},"layers":[{"index":0,"type":"solid-color","hex_color":"#3366FF"}],"storage":{"bucket":"` +
			bucket + `","key":"oa/{sha256}.{ext}","acl":"private","cache_control":"no-cache","presigned_url_lifetime_in_seconds":60` + extra + `}}`
	}

	const canvas = `"dimensions":{"width":120,"height":60}`
	solid := `{` + canvas + `,"layers":[{"index":0,"type":"solid-color","hex_color":"#3366FF"}]}`
	cases := []struct {
		name       string
		srv        *httptest.Server
		method     string
		path       string
		key        string
		body       string
		wantStatus int
		// docRejects: the document must reject the request too.
		docRejects bool
	}{
		{name: "sync png", body: solid, wantStatus: 200},
		{name: "render alias", path: "/image-generation/v1/render", body: solid, wantStatus: 200},
		{name: "sync pdf", wantStatus: 200, body: `{` + canvas + `,"layers":[{"index":0,"type":"solid-color","hex_color":"#000"}],"output_format":"pdf","output_options":{"resolution_in_dpi":300}}`},
		{name: "resolution_in_dpi on png", wantStatus: 400, docRejects: false, body: `{` + canvas + `,"layers":[{"index":0,"type":"solid-color","hex_color":"#000"}],"output_options":{"resolution_in_dpi":300}}`},
		{name: "every renderable type, SDK spelling", wantStatus: 200, body: `{"dimensions":{"width_in_px":400,"height_in_px":200},"output_format":"jpeg","layers":[
		  {"index":0,"type":"solid-color","hex_color":"#fff","position":{"x_in_px":0,"y_in_px":0},"dimensions":{"width_in_px":0,"height_in_px":0}},
		  {"index":1,"type":"gradient","gradient_type":"radial","colors":[{"hex_color":"#f00","position":0},{"hex_color":"#00f","position":100}],"position":{"x_in_px":0,"y_in_px":0},"dimensions":{"width_in_px":100,"height_in_px":100}},
		  {"index":2,"type":"text","text":"Hi *there*","font_name":"Inter","font_size_in_px":20,"text_color":"#000","position":{"x_in_px":110,"y_in_px":10},"dimensions":{"width_in_px":180,"height_in_px":40}},
		  {"index":3,"type":"qr-code","value":"strata","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x_in_px":110,"y_in_px":60},"dimensions":{"width_in_px":80,"height_in_px":80}},
		  {"index":4,"type":"barcode","value":"STRATA-1","format":"code128","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x_in_px":0,"y_in_px":150},"dimensions":{"width_in_px":320,"height_in_px":40}},
		  {"index":5,"type":"layout","position":{"x_in_px":200,"y_in_px":60},"padding":4,"background_color":"#eee","layers":[
		    {"type":"solid-color","hex_color":"#0a0","dimensions":{"width_in_px":20,"height_in_px":20}},
		    {"type":"text","text":"auto","font_name":"Inter","font_size_in_px":12,"text_color":"#000","dimensions":{"width_in_px":"auto","height_in_px":"auto"}}]}]}`},
		{name: "async 201", body: `{` + canvas + `,"layers":[{"index":0,"type":"solid-color","hex_color":"#000"}],"webhook_url":"https://hooks.invalid/strata"}`, wantStatus: 201},
		{name: "sync to storage", srv: stored, body: toStorage(""), wantStatus: 200},
		{name: "sync to storage, buffer kept", srv: stored, body: toStorage(`,"should_return_buffer":true`), wantStatus: 200},
		{name: "storage bucket not granted 400", srv: stored, body: strings.Replace(toStorage(""), bucket, "not-granted", 1), wantStatus: 400},
		{name: "storage not configured 400", body: toStorage(""), wantStatus: 400},
		{name: "job status unknown 404", method: http.MethodGet, path: "/image-generation/v1/jobs/no-such-job", wantStatus: 404},
		{name: "bad colour 400", body: `{` + canvas + `,"layers":[{"index":0,"type":"solid-color","hex_color":"#12345"}]}`, wantStatus: 400, docRejects: true},
		{name: "malformed JSON 400", body: `{"dimensions":`, wantStatus: 400, docRejects: true},
		{name: "missing key 401", key: "-", body: solid, wantStatus: 401},
		{name: "wrong key 401", key: "not-a-key", body: solid, wantStatus: 401},
		{name: "body too large 413", body: `{` + canvas + `,"layers":[{"index":0,"type":"image","buffer":"` + strings.Repeat("A", 300<<10) + `"}]}`, wantStatus: 413},
		{name: "render over time 422", srv: slow, body: `{` + canvas + `,"layers":[{"index":0,"type":"text","text":"slow","font_name":"Inter","font_size_in_px":20,"text_color":"#000","position":{"x":0,"y":0},"dimensions":{"width":100,"height":40}}]}`, wantStatus: 422},
		{name: "async without a queue 503", srv: noQueue, body: `{` + canvas + `,"layers":[{"index":0,"type":"solid-color","hex_color":"#000"}],"webhook_url":"https://hooks.invalid/strata"}`, wantStatus: 503},
		{name: "health", method: http.MethodGet, path: "/healthz", key: "-", wantStatus: 200},
		{name: "readiness", method: http.MethodGet, path: "/readyz", key: "-", wantStatus: 200},
		{name: "openapi", method: http.MethodGet, path: "/openapi.json", key: "-", wantStatus: 200},
		{name: "playground", method: http.MethodGet, path: "/", key: "-", wantStatus: 200},
	}
	v := newValidator(t)
	var jobID string
	do := func(srv *httptest.Server, method, path, key, body string) (*http.Request, *http.Response, []byte) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if key != "-" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return req, resp, raw
	}
	for _, tc := range cases {
		if tc.srv == nil {
			tc.srv = srv
		}
		if tc.method == "" {
			tc.method = http.MethodPost
		}
		if tc.path == "" {
			tc.path = "/image-generation/v1/generate"
		}
		if tc.key == "" {
			tc.key = oaKey
		}
		req, resp, raw := do(tc.srv, tc.method, tc.path, tc.key, tc.body)
		require.Equal(t, tc.wantStatus, resp.StatusCode, "%s: %s", tc.name, truncate(raw))
		docErr := v.request(req, []byte(tc.body))
		var secErr *openapi3filter.SecurityRequirementsError
		switch {
		case tc.docRejects:
			require.Error(t, docErr, "%s: the document accepts a request the server rejects", tc.name)
		case resp.StatusCode == http.StatusRequestEntityTooLarge:
			// The body limit is the operator's, not the schema's.
		case tc.key == "-" && errors.As(docErr, &secErr):
			// The document requires the key the client left out.
		default:
			require.NoError(t, docErr, "%s: the document rejects a request the server accepts", tc.name)
		}
		v.response(req, []byte(tc.body), resp, raw)
		if resp.StatusCode == http.StatusCreated {
			var acc struct {
				JobID string `json:"job_id"`
			}
			require.NoError(t, json.Unmarshal(raw, &acc))
			jobID = acc.JobID
		}
	}

	t.Run("job status 200", func(t *testing.T) {
		require.NotEmpty(t, jobID)
		req, resp, raw := do(srv, http.MethodGet, "/image-generation/v1/jobs/"+jobID, oaKey, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
		require.NoError(t, v.request(req, nil))
		v.response(req, nil, resp, raw)
	})
	t.Run("rate limited 429", func(t *testing.T) {
		var resp *http.Response
		var req *http.Request
		var raw []byte
		for range 3 {
			req, resp, raw = do(srv, http.MethodPost, "/image-generation/v1/generate", oaLimited, solid)
		}
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "%s", raw)
		require.NotEmpty(t, resp.Header.Get("Retry-After"))
		v.response(req, []byte(solid), resp, raw)
	})
}

// Every field the document lists for a layer type appears in everyField,
// which the decoder accepts: no documented field is one the server
// rejects.
func TestOpenAPIEveryDocumentedFieldIsAccepted(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	props := func(name string) []string {
		var out []string
		s := doc.Components.Schemas[name].Value
		for k := range s.Properties {
			out = append(out, k)
		}
		for _, sub := range s.AllOf {
			if sub.Value != nil {
				for k := range sub.Value.Properties {
					out = append(out, k)
				}
			}
		}
		return out
	}
	used := map[string]map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, c := range x {
				walk(c)
			}
		case map[string]any:
			typ, _ := x["type"].(string)
			if used[typ] == nil {
				used[typ] = map[string]bool{}
			}
			for k, c := range x {
				used[typ][k] = true
				if k == "layers" || k == "background_layers" {
					walk(c)
				}
			}
		}
	}
	for _, long := range []bool{false, true} {
		var req map[string]any
		require.NoError(t, json.Unmarshal([]byte(everyField(t, long)), &req))
		walk(req["layers"])
	}
	var missing []string
	for typ, schemaName := range map[string]string{"solid-color": "SolidColorLayer", "gradient": "GradientLayer", "text": "TextLayer",
		"image": "ImageLayer", "qr-code": "QRCodeLayer", "barcode": "BarcodeLayer", "layout": "LayoutLayer"} {
		for _, field := range props(schemaName) {
			if !used[typ][field] {
				missing = append(missing, typ+"."+field)
			}
		}
	}
	sort.Strings(missing)
	require.Empty(t, missing, "openapi.json documents fields no accepted request uses")
}
