package fetch

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"
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

// startDNS runs a tiny authoritative DNS server on a real UDP socket that
// answers A and AAAA queries from records (names without the trailing dot)
// and NXDOMAIN for anything else, and returns a Go resolver that uses it.
func startDNS(t *testing.T, records map[string][]string) *net.Resolver {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if msg := answerDNS(buf[:n], records); msg != nil {
				_, _ = pc.WriteTo(msg, from)
			}
		}
	}()
	server := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}
}

// startRebindingDNS answers the first A query for any name with first and
// every later one with then: a rebinding attacker's DNS server.
func startRebindingDNS(t *testing.T, first, then string) (*net.Resolver, *atomic.Int64) {
	t.Helper()
	var queries atomic.Int64
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			if _, err := p.Start(buf[:n]); err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			answer := then
			if q.Type == dnsmessage.TypeA && queries.Add(1) == 1 {
				answer = first
			}
			name := strings.TrimSuffix(q.Name.String(), ".")
			if msg := answerDNS(buf[:n], map[string][]string{name: {answer}}); msg != nil {
				_, _ = pc.WriteTo(msg, from)
			}
		}
	}()
	server := pc.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", server)
		},
	}, &queries
}

func answerDNS(query []byte, records map[string][]string) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	addrs, known := records[strings.TrimSuffix(strings.ToLower(q.Name.String()), ".")]
	hdr := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !known {
		hdr.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, hdr)
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
	for _, s := range addrs {
		a := netip.MustParseAddr(s)
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			_ = b.AResource(rh, dnsmessage.AResource{A: a.As4()})
		case q.Type == dnsmessage.TypeAAAA && a.Is6():
			_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
	}
	msg, err := b.Finish()
	if err != nil {
		return nil
	}
	return msg
}

// only returns an allowAddr policy that admits exactly the given addresses.
func only(addrs ...string) func(netip.Addr) bool {
	set := map[netip.Addr]bool{}
	for _, s := range addrs {
		set[netip.MustParseAddr(s)] = true
	}
	return func(a netip.Addr) bool { return set[a] }
}
