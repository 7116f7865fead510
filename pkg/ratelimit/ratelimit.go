// Package ratelimit limits requests per API key. Limits are shared by every
// API instance through Redis (GCRA, github.com/go-redis/redis_rate); when
// Redis cannot be reached, each process falls back to an in-process token
// bucket with the same rate, so an outage degrades the limit's precision,
// never the service.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limit is a budget of requests per minute with a burst.
type Limit struct {
	PerMinute int
	Burst     int
}

// Decision is the outcome of one check.
type Decision struct {
	Allowed bool
	// Limit is the burst size: the most requests allowed at once.
	Limit     int
	Remaining int
	// RetryAfter is the wait before the next request is allowed (0 when allowed).
	RetryAfter time.Duration
	// ResetAfter is the time until the full burst is available again.
	ResetAfter time.Duration
	// Local is true when Redis was unreachable and the in-process
	// fallback decided.
	Local bool
}

// Limiter checks budgets by key.
type Limiter struct {
	redis *redis_rate.Limiter
	mu    sync.Mutex
	local map[string]*rate.Limiter
	// redisDownUntil skips Redis for a while after it failed, so an
	// outage doesn't add a timeout to every request.
	redisDownUntil time.Time
}

// redisRetryAfter is how long the limiter stays local after a Redis error.
const redisRetryAfter = 5 * time.Second

// New returns a limiter backed by rdb; a nil rdb uses only the in-process
// buckets.
func New(rdb *redis.Client) *Limiter {
	l := &Limiter{local: map[string]*rate.Limiter{}}
	if rdb != nil {
		l.redis = redis_rate.NewLimiter(rdb)
	}
	return l
}

// Allow takes one request from key's budget.
func (l *Limiter) Allow(ctx context.Context, key string, lim Limit) Decision {
	if lim.Burst < 1 {
		lim.Burst = max(1, lim.PerMinute/6)
	}
	if l.redis != nil && l.redisUp() {
		ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		res, err := l.redis.Allow(ctx, "strata:ratelimit:"+key, redis_rate.Limit{Rate: lim.PerMinute, Burst: lim.Burst, Period: time.Minute})
		if err == nil {
			d := Decision{Allowed: res.Allowed > 0, Limit: lim.Burst, Remaining: res.Remaining, ResetAfter: res.ResetAfter}
			if !d.Allowed {
				d.RetryAfter = res.RetryAfter
			}
			return d
		}
		l.mu.Lock()
		l.redisDownUntil = time.Now().Add(redisRetryAfter)
		l.mu.Unlock()
	}
	return l.allowLocal(key, lim)
}

func (l *Limiter) redisUp() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Now().After(l.redisDownUntil)
}

func (l *Limiter) allowLocal(key string, lim Limit) Decision {
	l.mu.Lock()
	b, ok := l.local[key]
	every := rate.Limit(float64(lim.PerMinute) / 60)
	if !ok || b.Limit() != every || b.Burst() != lim.Burst {
		b = rate.NewLimiter(every, lim.Burst)
		l.local[key] = b
	}
	l.mu.Unlock()
	now := time.Now()
	r := b.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if delay > 0 {
		r.CancelAt(now)
		return Decision{Limit: lim.Burst, RetryAfter: delay, ResetAfter: fullAfter(b, now), Local: true}
	}
	remaining := int(math.Floor(b.TokensAt(now)))
	return Decision{Allowed: true, Limit: lim.Burst, Remaining: max(0, remaining), ResetAfter: fullAfter(b, now), Local: true}
}

func fullAfter(b *rate.Limiter, now time.Time) time.Duration {
	missing := float64(b.Burst()) - b.TokensAt(now)
	if missing <= 0 || b.Limit() <= 0 {
		return 0
	}
	return time.Duration(missing / float64(b.Limit()) * float64(time.Second))
}
