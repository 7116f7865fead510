package dnstest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/dns/dnsmessage"
)

// A Go resolver pointed at the server gets the records, NXDOMAIN for
// unknown names, SERVFAIL and silence as the handler says.
func TestServer(t *testing.T) {
	records := Records(map[string][]string{"hooks.example.com": {"93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"}})
	s := Start(t, func(name string, qtype dnsmessage.Type) Answer {
		switch name {
		case "fail.example.com":
			return Answer{RCode: dnsmessage.RCodeServerFailure}
		case "slow.example.com":
			return Answer{Silent: true}
		}
		return records(name, qtype)
	})
	r := s.Resolver()
	ctx := context.Background()
	addrs, err := r.LookupNetIP(ctx, "ip", "Hooks.Example.com")
	require.NoError(t, err)
	require.Len(t, addrs, 2)

	var dnsErr *net.DNSError
	_, err = r.LookupNetIP(ctx, "ip", "nowhere.example.com")
	require.True(t, errors.As(err, &dnsErr) && dnsErr.IsNotFound, "%v", err)

	_, err = r.LookupNetIP(ctx, "ip", "fail.example.com")
	require.True(t, errors.As(err, &dnsErr) && !dnsErr.IsNotFound, "%v", err)

	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = r.LookupNetIP(short, "ip", "slow.example.com")
	require.True(t, errors.As(err, &dnsErr) && dnsErr.IsTimeout && !dnsErr.IsNotFound, "%v", err)
	require.Positive(t, s.Queries())

	all := Start(t, Everything("93.184.215.14")).Resolver()
	addrs, err = all.LookupNetIP(ctx, "ip4", "anything.invalid")
	require.NoError(t, err)
	require.Equal(t, "93.184.215.14", addrs[0].Unmap().String())
}
