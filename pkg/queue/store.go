package queue

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

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
	j := &job{ID: id, KeyID: m[fKey], WebhookURL: m[fURL], Status: m[fStatus], LastError: m[fLastError]}
	j.Attempts, _ = strconv.Atoi(m[fAttempts])
	j.CreatedAt = parseMillis(m[fCreated])
	j.UpdatedAt = parseMillis(m[fUpdated])
	return j, nil
}

func millis(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func parseMillis(s string) time.Time {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.UnixMilli(n).UTC()
}

// setStatus updates a job's status and, when lastErr is non-nil, its last
// error. It only touches a record that exists, so a job that expired is not
// recreated half-empty.
func setStatus(ctx context.Context, rdb redis.UniversalClient, id, status string, lastErr *string) error {
	args := []any{status, millis(time.Now())}
	if lastErr != nil {
		args = append(args, *lastErr)
	}
	return setStatusScript.Run(ctx, rdb, []string{jobKey(id)}, args...).Err()
}

var setStatusScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updated', ARGV[2])
if ARGV[3] then redis.call('HSET', KEYS[1], 'last_error', ARGV[3]) end
return 1`)

// gzipPool reuses compressors: a gzip.Writer allocates about 800 KB.
var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// compress gzips b at the fastest level: request bodies are mostly JSON
// and base64, which shrink well even so, and submit latency matters more.
func compress(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/3 + 64)
	w := gzipPool.Get().(*gzip.Writer)
	w.Reset(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	gzipPool.Put(w)
	return buf.Bytes()
}

// decompress reverses compress, refusing more than limit bytes so a
// corrupted key can't inflate without bound.
func decompress(b []byte, limit int64) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("stored body inflates past %d bytes", limit)
	}
	return out, nil
}
