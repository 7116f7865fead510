package rendercache

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/redistest"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

const testDB = 9

func image(n int, b byte) core.Result {
	return core.Result{Data: bytes.Repeat([]byte{b}, n), MimeType: "image/png", Width: 3, Height: 4}
}

// counting returns a RenderFunc that counts its calls.
func counting(res core.Result, calls *atomic.Int32, delay time.Duration) RenderFunc {
	return func(ctx context.Context) (core.Result, error) {
		calls.Add(1)
		time.Sleep(delay)
		return res, nil
	}
}

func TestLocalHitMissAndBypass(t *testing.T) {
	t.Parallel()
	c := New(Options{MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20})
	var calls atomic.Int32
	ctx := context.Background()
	res, status, err := c.Get(ctx, "k", false, counting(image(10, 1), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusMiss, status)
	require.Equal(t, image(10, 1), res)
	res, status, err = c.Get(ctx, "k", false, counting(image(10, 2), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusHit, status)
	require.Equal(t, byte(1), res.Data[0])
	res, status, err = c.Get(ctx, "k", true, counting(image(10, 3), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusBypass, status)
	require.Equal(t, byte(3), res.Data[0], "no-cache renders afresh")
	res, _, _ = c.Get(ctx, "k", false, counting(image(10, 4), &calls, 0))
	require.Equal(t, byte(3), res.Data[0], "and stores the fresh image")
	require.Equal(t, int32(2), calls.Load())
	require.Equal(t, 1.0, testutil.ToFloat64(c.misses))
	require.Equal(t, 2.0, testutil.ToFloat64(c.hits.WithLabelValues("local")))
	require.Equal(t, 1.0, testutil.ToFloat64(c.bypasses))
}

func TestEvictionAtTheSizeCap(t *testing.T) {
	t.Parallel()
	c := New(Options{MaxBytes: 300, MaxEntryBytes: 150})
	var calls atomic.Int32
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		_, _, err := c.Get(ctx, k, false, counting(image(100, 1), &calls, 0))
		require.NoError(t, err)
	}
	_, status, _ := c.Get(ctx, "a", false, counting(image(100, 1), &calls, 0)) // a is now the most recent
	require.Equal(t, StatusHit, status)
	_, _, _ = c.Get(ctx, "d", false, counting(image(100, 1), &calls, 0)) // evicts b, the least recent
	require.Equal(t, 1.0, testutil.ToFloat64(c.evictions))
	require.Equal(t, 300.0, testutil.ToFloat64(c.bytes))
	_, status, _ = c.Get(ctx, "a", false, counting(image(100, 1), &calls, 0))
	require.Equal(t, StatusHit, status)
	_, status, _ = c.Get(ctx, "b", false, counting(image(100, 1), &calls, 0))
	require.Equal(t, StatusMiss, status, "b was evicted")

	// Over the entry cap: rendered, never kept.
	_, _, _ = c.Get(ctx, "big", false, counting(image(151, 1), &calls, 0))
	_, status, _ = c.Get(ctx, "big", false, counting(image(151, 1), &calls, 0))
	require.Equal(t, StatusMiss, status)
}

func TestErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	c := New(Options{MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20})
	boom := errors.New("boom")
	_, _, err := c.Get(context.Background(), "k", false, func(context.Context) (core.Result, error) { return core.Result{}, boom })
	require.ErrorIs(t, err, boom)
	var calls atomic.Int32
	_, status, err := c.Get(context.Background(), "k", false, counting(image(1, 1), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusMiss, status)
}

// Two caches over one Redis stand for two API processes: 50 concurrent
// gets of one key render once.
func TestSingleFlightAcrossProcesses(t *testing.T) {
	rdb := redistest.Client(t, testDB)
	o := Options{Redis: rdb, MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20, TTL: time.Minute, Poll: 5 * time.Millisecond}
	a, b := New(o), New(o)
	var calls atomic.Int32
	var wg sync.WaitGroup
	statuses := make([]string, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := a
			if i%2 == 1 {
				c = b
			}
			res, status, err := c.Get(context.Background(), "same", false, counting(image(1000, 7), &calls, 50*time.Millisecond))
			require.NoError(t, err)
			require.Equal(t, image(1000, 7), res)
			statuses[i] = status
		}()
	}
	wg.Wait()
	require.Equal(t, int32(1), calls.Load())
	require.Equal(t, 1.0, testutil.ToFloat64(a.misses)+testutil.ToFloat64(b.misses))
	// The entry is in Redis: a third process hits without rendering.
	c := New(o)
	_, status, err := c.Get(context.Background(), "same", false, counting(image(1, 1), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusHit, status)
	require.Equal(t, 1.0, testutil.ToFloat64(c.hits.WithLabelValues("shared")))
	require.Equal(t, int32(1), calls.Load())
}

func TestKeyIgnoresSpellingAndWebhook(t *testing.T) {
	t.Parallel()
	dec := func(s string) *schema.Request {
		r, err := schema.Decode([]byte(s), schema.DefaultLimits())
		require.NoError(t, err)
		return r
	}
	short := dec(`{"dimensions":{"width":10,"height":10},"layers":[{"index":0,"type":"solid-color","hex_color":"#fff"}]}`)
	long := dec(`{"layers":[{"type":"solid-color","index":0,"hex_color":"#FFFFFF"}],"dimensions":{"width_in_px":10,"height_in_px":10},"webhook_url":"https://e.com/h"}`)
	other := dec(`{"dimensions":{"width":10,"height":10},"layers":[{"index":0,"type":"solid-color","hex_color":"#ffe"}]}`)
	require.Equal(t, Key("v1", short), Key("v1", long))
	require.NotEqual(t, Key("v1", short), Key("v1", other))
	require.NotEqual(t, Key("v1", short), Key("v2", short), "a new renderer is a new entry")
}

func TestDecodeRefusesCorruptEntries(t *testing.T) {
	t.Parallel()
	warned := withAssets(image(5, 9), "abc")
	warned.Warnings = []warning.Warning{{Path: "layers[0].text", Code: warning.TextClipped, Message: "cut “off”"}}
	for _, e := range []entry{{res: image(5, 9)}, {res: warned, expires: time.UnixMilli(1_700_000_000_123)}} {
		got, err := decode(encode(e))
		require.NoError(t, err)
		require.Equal(t, e.res, got.res, "the assets digest and the render report are kept with the image")
		require.True(t, e.expires.Equal(got.expires))
	}
	bad := encode(entry{res: warned})
	bad[17+len(warned.MimeType)+1+len(warned.Assets)+1] = 200 // warnings longer than the entry
	for _, b := range [][]byte{nil, bad, append(make([]byte, 16), 200), append(make([]byte, 16), 3, 'a', 'b', 'c'), append(make([]byte, 16), 5, 'i', 'm', 'a', 'g', 'e', 9),
		encode(entry{res: core.Result{Data: []byte("<p>"), MimeType: "text/html"}})} {
		_, err := decode(b)
		require.Error(t, err)
	}
}

func withAssets(r core.Result, assets string) core.Result {
	r.Assets = assets
	return r
}

// An image made from fetched assets is trusted for AssetTTL, in this
// process and in the shared store; then the next request renders again
// (and so fetches again). An image without fetched assets never expires
// here.
func TestFetchedAssetsExpireAfterTheirWindow(t *testing.T) {
	rdb := redistest.Client(t, testDB)
	o := Options{Redis: rdb, MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20, TTL: time.Hour, AssetTTL: time.Minute}
	a, b := New(o), New(o)
	clock := time.Now()
	a.now = func() time.Time { return clock }
	b.now = a.now
	var calls atomic.Int32
	ctx := context.Background()
	get := func(c *Cache, key string, res core.Result) string {
		_, status, err := c.Get(ctx, key, false, counting(res, &calls, 0))
		require.NoError(t, err)
		return status
	}
	require.Equal(t, StatusMiss, get(a, "fetched", withAssets(image(10, 1), "d1")))
	require.Equal(t, StatusMiss, get(a, "plain", image(10, 1)))
	a.Flush()
	ttl, err := rdb.PTTL(ctx, "strata:rc:fetched").Result()
	require.NoError(t, err)
	require.LessOrEqual(t, ttl, time.Minute, "the shared store keeps it no longer than the window")
	clock = clock.Add(59 * time.Second)
	require.Equal(t, StatusHit, get(a, "fetched", image(1, 1)))
	require.Equal(t, StatusHit, get(b, "fetched", image(1, 1)), "from the shared store, inside the window")
	clock = clock.Add(time.Second)
	require.Equal(t, StatusMiss, get(a, "fetched", withAssets(image(10, 2), "d2")), "past the window: rendered again")
	res, status, err := b.Get(ctx, "fetched", false, counting(image(1, 1), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusHit, status, "b's copy was stale; the shared store has the new render")
	require.Equal(t, "d2", res.Assets)
	require.Equal(t, byte(2), res.Data[0])
	clock = clock.Add(24 * time.Hour)
	require.Equal(t, StatusHit, get(a, "plain", image(1, 1)), "no fetched assets: no window")
	require.Equal(t, int32(3), calls.Load())
}

// Every media type a render makes comes back from the shared store: a
// second process (its own LRU empty) hits instead of rendering again. PDF
// results were once refused by the entry decoder and rendered every time.
func TestEveryOutputTypeFromTheSharedStore(t *testing.T) {
	rdb := redistest.Client(t, testDB)
	o := Options{Redis: rdb, MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20, TTL: time.Minute}
	a, b := New(o), New(o)
	ctx := context.Background()
	for _, mt := range []string{"image/png", "image/jpeg", "image/webp", "image/tiff", "image/gif", "image/avif", "application/pdf"} {
		want := core.Result{Data: []byte("%PDF-1.7 or pixels of " + mt), MimeType: mt, Width: 3, Height: 4}
		var calls atomic.Int32
		_, status, err := a.Get(ctx, mt, false, counting(want, &calls, 0))
		require.NoError(t, err)
		require.Equal(t, StatusMiss, status, mt)
		got, status, err := b.Get(ctx, mt, false, counting(image(1, 1), &calls, 0))
		require.NoError(t, err)
		require.Equal(t, StatusHit, status, mt)
		require.Equal(t, want, got, mt)
		require.Equal(t, int32(1), calls.Load(), "%s: rendered once, by the first process", mt)
	}
	require.Equal(t, 7.0, testutil.ToFloat64(b.hits.WithLabelValues("shared")))
}

// holdStores is a go-redis hook that holds every SET of an entry (not of
// the lock) until release is closed.
type holdStores struct{ release chan struct{} }

func (h holdStores) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h holdStores) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h holdStores) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if a := cmd.Args(); cmd.Name() == "set" && len(a) > 2 && a[2] != lockValue {
			<-h.release
		}
		return next(ctx, cmd)
	}
}

// While one process renders, the entry's key holds the lock (with the
// lock's TTL) and another process waits; the renderer's caller has its
// image before the image reaches Redis (the store runs after the answer),
// the waiter gets it from Redis once it lands, and Flush waits for it.
func TestTheStoreRunsAfterTheAnswer(t *testing.T) {
	rdb := redistest.Client(t, testDB)
	opts := rdb.Options()
	held := redis.NewClient(opts)
	defer held.Close()
	hook := holdStores{release: make(chan struct{})}
	held.AddHook(hook)
	o := Options{MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20, TTL: time.Hour, LockTTL: 30 * time.Second, Poll: 5 * time.Millisecond}
	o.Redis = held
	a := New(o)
	o.Redis = rdb
	b := New(o)
	ctx := context.Background()
	rendering, finish := make(chan struct{}), make(chan struct{})
	fn := func(context.Context) (core.Result, error) {
		close(rendering)
		<-finish
		return image(100, 5), nil
	}
	answered := make(chan string)
	go func() {
		_, status, err := a.Get(ctx, "late", false, fn)
		require.NoError(t, err)
		answered <- status
	}()
	<-rendering
	v, err := rdb.Get(ctx, "strata:rc:late").Result()
	require.NoError(t, err)
	require.Equal(t, lockValue, v, "the entry's key is the lock while a renders")
	ttl, err := rdb.PTTL(ctx, "strata:rc:late").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 20*time.Second)
	require.LessOrEqual(t, ttl, 30*time.Second, "the lock lives LockTTL")
	waited := make(chan core.Result)
	go func() {
		res, status, err := b.Get(ctx, "late", false, counting(image(1, 1), new(atomic.Int32), 0))
		require.NoError(t, err)
		require.Equal(t, StatusHit, status, "b waits for a's render")
		waited <- res
	}()
	close(finish)
	select {
	case status := <-answered:
		require.Equal(t, StatusMiss, status)
	case <-time.After(5 * time.Second):
		t.Fatal("a's answer waits for its store to Redis")
	}
	select {
	case <-waited:
		t.Fatal("b got the image before it was stored")
	case <-time.After(50 * time.Millisecond):
	}
	close(hook.release)
	require.Equal(t, image(100, 5), <-waited)
	a.Flush()
	ttl, err = rdb.PTTL(ctx, "strata:rc:late").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 59*time.Minute, "the entry replaced the lock, with the entry's TTL")
}

// A holder that fails, or whose image is over the entry cap, releases the
// lock: the next process renders at once instead of waiting LockTTL.
func TestFailedAndOversizeRendersReleaseTheLock(t *testing.T) {
	rdb := redistest.Client(t, testDB)
	o := Options{Redis: rdb, MaxBytes: 1 << 20, MaxEntryBytes: 50, TTL: time.Hour, LockTTL: time.Hour, Poll: 5 * time.Millisecond}
	a, b := New(o), New(o)
	ctx := context.Background()
	_, _, err := a.Get(ctx, "fails", false, func(context.Context) (core.Result, error) { return core.Result{}, errors.New("boom") })
	require.Error(t, err)
	var calls atomic.Int32
	_, status, err := a.Get(ctx, "big", false, counting(image(51, 1), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusMiss, status)
	a.Flush()
	for _, k := range []string{"fails", "big"} {
		n, err := rdb.Exists(ctx, "strata:rc:"+k).Result()
		require.NoError(t, err)
		require.Zero(t, n, "%s: no lock left behind", k)
		done := make(chan string)
		go func() {
			_, status, err := b.Get(ctx, k, false, counting(image(10, 2), &calls, 0))
			require.NoError(t, err)
			done <- status
		}()
		select {
		case status := <-done:
			require.Equal(t, StatusMiss, status, k)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: b waits on a lock nobody holds", k)
		}
	}
}

// Stores after the answer are bounded by MaxPendingBytes: with a store
// held (a slow Redis), the next image that would pass the bound is written
// before its answer, so images waiting for Redis cannot pile up in memory.
func TestPendingStoresAreBounded(t *testing.T) {
	rdb := redistest.Client(t, testDB)
	held := redis.NewClient(rdb.Options())
	defer held.Close()
	hook := holdStores{release: make(chan struct{})}
	held.AddHook(hook)
	c := New(Options{Redis: held, MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20, TTL: time.Hour, MaxPendingBytes: 150})
	ctx := context.Background()
	var calls atomic.Int32
	_, status, err := c.Get(ctx, "first", false, counting(image(100, 1), &calls, 0))
	require.NoError(t, err)
	require.Equal(t, StatusMiss, status, "answered with its store held")
	second := make(chan string)
	go func() {
		_, status, err := c.Get(ctx, "second", false, counting(image(100, 2), &calls, 0))
		require.NoError(t, err)
		second <- status
	}()
	select {
	case <-second:
		t.Fatal("the second image was answered with 200 bytes pending over a bound of 150")
	case <-time.After(100 * time.Millisecond):
	}
	close(hook.release)
	require.Equal(t, StatusMiss, <-second)
	c.Flush()
	for _, k := range []string{"first", "second"} {
		n, err := rdb.Exists(ctx, "strata:rc:"+k).Result()
		require.NoError(t, err)
		require.Equal(t, int64(1), n, k)
	}
	require.Zero(t, c.pendingBytes.Load())
}
