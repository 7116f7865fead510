package webhook

import (
	"context"
	"crypto/x509"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/fetch"
)

// receiver is a real HTTPS webhook receiver scripted by path. Every request
// is checked with the official Standard Webhooks verifier (timestamp
// tolerance on) and recorded.
type receiver struct {
	*httptest.Server
	pool    *x509.CertPool
	secrets []Secret
	// release unblocks /hang when the test ends. /hang must not return when
	// the client gives up: a returning handler lets the server answer 200
	// on a half-closed connection, racing the client's timeout.
	release chan struct{}

	mu       sync.Mutex
	requests []received
	hits     atomic.Int64
}

type received struct {
	path      string
	header    http.Header
	body      []byte
	verifyErr error
}

func startReceiver(t *testing.T, secrets ...Secret) *receiver {
	t.Helper()
	rc := &receiver{secrets: secrets, release: make(chan struct{})}
	rc.Server = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	// The untrusted-certificate case makes the server log a handshake error.
	rc.Config.ErrorLog = log.New(io.Discard, "", 0)
	rc.StartTLS()
	t.Cleanup(rc.Close)
	t.Cleanup(func() { close(rc.release) })
	rc.pool = x509.NewCertPool()
	rc.pool.AddCert(rc.Certificate())
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	rc.hits.Add(1)
	body, _ := io.ReadAll(r.Body)
	var verifyErr error
	for _, s := range rc.secrets {
		wh, _ := standardwebhooks.NewWebhook(s.Encode())
		if verifyErr = wh.Verify(body, r.Header); verifyErr == nil {
			break
		}
	}
	rc.mu.Lock()
	rc.requests = append(rc.requests, received{path: r.URL.Path, header: r.Header.Clone(), body: body, verifyErr: verifyErr})
	rc.mu.Unlock()
	switch r.URL.Path {
	case "/ok":
		w.WriteHeader(http.StatusOK)
	case "/accepted":
		w.WriteHeader(http.StatusAccepted)
	case "/500":
		http.Error(w, "database password is hunter2", http.StatusInternalServerError)
	case "/503-retry-after":
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusServiceUnavailable)
	case "/429":
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	case "/429-date":
		w.Header().Set("Retry-After", time.Now().Add(90*time.Second).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusTooManyRequests)
	case "/302":
		http.Redirect(w, r, "https://hooks.example.com/new", http.StatusFound)
	case "/301-local":
		http.Redirect(w, r, "/ok", http.StatusMovedPermanently)
	case "/410":
		w.WriteHeader(http.StatusGone)
	case "/400":
		w.WriteHeader(http.StatusBadRequest)
	case "/404":
		http.NotFound(w, r)
	case "/408":
		w.WriteHeader(http.StatusRequestTimeout)
	case "/huge":
		// An endless answer must not hold the attempt.
		chunk := make([]byte, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	case "/hang":
		<-rc.release
	}
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.requests...)
}

// sender returns a Sender over the real guarded client, trusting the
// receiver's certificate; private addresses are allowed because the
// receiver listens on 127.0.0.1.
func (rc *receiver) sender(timeout time.Duration) *Sender {
	c := fetch.New(fetch.Options{AllowPrivate: true, RootCAs: rc.pool})
	return NewSender(c.HTTPClient(timeout), timeout)
}

func TestAttemptOutcomes(t *testing.T) {
	t.Parallel()
	secret := newSecret(t, 's', 32)
	rc := startReceiver(t, secret)
	d := rc.sender(20 * time.Second)

	tests := []struct {
		name       string
		path       string
		result     Result
		status     int
		retryAfter time.Duration
		errHas     string
	}{
		{name: "200 delivered", path: "/ok", result: Delivered, status: 200},
		{name: "202 delivered", path: "/accepted", result: Delivered, status: 202},
		{name: "500 retried", path: "/500", result: Retry, status: 500, errHas: "the receiver answered status 500"},
		{name: "503 with Retry-After", path: "/503-retry-after", result: Retry, status: 503, retryAfter: 2 * time.Minute, errHas: "Retry-After 2m0s"},
		{name: "429 with Retry-After seconds", path: "/429", result: Retry, status: 429, retryAfter: 30 * time.Second},
		{name: "429 with Retry-After date", path: "/429-date", result: Retry, status: 429, retryAfter: 90 * time.Second},
		{name: "408 retried", path: "/408", result: Retry, status: 408},
		{name: "302 not followed, permanent", path: "/302", result: Failed, status: 302, errHas: "redirects are not followed, set the webhook URL to the final address (Location: https://hooks.example.com/new)"},
		{name: "301 to the same host not followed either", path: "/301-local", result: Failed, status: 301},
		{name: "410 stops", path: "/410", result: Gone, status: 410, errHas: "status 410 (Gone)"},
		{name: "400 permanent", path: "/400", result: Failed, status: 400, errHas: "status 400"},
		{name: "404 permanent", path: "/404", result: Failed, status: 404, errHas: "status 404"},
		{name: "endless body still delivered", path: "/huge", result: Delivered, status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := d.Send(context.Background(), Delivery{ID: "msg_" + tt.path, URL: rc.URL + tt.path, Body: []byte(`{"success":true}`), Secrets: []Secret{secret}})
			require.Equal(t, tt.result, out.Result, "%v", out.Err)
			require.Equal(t, tt.status, out.StatusCode)
			if tt.retryAfter != 0 {
				require.InDelta(t, tt.retryAfter.Seconds(), out.RetryAfter.Seconds(), 2)
			} else {
				require.Zero(t, out.RetryAfter)
			}
			if tt.result == Delivered {
				require.NoError(t, out.Err)
			} else {
				require.Error(t, out.Err)
				require.NotContains(t, out.Err.Error(), "hunter2", "a response body leaked")
			}
			if tt.errHas != "" {
				require.ErrorContains(t, out.Err, tt.errHas)
			}
		})
	}
	t.Run("no redirect was followed", func(t *testing.T) {
		for _, r := range rc.received() {
			require.NotEqual(t, "/ok", r.path, "the 301 to /ok was followed")
		}
	})
	t.Run("every request verified", func(t *testing.T) {
		for _, r := range rc.received() {
			require.NoError(t, r.verifyErr, r.path)
		}
	})
}

// TestAttemptHeaders: webhook-id is stable across attempts, the timestamp
// and signature are per attempt, and the official verifier accepts every
// attempt, including a rotation header verified by the old secret only.
func TestAttemptHeaders(t *testing.T) {
	t.Parallel()
	oldS, newS := newSecret(t, 'o', 32), newSecret(t, 'n', 32)
	rc := startReceiver(t, oldS) // a receiver that has not rotated yet
	d := rc.sender(20 * time.Second)
	base := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
	clock := base
	d.now = func() time.Time { return clock }
	body := []byte(`{"success":true,"api":"image_generation","job_id":"job_7"}`)
	dl := Delivery{ID: "msg_7", URL: rc.URL + "/ok", Body: body, Secrets: []Secret{newS, oldS}}

	for i := range 3 {
		clock = base.Add(time.Duration(i) * time.Minute)
		out := d.Send(context.Background(), dl)
		require.Equal(t, Delivered, out.Result, "%v", out.Err)
	}
	got := rc.received()
	require.Len(t, got, 3)
	for i, r := range got {
		require.NoError(t, r.verifyErr, "attempt %d", i+1)
		require.Equal(t, "msg_7", r.header.Get(HeaderID))
		require.Equal(t, base.Add(time.Duration(i)*time.Minute).Unix(), mustInt(t, r.header.Get(HeaderTimestamp)))
		require.Equal(t, "application/json", r.header.Get("Content-Type"))
		require.Equal(t, "Strata-Webhooks/1", r.header.Get("User-Agent"))
		require.Equal(t, body, r.body)
	}
	require.NotEqual(t, got[0].header.Get(HeaderSignature), got[1].header.Get(HeaderSignature))
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	secret := newSecret(t, 's', 32)
	rc := startReceiver(t, secret)
	d := rc.sender(300 * time.Millisecond)
	start := time.Now()
	out := d.Send(context.Background(), Delivery{ID: "msg_h", URL: rc.URL + "/hang", Body: []byte(`{}`), Secrets: []Secret{secret}})
	require.Less(t, time.Since(start), 10*time.Second)
	require.Equal(t, Retry, out.Result)
	require.Zero(t, out.StatusCode)
	require.EqualError(t, out.Err, "timed out after 300ms")
}

func TestAttemptCallerCancelled(t *testing.T) {
	t.Parallel()
	secret := newSecret(t, 's', 32)
	rc := startReceiver(t, secret)
	d := rc.sender(20 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	out := d.Send(ctx, Delivery{ID: "msg_c", URL: rc.URL + "/hang", Body: []byte(`{}`), Secrets: []Secret{secret}})
	require.Equal(t, Retry, out.Result)
	require.ErrorIs(t, out.Err, context.DeadlineExceeded)
}

func TestAttemptRefusals(t *testing.T) {
	t.Parallel()
	secret := newSecret(t, 's', 32)
	rc := startReceiver(t, secret)
	// Port 1 (tcpmux) is outside the ephemeral range, so no parallel test
	// server can be listening there.
	refused := "https://127.0.0.1:1/hook"

	// Generous timeouts: none of these cases waits for one, and the test
	// machine may be loaded.
	guarded := NewSender(fetch.New(fetch.Options{RootCAs: rc.pool}).HTTPClient(20*time.Second), 20*time.Second)
	open := rc.sender(20 * time.Second)
	untrusting := NewSender(fetch.New(fetch.Options{AllowPrivate: true}).HTTPClient(20*time.Second), 20*time.Second)

	tests := []struct {
		name    string
		d       *Sender
		dl      Delivery
		result  Result
		errText string
	}{
		{name: "loopback refused by the guard", d: guarded, dl: Delivery{URL: rc.URL + "/ok", Secrets: []Secret{secret}}, result: Failed, errText: "address 127.0.0.1 is not allowed (loopback)"},
		{name: "metadata refused by the guard", d: guarded, dl: Delivery{URL: "https://169.254.169.254/latest", Secrets: []Secret{secret}}, result: Failed, errText: "address 169.254.169.254 is not allowed (cloud metadata endpoint)"},
		{name: "http is not allowed", d: open, dl: Delivery{URL: "http://" + rc.Listener.Addr().String() + "/ok", Secrets: []Secret{secret}}, result: Failed, errText: "the webhook URL is not an https URL"},
		{name: "garbage url", d: open, dl: Delivery{URL: "https://[::1", Secrets: []Secret{secret}}, result: Failed, errText: "the webhook URL is not an https URL"},
		{name: "no secret", d: open, dl: Delivery{URL: rc.URL + "/ok"}, result: Failed, errText: "no webhook signing secret is configured"},
		{name: "connection refused is retried", d: open, dl: Delivery{URL: refused, Secrets: []Secret{secret}}, result: Retry, errText: "connection refused"},
		{name: "untrusted certificate is retried", d: untrusting, dl: Delivery{URL: rc.URL + "/ok", Secrets: []Secret{secret}}, result: Retry, errText: "the server's TLS certificate is not trusted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rc.hits.Load()
			out := tt.d.Send(context.Background(), tt.dl)
			require.Equal(t, tt.result, out.Result, "%v", out.Err)
			require.EqualError(t, out.Err, tt.errText)
			require.Equal(t, before, rc.hits.Load(), "the receiver must not have been reached")
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		want   Result
	}{
		{name: "200", status: 200, want: Delivered},
		{name: "204", status: 204, want: Delivered},
		{name: "299", status: 299, want: Delivered},
		{name: "100", status: 100, want: Failed},
		{name: "301", status: 301, want: Failed},
		{name: "302", status: 302, want: Failed},
		{name: "307", status: 307, want: Failed},
		{name: "308", status: 308, want: Failed},
		{name: "400", status: 400, want: Failed},
		{name: "401", status: 401, want: Failed},
		{name: "403", status: 403, want: Failed},
		{name: "404", status: 404, want: Failed},
		{name: "408", status: 408, want: Retry},
		{name: "410", status: 410, want: Gone},
		{name: "413", status: 413, want: Failed},
		{name: "422", status: 422, want: Failed},
		{name: "429", status: 429, want: Retry},
		{name: "500", status: 500, want: Retry},
		{name: "502", status: 502, want: Retry},
		{name: "503", status: 503, want: Retry},
		{name: "504", status: 504, want: Retry},
		{name: "599", status: 599, want: Retry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Classify(tt.status).Result)
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{name: "seconds", in: "120", want: 2 * time.Minute, ok: true},
		{name: "zero", in: "0", want: 0, ok: true},
		{name: "spaces", in: "  5 ", want: 5 * time.Second, ok: true},
		{name: "clamped", in: "86400", want: MaxRetryAfter, ok: true},
		{name: "exactly the cap", in: "3600", want: time.Hour, ok: true},
		{name: "overflowing int64", in: "99999999999999999999999", want: MaxRetryAfter, ok: true},
		{name: "imf-fixdate", in: "Tue, 24 Nov 2026 12:01:30 GMT", want: 90 * time.Second, ok: true},
		{name: "rfc850 date", in: "Tuesday, 24-Nov-26 12:00:10 GMT", want: 10 * time.Second, ok: true},
		{name: "asctime date", in: "Tue Nov 24 12:00:20 2026", want: 20 * time.Second, ok: true},
		{name: "date in the past", in: "Tue, 24 Nov 2026 11:00:00 GMT", want: 0, ok: true},
		{name: "date far ahead", in: "Tue, 01 Dec 2026 12:00:00 GMT", want: MaxRetryAfter, ok: true},
		{name: "empty", in: "", ok: false},
		{name: "negative", in: "-5", ok: false},
		{name: "fraction", in: "1.5", ok: false},
		{name: "words", in: "soon", ok: false},
		{name: "plus sign", in: "+5", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseRetryAfter(tt.in, now)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}
