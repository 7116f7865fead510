package render

import (
	"bytes"
	"context"
	"image/color"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/schema"
)

// A custom font given by URL is fetched through the guarded fetcher and
// renders exactly like the same font sent as base64.
func TestCustomFontFromURL(t *testing.T) {
	reg := fontRegistry(t)
	dir := assets.Dir()
	ttf, err := os.ReadFile(filepath.Join(dir, "fonts", "Lobster", "Lobster_400Regular.ttf"))
	require.NoError(t, err, "run scripts/setup.sh")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/font.ttf" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(ttf)
	}))
	defer srv.Close()
	r, err := New(Options{Fonts: reg, MaxFontBytes: 10 << 20,
		FetchFont: imaging.FetchWith(fetch.New(fetch.Options{AllowPrivate: true}))})
	require.NoError(t, err)

	text := func() *schema.Layer {
		return &schema.Layer{Path: "layers[0]", Index: 0, HasIndex: true, Type: schema.TypeText, Opacity: 100,
			Position: &schema.Point{}, Size: &schema.Size{Width: 300, Height: 60},
			Text: &schema.Text{Text: "Hello web font", FontName: "Web Font", FontSize: 32, Weight: schema.Regular,
				Color: color.NRGBA{A: 255}, Align: schema.AlignLeft, VerticalAlign: schema.AlignTop, SplitLines: true}}
	}
	font := func(file schema.File) *schema.Font {
		return &schema.Font{Path: "fonts[0]", Name: "Web Font", Weight: schema.Regular, File: file}
	}
	byURL := &schema.Request{Width: 300, Height: 60, OutputFormat: schema.PNG, Layers: []*schema.Layer{text()},
		Fonts: []*schema.Font{font(schema.File{Type: schema.SourceURL, URL: srv.URL + "/font.ttf"})}}
	byData := &schema.Request{Width: 300, Height: 60, OutputFormat: schema.PNG, Layers: []*schema.Layer{text()},
		Fonts: []*schema.Font{font(schema.File{Type: schema.SourceBase64, Data: ttf})}}
	a, err := r.Render(context.Background(), byURL)
	require.NoError(t, err)
	b, err := r.Render(context.Background(), byData)
	require.NoError(t, err)
	require.True(t, bytes.Equal(a.Data, b.Data), "URL and base64 fonts must render the same")
	require.Equal(t, schema.SourceURL, byURL.Fonts[0].File.Type, "the request is not modified")

	missing := &schema.Request{Width: 300, Height: 60, OutputFormat: schema.PNG, Layers: []*schema.Layer{text()},
		Fonts: []*schema.Font{font(schema.File{Type: schema.SourceURL, URL: srv.URL + "/nope.ttf"})}}
	_, err = r.Render(context.Background(), missing)
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
	require.Contains(t, failure.As(err).PublicMessage(), "fonts[0]")
	require.Contains(t, failure.As(err).PublicMessage(), "404")
}
