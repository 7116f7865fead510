// Package lru is a bounded, concurrency-safe least-recently-used cache.
// Its cost function lets one cache bound bytes (images, glyph masks) and
// another bound entries. hashicorp's golang-lru bounds entry counts only.
package lru

import (
	"container/list"
	"sync"
)

// Cache holds at most Max units of cost. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu      sync.Mutex
	max     int64
	used    int64
	cost    func(V) int64
	order   *list.List // of *entry, most recent first
	entries map[K]*list.Element
}

type entry[K comparable, V any] struct {
	key  K
	val  V
	cost int64
}

// New returns a cache holding at most max units; cost nil counts entries.
func New[K comparable, V any](max int64, cost func(V) int64) *Cache[K, V] {
	if cost == nil {
		cost = func(V) int64 { return 1 }
	}
	return &Cache[K, V]{max: max, cost: cost, order: list.New(), entries: map[K]*list.Element{}}
}

// Get returns the value of k and makes it the most recent.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*entry[K, V]).val, true
	}
	var zero V
	return zero, false
}

// Put stores v under k, dropping the least recent entries until the cost
// fits, and returns how many it dropped. A value costing more than the
// whole cache is not stored (and an older value of k goes).
func (c *Cache[K, V]) Put(k K, v V) (evicted int) {
	cost := c.cost(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.remove(e)
	}
	if cost > c.max {
		return 0
	}
	c.entries[k] = c.order.PushFront(&entry[K, V]{key: k, val: v, cost: cost})
	c.used += cost
	for c.used > c.max {
		c.remove(c.order.Back())
		evicted++
	}
	return evicted
}

// Remove drops k.
func (c *Cache[K, V]) Remove(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.remove(e)
	}
}

func (c *Cache[K, V]) remove(e *list.Element) {
	ent := e.Value.(*entry[K, V])
	c.order.Remove(e)
	delete(c.entries, ent.key)
	c.used -= ent.cost
}

// Len is the number of entries.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Used is the total cost of the entries.
func (c *Cache[K, V]) Used() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}
