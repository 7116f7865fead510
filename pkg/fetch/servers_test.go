package fetch

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/strata-render/strata/pkg/dnstest"
)

// countingServer is a real HTTP server on a chosen loopback address that
// counts the requests it received, so a test can prove a blocked fetch
// never reached it.
type countingServer struct {
	*httptest.Server
	hits atomic.Int64
}

// startServer serves h on ip (e.g. "127.0.0.2") with a random port.
func startServer(t *testing.T, ip string, h http.HandlerFunc) *countingServer {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	cs := &countingServer{}
	cs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.hits.Add(1)
		h(w, r)
	}))
	cs.Listener.Close()
	cs.Listener = l
	cs.Start()
	t.Cleanup(cs.Close)
	return cs
}

// port returns the server's port as a string.
func (cs *countingServer) port() string {
	_, p, _ := net.SplitHostPort(cs.Listener.Addr().String())
	return p
}

// startDNS runs a real DNS server (pkg/dnstest) answering A and AAAA
// queries from records (names without the trailing dot) and NXDOMAIN for
// anything else, and returns a Go resolver that uses it.
func startDNS(t *testing.T, records map[string][]string) *net.Resolver {
	t.Helper()
	return dnstest.Start(t, dnstest.Records(records)).Resolver()
}

// startRebindingDNS answers the first A query for any name with first and
// every later one with then: a rebinding attacker's DNS server.
func startRebindingDNS(t *testing.T, first, then string) (*net.Resolver, *atomic.Int64) {
	t.Helper()
	var queries atomic.Int64
	s := dnstest.Start(t, func(_ string, qtype dnsmessage.Type) dnstest.Answer {
		answer := then
		if qtype == dnsmessage.TypeA && queries.Add(1) == 1 {
			answer = first
		}
		return dnstest.Answer{Addrs: []netip.Addr{netip.MustParseAddr(answer)}}
	})
	return s.Resolver(), &queries
}

// only returns an allowAddr policy that admits exactly the given addresses.
func only(addrs ...string) func(netip.Addr) bool {
	set := map[netip.Addr]bool{}
	for _, s := range addrs {
		set[netip.MustParseAddr(s)] = true
	}
	return func(a netip.Addr) bool { return set[a] }
}
