package redisbatch

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/redistest"
)

// BenchmarkCoalescing compares this package with go-redis's own
// auto-pipelining (Client.AutoPipeline, v9.23) and with no coalescing, on
// the API's two shapes of Redis call: "call", one small script (the rate
// limiter), and "submit", that script and then a pipeline of a 1.5 KB SET
// and a script writing a hash (the async submit). It reports wall time and
// the process's and Redis's CPU per op; what matters on the 2-core box is
// the CPU, which the other processes on it need.
func BenchmarkCoalescing(b *testing.B) {
	ways := []struct {
		name string
		make func(b *testing.B) redis.Cmdable
	}{
		{"plain", func(b *testing.B) redis.Cmdable { return redistest.Client(b, testDB) }},
		{"redisbatch", func(b *testing.B) redis.Cmdable {
			c := redistest.Client(b, testDB)
			Attach(c, Options{})
			return c
		}},
		{"autopipeline", func(b *testing.B) redis.Cmdable {
			ap, err := redistest.Client(b, testDB).AutoPipeline()
			require.NoError(b, err)
			return ap
		}},
		{"autopipeline-fullduplex", func(b *testing.B) redis.Cmdable {
			ap, err := redistest.Client(b, testDB).AutoPipelineWithOptions(&redis.AutoPipelineOptions{FullDuplex: true})
			require.NoError(b, err)
			return ap
		}},
	}
	limit := redis.NewScript(`local n = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], 60000) return n`)
	write := redis.NewScript(`redis.call('HSET', KEYS[1], unpack(ARGV)) redis.call('PEXPIRE', KEYS[1], 60000) return ''`)
	value := strings.Repeat("x", 1500)
	for _, w := range ways {
		for _, shape := range []string{"call", "submit"} {
			for _, par := range []int{1, 50} {
				b.Run(w.name+"/"+shape+"/callers="+strconv.Itoa(par), func(b *testing.B) {
					c := w.make(b)
					stats := redistest.Client(b, testDB)
					ctx := context.Background()
					require.NoError(b, limit.Load(ctx, c).Err())
					require.NoError(b, write.Load(ctx, c).Err())
					var seq atomic.Int64
					op := func(i int64) error {
						k := "bench:" + strconv.FormatInt(i%1000, 10)
						if err := limit.EvalSha(ctx, c, []string{"rate:" + k}).Err(); err != nil || shape == "call" {
							return err
						}
						_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
							p.Set(ctx, "body:"+k, value, time.Minute)
							write.EvalSha(ctx, p, []string{"job:" + k}, "status", "queued", "key", "k", "attempts", 0)
							return nil
						})
						return err
					}
					redisBefore, procBefore := redistest.ServerCPU(b, stats), redistest.ProcessCPU()
					b.ResetTimer()
					if par == 1 {
						for i := range b.N {
							if err := op(int64(i)); err != nil {
								b.Fatal(err)
							}
						}
					} else {
						b.SetParallelism(max(1, par/2))
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := op(seq.Add(1)); err != nil {
									b.Error(err)
									return
								}
							}
						})
					}
					b.StopTimer()
					b.ReportMetric(float64((redistest.ProcessCPU()-procBefore).Microseconds())/float64(b.N), "proc-cpu-µs/op")
					b.ReportMetric(float64((redistest.ServerCPU(b, stats)-redisBefore).Microseconds())/float64(b.N), "redis-cpu-µs/op")
				})
			}
		}
	}
}
