package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

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

// taskJobID reads the job id a task names; a bad payload ends the task
// without retries.
func taskJobID(t *asynq.Task, kind string) (string, error) {
	var p taskPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || !validJobID(p.JobID) {
		return "", fmt.Errorf("%s task with a bad payload: %w", kind, asynq.SkipRetry)
	}
	return p.JobID, nil
}

// openJob runs a task's opening script, whose reply starts with the job's
// HGETALL and ends there when the job is missing or finished; the rest of
// the reply is the script's own. more adds commands that run after the
// script in the same round trip (see pipe). A finished job gives a nil job
// and no error: the task is a repeat after a worker died between its work
// and the acknowledgement. A job that no longer exists ends the task
// without retries.
func (w *Worker) openJob(ctx context.Context, id string, s *redis.Script, keys []string, args []any, more func(redis.Pipeliner)) (*job, []any, error) {
	var open *redis.Cmd
	pipe(ctx, w.rdb, []*redis.Script{s}, func(p redis.Pipeliner) {
		open = s.EvalSha(ctx, p, keys, args...)
		more(p)
	})
	reply, err := open.Slice()
	if err != nil {
		return nil, nil, err
	}
	fields := hashFrom(reply[0])
	switch {
	case len(fields) == 0:
		return nil, nil, fmt.Errorf("job %s: %w: %w", id, errNoJob, asynq.SkipRetry)
	case len(reply) == 1:
		return nil, nil, nil
	}
	return jobFrom(id, fields), reply[1:], nil
}

// openJobLua begins every opening script (KEYS[1] is the job): the job
// alone is the reply when it is missing or finished.
const openJobLua = `
local job = redis.call('HGETALL', KEYS[1])
local status = redis.call('HGET', KEYS[1], 'status')
if #job == 0 or status == 'delivered' or status == 'failed' then return {job} end
`

// handleDeliver makes one delivery attempt. A retryable failure returns a
// *RetryError (asynq schedules the next attempt through RetryDelay); a
// final one marks the job failed and ends with asynq.SkipRetry.
func (w *Worker) handleDeliver(ctx context.Context, t *asynq.Task) error {
	id, err := taskJobID(t, "delivery")
	if err != nil {
		return err
	}
	var result *redis.MapStringStringCmd
	j, rest, err := w.openJob(ctx, id, openDeliveryScript, []string{jobKey(id), resultKey(id)}, nil,
		func(p redis.Pipeliner) { result = p.HGetAll(ctx, resultKey(id)) })
	if err != nil || j == nil {
		return err
	}
	res, err := result.Result()
	if err != nil {
		return err
	}
	n, _ := rest[0].(int64)
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
	a := w.o.Deliverer.Send(ctx, j.KeyID, j.WebhookURL, webhookID(id), body)
	if a.Delivered {
		w.o.Metrics.attempt("delivered")
		w.o.Metrics.delivered()
		// A delivered failure payload ends the job failed with the
		// render's error: the job itself produced no image.
		status, lastErr := StatusDelivered, ""
		if failed {
			status, lastErr = StatusFailed, renderErr
		}
		_ = deliveredScript.Run(ctx, w.rdb, []string{jobKey(id), resultKey(id)}, status, millis(time.Now()), lastErr).Err()
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

// openDeliveryScript: KEYS = job, result. Besides the job (openJob) it
// answers the attempt number, having counted the attempt, or 0 when there
// is no result to deliver. The result is read beside it (see pipe).
var openDeliveryScript = redis.NewScript(openJobLua + `
if redis.call('EXISTS', KEYS[2]) == 0 then return {job, 0} end
return {job, redis.call('HINCRBY', KEYS[1], 'attempts', 1)}`)

// deliveredScript: KEYS = job, result; ARGV = the final status, now (ms),
// the last error ("": unchanged). The result is dropped once delivered.
var deliveredScript = redis.NewScript(statusLua + `
set_status(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
redis.call('DEL', KEYS[2])
return 0`)
