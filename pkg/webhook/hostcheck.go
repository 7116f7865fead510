package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/strata-render/strata/pkg/lru"
)

// HostCheck tells, when an async request is submitted, whether its webhook
// host has a DNS record at all: every delivery to a name that does not
// exist could only fail with "does not resolve", so such a job is better
// refused at submit than failed seconds later. It answers only what DNS
// says for certain: a lookup that times out or fails otherwise (SERVFAIL,
// no network) lets the job through, and the delivery's retries handle it.
// Answers are cached for a short while. It is safe for concurrent use.
type HostCheck struct {
	resolver *net.Resolver
	timeout  time.Duration
	ttl      time.Duration
	now      func() time.Time
	cache    *lru.Cache[string, hostAnswer]
	flight   singleflight.Group
}

// hostAnswer is a cached lookup result.
type hostAnswer struct {
	missing bool // NXDOMAIN or no address
	at      time.Time
}

// Host check defaults: a lookup gives up (and lets the job through) after
// HostCheckTimeout; answers are kept HostCheckTTL, for up to
// hostCheckEntries names.
const (
	HostCheckTimeout = 1500 * time.Millisecond
	HostCheckTTL     = 30 * time.Second
	hostCheckEntries = 4096
)

// NewHostCheck returns a HostCheck that resolves through r (nil: the
// system's resolver), bounds each lookup by timeout and caches answers for
// ttl (zero values: the defaults above).
func NewHostCheck(r *net.Resolver, timeout, ttl time.Duration) *HostCheck {
	if r == nil {
		r = net.DefaultResolver
	}
	if timeout <= 0 {
		timeout = HostCheckTimeout
	}
	if ttl <= 0 {
		ttl = HostCheckTTL
	}
	return &HostCheck{resolver: r, timeout: timeout, ttl: ttl, now: time.Now,
		cache: lru.New[string, hostAnswer](hostCheckEntries, func(hostAnswer) int64 { return 1 })}
}

// ErrNoRecord is what Check returns (wrapped, with the name) for a host
// without a DNS record.
var ErrNoRecord = errors.New("no DNS record")

// Check returns an error wrapping ErrNoRecord when host is a name DNS says
// does not exist (NXDOMAIN) or has no address record; nil when it
// resolves, when the lookup failed in any other way or ran out of time,
// and for a literal address (nothing to look up).
func (h *HostCheck) Check(ctx context.Context, host string) error {
	if _, err := netip.ParseAddr(host); err == nil || host == "" {
		return nil
	}
	if a, ok := h.cache.Get(host); ok && h.now().Sub(a.at) < h.ttl {
		return h.result(host, a.missing)
	}
	// Concurrent submits for one name share a lookup, which outlives none
	// of them by more than its timeout.
	ch := h.flight.DoChan(host, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.timeout)
		defer cancel()
		addrs, err := h.resolver.LookupNetIP(lctx, "ip", host)
		var dnsErr *net.DNSError
		switch {
		case err == nil && len(addrs) > 0:
			h.cache.Put(host, hostAnswer{at: h.now()})
			return false, nil
		case err == nil, errors.As(err, &dnsErr) && dnsErr.IsNotFound && !dnsErr.IsTimeout:
			h.cache.Put(host, hostAnswer{missing: true, at: h.now()})
			return true, nil
		}
		return false, nil // unknown: not cached, the job goes through
	})
	select {
	case r := <-ch:
		return h.result(host, r.Val.(bool))
	case <-ctx.Done():
		return nil // the request is gone or out of time: nothing to refuse
	}
}

func (h *HostCheck) result(host string, missing bool) error {
	if missing {
		return fmt.Errorf("the host %s does not resolve: %w", host, ErrNoRecord)
	}
	return nil
}
