// Package rendercache renders identical work once, across every API
// process: an in-process LRU bounded in bytes in front of a shared Redis
// that runs an LRU eviction policy (never the queue's Redis, which runs
// noeviction). Concurrent misses for one key wait for one render: inside
// a process through singleflight (golang.org/x/sync), across processes
// through a Redis lock (SET NX PX) whose holder renders and stores while
// the others poll for the result. The key is a digest of the renderer's
// version and the canonical request, so a new build or any change of the
// request is a new entry. Outcomes are reported as RFC 9211 Cache-Status
// values. The local LRU is a container/list keyed by map: hashicorp's
// golang-lru bounds entry counts, not bytes.
package rendercache

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
)

// The Cache-Status values (RFC 9211) a lookup reports.
const (
	StatusHit    = "strata; hit"
	StatusMiss   = "strata; fwd=miss"
	StatusBypass = "strata; fwd=request" // the client sent Cache-Control: no-cache
	// StatusCollapsed is a miss that waited for another request's render
	// in this process (RFC 9211 §2.6).
	StatusCollapsed = StatusMiss + "; collapsed"
)

// Options configure a Cache.
type Options struct {
	// Redis is the shared store; nil caches in this process only.
	Redis *redis.Client
	// MaxBytes bounds the in-process LRU; MaxEntryBytes bounds one image
	// (larger ones are rendered every time).
	MaxBytes, MaxEntryBytes int64
	// TTL is how long Redis keeps an entry.
	TTL time.Duration
	// LockTTL bounds how long another process waits on a render holding
	// the lock (the render timeout plus a margin).
	LockTTL time.Duration
	// Poll is how often a process waiting on another's render looks.
	Poll time.Duration
}

// Cache is a render cache. It is safe for concurrent use.
type Cache struct {
	o     Options
	group singleflight.Group

	mu    sync.Mutex
	lru   *list.List // of *entry, most recent first
	items map[string]*list.Element
	size  int64

	hits      *prometheus.CounterVec
	misses    prometheus.Counter
	bypasses  prometheus.Counter
	evictions prometheus.Counter
	bytes     prometheus.Gauge
}

type entry struct {
	key string
	res core.Result
}

// New returns a cache.
func New(o Options) *Cache {
	if o.Poll <= 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.LockTTL <= 0 {
		o.LockTTL = time.Minute
	}
	return &Cache{
		o: o, lru: list.New(), items: map[string]*list.Element{},
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "strata_render_cache_hits_total",
			Help: "Renders answered from the render cache, by tier (local, shared)."}, []string{"tier"}),
		misses: prometheus.NewCounter(prometheus.CounterOpts{Name: "strata_render_cache_misses_total",
			Help: "Renders the render cache did not hold, rendered by this process."}),
		bypasses: prometheus.NewCounter(prometheus.CounterOpts{Name: "strata_render_cache_bypasses_total",
			Help: "Renders asked with Cache-Control: no-cache."}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{Name: "strata_render_cache_evictions_total",
			Help: "Entries the in-process render cache dropped to stay within STRATA_CACHE_MAX_BYTES."}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "strata_render_cache_bytes",
			Help: "Bytes of images held by the in-process render cache."}),
	}
}

// Collectors are the cache's metrics, for /metrics.
func (c *Cache) Collectors() []prometheus.Collector {
	return []prometheus.Collector{c.hits, c.misses, c.bypasses, c.evictions, c.bytes}
}

// Key is the cache key of req rendered by rendererVersion: a digest of
// the decoded request (so both spellings of a field, key order and
// whitespace make one entry), without webhook_url.
func Key(rendererVersion string, req *schema.Request) string {
	h := sha256.New()
	h.Write([]byte(rendererVersion + "\n"))
	r := *req
	r.WebhookURL = ""
	_ = json.NewEncoder(h).Encode(&r) // writes to a hash never fail
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// RenderFunc renders the request a key stands for.
type RenderFunc func(ctx context.Context) (core.Result, error)

// Get returns the image for key, rendering it with fn when no process
// holds it, and the Cache-Status value saying which happened. bypass
// renders without looking (and stores the fresh result).
func (c *Cache) Get(ctx context.Context, key string, bypass bool, fn RenderFunc) (core.Result, string, error) {
	if bypass {
		c.bypasses.Inc()
		res, err := fn(ctx)
		if err == nil {
			c.store(ctx, key, res)
		}
		return res, StatusBypass, err
	}
	if res, ok := c.local(key); ok {
		c.hits.WithLabelValues("local").Inc()
		return res, StatusHit, nil
	}
	type outcome struct {
		res    core.Result
		status string
	}
	// The shared work must not end with its first caller: the others
	// wait on it too. fn bounds it with the render timeout.
	leader := false
	v, err, _ := c.group.Do(key, func() (any, error) {
		leader = true // only the caller that runs the work gets here
		res, status, err := c.fill(context.WithoutCancel(ctx), key, fn)
		return outcome{res, status}, err
	})
	if err != nil {
		return core.Result{}, "", err
	}
	o := v.(outcome)
	if o.status == StatusMiss && !leader {
		o.status = StatusCollapsed
	}
	return o.res, o.status, nil
}

// fill finds key in Redis, or renders it under the cross-process lock, or
// waits for the process holding the lock.
func (c *Cache) fill(ctx context.Context, key string, fn RenderFunc) (core.Result, string, error) {
	if c.o.Redis == nil {
		return c.renderAndStore(ctx, key, fn)
	}
	lock := "strata:rc:lock:" + key
	deadline := time.Now().Add(c.o.LockTTL)
	for {
		if res, ok := c.shared(ctx, key); ok {
			return res, StatusHit, nil
		}
		won, err := c.o.Redis.SetNX(ctx, lock, 1, c.o.LockTTL).Result()
		if won {
			// The previous holder may have stored and released between
			// our look and our lock: look again before rendering.
			if res, ok := c.shared(ctx, key); ok {
				c.o.Redis.Del(ctx, lock)
				return res, StatusHit, nil
			}
		}
		if err != nil || won || time.Now().After(deadline) {
			// Redis down, our turn, or a holder that never finished:
			// render here.
			res, status, rerr := c.renderAndStore(ctx, key, fn)
			if won {
				c.o.Redis.Del(ctx, lock)
			}
			return res, status, rerr
		}
		select {
		case <-ctx.Done():
			return core.Result{}, "", ctx.Err()
		case <-time.After(c.o.Poll):
		}
		// The holder is gone without storing (failed, or the image was
		// over the entry cap): the next turn takes the lock.
	}
}

func (c *Cache) renderAndStore(ctx context.Context, key string, fn RenderFunc) (core.Result, string, error) {
	c.misses.Inc()
	res, err := fn(ctx)
	if err != nil {
		return core.Result{}, "", err
	}
	c.store(ctx, key, res)
	return res, StatusMiss, nil
}

func (c *Cache) store(ctx context.Context, key string, res core.Result) {
	if int64(len(res.Data)) > c.o.MaxEntryBytes {
		return
	}
	c.put(key, res)
	if c.o.Redis != nil {
		c.o.Redis.Set(ctx, "strata:rc:"+key, encode(res), c.o.TTL)
	}
}

func (c *Cache) shared(ctx context.Context, key string) (core.Result, bool) {
	b, err := c.o.Redis.Get(ctx, "strata:rc:"+key).Bytes()
	if err != nil {
		return core.Result{}, false
	}
	res, err := decode(b)
	if err != nil {
		return core.Result{}, false
	}
	c.hits.WithLabelValues("shared").Inc()
	c.put(key, res)
	return res, true
}

func (c *Cache) local(key string) (core.Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return core.Result{}, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*entry).res, true
}

func (c *Cache) put(key string, res core.Result) {
	n := int64(len(res.Data))
	if n > c.o.MaxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.size -= int64(len(el.Value.(*entry).res.Data))
		c.lru.Remove(el)
	}
	c.items[key] = c.lru.PushFront(&entry{key, res})
	c.size += n
	for c.size > c.o.MaxBytes {
		old := c.lru.Back()
		e := old.Value.(*entry)
		c.lru.Remove(old)
		delete(c.items, e.key)
		c.size -= int64(len(e.res.Data))
		c.evictions.Inc()
	}
	c.bytes.Set(float64(c.size))
}

// encode lays an entry out as width, height (4 bytes each), the media
// type's length (1 byte), the media type, the warnings' JSON length (4
// bytes), the warnings as JSON and the image.
func encode(r core.Result) []byte {
	var ws []byte
	if len(r.Warnings) > 0 {
		ws, _ = json.Marshal(r.Warnings) // strings only: cannot fail
	}
	b := make([]byte, 9, 13+len(r.MimeType)+len(ws)+len(r.Data))
	binary.BigEndian.PutUint32(b[0:], uint32(r.Width))
	binary.BigEndian.PutUint32(b[4:], uint32(r.Height))
	b[8] = byte(len(r.MimeType))
	b = append(b, r.MimeType...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ws)))
	b = append(b, ws...)
	return append(b, r.Data...)
}

var errCorrupt = errors.New("rendercache: corrupt entry")

func decode(b []byte) (core.Result, error) {
	if len(b) < 13 || len(b) < 13+int(b[8]) {
		return core.Result{}, errCorrupt
	}
	mt := string(b[9 : 9+int(b[8])])
	if !strings.HasPrefix(mt, "image/") {
		return core.Result{}, errCorrupt
	}
	rest := b[9+int(b[8]):]
	n := binary.BigEndian.Uint32(rest)
	if uint64(n) > uint64(len(rest)-4) {
		return core.Result{}, errCorrupt
	}
	res := core.Result{
		Width: int(binary.BigEndian.Uint32(b[0:])), Height: int(binary.BigEndian.Uint32(b[4:])),
		MimeType: mt, Data: rest[4+n:],
	}
	if n > 0 {
		if err := json.Unmarshal(rest[4:4+n], &res.Warnings); err != nil {
			return core.Result{}, errCorrupt
		}
	}
	return res, nil
}
