package queue

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// A task our scripts enqueue is byte for byte the task asynq's own
// enqueue writes, and asynq's inspector reads it back with every option.
func TestTaskMessageMatchesAsynq(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	ctx := context.Background()
	c := NewClient(ClientOptions{Redis: rdb, RenderTimeout: 30 * time.Second})
	enqueue := redis.NewScript(enqueueTaskLua + "return 0")
	tests := []struct {
		name string
		task asynqTask
	}{
		{name: "render", task: c.renderTask(newJobID())},
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
			require.NoError(t, rdb.FlushDB(ctx).Err())
		})
	}
}

// faultHook makes the submit script fail as a lost connection would:
// after Redis ran it (the answer is lost) or before.
type faultHook struct {
	ran  bool
	hits atomic.Int32
}

func (h *faultHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *faultHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *faultHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if args := cmd.Args(); len(args) < 2 || args[0] != "evalsha" || args[1] != submitScript.Hash() {
			return next(ctx, cmd)
		}
		h.hits.Add(1)
		if h.ran {
			_ = next(ctx, cmd)
		}
		err := errors.New("injected: connection reset by peer")
		cmd.SetErr(err)
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
