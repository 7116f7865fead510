package rendercache

import (
	"context"
	"crypto/rand"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/redistest"
)

// BenchmarkMissOverhead is what the cache adds to a render it does not
// hold, without the render: a Get of a new key whose RenderFunc returns a
// ready 24 KB image (the size of the 1200x630 social card of cmd/api's
// miss benchmarks), so each op is the look-and-lock command (SET NX GET),
// the LRU put and, after the answer, the store (SET). ns/op is what a
// miss waits for (the store is off its path); cpu-us/op is this
// process's CPU time per op, the stores included, and redis-cpu-us/op the
// Redis server's.
func BenchmarkMissOverhead(b *testing.B) {
	rdb := redistest.Client(b, testDB)
	c := New(Options{Redis: rdb, MaxBytes: 64 << 20, MaxEntryBytes: 8 << 20, TTL: time.Minute})
	img := core.Result{Data: make([]byte, 24<<10), MimeType: "image/png", Width: 1200, Height: 630}
	rand.Read(img.Data)
	fn := func(context.Context) (core.Result, error) { return img, nil }
	ctx := context.Background()
	cpu0, redis0 := processCPU(), redisCPU(b, rdb)
	i := 0
	for b.Loop() {
		i++
		if _, status, err := c.Get(ctx, "overhead-"+strconv.Itoa(i), false, fn); err != nil || status != StatusMiss {
			b.Fatal(status, err)
		}
	}
	c.Flush() // the stores run after each Get's answer: count them in
	b.ReportMetric(float64(processCPU()-cpu0)/1e3/float64(b.N), "cpu-us/op")
	b.ReportMetric(float64(redisCPU(b, rdb)-redis0)/1e3/float64(b.N), "redis-cpu-us/op")
}

// processCPU is this process's user and system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU is the CPU time the Redis server behind rdb has used.
func redisCPU(b *testing.B, rdb *redis.Client) time.Duration {
	info, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var total float64
	for _, line := range strings.Split(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, _ := strconv.ParseFloat(v, 64)
			total += f
		}
	}
	return time.Duration(total * float64(time.Second))
}
