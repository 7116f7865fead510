// Package dnstest runs a real DNS server for tests: an authoritative
// server on a loopback UDP socket that a Go resolver (or a strata process,
// through STRATA_DNS_SERVER) queries over the network like any other, so
// tests of host-name handling need neither the machine's resolver nor
// names that exist on the internet.
package dnstest

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Answer is how the server answers one query.
type Answer struct {
	// Addrs are the addresses of the name; the server returns those of
	// the query's family (A: IPv4, AAAA: IPv6).
	Addrs []netip.Addr
	// RCode is the response code: RCodeSuccess (the zero value) with
	// Addrs, RCodeNameError for NXDOMAIN, RCodeServerFailure for
	// SERVFAIL.
	RCode dnsmessage.RCode
	// Silent drops the query unanswered, so the resolver times out.
	Silent bool
}

// Handler answers a query for name (lower case, without the trailing dot)
// of type qtype. It is called from the server's goroutine.
type Handler func(name string, qtype dnsmessage.Type) Answer

// Server is a running DNS server; it stops when its test ends.
type Server struct {
	addr    string
	queries atomic.Int64
}

// Start serves h on 127.0.0.1 at a free UDP port until t ends.
func Start(t testing.TB, h Handler) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	s := &Server{addr: pc.LocalAddr().String()}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			s.queries.Add(1)
			if msg := reply(buf[:n], h); msg != nil {
				_, _ = pc.WriteTo(msg, from)
			}
		}
	}()
	return s
}

// Records answers the names of records (without the trailing dot) with
// their addresses and every other name with NXDOMAIN.
func Records(records map[string][]string) Handler {
	parsed := map[string][]netip.Addr{}
	for name, addrs := range records {
		list := []netip.Addr{} // a name with none exists, without addresses
		for _, a := range addrs {
			list = append(list, netip.MustParseAddr(a))
		}
		parsed[strings.ToLower(name)] = list
	}
	return func(name string, _ dnsmessage.Type) Answer {
		addrs, ok := parsed[name]
		if !ok {
			return Answer{RCode: dnsmessage.RCodeNameError}
		}
		return Answer{Addrs: addrs}
	}
}

// Everything answers every name with addrs.
func Everything(addrs ...string) Handler {
	var parsed []netip.Addr
	for _, a := range addrs {
		parsed = append(parsed, netip.MustParseAddr(a))
	}
	return func(string, dnsmessage.Type) Answer { return Answer{Addrs: parsed} }
}

// Addr is the server's host:port, for STRATA_DNS_SERVER.
func (s *Server) Addr() string { return s.addr }

// Queries is how many queries the server has received.
func (s *Server) Queries() int64 { return s.queries.Load() }

// Resolver is a Go resolver that sends every query to the server.
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", s.addr)
		},
	}
}

// reply is the response to query as h answers it, nil for none.
func reply(query []byte, h Handler) []byte {
	var p dnsmessage.Parser
	hdr, err := p.Start(query)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	a := h(strings.TrimSuffix(strings.ToLower(q.Name.String()), "."), q.Type)
	if a.Silent {
		return nil
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{
		ID: hdr.ID, Response: true, Authoritative: true, RecursionDesired: hdr.RecursionDesired, RCode: a.RCode,
	})
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
	for _, addr := range a.Addrs {
		switch {
		case q.Type == dnsmessage.TypeA && addr.Is4():
			_ = b.AResource(rh, dnsmessage.AResource{A: addr.As4()})
		case q.Type == dnsmessage.TypeAAAA && addr.Is6():
			_ = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: addr.As16()})
		}
	}
	msg, err := b.Finish()
	if err != nil {
		return nil
	}
	return msg
}
