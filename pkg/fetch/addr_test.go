package fetch

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRestriction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr string
		want string
	}{
		{name: "public v4", addr: "8.8.8.8", want: ""},
		{name: "public v4 near private", addr: "172.32.0.1", want: ""},
		{name: "public v4 just below CGNAT", addr: "100.63.255.255", want: ""},
		{name: "public v6", addr: "2606:4700:4700::1111", want: ""},
		{name: "unspecified v4", addr: "0.0.0.0", want: RestrictUnspecified},
		{name: "this network", addr: "0.1.2.3", want: RestrictReserved},
		{name: "loopback", addr: "127.0.0.1", want: RestrictLoopback},
		{name: "loopback other", addr: "127.255.0.9", want: RestrictLoopback},
		{name: "rfc1918 10", addr: "10.0.0.1", want: RestrictPrivate},
		{name: "rfc1918 172", addr: "172.31.255.255", want: RestrictPrivate},
		{name: "rfc1918 192", addr: "192.168.1.1", want: RestrictPrivate},
		{name: "cgnat", addr: "100.64.0.1", want: RestrictSharedNAT},
		{name: "cgnat top", addr: "100.127.255.254", want: RestrictSharedNAT},
		{name: "link-local v4", addr: "169.254.1.1", want: RestrictLinkLocal},
		{name: "metadata", addr: "169.254.169.254", want: RestrictMetadata},
		{name: "metadata v6", addr: "fd00:ec2::254", want: RestrictMetadata},
		{name: "ietf protocol assignments", addr: "192.0.0.170", want: RestrictReserved},
		{name: "test-net-1", addr: "192.0.2.1", want: RestrictDocumentation},
		{name: "test-net-2", addr: "198.51.100.7", want: RestrictDocumentation},
		{name: "test-net-3", addr: "203.0.113.9", want: RestrictDocumentation},
		{name: "benchmarking", addr: "198.19.0.1", want: RestrictReserved},
		{name: "multicast v4", addr: "224.0.0.1", want: RestrictMulticast},
		{name: "reserved 240", addr: "240.0.0.1", want: RestrictReserved},
		{name: "broadcast", addr: "255.255.255.255", want: RestrictReserved},
		{name: "unspecified v6", addr: "::", want: RestrictUnspecified},
		{name: "loopback v6", addr: "::1", want: RestrictLoopback},
		{name: "mapped loopback", addr: "::ffff:127.0.0.1", want: RestrictLoopback},
		{name: "mapped private", addr: "::ffff:10.1.2.3", want: RestrictPrivate},
		{name: "mapped metadata", addr: "::ffff:169.254.169.254", want: RestrictMetadata},
		{name: "mapped public", addr: "::ffff:8.8.8.8", want: ""},
		{name: "ipv4-compatible", addr: "::127.0.0.1", want: RestrictReserved},
		{name: "ipv4-compatible public", addr: "::8.8.8.8", want: RestrictReserved},
		{name: "nat64 loopback", addr: "64:ff9b::127.0.0.1", want: RestrictTunnel + " to " + RestrictLoopback},
		{name: "nat64 metadata", addr: "64:ff9b::a9fe:a9fe", want: RestrictTunnel + " to " + RestrictMetadata},
		{name: "nat64 public", addr: "64:ff9b::8.8.8.8", want: ""},
		{name: "nat64 local-use", addr: "64:ff9b:1::8.8.8.8", want: RestrictReserved},
		{name: "6to4 private", addr: "2002:0a00:0001::1", want: RestrictTunnel + " to " + RestrictPrivate},
		{name: "6to4 loopback", addr: "2002:7f00:1::", want: RestrictTunnel + " to " + RestrictLoopback},
		{name: "6to4 public", addr: "2002:0808:0808::1", want: ""},
		{name: "teredo", addr: "2001:0:4136:e378:8000:63bf:3fff:fdd2", want: RestrictTunnel},
		{name: "documentation v6", addr: "2001:db8::1", want: RestrictDocumentation},
		{name: "documentation v6 new", addr: "3fff::1", want: RestrictDocumentation},
		{name: "orchid v2", addr: "2001:20::1", want: RestrictReserved},
		{name: "discard", addr: "100::1", want: RestrictReserved},
		{name: "ula", addr: "fd12:3456::1", want: RestrictPrivate},
		{name: "ula fc", addr: "fc00::1", want: RestrictPrivate},
		{name: "link-local v6", addr: "fe80::1", want: RestrictLinkLocal},
		{name: "link-local v6 with zone", addr: "fe80::1%eth0", want: RestrictLinkLocal},
		{name: "ula with zone", addr: "fd00::1%2", want: RestrictPrivate},
		{name: "site-local", addr: "fec0::1", want: RestrictPrivate},
		{name: "multicast v6", addr: "ff02::1", want: RestrictMulticast},
		{name: "unassigned v6 outside 2000::/3", addr: "4000::1", want: RestrictReserved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Restriction(netip.MustParseAddr(tt.addr)))
		})
	}
	require.Equal(t, RestrictInvalid, Restriction(netip.Addr{}))
}

func TestBlockedErrorMessage(t *testing.T) {
	t.Parallel()
	err := &BlockedError{Addr: netip.MustParseAddr("10.0.0.1"), Reason: RestrictPrivate}
	require.Equal(t, "address 10.0.0.1 is not allowed (private network)", err.Error())
}

// TestDialControlChecksSocketAddress covers the second line of defence:
// even if a connection were attempted without the resolving dialer, the
// net.Dialer Control hook refuses restricted socket addresses.
func TestDialControlChecksSocketAddress(t *testing.T) {
	t.Parallel()
	c := New(DefaultOptions())
	tests := []struct {
		name    string
		address string
		reason  string
	}{
		{name: "loopback", address: "127.0.0.1:6379", reason: RestrictLoopback},
		{name: "metadata", address: "169.254.169.254:80", reason: RestrictMetadata},
		{name: "mapped private", address: "[::ffff:10.0.0.1]:80", reason: RestrictPrivate},
		{name: "public", address: "8.8.8.8:443"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := c.dialer.Control("tcp", tt.address, nil)
			if tt.reason == "" {
				require.NoError(t, err)
				return
			}
			var blocked *BlockedError
			require.ErrorAs(t, err, &blocked)
			require.Equal(t, tt.reason, blocked.Reason)
		})
	}
	require.Error(t, c.dialer.Control("tcp", "not-an-address", nil))
}
