package ratelimit

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/redistest"
)

func TestSharedBudgetAcrossInstances(t *testing.T) {
	rdb := redistest.Client(t, 13)
	a, b := New(rdb), New(rdb)
	lim := Limit{PerMinute: 60, Burst: 3}
	var allowed int
	for i := 0; i < 6; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		d := l.Allow(context.Background(), "key_shared", lim)
		require.False(t, d.Local)
		if d.Allowed {
			allowed++
		} else {
			require.Greater(t, d.RetryAfter, 500*time.Millisecond)
			require.LessOrEqual(t, d.RetryAfter, time.Second)
		}
	}
	require.Equal(t, 3, allowed, "two instances share one burst of 3")
}

func TestFallsBackWhenRedisIsDown(t *testing.T) {
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	l := New(dead)
	lim := Limit{PerMinute: 60, Burst: 2}
	d1 := l.Allow(context.Background(), "k", lim)
	d2 := l.Allow(context.Background(), "k", lim)
	d3 := l.Allow(context.Background(), "k", lim)
	require.True(t, d1.Local)
	require.True(t, d1.Allowed)
	require.True(t, d2.Allowed)
	require.False(t, d3.Allowed)
	require.Greater(t, d3.RetryAfter, 500*time.Millisecond)
	require.Equal(t, 0, d2.Remaining)
}

func TestKeysHaveSeparateBudgets(t *testing.T) {
	l := New(redistest.Client(t, 13))
	lim := Limit{PerMinute: 60, Burst: 1}
	require.True(t, l.Allow(context.Background(), "one", lim).Allowed)
	require.True(t, l.Allow(context.Background(), "two", lim).Allowed)
	require.False(t, l.Allow(context.Background(), "one", lim).Allowed)
}

// countCalls counts the commands a client sends.
type countCalls struct{ n *atomic.Int64 }

func (countCalls) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countCalls) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (countCalls) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// counted returns a flushed client on the package's database and a
// counter of the commands sent through it.
func counted(t *testing.T) (*redis.Client, *atomic.Int64) {
	rdb := redistest.Client(t, 13)
	n := new(atomic.Int64)
	rdb.AddHook(countCalls{n})
	return rdb, n
}

// TestBusyKeyLeasesTokens: a key sending many requests takes its tokens
// from Redis in leases, not one call per request, and the remaining count
// it is told still goes down by one per request.
func TestBusyKeyLeasesTokens(t *testing.T) {
	rdb, calls := counted(t)
	l := New(rdb)
	lim := Limit{PerMinute: 60, Burst: 1000} // refills one a second: remaining only goes down
	prev := lim.Burst
	for i := range 500 {
		d := l.Allow(context.Background(), "busy", lim)
		require.True(t, d.Allowed, "request %d", i)
		require.False(t, d.Local)
		require.LessOrEqual(t, d.Remaining, prev)
		prev = d.Remaining
	}
	t.Logf("500 requests, %d Redis calls", calls.Load())
	require.Less(t, calls.Load(), int64(500/10), "a busy key's requests should share Redis calls")
}

// TestLeasedTokensExpire: tokens a busy key leased are not spent after
// leaseTTL; once the key slows down, every request asks Redis again.
func TestLeasedTokensExpire(t *testing.T) {
	rdb, calls := counted(t)
	l := New(rdb)
	l.leaseTTL = 20 * time.Millisecond
	lim := Limit{PerMinute: 60, Burst: 1000}
	for range 40 { // busy: leases grow past one token
		require.True(t, l.Allow(context.Background(), "slowing", lim).Allowed)
	}
	require.Greater(t, l.leases["slowing"].size, 1)
	before := calls.Load()
	for range 4 {
		time.Sleep(30 * time.Millisecond)
		require.True(t, l.Allow(context.Background(), "slowing", lim).Allowed)
	}
	require.GreaterOrEqual(t, calls.Load()-before, int64(4), "a request after the lease expired must ask Redis")
	require.Equal(t, 1, l.leases["slowing"].size, "unspent leases shrink back to one token")
}

// TestLeasesNeverExceedTheBudget: two processes hammering one key from
// many goroutines are together allowed no more than its burst, and refused
// at most one lease each early.
func TestLeasesNeverExceedTheBudget(t *testing.T) {
	rdb := redistest.Client(t, 13)
	a, b := New(rdb), New(rdb)
	lim := Limit{PerMinute: 1, Burst: 256} // leases of up to 16; no refill to speak of
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		l := a
		if g%2 == 1 {
			l = b
		}
		wg.Go(func() {
			for range 40 {
				if l.Allow(context.Background(), "hammered", lim).Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.LessOrEqual(t, allowed.Load(), int64(256))
	require.GreaterOrEqual(t, allowed.Load(), int64(256-2*maxLease(lim)))
}
