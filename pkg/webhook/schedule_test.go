package webhook

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// constSource makes rand.Rand.Float64 return a fixed value: 0 for
// constSource(0), just under 1 for constSource(math.MaxUint64).
type constSource uint64

func (c constSource) Uint64() uint64 { return uint64(c) }

var (
	lowest  = rand.New(constSource(0))
	highest = rand.New(constSource(math.MaxUint64))
)

func TestSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		attempt int
		base    time.Duration
	}{
		{name: "after the first attempt", attempt: 1, base: 5 * time.Second},
		{name: "after the second", attempt: 2, base: 5 * time.Minute},
		{name: "after the third", attempt: 3, base: 30 * time.Minute},
		{name: "after the fourth", attempt: 4, base: 2 * time.Hour},
		{name: "after the fifth", attempt: 5, base: 5 * time.Hour},
		{name: "after the sixth", attempt: 6, base: 10 * time.Hour},
		{name: "after the seventh", attempt: 7, base: 10 * time.Hour},
		{name: "past the table", attempt: 50, base: 10 * time.Hour},
		{name: "attempt 0 treated as 1", attempt: 0, base: 5 * time.Second},
		{name: "negative attempt treated as 1", attempt: -3, base: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lo := Schedule{}.Delay(tt.attempt, rand.New(constSource(0)))
			hi := Schedule{}.Delay(tt.attempt, rand.New(constSource(math.MaxUint64)))
			require.Equal(t, time.Duration(float64(tt.base)*(1-Jitter)), lo)
			require.InDelta(t, float64(tt.base)*(1+Jitter), float64(hi), float64(time.Millisecond))
			require.LessOrEqual(t, hi, time.Duration(float64(tt.base)*(1+Jitter)))
		})
	}
}

func TestScheduleJitterSpreads(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := Schedule{}.Delay(3, rng)
		require.GreaterOrEqual(t, d, 24*time.Minute)
		require.LessOrEqual(t, d, 36*time.Minute)
		seen[d] = true
	}
	require.Greater(t, len(seen), 900, "jitter must spread retries out")
	// nil uses the global source and stays in range.
	d := Schedule{}.Delay(1, nil)
	require.GreaterOrEqual(t, d, 4*time.Second)
	require.Less(t, d, 6*time.Second)
}

func TestScheduleTotalIsAboutADay(t *testing.T) {
	t.Parallel()
	require.Equal(t, len(retryDelays)+1, MaxAttempts)
	var total time.Duration
	for _, d := range retryDelays {
		total += d
	}
	require.Equal(t, 27*time.Hour+35*time.Minute+5*time.Second, total)
	var lo, hi time.Duration
	for a := 1; a < MaxAttempts; a++ {
		lo += Schedule{}.Delay(a, lowest)
		hi += Schedule{}.Delay(a, highest)
	}
	require.Greater(t, lo, 20*time.Hour)
	require.Less(t, hi, 34*time.Hour)
}

func TestNextDelay(t *testing.T) {
	t.Parallel()
	retry := Outcome{Result: Retry, Err: errors.New("status 500")}
	tests := []struct {
		name    string
		outcome Outcome
		attempt int
		want    time.Duration
		ok      bool
	}{
		{name: "retry uses the schedule", outcome: retry, attempt: 1, want: 4 * time.Second, ok: true},
		{name: "longer Retry-After wins", outcome: Outcome{Result: Retry, RetryAfter: 30 * time.Minute}, attempt: 1, want: 30 * time.Minute, ok: true},
		{name: "shorter Retry-After loses", outcome: Outcome{Result: Retry, RetryAfter: time.Second}, attempt: 3, want: 24 * time.Minute, ok: true},
		{name: "last retry", outcome: retry, attempt: MaxAttempts - 1, want: 8 * time.Hour, ok: true},
		{name: "attempts used up", outcome: retry, attempt: MaxAttempts, ok: false},
		{name: "delivered", outcome: Outcome{Result: Delivered}, attempt: 1, ok: false},
		{name: "permanent failure", outcome: Outcome{Result: Failed, StatusCode: 400}, attempt: 1, ok: false},
		{name: "gone", outcome: Outcome{Result: Gone, StatusCode: 410, RetryAfter: time.Minute}, attempt: 1, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Schedule{}.NextDelay(tt.outcome, tt.attempt, rand.New(constSource(0)))
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestScheduleScaleAndFixedDelays(t *testing.T) {
	t.Parallel()
	require.Equal(t, time.Duration(float64(30*time.Minute)*0.01*(1-Jitter)), Schedule{Scale: 0.01}.Delay(3, lowest))
	fixed := Schedule{Delays: []time.Duration{time.Second, time.Minute}}
	require.Equal(t, 3, fixed.MaxAttempts())
	require.Equal(t, time.Second, fixed.Delay(1, highest), "no jitter on fixed delays")
	require.Equal(t, time.Minute, fixed.Delay(9, nil), "past the table: the last delay")
	retry := Outcome{Result: Retry}
	_, ok := fixed.NextDelay(retry, 2, nil)
	require.True(t, ok)
	_, ok = fixed.NextDelay(retry, 3, nil)
	require.False(t, ok, "the attempts are used up")
	require.Equal(t, MaxAttempts, Schedule{}.MaxAttempts())
}
