package pngenc

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/strata-render/strata/pkg/pixels"
)

// flatDeflate compresses PNG scanlines of drawn content (flat colour,
// text, shapes) as one zlib stream. Such images are mostly runs of one
// pixel and rows that repeat the row above, so instead of a general
// matcher it only tries a few distances: one pixel back, the row above,
// and the row above shifted by one or two pixels (diagonal edges and
// gradients). Matches are measured eight bytes at a time, so long runs cost
// a few instructions per 258 bytes, where a general DEFLATE matcher hashes
// every position (docs/PERFORMANCE.md, "PNG writer"). The tokens go into
// one block with Huffman codes built for them, appended to dst. stride is
// the scanline length (filter byte included), bpp the bytes per pixel,
// adler the Adler-32 checksum of raw.
func flatDeflate(dst, raw []byte, stride, bpp int, adler uint32) []byte {
	dst = append(dst, zlibHeader...)
	dst = flatBlock(dst, raw, 0, len(raw), stride, bpp, true)
	return binary.BigEndian.AppendUint32(dst, adler)
}

// zlibHeader starts every stream: deflate, 32 KB window, fastest.
var zlibHeader = []byte{0x78, 0x01}

// flatBlock appends raw[from:to] compressed as flatDeflate does, as one
// dynamic-Huffman block that may refer back into raw[:from] (a decoder
// has it: it is the data before this part). A final block ends the
// stream's DEFLATE data; any other is followed by an empty stored block
// (a full flush) so that it ends on a byte boundary and the next part can
// be appended as it is, the way pigz joins parts compressed in parallel.
func flatBlock(dst, raw []byte, from, to, stride, bpp int, final bool) []byte {
	// Drawn content makes few tokens (the certificate: about one per 40
	// bytes); the buffer grows as needed and is kept at its grown size.
	tokens := tokenPool.Get(0)
	defer func() { tokenPool.Put(tokens) }()

	dists := [...]int{bpp, stride, stride - bpp, stride + bpp, stride - 2*bpp, stride + 2*bpp, 0}
	var litFreq [286]uint32
	var distFreq [30]uint32
	// recent[h] is the last position whose four bytes hashed to h, for the
	// one general candidate (repeated glyph shapes, pattern fills); it is
	// updated only where a token starts, never inside a match.
	recent := hashPool.Get(1 << hashBits)
	defer hashPool.Put(recent)
	clear(recent)
	// From one row and two pixels on, every fixed distance is in reach
	// (unless rows are too short or too long for them all).
	steady := from + dists[5]
	if dists[4] < 1 || dists[5] > maxDistance {
		steady = to
	}
	for i := from; i < to; {
		var best, bestDist int
		if limit := min(maxMatch, to-i); i >= steady && limit >= 4 {
			best, bestDist = longestMatch(raw, i, limit, &dists, recent)
		} else {
			best, bestDist = checkedMatch(raw, i, limit, &dists, recent)
		}
		if best < minMatch {
			litFreq[raw[i]]++
			tokens = append(tokens, uint32(raw[i]))
			i++
			continue
		}
		lc, dc := lengthCode(best), distCode(bestDist)
		litFreq[257+lc]++
		distFreq[dc]++
		tokens = append(tokens, matchToken|uint32(best)<<16|uint32(bestDist))
		i += best
	}
	litFreq[endOfBlock]++

	var litLen [286]uint8
	var distLen [30]uint8
	huffmanLengths(litFreq[:], litLen[:], 15)
	huffmanLengths(distFreq[:], distLen[:], 15)
	if distLen == [30]uint8{} {
		distLen[0] = 1 // a block must declare at least one distance code
	}
	litCode, distCodes := canonicalCodes(litLen[:]), canonicalCodes(distLen[:])

	w := bitWriter{out: dst}
	if final {
		w.write(1, 1)
	} else {
		w.write(0, 1)
	}
	w.write(2, 2) // dynamic Huffman codes
	writeCodeLengths(&w, litLen[:], distLen[:])
	writeTokens(&w, tokens, litCode, litLen[:], distCodes, distLen[:])
	w.write(uint64(litCode[endOfBlock]), uint(litLen[endOfBlock]))
	if !final {
		w.write(0, 3) // an empty stored block, not final: BFINAL 0, BTYPE 00
		w.flush()
		return append(w.out, 0x00, 0x00, 0xFF, 0xFF) // LEN 0, NLEN
	}
	w.flush()
	return w.out
}

// writeTokens writes the tokens with the block's Huffman codes. A match
// takes two writes: its length's code with the extra bits (from a table
// of every length, built here) and its distance's code with the extra
// bits.
func writeTokens(w *bitWriter, tokens []uint32, litCode []uint16, litLen []uint8, distCodes []uint16, distLen []uint8) {
	var lenBits [maxMatch - 2]uint32 // by length-3: the code, then the extra bits
	var lenN [maxMatch - 2]uint8
	for l := 3; l <= maxMatch; l++ {
		lc := lengthCode(l)
		n := litLen[257+lc]
		lenBits[l-3] = uint32(litCode[257+lc]) | uint32(l-lengthBase[lc])<<n
		lenN[l-3] = n + uint8(lengthExtraBits[lc])
	}
	bw := *w // a local copy: its bits stay in registers
	for _, t := range tokens {
		if t&matchToken == 0 {
			bw.write(uint64(litCode[t]), uint(litLen[t]))
			continue
		}
		l, d := t>>16&0x1FF-3, int(t&0xFFFF)
		bw.write(uint64(lenBits[l]), uint(lenN[l]))
		dc := distCode(d)
		n := uint(distLen[dc])
		bw.write(uint64(distCodes[dc])|uint64(d-distBase[dc])<<n, n+distExtraBits[dc])
	}
	*w = bw
}

// adler32Combine is the Adler-32 of a‖b from adler32(a), adler32(b) and
// len(b) (as zlib's adler32_combine computes it).
func adler32Combine(a, b uint32, lenB int) uint32 {
	const mod = 65521
	rem := uint64(lenB % mod)
	s1 := uint64(a & 0xFFFF)
	s2 := (rem * s1) % mod
	sum1 := s1 + uint64(b&0xFFFF) + mod - 1
	sum2 := uint64(a>>16) + uint64(b>>16) + s2 + mod - rem
	sum1 %= mod
	sum2 %= mod
	return uint32(sum2<<16 | sum1)
}

// DEFLATE's limits and token layout: a match token carries its length
// (3–258) in bits 16–24 and its distance (1–32768) in bits 0–15.
const (
	minMatch    = 4  // a 3-byte match rarely beats three literals here
	goodEnough  = 32 // a match this long ends the search at its position
	maxMatch    = 258
	maxDistance = 32768
	endOfBlock  = 256
	matchToken  = 1 << 31
)

// tokenPool and hashPool keep token buffers and hash tables between
// encodes.
var (
	tokenPool pixels.Pool[uint32]
	hashPool  pixels.Pool[int32]
)

const hashBits = 15

// hash4 hashes four bytes (little-endian) into hashBits bits.
func hash4(v uint32) uint32 { return v * 0x9E3779B1 >> (32 - hashBits) }

// checkedMatch is flatBlock's search at position i anywhere: the longest
// match of at most limit bytes at one of dists (the first of at least
// goodEnough), and its distance; under minMatch means none. Distances out
// of reach (before the data, past the window) are skipped. When four
// bytes are left it sets dists[6] to the hashed candidate (the last
// position whose four bytes hashed alike) and records i in recent.
func checkedMatch(raw []byte, i, limit int, dists *[7]int, recent []int32) (best, bestDist int) {
	if limit >= 4 {
		h := hash4(binary.LittleEndian.Uint32(raw[i:]))
		dists[6] = i - int(recent[h])
		recent[h] = int32(i)
	}
	for _, d := range dists {
		if d > i || d <= 0 || d > maxDistance || raw[i] != raw[i-d] {
			continue
		}
		if l := matchLength(raw[i:i+limit], raw[i-d:]); l > best {
			best, bestDist = l, d
			if l >= goodEnough {
				break
			}
		}
	}
	return best, bestDist
}

// longestMatch is checkedMatch once every fixed distance (dists[:6],
// each 1 to i) is in reach and four bytes are left (limit ≥ 4), with the
// same result. The candidates whose first four bytes equal those at i
// are found first, without branches or bounds checks (bit k of a mask for
// dists[k]), and only they are measured, in dists' order: one that
// differs there could only make a match under minMatch.
func longestMatch(raw []byte, i, limit int, dists *[7]int, recent []int32) (best, bestDist int) {
	head := binary.LittleEndian.Uint32(raw[i : i+4])
	h := hash4(head)
	dists[6] = i - int(recent[h])
	recent[h] = int32(i)
	at := unsafe.Pointer(&raw[i])
	mask := b2u(back32(at, dists[0]) == head) | b2u(back32(at, dists[1]) == head)<<1 |
		b2u(back32(at, dists[2]) == head)<<2 | b2u(back32(at, dists[3]) == head)<<3 |
		b2u(back32(at, dists[4]) == head)<<4 | b2u(back32(at, dists[5]) == head)<<5
	if d := dists[6]; d > 0 && d <= maxDistance && back32(at, d) == head {
		mask |= 1 << 6
	}
	for ; mask != 0; mask &= mask - 1 {
		d := dists[bits.TrailingZeros(mask)]
		if l := matchLength(raw[i:i+limit], raw[i-d:]); l > best {
			best, bestDist = l, d
			if l >= goodEnough {
				break
			}
		}
	}
	return best, bestDist
}

// back32 is the four bytes (little-endian) d bytes before at; the caller
// guarantees that they are in its slice.
func back32(at unsafe.Pointer, d int) uint32 {
	b := (*[4]byte)(unsafe.Add(at, -d))
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint {
	var u uint
	if b {
		u = 1
	}
	return u
}

// matchLength is how many leading bytes of a equal those of b (b is at
// least as long as a), compared 32 bytes a step (four eight-byte XORs,
// so a run of 258 takes eight steps) and then eight at a time.
func matchLength(a, b []byte) int {
	b = b[:len(a)]
	n := 0
	for ; n+32 <= len(a); n += 32 {
		p, q := (*[32]byte)(a[n:]), (*[32]byte)(b[n:])
		x0 := binary.LittleEndian.Uint64(p[0:]) ^ binary.LittleEndian.Uint64(q[0:])
		x1 := binary.LittleEndian.Uint64(p[8:]) ^ binary.LittleEndian.Uint64(q[8:])
		x2 := binary.LittleEndian.Uint64(p[16:]) ^ binary.LittleEndian.Uint64(q[16:])
		x3 := binary.LittleEndian.Uint64(p[24:]) ^ binary.LittleEndian.Uint64(q[24:])
		if x0|x1|x2|x3 != 0 {
			return n + firstDiff(x0, x1, x2, x3)
		}
	}
	for ; n+8 <= len(a); n += 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)/8
		}
	}
	for n < len(a) && a[n] == b[n] {
		n++
	}
	return n
}

// firstDiff is the index of the first differing byte in the 32 bytes
// whose XORs are x0–x3 (little-endian; one of them is not zero).
func firstDiff(x0, x1, x2, x3 uint64) int {
	switch {
	case x0 != 0:
		return bits.TrailingZeros64(x0) / 8
	case x1 != 0:
		return 8 + bits.TrailingZeros64(x1)/8
	case x2 != 0:
		return 16 + bits.TrailingZeros64(x2)/8
	}
	return 24 + bits.TrailingZeros64(x3)/8
}

// The length and distance code tables of RFC 1951, section 3.2.5.
var (
	lengthBase      = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtraBits = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase        = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtraBits   = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	// lengthCodes[l-3] is the length code (0–28) of match length l.
	lengthCodes = func() (t [256]uint8) {
		for c := 0; c < 29; c++ {
			top := 258
			if c < 28 {
				top = lengthBase[c+1] - 1
			}
			for l := lengthBase[c]; l <= top && l-3 < len(t); l++ {
				t[l-3] = uint8(c)
			}
		}
		return t
	}()
)

func lengthCode(l int) int { return int(lengthCodes[l-3]) }

// distCode is the distance code (0–29) of distance d (1–32768), from
// two tables as zlib does: distances up to 256 directly, longer ones by
// their upper bits.
func distCode(d int) int {
	if d <= 256 {
		return int(distCodesNear[d-1])
	}
	return int(distCodesFar[(d-1)>>7])
}

var distCodesNear, distCodesFar = func() (near [256]uint8, far [256]uint8) {
	code := func(d int) uint8 {
		i, _ := slices.BinarySearch(distBase[:], d+1)
		return uint8(i - 1)
	}
	for d := 1; d <= 256; d++ {
		near[d-1] = code(d)
	}
	for k := range far {
		far[k] = code(k<<7 + 1)
	}
	return near, far
}()

// huffmanLengths sets lengths[i] to the code length of symbol i for the
// frequencies freq (0 for unused symbols), no code longer than maxBits.
// Huffman's lengths come from the two-queue construction over the sorted
// leaves; codes that come out too long are shortened with the adjustment
// of the JPEG standard (ITU T.81, annex K.3), and the lengths are handed
// out again longest first to the rarest symbols. A lone used symbol gets
// length 1.
func huffmanLengths(freq []uint32, lengths []uint8, maxBits int) {
	syms := make([]int, 0, len(freq))
	for s, f := range freq {
		lengths[s] = 0
		if f > 0 {
			syms = append(syms, s)
		}
	}
	n := len(syms)
	switch n {
	case 0:
		return
	case 1:
		lengths[syms[0]] = 1
		return
	}
	slices.SortStableFunc(syms, func(a, b int) int { return cmpUint32(freq[a], freq[b]) })
	// Nodes 0..n-1 are the leaves in ascending weight, n.. the internal
	// nodes in the order they are made (also ascending).
	weight := make([]uint64, 2*n-1)
	parent := make([]int, 2*n-1)
	for i, s := range syms {
		weight[i] = uint64(freq[s])
	}
	leaf, inner := 0, n
	take := func(next int) int {
		if leaf < n && (inner >= next || weight[leaf] <= weight[inner]) {
			leaf++
			return leaf - 1
		}
		inner++
		return inner - 1
	}
	for next := n; next < 2*n-1; next++ {
		a := take(next)
		b := take(next)
		weight[next] = weight[a] + weight[b]
		parent[a], parent[b] = next, next
	}
	depth := make([]int, 2*n-1)
	var count [64]int
	maxLen := 0
	for i := 2*n - 3; i >= 0; i-- { // the root, 2n-2, has depth 0
		depth[i] = depth[parent[i]] + 1
		if i < n {
			count[depth[i]]++
			maxLen = max(maxLen, depth[i])
		}
	}
	for l := maxLen; l > maxBits; l-- {
		for count[l] > 0 {
			j := l - 2
			for count[j] == 0 {
				j--
			}
			count[l] -= 2
			count[l-1]++
			count[j+1] += 2
			count[j]--
		}
	}
	// The rarest symbols (first in syms) get the longest codes.
	i := 0
	for l := min(maxLen, maxBits); l >= 1; l-- {
		for range count[l] {
			lengths[syms[i]] = uint8(l)
			i++
		}
	}
}

func cmpUint32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// canonicalCodes returns the canonical Huffman code of each symbol for
// the given lengths, bit-reversed as DEFLATE writes codes (first bit in
// the lowest position).
func canonicalCodes(lengths []uint8) []uint16 {
	var count [16]int
	for _, l := range lengths {
		count[l]++
	}
	count[0] = 0
	var next [16]int
	code := 0
	for b := 1; b < 16; b++ {
		code = (code + count[b-1]) << 1
		next[b] = code
	}
	codes := make([]uint16, len(lengths))
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		codes[s] = bits.Reverse16(uint16(next[l])) >> (16 - l)
		next[l]++
	}
	return codes
}

// codeLengthOrder is the order in which the code length code lengths are
// written (RFC 1951, 3.2.7).
var codeLengthOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// writeCodeLengths writes a dynamic block's header after BTYPE: the
// literal/length and distance code lengths, run-length coded with symbols
// 16–18 and themselves Huffman coded.
func writeCodeLengths(w *bitWriter, litLen, distLen []uint8) {
	nlit, ndist := len(litLen), len(distLen)
	for nlit > 257 && litLen[nlit-1] == 0 {
		nlit--
	}
	for ndist > 1 && distLen[ndist-1] == 0 {
		ndist--
	}
	all := append(slices.Clone(litLen[:nlit]), distLen[:ndist]...)
	// Run-length code the lengths: (symbol, extra bits value).
	type rl struct{ sym, extra uint8 }
	var seq []rl
	for i := 0; i < len(all); {
		l := all[i]
		run := 1
		for i+run < len(all) && all[i+run] == l {
			run++
		}
		i += run
		if l == 0 {
			for run >= 11 {
				k := min(run, 138)
				seq = append(seq, rl{18, uint8(k - 11)})
				run -= k
			}
			if run >= 3 {
				seq = append(seq, rl{17, uint8(run - 3)})
				run = 0
			}
		} else {
			seq = append(seq, rl{l, 0})
			run--
			for run >= 3 {
				k := min(run, 6)
				seq = append(seq, rl{16, uint8(k - 3)})
				run -= k
			}
		}
		for ; run > 0; run-- {
			seq = append(seq, rl{l, 0})
		}
	}
	var freq [19]uint32
	for _, r := range seq {
		freq[r.sym]++
	}
	var clLen [19]uint8
	huffmanLengths(freq[:], clLen[:], 7)
	clCodes := canonicalCodes(clLen[:])
	nclen := 19
	for nclen > 4 && clLen[codeLengthOrder[nclen-1]] == 0 {
		nclen--
	}
	w.write(uint64(nlit-257), 5)
	w.write(uint64(ndist-1), 5)
	w.write(uint64(nclen-4), 4)
	for _, s := range codeLengthOrder[:nclen] {
		w.write(uint64(clLen[s]), 3)
	}
	for _, r := range seq {
		w.write(uint64(clCodes[r.sym]), uint(clLen[r.sym]))
		switch r.sym {
		case 16:
			w.write(uint64(r.extra), 2)
		case 17:
			w.write(uint64(r.extra), 3)
		case 18:
			w.write(uint64(r.extra), 7)
		}
	}
}

// bitWriter appends bits to out, least significant first, as DEFLATE
// packs them.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	if w.nbits >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.nbits -= 32
	}
}

// flush writes the remaining bits, padded to a whole byte.
func (w *bitWriter) flush() {
	for w.nbits > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= min(w.nbits, 8)
	}
}
