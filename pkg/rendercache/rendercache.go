// Package rendercache renders identical work once, across every API
// process: an in-process LRU bounded in bytes in front of a shared Redis
// that runs an LRU eviction policy (never the queue's Redis, which runs
// noeviction). Concurrent misses for one key wait for one render: inside
// a process through singleflight (golang.org/x/sync), across processes
// through a lock in the entry's own Redis key (SET NX GET, Redis ≥ 7.0)
// whose holder renders and stores while the others poll for the result.
// The image goes to Redis after the caller has it, so what a miss adds to
// the render's latency is one round trip. The key is a digest of the
// renderer's version and the canonical request, so a new build or any
// change of the request is a new entry. Outcomes are reported as RFC 9211 Cache-Status
// values.
//
// A render that fetched URLs (images, fonts) depends on bytes the request
// does not contain: its entry records their digest (core.Result.Assets)
// and lives at most AssetTTL, after which the next request renders again
// and so fetches again; a changed asset then makes a new image and a new
// Assets digest (and so a new ETag), an unchanged one the same.
package rendercache

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/lru"
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
	// AssetTTL is how long an entry whose render fetched URLs is trusted
	// (5 minutes when zero): the revalidation window of fetched assets.
	AssetTTL time.Duration
	// LockTTL bounds how long another process waits on a render holding
	// the lock (the render timeout plus a margin).
	LockTTL time.Duration
	// Poll is how often a process waiting on another's render looks.
	Poll time.Duration
	// MaxPendingBytes bounds the images whose store to Redis runs after
	// their answer (64 MB when zero); beyond it a store runs before.
	MaxPendingBytes int64
}

// Cache is a render cache. It is safe for concurrent use.
type Cache struct {
	o            Options
	group        singleflight.Group
	pending      sync.WaitGroup // stores to Redis under way
	pendingBytes atomic.Int64   // their images' bytes

	items *lru.Cache[string, entry]
	now   func() time.Time // time.Now; tests move it

	hits      *prometheus.CounterVec
	misses    prometheus.Counter
	bypasses  prometheus.Counter
	evictions prometheus.Counter
	bytes     prometheus.Gauge
}

// entry is a cached image; an image made from fetched assets expires.
type entry struct {
	res     core.Result
	expires time.Time // zero: never (in this process; Redis has its TTL)
}

// New returns a cache.
func New(o Options) *Cache {
	if o.Poll <= 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.LockTTL <= 0 {
		o.LockTTL = time.Minute
	}
	if o.AssetTTL <= 0 {
		o.AssetTTL = 5 * time.Minute
	}
	if o.MaxPendingBytes <= 0 {
		o.MaxPendingBytes = 64 << 20
	}
	return &Cache{
		o: o, now: time.Now, items: lru.New[string, entry](o.MaxBytes, func(e entry) int64 { return int64(len(e.res.Data)) }),
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
			c.store(ctx, key, res, false)
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

// lockValue is what the entry's key holds while a process renders it:
// the lock and the entry are one key, so one native command looks and
// locks (SET NX GET, Redis ≥ 7.0) and one stores and unlocks (SET). An
// entry is never this short (encode writes at least 17 bytes).
const lockValue = "L"

// fill finds key in Redis, or renders it under the cross-process lock, or
// waits for the process holding the lock.
func (c *Cache) fill(ctx context.Context, key string, fn RenderFunc) (core.Result, string, error) {
	if c.o.Redis == nil {
		return c.renderAndStore(ctx, key, fn, false)
	}
	deadline := time.Now().Add(c.o.LockTTL)
	for {
		// The entry if there is one, else the lock if free: one round
		// trip, and no gap between the look and the lock in which a
		// holder could store.
		v, err := c.o.Redis.SetArgs(ctx, redisKey(key), lockValue, redis.SetArgs{Mode: "NX", Get: true, TTL: c.o.LockTTL}).Result()
		won := errors.Is(err, redis.Nil) // no entry, no holder: the lock is ours
		if err == nil && v != lockValue {
			if res, ok := c.found(key, []byte(v)); ok {
				return res, StatusHit, nil
			}
			// Stale or unreadable: the process that swaps it for the
			// lock renders again, the others wait as for a holder.
			won, err = takeStale.Run(ctx, c.o.Redis, []string{redisKey(key)}, v[:min(len(v), 64)], lockValue, c.o.LockTTL.Milliseconds()).Bool()
		}
		if won || err != nil || time.Now().After(deadline) {
			// Our turn, Redis down (or refusing the command), or a holder
			// that never finished: render here.
			return c.renderAndStore(ctx, key, fn, won)
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

// takeStale swaps the entry KEYS[1] for the lock ARGV[2] (for ARGV[3] ms)
// if it still starts with ARGV[1], the head of the stale entry the caller
// read (its size and expiry, media type and assets digest): of the
// processes that read it, one renders again. Rare: Redis drops an entry
// made from fetched assets when it goes stale.
var takeStale = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`)

func redisKey(key string) string { return "strata:rc:" + key }

// renderAndStore renders and stores the image; locked says this process
// holds the entry's lock, which the store (or, on failure, a delete)
// releases.
func (c *Cache) renderAndStore(ctx context.Context, key string, fn RenderFunc, locked bool) (core.Result, string, error) {
	c.misses.Inc()
	res, err := fn(ctx)
	if err != nil {
		if locked {
			c.o.Redis.Del(ctx, redisKey(key))
		}
		return core.Result{}, "", err
	}
	c.store(ctx, key, res, locked)
	return res, StatusMiss, nil
}

// store keeps res here at once and in the shared store (unless it is over
// the entry cap) after the caller has it: the write to Redis runs in the
// background, off the response's path (Flush waits for it). Processes
// waiting on the lock see the entry when it lands; this process's next
// request finds it in the LRU before that. locked releases the lock: the
// entry replaces it, or a delete when the image is not kept.
func (c *Cache) store(ctx context.Context, key string, res core.Result, locked bool) {
	keep := int64(len(res.Data)) <= c.o.MaxEntryBytes
	e, ttl := entry{res: res}, c.o.TTL
	if res.Assets != "" {
		e.expires = c.now().Add(c.o.AssetTTL)
		ttl = min(ttl, c.o.AssetTTL)
	}
	if keep {
		c.put(key, e)
	}
	if c.o.Redis == nil || (!keep && !locked) {
		return
	}
	write := func() {
		// A cache that fails to store only costs a render (and a held
		// lock, its LockTTL).
		if keep {
			c.o.Redis.Set(ctx, redisKey(key), encode(e), ttl)
		} else {
			c.o.Redis.Del(ctx, redisKey(key))
		}
	}
	// Stores in the background hold their images' bytes (and a copy)
	// until Redis answers: past MaxPendingBytes of them (a slow or
	// unreachable Redis) the caller writes its own, as back pressure.
	n := int64(len(res.Data))
	if c.pendingBytes.Add(n) > c.o.MaxPendingBytes {
		c.pendingBytes.Add(-n)
		write()
		return
	}
	ctx = context.WithoutCancel(ctx)
	c.pending.Add(1)
	go func() {
		defer c.pending.Done()
		defer c.pendingBytes.Add(-n)
		write()
	}()
}

// Flush waits until every image rendered so far is in the shared store
// (or has failed to get there): before the Redis client closes, and in
// tests that look at Redis.
func (c *Cache) Flush() { c.pending.Wait() }

// found reads an entry the shared store held for key.
func (c *Cache) found(key string, b []byte) (core.Result, bool) {
	e, err := decode(b)
	if err != nil || e.stale(c.now()) {
		return core.Result{}, false
	}
	c.hits.WithLabelValues("shared").Inc()
	c.put(key, e)
	return e.res, true
}

func (e entry) stale(now time.Time) bool { return !e.expires.IsZero() && !now.Before(e.expires) }

func (c *Cache) local(key string) (core.Result, bool) {
	e, ok := c.items.Get(key)
	if !ok {
		return core.Result{}, false
	}
	if e.stale(c.now()) {
		c.items.Remove(key)
		c.bytes.Set(float64(c.items.Used()))
		return core.Result{}, false
	}
	return e.res, true
}

func (c *Cache) put(key string, e entry) {
	c.evictions.Add(float64(c.items.Put(key, e)))
	c.bytes.Set(float64(c.items.Used()))
}

// encode lays an entry out as width, height (4 bytes each), the expiry
// (Unix milliseconds, 0 for none; 8 bytes), the media type's length (1
// byte), the media type, the assets digest's length (1 byte), the digest,
// the warnings' JSON length (4 bytes), the warnings as JSON and the image.
func encode(e entry) []byte {
	r := e.res
	var ws []byte
	if len(r.Warnings) > 0 {
		ws, _ = json.Marshal(r.Warnings) // strings only: cannot fail
	}
	b := make([]byte, 17, 22+len(r.MimeType)+len(r.Assets)+len(ws)+len(r.Data))
	binary.BigEndian.PutUint32(b[0:], uint32(r.Width))
	binary.BigEndian.PutUint32(b[4:], uint32(r.Height))
	if !e.expires.IsZero() {
		binary.BigEndian.PutUint64(b[8:], uint64(e.expires.UnixMilli()))
	}
	b[16] = byte(len(r.MimeType))
	b = append(b, r.MimeType...)
	b = append(b, byte(len(r.Assets)))
	b = append(b, r.Assets...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(ws)))
	b = append(b, ws...)
	return append(b, r.Data...)
}

var errCorrupt = errors.New("rendercache: corrupt entry")

// mediaType reports whether mt is a type a render makes: an image, or a
// PDF document (output_format pdf).
func mediaType(mt string) bool {
	return strings.HasPrefix(mt, "image/") || mt == "application/pdf"
}

func decode(b []byte) (entry, error) {
	if len(b) < 17 || len(b) < 17+int(b[16]) {
		return entry{}, errCorrupt
	}
	mt, rest := string(b[17:17+int(b[16])]), b[17+int(b[16]):]
	if !mediaType(mt) || len(rest) < 1+int(rest[0])+4 {
		return entry{}, errCorrupt
	}
	assets, rest := string(rest[1:1+int(rest[0])]), rest[1+int(rest[0]):]
	n := binary.BigEndian.Uint32(rest)
	if uint64(n) > uint64(len(rest)-4) {
		return entry{}, errCorrupt
	}
	e := entry{res: core.Result{
		Width: int(binary.BigEndian.Uint32(b[0:])), Height: int(binary.BigEndian.Uint32(b[4:])),
		MimeType: mt, Assets: assets, Data: rest[4+n:],
	}}
	if n > 0 {
		if err := json.Unmarshal(rest[4:4+n], &e.res.Warnings); err != nil {
			return entry{}, errCorrupt
		}
	}
	if ms := binary.BigEndian.Uint64(b[8:]); ms != 0 {
		e.expires = time.UnixMilli(int64(ms))
	}
	return e, nil
}
