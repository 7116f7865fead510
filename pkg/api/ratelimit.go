package api

import (
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/ratelimit"
)

// RateLimits configure the per-key request budget.
type RateLimits struct {
	// Limiter decides; nil disables rate limiting.
	Limiter *ratelimit.Limiter
	// Default applies to keys without an entry in PerKey.
	Default ratelimit.Limit
	// PerKey maps key ids (KeyID) to their own budget.
	PerKey map[string]ratelimit.Limit
}

// limitRate spends one request of the caller's budget and sets the
// RateLimit-* headers (IETF draft) on every response; over budget it
// answers 429 with Retry-After.
func (s *Server) limitRate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.rate.Limiter == nil {
			return next(c)
		}
		id := c.Get(ctxKeyID).(string)
		lim, ok := s.rate.PerKey[id]
		if !ok {
			lim = s.rate.Default
		}
		d := s.rate.Limiter.Allow(c.Request().Context(), id, lim)
		h := c.Response().Header()
		h.Set("RateLimit-Limit", strconv.Itoa(d.Limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(d.Remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(d.ResetAfter)))
		if !d.Allowed {
			wait := ceilSeconds(d.RetryAfter)
			h.Set("Retry-After", strconv.Itoa(wait))
			s.metrics.rejected.WithLabelValues("rate_limited").Inc()
			return failure.New(failure.RateLimited, "Rate limit exceeded: at most %d requests per minute for this key; retry in %d s.", lim.PerMinute, wait)
		}
		return next(c)
	}
}

func ceilSeconds(d time.Duration) int {
	return max(0, int(math.Ceil(d.Seconds())))
}
