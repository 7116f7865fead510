package webhook

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/strata-render/strata/pkg/dnstest"
)

// hostDNS serves hooks.example.com, SERVFAIL for fail.example.com, silence
// for slow.example.com and NXDOMAIN for the rest.
func hostDNS(t *testing.T) *dnstest.Server {
	records := dnstest.Records(map[string][]string{"hooks.example.com": {"93.184.215.14"}, "nodata.example.com": {}})
	return dnstest.Start(t, func(name string, qtype dnsmessage.Type) dnstest.Answer {
		switch name {
		case "fail.example.com":
			return dnstest.Answer{RCode: dnsmessage.RCodeServerFailure}
		case "slow.example.com":
			return dnstest.Answer{Silent: true}
		}
		return records(name, qtype)
	})
}

// Only a name DNS says does not exist (or has no address) is refused;
// SERVFAIL, a timeout and literal addresses pass.
func TestHostCheck(t *testing.T) {
	dns := hostDNS(t)
	h := NewHostCheck(dns.Resolver(), 300*time.Millisecond, time.Minute)
	ctx := context.Background()
	require.NoError(t, h.Check(ctx, "hooks.example.com"))
	err := h.Check(ctx, "nowhere.example.com")
	require.ErrorIs(t, err, ErrNoRecord)
	require.EqualError(t, err, "the host nowhere.example.com does not resolve: no DNS record")
	require.ErrorIs(t, h.Check(ctx, "nodata.example.com"), ErrNoRecord, "a name without an address record")
	require.NoError(t, h.Check(ctx, "fail.example.com"), "SERVFAIL is left to the delivery's retries")
	start := time.Now()
	require.NoError(t, h.Check(ctx, "slow.example.com"), "a timeout is left to the delivery's retries")
	require.Less(t, time.Since(start), 2*time.Second, "bounded by the check's timeout")
	before := dns.Queries()
	require.NoError(t, h.Check(ctx, "203.0.113.7"))
	require.NoError(t, h.Check(ctx, "::1"))
	require.Equal(t, before, dns.Queries(), "literal addresses are not looked up")
}

// Answers are cached for the TTL (a timeout or SERVFAIL is not), and
// concurrent checks of one name share one lookup.
func TestHostCheckCaches(t *testing.T) {
	dns := hostDNS(t)
	h := NewHostCheck(dns.Resolver(), 300*time.Millisecond, time.Minute)
	now := time.Now()
	h.now = func() time.Time { return now }
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { require.ErrorIs(t, h.Check(ctx, "nowhere.example.com"), ErrNoRecord) })
	}
	wg.Wait()
	require.NoError(t, h.Check(ctx, "hooks.example.com"))
	queries := dns.Queries()
	require.LessOrEqual(t, queries, int64(4), "8 checks of one name, one lookup (A and AAAA) each name")
	require.ErrorIs(t, h.Check(ctx, "nowhere.example.com"), ErrNoRecord)
	require.NoError(t, h.Check(ctx, "hooks.example.com"))
	require.Equal(t, queries, dns.Queries(), "cached")
	now = now.Add(time.Minute)
	require.NoError(t, h.Check(ctx, "hooks.example.com"))
	require.Greater(t, dns.Queries(), queries, "looked up again after the TTL")
	queries = dns.Queries()
	require.NoError(t, h.Check(ctx, "fail.example.com"))
	require.NoError(t, h.Check(ctx, "fail.example.com"))
	require.Greater(t, dns.Queries(), queries+2, "SERVFAIL is not cached")
}
