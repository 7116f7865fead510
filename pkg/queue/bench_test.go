package queue

import (
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// reportLatency adds p50 and p99 in milliseconds to the benchmark output.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkSubmit is the 201 path with 1 and 50 concurrent submitters:
// HTTP, auth, decode and validation of a social card, compression, the
// Redis writes and the asynq enqueue.
func BenchmarkSubmit(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("submitters=%d", n), func(b *testing.B) { benchSubmit(b, n) })
	}
}

func benchSubmit(b *testing.B, submitters int) {
	s := newStack(b, stackOptions{noWorker: true})
	body := card(s.recv.URL())
	var mu sync.Mutex
	var lat []time.Duration
	if submitters == 1 {
		for range b.N {
			start := time.Now()
			if status, out := s.post(b, keyA, body); status != http.StatusCreated {
				b.Fatalf("status %d: %v", status, out)
			}
			lat = append(lat, time.Since(start))
		}
		reportLatency(b, lat)
		return
	}
	b.SetParallelism(max(1, submitters/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			start := time.Now()
			status, out := s.post(b, keyA, body)
			if status != http.StatusCreated {
				b.Errorf("status %d: %v", status, out)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkSubmitToWebhook is one job at a time through idle workers:
// from the POST to the receiver holding the signed webhook.
func BenchmarkSubmitToWebhook(b *testing.B) {
	s := newStack(b, stackOptions{})
	body := card(s.recv.URL())
	s.submit(b, keyA, body) // warm the fonts and connections
	s.recv.waitFor(b, 1, 30*time.Second)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		s.submit(b, keyA, body)
		got := s.recv.waitFor(b, i+2, 30*time.Second)
		lat = append(lat, got[i+1].At.Sub(start))
	}
	b.StopTimer()
	reportLatency(b, lat)
}
