package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	_ "image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/chromiumtest"
	"github.com/strata-render/strata/pkg/redistest"
)

// newBrowser starts headless Chromium for one playground test.
func newBrowser(t *testing.T) context.Context {
	ctx, _ := chromiumtest.Browser(t, 60*time.Second, chromedp.WindowSize(1400, 760))
	return ctx
}

// screenshot saves a PNG of the page into $SAVE_SCREENSHOTS (or a temp
// dir) for review.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SAVE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), buf, 0o644))
}

// previewPixel decodes the preview's data: URL and returns the colour at
// (x, y).
func previewPixel(t *testing.T, src string, x, y int) (r, g, b uint32) {
	t.Helper()
	b64, ok := strings.CutPrefix(src, "data:image/png;base64,")
	require.True(t, ok, "preview is not a PNG data URL: %.40s", src)
	raw, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	img, _, err := image.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	r, g, b, _ = img.At(x, y).RGBA()
	return r >> 8, g >> 8, b >> 8
}

const (
	jsPreviewSrc = `(document.getElementById('preview').getAttribute('src') || '')`
	jsStatus     = `document.getElementById('status').className + ': ' + document.getElementById('status').textContent`
)

// eval runs a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "%s", expr)
	return v
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](jsStatus))
		require.NoError(t, err, "waiting for %s; status %q", cond, status)
	}
}

// editJSON edits the editor's text as a user would and fires the input
// event the page listens to.
func editJSON(t *testing.T, ctx context.Context, from, to string) {
	t.Helper()
	ok := eval[bool](t, ctx, `(() => {
	  const t = document.getElementById('json');
	  if (!t.value.includes(`+jsString(from)+`)) return false;
	  t.value = t.value.replace(`+jsString(from)+`, `+jsString(to)+`);
	  t.dispatchEvent(new Event('input', {bubbles: true}));
	  return true;
	})()`)
	require.True(t, ok, "the editor holds no %s", from)
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// The playground, in a real browser against a real server: the key typed
// once renders the preloaded example, an edit re-renders the preview, a
// bad colour shows its JSON path, and the key survives a reload.
func TestPlaygroundInBrowser(t *testing.T) {
	base := startMain(t)
	ctx := newBrowser(t)

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#json")),
		chromedp.SendKeys(chromedp.CSS("#key"), e2eKey),
	))
	waitFor(t, ctx, jsPreviewSrc+`.startsWith('data:image/png')`)
	src1 := eval[string](t, ctx, jsPreviewSrc)
	status := eval[string](t, ctx, jsStatus)
	require.True(t, strings.HasPrefix(status, "ok: Rendered image/png"), status)
	screenshot(t, ctx, "playground.png")

	// Every layer type has a preloaded example.
	options := eval[[]string](t, ctx, `[...document.querySelectorAll('#example option')].map(o => o.value)`)
	joined := strings.Join(options, "|")
	for _, typ := range []string{"solid-color", "gradient", "text", "image", "qr-code", "barcode", "layout"} {
		require.Contains(t, joined, typ)
	}

	// The first example's gradient starts dark navy at the top-left.
	r, g, b := previewPixel(t, src1, 2, 2)
	require.Less(t, r, uint32(60), "rgb %d %d %d", r, g, b)

	// An edit re-renders: the gradient now starts red.
	editJSON(t, ctx, `"#0F172A"`, `"#DC2626"`)
	waitFor(t, ctx, jsPreviewSrc+` !== `+jsString(src1)+` && document.getElementById('status').className === 'ok'`)
	src2 := eval[string](t, ctx, jsPreviewSrc)
	r, g, b = previewPixel(t, src2, 2, 2)
	require.Greater(t, r, uint32(180), "rgb %d %d %d", r, g, b)
	require.Less(t, g, uint32(90), "rgb %d %d %d", r, g, b)

	// The download button offers the rendered image.
	require.True(t, strings.HasPrefix(eval[string](t, ctx, `document.getElementById('download').href`), "blob:"))
	require.Equal(t, "strata.png", eval[string](t, ctx, `document.getElementById('download').download`))

	// A bad colour shows its JSON path and the server's message.
	editJSON(t, ctx, `"#DC2626"`, `"#DC26"`)
	const item = `document.querySelector('#errors li[data-path="layers[0].colors[0].hex_color"]')`
	waitFor(t, ctx, item+` !== null`)
	problem := eval[string](t, ctx, item+`.textContent`)
	require.Contains(t, problem, "layers[0].colors[0].hex_color")
	require.Contains(t, problem, "#RRGGBB")
	status = eval[string](t, ctx, jsStatus)
	require.True(t, strings.HasPrefix(status, "error: 400"), status)
	// The gutter marks the line of the bad value.
	require.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#gutter .bad').length`))
	screenshot(t, ctx, "playground-error.png")

	// A render with a warning shows it at its JSON path, the image too.
	editJSON(t, ctx, `"#DC26"`, `"#DC2626"`)
	editJSON(t, ctx, `"type": "gradient",`, `"type": "gradient", "opacity": 0,`)
	const warned = `document.querySelector('#errors li.warning[data-code="layer_transparent"]')`
	waitFor(t, ctx, warned+` !== null && document.getElementById('status').className === 'ok'`)
	require.Equal(t, "layers[0].opacity", eval[string](t, ctx, warned+`.dataset.path`))
	require.Contains(t, eval[string](t, ctx, jsStatus), "1 warning")
	editJSON(t, ctx, `"type": "gradient", "opacity": 0,`, `"type": "gradient",`)
	waitFor(t, ctx, `document.getElementById('status').className === 'ok' && document.querySelector('#errors li') === null`)

	// The image example's picture is drawn in the browser and renders.
	eval[bool](t, ctx, `(() => {
	  const s = document.getElementById('example');
	  s.value = [...s.options].find(o => o.value.startsWith('image')).value;
	  s.dispatchEvent(new Event('change'));
	  return true;
	})()`)
	waitFor(t, ctx, `document.getElementById('status').className === 'ok' && document.getElementById('json').value.includes('"image"')`)
	screenshot(t, ctx, "playground-image.png")

	// The key is kept in the browser: after a reload the draft renders
	// without typing it again.
	editJSON(t, ctx, `"#0F172A"`, `"#16A34A"`)
	waitFor(t, ctx, `document.getElementById('status').className === 'ok'`)
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#json"))))
	require.Equal(t, e2eKey, eval[string](t, ctx, `document.getElementById('key').value`))
	waitFor(t, ctx, jsPreviewSrc+`.startsWith('data:image/png')`)
	r, g, b = previewPixel(t, eval[string](t, ctx, jsPreviewSrc), 2, 2)
	require.Greater(t, g, uint32(120), "the reloaded draft is the green one: rgb %d %d %d", r, g, b)
}

// Template mode, in a real browser: the template is saved (PUT), its
// variables get inputs, filling one renders through a signed URL made in
// the page, and that URL works on its own; a bad value marks its input.
func TestPlaygroundTemplateMode(t *testing.T) {
	redistest.Client(t, 11)
	base := startTemplateMain(t, 11)
	call(t, http.MethodDelete, base+"/image-generation/v1/templates/pg-card", e2eKey, "")
	ctx := newBrowser(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#json")),
		chromedp.SendKeys(chromedp.CSS("#key"), e2eKey),
	))
	eval[bool](t, ctx, `(() => {
	  const m = document.getElementById('mode');
	  m.value = 'template'; m.dispatchEvent(new Event('change'));
	  document.getElementById('tpl-id').value = 'pg-card';
	  return true;
	})()`)
	waitFor(t, ctx, `document.getElementById('status').className === 'ok' && document.getElementById('json').value.includes('"name": "title"')`)
	require.False(t, eval[bool](t, ctx, `document.getElementById('template-panel').hidden`))

	eval[bool](t, ctx, `(document.getElementById('tpl-save').click(), true)`)
	waitFor(t, ctx, `document.querySelectorAll('#vars input').length === 4`)
	require.Contains(t, eval[string](t, ctx, `document.getElementById('tpl-version').textContent`), "Version 1 saved")
	require.Equal(t, []string{"background", "badge", "title", "link"}, eval[[]string](t, ctx, `[...document.querySelectorAll('#vars input')].map(i => i.dataset.name)`))
	require.Equal(t, "hex_color", eval[string](t, ctx, `document.querySelectorAll('#vars select')[1].value`))
	waitFor(t, ctx, `document.getElementById('signed-url').value !== '' && document.getElementById('status').className === 'ok'`)
	first := eval[string](t, ctx, jsPreviewSrc)

	fill := func(name, value string) {
		eval[bool](t, ctx, `(() => {
		  const i = document.querySelector('#vars input[data-name="`+name+`"]');
		  i.value = `+jsString(value)+`; i.dispatchEvent(new Event('input'));
		  return true;
		})()`)
	}
	fill("badge", "#DC2626")
	fill("title", "Hello & 'welcome' (100%)")
	waitFor(t, ctx, jsPreviewSrc+` !== `+jsString(first)+` && document.getElementById('status').className === 'ok'`)
	src := eval[string](t, ctx, jsPreviewSrc)
	r, g, b := previewPixel(t, src, 120, 100)
	require.Equal(t, []uint32{0xDC, 0x26, 0x26}, []uint32{r, g, b}, "the badge is the colour filled in")
	screenshot(t, ctx, "playground-template.png")

	// The signed URL the page shows works on its own.
	signed := eval[string](t, ctx, `document.getElementById('signed-url').value`)
	require.True(t, strings.HasPrefix(signed, base+"/image-generation/v1/templates/pg-card/image.png?key=key_"), signed)
	require.Contains(t, signed, "&v=1&")
	resp, img := call(t, http.MethodGet, signed, "", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", img)
	require.Equal(t, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(img), src)

	// A bad value is a 400 naming the query parameter; its input is marked.
	fill("badge", "red")
	waitFor(t, ctx, `document.querySelector('#vars .bad input[data-name="badge"]') !== null`)
	status := eval[string](t, ctx, jsStatus)
	require.True(t, strings.HasPrefix(status, "error: 400"), status)
	require.Contains(t, eval[string](t, ctx, `document.getElementById('errors').textContent`), `query["badge.hex_color"]`)
}
