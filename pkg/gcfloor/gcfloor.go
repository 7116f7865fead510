// Package gcfloor keeps a small Go heap from being collected too often.
//
// Go sets the next collection's goal relative to the live heap: with GOGC
// at its default of 100, at twice the live heap, and never below 4 MB.
// The API process keeps one or two megabytes live while every request
// allocates tens of kilobytes, so at thousands of requests a second it
// collects dozens of times a second, and the collector took about a sixth
// of its CPU (docs/PERFORMANCE.md). Start raises GOGC after each collection
// just enough that the next goal is at least the floor, and gives the base
// GOGC back once the live heap is large enough to reach the floor by
// itself: a big heap is collected exactly as before, and a small one lets
// at most the floor's worth of garbage gather.
package gcfloor

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// checkEvery is how often Start looks at the heap. A collection cycle of
// a busy API process is a few tens of milliseconds; the goal it sets holds
// until the next one, so checking more often would change nothing.
const checkEvery = 50 * time.Millisecond

// Start keeps the heap goal at or above floor bytes until stop is called,
// which restores the base GOGC. The base is GOGC from the environment
// (default 100); with GOGC=off, or a floor of zero or less, Start does
// nothing.
func Start(floor int64) (stop func()) {
	base := 100
	if v := os.Getenv("GOGC"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return func() {}
		}
		base = n
	}
	if floor <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
		tick := time.NewTicker(checkEvery)
		defer tick.Stop()
		var cycles uint64
		set := base
		for {
			select {
			case <-done:
				debug.SetGCPercent(base)
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if c := sample[1].Value.Uint64(); c == cycles {
				continue
			} else {
				cycles = c
			}
			if p := Percent(base, floor, int64(sample[0].Value.Uint64())); p != set {
				debug.SetGCPercent(p)
				set = p
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// Percent is the GOGC that puts the goal for a live heap of live bytes at
// the floor, or at twice the live heap if that is more, and never below
// base.
//
// The runtime's own minimum goal (4 MB) scales with GOGC too, so the
// percentage is capped where that minimum reaches the floor: beyond it, a
// tiny heap would be allowed far more garbage than the floor.
func Percent(base int, floor, live int64) int {
	const runtimeMinimum = 4 << 20
	live = max(live, 1)
	need := min((floor-live)*100/live, floor*100/runtimeMinimum)
	return int(max(int64(base), need))
}
