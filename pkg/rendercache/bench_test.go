package rendercache

import (
	"context"
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/redistest"
)

// BenchmarkMissOverhead is what the cache adds to a render it does not
// hold, without the render: a Get of a new key whose RenderFunc returns a
// ready 24 KB image (the size of the 1200x630 social card of cmd/api's
// miss benchmarks), so each op is the look-and-lock command (SET NX GET),
// the LRU put and, after the answer, the store (SET). gap=0 runs the ops
// back to back; gap=5ms idles 5 ms before each (as between renders), so
// every round trip finds the process asleep. Reported: wall-us/op, what a
// miss waits for (the store is off its path); cpu-us/op, this process's
// CPU time per op with its store; redis-cpu-us/op, the Redis server's.
func BenchmarkMissOverhead(b *testing.B) {
	rdb := redistest.Client(b, testDB)
	c := New(Options{Redis: rdb, MaxBytes: 64 << 20, MaxEntryBytes: 8 << 20, TTL: time.Minute})
	img := core.Result{Data: make([]byte, 24<<10), MimeType: "image/png", Width: 1200, Height: 630}
	rand.Read(img.Data)
	fn := func(context.Context) (core.Result, error) { return img, nil }
	ctx := context.Background()
	i := 0
	for _, gap := range []time.Duration{0, 5 * time.Millisecond} {
		b.Run("gap="+gap.String(), func(b *testing.B) {
			var wall, cpu time.Duration
			redis0 := redistest.ServerCPU(b, rdb)
			for b.Loop() {
				i++
				time.Sleep(gap)
				cpu0, t0 := redistest.ProcessCPU(), time.Now()
				if _, status, err := c.Get(ctx, "overhead-"+strconv.Itoa(i), false, fn); err != nil || status != StatusMiss {
					b.Fatal(status, err)
				}
				wall += time.Since(t0)
				c.Flush() // the store runs after the answer: count it in
				cpu += redistest.ProcessCPU() - cpu0
			}
			n := float64(b.N)
			b.ReportMetric(float64(wall)/1e3/n, "wall-us/op")
			b.ReportMetric(float64(cpu)/1e3/n, "cpu-us/op")
			b.ReportMetric(float64(redistest.ServerCPU(b, rdb)-redis0)/1e3/n, "redis-cpu-us/op")
		})
	}
}

// BenchmarkEncode lays out the entry of a 24 KB image for Redis (what a
// miss's store copies).
func BenchmarkEncode(b *testing.B) {
	e := entry{res: core.Result{Data: make([]byte, 24<<10), MimeType: "image/png", Width: 1200, Height: 630}}
	b.SetBytes(int64(len(e.res.Data)))
	b.ReportAllocs()
	for b.Loop() {
		encode(e)
	}
}
