// Package config reads Strata's configuration from STRATA_* environment
// variables into one typed struct. All defaults live in NewDefaultConfig;
// LoadConfigFromEnv reports every bad variable at once so the process can
// refuse to start with one complete message.
package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/webhook"
)

// Config is the configuration of the API and worker processes.
type Config struct {
	// ListenAddr is the API's listen address (STRATA_LISTEN_ADDR).
	ListenAddr string
	// AdminAddr serves pprof when set (STRATA_ADMIN_ADDR); off by default.
	AdminAddr string
	// APIKeys maps each accepted API key to its webhook secret ("" means
	// the default secret) (STRATA_API_KEYS: "key" or "key:whsec_…", comma-separated).
	APIKeys map[string]string
	// RedisURL is the Redis of the queue, job store and rate limiter
	// (STRATA_REDIS_URL): redis://, rediss://, unix:// or, for Redis
	// Sentinel, redis-sentinel:// (ParseRedisURL).
	RedisURL string
	// RedisWaitReplicas, when positive, makes every async submit wait until
	// that many replicas hold it before the 201 (STRATA_REDIS_WAIT_REPLICAS;
	// 0: off). With Redis Sentinel it keeps acknowledged jobs through a
	// failover; fewer replicas within a second is a 503.
	RedisWaitReplicas int
	// WebhookSecrets maps each API key's id (core.KeyID) to the secrets
	// that sign its webhooks, parsed once here: the key's own from
	// STRATA_API_KEYS, else the default, STRATA_WEBHOOK_SECRET ("whsec_…";
	// several, space-separated, during a rotation). A key with neither has
	// no entry: see MissingWebhookSecrets.
	WebhookSecrets map[string][]webhook.Secret
	// AllowPrivateNetworks lets image URLs and webhooks reach loopback and
	// private addresses (STRATA_ALLOW_PRIVATE_NETWORKS); for development and tests.
	AllowPrivateNetworks bool
	// DNSServer, when set, is the host:port of the DNS server every
	// outbound host name is looked up at (image and font URLs, webhook
	// hosts at submit and at delivery) instead of the system's resolver
	// (STRATA_DNS_SERVER).
	DNSServer string
	// AssetsDir holds fonts and models (STRATA_ASSETS_DIR).
	AssetsDir string
	// LogLevel is debug, info, warn or error (STRATA_LOG_LEVEL).
	LogLevel string
	// RenderConcurrency caps renders running at once in one process
	// (STRATA_RENDER_CONCURRENCY; default: the number of CPUs).
	RenderConcurrency int
	// MemoryLimit is the memory one API or worker process may use
	// (STRATA_MEMORY_LIMIT: bytes, or a number with KiB, MiB, GiB, MB or
	// GB). Renders are admitted by their estimated memory against it, request
	// bodies in flight get a quarter (API), and it is the Go runtime's soft
	// limit unless GOMEMLIMIT is set (admission.Split, docs/RELIABILITY.md).
	MemoryLimit int64
	// WorkerConcurrency is the asynq worker concurrency (STRATA_WORKER_CONCURRENCY).
	WorkerConcurrency int
	// DeliveryConcurrency is how many webhook deliveries one worker process
	// runs at once (STRATA_DELIVERY_CONCURRENCY). Deliveries wait on the
	// network, not the CPU, so they get their own pool: a slow receiver
	// never takes a render slot.
	DeliveryConcurrency int
	// WorkerMetricsAddr is where the worker serves /metrics
	// (STRATA_WORKER_METRICS_ADDR; empty turns it off).
	WorkerMetricsAddr string
	// ResultTTL is how long a rendered result waits in Redis for its
	// delivery (STRATA_RESULT_TTL); longer than the whole retry schedule.
	ResultTTL time.Duration
	// JobTTL is how long a job's status stays visible (STRATA_JOB_TTL).
	JobTTL time.Duration
	// WebhookTimeout bounds one delivery attempt (STRATA_WEBHOOK_TIMEOUT).
	WebhookTimeout time.Duration
	// WebhookRetryScale multiplies every delay of the webhook retry
	// schedule (STRATA_WEBHOOK_RETRY_SCALE); tests shrink it, 1 is about a day.
	WebhookRetryScale float64
	// FetchTimeout is the longest an image or font URL may take to fetch
	// (STRATA_FETCH_TIMEOUT); a request's timeout_ms is capped by it.
	FetchTimeout time.Duration
	// SegmentConcurrency caps background removals at once per process
	// (STRATA_SEGMENT_CONCURRENCY); each holds a few hundred MB.
	SegmentConcurrency int
	// ShutdownTimeout bounds graceful shutdown (STRATA_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// Limits bound every request (STRATA_MAX_* variables).
	Limits schema.Limits
	// RateLimit is the default per-key budget in requests per minute
	// (STRATA_RATE_LIMIT; 0 disables) with burst RateBurst (STRATA_RATE_BURST).
	RateLimit, RateBurst int
	// KeyRateLimits overrides the budget per API key
	// (STRATA_KEY_RATE_LIMITS: "key=perMinute[/burst],…").
	KeyRateLimits map[string][2]int
	// Storage grants API keys object storage buckets (STRATA_STORAGE_FILE,
	// a JSON file: storage.Config); nil refuses requests with a storage
	// destination.
	Storage *storage.Config
	// StoragePartSize is the multipart threshold and part size in bytes
	// (STRATA_STORAGE_PART_SIZE, at least 5 MiB).
	StoragePartSize int
	// StorageRetries is how many attempts may follow a failed upload
	// (STRATA_STORAGE_RETRIES).
	StorageRetries int
	// TemplatesDir holds file templates, <template_id>.json, polled for
	// changes (STRATA_TEMPLATES_DIR; empty: none).
	TemplatesDir string
	// CacheRedisURL is the render cache's shared Redis
	// (STRATA_CACHE_REDIS_URL; empty: each process caches alone). It must
	// not be the queue's Redis, which runs noeviction.
	CacheRedisURL string
	// CacheMaxBytes is the in-process render cache's size
	// (STRATA_CACHE_MAX_BYTES; 0 turns the render cache off).
	CacheMaxBytes int64
	// CacheMaxEntryBytes is the largest image the cache keeps
	// (STRATA_CACHE_MAX_ENTRY_BYTES).
	CacheMaxEntryBytes int64
	// CacheTTL is how long the shared cache keeps an image
	// (STRATA_CACHE_TTL).
	CacheTTL time.Duration
	// CacheAssetTTL is how long a cached render that fetched image or
	// font URLs is trusted before the next request renders (and fetches)
	// again (STRATA_CACHE_ASSET_TTL); also the max-age of such signed
	// image URLs.
	CacheAssetTTL time.Duration
}

// DefaultMemoryLimit is STRATA_MEMORY_LIMIT's default, 4 GiB: room for
// the largest render there is (a 50-megapixel AVIF with a rotated layer,
// about 2 GB) beside the bodies' quarter and the process's reserve.
const DefaultMemoryLimit = 4 << 30

// DefaultAssetsDir is ~/.cache/strata, where scripts/setup.sh puts the
// assets unless STRATA_ASSETS_DIR says otherwise.
func DefaultAssetsDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "strata")
}

// NewDefaultConfig returns the configuration used when no variable is set.
func NewDefaultConfig() Config {
	return Config{
		ListenAddr:        ":8080",
		APIKeys:           map[string]string{},
		WebhookSecrets:    map[string][]webhook.Secret{},
		RedisURL:          "redis://127.0.0.1:6379/0",
		AssetsDir:         DefaultAssetsDir(),
		LogLevel:          "info",
		RenderConcurrency: runtime.NumCPU(),
		MemoryLimit:       DefaultMemoryLimit,
		WorkerConcurrency: runtime.NumCPU(),
		// Deliveries mostly wait on receivers; 20 keeps a few slow ones
		// from holding up the rest at little memory cost.
		DeliveryConcurrency: 20,
		WorkerMetricsAddr:   ":9090",
		// The retry schedule spans about a day; two days leave room for
		// a queue backlog before it.
		ResultTTL:          48 * time.Hour,
		JobTTL:             7 * 24 * time.Hour,
		WebhookTimeout:     10 * time.Second,
		WebhookRetryScale:  1,
		ShutdownTimeout:    25 * time.Second,
		FetchTimeout:       15 * time.Second,
		SegmentConcurrency: 1,
		Limits:             schema.DefaultLimits(),
		RateLimit:          600,
		RateBurst:          60,
		KeyRateLimits:      map[string][2]int{},
		StoragePartSize:    storage.DefaultPartSize,
		StorageRetries:     storage.DefaultRetries,
		// 256 MB holds ~5,000 typical 50 KB social cards per process.
		CacheMaxBytes:      256 << 20,
		CacheMaxEntryBytes: 8 << 20,
		CacheTTL:           24 * time.Hour,
		CacheAssetTTL:      5 * time.Minute,
	}
}

// LoadConfigFromEnv applies STRATA_* variables over the defaults. The error
// joins one line per bad variable.
func LoadConfigFromEnv() (Config, error) {
	return Load(os.LookupEnv)
}

// Load is LoadConfigFromEnv with an injectable lookup, for tests.
func Load(lookup func(string) (string, bool)) (Config, error) {
	c := NewDefaultConfig()
	var errs []error
	str := func(name string, dst *string) {
		if v, ok := lookup(name); ok && v != "" {
			*dst = v
		}
	}
	integer := func(name string, dst *int, lo int) {
		if v, ok := lookup(name); ok && v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo {
				errs = append(errs, fmt.Errorf("%s=%q: must be a whole number ≥ %d", name, v, lo))
				return
			}
			*dst = n
		}
	}
	integer64 := func(name string, dst *int64) {
		n := int(*dst)
		integer(name, &n, 1)
		*dst = int64(n)
	}
	duration := func(name string, dst *time.Duration) {
		if v, ok := lookup(name); ok && v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q: must be a positive duration such as 30s", name, v))
				return
			}
			*dst = d
		}
	}

	str("STRATA_LISTEN_ADDR", &c.ListenAddr)
	str("STRATA_ADMIN_ADDR", &c.AdminAddr)
	str("STRATA_REDIS_URL", &c.RedisURL)
	if _, _, err := ParseRedisURL(c.RedisURL); err != nil {
		errs = append(errs, fmt.Errorf("STRATA_REDIS_URL: %v", err))
	}
	integer("STRATA_REDIS_WAIT_REPLICAS", &c.RedisWaitReplicas, 0)
	str("STRATA_ASSETS_DIR", &c.AssetsDir)
	str("STRATA_LOG_LEVEL", &c.LogLevel)
	str("STRATA_TEMPLATES_DIR", &c.TemplatesDir)
	if c.TemplatesDir != "" {
		if fi, err := os.Stat(c.TemplatesDir); err != nil || !fi.IsDir() {
			errs = append(errs, fmt.Errorf("STRATA_TEMPLATES_DIR=%q: must be an existing directory", c.TemplatesDir))
		}
	}
	str("STRATA_CACHE_REDIS_URL", &c.CacheRedisURL)
	str("STRATA_DNS_SERVER", &c.DNSServer)
	if c.DNSServer != "" {
		if _, port, err := net.SplitHostPort(c.DNSServer); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("STRATA_DNS_SERVER=%q: must be host:port, such as 10.0.0.2:53", c.DNSServer))
		}
	}
	if v, ok := lookup("STRATA_CACHE_MAX_BYTES"); ok && v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("STRATA_CACHE_MAX_BYTES=%q: must be a whole number of bytes ≥ 0 (0 turns the cache off)", v))
		}
		c.CacheMaxBytes = n
	}
	integer64("STRATA_CACHE_MAX_ENTRY_BYTES", &c.CacheMaxEntryBytes)
	duration("STRATA_CACHE_TTL", &c.CacheTTL)
	duration("STRATA_CACHE_ASSET_TTL", &c.CacheAssetTTL)
	if c.CacheRedisURL != "" && sameServer(c.CacheRedisURL, c.RedisURL) {
		errs = append(errs, fmt.Errorf("STRATA_CACHE_REDIS_URL=%q: must be another Redis server than STRATA_REDIS_URL (another database is not enough): the queue's Redis runs noeviction and the cache would fill it", c.CacheRedisURL))
	}
	var defaultSecrets []webhook.Secret
	if v, ok := lookup("STRATA_WEBHOOK_SECRET"); ok && v != "" {
		secs, err := webhook.ParseSecrets(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("STRATA_WEBHOOK_SECRET: %v (make one with: echo whsec_$(openssl rand -base64 32); during a rotation give both, space-separated)", err))
		}
		defaultSecrets = secs
	}
	if v, ok := lookup("STRATA_ALLOW_PRIVATE_NETWORKS"); ok && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("STRATA_ALLOW_PRIVATE_NETWORKS=%q: must be true or false", v))
		}
		c.AllowPrivateNetworks = b
	}
	if v, ok := lookup("STRATA_API_KEYS"); ok && v != "" {
		keys, own, err := parseAPIKeys(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.APIKeys = keys
		for key := range keys {
			secs, ok := own[key]
			if !ok {
				secs = defaultSecrets
			}
			if len(secs) > 0 {
				c.WebhookSecrets[core.KeyID(key)] = secs
			}
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("STRATA_LOG_LEVEL=%q: must be debug, info, warn or error", c.LogLevel))
	}
	integer("STRATA_RENDER_CONCURRENCY", &c.RenderConcurrency, 1)
	if v, ok := lookup("STRATA_MEMORY_LIMIT"); ok && v != "" {
		n, err := parseBytes(v)
		if err != nil || n < 512<<20 {
			errs = append(errs, fmt.Errorf("STRATA_MEMORY_LIMIT=%q: must be a size of at least 512 MiB, such as 4GiB or 2048MiB", v))
		} else {
			c.MemoryLimit = n
		}
	}
	integer("STRATA_WORKER_CONCURRENCY", &c.WorkerConcurrency, 1)
	duration("STRATA_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout)
	duration("STRATA_FETCH_TIMEOUT", &c.FetchTimeout)
	integer("STRATA_SEGMENT_CONCURRENCY", &c.SegmentConcurrency, 1)
	integer("STRATA_RATE_LIMIT", &c.RateLimit, 0)
	integer("STRATA_RATE_BURST", &c.RateBurst, 1)
	if v, ok := lookup("STRATA_KEY_RATE_LIMITS"); ok && v != "" {
		limits, err := parseKeyRateLimits(v, c.RateBurst)
		if err != nil {
			errs = append(errs, err)
		}
		c.KeyRateLimits = limits
	}
	integer("STRATA_DELIVERY_CONCURRENCY", &c.DeliveryConcurrency, 1)
	if v, ok := lookup("STRATA_WORKER_METRICS_ADDR"); ok {
		c.WorkerMetricsAddr = v // empty turns the metrics listener off
	}
	duration("STRATA_RESULT_TTL", &c.ResultTTL)
	duration("STRATA_JOB_TTL", &c.JobTTL)
	duration("STRATA_WEBHOOK_TIMEOUT", &c.WebhookTimeout)
	if v, ok := lookup("STRATA_WEBHOOK_RETRY_SCALE"); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f <= 100) { // also NaN
			errs = append(errs, fmt.Errorf("STRATA_WEBHOOK_RETRY_SCALE=%q: must be a number in (0, 100]", v))
		} else {
			c.WebhookRetryScale = f
		}
	}
	if v, ok := lookup("STRATA_STORAGE_FILE"); ok && v != "" {
		cfg, err := storage.LoadFile(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("STRATA_STORAGE_FILE: %w", err))
		}
		c.Storage = cfg
	}
	integer("STRATA_STORAGE_PART_SIZE", &c.StoragePartSize, storage.MinPartSize)
	integer("STRATA_STORAGE_RETRIES", &c.StorageRetries, 0)

	l := &c.Limits
	integer("STRATA_MAX_CANVAS_SIDE", &l.MaxSide, 1)
	if v, ok := lookup("STRATA_MAX_CANVAS_MEGAPIXELS"); ok && v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) { // also NaN
			errs = append(errs, fmt.Errorf("STRATA_MAX_CANVAS_MEGAPIXELS=%q: must be a positive number", v))
		} else {
			l.MaxMegapixels = f
		}
	}
	integer("STRATA_MAX_LAYERS", &l.MaxLayers, 1)
	integer("STRATA_MAX_DEPTH", &l.MaxDepth, 1)
	integer64("STRATA_MAX_BODY_BYTES", &l.MaxBodyBytes)
	integer64("STRATA_MAX_FILE_BYTES", &l.MaxFileBytes)
	integer("STRATA_MAX_IMAGE_PIXELS", &l.MaxImagePixels, 1)
	integer("STRATA_MAX_FONTS", &l.MaxFonts, 0)
	integer64("STRATA_MAX_FONT_BYTES", &l.MaxFontBytes)
	duration("STRATA_RENDER_TIMEOUT", &l.RenderTimeout)

	return c, errors.Join(errs...)
}

// parseBytes reads a size: a whole number of bytes, or one followed by
// KiB, MiB, GiB (powers of 1024) or KB, MB, GB (powers of 1000).
func parseBytes(v string) (int64, error) {
	v = strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("not a size: %q", v)
	}
	return n * mult, nil
}

func parseKeyRateLimits(v string, defaultBurst int) (map[string][2]int, error) {
	out := map[string][2]int{}
	var errs []error
	for i, item := range strings.Split(v, ",") {
		key, spec, ok := strings.Cut(strings.TrimSpace(item), "=")
		perMinute, burst, hasBurst := strings.Cut(spec, "/")
		n, err1 := strconv.Atoi(perMinute)
		b, err2 := defaultBurst, error(nil)
		if hasBurst {
			b, err2 = strconv.Atoi(burst)
		}
		if !ok || key == "" || err1 != nil || err2 != nil || n < 1 || b < 1 {
			errs = append(errs, fmt.Errorf("STRATA_KEY_RATE_LIMITS: entry #%d must look like key=600 or key=600/60", i+1))
			continue
		}
		out[key] = [2]int{n, b}
	}
	return out, errors.Join(errs...)
}

// parseAPIKeys parses STRATA_API_KEYS: the keys (each mapped to its
// secret as written, "" for none) and each own secret parsed.
func parseAPIKeys(v string) (map[string]string, map[string][]webhook.Secret, error) {
	keys, own := map[string]string{}, map[string][]webhook.Secret{}
	var errs []error
	for i, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, secret, hasSecret := strings.Cut(item, ":")
		if len(key) < 16 {
			errs = append(errs, fmt.Errorf("STRATA_API_KEYS: key #%d is shorter than 16 characters", i+1))
			continue
		}
		if hasSecret {
			secs, err := webhook.ParseSecrets(secret)
			if err != nil {
				errs = append(errs, fmt.Errorf("STRATA_API_KEYS: the secret of key #%d must be whsec_ and 24–64 bytes of base64", i+1))
				continue
			}
			own[key] = secs
		}
		keys[key] = secret
	}
	return keys, own, errors.Join(errs...)
}

// MissingWebhookSecrets names every API key left without a webhook secret
// (a worker could not sign its webhooks); nil when every key has one.
func (c Config) MissingWebhookSecrets() error {
	var errs []error
	for key := range c.APIKeys {
		if id := core.KeyID(key); len(c.WebhookSecrets[id]) == 0 {
			errs = append(errs, fmt.Errorf("key %s has no webhook secret: set STRATA_WEBHOOK_SECRET or give it one as key:whsec_… in STRATA_API_KEYS", id))
		}
	}
	return errors.Join(errs...)
}

// Resolver is the resolver outbound host names are looked up with: one
// that sends every query to DNSServer, or nil (the system's) when it is
// unset.
func (c Config) Resolver() *net.Resolver {
	if c.DNSServer == "" {
		return nil
	}
	server := c.DNSServer
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}
}

// Logger returns a JSON slog logger at the configured level.
func (c Config) Logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// sameServer reports whether two Redis URLs name one server (host and
// port; the database number does not matter: policies are per server).
func sameServer(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		return "6379"
	}
	return strings.EqualFold(ua.Hostname(), ub.Hostname()) && port(ua) == port(ub)
}
