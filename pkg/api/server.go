// Package api is Strata's HTTP surface: Echo handlers for the image
// generation endpoints, authentication, limits, logging and the mapping of
// errors to statuses and the reference API's response envelope.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-render/strata/pkg/admission"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/lru"
	"github.com/strata-render/strata/pkg/rendercache"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/storage"
	"github.com/strata-render/strata/pkg/template"
	"github.com/strata-render/strata/pkg/webhook"
)

// Check reports whether one dependency is ready; nil means ready.
type Check func(ctx context.Context) error

// Options configure a Server.
type Options struct {
	// Keys maps accepted API keys to their webhook secrets.
	Keys map[string]string
	// Limits bound every request.
	Limits schema.Limits
	// Renderer renders sync requests.
	Renderer core.Renderer
	// Async queues requests with a webhook_url; nil answers them with 503.
	Async core.Async
	// RenderConcurrency caps sync renders at once; more wait up to
	// QueueWait, then get 503.
	RenderConcurrency int
	QueueWait         time.Duration
	// RenderMemory is what the estimates of the renders running at once
	// may add up to (admission.Gate); a request estimated above it is a
	// 422. BodyMemory bounds the request bodies being read and decoded
	// (admission.Bytes). Zero leaves each unbounded.
	RenderMemory, BodyMemory int64
	// AuthFailures is how many failed authentications one client address
	// may make in a burst (refilled at that many a minute) before it gets
	// 429; zero means 10.
	AuthFailures int
	// Ready lists the readiness checks by name; Required names the ones
	// whose failure makes /readyz answer 503 (the others are reported).
	Ready    map[string]Check
	Required []string
	// Logger receives structured logs; never keys or payloads.
	Logger *slog.Logger
	// Rate configures per-key rate limiting.
	Rate RateLimits
	// Templates stores templates; nil leaves the template routes out.
	Templates *template.Store
	// Cache is the render cache; nil renders every time.
	Cache *rendercache.Cache
	// RendererVersion identifies the renderer in ETags and cache keys.
	RendererVersion string
	// AssetTTL is the revalidation window of renders that fetch URLs:
	// the max-age of their signed image URLs (5 minutes when zero; the
	// render cache's own AssetTTL should match).
	AssetTTL time.Duration
	// Collectors are extra Prometheus collectors served on /metrics
	// (render latency by layer type, queue metrics).
	Collectors []prometheus.Collector
	// Storage puts results in the object storage a request names; nil
	// refuses such requests with a 400.
	Storage *storage.Store
	// AllowPrivateNetworks accepts webhook URLs whose host is a literal
	// loopback or private address; false refuses them at submit.
	AllowPrivateNetworks bool
	// Resolver looks up webhook hosts at submit (webhook.HostCheck): a
	// name without a DNS record is a 422. Nil: the system's resolver.
	Resolver *net.Resolver
}

// Server is the HTTP API.
type Server struct {
	echo     *echo.Echo
	log      *slog.Logger
	keys     []apiKey
	limits   schema.Limits
	renderer core.Renderer
	async    core.Async
	gate     *admission.Gate
	bodies   *admission.Bytes
	// renderBytes is the render budget, the largest estimate admitted.
	renderBytes int64
	authFails   *addrLimiter
	wait        time.Duration
	ready       map[string]Check
	required    []string
	rate        RateLimits
	metrics     *metrics
	storage     *storage.Store
	// allowPrivate mirrors Options.AllowPrivateNetworks.
	allowPrivate bool
	// webhookHosts refuses webhook hosts without a DNS record at submit.
	webhookHosts *webhook.HostCheck

	templates       *template.Store
	rawKeys         map[string]string // key id → API key, for signed URLs
	rendererVersion string
	cache           *rendercache.Cache
	assetTTL        time.Duration
	memo            *lru.Cache[[sha256.Size]byte, *assembled] // signed URLs' requests
}

type apiKey struct {
	hash [sha256.Size]byte
	id   string
}

const (
	ctxKeyID     = "strata.key_id"
	ctxErrorKind = "strata.error_kind"
)

// New builds the server and its routes.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RenderConcurrency < 1 {
		o.RenderConcurrency = 1
	}
	if o.QueueWait == 0 {
		o.QueueWait = 5 * time.Second
	}
	if o.AssetTTL <= 0 {
		o.AssetTTL = 5 * time.Minute
	}
	s := &Server{
		echo: echo.New(), log: o.Logger, limits: o.Limits, renderer: o.Renderer, async: o.Async,
		wait: o.QueueWait, ready: o.Ready, required: o.Required,
		rate: o.Rate, metrics: newMetrics(append(o.Collectors, cacheCollectors(o.Cache)...)...), storage: o.Storage, allowPrivate: o.AllowPrivateNetworks,
		templates: o.Templates, rawKeys: map[string]string{}, rendererVersion: o.RendererVersion,
		cache: o.Cache, assetTTL: o.AssetTTL, webhookHosts: webhook.NewHostCheck(o.Resolver, 0, 0),
		memo: lru.New[[sha256.Size]byte, *assembled](assembledMemoBytes, func(a *assembled) int64 { return 3*int64(len(a.body)) + 2048 }),
	}
	if o.RenderMemory <= 0 {
		o.RenderMemory = math.MaxInt64 / 4
	}
	if o.BodyMemory <= 0 {
		o.BodyMemory = math.MaxInt64 / 4
	}
	s.renderBytes = o.RenderMemory
	s.gate = admission.NewGate(admission.GateOptions{Slots: o.RenderConcurrency, Bytes: o.RenderMemory, Heavy: admission.HeavyBytes})
	s.bodies = admission.NewBytes(o.BodyMemory)
	if o.AuthFailures <= 0 {
		o.AuthFailures = 10
	}
	s.authFails = newAddrLimiter(o.AuthFailures)
	for k := range o.Keys {
		s.keys = append(s.keys, apiKey{hash: sha256.Sum256([]byte(k)), id: core.KeyID(k)})
		s.rawKeys[core.KeyID(k)] = k
	}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: newRequestID,
	}))
	e.Use(s.logRequests)
	e.Use(middleware.Recover())

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics.handler())
	e.GET("/openapi.json", s.openAPI)
	e.GET("/", s.playground)
	e.GET("/playground/*", s.playground)
	v1 := e.Group("/image-generation/v1", s.authenticate, s.limitRate, s.admitBody)
	v1.POST("/generate", s.generate)
	v1.POST("/render", s.generate)
	if s.async != nil {
		v1.GET("/jobs/:id", s.jobStatus)
	}
	if s.templates != nil {
		v1.GET("/templates", s.listTemplates)
		v1.PUT("/templates/:template_id", s.putTemplate)
		v1.GET("/templates/:template_id", s.getTemplate)
		v1.DELETE("/templates/:template_id", s.deleteTemplate)
		v1.POST("/templates/:template_id/generate", s.generateTemplate)
		// Signed URLs authenticate by their signature, not a header.
		e.GET("/image-generation/v1/templates/:template_id/:file", s.templateImage)
		e.HEAD("/image-generation/v1/templates/:template_id/:file", s.templateImage)
	}
	// The group's catch-all would answer a known path asked with another
	// method 404; it is a 405 naming the method to use.
	for path, method := range map[string]string{"/generate": http.MethodPost, "/render": http.MethodPost, "/jobs/:id": http.MethodGet} {
		for _, r := range e.Match(otherMethods(method), "/image-generation/v1"+path, wrongMethod(method)) {
			r.Name = WrongMethodRoute
		}
	}
	return s
}

// WrongMethodRoute names the routes that only answer 405 (see New).
const WrongMethodRoute = "wrong-method"

// otherMethods are the HTTP methods a client may send other than allowed.
func otherMethods(allowed string) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if m != allowed {
			out = append(out, m)
		}
	}
	return out
}

// wrongMethod answers 405 with an Allow header naming the one method the
// path takes.
func wrongMethod(allowed string) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderAllow, allowed)
		return failure.New(failure.MethodNotAllowed, "%s is not accepted here; use %s %s.", c.Request().Method, allowed, c.Request().URL.Path)
	}
}

// Handler returns the server as an http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// authenticate checks the Bearer key in constant time against every key.
// A client address that failed too often gets 429 without its key being
// looked at, so keys cannot be guessed at speed (addrLimiter).
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		addr, _, err := net.SplitHostPort(c.Request().RemoteAddr)
		if err != nil {
			addr = c.Request().RemoteAddr
		}
		if wait, ok := s.authFails.blocked(addr); ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(ceilSeconds(wait)))
			s.metrics.rejected.WithLabelValues("auth_throttled").Inc()
			return failure.New(failure.RateLimited, "Too many failed authentications from this address; retry in %d s with a valid API key.", ceilSeconds(wait))
		}
		if err := s.checkKey(c); err != nil {
			if err == errInvalidKey { // a guess; a missing key guesses nothing
				s.authFails.fail(addr)
			}
			return err
		}
		return next(c)
	}
}

var errInvalidKey = failure.New(failure.Unauthorized, "Invalid API key.")

// checkKey sets the caller's key id from a valid Bearer key.
func (s *Server) checkKey(c echo.Context) error {
	// The scheme is case-insensitive (RFC 9110 §11.1): "bearer" works.
	scheme, token, _ := strings.Cut(strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization)), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return failure.New(failure.Unauthorized, "Missing API key: send Authorization: Bearer <key>.")
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	id := ""
	for _, k := range s.keys {
		if subtle.ConstantTimeCompare(got[:], k.hash[:]) == 1 {
			id = k.id
		}
	}
	if id == "" {
		return errInvalidKey
	}
	c.Set(ctxKeyID, id)
	return nil
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"status": "ok"})
}

// readyz reports every check; only the required ones decide the status, so
// a Redis outage leaves sync rendering ready.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	status := http.StatusOK
	for name, check := range s.ready {
		if err := check(ctx); err != nil {
			checks[name] = err.Error()
			for _, r := range s.required {
				if r == name {
					status = http.StatusServiceUnavailable
				}
			}
			continue
		}
		checks[name] = "ok"
	}
	return c.JSON(status, map[string]any{"ready": status == http.StatusOK, "checks": checks})
}

func cacheCollectors(c *rendercache.Cache) []prometheus.Collector {
	if c == nil {
		return nil
	}
	return c.Collectors()
}
