package pngenc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/adler32"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// inflate decodes a zlib stream with Go's decoder, which checks the
// Huffman tables, every code and the Adler-32 checksum.
func inflate(t testing.TB, z []byte) []byte {
	r, err := zlib.NewReader(bytes.NewReader(z))
	require.NoError(t, err)
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	return out
}

// scanlineCases are filterless scanlines of several kinds of content.
func scanlineCases() map[string][]byte {
	rng := rand.New(rand.NewPCG(5, 6))
	const w, h, bpp = 97, 41, 3
	stride := 1 + w*bpp
	mk := func(px func(x, y int) [3]byte) []byte {
		raw := make([]byte, h*stride)
		for y := range h {
			for x := range w {
				p := px(x, y)
				copy(raw[y*stride+1+x*bpp:], p[:])
			}
		}
		return raw
	}
	return map[string][]byte{
		"empty-ish":  make([]byte, stride),
		"flat":       mk(func(x, y int) [3]byte { return [3]byte{200, 10, 30} }),
		"stripes":    mk(func(x, y int) [3]byte { return [3]byte{byte(x / 7 * 40), byte(y), 0} }),
		"diagonal":   mk(func(x, y int) [3]byte { v := byte((x + y) * 2); return [3]byte{v, v / 2, 255 - v} }),
		"noise":      mk(func(x, y int) [3]byte { return [3]byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())} }),
		"two values": mk(func(x, y int) [3]byte { return [3]byte{byte(rng.IntN(2)) * 255, 0, 0} }),
	}
}

func TestFlatDeflateRoundTrip(t *testing.T) {
	const w, bpp = 97, 3
	for name, raw := range scanlineCases() {
		z := flatDeflate(nil, raw, 1+w*bpp, bpp, adler32.Checksum(raw))
		require.Equal(t, raw, inflate(t, z), name)
		t.Logf("%s: %d -> %d bytes", name, len(raw), len(z))
	}
}

func TestHuffmanLengthsAreLimitedAndComplete(t *testing.T) {
	// Fibonacci frequencies make the deepest unlimited Huffman tree.
	freq := make([]uint32, 40)
	a, b := uint32(1), uint32(1)
	for i := range freq {
		freq[i] = a
		a, b = b, a+b
	}
	for _, limit := range []int{7, 15} {
		lengths := make([]uint8, len(freq))
		huffmanLengths(freq, lengths, limit)
		kraft := 0.0
		for _, l := range lengths {
			require.True(t, l >= 1 && int(l) <= limit, "length %d over %d", l, limit)
			kraft += 1 / float64(uint64(1)<<l)
		}
		require.InDelta(t, 1.0, kraft, 1e-9, "a complete prefix code")
	}
}

// FuzzFlatDeflate: any data, row length and pixel size round-trips,
// in one part and in two.
func FuzzFlatDeflate(f *testing.F) {
	for _, raw := range scanlineCases() {
		f.Add(raw, uint8(3))
	}
	f.Fuzz(func(t *testing.T, raw []byte, bpp uint8) {
		b := int(bpp%4) + 1
		if len(raw) == 0 {
			return
		}
		stride := 1 + b*(1+len(raw)%61)
		require.Equal(t, raw, inflate(t, flatDeflate(nil, raw, stride, b, adler32.Checksum(raw))))
		// Two parts, the second referring back into the first (bands).
		if cut := len(raw) / stride / 2 * stride; cut > 0 {
			z := flatBlock(append([]byte(nil), zlibHeader...), raw, 0, cut, stride, b, false)
			z = flatBlock(z, raw, cut, len(raw), stride, b, true)
			z = binary.BigEndian.AppendUint32(z, adler32.Checksum(raw))
			require.Equal(t, raw, inflate(t, z), "in two parts at %d", cut)
		}
	})
}

func TestDistCode(t *testing.T) {
	for d := 1; d <= maxDistance; d++ {
		c := distCode(d)
		require.True(t, distBase[c] <= d && d < distBase[c]+1<<distExtraBits[c], "distance %d got code %d", d, c)
	}
}

// Rows longer than DEFLATE's 32 KB window: the row above is out of reach
// and must not be used.
func TestFlatDeflateWideRows(t *testing.T) {
	const w, h, bpp = 9000, 6, 4
	stride := 1 + w*bpp
	raw := make([]byte, h*stride)
	rng := rand.New(rand.NewPCG(7, 8))
	for y := range h {
		for x := range w {
			v := byte(x / 50)
			if rng.IntN(20) == 0 {
				v = byte(rng.Uint32())
			}
			copy(raw[y*stride+1+x*bpp:], []byte{v, v, 255 - v, 255})
		}
	}
	require.Equal(t, raw, inflate(t, flatDeflate(nil, raw, stride, bpp, adler32.Checksum(raw))))
}

func TestAdler32Combine(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, cut := range []int{0, 1, 5552, 65521, 100_000, 299_999, 300_000} {
		a, b := adler32.Checksum(data[:cut]), adler32.Checksum(data[cut:])
		require.Equal(t, adler32.Checksum(data), adler32Combine(a, b, len(data)-cut), "cut at %d", cut)
	}
}

// TestFlatBlocksJoin: parts compressed on their own, each referring back
// into the data before it, join into one stream that inflates to the whole.
func TestFlatBlocksJoin(t *testing.T) {
	const w, bpp = 97, 3
	stride := 1 + w*bpp
	for name, raw := range scanlineCases() {
		rows := len(raw) / stride
		cuts := []int{0, rows / 3 * stride, rows * 2 / 3 * stride, len(raw)}
		z := append([]byte(nil), zlibHeader...)
		adler := uint32(1)
		for i := 0; i+1 < len(cuts); i++ {
			z = flatBlock(z, raw, cuts[i], cuts[i+1], stride, bpp, i == len(cuts)-2)
			adler = adler32Combine(adler, adler32.Checksum(raw[cuts[i]:cuts[i+1]]), cuts[i+1]-cuts[i])
		}
		z = binary.BigEndian.AppendUint32(z, adler)
		require.Equal(t, raw, inflate(t, z), name)
	}
}

// TestMatchLength checks matchLength against a byte-by-byte count for
// every length up to two runs of 258 and every position of the first
// difference.
func TestMatchLength(t *testing.T) {
	a := make([]byte, 2*maxMatch)
	for i := range a {
		a[i] = byte(i * 7)
	}
	for n := 0; n <= len(a); n++ {
		for diff := 0; diff <= n; diff++ {
			b := append([]byte(nil), a...)
			if diff < n {
				b[diff] ^= 0x10
			}
			require.Equal(t, diff, matchLength(a[:n], b), "length %d, first difference at %d", n, diff)
		}
	}
}

// TestLongestMatchIsCheckedMatch: the branch-free search finds the same
// match as the candidate-by-candidate one at every position where it is
// used, with the hash tables kept alike.
func TestLongestMatchIsCheckedMatch(t *testing.T) {
	const w, bpp = 97, 3
	stride := 1 + w*bpp
	for name, raw := range scanlineCases() {
		dists := [...]int{bpp, stride, stride - bpp, stride + bpp, stride - 2*bpp, stride + 2*bpp, 0}
		fast, slow := dists, dists
		recentFast, recentSlow := make([]int32, 1<<hashBits), make([]int32, 1<<hashBits)
		for i := dists[5]; i+4 <= len(raw); i++ {
			limit := min(maxMatch, len(raw)-i)
			l, d := longestMatch(raw, i, limit, &fast, recentFast)
			wantL, wantD := checkedMatch(raw, i, limit, &slow, recentSlow)
			if wantL < minMatch {
				require.Less(t, l, minMatch, "%s at %d", name, i)
				continue
			}
			require.Equal(t, [2]int{wantL, wantD}, [2]int{l, d}, "%s at %d", name, i)
		}
		require.Equal(t, recentSlow, recentFast, name)
	}
}
