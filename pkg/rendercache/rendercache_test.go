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
	r := image(5, 9)
	got, err := decode(encode(r))
	require.NoError(t, err)
	require.Equal(t, r, got)
	r.Warnings = []warning.Warning{{Path: "layers[0].text", Code: warning.TextClipped, Message: "cut “off”"}}
	got, err = decode(encode(r))
	require.NoError(t, err)
	require.Equal(t, r, got, "the render report is kept with the image")
	bad := encode(r)
	bad[9+len(r.MimeType)+3] = 200 // warnings longer than the entry
	for _, b := range [][]byte{nil, bad, {0, 0, 0, 0, 0, 0, 0, 0, 200}, append(make([]byte, 8), 3, 'a', 'b', 'c')} {
		_, err := decode(b)
		require.Error(t, err)
	}
}
