package queue

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// webhookBody is the §6 payload as a receiver reads it.
type webhookBody struct {
	Success bool   `json:"success"`
	API     string `json:"api"`
	JobID   string `json:"job_id"`
	Data    struct {
		Buffer   string            `json:"buffer"`
		MimeType string            `json:"mime_type"`
		Warnings []warning.Warning `json:"warnings"`
	} `json:"data"`
	Error struct {
		Message string `json:"message"`
	} `json:"error"`
}

func parseBody(t *testing.T, d delivery) webhookBody {
	t.Helper()
	var b webhookBody
	require.NoError(t, json.Unmarshal(d.Body, &b), string(d.Body))
	return b
}

// The happy path: 201 with a job id, one signed delivery the official
// Standard Webhooks verifier accepts, an image that decodes, a job that
// ends delivered.
func TestDeliversSignedImage(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	tests := []struct {
		name   string
		key    string
		secret string
	}{
		{name: "key with the default secret", key: keyA, secret: defaultSecret},
		{name: "key with its own secret", key: keyB, secret: secretB},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := s.submit(t, tc.key, card(s.recv.URL()))
			got := s.recv.waitFor(t, i+1, 30*time.Second)[i]
			wh, err := standardwebhooks.NewWebhook(tc.secret)
			require.NoError(t, err)
			require.NoError(t, wh.Verify(got.Body, got.Header), "the official verifier rejects the signature")
			require.Equal(t, webhookID(id), got.Header.Get("webhook-id"))
			require.Equal(t, "application/json", got.Header.Get("Content-Type"))

			b := parseBody(t, got)
			require.True(t, b.Success)
			require.Equal(t, "image_generation", b.API)
			require.Equal(t, id, b.JobID)
			require.Equal(t, "image/png", b.Data.MimeType)
			require.Equal(t, []warning.Warning{}, b.Data.Warnings, "a clean render's report is an empty list")
			raw, err := base64.StdEncoding.DecodeString(b.Data.Buffer)
			require.NoError(t, err)
			img, err := png.Decode(bytes.NewReader(raw))
			require.NoError(t, err)
			require.Equal(t, 1200, img.Bounds().Dx())
			require.Equal(t, 630, img.Bounds().Dy())

			job := s.waitStatus(t, tc.key, id, StatusDelivered, 5*time.Second)
			require.EqualValues(t, 1, job["attempts"])
			require.Equal(t, 1, s.renders(t, id))
			// The stored body and result are gone once delivered.
			n, err := s.rdb.Exists(context.Background(), bodyKey(id), resultKey(id)).Result()
			require.NoError(t, err)
			require.Zero(t, n)
		})
	}
}

// output_format pdf goes through the queue like any format: the signed
// webhook carries the PDF, base64, as application/pdf.
func TestDeliversPDF(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	id := s.submit(t, keyA, strings.Replace(card(s.recv.URL()), `"output_format":"png"`, `"output_format":"pdf"`, 1))
	got := s.recv.waitFor(t, 1, 30*time.Second)[0]
	wh, err := standardwebhooks.NewWebhook(defaultSecret)
	require.NoError(t, err)
	require.NoError(t, wh.Verify(got.Body, got.Header))
	b := parseBody(t, got)
	require.True(t, b.Success)
	require.Equal(t, id, b.JobID)
	require.Equal(t, "application/pdf", b.Data.MimeType)
	raw, err := base64.StdEncoding.DecodeString(b.Data.Buffer)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(raw, []byte("%PDF-1.7")))
	require.Contains(t, string(raw), "/MediaBox [0 0 1200 630]")
}

// The webhook payload carries the render's warnings, as the sync
// envelope does.
func TestDeliversTheRenderReport(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	body := strings.Replace(card(s.recv.URL()), `"font_name":"Inter"`, `"font_name":"No Such Font"`, 1)
	id := s.submit(t, keyA, body)
	b := parseBody(t, s.recv.waitFor(t, 1, 30*time.Second)[0])
	require.True(t, b.Success)
	require.Equal(t, id, b.JobID)
	require.Len(t, b.Data.Warnings, 1)
	require.Equal(t, warning.FontNotFound, b.Data.Warnings[0].Code)
	require.Equal(t, "layers[1].font_name", b.Data.Warnings[0].Path)
}

// A receiver failing with 500 twice gets the same webhook-id three times,
// each attempt with its own timestamp and a valid signature; the job is
// rendered once.
func TestRetriesKeepWebhookID(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{script: []reply{{status: 500}, {status: 500}, {status: 200}}})
	id := s.submit(t, keyA, card(s.recv.URL()))
	got := s.recv.waitFor(t, 3, 30*time.Second)
	wh, err := standardwebhooks.NewWebhook(defaultSecret)
	require.NoError(t, err)
	for _, d := range got {
		require.Equal(t, webhookID(id), d.Header.Get("webhook-id"))
		require.NoError(t, wh.Verify(d.Body, d.Header))
	}
	job := s.waitStatus(t, keyA, id, StatusDelivered, 5*time.Second)
	require.EqualValues(t, 3, job["attempts"])
	require.Equal(t, 1, s.renders(t, id))
	time.Sleep(500 * time.Millisecond)
	require.Len(t, s.recv.deliveries(), 3, "a delivered webhook is not sent again")
}

// What the receiver answers decides whether and when the next attempt
// comes.
func TestDeliveryOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		script   []reply
		timeout  time.Duration
		attempts int    // deliveries the receiver sees
		status   string // final job status
		minGap   time.Duration
		errPart  string
	}{
		{name: "429 with Retry-After waits at least that long", script: []reply{{status: 429, retryAfter: "2"}},
			attempts: 2, status: StatusDelivered, minGap: 2 * time.Second},
		{name: "410 stops at once", script: []reply{{status: 410}}, attempts: 1, status: StatusFailed, errPart: "410"},
		{name: "other 4xx is not retried", script: []reply{{status: 400}}, attempts: 1, status: StatusFailed, errPart: "400"},
		{name: "3xx is not followed and not retried", script: []reply{{status: 302}}, attempts: 1, status: StatusFailed, errPart: "302"},
		{name: "a receiver that never answers times out and is retried", script: []reply{{status: 200, hang: time.Minute}},
			timeout: 500 * time.Millisecond, attempts: 2, status: StatusDelivered},
		{name: "503 then 200", script: []reply{{status: 503}}, attempts: 2, status: StatusDelivered},
		{name: "exhausted retries end failed and stay visible", script: []reply{{status: 500}, {status: 500}, {status: 500}, {status: 500}, {status: 500}},
			attempts: 4, status: StatusFailed, errPart: "Webhook attempt 4 failed: the receiver answered status 500. Gave up after 4 attempts."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, stackOptions{script: tc.script, timeout: tc.timeout})
			id := s.submit(t, keyA, card(s.recv.URL()))
			job := s.waitStatus(t, keyA, id, tc.status, 30*time.Second)
			time.Sleep(700 * time.Millisecond) // room for an attempt that should not come
			got := s.recv.deliveries()
			require.Len(t, got, tc.attempts)
			require.EqualValues(t, tc.attempts, job["attempts"])
			if tc.minGap > 0 {
				require.GreaterOrEqual(t, got[1].At.Sub(got[0].At), tc.minGap)
			}
			if tc.errPart != "" {
				require.Contains(t, job["last_error"], tc.errPart)
			}
			require.Equal(t, 1, s.renders(t, id))
		})
	}
}

// A request that renders into an error retrying can't fix (an image layer
// whose data is not an image) is rendered once and its failure payload
// delivered at once.
func TestPermanentRenderFailureDeliveredOnce(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{})
	junk := base64.StdEncoding.EncodeToString([]byte("this is not an image, not even close"))
	tests := []struct {
		name string
		body string
	}{
		{name: "undecodable image", body: `{"dimensions":{"width":200,"height":200},"layers":[
		  {"index":0,"type":"image","file":{"type":"base64","base64":"` + junk + `"}}],"webhook_url":"` + s.recv.URL() + `"}`},
		{name: "corrupt custom font", body: `{"dimensions":{"width":200,"height":200},
		  "fonts":[{"name":"Broken","weight":"regular","style":"normal","buffer":"` + junk + `"}],
		  "layers":[{"index":0,"type":"text","text":"hi","font_name":"Broken","font_size_in_px":20,"text_color":"#000000",
		  "position":{"x":0,"y":0},"dimensions":{"width":200,"height":50}}],"webhook_url":"` + s.recv.URL() + `"}`},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.post(t, keyA, tc.body)
			require.Equal(t, http.StatusCreated, status, "%v", out)
			id := out["job_id"].(string)
			got := s.recv.waitFor(t, i+1, 30*time.Second)
			b := parseBody(t, got[len(got)-1])
			require.False(t, b.Success)
			require.Equal(t, id, b.JobID)
			require.NotEmpty(t, b.Error.Message)
			require.NotContains(t, string(got[len(got)-1].Body), `"data"`)
			job := s.waitStatus(t, keyA, id, StatusFailed, 5*time.Second)
			require.Equal(t, b.Error.Message, job["last_error"])
			require.Equal(t, 1, s.renders(t, id), "a permanent failure is not rendered again")
		})
	}
}

// The job moves queued → rendering (the render, then the render task's
// own first attempt) → delivering (that attempt failed; a delivery task
// retries) → delivered, and only its own key sees it.
func TestJobStatusLifecycle(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	r := &gatedRenderer{gate: gate}
	s := newStack(t, stackOptions{noWorker: true, renderer: r, script: []reply{{status: 503}}})
	r.next = renderer(t)
	recvGate := make(chan struct{})
	s.recv.mu.Lock()
	s.recv.gate = recvGate
	s.recv.mu.Unlock()

	id := s.submit(t, keyA, card(s.recv.URL()))
	job := s.waitStatus(t, keyA, id, StatusQueued, time.Second)
	require.Equal(t, id, job["job_id"])
	require.EqualValues(t, 0, job["attempts"])
	require.NotEmpty(t, job["created_at"])

	s.startWorker(t)
	s.waitStatus(t, keyA, id, StatusRendering, 5*time.Second)
	close(gate)
	s.recv.waitFor(t, 1, 30*time.Second) // the first attempt, held by the receiver
	job = s.waitStatus(t, keyA, id, StatusRendering, time.Second)
	require.EqualValues(t, 0, job["attempts"])
	retryGate := make(chan struct{})
	s.recv.mu.Lock()
	s.recv.gate = retryGate // holds the delivery task's attempt
	s.recv.mu.Unlock()
	close(recvGate) // 503: the delivery task retries
	job = s.waitStatus(t, keyA, id, StatusDelivering, 5*time.Second)
	require.EqualValues(t, 1, job["attempts"])
	require.Contains(t, job["last_error"], "Webhook attempt 1 failed: the receiver answered status 503.")
	close(retryGate)
	job = s.waitStatus(t, keyA, id, StatusDelivered, 5*time.Second)
	require.EqualValues(t, 2, job["attempts"])

	tests := []struct {
		name string
		key  string
		id   string
	}{
		{name: "another key's job", key: keyB, id: id},
		{name: "an unknown job", key: keyA, id: "job_00000000000000000000000000000000"},
		{name: "a malformed id", key: keyA, id: "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.job(t, tc.key, tc.id)
			require.Equal(t, http.StatusNotFound, status)
			require.Equal(t, false, out["success"])
		})
	}
}

// An Idempotency-Key returns the first job for a repeat of the same body
// and refuses a different body with 422; nothing is queued twice.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	body := card(s.recv.URL())
	status, first := s.post(t, keyA, body, "Idempotency-Key", "order-42")
	require.Equal(t, http.StatusCreated, status)
	tests := []struct {
		name   string
		key    string
		body   string
		status int
		same   bool
	}{
		{name: "same key and body", key: keyA, body: body, status: http.StatusCreated, same: true},
		{name: "same JSON re-serialised (key order, spacing, number spelling)", key: keyA, status: http.StatusCreated, same: true,
			body: reserialised(t, body)},
		{name: "same key, different body", key: keyA, body: strings.Replace(body, "Async", "Other", 1), status: http.StatusUnprocessableEntity},
		{name: "another API key with the same idempotency key", key: keyB, body: body, status: http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.post(t, tc.key, tc.body, "Idempotency-Key", "order-42")
			require.Equal(t, tc.status, status, "%v", out)
			if tc.status == http.StatusCreated {
				require.Equal(t, tc.same, out["job_id"] == first["job_id"])
			}
		})
	}
	info, err := s.client.asynqInspector().GetQueueInfo(QueueRenders)
	require.NoError(t, err)
	require.Equal(t, 2, info.Pending, "one job for key A, one for key B")
}

// reserialised is body as another client library would send it: keys
// reversed, no spaces, 1200 written as 1.2e3.
func reserialised(t *testing.T, body string) string {
	var v any
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	var write func(v any) string
	write = func(v any) string {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Sort(sort.Reverse(sort.StringSlice(keys)))
			parts := make([]string, len(keys))
			for i, k := range keys {
				parts[i] = strconv.Quote(k) + ":" + write(v[k])
			}
			return "{" + strings.Join(parts, ",") + "}"
		case []any:
			parts := make([]string, len(v))
			for i, e := range v {
				parts[i] = write(e)
			}
			return "[" + strings.Join(parts, ",") + "]"
		case float64:
			if v == 1200 {
				return "1.2e3"
			}
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return string(b)
	}
	out := write(v)
	require.NotEqual(t, body, out)
	require.Contains(t, out, "1.2e3")
	return out
}

// Any invalid request is a 400 and leaves nothing in Redis.
func TestInvalidAsyncRequestQueuesNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	tests := []struct {
		name string
		body string
	}{
		{name: "http webhook", body: strings.Replace(card("https://example.com/hook"), "https://", "http://", 1)},
		{name: "bad colour", body: strings.Replace(card(s.recv.URL()), "#FFFFFF", "#XYZ", 1)},
		{name: "unknown field", body: strings.Replace(card(s.recv.URL()), `"output_format"`, `"output_fromat"`, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, out := s.post(t, keyA, tc.body)
			require.Equal(t, http.StatusBadRequest, status, "%v", out)
			n, err := s.rdb.DBSize(context.Background()).Result()
			require.NoError(t, err)
			require.Zero(t, n)
		})
	}
}

// With Redis unreachable, async requests get 503 while sync renders work.
func TestRedisDownIs503ForAsyncOnly(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	// A client on a port where nothing listens.
	dead := redisClientAt(t, "127.0.0.1:1")
	s.client.rdb = dead
	start := time.Now()
	status, out := s.post(t, keyA, card(s.recv.URL()))
	require.Equal(t, http.StatusServiceUnavailable, status, "%v", out)
	require.Less(t, time.Since(start), 3*time.Second)
	sync := strings.Replace(card(s.recv.URL()), `,"webhook_url":"`+s.recv.URL()+`"`, "", 1)
	status, out = s.post(t, keyA, sync)
	require.Equal(t, http.StatusOK, status, "%v", out)
}

// Shutdown lets an in-flight render finish; with a timeout too short, the
// task goes back to the queue and another worker completes it.
func TestShutdownDrainsOrRequeues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		shutdown time.Duration
		release  time.Duration // when the render is let go, after Shutdown starts
		finished bool          // whether the first worker completed it
	}{
		{name: "in-flight render finishes within the timeout", shutdown: 10 * time.Second, release: 300 * time.Millisecond, finished: true},
		{name: "render past the timeout is requeued", shutdown: 300 * time.Millisecond, release: 2 * time.Second, finished: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gate := make(chan struct{})
			r := &gatedRenderer{gate: gate, next: renderer(t)}
			s := newStack(t, stackOptions{noWorker: true, renderer: r, shutdownFor: tc.shutdown})
			w := s.startWorker(t)
			id := s.submit(t, keyA, card(s.recv.URL()))
			s.waitStatus(t, keyA, id, StatusRendering, 5*time.Second)
			go func() { time.Sleep(tc.release); close(gate) }()
			start := time.Now()
			w.Shutdown()
			require.Less(t, time.Since(start), tc.shutdown+2*time.Second)
			if tc.finished {
				// Rendered, and delivered by the render task itself.
				require.Len(t, s.recv.deliveries(), 1, "the in-flight render completed")
				require.Equal(t, StatusDelivered, s.rdb.HGet(context.Background(), jobKey(id), fStatus).Val())
			} else {
				require.Empty(t, s.recv.deliveries())
				require.Equal(t, StatusRendering, s.rdb.HGet(context.Background(), jobKey(id), fStatus).Val())
				info, err := s.client.asynqInspector().GetQueueInfo(QueueRenders)
				require.NoError(t, err)
				require.Equal(t, 1, info.Pending+info.Retry, "the unfinished render is back in the queue")
			}
			// A second worker finishes whatever is left.
			s.startWorker(t)
			s.waitStatus(t, keyA, id, StatusDelivered, 30*time.Second)
		})
	}
}

// flakyRenderer is the real renderer with injected faults: its first
// `fail` renders return an internal error, as a bug or a lost connection
// would.
type flakyRenderer struct {
	mu   sync.Mutex
	fail int
	next core.Renderer
}

func (f *flakyRenderer) Render(ctx context.Context, req *schema.Request) (core.Result, error) {
	f.mu.Lock()
	fail := f.fail > 0
	f.fail--
	f.mu.Unlock()
	if fail {
		return core.Result{}, errors.New("injected fault")
	}
	return f.next.Render(ctx, req)
}

// A transient render failure is retried, and the retry's image delivered.
func TestTransientRenderFailureRetried(t *testing.T) {
	t.Parallel()
	r := &flakyRenderer{fail: 1, next: renderer(t)}
	s := newStack(t, stackOptions{renderer: r})
	id := s.submit(t, keyA, card(s.recv.URL()))
	got := s.recv.waitFor(t, 1, 30*time.Second)
	require.True(t, parseBody(t, got[0]).Success)
	s.waitStatus(t, keyA, id, StatusDelivered, 5*time.Second)
	require.Equal(t, 2, s.renders(t, id))
}
