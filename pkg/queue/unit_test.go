package queue

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/webhook"
)

func TestNextAttempt(t *testing.T) {
	t.Parallel()
	scaled := webhook.Schedule{Scale: 0.001}
	fixed := webhook.Schedule{Delays: []time.Duration{time.Second, time.Minute}}
	retry := webhook.Outcome{Result: webhook.Retry, Err: errors.New("the receiver answered status 500")}
	withRetryAfter := retry
	withRetryAfter.RetryAfter = 2 * time.Second
	tests := []struct {
		name     string
		s        webhook.Schedule
		o        webhook.Outcome
		attempt  int
		again    bool
		min, max time.Duration
	}{
		{name: "first retry after about 5 s, scaled", s: scaled, o: retry, attempt: 1, again: true, min: 4 * time.Millisecond, max: 6 * time.Millisecond},
		{name: "third retry after about 30 min, scaled", s: scaled, o: retry, attempt: 3, again: true, min: 1440 * time.Millisecond, max: 2160 * time.Millisecond},
		{name: "Retry-After longer than the schedule wins, plus asynq's second", s: scaled, o: withRetryAfter, attempt: 1, again: true, min: 3 * time.Second, max: 3 * time.Second},
		{name: "Retry-After shorter than the schedule is ignored", s: fixed, o: withRetryAfter, attempt: 2, again: true, min: time.Minute, max: time.Minute},
		{name: "fixed delays: the last attempt is not retried", s: fixed, o: retry, attempt: 3, again: false},
		{name: "scaled: eight attempts in all", s: scaled, o: retry, attempt: webhook.MaxAttempts, again: false},
		{name: "a final outcome is not retried", s: scaled, o: webhook.Outcome{Result: webhook.Gone}, attempt: 1, again: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, again := nextAttempt(tc.s, tc.o, tc.attempt)
			require.Equal(t, tc.again, again)
			require.GreaterOrEqual(t, d, tc.min)
			require.LessOrEqual(t, d, tc.max)
		})
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	require.Equal(t, 42*time.Second, retryDelay(3, &retryIn{delay: 42 * time.Second, err: errors.New("status 500")}, nil))
	require.Zero(t, retryDelay(3, asynq.ErrLeaseExpired, nil), "a dead worker's task goes again at once")
	require.Zero(t, retryDelay(0, errors.New("shutting down"), nil))
}

func TestCompressRoundTrip(t *testing.T) {
	t.Parallel()
	body := bytes.Repeat([]byte(`{"base64":"iVBORw0KGgoAAAANSUhEUgAA"}`), 10000)
	packed := compress(body)
	require.Less(t, len(packed), len(body)/10)
	tests := []struct {
		name    string
		stored  []byte
		limit   int64
		wantErr bool
	}{
		{name: "within the limit", stored: packed, limit: int64(len(body))},
		{name: "over the limit", stored: packed, limit: int64(len(body)) - 1, wantErr: true},
		{name: "truncated", stored: packed[:len(packed)/2], limit: int64(len(body)), wantErr: true},
		{name: "not compressed", stored: body, limit: int64(len(body)), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := decompress(tc.stored, tc.limit)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, body, out)
		})
	}
}

// FuzzValidJobID: the job id comes from the URL path; whatever passes
// validJobID must be a plain "job_" + 32 hex id, safe inside a Redis key.
func FuzzValidJobID(f *testing.F) {
	f.Add("job_0123456789abcdef0123456789abcdef")
	f.Add("job_")
	f.Add("job_0123456789abcdef0123456789abcdeg")
	f.Fuzz(func(t *testing.T, id string) {
		if core.ValidJobID(id) {
			require.Len(t, id, 36)
			require.True(t, strings.HasPrefix(id, "job_"))
			require.Equal(t, -1, strings.IndexFunc(id[4:], func(r rune) bool {
				return !strings.ContainsRune("0123456789abcdefABCDEF", r)
			}), "only hex digits after the prefix: %q", id)
		}
	})
}
