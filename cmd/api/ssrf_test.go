package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Image URLs that point at loopback, private, link-local or metadata
// addresses are refused by the running service (private networks are off
// by default), with a sentence naming the layer and the reason, and the
// target never sees a request.
func TestImageURLSSRF(t *testing.T) {
	hits := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer target.Close()
	port := target.URL[strings.LastIndex(target.URL, ":")+1:]
	redirector := httptest.NewServer(http.RedirectHandler(target.URL+"/x.png", http.StatusFound))
	defer redirector.Close()

	base := startMain(t)
	for _, url := range []string{
		"http://127.0.0.1:" + port + "/x.png",
		"http://[::1]:" + port + "/x.png",
		"http://[::ffff:127.0.0.1]:" + port + "/x.png",
		"http://localhost:" + port + "/x.png",
		"http://10.0.0.1/x.png",
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0:" + port + "/x.png",
		redirector.URL + "/redirect",
	} {
		t.Run(url, func(t *testing.T) {
			body := fmt.Sprintf(`{"dimensions":{"width":10,"height":10},"layers":[{"index":0,"type":"image","file":{"type":"url","url":%q}}]}`, url)
			status, out := generate(t, base, body)
			require.Equal(t, http.StatusUnprocessableEntity, status, "%v", out)
			msg := out["error"].(string)
			require.Contains(t, msg, "layers[0]")
			require.Contains(t, msg, "not allowed")
		})
	}
	require.Zero(t, hits, "no request may reach a private address")
}
