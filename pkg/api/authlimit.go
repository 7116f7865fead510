package api

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addrLimiter throttles failed authentications per client address: burst
// failures, refilled at burst a minute. It is in-process (each API process
// counts its own) and keyed by the connection's address, not a forwarded
// header a client could change at will; behind a proxy every client shares
// the proxy's address, so only failures are counted and valid keys from a
// throttled address are refused only while it stays throttled.
type addrLimiter struct {
	burst int
	mu    sync.Mutex
	addrs map[string]*rate.Limiter
}

// maxTrackedAddrs bounds the addresses remembered; past it, addresses
// whose budget has refilled are forgotten.
const maxTrackedAddrs = 10000

func newAddrLimiter(burst int) *addrLimiter {
	return &addrLimiter{burst: burst, addrs: map[string]*rate.Limiter{}}
}

// blocked reports whether addr has no failure left to spend, and how long
// until it has one.
func (a *addrLimiter) blocked(addr string) (time.Duration, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.addrs[addr]
	if l == nil {
		return 0, false
	}
	now := time.Now()
	if l.TokensAt(now) >= 1 {
		return 0, false
	}
	r := l.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return max(wait, time.Second), true
}

// fail spends one failure of addr's budget.
func (a *addrLimiter) fail(addr string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.addrs[addr]
	if l == nil {
		if len(a.addrs) >= maxTrackedAddrs {
			now := time.Now()
			for k, v := range a.addrs {
				if v.TokensAt(now) >= float64(a.burst) {
					delete(a.addrs, k)
				}
			}
		}
		l = rate.NewLimiter(rate.Limit(float64(a.burst)/60), a.burst)
		a.addrs[addr] = l
	}
	l.Allow()
}
