package webhook

import (
	"math/rand/v2"
	"time"
)

// retryDelays is the wait after each failed attempt: Svix's published
// schedule (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h), about
// 27.6 hours from the first attempt to the last. It is a fixed table rather
// than github.com/cenkalti/backoff/v4's ExponentialBackOff because the
// curve is the documented contract receivers plan around, and because
// backoff/v4 draws its jitter from the global math/rand source, which a test
// cannot inject.
var retryDelays = []time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
}

// MaxAttempts is how many attempts one delivery gets: the first plus one
// per retryDelays entry. The queue's asynq MaxRetry is MaxAttempts-1.
const MaxAttempts = 8

// Jitter is the ± fraction applied to every delay so that deliveries that
// failed together (a receiver outage) do not all retry in the same second.
const Jitter = 0.2

// Schedule is the delay before the next attempt after attempt number
// attempt (1-based: attempt 1 is the first, immediate one) failed, with
// ±Jitter drawn from rng (nil: the global source). Attempts past the table
// reuse its last entry. For asynq's RetryDelayFunc, whose n counts the
// retries already made, pass n+1.
func Schedule(attempt int, rng *rand.Rand) time.Duration {
	i := min(max(attempt, 1), len(retryDelays)) - 1
	base := retryDelays[i]
	var f float64
	if rng != nil {
		f = rng.Float64()
	} else {
		f = rand.Float64()
	}
	// f in [0,1) → factor in [1-Jitter, 1+Jitter).
	return time.Duration(float64(base) * (1 - Jitter + 2*Jitter*f))
}

// TotalSchedule is the sum of the un-jittered delays: how long after the
// first attempt the last one is made at the latest (absent Retry-After).
func TotalSchedule() time.Duration {
	var sum time.Duration
	for _, d := range retryDelays {
		sum += d
	}
	return sum
}

// NextDelay says whether to try again after attempt number attempt (1-based)
// ended with o, and after how long: the scheduled delay, or the receiver's
// Retry-After when that is longer. ok is false when o is not retryable or
// the attempts are used up.
func NextDelay(o Outcome, attempt int, rng *rand.Rand) (d time.Duration, ok bool) {
	if !o.Retryable() || attempt >= MaxAttempts {
		return 0, false
	}
	return max(Schedule(attempt, rng), o.RetryAfter), true
}
