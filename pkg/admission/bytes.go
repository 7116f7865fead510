package admission

import (
	"runtime/debug"

	"golang.org/x/sync/semaphore"
)

// Bytes bounds the bytes held by requests in flight before their render is
// admitted (bodies being read and decoded). It never waits: a request that
// does not fit is refused at once, so refused requests hold nothing.
type Bytes struct {
	sem *semaphore.Weighted
	max int64
}

// NewBytes returns a budget of n bytes (at least 1).
func NewBytes(n int64) *Bytes {
	n = max(n, 1)
	return &Bytes{sem: semaphore.NewWeighted(n), max: n}
}

// TryAcquire takes n bytes (a request larger than the whole budget takes
// all of it) and returns the function that gives them back, or ok false
// when they are not free now.
func (b *Bytes) TryAcquire(n int64) (release func(), ok bool) {
	n = min(max(n, 1), b.max)
	if !b.sem.TryAcquire(n) {
		return nil, false
	}
	return func() { b.sem.Release(n) }, true
}

// Split divides a process's memory limit: a quarter for bodies in flight,
// Reserve for what every process holds (fonts, the segmentation model,
// caches, the runtime), the rest for renders. A limit below twice Reserve
// gives renders at least a quarter.
func Split(limit int64) (bodies, renders int64) {
	bodies = limit / 4
	renders = max(limit-bodies-Reserve, limit/4)
	return bodies, renders
}

// Reserve is the memory Split keeps out of the render budget for what a
// process holds regardless of requests: measured at 150-190 MB resident
// after fonts, the U²-Netp model and a load run (docs/RELIABILITY.md).
const Reserve = 256 << 20

// SetGoMemoryLimit makes limit the Go runtime's soft memory limit, so the
// collector works harder and returns memory to the system as the heap
// nears it, unless the operator set GOMEMLIMIT (getenv), which wins.
func SetGoMemoryLimit(limit int64, getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(limit)
	}
}
