package pixels

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPlanesReuseWithinIdleBudget(t *testing.T) {
	const mb = 1 << 20
	p := &Planes{MinBytes: mb, IdleBytes: 3 * mb}
	a := p.Get(2 * mb)
	a[0], a[len(a)-1] = 7, 9
	p.Put(a)
	mapped, idle := p.Stats()
	require.Equal(t, 2*mb, mapped)
	require.Equal(t, 2*mb, idle)

	b := p.Get(2*mb - 100) // the idle plane, contents as left
	require.Equal(t, byte(7), b[0])
	require.Len(t, b, 2*mb-100)
	_, idle = p.Stats()
	require.Zero(t, idle)

	c := p.Get(2 * mb) // none idle: a new mapping
	p.Put(b)
	p.Put(c) // 4 MB idle is over the 3 MB budget: the oldest goes
	mapped, idle = p.Stats()
	require.Equal(t, 2*mb, mapped, "the plane beyond the idle budget is unmapped")
	require.Equal(t, 2*mb, idle)
}

func TestPlanesLeaveSmallAndForeignSlicesToTheHeap(t *testing.T) {
	p := &Planes{MinBytes: 1 << 20, IdleBytes: 64 << 20}
	small := p.Get(1000)
	require.Len(t, small, 1000)
	p.Put(small)
	p.Put(make([]byte, 4<<20)) // not one of its planes
	big := p.Get(2 << 20)
	p.Put(big[1:]) // a sub-slice is not the plane
	mapped, idle := p.Stats()
	require.Equal(t, 2<<20, mapped)
	require.Zero(t, idle)
	p.Put(big)
	_, idle = p.Stats()
	require.Equal(t, 2<<20, idle)
}

// A plane is outside the Go heap: the collector neither counts it nor
// lets the heap goal grow by it (the point of Planes).
func TestPlanesAreNotGoHeap(t *testing.T) {
	p := &Planes{MinBytes: 1 << 20, IdleBytes: 64 << 20}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var held [][]byte
	for range 4 {
		s := p.Get(8 << 20)
		for i := 0; i < len(s); i += 4096 {
			s[i] = 1
		}
		held = append(held, s)
	}
	runtime.ReadMemStats(&after)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "32 MB of planes allocated on the Go heap")
	for _, s := range held {
		p.Put(s)
	}
}
