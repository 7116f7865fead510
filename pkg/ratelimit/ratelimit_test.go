package ratelimit

import (
	"context"
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
