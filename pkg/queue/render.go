package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// handleRender renders one job, keeps the result and enqueues its
// delivery. Returning a plain error retries the render; a failure retrying
// can't fix is delivered at once and the task ends with asynq.SkipRetry.
//
// Its Redis work is two script calls: openRenderScript before the render,
// finishRenderScript after it.
func (w *Worker) handleRender(ctx context.Context, t *asynq.Task) error {
	id, err := taskJobID(t, "render")
	if err != nil {
		return err
	}
	// The task may run again after a worker died at the wrong moment: a
	// finished job is left alone (openJob), and a stored result means an
	// earlier run rendered it, so it is delivered, not rendered again.
	j, rest, err := w.openJob(ctx, id, openRenderScript, []string{jobKey(id), resultKey(id), bodyKey(id)}, millis(time.Now()))
	if err != nil || j == nil {
		return err
	}
	if rest[0] == "rendered" {
		return w.finishRender(ctx, id, nil, nil)
	}
	stored, found := rest[1].(string)

	start := time.Now()
	data, mime, rerr := w.render(ctx, id, stored, found)
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
		msg := failure.As(rerr).PublicMessage()
		if err := w.finishRender(ctx, id, []any{fError, msg}, &msg); err != nil {
			return err
		}
		w.o.Metrics.rendered("error", time.Since(start).Seconds())
		w.o.Metrics.failed("render")
		// SkipRetry: the failure is final and already on its way to the
		// receiver; asynq archives the (tiny) task for operators to see.
		return fmt.Errorf("render of %s failed for good (%s): %w", id, kind, asynq.SkipRetry)
	}
	if err := w.finishRender(ctx, id, []any{fMime, mime, fData, data}, nil); err != nil {
		return err
	}
	w.o.Metrics.rendered("image", time.Since(start).Seconds())
	return nil
}

// openRenderScript: KEYS = job, result, body; ARGV = now (ms). Besides the
// job (openJob) it answers "rendered" when a result is stored already, else
// "render" and the stored body (nil when it expired), having marked the
// job rendering and counted the render.
var openRenderScript = redis.NewScript(openJobLua + `
if redis.call('EXISTS', KEYS[2]) == 1 then return {job, 'rendered'} end
redis.call('HSET', KEYS[1], 'status', 'rendering', 'updated', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'renders', 1)
return {job, 'render', redis.call('GET', KEYS[3])}`)

// render decodes the stored request (found false: it expired) and
// renders it under the render timeout.
func (w *Worker) render(ctx context.Context, id, stored string, found bool) ([]byte, string, error) {
	if !found {
		return nil, "", failure.New(failure.Unprocessable, "The request expired in the queue before it could be rendered.")
	}
	body, err := decompress([]byte(stored), w.o.Limits.MaxBodyBytes)
	if err != nil {
		return nil, "", failure.Wrap(failure.Internal, err, "stored body of %s", id)
	}
	req, err := schema.Decode(body, w.o.Limits)
	if err != nil {
		return nil, "", err
	}
	rctx, cancel := context.WithTimeout(ctx, w.o.Limits.RenderTimeout)
	defer cancel()
	res, err := w.o.Renderer.Render(rctx, req)
	if err != nil {
		if rctx.Err() != nil && ctx.Err() == nil {
			return nil, "", failure.Wrap(failure.Unprocessable, err,
				"The render took longer than %s, the limit; simplify the request or use fewer or smaller images.", w.o.Limits.RenderTimeout)
		}
		return nil, "", err
	}
	return res.Data, res.MimeType, nil
}

// finishRender stores the result (field/value pairs; none when an earlier
// run stored it), marks the job delivering (with the render's error, if
// any), queues its webhook once and drops the stored body, in one script
// call. The delivery task id is derived from the job id, so a render that
// runs twice (a worker died after finishing) does not deliver twice; and
// the status is written with the enqueue, atomically, so a fast delivery's
// final status is never overwritten by "delivering".
func (w *Worker) finishRender(ctx context.Context, id string, result []any, lastErr *string) error {
	task := deliveryTask(id, w.o.Deliverer)
	now := time.Now()
	args := task.args(now, w.o.ResultTTL.Milliseconds(), millis(now), orEmpty(lastErr))
	return finishRenderScript.Run(ctx, w.rdb, task.keys(jobKey(id), resultKey(id), bodyKey(id)), append(args, result...)...).Err()
}

// deliveryTask is the task that delivers job id's webhook through d.
func deliveryTask(id string, d Deliverer) asynqTask {
	return asynqTask{typ: TypeDeliver, id: "deliver-" + id, jobID: id, queue: QueueDeliveries,
		retry: d.Retries(), timeout: d.AttemptTimeout() + 30*time.Second}
}

// finishRenderScript: KEYS = the delivery task's three (asynqTask.keys),
// job, result, body; ARGV = the task's four, the result TTL (ms), now (ms),
// the last error ("": none), then the result's fields and values.
var finishRenderScript = redis.NewScript(statusLua + enqueueTaskLua + `
if #ARGV > 7 then
  redis.call('HSET', KEYS[5], unpack(ARGV, 8))
  redis.call('PEXPIRE', KEYS[5], ARGV[5])
end
set_status(KEYS[4], 'delivering', ARGV[6], ARGV[7])
enqueue_task()
redis.call('DEL', KEYS[6])
return 0`)
