package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"
)

// receiverSecretEnv, set, makes the test binary a webhook receiver process
// instead of running the tests (TestMain): the receiver then has its own
// cores' worth of scheduling, like a real one on another host, and does
// not share the benchmark's process with the submitter and the counting.
const receiverSecretEnv = "STRATA_TEST_RECEIVER_SECRET"

// runReceiver is the receiver process: an HTTPS server on a free port that
// checks every delivery with the official Standard Webhooks verifier and
// reports on stdout, first "url <URL>" and "cert <base64 DER>", then
// "conn" for each new connection and "hook <job id> ok|bad" for each
// delivery. It exits when its stdin closes (the test ended or died).
func runReceiver(secret string) {
	if os.Getenv("GOGC") == "" {
		// The verifier allocates about three times each body (a Sprintf of
		// it and that string's bytes, ~260 KB for a card) on a heap of a
		// few MB, so at Go's default the receiver collected garbage every
		// ~15 deliveries and the collector was a third of its CPU time,
		// taken from the workers' two cores. A remote receiver would not
		// share them; GOGC 400 (a 16 MB heap) halves its CPU per job
		// (0.67-0.72 -> 0.38-0.46 ms) and verifies exactly as before.
		debug.SetGCPercent(400)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		fmt.Fprintln(os.Stderr, "receiver:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	out := bufio.NewWriter(os.Stdout)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
		_ = out.Flush()
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		buf := bodies.Get().(*bytes.Buffer)
		defer bodies.Put(buf)
		buf.Reset()
		buf.Grow(int(max(0, req.ContentLength)))
		_, _ = buf.ReadFrom(req.Body)
		body := buf.Bytes()
		jobID, success := payloadHead(body)
		verdict := "ok"
		if wh.Verify(body, req.Header) != nil || !success || jobID == "" || strings.ContainsAny(jobID, " \n") {
			verdict = "bad"
		}
		report("hook %s %s", jobID, verdict)
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			report("conn")
		}
	}
	srv.StartTLS()
	report("url %s\ncert %s", srv.URL, base64.StdEncoding.EncodeToString(srv.Certificate().Raw))
	_, _ = io.Copy(io.Discard, os.Stdin)
	srv.Close()
	os.Exit(0)
}

// bodies are the receiver's request buffers, reused: a webhook carries a
// whole base64 image.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// payloadHead reads success and job_id from the start of a §6 payload and
// stops there, before the image: the worker writes them first, and this
// receiver stands in for a remote one, so it should cost the machine
// little beyond TLS and the signature check, which every receiver does.
// (The image itself is checked by pkg/queue's tests.)
func payloadHead(body []byte) (jobID string, success bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false
	}
	var seenSuccess bool
	for dec.More() && (jobID == "" || !seenSuccess) {
		key, err := dec.Token()
		if err != nil {
			return "", false
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return "", false
		}
		switch key {
		case "success":
			success, seenSuccess = v == true, true
		case "job_id":
			jobID, _ = v.(string)
		}
	}
	return jobID, success
}

// hookReceiver is a real HTTPS receiver in its own process (runReceiver),
// counting deliveries per job and the ones whose signature or payload was
// bad.
type hookReceiver struct {
	cmd    *exec.Cmd
	url    string
	caFile string
	mu     sync.Mutex
	byJob  map[string]int
	bad    int
	conns  int
	notify chan struct{}
}

func newHookReceiver(t testing.TB) *hookReceiver {
	t.Helper()
	r := &hookReceiver{byJob: map[string]int{}, notify: make(chan struct{}, 1)}
	r.cmd = exec.Command(os.Args[0])
	r.cmd.Env = append(os.Environ(), receiverSecretEnv+"="+testSecret)
	r.cmd.Stderr = os.Stderr
	stdin, err := r.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := r.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, r.cmd.Start())
	t.Cleanup(func() {
		stdin.Close()
		_ = r.cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	var cert []byte
	for r.url == "" || cert == nil {
		require.True(t, lines.Scan(), "the receiver process ended before it listened")
		word, rest, _ := strings.Cut(lines.Text(), " ")
		switch word {
		case "url":
			r.url = rest
		case "cert":
			cert, err = base64.StdEncoding.DecodeString(rest)
			require.NoError(t, err)
		}
	}
	go r.count(lines)
	// The worker processes trust the receiver through SSL_CERT_FILE, which
	// Go's system root pool reads on Linux.
	r.caFile = filepath.Join(t.TempDir(), "receiver.pem")
	require.NoError(t, os.WriteFile(r.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), 0o600))
	return r
}

// count reads the receiver's reports until it exits.
func (r *hookReceiver) count(lines *bufio.Scanner) {
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		r.mu.Lock()
		switch {
		case len(fields) == 1 && fields[0] == "conn":
			r.conns++
		case len(fields) == 3 && fields[0] == "hook":
			r.byJob[fields[1]]++
			if fields[2] != "ok" {
				r.bad++
			}
		}
		r.mu.Unlock()
		select { // a wake-up signal, never blocking the reader
		case r.notify <- struct{}{}:
		default:
		}
	}
}

// URL is the receiver's webhook URL.
func (r *hookReceiver) URL() string { return r.url + "/hook" }

func (r *hookReceiver) delivered() (jobs int, total int, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.byJob {
		total += n
	}
	return len(r.byJob), total, r.bad
}

// connections is how many connections the workers opened to the receiver.
func (r *hookReceiver) connections() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

func (r *hookReceiver) waitJobs(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if jobs, _, _ := r.delivered(); jobs >= n {
			return
		}
		select {
		case <-r.notify:
		case <-deadline:
			jobs, _, _ := r.delivered()
			require.FailNowf(t, "timeout", "waited %s for %d jobs delivered, got %d", timeout, n, jobs)
		}
	}
}

// A delivery with a wrong signature counts as bad: the receiver does
// verify (with the official library), so the tests relying on bad == 0
// would catch a worker that stopped signing correctly.
func TestReceiverRejectsBadSignature(t *testing.T) {
	recv := newHookReceiver(t)
	pemBytes, err := os.ReadFile(recv.caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pemBytes))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
	body := `{"success":true,"job_id":"job_0123"}`
	wh, err := standardwebhooks.NewWebhook(testSecret)
	require.NoError(t, err)
	now := time.Now()
	good, err := wh.Sign("msg_1", now, []byte(body))
	require.NoError(t, err)
	for _, sig := range []string{good, "v1,bm90IGEgc2lnbmF0dXJl"} {
		req, err := http.NewRequest(http.MethodPost, recv.URL(), strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("webhook-id", "msg_1")
		req.Header.Set("webhook-timestamp", fmt.Sprint(now.Unix()))
		req.Header.Set("webhook-signature", sig)
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
	}
	require.Eventually(t, func() bool { _, total, _ := recv.delivered(); return total == 2 }, 5*time.Second, 10*time.Millisecond)
	_, _, bad := recv.delivered()
	require.Equal(t, 1, bad)
}

// perJob is how many verified deliveries each job got.
func (r *hookReceiver) perJob() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.byJob)
}
