package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/warning"
	"github.com/strata-render/strata/pkg/webhook"
)

// retryIn is what the delivery handler returns for an attempt that will
// be retried: the wait the schedule chose, which retryDelay hands to asynq.
type retryIn struct {
	delay time.Duration
	err   error
}

// Error describes the failed attempt.
func (e *retryIn) Error() string { return e.err.Error() }

// Unwrap returns the attempt's error.
func (e *retryIn) Unwrap() error { return e.err }

// nextAttempt is when to try again after attempt number attempt ended
// with o (webhook.Schedule.NextDelay); again is false when it should not.
func nextAttempt(s webhook.Schedule, o webhook.Outcome, attempt int) (delay time.Duration, again bool) {
	delay, again = s.NextDelay(o, attempt, nil)
	if again && o.RetryAfter > 0 && delay == o.RetryAfter {
		// asynq stores the retry time in whole unix seconds, truncated, so
		// a task due at now+2s may run at now+1.1s; one more second keeps
		// the receiver's Retry-After a true lower bound.
		delay += time.Second
	}
	return delay, again
}

// retryDelay is the delivery pool's asynq RetryDelayFunc: the wait the
// handler chose (webhook.Schedule.NextDelay). A task whose worker died
// (lease expired) is retried at once: the receiver did nothing wrong.
func retryDelay(_ int, err error, _ *asynq.Task) time.Duration {
	var r *retryIn
	if errors.Is(err, asynq.ErrLeaseExpired) || !errors.As(err, &r) {
		return 0
	}
	return r.delay
}

// webhookID is the Standard Webhooks message id of a job's delivery:
// derived from the job id, so every attempt and every worker agrees.
func webhookID(jobID string) string { return "msg_" + strings.TrimPrefix(jobID, "job_") }

// taskJobID reads the job id a task names; a bad payload ends the task
// without retries.
func taskJobID(t *asynq.Task, kind string) (string, error) {
	var p taskPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || !core.ValidJobID(p.JobID) {
		return "", fmt.Errorf("%s task with a bad payload: %w", kind, asynq.SkipRetry)
	}
	return p.JobID, nil
}

// handleDeliver makes one delivery attempt. A failure the schedule retries
// returns a *retryIn carrying the delay (asynq reads it in retryDelay); a
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
	var report []warning.Warning
	if js := res[fWarnings]; js != "" {
		_ = json.Unmarshal([]byte(js), &report) // written by resultFields; a bad one delivers no report
	}
	switch {
	case failed:
		body, err = webhook.FailureBody(id, renderErr)
	case isStored:
		body, err = webhook.StoredBody(id, []byte(res[fData]), res[fMime], json.RawMessage(stored), report)
	default:
		body, err = webhook.SuccessBody(id, []byte(res[fData]), res[fMime], report)
	}
	if err != nil {
		return err
	}
	o := w.o.Webhooks.Send(ctx, webhook.Delivery{ID: webhookID(id), URL: url, Body: body, Secrets: w.o.Secrets[keyID]})
	if o.Result == webhook.Delivered {
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
	msg := sentence("Webhook attempt " + strconv.Itoa(n) + " failed: " + o.Err.Error())
	if failed {
		msg = renderErr + " " + msg
	}
	// asynq counts this task's runs; a lease that expired (worker died)
	// counts too, as an attempt the receiver never saw would.
	retried, _ := asynq.GetRetryCount(ctx)
	delay, again := nextAttempt(w.o.Retries, o, retried+1)
	if !again {
		if o.Retryable() {
			msg += fmt.Sprintf(" Gave up after %d attempts.", n)
		}
		w.o.Metrics.attempt("failed")
		w.o.Metrics.failed("deliver")
		_ = recordAttempt(ctx, w.rdb, id, StatusFailed, msg, false)
		w.log.Info("webhook failed for good", "job_id", id, "attempts", n, "error", o.Err.Error())
		return fmt.Errorf("delivery of %s: %w: %w", id, o.Err, asynq.SkipRetry)
	}
	w.o.Metrics.attempt("retry")
	w.o.Metrics.retried("deliver")
	_ = recordAttempt(ctx, w.rdb, id, StatusDelivering, msg, false)
	return &retryIn{delay: delay, err: o.Err}
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
