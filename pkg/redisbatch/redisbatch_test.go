package redisbatch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/redistest"
)

// testDB is this package's Redis database (see pkg/queue's redisDBs for
// who uses which).
const testDB = 11

// batched returns a flushed client on the test database with batching on,
// and a counter of the pipelines its batcher sent.
func batched(t *testing.T, o Options) (*redis.Client, *atomic.Int64) {
	t.Helper()
	rdb := redistest.Client(t, testDB)
	sent := new(atomic.Int64)
	attach(rdb, o, sent)
	return rdb, sent
}

// attach is Attach with a counter of the pipelines sent.
func attach(c *redis.Client, o Options, sent *atomic.Int64) {
	Attach(c, o)
	c.AddHook(countSends{sent})
}

// countSends counts the pipelines that reach the connection. Added after
// the batching hook, it sits inside it: it sees batches, not calls.
type countSends struct{ n *atomic.Int64 }

func (countSends) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (countSends) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h countSends) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestConcurrentCallsShareBatches: many goroutines' commands and
// pipelines all get their own right answers, in far fewer round trips
// than calls.
func TestConcurrentCallsShareBatches(t *testing.T) {
	rdb, sent := batched(t, Options{Lanes: 1})
	ctx := context.Background()
	const callers, rounds = 64, 20
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for g := range callers {
		wg.Go(func() {
			key := "k" + strconv.Itoa(g)
			for r := range rounds {
				if err := rdb.Set(ctx, key, r, 0).Err(); err != nil {
					errs <- err
					return
				}
				var get *redis.StringCmd
				var incr *redis.IntCmd
				if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					get = p.Get(ctx, key)
					incr = p.Incr(ctx, key+":n")
					return nil
				}); err != nil {
					errs <- err
					return
				}
				if v, _ := get.Int(); v != r || incr.Val() != int64(r+1) {
					errs <- fmt.Errorf("caller %d round %d: got %d and %d", g, r, v, incr.Val())
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	calls := int64(callers * rounds * 2)
	t.Logf("%d calls in %d round trips", calls, sent.Load())
	require.Less(t, sent.Load(), calls/2, "concurrent calls were not coalesced")
	require.EqualValues(t, 1, rdb.PoolStats().TotalConns, "one lane uses one connection")
}

// TestErrorsStayWithTheirCall: a command that fails (here WRONGTYPE) fails
// only its own call, not the others in its batch; redis.Nil stays a
// per-call answer too.
func TestErrorsStayWithTheirCall(t *testing.T) {
	rdb, _ := batched(t, Options{Lanes: 1})
	ctx := context.Background()
	require.NoError(t, rdb.LPush(ctx, "list", "x").Err())
	var wg sync.WaitGroup
	var wrong, missing, fine atomic.Int64
	for g := range 90 {
		wg.Go(func() {
			switch g % 3 {
			case 0:
				if err := rdb.Incr(ctx, "list").Err(); err != nil && redis.HasErrorPrefix(err, "WRONGTYPE") {
					wrong.Add(1)
				}
			case 1:
				if errors.Is(rdb.Get(ctx, "absent").Err(), redis.Nil) {
					missing.Add(1)
				}
			default:
				if rdb.Incr(ctx, "counter").Err() == nil {
					fine.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 30, wrong.Load())
	require.EqualValues(t, 30, missing.Load())
	require.EqualValues(t, 30, fine.Load())
	require.Equal(t, "30", rdb.Get(ctx, "counter").Val())
}

// TestScriptsLoadThroughBatches: Script.Run's EVALSHA, NOSCRIPT and EVAL
// fallback work when batched.
func TestScriptsLoadThroughBatches(t *testing.T) {
	rdb, _ := batched(t, Options{})
	ctx := context.Background()
	require.NoError(t, rdb.ScriptFlush(ctx).Err())
	s := redis.NewScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() { require.NoError(t, s.Run(ctx, rdb, []string{"sum"}, 2).Err()) })
	}
	wg.Wait()
	require.Equal(t, "80", rdb.Get(ctx, "sum").Val())
}

// TestTransactionsPassThrough: MULTI/EXEC pipelines keep their
// transaction semantics and replies while other calls are batched.
func TestTransactionsPassThrough(t *testing.T) {
	rdb, _ := batched(t, Options{Lanes: 1})
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			if g%2 == 0 {
				require.NoError(t, rdb.Incr(ctx, "plain").Err())
				return
			}
			var incr *redis.IntCmd
			_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				incr = p.Incr(ctx, "tx")
				p.Expire(ctx, "tx", time.Minute)
				return nil
			})
			require.NoError(t, err)
			require.Positive(t, incr.Val())
		})
	}
	wg.Wait()
	require.Equal(t, "16", rdb.Get(ctx, "plain").Val())
	require.Equal(t, "16", rdb.Get(ctx, "tx").Val())
}

// TestCancelledCallerLeavesTheBatch: a caller whose context ends while it
// waits for a lane returns at once with its context's error, and its
// commands are never sent; the other waiting calls are answered.
func TestCancelledCallerLeavesTheBatch(t *testing.T) {
	rdb, _ := batched(t, Options{Lanes: 1})
	ctx := context.Background()
	// Hold the only lane with a slow call (BLPOP on an empty list, 0.2 s),
	// queue a cancelled and a live call behind it.
	slow := make(chan error, 1)
	go func() { slow <- rdb.BLPop(ctx, 200*time.Millisecond, "empty").Err() }()
	waitFlying(t, rdb)
	gone, cancel := context.WithCancel(ctx)
	cancelled := make(chan error, 1)
	go func() { cancelled <- rdb.Set(gone, "dropped", 1, 0).Err() }()
	live := make(chan error, 1)
	go func() { live <- rdb.Set(ctx, "kept", 1, 0).Err() }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-cancelled:
		require.ErrorIs(t, err, context.Canceled)
	case err := <-slow:
		t.Fatalf("the cancelled caller waited for the lane (slow call ended: %v)", err)
	}
	require.ErrorIs(t, <-slow, redis.Nil)
	require.NoError(t, <-live)
	require.EqualValues(t, 0, rdb.Exists(ctx, "dropped").Val())
	require.EqualValues(t, 1, rdb.Exists(ctx, "kept").Val())
}

// waitFlying waits until a batch of rdb's is in flight.
func waitFlying(t *testing.T, rdb *redis.Client) {
	t.Helper()
	plain := redis.NewClient(rdb.Options())
	defer plain.Close()
	require.Eventually(t, func() bool {
		list, err := plain.ClientList(context.Background()).Result()
		return err == nil && strings.Contains(list, "cmd=blpop")
	}, 2*time.Second, 5*time.Millisecond)
}

// TestUnreachableRedisFailsEveryCaller: with nothing listening, every
// concurrent caller gets an error promptly; none hangs.
func TestUnreachableRedisFailsEveryCaller(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	Attach(rdb, Options{Lanes: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 20 {
		wg.Go(func() {
			if rdb.Ping(ctx).Err() != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "callers hung")
	require.EqualValues(t, 20, failed.Load())
}
