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
// cannot inject; and the delay is computed per attempt by whichever worker
// runs it, not by an in-process retry loop (docs/DESIGN-CARD.md).
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

// Schedule is the retry schedule between the attempts of one delivery:
// retryDelays with ±Jitter, every delay multiplied by Scale; or, when
// Delays is set (tests), exactly those delays. The zero Schedule is the
// documented one.
type Schedule struct {
	// Scale multiplies every delay of the table (0 means 1: about a day
	// from the first attempt to the last).
	Scale float64
	// Delays, when set, replaces the table: Delays[i] is the wait after
	// attempt i+1 failed, without jitter, and there are len(Delays)
	// retries.
	Delays []time.Duration
}

// MaxAttempts is how many attempts one delivery gets under s, the first
// included.
func (s Schedule) MaxAttempts() int {
	if s.Delays != nil {
		return len(s.Delays) + 1
	}
	return MaxAttempts
}

// Delay is the wait before the next attempt after attempt number attempt
// (1-based: attempt 1 is the first, immediate one) failed, with ±Jitter
// drawn from rng (nil: the global source). Attempts past the table reuse
// its last entry.
func (s Schedule) Delay(attempt int, rng *rand.Rand) time.Duration {
	if s.Delays != nil {
		return s.Delays[min(max(attempt, 1), len(s.Delays))-1]
	}
	i := min(max(attempt, 1), len(retryDelays)) - 1
	base := retryDelays[i]
	var f float64
	if rng != nil {
		f = rng.Float64()
	} else {
		f = rand.Float64()
	}
	scale := s.Scale
	if scale <= 0 {
		scale = 1
	}
	// f in [0,1) → factor in [1-Jitter, 1+Jitter).
	return time.Duration(float64(base) * scale * (1 - Jitter + 2*Jitter*f))
}

// NextDelay says whether to try again after attempt number attempt
// (1-based) ended with o, and after how long: Delay, or the receiver's
// Retry-After when that is longer. ok is false when o is not retryable or
// the attempts are used up.
func (s Schedule) NextDelay(o Outcome, attempt int, rng *rand.Rand) (d time.Duration, ok bool) {
	if !o.Retryable() || attempt >= s.MaxAttempts() {
		return 0, false
	}
	return max(s.Delay(attempt, rng), o.RetryAfter), true
}
