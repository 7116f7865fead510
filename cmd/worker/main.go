// Command strata-worker renders queued async jobs and delivers their
// webhooks. Run any number of them, on any number of hosts, against one
// Redis (docs/ASYNC.md).
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
	"runtime/debug"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/admin"
	"github.com/strata-render/strata/pkg/admission"
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/queue"
	"github.com/strata-render/strata/pkg/vips"
	"github.com/strata-render/strata/pkg/webhook"
)

func main() {
	setDefaultGOGC(os.Getenv)
	cfg, err := config.LoadConfigFromEnv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "strata-worker: bad configuration:\n%v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(cfg)
	if err := m.Run(ctx); err != nil {
		m.Log.Error("start failed", "error", err.Error())
		_ = m.Close()
		os.Exit(1)
	}
	m.Log.Info("worker started", "render_concurrency", cfg.WorkerConcurrency,
		"delivery_concurrency", cfg.DeliveryConcurrency, "metrics", m.MetricsAddr())
	<-ctx.Done()
	m.Log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	err = m.Close()
	// libvips goes last: after the pools have drained.
	vips.Shutdown()
	if err != nil {
		m.Log.Error("shutdown", "error", err.Error())
		os.Exit(1)
	}
}

// defaultGOGC is the worker's garbage-collection target when the operator
// did not set GOGC. A render allocates its text, encoder and image buffers
// on a live heap of a few tens of MB, so at Go's default of 100 a busy
// worker collects every few jobs, partly on a second core. Measured with
// BenchmarkThroughput on 2 cores: before canvases of gradients were pooled,
// 200 cut a card from 5.9 to 5.3 CPU-ms and a 2400×3000 poster from 30 to
// 27, for peak RSS 88 → 106 MB and 250 → 330 MB; with them pooled, a card
// costs 4.1 instead of 4.2 CPU-ms and a poster 22–24 instead of 26, at the
// same peak RSS (105–113 MB; poster 208–280 MB). At 400 the poster's peak
// RSS doubled.
const defaultGOGC = 200

// setDefaultGOGC sets the collector's target to defaultGOGC unless GOGC is
// set (to anything, "off" included): the operator's value wins. A memory
// limit (GOMEMLIMIT) applies either way and makes the collector work harder
// as the heap nears it.
func setDefaultGOGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGOGC)
	}
}

// Main is the worker process: configuration in, running pools out.
type Main struct {
	Config config.Config
	Log    *slog.Logger

	engine   *engine.Engine
	redis    *redis.Client
	fetch    *fetch.Client
	webhooks *http.Client
	worker   *queue.Worker
	metrics  *http.Server
	ln       net.Listener
	admin    *admin.Server
}

// NewMain returns a Main for cfg.
func NewMain(cfg config.Config) *Main {
	log := cfg.Logger(os.Stderr)
	queue.LogRedisTo(log)
	return &Main{Config: cfg, Log: log}
}

// Run builds the engine, connects to Redis and starts taking tasks; it
// returns once both pools run.
func (m *Main) Run(ctx context.Context) error {
	if err := m.Config.MissingWebhookSecrets(); err != nil {
		return err
	}
	// A redis-sentinel:// URL gives a failover client; asynq takes it as
	// it is (asynq.NewServerFromRedisClient), so the queue follows a
	// failover too.
	rdb, err := config.NewRedis(m.Config.RedisURL, config.RedisTuning{})
	if err != nil {
		return fmt.Errorf("STRATA_REDIS_URL: %w", err)
	}
	m.redis = rdb
	eng, err := engine.New(m.Config, m.Log)
	if err != nil {
		return err
	}
	m.engine = eng
	store, err := engine.NewStorage(m.Config, core.KeyID)
	if err != nil {
		return err
	}
	m.fetch = fetch.New(fetch.Options{AllowPrivate: m.Config.AllowPrivateNetworks, Resolver: m.Config.Resolver()})
	m.webhooks = keepAlive(m.fetch.HTTPClient(m.Config.WebhookTimeout), m.Config.DeliveryConcurrency)
	reg := prometheus.NewRegistry()
	qm := queue.NewMetrics()
	reg.MustRegister(qm, queue.NewDepthCollector(m.redis), eng.LayerLatency, eng.Warnings,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// A worker reads no request bodies: all but the reserve is for renders.
	admission.SetGoMemoryLimit(m.Config.MemoryLimit, os.Getenv)
	m.worker, err = queue.NewWorker(queue.WorkerOptions{
		RenderMemory:        max(m.Config.MemoryLimit-admission.Reserve, m.Config.MemoryLimit/4),
		Redis:               m.redis,
		Renderer:            eng.Renderer,
		Limits:              m.Config.Limits,
		RenderConcurrency:   m.Config.WorkerConcurrency,
		DeliveryConcurrency: m.Config.DeliveryConcurrency,
		Webhooks:            webhook.NewSender(m.webhooks, m.Config.WebhookTimeout),
		Secrets:             m.Config.WebhookSecrets,
		Retries:             webhook.Schedule{Scale: m.Config.WebhookRetryScale},
		Storage:             store,
		ResultTTL:           m.Config.ResultTTL,
		ShutdownTimeout:     m.Config.ShutdownTimeout,
		Metrics:             qm,
		Logger:              m.Log,
	})
	if err != nil {
		return err
	}
	if m.Config.WorkerMetricsAddr != "" {
		if m.ln, err = net.Listen("tcp", m.Config.WorkerMetricsAddr); err != nil {
			return fmt.Errorf("STRATA_WORKER_METRICS_ADDR: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
			if err := m.redis.Ping(r.Context()).Err(); err != nil {
				http.Error(w, "redis: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok\n"))
		})
		m.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = m.metrics.Serve(m.ln) }()
	}
	if m.Config.AdminAddr != "" {
		if m.admin, err = admin.Start(m.Config.AdminAddr); err != nil {
			return fmt.Errorf("STRATA_ADMIN_ADDR: %w", err)
		}
	}
	return m.worker.Start()
}

// keepAlive returns c with room for one idle connection per delivery slot
// to a host. The guarded fetch transport keeps 4 per host, which suits image
// fetches; a receiver taking every delivery of a busy worker would see
// connections closed and new TLS handshakes (measured: 30 per 300 jobs).
// The clone keeps the transport's SSRF-guarded dialer and TLS settings.
func keepAlive(c *http.Client, slots int) *http.Client {
	t, ok := c.Transport.(*http.Transport)
	if !ok || t.MaxIdleConnsPerHost >= slots {
		return c
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = slots
	t.MaxIdleConns = max(t.MaxIdleConns, slots)
	c2 := *c
	c2.Transport = t
	return &c2
}

// MetricsAddr is where /metrics is served, or "" when it is off.
func (m *Main) MetricsAddr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// Close stops taking tasks, lets in-flight ones finish up to the shutdown
// timeout (the rest go back to the queue), then releases the engine.
func (m *Main) Close() error {
	var errs []error
	if m.worker != nil {
		m.worker.Shutdown()
	}
	if m.metrics != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		errs = append(errs, m.metrics.Shutdown(ctx))
	}
	if m.admin != nil {
		errs = append(errs, m.admin.Close())
	}
	if m.webhooks != nil {
		m.webhooks.CloseIdleConnections()
	}
	if m.redis != nil {
		errs = append(errs, m.redis.Close())
	}
	if m.engine != nil {
		m.engine.Close()
	}
	return errors.Join(errs...)
}
