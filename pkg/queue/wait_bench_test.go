package queue

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/redistest"
	"github.com/strata-render/strata/pkg/schema"
)

// BenchmarkSubmitWait is the cost of STRATA_REDIS_WAIT_REPLICAS: the
// queue client's Submit through a redis-sentinel:// URL to a primary with
// one replica on loopback, without WAIT and with WAIT 1, with 1 and 50
// submitters. It reports the submit's median and p99 wall time.
//
//	go test -run '^$' -bench SubmitWait -benchtime 2000x ./pkg/queue
func BenchmarkSubmitWait(b *testing.B) {
	s := redistest.StartSentinels(b, 1)
	rdb, err := config.NewRedis(s.URL(0), config.RedisTuning{})
	require.NoError(b, err)
	b.Cleanup(func() { rdb.Close() })
	body := []byte(card("https://example.com/hook"))
	req, err := schema.Decode(body, schema.DefaultLimits())
	require.NoError(b, err)
	for _, wait := range []int{0, 1} {
		for _, par := range []int{1, 50} {
			b.Run(fmt.Sprintf("wait=%d/submitters=%d", wait, par), func(b *testing.B) {
				c := NewClient(ClientOptions{Redis: rdb, WaitReplicas: wait})
				lat := make([]time.Duration, b.N)
				var next sync.Mutex
				i := 0
				b.ResetTimer()
				var wg sync.WaitGroup
				for range par {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							next.Lock()
							k := i
							i++
							next.Unlock()
							if k >= b.N {
								return
							}
							t0 := time.Now()
							if _, err := c.Submit(context.Background(), core.Submission{KeyID: "k", Request: req, Body: body}); err != nil {
								b.Error(err)
								return
							}
							lat[k] = time.Since(t0)
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				reportLatency(b, lat)
			})
		}
	}
}
