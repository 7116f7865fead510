package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// The playground's files are served without a key, with the right types
// and a CSP that allows nothing off the server; anything else is the
// API's JSON 404.
func TestPlaygroundFiles(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(New(Options{Keys: map[string]string{"k-0123456789abcdef": ""}, Limits: schema.DefaultLimits()}).Handler())
	defer srv.Close()
	cases := []struct {
		name, path, wantType, wantBody string
		wantStatus                     int
	}{
		{name: "page", path: "/", wantType: "text/html", wantBody: `<textarea id="json"`, wantStatus: 200},
		{name: "script", path: "/playground/playground.js", wantType: "application/javascript", wantBody: "/image-generation/v1/generate", wantStatus: 200},
		{name: "template mode", path: "/playground/template.js", wantType: "application/javascript", wantBody: "crypto.subtle.sign", wantStatus: 200},
		{name: "examples", path: "/playground/examples.js", wantType: "application/javascript", wantBody: `"qr-code"`, wantStatus: 200},
		{name: "stylesheet", path: "/playground/playground.css", wantType: "text/css", wantBody: "#preview", wantStatus: 200},
		{name: "missing file", path: "/playground/nope.js", wantType: "application/json", wantBody: `"success":false`, wantStatus: 404},
		{name: "no traversal", path: "/playground/../openapi.go", wantType: "application/json", wantBody: `"success":false`, wantStatus: 404},
		{name: "directory", path: "/playground/", wantType: "application/json", wantBody: `"success":false`, wantStatus: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
			require.NoError(t, err)
			req.URL.Path = tc.path // keep ".." as sent
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, resp.StatusCode, "%s", body)
			require.Contains(t, resp.Header.Get("Content-Type"), tc.wantType)
			require.Contains(t, string(body), tc.wantBody)
			if resp.StatusCode == http.StatusOK {
				csp := resp.Header.Get("Content-Security-Policy")
				require.Contains(t, csp, "default-src 'self'")
				require.NotContains(t, csp, "http")
				require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
			} else {
				var env map[string]any
				require.NoError(t, json.Unmarshal(body, &env))
			}
		})
	}
}

// The page loads nothing from outside the server (it must work offline).
func TestPlaygroundIsSelfContained(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"index.html", "playground.js", "examples.js", "playground.css"} {
		data, err := playgroundFiles.ReadFile("playground/" + name)
		require.NoError(t, err)
		for _, bad := range []string{"http://", "https://", "//cdn", "@import"} {
			text := strings.ReplaceAll(string(data), "https://example.com", "")
			text = strings.ReplaceAll(text, "https://github.com/strata-render/strata", "")
			require.NotContains(t, text, bad, "%s refers to %s", name, bad)
		}
	}
}
