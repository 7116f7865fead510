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
	// One round trip of plain commands: the fields of the job the attempt
	// needs and the result. The attempt is counted when its outcome is
	// recorded (recordAttempt), by a script that runs anyway.
	var (
		fields *redis.SliceCmd
		stored *redis.MapStringStringCmd
	)
	pipe(ctx, w.rdb, nil, func(p redis.Pipeliner) {
		fields = p.HMGet(ctx, jobKey(id), fKey, fURL, fAttempts, fStatus)
		stored = p.HGetAll(ctx, resultKey(id))
	})
	vals, err := fields.Result()
	if err != nil {
		return err
	}
	res, err := stored.Result()
	if err != nil {
		return err
	}
	status, _ := vals[3].(string)
	switch status {
	case "":
		return fmt.Errorf("job %s: %w: %w", id, errNoJob, asynq.SkipRetry)
	case StatusDelivered, StatusFailed:
		// A repeat after a worker died between its work and the
		// acknowledgement.
		return nil
	}
	r := resultFrom(res)
	if r == nil {
		msg := "The result expired before it could be delivered."
		_ = setStatus(ctx, w.rdb, id, StatusFailed, &msg)
		w.o.Metrics.failed("deliver")
		return fmt.Errorf("job %s: no result: %w", id, asynq.SkipRetry)
	}
	h := hookOf(vals[:3])
	body, err := r.webhookBody(id)
	if err != nil {
		return err
	}
	o := w.o.Webhooks.Send(ctx, webhook.Delivery{ID: webhookID(id), URL: h.url, Body: body, Secrets: w.o.Secrets[h.key]})
	if o.Result == webhook.Delivered {
		w.delivered(ctx, id, r, resultKey(id))
		return nil
	}
	if ctx.Err() != nil {
		// Shutting down mid-attempt: not the receiver's fault; asynq puts
		// the task back.
		return ctx.Err()
	}
	// asynq counts this task's runs; a lease that expired (worker died)
	// counts too, as an attempt the receiver never saw would.
	retried, _ := asynq.GetRetryCount(ctx)
	msg, delay, again := w.failedAttempt(ctx, id, h, r, o, retried+1, "")
	if !again {
		return fmt.Errorf("delivery of %s: %w: %w", id, o.Err, asynq.SkipRetry)
	}
	_ = recordAttempt(ctx, w.rdb, id, StatusDelivering, msg, "")
	return &retryIn{delay: delay, err: o.Err}
}

// delivered records a delivered attempt of job id's result r and drops
// the key that is no longer needed (the stored result, or the body when
// the render task delivered it). Recorded through an outage: a delivered
// webhook whose record is lost would be sent again.
func (w *Worker) delivered(ctx context.Context, id string, r *result, drop string) {
	w.o.Metrics.attempt("delivered")
	w.o.Metrics.delivered()
	// A delivered failure payload ends the job failed with the render's
	// error: the job itself produced no image.
	status, lastErr := StatusDelivered, ""
	if r.failed {
		status, lastErr = StatusFailed, r.errMsg
	}
	if err := durable(ctx, func() error { return recordAttempt(ctx, w.rdb, id, status, lastErr, drop) }); err != nil {
		w.log.Warn("delivered, but the outcome could not be recorded; it may be sent again", "job_id", id, "error", err.Error())
	}
}

// failedAttempt handles attempt number run (of the schedule) of job id's
// webhook, which ended with o: it returns the job's last error for it and,
// when the schedule allows another attempt, its delay. When it does not,
// the job is failed here (drop, unless "", is deleted with it).
func (w *Worker) failedAttempt(ctx context.Context, id string, h hook, r *result, o webhook.Outcome, run int, drop string) (msg string, delay time.Duration, again bool) {
	n := h.attempts + 1 // this attempt
	msg = sentence("Webhook attempt " + strconv.Itoa(n) + " failed: " + o.Err.Error())
	if r.failed {
		msg = r.errMsg + " " + msg
	}
	delay, again = nextAttempt(w.o.Retries, o, run)
	if !again {
		if o.Retryable() {
			msg += fmt.Sprintf(" Gave up after %d attempts.", n)
		}
		w.o.Metrics.attempt("failed")
		w.o.Metrics.failed("deliver")
		_ = recordAttempt(ctx, w.rdb, id, StatusFailed, msg, drop)
		w.log.Info("webhook failed for good", "job_id", id, "attempts", n, "error", o.Err.Error())
		return msg, 0, false
	}
	w.o.Metrics.attempt("retry")
	w.o.Metrics.retried("deliver")
	return msg, delay, true
}

// deliverFirst makes the first attempt of job id's webhook from the render
// task, with the result r still in memory, when one of the worker's
// inline-delivery slots is free. Delivered or failed for good, the job is
// finished in one write, and the result never goes to Redis; no delivery
// task exists. A retryable failure hands the delivery to a delivery task
// carrying that attempt (counted, asynq's retry count 1, due after the
// schedule's first delay), exactly as if the delivery pool had made it;
// so does a job that finds every slot busy (slow receivers), or too
// little of the task's time left for a whole attempt, without an attempt
// and due at once. An attempt cut short by shutdown or the task's
// deadline is not counted: the task goes back to its queue, the job still
// rendering with its body.
//
// The attempt runs on the render pool's goroutine but holds no render
// slot: the admission gate bounds the renders, and the pool has
// InlineDeliveries goroutines more than the gate has slots. The task's
// lease keeps moving meanwhile (asynq's heartbeat), so the reaper leaves
// it alone; if the worker dies during the attempt, the task is requeued
// and the job, still rendering, with its body, rendered and attempted
// again with the same webhook-id (at least once, as in the delivery pool).
func (w *Worker) deliverFirst(ctx context.Context, id string, h hook, r *result) error {
	lastErr := ""
	if r.failed {
		lastErr = r.errMsg
	}
	task := w.deliveryTask(id)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < w.o.Webhooks.Timeout()+time.Second {
		// The attempt could outlast the render task (a long wait for a
		// render slot, or STRATA_WEBHOOK_TIMEOUT near the task's timeout):
		// cut short, it would make the job render again.
		w.o.Metrics.firstAttempt("delivery_task")
		return w.finishRender(ctx, id, r, lastErr, task, false)
	}
	select {
	case w.inline <- struct{}{}:
		defer func() { <-w.inline }()
	default:
		w.o.Metrics.firstAttempt("delivery_task")
		return w.finishRender(ctx, id, r, lastErr, task, false)
	}
	w.o.Metrics.firstAttempt("render_task")
	body, err := r.webhookBody(id)
	if err != nil {
		return err
	}
	o := w.o.Webhooks.Send(ctx, webhook.Delivery{ID: webhookID(id), URL: h.url, Body: body, Secrets: w.o.Secrets[h.key]})
	if o.Result == webhook.Delivered {
		w.delivered(ctx, id, r, bodyKey(id))
		return nil
	}
	if ctx.Err() != nil {
		// Shutdown or the task's deadline, not the receiver: asynq puts
		// the task back, and the job, still rendering with its body, is
		// rendered and attempted again.
		return ctx.Err()
	}
	msg, delay, again := w.failedAttempt(ctx, id, h, r, o, 1, bodyKey(id))
	if !again {
		return nil
	}
	now := time.Now()
	task.retryAt, task.failedAt, task.errMsg = now.Add(delay), now, o.Err.Error()
	return w.finishRender(ctx, id, r, msg, task, true)
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
// counted, and the key drop deleted unless it is "" (the result once
// delivered; the body when the render task made the attempt).
func recordAttempt(ctx context.Context, rdb redis.UniversalClient, id, status, lastErr, drop string) error {
	keys := []string{jobKey(id)}
	if drop != "" {
		keys = append(keys, drop)
	}
	return attemptScript.Run(ctx, rdb, keys, status, millis(time.Now()), lastErr).Err()
}

// attemptScript: KEYS = job[, a key to drop]; ARGV = the status, now
// (ms), the last error ("": unchanged). It counts the attempt and deletes
// the second key when one is given.
var attemptScript = redis.NewScript(statusLua + `
if set_status(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'attempts', 1)
end
if KEYS[2] then redis.call('DEL', KEYS[2]) end
return 0`)
