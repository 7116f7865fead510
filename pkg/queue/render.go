package queue

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
)

// handleRender renders one job and makes the first attempt of its webhook
// (deliverFirst); when that attempt cannot be made or fails, the result is
// kept and a delivery task takes over. Returning a plain error retries the
// render; a failure retrying can't fix is delivered at once and the task
// ends with asynq.SkipRetry.
//
// Its Redis work is two round trips: openRenderScript, the stored body and
// the job's webhook fields before the render, and one write after the
// attempt (recordAttempt, or finishRender when a delivery task takes over).
func (w *Worker) handleRender(ctx context.Context, t *asynq.Task) error {
	id, err := taskJobID(t, "render")
	if err != nil {
		return err
	}
	// The task may run again after a worker died at the wrong moment: a
	// finished job is left alone, and a stored result means an earlier run
	// rendered it, so it is delivered, not rendered again.
	var (
		open   *redis.Cmd
		stored *redis.StringCmd
		fields *redis.SliceCmd
	)
	pipe(ctx, w.rdb, []*redis.Script{openRenderScript}, func(p redis.Pipeliner) {
		open = openRenderScript.EvalSha(ctx, p, []string{jobKey(id), resultKey(id)}, millis(time.Now()), maxRenders)
		stored = p.Get(ctx, bodyKey(id))
		// Whose storage credentials and webhook secrets to use, where the
		// webhook goes, how many attempts it had.
		fields = p.HMGet(ctx, jobKey(id), fKey, fURL, fAttempts)
	})
	state, err := open.Text()
	switch {
	case err != nil:
		return err
	case state == "missing":
		return fmt.Errorf("job %s: %w: %w", id, errNoJob, asynq.SkipRetry)
	case state == "finished":
		return nil
	case state == "rendered":
		return w.finishRender(ctx, id, nil, "", w.deliveryTask(id), false)
	}
	h := hookOf(fields.Val())
	if state == "exhausted" {
		msg := fmt.Sprintf("The render was started %d times and its worker stopped during each (killed or out of memory); try a smaller canvas or fewer and smaller images.", maxRenders)
		if err := w.deliverFirst(ctx, id, h, failedResult(msg)); err != nil {
			return err
		}
		w.o.Metrics.failed("render")
		return fmt.Errorf("render of %s abandoned after %d starts: %w", id, maxRenders, asynq.SkipRetry)
	}
	body, err := stored.Bytes()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}

	start := time.Now()
	req, res, rerr := w.render(ctx, id, h.key, body)
	var r *result
	if rerr == nil {
		r, rerr = w.resultOf(ctx, id, h.key, req, res)
	}
	took := time.Since(start).Seconds()
	if rerr != nil {
		if ctx.Err() != nil {
			// Shutdown or the task timeout: leave it to asynq to retry.
			return rerr
		}
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		kind := failure.KindOf(rerr)
		permanent := kind == failure.Invalid || kind == failure.TooLarge || kind == failure.Unprocessable
		if !permanent && retried < maxRetry {
			w.o.Metrics.retried("render")
			msg := failure.As(rerr).PublicMessage()
			_ = setStatus(ctx, w.rdb, id, StatusQueued, &msg)
			w.log.Warn("render failed; will retry", "job_id", id, "error", rerr.Error(), "retried", retried)
			return rerr
		}
		if kind == failure.Internal {
			w.log.Error("render failed", "job_id", id, "error", rerr.Error())
		}
		if err := w.deliverFirst(ctx, id, h, failedResult(failure.As(rerr).PublicMessage())); err != nil {
			return err
		}
		w.o.Metrics.rendered("error", took)
		w.o.Metrics.failed("render")
		// SkipRetry: the failure is final and already delivered or on its
		// way to the receiver; asynq archives the (tiny) task for
		// operators to see.
		return fmt.Errorf("render of %s failed for good (%s): %w", id, kind, asynq.SkipRetry)
	}
	if err := w.deliverFirst(ctx, id, h, r); err != nil {
		return err
	}
	w.o.Metrics.rendered("image", took)
	return nil
}

// hook is what a job's webhook needs of its record: the key id (whose
// secrets sign it), the URL and the attempts made so far.
type hook struct {
	key, url string
	attempts int
}

// hookOf reads the HMGET of fKey, fURL and fAttempts.
func hookOf(vals []any) hook {
	var h hook
	if len(vals) == 3 {
		h.key, _ = vals[0].(string)
		h.url, _ = vals[1].(string)
		n, _ := vals[2].(string)
		h.attempts, _ = strconv.Atoi(n)
	}
	return h
}

// maxRenders is how many times one job's render may start: asynq's
// retries allow 1+RenderRetries; more happen only when workers die during
// the render (the reaper's requeues are not asynq retries), and a job
// that keeps killing its worker is then failed.
const maxRenders = 1 + RenderRetries

// openRenderScript: KEYS = job, result; ARGV = now (ms), maxRenders. It
// answers "missing" (no such job), "finished" (delivered or failed: the
// task is a repeat after a worker died between its work and the
// acknowledgement), "rendered" (a result is stored already), "exhausted"
// (started maxRenders times already), else "render", having marked the
// job rendering and counted the render. Only that word travels back:
// rendering needs nothing of the job record. The stored body is read
// beside it (see pipe).
var openRenderScript = redis.NewScript(`
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status == 'delivered' or status == 'failed' then return 'finished' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'rendered' end
if tonumber(redis.call('HGET', KEYS[1], 'renders') or '0') >= tonumber(ARGV[2]) then return 'exhausted' end
redis.call('HSET', KEYS[1], 'status', 'rendering', 'updated', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'renders', 1)
return 'render'`)

// render decodes the stored request (nil: it expired) and renders it under
// the render timeout, admitted by its estimated memory and its owner's fair
// share of the worker's slots (admission.Gate, as in the API); it returns
// the decoded request beside the image. A render stuck in a C call past its
// deadline is abandoned (core.RenderWithin): the job fails on time, once,
// and the slot comes back when the call ends.
func (w *Worker) render(ctx context.Context, id, keyID string, stored []byte) (*schema.Request, core.Result, error) {
	if stored == nil {
		return nil, core.Result{}, failure.New(failure.Unprocessable, "The request expired in the queue before it could be rendered.")
	}
	body, err := decompress(stored, w.o.Limits.MaxBodyBytes)
	if err != nil {
		return nil, core.Result{}, failure.Wrap(failure.Internal, err, "stored body of %s", id)
	}
	req, err := schema.Decode(body, w.o.Limits)
	if err != nil {
		return nil, core.Result{}, err
	}
	cost, err := render.CheckMemory(req, w.o.RenderMemory)
	if err != nil {
		return nil, core.Result{}, err
	}
	// The task's deadline bounds the wait; a job still waiting then is
	// retried like any task that ran out of time.
	t, err := w.gate.Acquire(ctx, keyID, cost, w.o.Limits.RenderTimeout+time.Minute)
	if err != nil {
		return nil, core.Result{}, err
	}
	res, err := core.RenderWithin(ctx, w.o.Renderer, req, w.o.Limits.RenderTimeout, func() {
		if t.Heavy() {
			// Before the bytes go back: the next heavy render is
			// admitted against memory really returned.
			render.ReleaseMemory()
		}
		t.Release()
	})
	if err != nil {
		return nil, core.Result{}, err
	}
	return req, res, nil
}

// finishRender hands job id's delivery to a delivery task: it stores the
// result (nil: an earlier run stored it), marks the job delivering (with
// lastErr unless it is ""), queues task once and drops the stored body, in
// one round trip. attempted says the render task's own first attempt
// failed: it is counted, and task is its retry (asynqTask.retryAt). The
// delivery task id is derived from the job id, so a render that runs twice
// (a worker died after finishing) does not deliver twice; and the status
// is written with the enqueue, atomically, so a fast delivery's final
// status is never overwritten by "delivering".
func (w *Worker) finishRender(ctx context.Context, id string, r *result, lastErr string, task asynqTask, attempted bool) error {
	now := time.Now()
	flags := []any{"0", "0"}
	if attempted {
		flags[0] = "1"
	}
	if !task.retryAt.IsZero() {
		flags[1] = "1"
	}
	// Every command here can run again: the result is the same, and the
	// delivery task is queued once (its id is derived from the job's).
	return durable(ctx, func() error {
		var cmds []redis.Cmder
		pipe(ctx, w.rdb, []*redis.Script{finishRenderScript}, func(p redis.Pipeliner) {
			cmds = nil
			if r != nil {
				cmds = append(cmds, p.HSet(ctx, resultKey(id), r.fields()...), p.PExpire(ctx, resultKey(id), w.o.ResultTTL))
			}
			cmds = append(cmds, finishRenderScript.EvalSha(ctx, p, task.keys(jobKey(id), bodyKey(id)),
				task.args(now, append([]any{millis(now), lastErr}, flags...)...)...))
		})
		for _, c := range cmds {
			if err := c.Err(); err != nil {
				return err
			}
		}
		return nil
	})
}

// deliveryTask is the task that delivers job id's webhook: one attempt
// per run, as many runs as the schedule allows.
func (w *Worker) deliveryTask(id string) asynqTask {
	return asynqTask{typ: TypeDeliver, id: "deliver-" + id, jobID: id, queue: QueueDeliveries,
		retry: w.o.Retries.MaxAttempts() - 1, timeout: w.o.Webhooks.Timeout() + 30*time.Second}
}

// finishRenderScript runs after the result was stored (beside it, in the
// same round trip: see pipe). KEYS = the delivery task's three
// (asynqTask.keys), job, body; ARGV = the task's four, now (ms), the last
// error ("": none), "1" when an attempt is to be counted, "1" when the
// task is a retry (retry_task) rather than pending (enqueue_task).
var finishRenderScript = redis.NewScript(statusLua + enqueueTaskLua + retryTaskLua + `
if set_status(KEYS[4], 'delivering', ARGV[5], ARGV[6]) == 1 and ARGV[7] == '1' then
  redis.call('HINCRBY', KEYS[4], 'attempts', 1)
end
if ARGV[8] == '1' then retry_task() else enqueue_task() end
redis.call('DEL', KEYS[5])
return 0`)
