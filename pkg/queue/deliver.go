package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/strata-render/strata/pkg/webhook"
)

// Deliverer sends webhooks and owns their retry schedule.
type Deliverer interface {
	// Send makes one signed delivery attempt of body to url for the job
	// of keyID; webhookID stays the same across the attempts of one job.
	Send(ctx context.Context, keyID, url, webhookID string, body []byte) Attempt
	// Retries is how many attempts may follow the first.
	Retries() int
	// AttemptTimeout bounds one attempt.
	AttemptTimeout() time.Duration
	// RetryDelay is the delivery pool's asynq RetryDelayFunc: n retries
	// happened so far; err is what the handler returned (a *RetryError
	// carries the receiver's Retry-After).
	RetryDelay(n int, err error, t *asynq.Task) time.Duration
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	// Delivered: the receiver answered 2xx.
	Delivered bool
	// Retryable: a network error, a timeout, 429 or 5xx.
	Retryable bool
	// RetryAfter is the receiver's Retry-After, if it sent one.
	RetryAfter time.Duration
	// Err says why the attempt failed, in words safe to show the client
	// in the job status (no response bodies).
	Err error
}

// RetryError is what the delivery handler returns for a retryable
// attempt, so RetryDelay can honour the receiver's Retry-After.
type RetryError struct {
	RetryAfter time.Duration
	Err        error
}

// Error describes the failed attempt.
func (e *RetryError) Error() string { return e.Err.Error() }

// Unwrap returns the attempt's error.
func (e *RetryError) Unwrap() error { return e.Err }

// webhookID is the Standard Webhooks message id of a job's delivery:
// derived from the job id, so every attempt and every worker agrees.
func webhookID(jobID string) string { return "msg_" + strings.TrimPrefix(jobID, "job_") }

// openTask reads a task's job. It returns a nil job (and no error) when the
// job already finished: the task is a repeat after a worker died between
// its work and the acknowledgement. A bad payload or a job that no longer
// exists ends the task without retries.
func (w *Worker) openTask(ctx context.Context, t *asynq.Task, kind string) (*job, error) {
	var p taskPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || !validJobID(p.JobID) {
		return nil, fmt.Errorf("%s task with a bad payload: %w", kind, asynq.SkipRetry)
	}
	j, err := loadJob(ctx, w.rdb, p.JobID)
	if errors.Is(err, errNoJob) {
		return nil, fmt.Errorf("job %s: %w: %w", p.JobID, err, asynq.SkipRetry)
	}
	if err != nil {
		return nil, err
	}
	if j.Status == StatusDelivered || j.Status == StatusFailed {
		return nil, nil
	}
	return j, nil
}

// handleDeliver makes one delivery attempt. A retryable failure returns a
// *RetryError (asynq schedules the next attempt through RetryDelay); a
// final one marks the job failed and ends with asynq.SkipRetry.
func (w *Worker) handleDeliver(ctx context.Context, t *asynq.Task) error {
	j, err := w.openTask(ctx, t, "delivery")
	if err != nil || j == nil {
		return err
	}
	id := j.ID
	res, err := w.rdb.HGetAll(ctx, resultKey(id)).Result()
	if err != nil {
		return err
	}
	if len(res) == 0 {
		msg := "The result expired before it could be delivered."
		_ = setStatus(ctx, w.rdb, id, StatusFailed, &msg)
		w.o.Metrics.failed("deliver")
		return fmt.Errorf("job %s: no result: %w", id, asynq.SkipRetry)
	}
	renderErr, failed := res[fError]
	var body []byte
	if failed {
		body, err = webhook.FailureBody(id, renderErr)
	} else {
		body, err = webhook.SuccessBody(id, []byte(res[fData]), res[fMime])
	}
	if err != nil {
		return err
	}
	n, err := w.rdb.HIncrBy(ctx, jobKey(id), fAttempts, 1).Result()
	if err != nil {
		return err
	}
	a := w.o.Deliverer.Send(ctx, j.KeyID, j.WebhookURL, webhookID(id), body)
	if a.Delivered {
		w.o.Metrics.attempt("delivered")
		w.o.Metrics.delivered()
		if failed {
			// The failure payload reached the receiver; the job itself
			// produced no image, so it ends failed with the render's error.
			_ = setStatus(ctx, w.rdb, id, StatusFailed, &renderErr)
		} else {
			_ = setStatus(ctx, w.rdb, id, StatusDelivered, nil)
		}
		w.rdb.Del(ctx, resultKey(id))
		return nil
	}
	if ctx.Err() != nil {
		// Shutting down mid-attempt: not the receiver's fault; asynq puts
		// the task back.
		return ctx.Err()
	}
	msg := "Webhook attempt " + fmt.Sprint(n) + " failed: " + a.Err.Error()
	if failed {
		msg = renderErr + " " + msg
	}
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if !a.Retryable || retried >= maxRetry {
		if a.Retryable {
			msg += fmt.Sprintf(" Gave up after %d attempts.", n)
		}
		w.o.Metrics.attempt("failed")
		w.o.Metrics.failed("deliver")
		_ = setStatus(ctx, w.rdb, id, StatusFailed, &msg)
		w.log.Info("webhook failed for good", "job_id", id, "attempts", n, "error", a.Err.Error())
		return fmt.Errorf("delivery of %s: %w: %w", id, a.Err, asynq.SkipRetry)
	}
	w.o.Metrics.attempt("retry")
	w.o.Metrics.retried("deliver")
	_ = setStatus(ctx, w.rdb, id, StatusDelivering, &msg)
	return &RetryError{RetryAfter: a.RetryAfter, Err: a.Err}
}
