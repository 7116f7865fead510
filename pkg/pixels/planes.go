package pixels

import (
	"sync"
	"syscall"
	"unsafe"
)

// Planes hands out large byte planes (whole canvases: 11 MB for a
// 2000×1414 certificate) from anonymous memory mappings outside the Go
// heap, and keeps the ones given back for the next Get up to IdleBytes.
//
// Why not a Pool: the collector counts a pooled plane as live heap, and it
// lets the heap grow to twice the live heap (GOGC 100) before it
// collects, so every 11 MB plane kept for reuse cost about 22 MB of
// resident memory (docs/PERFORMANCE.md, "Against takumi"). A plane here
// costs its own size while in use or idle and nothing once unmapped.
//
// The price is that a plane is not garbage collected: whoever Gets one
// must Put it back exactly once and must not touch it afterwards (the
// same rule the Pool's users keep, where breaking it corrupts a render
// instead of faulting). A plane never given back stays mapped. Planes
// smaller than MinBytes come from the Go heap and Put drops them, as it
// drops any slice it did not hand out.
//
// The zero Planes keeps nothing idle; set IdleBytes before first use.
type Planes struct {
	// MinBytes is the smallest plane mapped outside the heap.
	MinBytes int
	// IdleBytes is how much given-back memory is kept mapped for reuse;
	// beyond it the oldest idle planes are unmapped.
	IdleBytes int

	mu     sync.Mutex
	mapped map[*byte]int // every live mapping: base → size
	idle   [][]byte      // given back, oldest first, full capacity
	idleN  int           // bytes in idle
}

// Get returns a plane of length n whose contents are whatever its last
// user left (zero when freshly mapped).
func (p *Planes) Get(n int) []byte {
	if n < p.MinBytes || n <= 0 {
		return make([]byte, n)
	}
	p.mu.Lock()
	best := -1
	for i, s := range p.idle {
		if cap(s) >= n && (best < 0 || cap(s) < cap(p.idle[best])) {
			best = i
		}
	}
	if best >= 0 {
		s := p.idle[best]
		p.idle = append(p.idle[:best], p.idle[best+1:]...)
		p.idleN -= cap(s)
		p.mu.Unlock()
		return s[:n]
	}
	p.mu.Unlock()
	s, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n) // out of address space: let the heap try
	}
	p.mu.Lock()
	if p.mapped == nil {
		p.mapped = map[*byte]int{}
	}
	p.mapped[unsafe.SliceData(s)] = cap(s)
	p.mu.Unlock()
	return s
}

// Put gives back a plane Get returned (as returned, not a sub-slice;
// anything else is left to the collector).
func (p *Planes) Put(s []byte) {
	if cap(s) == 0 {
		return
	}
	base := unsafe.SliceData(s[:1])
	p.mu.Lock()
	size, ok := p.mapped[base]
	if !ok || size != cap(s) {
		p.mu.Unlock()
		return
	}
	p.idle = append(p.idle, s[:size])
	p.idleN += size
	var drop [][]byte
	for p.idleN > p.IdleBytes && len(p.idle) > 0 {
		old := p.idle[0]
		p.idle = p.idle[1:]
		p.idleN -= cap(old)
		delete(p.mapped, unsafe.SliceData(old))
		drop = append(drop, old)
	}
	p.mu.Unlock()
	for _, old := range drop {
		_ = syscall.Munmap(old)
	}
}

// Stats reports the bytes mapped (in use and idle) and the idle bytes.
func (p *Planes) Stats() (mapped, idle int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.mapped {
		mapped += n
	}
	return mapped, p.idleN
}
