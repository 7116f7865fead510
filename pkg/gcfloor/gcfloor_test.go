package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPercent(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		name        string
		base        int
		floor, live int64
		want        int
	}{
		{"tiny heap: capped where the runtime's 4 MB minimum reaches the floor", 100, 32 * mb, 1 * mb, 800},
		{"small heap", 100, 32 * mb, 8 * mb, 300},
		{"half the floor doubles to it", 100, 32 * mb, 16 * mb, 100},
		{"large heap keeps the base", 100, 32 * mb, 200 * mb, 100},
		{"no live heap yet", 100, 32 * mb, 0, 800},
		{"a higher base wins", 400, 32 * mb, 16 * mb, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Percent(tc.base, tc.floor, tc.live))
		})
	}
}

var sink []byte

// collections allocates n bytes of garbage in 64 KB pieces and returns how
// many collections that took.
func collections(n int) uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	for range n / (64 << 10) {
		sink = make([]byte, 64<<10)
	}
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// TestFloorCutsCollectionsOfASmallHeap: with a small live heap, the floor
// makes the same garbage cost several times fewer collections, and stop
// gives the base GOGC back.
func TestFloorCutsCollectionsOfASmallHeap(t *testing.T) {
	t.Setenv("GOGC", "100")
	debug.SetGCPercent(100) // the runtime read GOGC at start-up; an earlier test may have moved it
	runtime.GC()
	without := collections(256 << 20)

	stop := Start(64 << 20)
	runtime.GC()
	time.Sleep(3 * checkEvery) // the tuner sees the collection and raises GOGC
	goal := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(goal)
	with := collections(256 << 20)
	stop()
	t.Logf("256 MB of garbage: %d collections without the floor, %d with; heap goal %d MB", without, with, goal[0].Value.Uint64()>>20)
	require.Less(t, with*4, without)
	// The goal, not the count of collections, says how much garbage may
	// gather: on a loaded machine a concurrent cycle can run while most
	// of the 256 MB is allocated, so the count alone can fall to one.
	require.InDelta(t, 64<<20, float64(goal[0].Value.Uint64()), 8<<20, "the heap goal sits at the floor: no more than about the floor's worth of garbage between collections")
	require.Equal(t, 100, debug.SetGCPercent(100), "stop restores the base GOGC")
}

// TestFloorLeavesALargeHeapAlone: once the live heap reaches half the
// floor, GOGC is the base again.
func TestFloorLeavesALargeHeapAlone(t *testing.T) {
	t.Setenv("GOGC", "100")
	stop := Start(16 << 20)
	defer stop()
	live := make([][]byte, 0, 512)
	for range cap(live) {
		live = append(live, make([]byte, 64<<10)) // 32 MB kept
	}
	runtime.GC()
	require.Eventually(t, func() bool {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p == 100
	}, 2*time.Second, checkEvery)
	runtime.KeepAlive(live)
}

// TestOffLeavesGOGCAlone: GOGC=off is the operator's choice; Start does
// nothing.
func TestOffLeavesGOGCAlone(t *testing.T) {
	t.Setenv("GOGC", "off")
	before := debug.SetGCPercent(100)
	stop := Start(64 << 20)
	runtime.GC()
	time.Sleep(3 * checkEvery)
	require.Equal(t, 100, debug.SetGCPercent(before))
	stop()
}
