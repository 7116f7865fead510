package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
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

// handleDeliver makes one delivery attempt. A retryable failure returns a
// *RetryError (asynq schedules the next attempt through RetryDelay); a
// final one marks the job failed and ends with asynq.SkipRetry.
func (w *Worker) handleDeliver(ctx context.Context, t *asynq.Task) error {
	id, err := taskJobID(t, "delivery")
	if err != nil {
		return err
	}
	// One round trip of plain commands: the four fields of the job the
	// attempt needs and the result. The attempt is counted when its outcome
	// is recorded (recordAttempt), by a script that runs anyway.
	var (
		fields *redis.SliceCmd
		result *redis.MapStringStringCmd
	)
	pipe(ctx, w.rdb, nil, func(p redis.Pipeliner) {
		fields = p.HMGet(ctx, jobKey(id), fKey, fURL, fStatus, fAttempts)
		result = p.HGetAll(ctx, resultKey(id))
	})
	vals, err := fields.Result()
	if err != nil {
		return err
	}
	res, err := result.Result()
	if err != nil {
		return err
	}
	keyID, _ := vals[0].(string)
	url, _ := vals[1].(string)
	status, _ := vals[2].(string)
	attempts, _ := vals[3].(string)
	switch status {
	case "":
		return fmt.Errorf("job %s: %w: %w", id, errNoJob, asynq.SkipRetry)
	case StatusDelivered, StatusFailed:
		// A repeat after a worker died between its work and the
		// acknowledgement.
		return nil
	}
	n, _ := strconv.Atoi(attempts)
	n++ // this attempt
	if len(res) == 0 {
		msg := "The result expired before it could be delivered."
		_ = setStatus(ctx, w.rdb, id, StatusFailed, &msg)
		w.o.Metrics.failed("deliver")
		return fmt.Errorf("job %s: no result: %w", id, asynq.SkipRetry)
	}
	renderErr, failed := res[fError]
	var body []byte
	stored, isStored := res[fStored]
	switch {
	case failed:
		body, err = webhook.FailureBody(id, renderErr)
	case isStored:
		body, err = webhook.StoredBody(id, []byte(res[fData]), res[fMime], json.RawMessage(stored))
	default:
		body, err = webhook.SuccessBody(id, []byte(res[fData]), res[fMime])
	}
	if err != nil {
		return err
	}
	a := w.o.Deliverer.Send(ctx, keyID, url, webhookID(id), body)
	if a.Delivered {
		w.o.Metrics.attempt("delivered")
		w.o.Metrics.delivered()
		// A delivered failure payload ends the job failed with the
		// render's error: the job itself produced no image.
		status, lastErr := StatusDelivered, ""
		if failed {
			status, lastErr = StatusFailed, renderErr
		}
		// Recorded through an outage: a delivered webhook whose record
		// is lost would be sent again.
		if err := durable(ctx, func() error { return recordAttempt(ctx, w.rdb, id, status, lastErr, true) }); err != nil {
			w.log.Warn("delivered, but the outcome could not be recorded; it may be sent again", "job_id", id, "error", err.Error())
		}
		return nil
	}
	if ctx.Err() != nil {
		// Shutting down mid-attempt: not the receiver's fault; asynq puts
		// the task back.
		return ctx.Err()
	}
	msg := sentence("Webhook attempt " + strconv.Itoa(n) + " failed: " + a.Err.Error())
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
		_ = recordAttempt(ctx, w.rdb, id, StatusFailed, msg, false)
		w.log.Info("webhook failed for good", "job_id", id, "attempts", n, "error", a.Err.Error())
		return fmt.Errorf("delivery of %s: %w: %w", id, a.Err, asynq.SkipRetry)
	}
	w.o.Metrics.attempt("retry")
	w.o.Metrics.retried("deliver")
	_ = recordAttempt(ctx, w.rdb, id, StatusDelivering, msg, false)
	return &RetryError{RetryAfter: a.RetryAfter, Err: a.Err}
}

// sentence ends s with a full stop unless it ends with punctuation
// already, so the words added after it read as a new sentence.
func sentence(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// recordAttempt records the outcome of a delivery attempt in one script
// call: the job's status (with lastErr unless it is ""), the attempt
// counted, and, once delivered, the result dropped.
func recordAttempt(ctx context.Context, rdb redis.UniversalClient, id, status, lastErr string, delivered bool) error {
	keys := []string{jobKey(id)}
	if delivered {
		keys = append(keys, resultKey(id))
	}
	return attemptScript.Run(ctx, rdb, keys, status, millis(time.Now()), lastErr).Err()
}

// attemptScript: KEYS = job[, result]; ARGV = the status, now (ms), the
// last error ("": unchanged). It counts the attempt and drops the result
// when its key is given (delivered).
var attemptScript = redis.NewScript(statusLua + `
if set_status(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
end
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 0`)
