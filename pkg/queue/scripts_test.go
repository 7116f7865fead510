package queue

// Tests of the Lua scripts that do the queue's Redis work: what they
// write for asynq, and their answers to failures and repeated tasks.

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/webhook"
)

// A task our scripts enqueue is byte for byte the task asynq's own
// enqueue writes, and asynq's inspector reads it back with every option.
func TestTaskMessageMatchesAsynq(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	ctx := context.Background()
	c := NewClient(ClientOptions{Redis: rdb, RenderTimeout: 30 * time.Second})
	w, err := NewWorker(WorkerOptions{Redis: rdb, Renderer: fixedRenderer{}, Webhooks: webhook.NewSender(testHTTPClient(), 10*time.Second)})
	require.NoError(t, err)
	enqueue := redis.NewScript(enqueueTaskLua + "return enqueue_task()")
	tests := []struct {
		name string
		task asynqTask
	}{
		{name: "render", task: c.renderTask(core.NewJobID())},
		{name: "delivery", task: w.deliveryTask(core.NewJobID())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := tc.task
			key := task.keys()[0]
			ac := asynq.NewClientFromRedisClient(rdb)
			_, err := ac.Enqueue(asynq.NewTask(task.typ, []byte(`{"job_id":"`+task.jobID+`"}`)),
				asynq.TaskID(task.id), asynq.Queue(task.queue), asynq.MaxRetry(task.retry), asynq.Timeout(task.timeout))
			require.NoError(t, err)
			theirs := rdb.HGetAll(ctx, key).Val()
			require.NoError(t, rdb.FlushDB(ctx).Err())

			before := time.Now()
			require.NoError(t, enqueue.Run(ctx, rdb, task.keys(), task.args(time.Now())...).Err())
			ours := rdb.HGetAll(ctx, key).Val()
			require.Equal(t, theirs["msg"], ours["msg"], "the task message")
			require.Equal(t, theirs["state"], ours["state"])
			since, err := strconv.ParseInt(ours["pending_since"], 10, 64)
			require.NoError(t, err)
			require.WithinDuration(t, before, time.Unix(0, since), time.Second)
			require.Len(t, ours, len(theirs), "the same hash fields")
			require.Equal(t, []string{task.id}, rdb.LRange(ctx, task.keys()[1], 0, -1).Val())
			require.Equal(t, []string{task.queue}, rdb.SMembers(ctx, "asynq:queues").Val())

			info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(task.queue, task.id)
			require.NoError(t, err)
			require.Equal(t, task.typ, info.Type)
			require.Equal(t, `{"job_id":"`+task.jobID+`"}`, string(info.Payload))
			require.Equal(t, task.retry, info.MaxRetry)
			require.Equal(t, task.timeout, info.Timeout)
			require.Equal(t, asynq.TaskStatePending, info.State)

			// A second enqueue of the same id changes nothing, as asynq's
			// refuses it (ErrTaskIDConflict).
			require.NoError(t, enqueue.Run(ctx, rdb, task.keys(), task.args(time.Now())...).Err())
			require.Equal(t, ours, rdb.HGetAll(ctx, key).Val())
			require.EqualValues(t, 1, rdb.LLen(ctx, task.keys()[1]).Val())
			require.NoError(t, rdb.FlushDB(ctx).Err())
		})
	}
}

// A delivery retry our scripts enqueue (a render task's failed first
// attempt handed to a delivery task) is byte for byte what asynq's own
// Retry leaves after a failed run of the task: message (retried 1, the
// error, the failure time), state, the retry set's score.
func TestRetryTaskMatchesAsynq(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	ctx := context.Background()
	w, err := NewWorker(WorkerOptions{Redis: rdb, Renderer: fixedRenderer{}, Webhooks: webhook.NewSender(testHTTPClient(), 10*time.Second)})
	require.NoError(t, err)
	task := w.deliveryTask(core.NewJobID())
	const errMsg = "the receiver answered status 500"
	_, err = asynq.NewClientFromRedisClient(rdb).Enqueue(asynq.NewTask(task.typ, []byte(`{"job_id":"`+task.jobID+`"}`)),
		asynq.TaskID(task.id), asynq.Queue(task.queue), asynq.MaxRetry(task.retry), asynq.Timeout(task.timeout))
	require.NoError(t, err)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 1, Queues: map[string]int{task.queue: 1},
		TaskCheckInterval: 10 * time.Millisecond, Logger: asynqLogger{testLogger()}, LogLevel: asynq.ErrorLevel,
		RetryDelayFunc: func(int, error, *asynq.Task) time.Duration { return time.Hour }})
	mux := asynq.NewServeMux()
	mux.HandleFunc(task.typ, func(context.Context, *asynq.Task) error { return errors.New(errMsg) })
	require.NoError(t, srv.Start(mux))
	inspector := asynq.NewInspectorFromRedisClient(rdb)
	var info *asynq.TaskInfo
	require.Eventually(t, func() bool {
		info, err = inspector.GetTaskInfo(task.queue, task.id)
		return err == nil && info.State == asynq.TaskStateRetry
	}, 10*time.Second, 10*time.Millisecond)
	srv.Shutdown()
	key, set := task.keys()[0], "asynq:{"+task.queue+"}:retry"
	theirs := rdb.HGetAll(ctx, key).Val()
	theirScore := rdb.ZScore(ctx, set, task.id).Val()
	require.NoError(t, rdb.FlushDB(ctx).Err())

	task.retryAt, task.failedAt, task.errMsg = info.NextProcessAt, info.LastFailedAt, errMsg
	require.Equal(t, set, task.keys()[1])
	retry := redis.NewScript(retryTaskLua + "return retry_task()")
	require.NoError(t, retry.Run(ctx, rdb, task.keys(), task.args(time.Now())...).Err())
	require.Equal(t, theirs, rdb.HGetAll(ctx, key).Val(), "the task hash (message and state)")
	require.Equal(t, theirScore, rdb.ZScore(ctx, set, task.id).Val(), "due at the same second")
	require.Equal(t, []string{task.queue}, rdb.SMembers(ctx, "asynq:queues").Val())
	got, err := inspector.GetTaskInfo(task.queue, task.id)
	require.NoError(t, err)
	require.Equal(t, asynq.TaskStateRetry, got.State)
	require.Equal(t, 1, got.Retried)
	require.Equal(t, errMsg, got.LastErr)
}

// faultHook makes the round trip carrying the submit script fail as a lost
// connection would: after Redis ran it (the answers are lost) or before.
type faultHook struct {
	ran  bool
	hits atomic.Int32
}

func (h *faultHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *faultHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (h *faultHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !slices.ContainsFunc(cmds, func(c redis.Cmder) bool {
			args := c.Args()
			return len(args) > 1 && args[0] == "evalsha" && args[1] == submitScript.Hash()
		}) {
			return next(ctx, cmds)
		}
		h.hits.Add(1)
		if h.ran {
			_ = next(ctx, cmds)
		}
		err := errors.New("injected: connection reset by peer")
		for _, c := range cmds {
			c.SetErr(err)
		}
		return err
	}
}

// A submit whose Redis call fails answers 503 and leaves no job behind,
// even when Redis ran the script and only the answer was lost; the
// idempotency key is released only when this submit holds it, so the
// client's retry with the same key gets one job, never two.
func TestFailedSubmitLeavesNoJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		ran       bool
		earlier   bool // the idempotency key already belongs to a job
		sameJobID bool // the retry gets the earlier job
	}{
		{name: "answer lost after the script ran", ran: true},
		{name: "script never ran", ran: false},
		{name: "script never ran, the key is an earlier job's", ran: false, earlier: true, sameJobID: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, stackOptions{noWorker: true})
			ctx := context.Background()
			body := card(s.recv.URL())
			var earlier string
			if tc.earlier {
				status, out := s.post(t, keyA, body, "Idempotency-Key", "order-7")
				require.Equal(t, http.StatusCreated, status, "%v", out)
				earlier = out["job_id"].(string)
			}
			// Loaded, so that the faulty round trip runs it at once.
			require.NoError(t, submitScript.Load(ctx, s.rdb).Err())
			faulty := redis.NewClient(s.rdb.Options())
			t.Cleanup(func() { faulty.Close() })
			hook := &faultHook{ran: tc.ran}
			faulty.AddHook(hook)
			healthy := s.client.rdb
			s.client.rdb = faulty

			status, out := s.post(t, keyA, body, "Idempotency-Key", "order-7")
			require.Equal(t, http.StatusServiceUnavailable, status, "%v", out)
			require.EqualValues(t, 1, hook.hits.Load())
			jobs, err := s.rdb.Keys(ctx, "strata:job:*").Result()
			require.NoError(t, err)
			if tc.earlier {
				require.ElementsMatch(t, []string{jobKey(earlier), bodyKey(earlier)}, jobs)
			} else {
				require.Empty(t, jobs, "no job record or body survives the failed submit")
			}

			s.client.rdb = healthy
			status, out = s.post(t, keyA, body, "Idempotency-Key", "order-7")
			require.Equal(t, http.StatusCreated, status, "%v", out)
			require.Equal(t, tc.sameJobID, out["job_id"] == earlier, "retry got %v, earlier job %q", out["job_id"], earlier)
		})
	}
}

// A task that runs again, because its worker died between the work and
// the acknowledgement, must not redo what is done: each case runs the
// handlers directly, as asynq would, against the state such a repeat meets.
func TestRepeatedTasks(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	// Renders hand every delivery to a delivery task here, which these
	// repeats meet (TestFirstAttemptRepeated has the render task's own).
	opts := s.opts
	opts.InlineDeliveries = -1
	w, err := NewWorker(opts)
	require.NoError(t, err)
	ctx := context.Background()
	task := func(typ, id string) *asynq.Task {
		return asynq.NewTask(typ, []byte(`{"job_id":"`+id+`"}`))
	}
	pendingDeliveries := func() int {
		info, err := s.client.asynqInspector().GetQueueInfo(QueueDeliveries)
		if err != nil { // no delivery was ever queued
			return 0
		}
		return info.Pending
	}
	tests := []struct {
		name string
		// prepare changes the submitted job's state; run runs the task.
		prepare    func(id string)
		run        func(id string) error
		skipRetry  bool
		renders    int
		status     string
		deliveries int // pending delivery tasks afterwards
		bodyKept   bool
	}{
		{name: "render, then the same render again: one render, one delivery",
			run: func(id string) error {
				require.NoError(t, w.handleRender(ctx, task(TypeRender, id)))
				return w.handleRender(ctx, task(TypeRender, id))
			}, renders: 1, status: StatusDelivering, deliveries: 1},
		{name: "render of a job whose result is stored: delivered, not rendered",
			prepare: func(id string) {
				s.rdb.HSet(ctx, resultKey(id), fMime, "image/png", fData, "png")
			},
			run:    func(id string) error { return w.handleRender(ctx, task(TypeRender, id)) },
			status: StatusDelivering, deliveries: 1},
		{name: "render of a finished job: nothing",
			prepare: func(id string) { s.rdb.HSet(ctx, jobKey(id), fStatus, StatusDelivered) },
			run:     func(id string) error { return w.handleRender(ctx, task(TypeRender, id)) },
			status:  StatusDelivered, bodyKept: true},
		{name: "delivery of a finished job: nothing sent",
			prepare: func(id string) {
				s.rdb.HSet(ctx, jobKey(id), fStatus, StatusFailed)
				s.rdb.HSet(ctx, resultKey(id), fMime, "image/png", fData, "png")
			},
			run:    func(id string) error { return w.handleDeliver(ctx, task(TypeDeliver, id)) },
			status: StatusFailed, bodyKept: true},
		{name: "render of a job that no longer exists: no retries",
			prepare:   func(id string) { s.rdb.Del(ctx, jobKey(id)) },
			run:       func(id string) error { return w.handleRender(ctx, task(TypeRender, id)) },
			skipRetry: true, bodyKept: true},
		{name: "a task with a bad payload: no retries",
			run: func(string) error {
				return w.handleDeliver(ctx, asynq.NewTask(TypeDeliver, []byte(`{"job_id":"job_*"}`)))
			},
			skipRetry: true, status: StatusQueued, bodyKept: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, s.rdb.FlushDB(ctx).Err())
			id := s.submit(t, keyA, card(s.recv.URL()))
			if tc.prepare != nil {
				tc.prepare(id)
			}
			err := tc.run(id)
			if tc.skipRetry {
				require.ErrorIs(t, err, asynq.SkipRetry)
			} else {
				require.NoError(t, err)
			}
			renders, _ := s.rdb.HGet(ctx, jobKey(id), fRenders).Int()
			require.Equal(t, tc.renders, renders, "renders")
			require.Equal(t, tc.status, s.rdb.HGet(ctx, jobKey(id), fStatus).Val())
			require.Equal(t, tc.deliveries, pendingDeliveries(), "delivery tasks")
			require.EqualValues(t, map[bool]int64{true: 1}[tc.bodyKept], s.rdb.Exists(ctx, bodyKey(id)).Val(), "stored body")
			require.Empty(t, s.recv.deliveries())
		})
	}
}

// Redis forgets its scripts when it restarts (or on SCRIPT FLUSH): every
// round trip that carries one loads it and goes again, so a submit, a
// render and a delivery all still work. On a private Redis, as flushing
// the shared one's scripts would touch other tests.
func TestScriptsReloadedAfterRedisForgetsThem(t *testing.T) {
	t.Parallel()
	rdb := privateRedis(t)
	ctx := context.Background()
	s := newStack(t, stackOptions{noWorker: true})
	s.client.rdb = rdb
	opts := s.opts
	opts.Redis = rdb
	opts.InlineDeliveries = -1
	w, err := NewWorker(opts) // every delivery through a delivery task
	require.NoError(t, err)
	opts.InlineDeliveries = 0
	first, err := NewWorker(opts) // the render task's own first attempt
	require.NoError(t, err)
	forget := func() { require.NoError(t, rdb.ScriptFlush(ctx).Err()) }

	forget()
	id := s.submit(t, keyA, card(s.recv.URL()))
	require.EqualValues(t, 2, rdb.Exists(ctx, jobKey(id), bodyKey(id)).Val(), "the job and its body")
	task := func(typ string) *asynq.Task { return asynq.NewTask(typ, []byte(`{"job_id":"`+id+`"}`)) }
	forget()
	require.NoError(t, w.handleRender(ctx, task(TypeRender)))
	require.Equal(t, StatusDelivering, rdb.HGet(ctx, jobKey(id), fStatus).Val())
	forget()
	require.NoError(t, w.handleDeliver(ctx, task(TypeDeliver)))
	require.Equal(t, StatusDelivered, rdb.HGet(ctx, jobKey(id), fStatus).Val())
	require.Len(t, s.recv.deliveries(), 1)

	id = s.submit(t, keyA, card(s.recv.URL()))
	forget()
	require.NoError(t, first.handleRender(ctx, task(TypeRender)))
	require.Equal(t, StatusDelivered, rdb.HGet(ctx, jobKey(id), fStatus).Val())
	require.Len(t, s.recv.deliveries(), 2)
}

// privateRedis runs a redis-server of the test's own on a free port.
func privateRedis(t testing.TB) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	t.Cleanup(func() { rdb.Close() })
	require.Eventually(t, func() bool { return rdb.Ping(context.Background()).Err() == nil }, 10*time.Second, 20*time.Millisecond)
	return rdb
}

// A job's worker-side Redis work (docs/ASYNC.md): when the render task
// delivers the webhook itself, two round trips, both scripts (the opening
// with the body and the job's webhook fields; the attempt's record, which
// drops the body), nothing stored for a delivery task. When a delivery
// task makes the attempt, four, and only three carry a script: the
// delivery's opening is plain commands (scripts cost Redis several times a
// plain read on a busy machine), and its attempt is counted by the script
// that records the outcome.
func TestWorkerRoundTrips(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	var calls callCounter
	rdb := redis.NewClient(s.rdb.Options())
	t.Cleanup(func() { rdb.Close() })
	rdb.AddHook(&calls)
	opts := s.opts
	opts.Redis = rdb
	first, err := NewWorker(opts)
	require.NoError(t, err)
	opts.InlineDeliveries = -1
	w, err := NewWorker(opts)
	require.NoError(t, err)
	ctx := context.Background()
	// A first job loads the scripts into Redis (EVALSHA, then SCRIPT LOAD
	// and again on NOSCRIPT), so the later ones show the steady state.
	var id string
	task := func(typ string) *asynq.Task { return asynq.NewTask(typ, []byte(`{"job_id":"`+id+`"}`)) }
	id = s.submit(t, keyA, card(s.recv.URL()))
	require.NoError(t, w.handleRender(ctx, task(TypeRender)))
	require.NoError(t, w.handleDeliver(ctx, task(TypeDeliver)))
	id = s.submit(t, keyA, card(s.recv.URL()))
	require.NoError(t, first.handleRender(ctx, task(TypeRender)))
	require.NoError(t, s.rdb.Del(ctx, "asynq:{"+QueueDeliveries+"}:pending").Err())

	tests := []struct {
		name           string
		typ            string
		handler        func(context.Context, *asynq.Task) error
		newJob         bool
		trips, scripts int32
		status         string
		attempts       int
		resultKept     bool
		deliveryTasks  int
	}{
		{name: "render with its own first attempt: open and record, both scripts", typ: TypeRender, handler: first.handleRender,
			newJob: true, trips: 2, scripts: 2, status: StatusDelivered, attempts: 1},
		{name: "render handing over to a delivery task: open and finish, both scripts", typ: TypeRender, handler: w.handleRender,
			newJob: true, trips: 2, scripts: 2, status: StatusDelivering, resultKept: true, deliveryTasks: 1},
		{name: "delivery: plain open, scripted finish", typ: TypeDeliver, handler: w.handleDeliver,
			trips: 2, scripts: 1, status: StatusDelivered, attempts: 1, deliveryTasks: 1},
	}
	for _, tc := range tests {
		// In order, not as subtests: the delivery needs the render's result.
		if tc.newJob {
			id = s.submit(t, keyA, card(s.recv.URL()))
		}
		calls.reset()
		require.NoError(t, tc.handler(ctx, task(tc.typ)), tc.name)
		require.Equal(t, tc.trips, calls.trips.Load(), "%s: round trips", tc.name)
		require.Equal(t, tc.scripts, calls.scripts.Load(), "%s: script calls", tc.name)
		require.Equal(t, tc.status, s.rdb.HGet(ctx, jobKey(id), fStatus).Val(), tc.name)
		attempts, _ := s.rdb.HGet(ctx, jobKey(id), fAttempts).Int()
		require.Equal(t, tc.attempts, attempts, "%s: attempts", tc.name)
		require.EqualValues(t, map[bool]int64{true: 1}[tc.resultKept], s.rdb.Exists(ctx, resultKey(id)).Val(), "%s: result", tc.name)
		require.Zero(t, s.rdb.Exists(ctx, bodyKey(id)).Val(), "%s: the body is dropped once rendered", tc.name)
		// The delivery task of the handed-over job, still listed
		// pending: these handlers run outside asynq.
		require.EqualValues(t, tc.deliveryTasks, s.rdb.LLen(ctx, "asynq:{"+QueueDeliveries+"}:pending").Val(), "%s: delivery tasks", tc.name)
	}
	require.Len(t, s.recv.deliveries(), 4)
}

// callCounter is a go-redis hook counting round trips (a command or a
// pipeline each) and the script calls among their commands.
type callCounter struct{ trips, scripts atomic.Int32 }

func (c *callCounter) reset() { c.trips.Store(0); c.scripts.Store(0) }

func (c *callCounter) count(cmds []redis.Cmder) {
	switch cmds[0].Name() {
	case "hello", "select", "client", "auth": // a new connection's handshake
		return
	}
	c.trips.Add(1)
	for _, cmd := range cmds {
		if name := cmd.Name(); name == "evalsha" || name == "eval" {
			c.scripts.Add(1)
		}
	}
}

func (c *callCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *callCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (c *callCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.count(cmds)
		return next(ctx, cmds)
	}
}

// BenchmarkWorkerRedisWork measures our share of a job's Redis work on the
// worker side, without asynq's dequeue and acknowledgement and without
// rendering: a stand-in renderer answers a 70 KB image (a social card's
// PNG) to a receiver that always answers 204. It runs the render task
// making the first attempt itself (two round trips) and handing it to a
// delivery task (the render's two, the delivery's two). It reports Redis's
// CPU time per job (INFO cpu: run it against a Redis of its own with
// STRATA_TEST_REDIS_URL, since other clients count) and the bytes Redis
// received and sent.
func BenchmarkWorkerRedisWork(b *testing.B) {
	for _, tc := range []struct {
		name   string
		inline int
	}{{"first-attempt=render-task", 0}, {"first-attempt=delivery-task", -1}} {
		b.Run(tc.name, func(b *testing.B) { workerRedisWork(b, tc.inline) })
	}
}

func workerRedisWork(b *testing.B, inline int) {
	rdb := newRedis(b)
	ctx := context.Background()
	c := NewClient(ClientOptions{Redis: rdb, RenderTimeout: 30 * time.Second})
	image := make([]byte, 70<<10)
	recv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	b.Cleanup(recv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(recv.Certificate())
	sender := webhook.NewSender(fetch.New(fetch.Options{AllowPrivate: true, RootCAs: pool}).HTTPClient(time.Second), time.Second)
	secrets, err := webhook.ParseSecrets(defaultSecret)
	require.NoError(b, err)
	w, err := NewWorker(WorkerOptions{Redis: rdb, Renderer: fixedRenderer{data: image}, Limits: schema.DefaultLimits(),
		Webhooks: sender, Secrets: map[string][]webhook.Secret{"k": secrets}, Logger: testLogger(), InlineDeliveries: inline})
	require.NoError(b, err)
	body := card(recv.URL + "/hook")
	req, err := schema.Decode([]byte(body), schema.DefaultLimits())
	require.NoError(b, err)
	ids := make([]string, b.N+1)
	for i := range ids {
		ids[i], err = c.Submit(ctx, core.Submission{KeyID: "k", Request: req, Body: []byte(body)})
		require.NoError(b, err)
	}
	job := func(id string) {
		task := func(typ string) *asynq.Task { return asynq.NewTask(typ, []byte(`{"job_id":"`+id+`"}`)) }
		require.NoError(b, w.handleRender(ctx, task(TypeRender)))
		if inline < 0 {
			require.NoError(b, w.handleDeliver(ctx, task(TypeDeliver)))
		}
	}
	job(ids[b.N]) // loads the scripts
	before := redisStats(b, rdb)
	b.ResetTimer()
	for _, id := range ids[:b.N] {
		job(id)
	}
	b.StopTimer()
	after := redisStats(b, rdb)
	require.Equal(b, StatusDelivered, rdb.HGet(ctx, jobKey(ids[0]), fStatus).Val())
	for i, name := range []string{"redis-cpu-µs/job", "redis-in-KB/job", "redis-out-KB/job"} {
		scale := 1e6
		if i > 0 {
			scale = 1.0 / 1024
		}
		b.ReportMetric((after[i]-before[i])*scale/float64(b.N), name)
	}
}

// redisStats reads Redis's CPU seconds (user+system) and its network bytes
// in and out.
func redisStats(t testing.TB, rdb *redis.Client) [3]float64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "cpu", "stats").Result()
	require.NoError(t, err)
	var s [3]float64
	for _, line := range strings.Split(info, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "used_cpu_user", "used_cpu_sys":
			s[0] += f
		case "total_net_input_bytes":
			s[1] = f
		case "total_net_output_bytes":
			s[2] = f
		}
	}
	return s
}

// fixedRenderer renders every request into the same bytes.
type fixedRenderer struct{ data []byte }

func (r fixedRenderer) Render(context.Context, *schema.Request) (core.Result, error) {
	return core.Result{Data: r.data, MimeType: "image/png"}, nil
}
