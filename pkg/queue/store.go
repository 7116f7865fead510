package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/klauspost/compress/s2"
	"github.com/redis/go-redis/v9"
)

// job is the Redis hash of one job.
type job struct {
	ID         string
	KeyID      string
	WebhookURL string
	Status     string
	Attempts   int
	LastError  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Hash fields of a job record.
const (
	fKey       = "key"
	fURL       = "url"
	fStatus    = "status"
	fAttempts  = "attempts"
	fLastError = "last_error"
	fCreated   = "created"
	fUpdated   = "updated"
	fRenders   = "renders"
)

// Hash fields of a result record: either an image (mime + data) or a
// public error message.
const (
	fMime  = "mime"
	fData  = "data"
	fError = "error"
	// fStored is the storage.Object (JSON) of a result put in object
	// storage; fData is then kept only when the request asked for it.
	fStored = "stored"
	// fWarnings is the render report (JSON), absent when it is empty.
	fWarnings = "warnings"
)

var errNoJob = errors.New("job record not found (expired or never created)")

func loadJob(ctx context.Context, rdb redis.UniversalClient, id string) (*job, error) {
	m, err := rdb.HGetAll(ctx, jobKey(id)).Result()
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, errNoJob
	}
	return jobFrom(id, m), nil
}

// jobFrom reads a job record's hash fields.
func jobFrom(id string, m map[string]string) *job {
	j := &job{ID: id, KeyID: m[fKey], WebhookURL: m[fURL], Status: m[fStatus], LastError: m[fLastError]}
	j.Attempts, _ = strconv.Atoi(m[fAttempts])
	j.CreatedAt = parseMillis(m[fCreated])
	j.UpdatedAt = parseMillis(m[fUpdated])
	return j
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func parseMillis(s string) time.Time {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.UnixMilli(n).UTC()
}

// setStatus updates a job's status and, when lastErr is non-nil, its last
// error (statusLua).
func setStatus(ctx context.Context, rdb redis.UniversalClient, id, status string, lastErr *string) error {
	return setStatusScript.Run(ctx, rdb, []string{jobKey(id)}, status, millis(time.Now()), orEmpty(lastErr)).Err()
}

// orEmpty is *s, or "" for nil: how scripts receive an optional last
// error ("" leaves it unchanged; a real error message is never empty).
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pipe sends fn's commands to Redis in one round trip; callers read each
// command's result and error. Request bodies and results (up to megabytes)
// travel as plain commands beside a script, never through it: a value
// passed into or out of Lua costs Redis several times a plain SET or GET
// (measured: 157 µs instead of 41 for 100 KB, 2.1 ms instead of 0.28 for
// 1.5 MB). Scripts go as EVALSHA; if Redis answers NOSCRIPT (it restarted,
// or its script cache was flushed), they are loaded and the whole pipeline
// is sent again, which every caller's commands allow.
func pipe(ctx context.Context, rdb redis.UniversalClient, scripts []*redis.Script, fn func(p redis.Pipeliner)) {
	for try := 0; ; try++ {
		cmds, _ := rdb.Pipelined(ctx, func(p redis.Pipeliner) error { fn(p); return nil })
		if try > 0 || !slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return redis.HasErrorPrefix(c.Err(), "NOSCRIPT") }) {
			return
		}
		for _, s := range scripts {
			if s.Load(ctx, rdb).Err() != nil {
				return
			}
		}
	}
}

// durable retries write, the record of work already done (a rendered
// result, a delivered webhook), while the error is one a Redis failover or
// restart produces: a lost connection, READONLY from a demoted primary,
// LOADING, MASTERDOWN. Without it, a render or delivery that finished
// while the primary was down was lost with its acknowledgement and done
// again once asynq gave the task back (measured in
// TestSentinelFailoverLosesNoAcceptedJob: a few webhooks sent twice per
// failover). It gives up after outageBudget, or when ctx ends.
func durable(ctx context.Context, write func() error) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval, b.MaxElapsedTime = 50*time.Millisecond, time.Second, outageBudget
	return backoff.Retry(func() error {
		err := write()
		if err != nil && !transient(err) {
			return backoff.Permanent(err)
		}
		return err
	}, backoff.WithContext(b, ctx))
}

// outageBudget is how long durable keeps trying: longer than a Sentinel
// failover with a down-after of a few seconds.
const outageBudget = 30 * time.Second

// transient reports whether err is one a Redis failover or restart
// causes, not an answer from a working Redis.
func transient(err error) bool {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		for _, p := range []string{"READONLY", "LOADING", "MASTERDOWN", "TRYAGAIN"} {
			if redis.HasErrorPrefix(err, p) {
				return true
			}
		}
		return false
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// statusLua defines set_status for the scripts that change a job's status:
// status and update time, and the last error unless it is "". It only
// touches a record that exists, so a job that expired is not recreated
// half-empty.
const statusLua = `
local function set_status(key, status, now, last_error)
  if redis.call('EXISTS', key) == 0 then return 0 end
  redis.call('HSET', key, 'status', status, 'updated', now)
  if last_error ~= '' then redis.call('HSET', key, 'last_error', last_error) end
  return 1
end
`

var setStatusScript = redis.NewScript(statusLua + `return set_status(KEYS[1], ARGV[1], ARGV[2], ARGV[3])`)

// compress packs a request body for its stay in Redis with S2 (Snappy's
// successor, github.com/klauspost/compress/s2): JSON shrinks to about
// 70 %, at about 1 µs for a social card and 0.1 ms for a body carrying a
// 700 KB base64 photo, where gzip at its fastest took 13 µs and 2.7 ms
// (and as long again to inflate on the worker). Base64 images stay at
// their size: only entropy coding shrinks them, which costs the API more
// CPU per submit than keeping a body a few seconds longer costs Redis.
func compress(b []byte) []byte { return s2.Encode(nil, b) }

// decompress reverses compress, refusing a body that would inflate past
// limit bytes (the length is read first, before anything is allocated).
func decompress(b []byte, limit int64) ([]byte, error) {
	n, err := s2.DecodedLen(b)
	if err != nil {
		return nil, err
	}
	if int64(n) > limit {
		return nil, fmt.Errorf("stored body inflates past %d bytes", limit)
	}
	return s2.Decode(nil, b)
}
