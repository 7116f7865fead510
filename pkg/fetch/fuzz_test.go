package fetch

import (
	"net/netip"
	"testing"
)

// FuzzRestriction checks the address classifier's invariants on arbitrary
// addresses: 4 bytes are an IPv4 address, 16 an IPv6 one, anything else is
// parsed as text (with zones, mapped forms, …).
func FuzzRestriction(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:c0a8:101::", "fe80::1%eth0", "8.8.8.8", "2606:4700::1111"} {
		f.Add([]byte(s))
	}
	f.Add([]byte{169, 254, 169, 254})
	f.Add(netip.MustParseAddr("fd00:ec2::254").AsSlice())
	f.Fuzz(func(t *testing.T, b []byte) {
		var a netip.Addr
		switch len(b) {
		case 4:
			a = netip.AddrFrom4([4]byte(b))
		case 16:
			a = netip.AddrFrom16([16]byte(b))
		default:
			var err error
			if a, err = netip.ParseAddr(string(b)); err != nil {
				return
			}
		}
		r := Restriction(a)
		if a.Is6() {
			if z := Restriction(a.WithZone("")); z != r {
				t.Fatalf("%s: zone changed the verdict: %q vs %q", a, r, z)
			}
		}
		std := a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
			a.IsMulticast() || a.IsInterfaceLocalMulticast() || a.IsUnspecified() || !a.IsGlobalUnicast()
		if std && r == "" {
			t.Fatalf("%s: the standard library says non-public, Restriction allows it", a)
		}
		if !a.Is4() {
			return
		}
		v4 := a.As4()
		if m := Restriction(netip.AddrFrom16(a.As16())); m != r {
			t.Fatalf("%s: IPv4-mapped form judged %q, plain %q", a, m, r)
		}
		nat64 := netip.MustParseAddr("64:ff9b::").As16()
		copy(nat64[12:], v4[:])
		sixto4 := netip.MustParseAddr("2002::").As16()
		copy(sixto4[2:6], v4[:])
		for _, wrapped := range []netip.Addr{netip.AddrFrom16(nat64), netip.AddrFrom16(sixto4)} {
			if w := Restriction(wrapped); (w == "") != (r == "") {
				t.Fatalf("%s embedded in %s: judged %q, plain %q", a, wrapped, w, r)
			}
		}
	})
}
