// Package ratelimit limits requests per API key. Limits are shared by every
// API instance through Redis (GCRA, github.com/go-redis/redis_rate); when
// Redis cannot be reached, each process falls back to an in-process token
// bucket with the same rate, so an outage degrades the limit's precision,
// never the service.
//
// A key that sends many requests does not cost a Redis call each: the
// process takes several of the key's tokens from the shared bucket at once
// (a lease) and spends them locally. A lease starts at one token, so a key
// with few requests is counted exactly; it doubles while leases run out
// within half their lifetime, up to a sixteenth of the burst (at most
// 64), and starts again at one token when one expires unspent (so a key
// that slows down wastes one lease at most). Tokens in hand are dropped
// after leaseTTL; so a client at the very edge of its budget, spread over
// several API processes, may be refused up to one lease per process early,
// and is never allowed more than its budget.
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
	redis  *redis_rate.Limiter
	mu     sync.Mutex
	local  map[string]*rate.Limiter
	leases map[string]*lease
	// leaseTTL is how long leased tokens may be spent.
	leaseTTL time.Duration
	// redisDownUntil skips Redis for a while after it failed, so an
	// outage doesn't add a timeout to every request.
	redisDownUntil time.Time
}

// redisRetryAfter is how long the limiter stays local after a Redis error.
const redisRetryAfter = 5 * time.Second

// New returns a limiter backed by rdb; a nil rdb uses only the in-process
// buckets.
func New(rdb *redis.Client) *Limiter {
	l := &Limiter{local: map[string]*rate.Limiter{}, leases: map[string]*lease{}, leaseTTL: time.Second}
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
		if d, ok := l.allowShared(ctx, key, lim); ok {
			return d
		}
	}
	return l.allowLocal(key, lim)
}

// lease is tokens of one key's shared budget that this process took ahead
// of need.
type lease struct {
	mu      sync.Mutex
	tokens  int // left to spend
	size    int // how many to ask for next
	taken   time.Time
	expires time.Time
	// remaining and resetAt are the shared bucket's state when the lease
	// was taken, for the RateLimit-* headers.
	remaining int
	resetAt   time.Time
}

// allowShared decides from key's lease, taking a new one from Redis when
// it is spent or expired; ok is false when Redis failed.
func (l *Limiter) allowShared(ctx context.Context, key string, lim Limit) (d Decision, ok bool) {
	l.mu.Lock()
	ls := l.leases[key]
	if ls == nil {
		ls = &lease{size: 1}
		l.leases[key] = ls
	}
	l.mu.Unlock()

	// Holding the lease's lock through the Redis call makes the other
	// requests of this key wait for the new lease instead of each asking
	// for one.
	ls.mu.Lock()
	defer ls.mu.Unlock()
	now := time.Now()
	if ls.tokens > 0 && now.Before(ls.expires) {
		ls.tokens--
		return ls.decision(lim, now), true
	}
	ls.resize(now, l.leaseTTL, maxLease(lim))
	ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	res, err := l.redis.AllowAtMost(ctx, "strata:ratelimit:"+key,
		redis_rate.Limit{Rate: lim.PerMinute, Burst: lim.Burst, Period: time.Minute}, ls.size)
	if err != nil {
		ls.tokens = 0
		l.mu.Lock()
		l.redisDownUntil = time.Now().Add(redisRetryAfter)
		l.mu.Unlock()
		return Decision{}, false
	}
	ls.remaining, ls.resetAt = res.Remaining, now.Add(max(0, res.ResetAfter))
	if res.Allowed < 1 {
		ls.tokens = 0
		return Decision{Limit: lim.Burst, Remaining: res.Remaining, RetryAfter: res.RetryAfter, ResetAfter: max(0, res.ResetAfter)}, true
	}
	ls.tokens, ls.taken, ls.expires = res.Allowed-1, now, now.Add(l.leaseTTL)
	return ls.decision(lim, now), true
}

// resize sets the size of the next lease from how the last one went: spent
// within half its lifetime, the key is busy and the next is twice as
// large (never past what a lifetime at the current pace would spend);
// expired unspent, the key slowed down and the next is one token.
func (ls *lease) resize(now time.Time, ttl time.Duration, most int) {
	switch {
	case ls.taken.IsZero():
	case ls.tokens > 0:
		ls.size = 1
	case now.Sub(ls.taken) < ttl/2:
		ls.size = min(most, ls.size*2)
	}
	ls.size = min(max(1, ls.size), most)
}

// maxLease is the largest lease of a budget: a sixteenth of the burst, at
// most 64 tokens.
func maxLease(lim Limit) int { return max(1, min(64, lim.Burst/16)) }

// decision is an allowed request's answer, with the tokens in hand counted
// as remaining.
func (ls *lease) decision(lim Limit, now time.Time) Decision {
	return Decision{Allowed: true, Limit: lim.Burst, Remaining: ls.remaining + ls.tokens, ResetAfter: max(0, ls.resetAt.Sub(now))}
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
