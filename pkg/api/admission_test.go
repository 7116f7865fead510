package api

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// stuckRenderer stands for a C call that ignores its deadline: it returns
// only when release is closed.
type stuckRenderer struct {
	release chan struct{}
	started chan struct{}
}

func (s stuckRenderer) Render(context.Context, *schema.Request) (core.Result, error) {
	s.started <- struct{}{}
	<-s.release
	return core.Result{}, nil
}

// A body is charged before it is read: while one large body is being
// read, another that does not fit the bytes in flight gets 503 with
// Retry-After at once, and is accepted again once the first is done.
func TestBodiesAdmittedBeforeReading(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) { o.BodyMemory = 3 << 20 })
	// A client that declares 1 MB (charged 2 MB) and sends it slowly.
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/image-generation/v1/generate", pr)
	require.NoError(t, err)
	req.ContentLength = 1 << 20
	req.Header.Set("Authorization", "Bearer "+testKey)
	first := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	_, err = pw.Write([]byte(`{"dimensions":{"width":1,"height":1},`))
	require.NoError(t, err)

	padded := solidRequest[:len(solidRequest)-1] + `,"x":"` + strings.Repeat("a", 900<<10) + `"}`
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, padded)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, env.Error)
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
	require.Contains(t, env.Error, "too many large requests")
	// A small body still fits beside the first.
	resp, _ = post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	pw.CloseWithError(io.ErrUnexpectedEOF) // the first client gives up mid-body
	<-first
	// Once the server has seen the first connection go, the bytes are
	// back: the same body is admitted (and refused for its unknown field).
	require.Eventually(t, func() bool {
		resp, _ := post(t, srv, "/image-generation/v1/generate", testKey, padded)
		return resp.StatusCode == http.StatusBadRequest
	}, 5*time.Second, 20*time.Millisecond)
}

// A client that goes away mid-body or mid-render is logged and counted as
// 499 client_closed, never as a 500 internal error.
func TestClientGoneIs499(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	srv := newTestServer(t, func(o *Options) {
		o.Renderer = slowRenderer{}
		o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	// Mid-render: the client's own timeout cancels the request.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/image-generation/v1/generate", strings.NewReader(solidRequest))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testKey)
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err)

	// Mid-body: half a declared body, then the connection closes.
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	fmt.Fprintf(conn, "POST /image-generation/v1/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\n{\"dimensions\":", testKey)
	require.NoError(t, conn.Close())

	require.Eventually(t, func() bool { return strings.Count(logs.String(), `"outcome":"client_closed"`) == 2 }, 5*time.Second, 10*time.Millisecond, logs.String())
	require.NotContains(t, logs.String(), "internal error")
	require.NotContains(t, logs.String(), `"status":500`)
	require.Equal(t, 2, strings.Count(logs.String(), `"status":499`))

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	var counted bool
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		require.NotContains(t, line, `status="500"`)
		if strings.HasPrefix(line, `strata_rejected_requests_total{reason="client_closed"} 2`) {
			counted = true
		}
	}
	require.True(t, counted, "client_closed counted twice")
}

// Repeated bad keys from one address get 429 with Retry-After, and while
// throttled even a valid key is not looked at; a missing key is no guess
// and is not counted.
func TestFailedAuthThrottled(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) { o.AuthFailures = 3 })
	for range 5 {
		resp, _ := post(t, srv, "/image-generation/v1/generate", "", solidRequest)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	for range 3 {
		resp, env := post(t, srv, "/image-generation/v1/generate", "wrong-key-wrong-key", solidRequest)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, env.Error)
	}
	resp, env := post(t, srv, "/image-generation/v1/generate", "wrong-key-wrong-key", solidRequest)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Contains(t, env.Error, "Too many failed authentications")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	resp, _ = post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "a throttled address cannot test keys")
	// Another server (another address's budget) is unaffected.
	other := newTestServer(t, nil)
	resp, _ = post(t, other, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// A request whose estimated memory is over the render budget is a 422
// before any work; one within it renders.
func TestRenderMemoryBudget(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(o *Options) { o.RenderMemory = 100 << 20 })
	big := `{"dimensions":{"width":8192,"height":6100},"layers":[{"index":0,"type":"solid-color","hex_color":"#3366FF"}]}`
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, big)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, env.Error, "MB of memory to render, more than this server's budget of 100 MB")
	resp, _ = post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// A render stuck past its deadline (a C call) is answered 422 on time; its
// slot stays taken until the call really ends, so the next request waits
// for it instead of running beside it.
func TestStuckRenderAbandoned(t *testing.T) {
	t.Parallel()
	stuck := stuckRenderer{release: make(chan struct{}), started: make(chan struct{}, 2)}
	srv := newTestServer(t, func(o *Options) {
		o.Renderer = stuck
		o.Limits.RenderTimeout = 50 * time.Millisecond
		o.RenderConcurrency = 1
		o.QueueWait = 50 * time.Millisecond
	})
	resp, env := post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, env.Error, "longer than 50ms")
	<-stuck.started
	resp, env = post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "the abandoned render still holds the slot: %s", env.Error)
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
	close(stuck.release)
	require.Eventually(t, func() bool {
		resp, _ := post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 20*time.Millisecond)
}
