package queue

// Tests of the render task's own first webhook attempt (deliverFirst) and
// of its hand-over to a delivery task.

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"
)

// keyLog is a go-redis hook recording every key-like argument the worker
// sends, with the command's name.
type keyLog struct {
	mu   sync.Mutex
	args [][2]string
}

func (k *keyLog) record(cmds []redis.Cmder) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, c := range cmds {
		for _, a := range c.Args() {
			if s, ok := a.(string); ok && (strings.HasPrefix(s, "strata:") || strings.HasPrefix(s, "asynq:")) {
				k.args = append(k.args, [2]string{c.Name(), s})
			}
		}
	}
}

// touched reports whether a recorded argument contains part, in a
// command other than the except ones.
func (k *keyLog) touched(part string, except ...string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, a := range k.args {
		if strings.Contains(a[1], part) && !slices.Contains(except, a[0]) {
			return true
		}
	}
	return false
}

func (k *keyLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (k *keyLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		k.record([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (k *keyLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		k.record(cmds)
		return next(ctx, cmds)
	}
}

// deliveryTasks is how many delivery tasks Redis holds, in any state.
func deliveryTasks(t *testing.T, rdb *redis.Client) int {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), "asynq:{"+QueueDeliveries+"}:t:*").Result()
	require.NoError(t, err)
	return len(keys)
}

// verify checks a delivery with the official Standard Webhooks verifier
// and that it carries job id's webhook-id.
func verify(t *testing.T, d delivery, id string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(defaultSecret)
	require.NoError(t, err)
	require.NoError(t, wh.Verify(d.Body, d.Header), "the official verifier rejects the signature")
	require.Equal(t, webhookID(id), d.Header.Get("webhook-id"))
}

// A receiver that answers at once gets the webhook from the render task
// itself: no delivery task is created and the result never goes to Redis
// (no command names a delivery task or the result key). The same render
// run again (its worker died before the acknowledgement) sends nothing.
func TestFirstAttemptByRenderTask(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	var keys keyLog
	rdb := redis.NewClient(s.rdb.Options())
	t.Cleanup(func() { rdb.Close() })
	rdb.AddHook(&keys)
	s.opts.Redis = rdb
	s.startWorker(t)

	id := s.submit(t, keyA, card(s.recv.URL()))
	got := s.recv.waitFor(t, 1, 30*time.Second)
	verify(t, got[0], id)
	b := parseBody(t, got[0])
	require.True(t, b.Success)
	raw, err := base64.StdEncoding.DecodeString(b.Data.Buffer)
	require.NoError(t, err)
	require.NotEmpty(t, raw)
	job := s.waitStatus(t, keyA, id, StatusDelivered, 5*time.Second)
	require.EqualValues(t, 1, job["attempts"])
	require.Equal(t, 1, s.renders(t, id))
	ctx := context.Background()
	require.Zero(t, s.rdb.Exists(ctx, bodyKey(id), resultKey(id)).Val(), "body dropped, no result stored")
	require.Zero(t, deliveryTasks(t, s.rdb), "no delivery task")
	// Only the render's opening script names it (a stored result would
	// mean an earlier run rendered the job).
	require.False(t, keys.touched(resultKey(id), "evalsha"), "the result key is never written or read")
	require.False(t, keys.touched("asynq:{"+QueueDeliveries+"}:t:"+s.worker.deliveryTask(id).id), "no delivery task is written or read")

	require.NoError(t, s.worker.handleRender(ctx, asynq.NewTask(TypeRender, []byte(`{"job_id":"`+id+`"}`))))
	time.Sleep(300 * time.Millisecond)
	require.Len(t, s.recv.deliveries(), 1, "a repeated render sends nothing")
	require.Equal(t, 1, s.renders(t, id))
	require.Zero(t, deliveryTasks(t, s.rdb))
}

// When the render task's first attempt fails, a delivery task takes over
// carrying it: counted as attempt 1, asynq's retry count 1, due after the
// schedule's first delay; every attempt has the job's webhook-id and a
// signature the official verifier accepts. A failure that is final ends
// the job without any delivery task.
func TestFirstAttemptFailsOverToDeliveryTask(t *testing.T) {
	t.Parallel()
	junk := base64.StdEncoding.EncodeToString([]byte("not an image"))
	tests := []struct {
		name     string
		script   []reply
		badImage bool // a render that fails for good: the failure payload
		attempts int
		status   string
		lastErr  string
		tasks    int // delivery tasks created
	}{
		{name: "5xx: the delivery task retries after the first delay, then the second",
			script: []reply{{status: 500}, {status: 500}}, attempts: 3, status: StatusDelivered, tasks: 1},
		{name: "4xx: failed at once, no delivery task", script: []reply{{status: 400}}, attempts: 1, status: StatusFailed,
			lastErr: "Webhook attempt 1 failed: the receiver answered status 400."},
		{name: "410: failed at once, no delivery task", script: []reply{{status: 410}}, attempts: 1, status: StatusFailed,
			lastErr: "Webhook attempt 1 failed: the receiver answered status 410 (Gone)"},
		{name: "the failure payload of a failed render: 503, then delivered by the delivery task",
			script: []reply{{status: 503}}, badImage: true, attempts: 2, status: StatusFailed, tasks: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Asynq stores due times in whole seconds, truncated: the
			// first delay, 2 s, brings attempt 2 after 1–2 s; the second,
			// 50 ms, attempt 3 well within one. A fallback task with the
			// wrong retry count would wait the first delay again.
			s := newStack(t, stackOptions{script: tc.script, schedule: []time.Duration{2 * time.Second, 50 * time.Millisecond, 50 * time.Millisecond}})
			body := card(s.recv.URL())
			if tc.badImage {
				body = `{"dimensions":{"width":200,"height":200},"layers":[
				  {"index":0,"type":"image","file":{"type":"base64","base64":"` + junk + `"}}],"webhook_url":"` + s.recv.URL() + `"}`
			}
			id := s.submit(t, keyA, body)
			job := s.waitStatus(t, keyA, id, tc.status, 30*time.Second)
			time.Sleep(500 * time.Millisecond) // room for an attempt that should not come
			got := s.recv.deliveries()
			require.Len(t, got, tc.attempts)
			require.EqualValues(t, tc.attempts, job["attempts"])
			for _, d := range got {
				verify(t, d, id)
				require.Equal(t, !tc.badImage, parseBody(t, d).Success)
			}
			if len(got) > 1 {
				require.GreaterOrEqual(t, got[1].At.Sub(got[0].At), time.Second, "attempt 2 waits the first delay")
			}
			if len(got) > 2 {
				require.Less(t, got[2].At.Sub(got[1].At), time.Second, "attempt 3 waits the second delay")
			}
			switch {
			case tc.badImage:
				require.Equal(t, parseBody(t, got[0]).Error.Message, job["last_error"])
			case tc.lastErr != "":
				require.Contains(t, job["last_error"], tc.lastErr)
			}
			require.Equal(t, 1, s.renders(t, id))
			ctx := context.Background()
			require.Zero(t, s.rdb.Exists(ctx, bodyKey(id)).Val(), "the body is dropped")
			if tc.tasks == 0 {
				require.Zero(t, s.rdb.Exists(ctx, resultKey(id)).Val(), "no result stored")
				require.Zero(t, deliveryTasks(t, s.rdb))
			} else {
				info, err := s.client.asynqInspector().GetQueueInfo(QueueDeliveries)
				require.NoError(t, err)
				require.Equal(t, tc.tasks, info.ProcessedTotal-info.FailedTotal, "delivery tasks that succeeded")
			}
		})
	}
}

// A receiver that holds the first attempt holds no render slot: with one
// render slot, the next jobs render meanwhile, find the one inline slot
// taken and hand their attempts to the delivery pool at once. Each job is
// rendered once and delivered once.
func TestSlowReceiverHoldsNoRenderSlot(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true, timeout: 20 * time.Second})
	s.opts.RenderConcurrency = 1
	s.opts.Metrics = NewMetrics()
	gate := make(chan struct{})
	s.recv.mu.Lock()
	s.recv.gate = gate
	s.recv.mu.Unlock()
	s.startWorker(t)
	ctx := context.Background()

	first := s.submit(t, keyA, card(s.recv.URL()))
	s.recv.waitFor(t, 1, 30*time.Second) // the first job's attempt, held
	var later []string
	for i := range 2 {
		id := s.submit(t, keyA, card(s.recv.URL()))
		later = append(later, id)
		// Rendered while the first attempt waits, and handed over: the
		// delivery pool's attempt reaches the receiver too.
		got := s.recv.waitFor(t, i+2, 30*time.Second)
		require.Equal(t, webhookID(id), got[i+1].Header.Get("webhook-id"))
		require.Equal(t, 1, s.renders(t, id))
		require.Equal(t, StatusDelivering, s.rdb.HGet(ctx, jobKey(id), fStatus).Val())
		require.EqualValues(t, 1, s.rdb.Exists(ctx, resultKey(id)).Val(), "the result is kept for the delivery task")
	}
	require.Equal(t, StatusRendering, s.rdb.HGet(ctx, jobKey(first), fStatus).Val(), "the first attempt is still waiting")
	close(gate)
	for _, id := range append([]string{first}, later...) {
		job := s.waitStatus(t, keyA, id, StatusDelivered, 10*time.Second)
		require.EqualValues(t, 1, job["attempts"])
		require.Equal(t, 1, s.renders(t, id))
	}
	time.Sleep(300 * time.Millisecond)
	got := s.recv.deliveries()
	require.Len(t, got, 3, "each job delivered once")
	for i, id := range append([]string{first}, later...) {
		verify(t, got[i], id)
	}
	require.Zero(t, s.rdb.Exists(ctx, resultKey(first)).Val(), "the first job's result was never stored")
	m := s.opts.Metrics.firstTotal
	require.Equal(t, 1.0, testutil.ToFloat64(m.WithLabelValues("render_task")))
	require.Equal(t, 2.0, testutil.ToFloat64(m.WithLabelValues("delivery_task")))
}

// A first attempt longer than ReapAfter keeps its task: asynq's heartbeat
// moves the render task's lease while the attempt waits, so the reaper
// (running in the worker) does not hand the task to another run, and the
// job is rendered once and delivered once.
func TestLongFirstAttemptIsNotReaped(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{timeout: ReapAfter + 10*time.Second,
		script: []reply{{status: 200, hang: ReapAfter + 2*time.Second}}})
	id := s.submit(t, keyA, card(s.recv.URL()))
	job := s.waitStatus(t, keyA, id, StatusDelivered, ReapAfter+20*time.Second)
	time.Sleep(time.Second)
	require.Len(t, s.recv.deliveries(), 1)
	require.EqualValues(t, 1, job["attempts"])
	require.Equal(t, 1, s.renders(t, id), "not reaped and rendered again")
	require.Zero(t, deliveryTasks(t, s.rdb))
}

// A worker shut down while its render task waits on the first attempt
// (past the shutdown timeout) does not count it: the task goes back to
// its queue with the job still rendering and its body kept, and another
// worker renders and delivers it.
func TestShutdownDuringFirstAttempt(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{timeout: 20 * time.Second, shutdownFor: 300 * time.Millisecond,
		script: []reply{{status: 200, hang: time.Minute}}})
	id := s.submit(t, keyA, card(s.recv.URL()))
	s.recv.waitFor(t, 1, 30*time.Second)
	s.worker.Shutdown()
	ctx := context.Background()
	require.Eventually(t, func() bool {
		return s.rdb.HGet(ctx, jobKey(id), fAttempts).Val() == "0" && s.rdb.Exists(ctx, bodyKey(id)).Val() == 1
	}, 5*time.Second, 20*time.Millisecond)
	s.startWorker(t)
	job := s.waitStatus(t, keyA, id, StatusDelivered, 30*time.Second)
	require.EqualValues(t, 1, job["attempts"], "the cut attempt is not counted")
	require.Len(t, s.recv.deliveries(), 2)
	require.Equal(t, 2, s.renders(t, id))
}

// A render task with less time left than one whole attempt takes hands
// the job to a delivery task without trying: an attempt cut by the task's
// deadline would make the job render again.
func TestFirstAttemptNeedsTheTaskTime(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true, timeout: 2 * time.Second})
	w, err := NewWorker(s.opts)
	require.NoError(t, err)
	id := s.submit(t, keyA, card(s.recv.URL()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second) // the attempt's 2 s, no margin
	defer cancel()
	require.NoError(t, w.handleRender(ctx, asynq.NewTask(TypeRender, []byte(`{"job_id":"`+id+`"}`))))
	require.Empty(t, s.recv.deliveries(), "no attempt made")
	require.Equal(t, StatusDelivering, s.rdb.HGet(context.Background(), jobKey(id), fStatus).Val())
	require.EqualValues(t, 1, s.rdb.LLen(context.Background(), "asynq:{"+QueueDeliveries+"}:pending").Val(), "the delivery task, due at once")

	id = s.submit(t, keyA, card(s.recv.URL()))
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, w.handleRender(ctx, asynq.NewTask(TypeRender, []byte(`{"job_id":"`+id+`"}`))))
	require.Len(t, s.recv.deliveries(), 1, "with time left, the render task makes it")
	require.Equal(t, StatusDelivered, s.rdb.HGet(context.Background(), jobKey(id), fStatus).Val())
}
