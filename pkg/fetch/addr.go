package fetch

import (
	"fmt"
	"net/netip"
)

// Restriction categories returned by Restriction. They appear in the public
// error message ("address 10.0.0.1 is not allowed (private network)").
const (
	RestrictInvalid       = "invalid address"
	RestrictUnspecified   = "unspecified address"
	RestrictLoopback      = "loopback"
	RestrictPrivate       = "private network"
	RestrictSharedNAT     = "carrier-grade NAT"
	RestrictLinkLocal     = "link-local"
	RestrictMetadata      = "cloud metadata endpoint"
	RestrictMulticast     = "multicast"
	RestrictReserved      = "reserved range"
	RestrictDocumentation = "documentation range"
	RestrictTunnel        = "tunnel address"
)

// rangeRule is one blocked prefix and the category it is reported under.
type rangeRule struct {
	prefix netip.Prefix
	reason string
}

func rule(cidr, reason string) rangeRule {
	return rangeRule{prefix: netip.MustParsePrefix(cidr), reason: reason}
}

// metadataV4 is the cloud instance-metadata address (AWS, GCP, Azure,
// OpenStack, DigitalOcean…); it is inside 169.254/16 but named separately so
// the message says what was attempted.
var metadataV4 = netip.MustParseAddr("169.254.169.254")

// metadataV6 is AWS's IPv6 instance-metadata address (inside fd00::/8).
var metadataV6 = netip.MustParseAddr("fd00:ec2::254")

// v4Rules are the IPv4 ranges that are not public unicast (IANA IPv4
// Special-Purpose Address Registry, RFC 6890 and successors). Order matters
// only for the reported category: the first match wins.
var v4Rules = []rangeRule{
	rule("0.0.0.0/32", RestrictUnspecified),
	rule("0.0.0.0/8", RestrictReserved), // "this network": 0.x.y.z reaches the local host on Linux
	rule("10.0.0.0/8", RestrictPrivate),
	rule("100.64.0.0/10", RestrictSharedNAT),
	rule("127.0.0.0/8", RestrictLoopback),
	rule("169.254.0.0/16", RestrictLinkLocal),
	rule("172.16.0.0/12", RestrictPrivate),
	rule("192.0.0.0/24", RestrictReserved), // IETF protocol assignments
	rule("192.0.2.0/24", RestrictDocumentation),
	rule("192.88.99.0/24", RestrictReserved), // deprecated 6to4 relay anycast
	rule("192.168.0.0/16", RestrictPrivate),
	rule("198.18.0.0/15", RestrictReserved), // benchmarking
	rule("198.51.100.0/24", RestrictDocumentation),
	rule("203.0.113.0/24", RestrictDocumentation),
	rule("224.0.0.0/4", RestrictMulticast),
	rule("240.0.0.0/4", RestrictReserved), // future use, includes 255.255.255.255 broadcast
}

// v6Rules are the IPv6 ranges that are blocked outright. Ranges that embed
// an IPv4 address in a well-defined place (IPv4-mapped, NAT64 64:ff9b::/96,
// 6to4) are not here: Restriction judges them by the embedded address.
var v6Rules = []rangeRule{
	rule("::/128", RestrictUnspecified),
	rule("::1/128", RestrictLoopback),
	rule("::/96", RestrictReserved),          // deprecated IPv4-compatible ::a.b.c.d
	rule("64:ff9b:1::/48", RestrictReserved), // local-use NAT64 (RFC 8215): a translator inside someone's network
	rule("100::/64", RestrictReserved),       // discard-only
	rule("2001::/32", RestrictTunnel),        // Teredo: embeds an (obfuscated) IPv4 client address
	rule("2001:2::/48", RestrictReserved),    // benchmarking
	rule("2001:10::/28", RestrictReserved),   // ORCHID (deprecated)
	rule("2001:20::/28", RestrictReserved),   // ORCHIDv2, not routable
	rule("2001:db8::/32", RestrictDocumentation),
	rule("3fff::/20", RestrictDocumentation), // RFC 9637
	rule("fc00::/7", RestrictPrivate),        // unique local addresses
	rule("fe80::/10", RestrictLinkLocal),
	rule("fec0::/10", RestrictPrivate), // deprecated site-local
	rule("ff00::/8", RestrictMulticast),
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
	// globalV6 is the only IPv6 block IANA allocates for global unicast;
	// everything outside it (bar NAT64, judged above) is unassigned.
	globalV6 = netip.MustParsePrefix("2000::/3")
)

// Restriction reports why addr must not be reached by a fetch on behalf of
// an API client, or "" when addr is a public unicast address. IPv6 zones
// are ignored; IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and
// 6to4 (2002:aabb:ccdd::) addresses are judged by the IPv4 address they
// embed, so ::ffff:127.0.0.1 is loopback and 64:ff9b::8.8.8.8 is public.
func Restriction(addr netip.Addr) string {
	if !addr.IsValid() {
		return RestrictInvalid
	}
	// Prefix.Contains never matches an address with a zone.
	addr = addr.WithZone("")
	if addr.Is4In6() {
		return Restriction(addr.Unmap())
	}
	if addr.Is4() {
		if addr == metadataV4 {
			return RestrictMetadata
		}
		return match(addr, v4Rules)
	}
	if addr == metadataV6 {
		return RestrictMetadata
	}
	if r := match(addr, v6Rules); r != "" {
		return r
	}
	b := addr.As16()
	if nat64Prefix.Contains(addr) {
		return embedded(netip.AddrFrom4([4]byte(b[12:16])))
	}
	if sixToFour.Contains(addr) {
		return embedded(netip.AddrFrom4([4]byte(b[2:6])))
	}
	if addr.Is6() && !globalV6.Contains(addr) {
		return RestrictReserved
	}
	// Belt and braces: anything the tables missed that the standard library
	// knows is not global unicast.
	switch {
	case addr.IsLoopback():
		return RestrictLoopback
	case addr.IsPrivate():
		return RestrictPrivate
	case addr.IsLinkLocalUnicast():
		return RestrictLinkLocal
	case addr.IsMulticast():
		return RestrictMulticast
	case !addr.IsGlobalUnicast():
		return RestrictReserved
	}
	return ""
}

// embedded judges an IPv4 address found inside an IPv6 translation or
// tunnel address: a public one is fine, anything else is reported as a
// tunnel to that category.
func embedded(v4 netip.Addr) string {
	if r := Restriction(v4); r != "" {
		return RestrictTunnel + " to " + r
	}
	return ""
}

func match(addr netip.Addr, rules []rangeRule) string {
	for _, r := range rules {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	return ""
}

// BlockedError is returned (wrapped) when a connection would reach an
// address that the fetch policy forbids. It is detected at dial time, so it
// covers DNS names, DNS rebinding and every redirect hop alike.
type BlockedError struct {
	// Addr is the resolved address that was refused.
	Addr netip.Addr
	// Reason is the Restriction category.
	Reason string
}

// Error reads "address 10.0.0.1 is not allowed (private network)".
func (e *BlockedError) Error() string {
	return fmt.Sprintf("address %s is not allowed (%s)", e.Addr, e.Reason)
}
