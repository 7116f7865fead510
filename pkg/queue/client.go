package queue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// Redis is the queue's Redis; the caller owns it and closes it.
	Redis redis.UniversalClient
	// JobTTL is how long a job's record and stored body live (default 7 days).
	JobTTL time.Duration
	// RenderTimeout bounds one render; the task timeout is derived from it.
	RenderTimeout time.Duration
	// OpTimeout bounds the Redis work of one Submit or Job call, so an
	// unreachable Redis answers 503 quickly (default 2 s).
	OpTimeout time.Duration
	// WaitReplicas, when positive, makes a submit wait (Redis WAIT, up to
	// ReplicaWait) until that many replicas have its writes before it is
	// acknowledged; fewer in time is a 503 and the job is removed. With
	// Sentinel and asynchronous replication, this is what keeps an
	// acknowledged job through a failover (docs/OPERATIONS.md).
	WaitReplicas int
	// Metrics counts enqueued jobs; nil counts nothing.
	Metrics *Metrics
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
}

// Client is the API side of the queue: it implements core.Async.
type Client struct {
	o   ClientOptions
	rdb redis.UniversalClient
}

var _ core.Async = (*Client)(nil)

// NewClient returns a Client on o.Redis.
func NewClient(o ClientOptions) *Client {
	if o.JobTTL <= 0 {
		o.JobTTL = 7 * 24 * time.Hour
	}
	if o.RenderTimeout <= 0 {
		o.RenderTimeout = 30 * time.Second
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = 2 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Client{o: o, rdb: o.Redis}
}

// Ping reports whether Redis answers, for readiness checks.
func (c *Client) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// canonicalJSON is body in RFC 8785 canonical form (sorted keys, no
// insignificant space, one spelling per number and string), so equal JSON
// hashes equal. The schema has already accepted body as JSON; should
// canonicalisation fail anyway, the raw bytes are compared.
func canonicalJSON(body []byte) []byte {
	v := jsontext.Value(bytes.Clone(body))
	if err := v.Canonicalize(); err != nil {
		return body
	}
	return v
}

const errUnavailable = "Async rendering is unavailable right now: the queue cannot be reached. Retry later, or render synchronously without webhook_url."

// Submit stores the request and enqueues its render. With an idempotency
// key, a repeat of the same body within IdempotencyTTL returns the first
// job's id; the same key with a different body is a 422. Bodies are
// compared as JSON (canonicalJSON): a client that re-serialises its
// request with other key order, spacing or number spelling is repeating it.
//
// Everything is one round trip: the compressed body, then one script that
// claims the idempotency key and writes the job record and the render
// task, atomically.
func (c *Client) Submit(ctx context.Context, s core.Submission) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.OpTimeout)
	defer cancel()
	id := core.NewJobID()
	now := time.Now()
	task := c.renderTask(id)
	keys := task.keys(jobKey(id), bodyKey(id))
	claim := ""
	if s.IdempotencyKey != "" {
		sum := sha256.Sum256([]byte(s.IdempotencyKey))
		bodySum := sha256.Sum256(canonicalJSON(s.Body))
		claim = id + " " + hex.EncodeToString(bodySum[:])
		keys = append(keys, idemKey(s.KeyID, hex.EncodeToString(sum[:])))
	}
	body := compress(s.Body)
	var set *redis.StatusCmd
	var sub *redis.Cmd
	var wait *redis.Cmd
	pipe(ctx, c.rdb, []*redis.Script{submitScript}, func(p redis.Pipeliner) {
		set = p.Set(ctx, bodyKey(id), body, c.o.JobTTL)
		sub = submitScript.EvalSha(ctx, p, keys, task.args(now,
			c.o.JobTTL.Milliseconds(), claim, IdempotencyTTL.Milliseconds(),
			fKey, s.KeyID, fURL, s.Request.WebhookURL, fStatus, StatusQueued,
			fAttempts, 0, fCreated, millis(now), fUpdated, millis(now))...)
		if c.o.WaitReplicas > 0 {
			wait = p.Do(ctx, "WAIT", c.o.WaitReplicas, ReplicaWait.Milliseconds())
		}
	})
	prev, err := sub.Text()
	if err == nil {
		err = set.Err()
	}
	if err == nil && wait != nil {
		if n, werr := wait.Int64(); werr != nil {
			err = werr
		} else if n < int64(c.o.WaitReplicas) {
			err = fmt.Errorf("WAIT: %d of %d replicas acknowledged the submit within %s", n, c.o.WaitReplicas, ReplicaWait)
		}
	}
	if err != nil {
		c.release(ctx, keys[3:], claim)
		return "", failure.Wrap(failure.Unavailable, err, "%s", errUnavailable)
	}
	if prev != "" {
		prevID, prevClaim, _ := strings.Cut(prev, " ")
		if _, claimed, _ := strings.Cut(claim, " "); prevClaim != claimed {
			return "", &failure.Error{Kind: failure.Unprocessable,
				Message: "This Idempotency-Key was already used with a different request body in the last 24 hours; use a new key for a new request.",
				Details: []failure.Detail{{Path: "headers.Idempotency-Key", Message: "already used with a different body"}}}
		}
		return prevID, nil
	}
	c.o.Metrics.enqueued()
	return id, nil
}

// ReplicaWait bounds a submit's wait for its replicas (WaitReplicas).
const ReplicaWait = time.Second

// renderTask is the task that renders job id.
func (c *Client) renderTask(id string) asynqTask {
	return asynqTask{typ: TypeRender, id: id, jobID: id, queue: QueueRenders, retry: RenderRetries,
		// The render is bounded by RenderTimeout; the task timeout only
		// catches a handler stuck elsewhere (Redis, a stalled store).
		timeout: c.o.RenderTimeout + time.Minute}
}

// submitScript runs after the compressed body was SET (beside it, in the
// same round trip: see pipe). KEYS = the render task's three
// (asynqTask.keys), job, body and, with an Idempotency-Key, its key; ARGV =
// the task's four, the job TTL (ms), the idempotency claim ("<job id>
// <body sha256>"), its TTL (ms), then the job record's fields and values.
// It returns the earlier claim when the idempotency key is taken (the body
// just stored is dropped, nothing else written), else "".
var submitScript = redis.NewScript(enqueueTaskLua + `
if KEYS[6] then
  local prev = redis.call('GET', KEYS[6])
  if prev then
    redis.call('DEL', KEYS[5])
    return prev
  end
  redis.call('SET', KEYS[6], ARGV[6], 'PX', ARGV[7])
end
redis.call('HSET', KEYS[4], unpack(ARGV, 8))
redis.call('PEXPIRE', KEYS[4], ARGV[5])
enqueue_task()
return ''`)

// release removes what a failed Submit may have written: when the script
// ran but its answer was lost, the job must not go on, or the client's
// retry would queue it twice. keys are job, body and the idempotency key,
// which is only removed while it still holds this submit's claim. The
// render task, if it was written, finds no job and ends at once.
func (c *Client) release(ctx context.Context, keys []string, claim string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	releaseScript.Run(ctx, c.rdb, keys, claim)
}

var releaseScript = redis.NewScript(`
redis.call('DEL', KEYS[1], KEYS[2])
if KEYS[3] and redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 0`)

// Job returns the status of a job owned by keyID. Another key's job and an
// unknown or expired id are the same 404, so ids can't be probed.
func (c *Client) Job(ctx context.Context, keyID, jobID string) (*core.JobView, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.OpTimeout)
	defer cancel()
	notFound := failure.New(failure.NotFound, "No job with this id exists for this API key.")
	if !core.ValidJobID(jobID) {
		return nil, notFound
	}
	j, err := loadJob(ctx, c.rdb, jobID)
	switch {
	case errors.Is(err, errNoJob):
		return nil, notFound
	case err != nil:
		return nil, failure.Wrap(failure.Unavailable, err, "Job status is unavailable right now: the queue cannot be reached.")
	case j.KeyID != keyID:
		return nil, notFound
	}
	return &core.JobView{JobID: j.ID, Status: j.Status, Attempts: j.Attempts, LastError: j.LastError,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}, nil
}
