package queue

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/api"
	"github.com/strata-render/strata/pkg/webhook"
)

func TestWebhooksRetryDelay(t *testing.T) {
	t.Parallel()
	scaled, err := NewWebhooks(WebhooksOptions{HTTP: testHTTPClient(), RetryScale: 0.001})
	require.NoError(t, err)
	fixed, err := NewWebhooks(WebhooksOptions{HTTP: testHTTPClient(), Delays: []time.Duration{time.Second, time.Minute}})
	require.NoError(t, err)
	plain := errors.New("the receiver answered status 500")
	tests := []struct {
		name     string
		w        *Webhooks
		n        int
		err      error
		min, max time.Duration
	}{
		{name: "first retry after about 5 s, scaled", w: scaled, n: 0, err: plain, min: 4 * time.Millisecond, max: 6 * time.Millisecond},
		{name: "third retry after about 30 min, scaled", w: scaled, n: 2, err: plain, min: 1440 * time.Millisecond, max: 2160 * time.Millisecond},
		{name: "Retry-After longer than the schedule wins, plus asynq's second", w: scaled, n: 0,
			err: &RetryError{RetryAfter: 2 * time.Second, Err: plain}, min: 3 * time.Second, max: 3 * time.Second},
		{name: "Retry-After shorter than the schedule is ignored", w: fixed, n: 1,
			err: &RetryError{RetryAfter: 2 * time.Second, Err: plain}, min: time.Minute, max: time.Minute},
		{name: "a dead worker's task goes again at once", w: scaled, n: 3, err: asynq.ErrLeaseExpired, min: 0, max: 0},
		{name: "fixed delays past the table reuse the last", w: fixed, n: 5, err: plain, min: time.Minute, max: time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := tc.w.RetryDelay(tc.n, tc.err, nil)
			require.GreaterOrEqual(t, d, tc.min)
			require.LessOrEqual(t, d, tc.max)
		})
	}
	require.Equal(t, webhook.MaxAttempts-1, scaled.Retries())
	require.Equal(t, 2, fixed.Retries())
}

func TestKeySecrets(t *testing.T) {
	t.Parallel()
	const own = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	tests := []struct {
		name    string
		keys    map[string]string
		def     string
		want    map[string]int // key id → number of secrets
		wantErr string
	}{
		{name: "own secret and default", keys: map[string]string{keyA: "", keyB: own}, def: defaultSecret,
			want: map[string]int{api.KeyID(keyA): 1, api.KeyID(keyB): 1}},
		{name: "rotation: two default secrets", keys: map[string]string{keyA: ""}, def: defaultSecret + " " + own,
			want: map[string]int{api.KeyID(keyA): 2}},
		{name: "no secret at all", keys: map[string]string{keyA: ""}, wantErr: "no webhook secret"},
		{name: "a bad default", keys: map[string]string{keyA: ""}, def: "whsec_short", wantErr: "STRATA_WEBHOOK_SECRET"},
		{name: "a bad own secret", keys: map[string]string{keyA: "whsec_!!"}, def: defaultSecret, wantErr: "STRATA_API_KEYS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := KeySecrets(tc.keys, tc.def)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.NotContains(t, err.Error(), "C2FVsBQ", "secrets never appear in errors")
				return
			}
			require.NoError(t, err)
			for id, n := range tc.want {
				require.Len(t, got[id], n)
			}
		})
	}
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

func TestValidJobID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{name: "a new id", id: newJobID(), want: true},
		{name: "no prefix", id: "00000000000000000000000000000000"},
		{name: "too short", id: "job_abc"},
		{name: "not hex", id: "job_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"},
		{name: "a key pattern", id: "job_*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, validJobID(tc.id))
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
		if validJobID(id) {
			require.Len(t, id, 36)
			require.True(t, strings.HasPrefix(id, "job_"))
			require.Equal(t, -1, strings.IndexFunc(id[4:], func(r rune) bool {
				return !strings.ContainsRune("0123456789abcdefABCDEF", r)
			}), "only hex digits after the prefix: %q", id)
		}
	})
}
