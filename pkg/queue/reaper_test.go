package queue

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// cutHook fails every command once cut: to Redis, the client's process is
// gone (it no longer beats, dequeues or acknowledges).
type cutHook struct{ cut atomic.Bool }

var errCut = errors.New("injected: this worker is dead")

func (h *cutHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *cutHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.cut.Load() {
			cmd.SetErr(errCut)
			return errCut
		}
		return next(ctx, cmd)
	}
}

func (h *cutHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.cut.Load() {
			for _, c := range cmds {
				c.SetErr(errCut)
			}
			return errCut
		}
		return next(ctx, cmds)
	}
}

// A real asynq server takes a task and then "dies" (its Redis client is
// cut). The reaper, on its own clock, leaves the task alone while the
// lease moves or for less than ReapAfter of reachable Redis, then puts it
// back the way asynq's Requeue does: asynq reports it pending and another
// real asynq server runs it.
func TestReaperRequeuesLikeAsynq(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	ctx := context.Background()
	ac := asynq.NewClientFromRedisClient(rdb)
	_, err := ac.Enqueue(asynq.NewTask(TypeRender, []byte(`{"job_id":"x"}`)), asynq.TaskID("job_reap"), asynq.Queue(QueueRenders))
	require.NoError(t, err)

	// The first server takes the task and hangs in it.
	var hook cutHook
	dying := redis.NewClient(rdb.Options())
	t.Cleanup(func() { dying.Close() })
	dying.AddHook(&hook)
	started := make(chan struct{})
	first := asynq.NewServerFromRedisClient(dying, asynq.Config{Concurrency: 1, Queues: map[string]int{QueueRenders: 1},
		TaskCheckInterval: 10 * time.Millisecond, Logger: asynqLogger{testLogger()}, LogLevel: asynq.FatalLevel})
	require.NoError(t, first.Start(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})))
	t.Cleanup(first.Shutdown)
	<-started
	hook.cut.Store(true)

	lease := func() float64 {
		s, err := rdb.ZScore(ctx, "asynq:{"+QueueRenders+"}:lease", "job_reap").Result()
		require.NoError(t, err)
		return s
	}
	r := newReaper(rdb, ReapAfter, testLogger(), nil, QueueRenders, QueueDeliveries)
	t0 := time.Now()
	require.Zero(t, r.sweep(ctx, t0))
	require.Zero(t, r.sweep(ctx, t0.Add(ReapAfter-time.Second)), "silent for less than ReapAfter")
	// A heartbeat (the lease moves) starts the wait again.
	require.NoError(t, rdb.ZAddXX(ctx, "asynq:{"+QueueRenders+"}:lease", redis.Z{Member: "job_reap", Score: lease() + 5}).Err())
	require.Zero(t, r.sweep(ctx, t0.Add(ReapAfter)), "the lease moved")
	// A poll that fails forgets what was seen: after an outage, workers
	// get ReapAfter of reachable Redis to beat again.
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialerRetries: 1, MaxRetries: -1})
	t.Cleanup(func() { down.Close() })
	r.rdb = down
	require.Zero(t, r.sweep(ctx, t0.Add(2*ReapAfter)))
	require.Empty(t, r.seen)
	r.rdb = rdb
	require.Zero(t, r.sweep(ctx, t0.Add(2*ReapAfter+time.Second)))
	require.Zero(t, r.sweep(ctx, t0.Add(3*ReapAfter)), "silent for less than ReapAfter since Redis came back")
	// A heartbeat landing between the read and the requeue wins.
	score := r.seen[leaseID{QueueRenders, "job_reap"}].score
	n, err := reapScript.Run(ctx, rdb, reapKeys(QueueRenders, "job_reap"), "job_reap", score+1).Int()
	require.NoError(t, err)
	require.Zero(t, n)

	require.Equal(t, 1, r.sweep(ctx, t0.Add(3*ReapAfter+time.Second)))
	require.Zero(t, r.sweep(ctx, t0.Add(4*ReapAfter)), "requeued once")
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo(QueueRenders, "job_reap")
	require.NoError(t, err)
	require.Equal(t, asynq.TaskStatePending, info.State)
	require.Zero(t, info.Retried, "a requeue is not a retry")

	ran := make(chan string, 1)
	second := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 1, Queues: map[string]int{QueueRenders: 1},
		TaskCheckInterval: 10 * time.Millisecond, Logger: asynqLogger{testLogger()}, LogLevel: asynq.FatalLevel})
	require.NoError(t, second.Start(asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		ran <- id
		return nil
	})))
	t.Cleanup(second.Shutdown)
	select {
	case id := <-ran:
		require.Equal(t, "job_reap", id)
	case <-time.After(10 * time.Second):
		t.Fatal("the requeued task never ran")
	}
	require.Eventually(t, func() bool {
		q, err := asynq.NewInspectorFromRedisClient(rdb).GetQueueInfo(QueueRenders)
		return err == nil && q.Active == 0 && q.Pending == 0
	}, 10*time.Second, 20*time.Millisecond)
}

// A job whose render was started maxRenders times (its workers died in
// it) is not rendered again: its failure is delivered (by the render task's
// own first attempt).
func TestRenderStartedTooOftenFails(t *testing.T) {
	t.Parallel()
	s := newStack(t, stackOptions{noWorker: true})
	w, err := NewWorker(s.opts)
	require.NoError(t, err)
	ctx := context.Background()
	id := s.submit(t, keyA, card(s.recv.URL()))
	require.NoError(t, s.rdb.HSet(ctx, jobKey(id), fRenders, maxRenders).Err())
	err = w.handleRender(ctx, asynq.NewTask(TypeRender, []byte(`{"job_id":"`+id+`"}`)))
	require.ErrorIs(t, err, asynq.SkipRetry)
	require.Equal(t, maxRenders, s.renders(t, id), "not rendered again")
	require.Equal(t, StatusFailed, s.rdb.HGet(ctx, jobKey(id), fStatus).Val())
	require.Contains(t, s.rdb.HGet(ctx, jobKey(id), fLastError).Val(), "started 4 times")
	got := s.recv.deliveries()
	require.Len(t, got, 1)
	require.Contains(t, string(got[0].Body), "started 4 times")
}
