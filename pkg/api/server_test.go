package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/dnstest"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/webhook"
)

const testKey = "test-key-0123456789abcdef"

func newTestServer(t *testing.T, mutate func(*Options)) *httptest.Server {
	t.Helper()
	r, err := render.New(render.Options{})
	require.NoError(t, err)
	limits := schema.DefaultLimits()
	limits.MaxBodyBytes = 1 << 20
	var logs bytes.Buffer
	o := Options{
		Keys:     map[string]string{testKey: ""},
		Limits:   limits,
		Renderer: r,
		Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
		Ready:    map[string]Check{"fonts": func(context.Context) error { return nil }},
		Required: []string{"fonts"},
		// Every webhook host name exists (TestWebhookHostWithoutRecord
		// has its own DNS server).
		Resolver: dnstest.Start(t, dnstest.Everything("93.184.215.14")).Resolver(),
	}
	if mutate != nil {
		mutate(&o)
	}
	srv := httptest.NewServer(New(o).Handler())
	t.Cleanup(func() {
		srv.Close()
		// Logs must never carry the key or payloads.
		require.NotContains(t, logs.String(), testKey)
		require.NotContains(t, logs.String(), "iVBOR")
	})
	return srv
}

type envelope struct {
	Success bool             `json:"success"`
	Error   string           `json:"error"`
	Details []failure.Detail `json:"details"`
	Async   bool             `json:"async"`
	JobID   string           `json:"job_id"`
	Data    struct {
		Buffer   string `json:"buffer"`
		MimeType string `json:"mime_type"`
	} `json:"data"`
}

func post(t *testing.T, srv *httptest.Server, path, key, body string) (*http.Response, envelope) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env envelope
	require.NoError(t, json.Unmarshal(raw, &env), "body: %s", raw)
	if !env.Success {
		// The error is always a string sentence (the reference SDKs parse it so).
		var generic map[string]any
		require.NoError(t, json.Unmarshal(raw, &generic))
		require.IsType(t, "", generic["error"])
		require.NotEmpty(t, env.Error)
	}
	return resp, env
}

const solidRequest = `{"dimensions":{"width":64,"height":32},"layers":[{"index":0,"type":"solid-color","hex_color":"#3366FF"}]}`

func TestGenerateSyncPNG(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	for _, path := range []string{"/image-generation/v1/generate", "/image-generation/v1/render"} {
		resp, env := post(t, srv, path, testKey, solidRequest)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.True(t, env.Success)
		require.Equal(t, "image/png", env.Data.MimeType)
		raw, err := base64.StdEncoding.DecodeString(env.Data.Buffer)
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(raw))
		require.NoError(t, err)
		require.Equal(t, 64, img.Bounds().Dx())
		r, g, b, a := img.At(10, 10).RGBA()
		require.Equal(t, []uint32{0x33, 0x66, 0xff, 0xff}, []uint32{r >> 8, g >> 8, b >> 8, a >> 8})
		require.NotEmpty(t, resp.Header.Get("X-Request-Id"))
	}
}

// panicRenderer stands for a bug inside the renderer.
type panicRenderer struct{}

func (panicRenderer) Render(context.Context, *schema.Request) (core.Result, error) {
	panic("secret internal detail")
}

// slowRenderer holds a render slot until its context ends.
type slowRenderer struct{}

func (slowRenderer) Render(ctx context.Context, _ *schema.Request) (core.Result, error) {
	<-ctx.Done()
	return core.Result{}, ctx.Err()
}

func TestStatusTable(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	bigBody := `{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff","x":"` + strings.Repeat("a", 2<<20) + `"}]}`
	webhook := `{"dimensions":{"width":1,"height":1},"webhook_url":"https://example.com/h","layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`
	cases := []struct {
		name, path, key, body string
		status                int
		contains              string
	}{
		{"malformed JSON", "/image-generation/v1/generate", testKey, `{"dimensions":`, 400, "not valid JSON"},
		{"bad colour names its path", "/image-generation/v1/generate", testKey, strings.Replace(solidRequest, "#3366FF", "blue", 1), 400, "layers[0].hex_color"},
		{"missing key", "/image-generation/v1/generate", "", solidRequest, 401, "Missing API key"},
		{"wrong key", "/image-generation/v1/generate", "nope-nope-nope-nope", solidRequest, 401, "Invalid API key"},
		{"body over limit", "/image-generation/v1/generate", testKey, bigBody, 413, "larger than"},
		{"async without queue", "/image-generation/v1/generate", testKey, webhook, 503, "not available"},
		{"webhook to loopback literal", "/image-generation/v1/generate", testKey, strings.Replace(webhook, "example.com", "127.0.0.1:8443", 1), 400, "webhook_url must not point at 127.0.0.1 (loopback)"},
		{"webhook to private literal", "/image-generation/v1/generate", testKey, strings.Replace(webhook, "example.com", "10.1.2.3", 1), 400, "(private network)"},
		{"webhook to IPv6 loopback", "/image-generation/v1/generate", testKey, strings.Replace(webhook, "example.com", "[::1]", 1), 400, "::1 (loopback)"},
		{"webhook to metadata", "/image-generation/v1/generate", testKey, strings.Replace(webhook, "example.com", "169.254.169.254", 1), 400, "cloud metadata endpoint"},
		{"webhook to public literal", "/image-generation/v1/generate", testKey, strings.Replace(webhook, "example.com", "93.184.215.14", 1), 503, "not available"},
		{"unknown route", "/image-generation/v1/nope", testKey, solidRequest, 404, "No such endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, env := post(t, srv, tc.path, tc.key, tc.body)
			require.Equal(t, tc.status, resp.StatusCode, env.Error)
			require.False(t, env.Success)
			require.Contains(t, env.Error, tc.contains)
			require.Equal(t, "application/json", strings.Split(resp.Header.Get("Content-Type"), ";")[0])
		})
	}
}

func TestInvalidRequestListsEveryProblem(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	body := `{"dimensions":{"width":1,"height":1},"layers":[{"index":-1,"type":"solid-color","hex_color":"nope","opacity":101}]}`
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, body)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Len(t, env.Details, 3)
	require.Equal(t, "layers[0].index", env.Details[0].Path)
}

func TestPanicIs500WithoutLeak(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) { o.Renderer = panicRenderer{} })
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Equal(t, "Internal server error.", env.Error)
	require.NotContains(t, env.Error, "secret")
}

func TestRenderTimeoutIs422(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) {
		o.Renderer = slowRenderer{}
		o.Limits.RenderTimeout = 50 * time.Millisecond
	})
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, env.Error, "longer than 50ms")
}

func TestAtCapacityIs503(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) {
		o.Renderer = slowRenderer{}
		o.Limits.RenderTimeout = 500 * time.Millisecond
		o.RenderConcurrency = 1
		o.QueueWait = 10 * time.Millisecond
	})
	go post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	time.Sleep(100 * time.Millisecond)
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, env.Error, "capacity")
}

func TestReadyzReportsOptionalChecks(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) {
		o.Ready["redis"] = func(context.Context) error { return io.ErrUnexpectedEOF }
	})
	resp, err := http.Get(srv.URL + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.True(t, body.Ready)
	require.Equal(t, "ok", body.Checks["fonts"])
	require.Contains(t, body.Checks["redis"], "unexpected EOF")
}

// A known path asked with the wrong method is a 405 with Allow; an
// Authorization scheme in any case is accepted.
func TestMethodsAndAuthScheme(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, nil)
	do := func(method, path, auth, body string) (*http.Response, envelope) {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var env envelope
		if method != http.MethodHead {
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
		}
		return resp, env
	}
	methods := []struct {
		method, path, allow string
	}{
		{http.MethodGet, "/image-generation/v1/generate", "POST"},
		{http.MethodPut, "/image-generation/v1/render", "POST"},
		{http.MethodDelete, "/image-generation/v1/generate", "POST"},
		{http.MethodHead, "/image-generation/v1/generate", "POST"},
		{http.MethodPost, "/image-generation/v1/jobs/job_0123", "GET"},
	}
	for _, tc := range methods {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp, env := do(tc.method, tc.path, "Bearer "+testKey, "")
			require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
			require.Equal(t, tc.allow, resp.Header.Get("Allow"))
			if tc.method != http.MethodHead {
				require.Contains(t, env.Error, "use "+tc.allow+" "+tc.path)
			}
		})
	}
	for _, auth := range []string{"Bearer " + testKey, "bearer " + testKey, "BEARER  " + testKey} {
		resp, env := do(http.MethodPost, "/image-generation/v1/generate", auth, solidRequest)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%q: %s", auth, env.Error)
	}
	for _, auth := range []string{"Basic " + testKey, "Bearer", testKey} {
		resp, env := do(http.MethodPost, "/image-generation/v1/generate", auth, solidRequest)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%q", auth)
		require.Contains(t, env.Error, "Missing API key")
	}
}

// With private networks allowed (development), a loopback webhook is
// accepted at submit; here it reaches the missing queue's 503.
func TestWebhookLiteralAllowedWithPrivateNetworks(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) { o.AllowPrivateNetworks = true })
	body := `{"dimensions":{"width":1,"height":1},"webhook_url":"https://127.0.0.1:8443/h","layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, body)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, env.Error)
}

// A webhook_url whose host DNS says does not exist is a 422 at
// webhook_url before anything is queued; a name that resolves, a SERVFAIL
// and a lookup that times out all go on to the queue (here: none, 503),
// the last within the check's bound. Private networks allowed or not.
func TestWebhookHostWithoutRecord(t *testing.T) {
	t.Parallel()
	records := dnstest.Records(map[string][]string{"hooks.example.com": {"93.184.215.14"}})
	dns := dnstest.Start(t, func(name string, qtype dnsmessage.Type) dnstest.Answer {
		switch name {
		case "servfail.example.com":
			return dnstest.Answer{RCode: dnsmessage.RCodeServerFailure}
		case "silent.example.com":
			return dnstest.Answer{Silent: true}
		}
		return records(name, qtype)
	})
	for _, private := range []bool{false, true} {
		srv := newTestServer(t, func(o *Options) { o.Resolver = dns.Resolver(); o.AllowPrivateNetworks = private })
		body := func(host string) string {
			return `{"dimensions":{"width":1,"height":1},"webhook_url":"https://` + host + `/h","layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`
		}
		resp, env := post(t, srv, "/image-generation/v1/generate", testKey, body("nowhere.example.com"))
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, env.Error)
		require.Equal(t, "webhook_url has a host, nowhere.example.com, with no DNS record: no delivery could reach it; check the spelling or create the record first.", env.Error)
		require.Equal(t, []failure.Detail{{Path: "webhook_url", Message: "has a host, nowhere.example.com, with no DNS record: no delivery could reach it; check the spelling or create the record first"}}, env.Details)
		for _, host := range []string{"hooks.example.com", "Hooks.Example.COM:8443", "servfail.example.com", "silent.example.com"} {
			start := time.Now()
			resp, env = post(t, srv, "/image-generation/v1/generate", testKey, body(host))
			require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "%s: %s", host, env.Error)
			require.Less(t, time.Since(start), webhook.HostCheckTimeout+time.Second, host)
		}
	}
}
