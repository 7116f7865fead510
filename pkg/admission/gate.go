// Package admission decides which work may start now so that a process
// stays inside its memory budget and one API key cannot starve the others:
// a Gate hands out render slots charged with each render's estimated bytes,
// fairly across keys, and Bytes bounds the request bodies being read.
// (A render that overruns its deadline is abandoned by core.RenderWithin,
// which releases its ticket only when the render really returns.)
package admission

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrBusy is returned when a render could not be admitted within its wait.
var ErrBusy = errors.New("admission: at capacity")

// GateOptions configure a Gate.
type GateOptions struct {
	// Slots is how many renders may run at once (at least 1).
	Slots int
	// Bytes is the memory the running renders' estimates may add up to; a
	// single estimate above it is charged as Bytes (it then runs alone).
	Bytes int64
	// Heavy is the estimate above which a render may not take the last
	// free slot (when Slots > 1), so heavy renders together use at most
	// Slots-1 slots and a light request always finds one soon. Zero: Bytes/4.
	Heavy int64
}

// Gate admits renders. A render needs a slot and its estimated bytes from
// the budget. When capacity frees, waiting keys are served fairly: the key
// with the fewest renders running goes first (ties: the one waiting
// longest), first come first served within a key; a waiter that does not
// fit lets a later one that does go first. It is safe for concurrent use.
type Gate struct {
	o GateOptions

	mu      sync.Mutex
	running int
	used    int64
	seq     uint64
	keys    map[string]*keyState
}

type keyState struct {
	running int
	waiting []*waiter
}

type waiter struct {
	key   string
	cost  int64
	seq   uint64
	ready chan struct{} // closed when granted
}

// HeavyBytes is the Heavy threshold the API and worker use: 64 MB is a
// render of about a 4-megapixel canvas with a full-size layer; cards and
// banners estimate at 20-30 MB.
const HeavyBytes = 64 << 20

// NewGate returns a Gate.
func NewGate(o GateOptions) *Gate {
	o.Slots = max(o.Slots, 1)
	o.Bytes = max(o.Bytes, 1)
	if o.Heavy <= 0 {
		o.Heavy = o.Bytes / 4
	}
	return &Gate{o: o, keys: map[string]*keyState{}}
}

// Ticket is an admitted render; Release it when the render's memory is
// free again.
type Ticket struct {
	g    *Gate
	key  string
	cost int64
	once sync.Once
}

// Heavy reports whether the ticket's render counts as heavy.
func (t *Ticket) Heavy() bool { return t.cost > t.g.o.Heavy }

// Release returns the ticket's slot and bytes; later calls do nothing.
func (t *Ticket) Release() {
	t.once.Do(func() {
		t.g.mu.Lock()
		defer t.g.mu.Unlock()
		t.g.releaseLocked(t.key, t.cost)
	})
}

// releaseLocked gives back one render's slot and bytes and starts whoever
// now fits.
func (g *Gate) releaseLocked(key string, cost int64) {
	g.running--
	g.used -= cost
	k := g.keys[key]
	k.running--
	if k.running == 0 && len(k.waiting) == 0 {
		delete(g.keys, key)
	}
	g.grantLocked()
}

// Acquire admits one render of key estimated at cost bytes, waiting up to
// wait for capacity (ErrBusy after it) or until ctx ends (its error).
func (g *Gate) Acquire(ctx context.Context, key string, cost int64, wait time.Duration) (*Ticket, error) {
	cost = min(max(cost, 1), g.o.Bytes)
	g.mu.Lock()
	g.seq++
	w := &waiter{key: key, cost: cost, seq: g.seq, ready: make(chan struct{})}
	k := g.keys[key]
	if k == nil {
		k = &keyState{}
		g.keys[key] = k
	}
	k.waiting = append(k.waiting, w)
	g.grantLocked()
	g.mu.Unlock()

	t := &Ticket{g: g, key: key, cost: cost}
	select {
	case <-w.ready:
		return t, nil
	default:
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	var err error
	select {
	case <-w.ready:
		return t, nil
	case <-timer.C:
		err = ErrBusy
	case <-ctx.Done():
		err = ctx.Err()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-w.ready: // granted meanwhile: it was counted, give it back
		g.releaseLocked(key, cost)
		return nil, err
	default:
	}
	k = g.keys[key]
	for i, x := range k.waiting {
		if x == w {
			k.waiting = append(k.waiting[:i], k.waiting[i+1:]...)
			break
		}
	}
	if k.running == 0 && len(k.waiting) == 0 {
		delete(g.keys, key)
	}
	// The waiter that left may have been its key's head: the one behind
	// it may fit.
	g.grantLocked()
	return nil, err
}

// fits reports whether a render of cost can start now.
func (g *Gate) fits(cost int64) bool {
	if g.running >= g.o.Slots || g.used+cost > g.o.Bytes {
		return false
	}
	if cost > g.o.Heavy && g.o.Slots > 1 && g.running+1 >= g.o.Slots {
		return false // the last slot stays for light renders
	}
	return true
}

// grantLocked starts every waiter that fits, fairest key first.
func (g *Gate) grantLocked() {
	for {
		var best *keyState
		for _, k := range g.keys {
			if len(k.waiting) == 0 || !g.fits(k.waiting[0].cost) {
				continue
			}
			if best == nil || k.running < best.running ||
				k.running == best.running && k.waiting[0].seq < best.waiting[0].seq {
				best = k
			}
		}
		if best == nil {
			return
		}
		w := best.waiting[0]
		best.waiting = best.waiting[1:]
		best.running++
		g.running++
		g.used += w.cost
		close(w.ready)
	}
}
