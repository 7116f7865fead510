package typeset

import (
	"container/list"
	"sync"
)

// lru is a bounded, concurrency-safe least-recently-used cache. Its cost
// function lets one cache bound bytes (glyph masks) and another bound
// entries (shaped paragraphs, custom fonts).
type lru[K comparable, V any] struct {
	mu      sync.Mutex
	max     int
	used    int
	cost    func(V) int
	order   *list.List
	entries map[K]*list.Element
}

type lruEntry[K comparable, V any] struct {
	key  K
	val  V
	cost int
}

// newLRU returns a cache holding at most max units; cost nil counts entries.
func newLRU[K comparable, V any](max int, cost func(V) int) *lru[K, V] {
	if cost == nil {
		cost = func(V) int { return 1 }
	}
	return &lru[K, V]{max: max, cost: cost, order: list.New(), entries: map[K]*list.Element{}}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry[K, V]).val, true
	}
	var zero V
	return zero, false
}

func (c *lru[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		old := e.Value.(*lruEntry[K, V])
		c.used -= old.cost
		old.val, old.cost = v, c.cost(v)
		c.used += old.cost
		c.order.MoveToFront(e)
	} else {
		ent := &lruEntry[K, V]{key: k, val: v, cost: c.cost(v)}
		c.entries[k] = c.order.PushFront(ent)
		c.used += ent.cost
	}
	for c.used > c.max && c.order.Len() > 1 {
		back := c.order.Back()
		ent := back.Value.(*lruEntry[K, V])
		c.order.Remove(back)
		delete(c.entries, ent.key)
		c.used -= ent.cost
	}
}

func (c *lru[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
