package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/api"
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
	// Metrics counts enqueued jobs; nil counts nothing.
	Metrics *Metrics
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
}

// Client is the API side of the queue: it implements api.Async.
type Client struct {
	o     ClientOptions
	rdb   redis.UniversalClient
	asynq *asynq.Client
}

var _ api.Async = (*Client)(nil)

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
	return &Client{o: o, rdb: o.Redis, asynq: asynq.NewClientFromRedisClient(o.Redis)}
}

// Close releases the Client. The Redis connection is the caller's (asynq
// refuses to close a shared one), so there is nothing else to release.
func (c *Client) Close() error { return nil }

// Ping reports whether Redis answers, for readiness checks.
func (c *Client) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

const errUnavailable = "Async rendering is unavailable right now: the queue cannot be reached. Retry later, or render synchronously without webhook_url."

// Submit stores the request and enqueues its render. With an idempotency
// key, a repeat of the same body within IdempotencyTTL returns the first
// job's id; the same key with a different body is a 422.
func (c *Client) Submit(ctx context.Context, s api.Submission) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.OpTimeout)
	defer cancel()
	id := newJobID()
	var idem string
	if s.IdempotencyKey != "" {
		sum := sha256.Sum256([]byte(s.IdempotencyKey))
		idem = idemKey(s.KeyID, hex.EncodeToString(sum[:]))
		bodySum := sha256.Sum256(s.Body)
		bodyHash := hex.EncodeToString(bodySum[:])
		ok, err := c.rdb.SetNX(ctx, idem, id+" "+bodyHash, IdempotencyTTL).Result()
		if err != nil {
			return "", failure.Wrap(failure.Unavailable, err, "%s", errUnavailable)
		}
		if !ok {
			prev, err := c.rdb.Get(ctx, idem).Result()
			if err != nil && !errors.Is(err, redis.Nil) {
				return "", failure.Wrap(failure.Unavailable, err, "%s", errUnavailable)
			}
			prevID, prevHash, _ := strings.Cut(prev, " ")
			if prev != "" {
				if prevHash != bodyHash {
					return "", &failure.Error{Kind: failure.Unprocessable,
						Message: "This Idempotency-Key was already used with a different request body in the last 24 hours; use a new key for a new request.",
						Details: []failure.Detail{{Path: "headers.Idempotency-Key", Message: "already used with a different body"}}}
				}
				return prevID, nil
			}
			// The key expired between SETNX and GET: take it.
			if err := c.rdb.Set(ctx, idem, id+" "+bodyHash, IdempotencyTTL).Err(); err != nil {
				return "", failure.Wrap(failure.Unavailable, err, "%s", errUnavailable)
			}
		}
	}
	if err := c.enqueue(ctx, id, s); err != nil {
		// Leave nothing behind: a retry of this request must queue anew.
		cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		keys := []string{jobKey(id), bodyKey(id)}
		if idem != "" {
			keys = append(keys, idem)
		}
		c.rdb.Del(cleanup, keys...)
		return "", failure.Wrap(failure.Unavailable, err, "%s", errUnavailable)
	}
	c.o.Metrics.enqueued()
	return id, nil
}

func (c *Client) enqueue(ctx context.Context, id string, s api.Submission) error {
	now := millis(time.Now())
	_, err := c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, jobKey(id), fKey, s.KeyID, fURL, s.Request.WebhookURL, fStatus, StatusQueued,
			fAttempts, 0, fCreated, now, fUpdated, now)
		p.Expire(ctx, jobKey(id), c.o.JobTTL)
		p.Set(ctx, bodyKey(id), compress(s.Body), c.o.JobTTL)
		return nil
	})
	if err != nil {
		return err
	}
	payload, _ := json.Marshal(taskPayload{JobID: id})
	_, err = c.asynq.EnqueueContext(ctx, asynq.NewTask(TypeRender, payload),
		asynq.TaskID(id), asynq.Queue(QueueRenders), asynq.MaxRetry(RenderRetries),
		// The render is bounded by RenderTimeout; the task timeout only
		// catches a handler stuck elsewhere (Redis, a stalled store).
		asynq.Timeout(c.o.RenderTimeout+time.Minute))
	return err
}

// Job returns the status of a job owned by keyID. Another key's job and an
// unknown or expired id are the same 404, so ids can't be probed.
func (c *Client) Job(ctx context.Context, keyID, jobID string) (*api.JobView, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.OpTimeout)
	defer cancel()
	notFound := failure.New(failure.NotFound, "No job with this id exists for this API key.")
	if !validJobID(jobID) {
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
	return &api.JobView{JobID: j.ID, Status: j.Status, Attempts: j.Attempts, LastError: j.LastError,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}, nil
}

// newJobID returns "job_" and 32 hex digits of randomness.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "job_" + hex.EncodeToString(b[:])
}

func validJobID(id string) bool {
	h, ok := strings.CutPrefix(id, "job_")
	if !ok || len(h) != 32 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}
