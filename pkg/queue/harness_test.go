package queue

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/api"
	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/dnstest"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/webhook"
)

// Test keys and secrets. keyB has its own secret; keyA uses the default.
const (
	keyA          = "test-key-aaaaaaaaaaaaaaaa"
	keyB          = "test-key-bbbbbbbbbbbbbbbb"
	defaultSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB       = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
)

// redisDBs are the spare Redis databases this package's tests use, one
// per running test (asynq's queues are per database, so two tests sharing
// one would take each other's tasks). No other package's tests use them
// (pkg/api uses 8, 10 and 12, pkg/redisbatch 11, pkg/ratelimit 13, cmd/worker 7, 14 and 15,
// scripts/bench-submit.sh 5): a test flushing one would delete another's
// jobs.
var redisDBs = func() chan int {
	ch := make(chan int, 4)
	for db := 1; db <= 4; db++ {
		ch <- db
	}
	return ch
}()

// newRedis returns a client on a flushed spare database of the Redis at
// STRATA_TEST_REDIS_URL (default 127.0.0.1:6379; its database number is
// ignored).
func newRedis(t testing.TB) *redis.Client {
	t.Helper()
	db := <-redisDBs
	opts := &redis.Options{Addr: "127.0.0.1:6379"}
	if u := os.Getenv("STRATA_TEST_REDIS_URL"); u != "" {
		var err error
		opts, err = redis.ParseURL(u)
		require.NoError(t, err, "STRATA_TEST_REDIS_URL")
	}
	opts.DB = db
	addr := opts.Addr
	rdb := redis.NewClient(opts)
	require.NoError(t, rdb.Ping(context.Background()).Err(), "no Redis at %s: run scripts/ensure-redis.sh", addr)
	require.NoError(t, rdb.FlushDB(context.Background()).Err())
	t.Cleanup(func() {
		rdb.FlushDB(context.Background())
		rdb.Close()
		redisDBs <- db
	})
	return rdb
}

var (
	engineOnce sync.Once
	testEngine *engine.Engine
	engineErr  error
)

// renderer is the real engine with the bundled fonts, shared by the tests.
func renderer(t testing.TB) *render.Renderer {
	t.Helper()
	engineOnce.Do(func() {
		cfg := config.NewDefaultConfig()
		cfg.AssetsDir = assets.Dir()
		testEngine, engineErr = engine.New(cfg, slog.Default())
	})
	require.NoError(t, engineErr, "run scripts/setup.sh to fetch the fonts")
	return testEngine.Renderer
}

// delivery is one request the receiver got.
type delivery struct {
	Header http.Header
	Body   []byte
	At     time.Time
}

// reply is what the receiver answers to one delivery.
type reply struct {
	status     int
	retryAfter string
	hang       time.Duration
}

// receiver is a real HTTPS webhook receiver answering from a script; after
// the script it answers 200.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	script []reply
	got    []delivery
	notify chan struct{}
	gate   chan struct{} // when set, every request waits for it first
}

func newReceiver(t testing.TB, script ...reply) *receiver {
	t.Helper()
	r := &receiver{script: script, notify: make(chan struct{}, 1)}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := len(r.got)
		r.got = append(r.got, delivery{Header: req.Header.Clone(), Body: body, At: time.Now()})
		rep := reply{status: http.StatusOK}
		if n < len(r.script) {
			rep = r.script[n]
		}
		gate := r.gate
		r.mu.Unlock()
		select { // a wake-up signal, never blocking the receiver
		case r.notify <- struct{}{}:
		default:
		}
		if gate != nil {
			<-gate
		}
		if rep.hang > 0 {
			select {
			case <-time.After(rep.hang):
			case <-req.Context().Done():
				return
			}
		}
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// URL is the receiver's webhook URL.
func (r *receiver) URL() string { return r.srv.URL + "/hook" }

// deliveries returns a copy of what arrived so far.
func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// waitFor waits until n deliveries arrived.
func (r *receiver) waitFor(t testing.TB, n int, timeout time.Duration) []delivery {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if got := r.deliveries(); len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline:
			require.FailNowf(t, "timeout", "waited %s for %d deliveries, got %d", timeout, n, len(r.deliveries()))
		}
	}
}

// stack is one test's running system: Redis, an API server with the queue
// client, a worker and a receiver.
type stack struct {
	rdb    *redis.Client
	client *Client
	api    *httptest.Server
	worker *Worker
	recv   *receiver
	opts   WorkerOptions
}

type stackOptions struct {
	script      []reply
	timeout     time.Duration // per delivery attempt
	schedule    []time.Duration
	noWorker    bool
	renderer    core.Renderer
	shutdownFor time.Duration
	// blockPrivate keeps the SSRF guard on, as in production.
	blockPrivate bool
	// storage is the object storage of the API and the worker.
	storage *storage.Store
	// renderTimeout, when set, is the worker's render time limit.
	renderTimeout time.Duration
}

func newStack(t testing.TB, so stackOptions) *stack {
	t.Helper()
	s := &stack{rdb: newRedis(t), recv: newReceiver(t, so.script...)}
	s.client = NewClient(ClientOptions{Redis: s.rdb, RenderTimeout: 30 * time.Second})
	keys := map[string]string{keyA: "", keyB: secretB}
	r := so.renderer
	if r == nil {
		r = renderer(t)
	}
	srv := api.New(api.Options{Keys: keys, Limits: schema.DefaultLimits(), Renderer: r, Async: s.client,
		RenderConcurrency: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Storage: so.storage,
		// The receivers are on loopback; the delivery-time guard is what
		// TestWebhookSSRF checks, so the submit-time check is off here.
		AllowPrivateNetworks: true,
		// Every host name has a record at submit (pkg/api's tests cover
		// the submit-time DNS check), so delivery-time failures can be
		// tested with any name.
		Resolver: dnstest.Start(t, dnstest.Everything("93.184.215.14")).Resolver()})
	s.api = httptest.NewServer(srv.Handler())
	t.Cleanup(s.api.Close)

	if so.timeout == 0 {
		so.timeout = 2 * time.Second
	}
	if so.schedule == nil {
		so.schedule = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}
	}
	secrets := map[string][]webhook.Secret{}
	for key, own := range keys {
		secs, err := webhook.ParseSecrets(cmp.Or(own, defaultSecret))
		require.NoError(t, err)
		secrets[core.KeyID(key)] = secs
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.recv.srv.Certificate())
	// Deliveries resolve names through a DNS server that knows none (the
	// receiver is a literal address), as the name had vanished by then.
	fc := fetch.New(fetch.Options{AllowPrivate: !so.blockPrivate, RootCAs: pool,
		Resolver: dnstest.Start(t, dnstest.Records(nil)).Resolver()})
	s.opts = WorkerOptions{Redis: s.rdb, Renderer: r, Limits: schema.DefaultLimits(), RenderConcurrency: 2,
		DeliveryConcurrency: 4, Webhooks: webhook.NewSender(fc.HTTPClient(so.timeout), so.timeout), Secrets: secrets,
		Retries: webhook.Schedule{Delays: so.schedule}, RetryInterval: 100 * time.Millisecond, ShutdownTimeout: so.shutdownFor,
		Logger: testLogger(), Storage: so.storage}
	if so.renderTimeout > 0 {
		s.opts.Limits.RenderTimeout = so.renderTimeout
	}
	if !so.noWorker {
		s.startWorker(t)
	}
	return s
}

func (s *stack) startWorker(t testing.TB) *Worker {
	t.Helper()
	w, err := NewWorker(s.opts)
	require.NoError(t, err)
	require.NoError(t, w.Start())
	s.worker = w
	t.Cleanup(w.Shutdown)
	return w
}

// apiClient keeps a connection per concurrent caller alive, as an HTTP
// client library would (http.DefaultClient keeps two, so 50 concurrent
// submitters would mostly open a new connection per request).
var apiClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// post sends body to the generate endpoint with key and optional headers.
func (s *stack) post(t testing.TB, key, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.api.URL+"/image-generation/v1/generate", bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := apiClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// submit posts an async request and returns its job id.
func (s *stack) submit(t testing.TB, key, body string) string {
	t.Helper()
	status, out := s.post(t, key, body)
	require.Equal(t, http.StatusCreated, status, "%v", out)
	id, _ := out["job_id"].(string)
	require.NotEmpty(t, id)
	return id
}

// job fetches the job status with key.
func (s *stack) job(t testing.TB, key, id string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.api.URL+"/image-generation/v1/jobs/"+id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := apiClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	data, _ := out["data"].(map[string]any)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, out
	}
	return resp.StatusCode, data
}

// waitStatus polls the job status until it is want.
func (s *stack) waitStatus(t testing.TB, key, id, want string, timeout time.Duration) map[string]any {
	t.Helper()
	var last map[string]any
	require.Eventuallyf(t, func() bool {
		_, last = s.job(t, key, id)
		return last["status"] == want
	}, timeout, 20*time.Millisecond, "job %s never reached %s; last %v", id, want, &last)
	return last
}

// renders is how many times the job's render started.
func (s *stack) renders(t testing.TB, id string) int {
	t.Helper()
	n, err := s.rdb.HGet(context.Background(), jobKey(id), fRenders).Result()
	require.NoError(t, err)
	v, _ := strconv.Atoi(n)
	return v
}

// card is a small social-card request delivering to url.
func card(url string) string {
	return `{"dimensions":{"width":1200,"height":630},"layers":[
	  {"index":0,"type":"gradient","gradient_type":"linear","angle_in_degrees":45,
	   "position":{"x":0,"y":0},"dimensions":{"width":1200,"height":630},
	   "colors":[{"hex_color":"#1E3A8A","position":0},{"hex_color":"#9333EA","position":100}]},
	  {"index":1,"type":"text","text":"Async **Strata**","font_name":"Inter","font_size_in_px":72,"text_color":"#FFFFFF",
	   "position":{"x":80,"y":240},"dimensions":{"width":1040,"height":150}}],
	 "output_format":"png","webhook_url":` + strconv.Quote(url) + `}`
}

// gatedRenderer is the real renderer behind a gate: a render starts, then
// waits until the gate is closed, so a test can look at the job meanwhile.
type gatedRenderer struct {
	gate chan struct{}
	next core.Renderer
}

func (g *gatedRenderer) Render(ctx context.Context, req *schema.Request) (core.Result, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return core.Result{}, ctx.Err()
	}
	return g.next.Render(ctx, req)
}

func redisClientAt(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 500 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func (c *Client) asynqInspector() *asynq.Inspector { return asynq.NewInspectorFromRedisClient(c.rdb) }

func testHTTPClient() *http.Client { return fetch.New(fetch.Options{}).HTTPClient(time.Second) }

// testLogger discards the worker's logs unless STRATA_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("STRATA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
