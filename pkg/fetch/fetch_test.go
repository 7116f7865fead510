package fetch

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// pngBytes is a PNG signature plus enough bytes to look like one.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")

func servePNG(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(pngBytes) }

// requireFailure asserts err is an Unprocessable *failure.Error whose
// public message contains want.
func requireFailure(t *testing.T, err error, want string) {
	t.Helper()
	requireKind(t, err, failure.Unprocessable, want)
}

// requireKind: err is a *failure.Error of kind whose public message
// contains want.
func requireKind(t *testing.T, err error, kind failure.Kind, want string) {
	t.Helper()
	require.Error(t, err)
	var fe *failure.Error
	require.True(t, errors.As(err, &fe), "want *failure.Error, got %T: %v", err, err)
	require.Equal(t, kind, fe.Kind)
	require.Contains(t, fe.PublicMessage(), want)
}

// TestGetBlocksRestrictedAddresses is the SSRF table: with the default
// policy, every one of these URLs must be refused at dial time and the real
// server listening on loopback must never see a request.
func TestGetBlocksRestrictedAddresses(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "127.0.0.1", servePNG)
	port := srv.port()
	resolver := startDNS(t, map[string][]string{
		"rebind.test":      {"127.0.0.1"},
		"metadata.test":    {"169.254.169.254"},
		"mixed.test":       {"8.8.8.8", "10.0.0.1"},
		"mapped-v6.test":   {"::ffff:127.0.0.1"},
		"private-v6.test":  {"fd00::1"},
		"loopback-v6.test": {"::1"},
	})
	c := New(Options{Resolver: resolver, Timeout: 20 * time.Second})

	tests := []struct {
		name string
		url  string
		want string
	}{
		{name: "loopback literal", url: "http://127.0.0.1:" + port + "/a.png", want: "address 127.0.0.1 is not allowed (loopback)"},
		{name: "loopback v6 literal", url: "http://[::1]:" + port + "/", want: "address ::1 is not allowed (loopback)"},
		{name: "mapped loopback literal", url: "http://[::ffff:127.0.0.1]:" + port + "/", want: "(loopback)"},
		{name: "private", url: "http://10.0.0.1/a.png", want: "address 10.0.0.1 is not allowed (private network)"},
		{name: "metadata", url: "http://169.254.169.254/latest/meta-data/", want: "(cloud metadata endpoint)"},
		{name: "unspecified", url: "http://0.0.0.0:" + port + "/", want: "address 0.0.0.0 is not allowed (unspecified address)"},
		{name: "localhost", url: "http://localhost:" + port + "/", want: "(loopback)"},
		{name: "dns name to loopback", url: "http://rebind.test:" + port + "/", want: "address 127.0.0.1 is not allowed (loopback)"},
		{name: "dns name to metadata", url: "http://metadata.test/", want: "(cloud metadata endpoint)"},
		{name: "dns name to public and private", url: "http://mixed.test/", want: "address 10.0.0.1 is not allowed (private network)"},
		{name: "dns AAAA mapped loopback", url: "http://mapped-v6.test:" + port + "/", want: "(loopback)"},
		{name: "dns AAAA ula", url: "http://private-v6.test/", want: "(private network)"},
		{name: "dns AAAA loopback", url: "http://loopback-v6.test:" + port + "/", want: "(loopback)"},
		{name: "nat64 to loopback", url: "http://[64:ff9b::7f00:1]:" + port + "/", want: "(tunnel address to loopback)"},
		{name: "6to4 to loopback", url: "http://[2002:7f00:1::1]:" + port + "/", want: "(tunnel address to loopback)"},
		{name: "https loopback", url: "https://127.0.0.1:" + port + "/", want: "(loopback)"},
		{name: "link-local v6 with zone", url: "http://[fe80::1%25lo]:" + port + "/", want: "(link-local)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Get(context.Background(), tt.url, schema.FetchOptions{})
			requireFailure(t, err, tt.want)
			var blocked *BlockedError
			require.ErrorAs(t, err, &blocked)
		})
	}
	t.Run("decimal loopback", func(t *testing.T) {
		t.Parallel()
		// Go's resolver does not read 2130706433 as 127.0.0.1 (glibc's
		// would); either way it must not connect.
		_, err := c.Get(context.Background(), "http://2130706433:"+port+"/", schema.FetchOptions{})
		require.Error(t, err)
	})
	t.Cleanup(func() { require.Zero(t, srv.hits.Load(), "a blocked fetch reached the loopback server") })
}

// TestGetAllowPrivate proves the guard is the only thing that stopped the
// fetches above: with AllowPrivate the same loopback server answers.
func TestGetAllowPrivate(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "127.0.0.1", servePNG)
	c := New(Options{AllowPrivate: true})
	resp, err := c.Get(context.Background(), "http://localhost:"+srv.port()+"/a.png", schema.FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, pngBytes, resp.Body)
}

// TestGetRedirectToRestrictedAddress: a host the policy allows (127.0.0.2
// plays "public") redirects to one it does not (127.0.0.1). The dial-time
// guard must refuse the second hop, whether named by IP or by a DNS name.
func TestGetRedirectToRestrictedAddress(t *testing.T) {
	t.Parallel()
	private := startServer(t, "127.0.0.1", servePNG)
	public := startServer(t, "127.0.0.2", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.png":
			servePNG(w, r)
		case "/to-ip":
			http.Redirect(w, r, "http://127.0.0.1:"+private.port()+"/secret", http.StatusFound)
		case "/to-name":
			http.Redirect(w, r, "http://internal.test:"+private.port()+"/secret", http.StatusMovedPermanently)
		case "/to-public-name":
			http.Redirect(w, r, "http://public.test:"+r.Host[strings.LastIndex(r.Host, ":")+1:]+"/ok.png", http.StatusTemporaryRedirect)
		}
	})
	resolver := startDNS(t, map[string][]string{
		"public.test":   {"127.0.0.2"},
		"internal.test": {"127.0.0.1"},
	})
	c := New(Options{Resolver: resolver, allowAddr: only("127.0.0.2")})
	base := "http://public.test:" + public.port()

	resp, err := c.Get(context.Background(), base+"/ok.png", schema.FetchOptions{})
	require.NoError(t, err, "the allowed host must be reachable, or this test proves nothing")
	require.Equal(t, pngBytes, resp.Body)

	resp, err = c.Get(context.Background(), base+"/to-public-name", schema.FetchOptions{})
	require.NoError(t, err, "a redirect between allowed addresses is followed")
	require.Equal(t, pngBytes, resp.Body)

	tests := []struct {
		name string
		path string
	}{
		{name: "redirect to private ip", path: "/to-ip"},
		{name: "redirect to name resolving to private ip", path: "/to-name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), base+tt.path, schema.FetchOptions{})
			requireFailure(t, err, "address 127.0.0.1 is not allowed (loopback)")
		})
	}
	require.Zero(t, private.hits.Load(), "a redirect reached the private server")
}

// TestGetDNSRebinding: the attacker's DNS answers "public" (127.0.0.2) to
// the first query and "private" (127.0.0.1) to every later one. The
// dialer must connect to the address it checked, never resolve again.
func TestGetDNSRebinding(t *testing.T) {
	t.Parallel()
	// One port on both addresses, so only the resolved IP differs.
	var publicL, privateL net.Listener
	var port string
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.2:0")
		require.NoError(t, err)
		_, port, _ = net.SplitHostPort(l.Addr().String())
		if privateL, err = net.Listen("tcp", "127.0.0.1:"+port); err == nil {
			publicL = l
			break
		}
		l.Close()
	}
	require.NotNil(t, publicL, "no port free on both 127.0.0.1 and 127.0.0.2")
	var publicHits, privateHits atomic.Int64
	public := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { publicHits.Add(1); servePNG(w, r) })}
	private := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { privateHits.Add(1); _, _ = w.Write([]byte("secret")) })}
	go func() { _ = public.Serve(publicL) }()
	go func() { _ = private.Serve(privateL) }()
	t.Cleanup(func() { public.Close(); private.Close() })

	resolver, queries := startRebindingDNS(t, "127.0.0.2", "127.0.0.1")
	c := New(Options{Resolver: resolver, allowAddr: only("127.0.0.2")})
	resp, err := c.Get(context.Background(), "http://rebind.test:"+port+"/a.png", schema.FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, pngBytes, resp.Body)
	require.EqualValues(t, 1, queries.Load(), "the name was resolved once")
	require.EqualValues(t, 1, publicHits.Load())
	require.Zero(t, privateHits.Load())

	// A fresh connection resolves again and now gets the private answer.
	c.CloseIdleConnections()
	_, err = c.Get(context.Background(), "http://rebind.test:"+port+"/a.png", schema.FetchOptions{})
	requireFailure(t, err, "address 127.0.0.1 is not allowed (loopback)")
	require.Zero(t, privateHits.Load())
}

func TestGetSizeCap(t *testing.T) {
	t.Parallel()
	var streamed atomic.Int64
	srv := startServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/forever":
			// No Content-Length: only the streaming cap can stop this.
			chunk := make([]byte, 4096)
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				streamed.Add(int64(n))
				if err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		case "/declared":
			w.Header().Set("Content-Length", "1000000000")
			_, _ = w.Write(make([]byte, 100))
		case "/exact":
			_, _ = w.Write(make([]byte, 64<<10))
		case "/one-more":
			_, _ = w.Write(make([]byte, 64<<10+1))
		}
	})
	c := New(Options{AllowPrivate: true, MaxBytes: 64 << 10, Timeout: 30 * time.Second})
	base := "http://127.0.0.1:" + srv.port()

	tests := []struct {
		name string
		path string
		want string // "" = success
	}{
		{name: "streams forever", path: "/forever", want: "larger than 64 KB"},
		{name: "declared too large", path: "/declared", want: "larger than 64 KB"},
		{name: "exactly the cap", path: "/exact"},
		{name: "one byte over", path: "/one-more", want: "larger than 64 KB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp, err := c.Get(context.Background(), base+tt.path, schema.FetchOptions{})
			if tt.want == "" {
				require.NoError(t, err)
				require.Len(t, resp.Body, 64<<10)
				return
			}
			// A file over the size limit is a 413, like a base64 one.
			requireKind(t, err, failure.TooLarge, tt.want)
			require.Less(t, time.Since(start), 15*time.Second, "the cap must stop the read, not the timeout")
		})
	}
}

func TestGetTimeouts(t *testing.T) {
	t.Parallel()
	// Handlers hold until the test ends, not until the client gives up:
	// a handler that returned would let the server answer a client that
	// had half-closed its connection.
	release := make(chan struct{})
	srv := startServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			<-release
		case "/slow-body":
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write(pngBytes)
			w.(http.Flusher).Flush()
			<-release
		}
	})
	t.Cleanup(func() { close(release) })
	// A TCP server that accepts and never speaks.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { conn.Close() })
		}
	}()
	base := "http://127.0.0.1:" + srv.port()

	tests := []struct {
		name    string
		server  time.Duration
		request time.Duration
		url     string
		want    string
	}{
		{name: "no response headers", server: 300 * time.Millisecond, url: base + "/hang", want: "timed out after 300ms"},
		{name: "body never finishes", server: 300 * time.Millisecond, url: base + "/slow-body", want: "timed out after 300ms"},
		{name: "silent tcp server", server: 300 * time.Millisecond, url: "http://" + silent.Addr().String() + "/", want: "timed out after 300ms"},
		{name: "request may lower the timeout", server: 30 * time.Second, request: time.Second, url: base + "/hang", want: "timed out after 1s"},
		{name: "request may not raise the timeout", server: 300 * time.Millisecond, request: 60 * time.Second, url: base + "/hang", want: "timed out after 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New(Options{AllowPrivate: true, Timeout: tt.server})
			start := time.Now()
			_, err := c.Get(context.Background(), tt.url, schema.FetchOptions{Timeout: tt.request})
			requireFailure(t, err, tt.want)
			require.Less(t, time.Since(start), 10*time.Second)
		})
	}
}

func TestGetCallerCancellation(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := startServer(t, "127.0.0.1", func(http.ResponseWriter, *http.Request) { <-release })
	t.Cleanup(func() { close(release) })
	c := New(Options{AllowPrivate: true, Timeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := c.Get(ctx, "http://127.0.0.1:"+srv.port()+"/", schema.FetchOptions{})
	requireFailure(t, err, "cancelled")
	require.ErrorIs(t, err, context.DeadlineExceeded, "the caller can tell its own deadline passed")
}

func TestGetRedirectCap(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		// /hop/N redirects N more times, then serves the image; /loop never ends.
		if r.URL.Path == "/loop" {
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		if n == 0 {
			servePNG(w, r)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	})
	base := "http://127.0.0.1:" + srv.port()

	tests := []struct {
		name string
		max  int
		path string
		want string
	}{
		{name: "three of three", max: 3, path: "/hop/3"},
		{name: "four of three", max: 3, path: "/hop/4", want: "more than 3 redirects"},
		{name: "loop", max: 5, path: "/loop", want: "more than 5 redirects"},
		{name: "none allowed", max: -1, path: "/hop/1", want: "more than 0 redirects"},
		{name: "none needed", max: -1, path: "/hop/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New(Options{AllowPrivate: true, MaxRedirects: tt.max})
			resp, err := c.Get(context.Background(), base+tt.path, schema.FetchOptions{})
			if tt.want == "" {
				require.NoError(t, err)
				require.Equal(t, pngBytes, resp.Body)
				return
			}
			requireFailure(t, err, tt.want)
		})
	}
}

func TestGetErrors(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.NotFound(w, r)
		case "/broken":
			http.Error(w, "internal secret detail", http.StatusInternalServerError)
		case "/forbidden":
			w.WriteHeader(http.StatusForbidden)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://example.com/a.png", http.StatusFound)
		case "/no-content":
			w.WriteHeader(http.StatusNoContent)
		case "/empty":
			w.Header().Set("Content-Type", "image/png")
		case "/empty-chunked":
			w.(http.Flusher).Flush()
		}
	})
	// Port 1 (tcpmux) is outside the ephemeral range, so no parallel test
	// server can be listening there.
	refusedAddr := "127.0.0.1:1"
	resolver := startDNS(t, map[string][]string{})
	c := New(Options{AllowPrivate: true, Resolver: resolver})
	base := "http://127.0.0.1:" + srv.port()

	tests := []struct {
		name    string
		url     string
		want    string
		notWant string
	}{
		{name: "404", url: base + "/missing", want: "fetching " + base + "/missing: status 404"},
		{name: "500 body not echoed", url: base + "/broken", want: "status 500", notWant: "secret"},
		{name: "403", url: base + "/forbidden", want: "status 403"},
		{name: "ftp", url: "ftp://example.com/a.png", want: "only http and https URLs can be fetched"},
		{name: "file", url: "file:///etc/passwd", want: "only http and https URLs can be fetched"},
		{name: "no host", url: "http:///a.png", want: "only http and https URLs can be fetched"},
		{name: "not a url", url: "http://[::1", want: "not a valid URL"},
		{name: "204", url: base + "/no-content", want: "the response is empty"},
		{name: "empty 200", url: base + "/empty", want: "the response is empty"},
		{name: "empty chunked 200", url: base + "/empty-chunked", want: "the response is empty"},
		{name: "redirect to ftp", url: base + "/to-ftp", want: `redirect to unsupported scheme "ftp"`},
		{name: "nxdomain", url: "http://nowhere.test/a.png", want: "host nowhere.test not found"},
		{name: "connection refused", url: "http://" + refusedAddr + "/", want: "connection refused"},
		{name: "credentials redacted", url: "http://user:hunter2@" + refusedAddr + "/", want: "http://user:xxxxx@", notWant: "hunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := c.Get(context.Background(), tt.url, schema.FetchOptions{})
			requireFailure(t, err, tt.want)
			if tt.notWant != "" {
				require.NotContains(t, failure.As(err).PublicMessage(), tt.notWant)
			}
		})
	}
}

// echoHeaders answers with the request headers as JSON.
func echoHeaders(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(r.Header)
}

func TestGetHeadersAndAuth(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "127.0.0.1", echoHeaders)
	c := New(Options{AllowPrivate: true})
	url := "http://127.0.0.1:" + srv.port() + "/"

	tests := []struct {
		name    string
		fo      schema.FetchOptions
		want    map[string]string
		missing []string
	}{
		{
			name: "custom headers",
			fo:   schema.FetchOptions{Headers: map[string]string{"x-api-key": "k1", "Accept": "image/png"}},
			want: map[string]string{"X-Api-Key": "k1", "Accept": "image/png", "User-Agent": userAgent},
		},
		{
			name: "forbidden headers dropped",
			fo: schema.FetchOptions{Headers: map[string]string{
				"Cookie": "session=1", "Host": "evil.example", "Connection": "close, X-Keep",
				"Transfer-Encoding": "chunked", "Proxy-Authorization": "Basic eA==", "Upgrade": "h2c",
				"X-Ok": "yes", "X-Bad\r\nInjected": "1", "Accept-Encoding": "gzip", "X-Bad-Value": "a\r\nInjected: 1",
			}},
			want:    map[string]string{"X-Ok": "yes"},
			missing: []string{"Cookie", "Proxy-Authorization", "Upgrade", "Injected", "X-Bad-Value", "Accept-Encoding"},
		},
		{
			name: "bearer",
			fo:   schema.FetchOptions{Auth: &schema.FetchAuth{Type: "bearer", Token: "t0k"}},
			want: map[string]string{"Authorization": "Bearer t0k"},
		},
		{
			name: "basic",
			fo:   schema.FetchOptions{Auth: &schema.FetchAuth{Type: "basic", Username: "ann", Password: "s3cret"}},
			want: map[string]string{"Authorization": "Basic YW5uOnMzY3JldA=="},
		},
		{
			name: "auth wins over an Authorization header",
			fo: schema.FetchOptions{
				Headers: map[string]string{"Authorization": "Bearer header"},
				Auth:    &schema.FetchAuth{Type: "bearer", Token: "auth"},
			},
			want: map[string]string{"Authorization": "Bearer auth"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := c.Get(context.Background(), url, tt.fo)
			require.NoError(t, err)
			var got http.Header
			require.NoError(t, json.Unmarshal(resp.Body, &got))
			for k, v := range tt.want {
				require.Equal(t, v, got.Get(k), k)
			}
			for _, k := range tt.missing {
				require.Empty(t, got.Get(k), k)
			}
			require.NotEqual(t, "evil.example", got.Get("Host"))
		})
	}
}

// TestGetRedirectDropsCredentialsAcrossHosts: headers and credentials the
// client gave for one host are not handed to another host it is
// redirected to, but survive a same-host redirect.
func TestGetRedirectDropsCredentialsAcrossHosts(t *testing.T) {
	t.Parallel()
	other := startServer(t, "127.0.0.3", echoHeaders)
	first := startServer(t, "127.0.0.2", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/echo", http.StatusFound)
		case "/other":
			http.Redirect(w, r, "http://127.0.0.3:"+other.port()+"/echo", http.StatusFound)
		default:
			echoHeaders(w, r)
		}
	})
	c := New(Options{allowAddr: only("127.0.0.2", "127.0.0.3")})
	fo := schema.FetchOptions{
		Headers: map[string]string{"X-Api-Key": "k1"},
		Auth:    &schema.FetchAuth{Type: "bearer", Token: "t0k"},
	}
	tests := []struct {
		name     string
		path     string
		keepsKey bool
	}{
		{name: "same host keeps them", path: "/same", keepsKey: true},
		{name: "other host loses them", path: "/other", keepsKey: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Get(context.Background(), "http://127.0.0.2:"+first.port()+tt.path, fo)
			require.NoError(t, err)
			var got http.Header
			require.NoError(t, json.Unmarshal(resp.Body, &got))
			if tt.keepsKey {
				require.Equal(t, "k1", got.Get("X-Api-Key"))
				require.Equal(t, "Bearer t0k", got.Get("Authorization"))
			} else {
				require.Empty(t, got.Get("X-Api-Key"))
				require.Empty(t, got.Get("Authorization"))
			}
		})
	}
}

func TestLeavesOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		first, next string
		want        bool
	}{
		{name: "same origin", first: "https://a.example/x", next: "https://a.example/y", want: false},
		{name: "upgrade to https", first: "http://a.example/x", next: "https://a.example/y", want: false},
		{name: "downgrade to http", first: "https://a.example/x", next: "http://a.example/y", want: true},
		{name: "other host", first: "https://a.example/x", next: "https://b.example/x", want: true},
		{name: "subdomain", first: "https://a.example/x", next: "https://cdn.a.example/x", want: true},
		{name: "other port", first: "https://a.example/x", next: "https://a.example:8443/x", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first, err := url.Parse(tt.first)
			require.NoError(t, err)
			next, err := url.Parse(tt.next)
			require.NoError(t, err)
			require.Equal(t, tt.want, leavesOrigin(first, next))
		})
	}
}

func TestGetTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(servePNG))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusting client's handshake error
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	trusting := New(Options{AllowPrivate: true, RootCAs: pool})
	resp, err := trusting.Get(context.Background(), srv.URL+"/a.png", schema.FetchOptions{})
	require.NoError(t, err)
	require.Equal(t, pngBytes, resp.Body)

	system := New(Options{AllowPrivate: true})
	_, err = system.Get(context.Background(), srv.URL+"/a.png", schema.FetchOptions{})
	requireFailure(t, err, "TLS certificate is not trusted")
}

func TestHTTPClient(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/target", http.StatusFound)
		case "/hang":
			<-release
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	t.Run("no redirects followed", func(t *testing.T) {
		t.Parallel()
		hc := New(Options{AllowPrivate: true, RootCAs: pool}).HTTPClient(20 * time.Second)
		resp, err := hc.Post(srv.URL+"/redirect", "application/json", strings.NewReader("{}"))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusFound, resp.StatusCode)
		require.Equal(t, "/target", resp.Header.Get("Location"))
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		hc := New(Options{AllowPrivate: true, RootCAs: pool}).HTTPClient(200 * time.Millisecond)
		start := time.Now()
		_, err := hc.Post(srv.URL+"/hang", "application/json", strings.NewReader("{}"))
		require.Error(t, err)
		require.Less(t, time.Since(start), 10*time.Second)
	})
	t.Run("address guard", func(t *testing.T) {
		t.Parallel()
		hc := New(Options{RootCAs: pool}).HTTPClient(20 * time.Second)
		_, err := hc.Post(srv.URL+"/", "application/json", strings.NewReader("{}"))
		var blocked *BlockedError
		require.ErrorAs(t, err, &blocked)
		require.Equal(t, RestrictLoopback, blocked.Reason)
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		hc := New(Options{AllowPrivate: true}).HTTPClient(20 * time.Second)
		_, err := hc.Post(srv.URL+"/", "application/json", strings.NewReader("{}"))
		require.Error(t, err)
	})
}

// TestRedirectSendsNoReferer: net/http would send the original URL, query
// included, as Referer to the redirect's target, same origin or not.
func TestRedirectSendsNoReferer(t *testing.T) {
	t.Parallel()
	referers := make(chan string, 4)
	target := startServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		referers <- r.Header.Get("Referer")
		servePNG(w, r)
	})
	origin := startServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/same" {
			http.Redirect(w, r, "/img.png", http.StatusFound)
			return
		}
		if r.URL.Path == "/img.png" {
			referers <- r.Header.Get("Referer")
			servePNG(w, r)
			return
		}
		http.Redirect(w, r, "http://127.0.0.1:"+target.port()+"/img.png", http.StatusFound)
	})
	c := New(Options{AllowPrivate: true})
	for _, p := range []string{"/cross?token=secret", "/same?token=secret"} {
		resp, err := c.Get(context.Background(), "http://127.0.0.1:"+origin.port()+p, schema.FetchOptions{})
		require.NoError(t, err)
		require.Equal(t, pngBytes, resp.Body)
		require.Empty(t, <-referers, p)
	}
}
