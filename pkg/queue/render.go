package queue

import (
	"context"
	"encoding/json"
	"errors"
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
func (w *Worker) handleRender(ctx context.Context, t *asynq.Task) error {
	// The task may run again after a worker died at the wrong moment: a
	// finished job is left alone (openTask), and a stored result means an
	// earlier run rendered it, so it is delivered, not rendered again.
	j, err := w.openTask(ctx, t, "render")
	if err != nil || j == nil {
		return err
	}
	id := j.ID
	if n, err := w.rdb.Exists(ctx, resultKey(id)).Result(); err != nil {
		return err
	} else if n == 1 {
		return w.enqueueDelivery(ctx, j, nil)
	}
	if err := setStatus(ctx, w.rdb, id, StatusRendering, nil); err != nil {
		return err
	}
	w.rdb.HIncrBy(ctx, jobKey(id), fRenders, 1)

	start := time.Now()
	data, mime, rerr := w.render(ctx, id)
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
		if err := w.storeResult(ctx, id, map[string]any{fError: msg}); err != nil {
			return err
		}
		w.o.Metrics.rendered("error", time.Since(start).Seconds())
		w.o.Metrics.failed("render")
		if err := w.enqueueDelivery(ctx, j, &msg); err != nil {
			return err
		}
		w.rdb.Del(ctx, bodyKey(id))
		// SkipRetry: the failure is final and already on its way to the
		// receiver; asynq archives the (tiny) task for operators to see.
		return fmt.Errorf("render of %s failed for good (%s): %w", id, kind, asynq.SkipRetry)
	}
	if err := w.storeResult(ctx, id, map[string]any{fMime: mime, fData: data}); err != nil {
		return err
	}
	w.o.Metrics.rendered("image", time.Since(start).Seconds())
	if err := w.enqueueDelivery(ctx, j, nil); err != nil {
		return err
	}
	w.rdb.Del(ctx, bodyKey(id))
	return nil
}

// render decodes the stored request and renders it under the render
// timeout.
func (w *Worker) render(ctx context.Context, id string) ([]byte, string, error) {
	gz, err := w.rdb.Get(ctx, bodyKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, "", failure.New(failure.Unprocessable, "The request expired in the queue before it could be rendered.")
	}
	if err != nil {
		return nil, "", err
	}
	body, err := decompress(gz, w.o.Limits.MaxBodyBytes)
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

func (w *Worker) storeResult(ctx context.Context, id string, fields map[string]any) error {
	_, err := w.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, resultKey(id), fields)
		p.Expire(ctx, resultKey(id), w.o.ResultTTL)
		return nil
	})
	return err
}

// enqueueDelivery marks the job delivering (with the render's error, if
// any) and queues its webhook once: the task id is derived from the job id,
// so a render that runs twice (a worker died after enqueueing) does not
// deliver twice. The status is written first so a fast delivery's final
// status is never overwritten.
func (w *Worker) enqueueDelivery(ctx context.Context, j *job, lastErr *string) error {
	if err := setStatus(ctx, w.rdb, j.ID, StatusDelivering, lastErr); err != nil {
		return err
	}
	payload, _ := json.Marshal(taskPayload{JobID: j.ID})
	_, err := w.asynq.EnqueueContext(ctx, asynq.NewTask(TypeDeliver, payload),
		asynq.TaskID("deliver-"+j.ID), asynq.Queue(QueueDeliveries),
		asynq.MaxRetry(w.o.Deliverer.Retries()),
		asynq.Timeout(w.o.Deliverer.AttemptTimeout()+30*time.Second))
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	return nil
}
