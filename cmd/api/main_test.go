package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/dnstest"
)

const e2eKey = "e2e-key-0123456789abcdef"

// startMain runs a real API process in-process on a free port.
func startMain(t *testing.T) string {
	t.Helper()
	return startMainWith(t, func(*config.Config) {})
}

// startMainWith is startMain with the configuration adjusted by edit.
func startMainWith(t testing.TB, edit func(*config.Config)) string {
	t.Helper()
	return "http://" + runMain(t, edit).Addr()
}

// runMain runs a real API process in-process and returns it.
func runMain(t testing.TB, edit func(*config.Config)) *Main {
	t.Helper()
	cfg := config.NewDefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.APIKeys = map[string]string{e2eKey: ""}
	cfg.AssetsDir = assets.Dir()
	if url := os.Getenv("STRATA_TEST_REDIS_URL"); url != "" {
		cfg.RedisURL = url
	}
	// Every host name exists, so made-up webhook hosts pass the submit
	// check (TestWebhookHostCheckedAtSubmit gives its own server).
	cfg.DNSServer = dnstest.Start(t, dnstest.Everything("93.184.215.14")).Addr()
	edit(&cfg)
	m := NewMain(cfg)
	require.NoError(t, m.Run(context.Background()), "is the assets dir filled? run scripts/setup.sh")
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

func generate(t *testing.T, base, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/image-generation/v1/generate", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+e2eKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// The spec's example request, in both field spellings, renders the same
// 800x600 PNG.
func TestSpecExampleBothSpellings(t *testing.T) {
	base := startMain(t)
	short := `{"dimensions":{"width":800,"height":600},"layers":[
	  {"index":0,"type":"solid-color","hex_color":"#FFFFFF"},
	  {"index":1,"type":"text","text":"Hello World","font_name":"Roboto","font_size_in_px":48,"text_color":"#000000",
	   "position":{"x":50.0,"y":50.0},"dimensions":{"width":700,"height":100}}],"output_format":"png"}`
	long := strings.NewReplacer(`"width"`, `"width_in_px"`, `"height"`, `"height_in_px"`, `"x"`, `"x_in_px"`, `"y"`, `"y_in_px"`).Replace(short)
	require.NotEqual(t, short, long)

	var images [][]byte
	for _, body := range []string{short, long} {
		status, out := generate(t, base, body)
		require.Equal(t, http.StatusOK, status, "%v", out)
		require.Equal(t, true, out["success"])
		data := out["data"].(map[string]any)
		require.Equal(t, "image/png", data["mime_type"])
		raw, err := base64.StdEncoding.DecodeString(data["buffer"].(string))
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(raw))
		require.NoError(t, err)
		require.Equal(t, 800, img.Bounds().Dx())
		require.Equal(t, 600, img.Bounds().Dy())
		// Some ink of the black text lands inside its box.
		dark := 0
		for y := 50; y < 150; y++ {
			for x := 50; x < 750; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x4000 {
					dark++
				}
			}
		}
		require.Greater(t, dark, 500, "the text was not drawn")
		images = append(images, raw)
	}
	require.Equal(t, images[0], images[1])
}

// With no Redis answering, the whole process (coalesced Redis client,
// rate limiter, queue) answers async requests 503 within a second, again
// and again, while sync requests still render. Regression: a submit that
// hit the queue's 2 s timeout was answered 422 "the render took longer
// than 30s", after 3 s.
func TestRedisDownIs503ForAsyncOnly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := l.Addr().String()
	require.NoError(t, l.Close())
	base := startMainWith(t, func(c *config.Config) { c.RedisURL = "redis://" + dead + "/0" })
	sync := `{"dimensions":{"width":64,"height":64},"layers":[{"index":0,"type":"solid-color","hex_color":"#336699"}]}`
	async := strings.Replace(sync, `]}`, `],"webhook_url":"https://hooks.example.com/strata"}`, 1)
	for range 3 {
		start := time.Now()
		status, out := generate(t, base, async)
		require.Equal(t, http.StatusServiceUnavailable, status, "%v", out)
		require.Less(t, time.Since(start), time.Second, "one dial per attempt, not the 2 s queue timeout")
		status, out = generate(t, base, sync)
		require.Equal(t, http.StatusOK, status, "%v", out)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	base := startMain(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
}

func TestRefusesToStartWithoutKeys(t *testing.T) {
	cfg := config.NewDefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	err := NewMain(cfg).Run(context.Background())
	require.ErrorContains(t, err, "STRATA_API_KEYS")
}

func TestRefusesToStartWithoutFonts(t *testing.T) {
	cfg := config.NewDefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.APIKeys = map[string]string{e2eKey: ""}
	cfg.AssetsDir = t.TempDir()
	err := NewMain(cfg).Run(context.Background())
	require.ErrorContains(t, err, "fonts")
}

// /metrics carries render latency by layer type next to the HTTP series.
func TestMetricsByLayerType(t *testing.T) {
	base := startMain(t)
	status, _ := generate(t, base, `{"dimensions":{"width":120,"height":100},"layers":[
	  {"index":0,"type":"solid-color","hex_color":"#FFFFFF"},
	  {"index":1,"type":"qr-code","value":"x","foreground_hex_color":"#000","background_hex_color":"#fff","position":{"x":0,"y":0},"dimensions":{"width":100,"height":100}}]}`)
	require.Equal(t, http.StatusOK, status)
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), `strata_layer_render_duration_seconds_count{layer_type="solid-color"} 1`)
	require.Contains(t, string(body), `strata_layer_render_duration_seconds_count{layer_type="qr-code"} 1`)
}

// TestWarningsEndToEnd: a sync render's envelope carries data.warnings
// (an empty list when nothing went wrong) and /metrics counts them by code.
func TestWarningsEndToEnd(t *testing.T) {
	base := startMain(t)
	status, out := generate(t, base, `{"dimensions":{"width":240,"height":80},"layers":[
	  {"index":0,"type":"barcode","format":"ean13","value":"9781234567890","foreground_hex_color":"#000","background_hex_color":"#fff",
	   "position":{"x":0,"y":0},"dimensions":{"width":240,"height":80}}]}`)
	require.Equal(t, http.StatusOK, status, out)
	data := out["data"].(map[string]any)
	ws := data["warnings"].([]any)
	require.Len(t, ws, 1)
	w := ws[0].(map[string]any)
	require.Equal(t, "layers[0].value", w["path"])
	require.Equal(t, "barcode_check_digit", w["code"])
	require.Contains(t, w["message"], "9781234567897")

	status, out = generate(t, base, `{"dimensions":{"width":10,"height":10},"layers":[{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}]}`)
	require.Equal(t, http.StatusOK, status, out)
	require.Equal(t, []any{}, out["data"].(map[string]any)["warnings"], "a clean render reports an empty list")

	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), `strata_render_warnings_total{code="barcode_check_digit"} 1`)
}

// With STRATA_DNS_SERVER set, an async request whose webhook host has no
// DNS record is a 422 at webhook_url, and one whose host resolves is
// queued (201), through the whole process and a real Redis.
func TestWebhookHostCheckedAtSubmit(t *testing.T) {
	dns := dnstest.Start(t, dnstest.Records(map[string][]string{"hooks.example.com": {"93.184.215.14"}}))
	base := startMainWith(t, func(c *config.Config) { c.DNSServer = dns.Addr() })
	body := func(host string) string {
		return `{"dimensions":{"width":64,"height":64},"layers":[{"index":0,"type":"solid-color","hex_color":"#336699"}],"webhook_url":"https://` + host + `/strata"}`
	}
	status, out := generate(t, base, body("hooks.example.com"))
	require.Equal(t, http.StatusCreated, status, "%v", out)
	status, out = generate(t, base, body("hooks.exmaple.com"))
	require.Equal(t, http.StatusUnprocessableEntity, status, "%v", out)
	require.Contains(t, out["error"], "webhook_url has a host, hooks.exmaple.com, with no DNS record")
	require.Equal(t, "webhook_url", out["details"].([]any)[0].(map[string]any)["path"])
}
