// Command strata-api serves the image generation API.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/admin"
	"github.com/strata-render/strata/pkg/admission"
	"github.com/strata-render/strata/pkg/api"
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/gcfloor"
	"github.com/strata-render/strata/pkg/queue"
	"github.com/strata-render/strata/pkg/ratelimit"
	"github.com/strata-render/strata/pkg/redisbatch"
	"github.com/strata-render/strata/pkg/rendercache"
	"github.com/strata-render/strata/pkg/template"
	"github.com/strata-render/strata/pkg/vips"
)

func main() {
	cfg, err := config.LoadConfigFromEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "strata-api: bad configuration:\n%v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The API keeps a megabyte or two live and allocates ~25 KB a request:
	// without a floor it would collect dozens of times a second under load.
	defer gcfloor.Start(gcFloor)()
	m := NewMain(cfg)
	if err := m.Run(ctx); err != nil {
		m.Log.Error("start failed", "error", err.Error())
		os.Exit(1)
	}
	m.Log.Info("listening", "addr", m.Addr())
	<-ctx.Done()
	err = m.Close()
	// libvips goes last: after HTTP has drained and the engine is released.
	vips.Shutdown()
	if err != nil {
		m.Log.Error("shutdown", "error", err.Error())
		os.Exit(1)
	}
}

// gcFloor is the least garbage the API lets gather between collections
// (pkg/gcfloor); GOGC, when set, is the base it starts from.
const gcFloor = 32 << 20

// Main is the API process: configuration in, a listening server out.
type Main struct {
	Config config.Config
	Log    *slog.Logger

	engine *engine.Engine
	redis  *redis.Client
	queue  *queue.Client
	ln     net.Listener
	http   *http.Server
	done   chan error
	admin  *admin.Server
	cache  *redis.Client // the render cache's Redis, when shared
	// renders is the render cache, whose last stores Close waits for.
	renders *rendercache.Cache
	stop    context.CancelFunc
}

// NewMain returns a Main for cfg.
func NewMain(cfg config.Config) *Main {
	log := cfg.Logger(os.Stderr)
	queue.LogRedisTo(log)
	return &Main{Config: cfg, Log: log}
}

// Run builds the engine and starts serving; it returns once listening.
func (m *Main) Run(ctx context.Context) error {
	if len(m.Config.APIKeys) == 0 {
		return errors.New("STRATA_API_KEYS is empty: no client could authenticate")
	}
	eng, err := engine.New(m.Config, m.Log)
	if err != nil {
		return err
	}
	m.engine = eng
	store, err := engine.NewStorage(m.Config, core.KeyID)
	if err != nil {
		return err
	}
	// One dial per attempt, not go-redis's five 100 ms apart: with Redis
	// down, an async request should get its 503 in well under a second,
	// not after the 2 s queue timeout. Command retries (3, with backoff)
	// still ride over a blip. A redis-sentinel:// URL gives a failover
	// client that follows the sentinels to the current primary.
	if m.redis, err = config.NewRedis(m.Config.RedisURL, config.RedisTuning{DialerRetries: 1}); err != nil {
		return fmt.Errorf("STRATA_REDIS_URL: %w", err)
	}
	// Many requests in flight each make one or two small Redis calls:
	// sent together, they cost one round trip instead of one each.
	redisbatch.Attach(m.redis, redisbatch.Options{})
	rate := api.RateLimits{PerKey: map[string]ratelimit.Limit{},
		Default: ratelimit.Limit{PerMinute: m.Config.RateLimit, Burst: m.Config.RateBurst}}
	if m.Config.RateLimit > 0 {
		rate.Limiter = ratelimit.New(m.redis)
	}
	for key, l := range m.Config.KeyRateLimits {
		rate.PerKey[core.KeyID(key)] = ratelimit.Limit{PerMinute: l[0], Burst: l[1]}
	}
	qm := queue.NewMetrics()
	m.queue = queue.NewClient(queue.ClientOptions{
		Redis: m.redis, JobTTL: m.Config.JobTTL, RenderTimeout: m.Config.Limits.RenderTimeout,
		WaitReplicas: m.Config.RedisWaitReplicas, Metrics: qm, Logger: m.Log,
	})
	templates := template.NewStore(m.redis, m.Config.Limits, m.Log)
	var watchCtx context.Context
	watchCtx, m.stop = context.WithCancel(context.Background())
	if dir := m.Config.TemplatesDir; dir != "" {
		if err := templates.WatchDir(watchCtx, dir, 2*time.Second); err != nil {
			return err
		}
	}
	var cache *rendercache.Cache
	if m.Config.CacheMaxBytes > 0 {
		co := rendercache.Options{MaxBytes: m.Config.CacheMaxBytes, MaxEntryBytes: m.Config.CacheMaxEntryBytes,
			TTL: m.Config.CacheTTL, AssetTTL: m.Config.CacheAssetTTL, LockTTL: m.Config.Limits.RenderTimeout + 5*time.Second}
		if m.Config.CacheRedisURL != "" {
			// A cache that is down must cost little: the render goes on
			// without it (pkg/rendercache), after at most these waits.
			m.cache, err = config.NewRedis(m.Config.CacheRedisURL, config.RedisTuning{DialerRetries: 1,
				DialTimeout: 250 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second})
			if err != nil {
				return fmt.Errorf("STRATA_CACHE_REDIS_URL: %w", err)
			}
			co.Redis = m.cache
		}
		cache = rendercache.New(co)
		m.renders = cache
	}
	admission.SetGoMemoryLimit(m.Config.MemoryLimit, os.Getenv)
	admission.SetMinProcs(m.Config.RenderConcurrency, os.Getenv)
	bodies, renders := admission.Split(m.Config.MemoryLimit)
	srv := api.New(api.Options{
		BodyMemory:           bodies,
		RenderMemory:         renders,
		Templates:            templates,
		Cache:                cache,
		RendererVersion:      engine.RendererVersion(),
		AssetTTL:             m.Config.CacheAssetTTL,
		Async:                m.queue,
		Collectors:           []prometheus.Collector{qm, queue.NewDepthCollector(m.redis), eng.LayerLatency, eng.Warnings},
		Rate:                 rate,
		Keys:                 m.Config.APIKeys,
		AllowPrivateNetworks: m.Config.AllowPrivateNetworks,
		Resolver:             m.Config.Resolver(),
		Limits:               m.Config.Limits,
		Renderer:             eng.Renderer,
		RenderConcurrency:    m.Config.RenderConcurrency,
		Ready: map[string]api.Check{
			"fonts": eng.Ready,
			"redis": func(ctx context.Context) error { return m.redis.Ping(ctx).Err() },
		},
		Required: []string{"fonts"},
		Logger:   m.Log,
		Storage:  store,
	})
	m.ln, err = net.Listen("tcp", m.Config.ListenAddr)
	if err != nil {
		return fmt.Errorf("STRATA_LISTEN_ADDR=%q: %w", m.Config.ListenAddr, err)
	}
	m.http = &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      m.Config.Limits.RenderTimeout + 30*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	if m.Config.AdminAddr != "" {
		if m.admin, err = admin.Start(m.Config.AdminAddr); err != nil {
			return fmt.Errorf("STRATA_ADMIN_ADDR: %w", err)
		}
	}
	m.done = make(chan error, 1)
	go func() { m.done <- m.http.Serve(m.ln) }()
	return nil
}

// Addr is the address the server listens on.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Close stops accepting requests, waits for in-flight ones up to the
// shutdown timeout, then releases the engine.
func (m *Main) Close() error {
	var errs []error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		errs = append(errs, m.http.Shutdown(ctx))
		if err := <-m.done; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	if m.admin != nil {
		errs = append(errs, m.admin.Close())
	}
	if m.redis != nil {
		errs = append(errs, m.redis.Close())
	}
	if m.renders != nil {
		m.renders.Flush() // the images rendered last reach the shared store
	}
	if m.cache != nil {
		errs = append(errs, m.cache.Close())
	}
	if m.stop != nil {
		m.stop()
	}
	if m.engine != nil {
		m.engine.Close()
	}
	return errors.Join(errs...)
}
