package typeset

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// Thai is written without spaces between words, and UAX #14 leaves its
// line breaks to a dictionary. We read libthai's word list (Debian
// libthai-data, a libdatrie double-array trie), segment Thai runs into
// words by maximal matching, and insert U+200B ZERO WIDTH SPACE between
// words: a break opportunity for the line wrapper that draws nothing.

// thaiDictPaths are where the libthai dictionary is looked for, after
// <assets>/thai/thbrk.tri.
var thaiDictPaths = []string{"/usr/share/libthai/thbrk.tri"}

const (
	zwsp         = '\u200B'
	daSignature  = 0xDAFCDAFC
	amSignature  = 0xD9FCD9FC
	tailSigature = 0xDFFCDFFC
	daRoot       = 2
)

// thaiDict is a read-only libdatrie trie.
type thaiDict struct {
	ranges [][2]rune
	base   []int32
	check  []int32
	tails  [][]byte // suffixes of trie chars, each ending in 0
}

var (
	thaiOnce sync.Once
	thaiDB   *thaiDict
)

// thaiDictionary loads the dictionary once; nil when there is none.
func (r *Registry) thaiDictionary() *thaiDict {
	thaiOnce.Do(func() {
		for _, p := range append([]string{filepath.Join(r.dir, "thai", "thbrk.tri")}, thaiDictPaths...) {
			if b, err := os.ReadFile(p); err == nil {
				if d, err := parseTrie(b); err == nil {
					thaiDB = d
					return
				}
			}
		}
	})
	return thaiDB
}

var errTrie = errors.New("typeset: malformed trie")

// parseTrie reads libdatrie's file format: the alpha map, the double
// array and the tail, big-endian.
func parseTrie(b []byte) (*thaiDict, error) {
	pos := 0
	i32 := func() (int32, error) {
		if pos+4 > len(b) {
			return 0, errTrie
		}
		v := int32(binary.BigEndian.Uint32(b[pos:]))
		pos += 4
		return v, nil
	}
	d := &thaiDict{}
	if sig, err := i32(); err != nil || uint32(sig) != amSignature {
		return nil, errTrie
	}
	n, err := i32()
	if err != nil || n < 0 || n > 64 {
		return nil, errTrie
	}
	for range n {
		lo, err1 := i32()
		hi, err2 := i32()
		if err1 != nil || err2 != nil || lo > hi {
			return nil, errTrie
		}
		d.ranges = append(d.ranges, [2]rune{lo, hi})
	}
	if sig, err := i32(); err != nil || uint32(sig) != daSignature {
		return nil, errTrie
	}
	cells, err := i32()
	if err != nil || cells < 3 || int(cells)*8 > len(b) {
		return nil, errTrie
	}
	d.base, d.check = make([]int32, cells), make([]int32, cells)
	d.base[0], d.check[0] = int32(-1), cells
	for c := int32(1); c < cells; c++ {
		if d.base[c], err = i32(); err != nil {
			return nil, err
		}
		if d.check[c], err = i32(); err != nil {
			return nil, err
		}
	}
	if sig, err := i32(); err != nil || uint32(sig) != tailSigature {
		return nil, errTrie
	}
	if _, err := i32(); err != nil { // first free
		return nil, err
	}
	tails, err := i32()
	if err != nil || tails < 0 || int(tails)*10 > len(b) {
		return nil, errTrie
	}
	d.tails = make([][]byte, tails)
	for t := range d.tails {
		if _, err := i32(); err != nil { // next free
			return nil, err
		}
		if _, err := i32(); err != nil { // data
			return nil, err
		}
		if pos+2 > len(b) {
			return nil, errTrie
		}
		l := int(binary.BigEndian.Uint16(b[pos:]))
		pos += 2
		if pos+l > len(b) {
			return nil, errTrie
		}
		d.tails[t] = append(append(make([]byte, 0, l+1), b[pos:pos+l]...), 0)
		pos += l
	}
	return d, nil
}

// trieChar maps a rune to the trie's alphabet; 0 is the terminator and
// -1 a rune outside the alphabet.
func (d *thaiDict) trieChar(r rune) int32 {
	begin := int32(1)
	for _, rg := range d.ranges {
		if r >= rg[0] && r <= rg[1] {
			return begin + r - rg[0]
		}
		begin += rg[1] - rg[0] + 1
	}
	return -1
}

// cursor walks the trie one character at a time.
type cursor struct {
	d      *thaiDict
	state  int32
	tail   []byte // non-nil once in a tail suffix
	suffix int
}

func (c *cursor) walk(tc int32) bool {
	if c.tail != nil {
		if c.suffix < len(c.tail) && int32(c.tail[c.suffix]) == tc {
			if tc != 0 {
				c.suffix++
			}
			return true
		}
		return false
	}
	next := c.d.base[c.state] + tc
	if next <= 0 || int(next) >= len(c.d.check) || c.d.check[next] != c.state {
		return false
	}
	c.state = next
	if b := c.d.base[next]; b < 0 {
		t := int(-b) - 1
		if t < 0 || t >= len(c.d.tails) {
			return false
		}
		c.tail, c.suffix = c.d.tails[t], 0
	}
	return true
}

// terminal reports whether the characters walked so far form a word.
func (c cursor) terminal() bool { return c.walk(0) }

// isThai reports whether r is in the Thai block.
func isThai(r rune) bool { return r >= 0x0E01 && r <= 0x0E5B }

// thaiMark reports whether r attaches to the preceding character (above
// and below vowels, tone marks): never break before it.
func thaiMark(r rune) bool {
	return r == 0x0E31 || (r >= 0x0E34 && r <= 0x0E3A) || (r >= 0x0E47 && r <= 0x0E4E) || r == 0x0E33 || r == 0x0E45
}

// thaiLeading reports whether r is a leading vowel, written before the
// consonant it follows in speech: never break after it.
func thaiLeading(r rune) bool { return r >= 0x0E40 && r <= 0x0E44 }

// segment returns the word boundaries inside a run of Thai letters
// (positions 1..len-1 where a break is allowed): maximal matching,
// preferring the fewest characters outside dictionary words, then the
// fewest words.
func (d *thaiDict) segment(run []rune) []int {
	n := len(run)
	type cost struct{ unknown, words, prev int }
	inf := cost{1 << 30, 1 << 30, -1}
	best := make([]cost, n+1)
	for i := range best {
		best[i] = inf
	}
	best[0] = cost{0, 0, -1}
	better := func(a, b cost) bool {
		return a.unknown < b.unknown || (a.unknown == b.unknown && a.words < b.words)
	}
	for i := 0; i < n; i++ {
		if best[i] == inf {
			continue
		}
		c := cursor{d: d, state: daRoot}
		for j := i; j < n; j++ {
			tc := d.trieChar(run[j])
			if tc <= 0 || !c.walk(tc) {
				break
			}
			end := j + 1
			if c.terminal() && (end == n || (!thaiMark(run[end]) && !thaiLeading(run[j]))) {
				cand := cost{best[i].unknown, best[i].words + 1, i}
				if better(cand, best[end]) {
					best[end] = cand
				}
			}
		}
		// One unknown character (with its marks, and the consonant after a
		// leading vowel).
		end := i + 1
		if thaiLeading(run[i]) && end < n {
			end++
		}
		for end < n && thaiMark(run[end]) {
			end++
		}
		cand := cost{best[i].unknown + end - i, best[i].words + 1, i}
		if better(cand, best[end]) {
			best[end] = cand
		}
	}
	var cuts []int
	for p := best[n].prev; p > 0; p = best[p].prev {
		cuts = append(cuts, p)
	}
	for i, j := 0, len(cuts)-1; i < j; i, j = i+1, j-1 {
		cuts[i], cuts[j] = cuts[j], cuts[i]
	}
	return cuts
}

// breakThai inserts U+200B between the Thai words of a line (the styles
// follow their runes); lines without Thai come back unchanged.
func (r *Registry) breakThai(l styledLine) styledLine {
	has := false
	for _, c := range l.runes {
		if isThai(c) {
			has = true
			break
		}
	}
	if !has {
		return l
	}
	d := r.thaiDictionary()
	if d == nil {
		return l
	}
	out := styledLine{runes: make([]rune, 0, len(l.runes)+8), styles: make([]uint8, 0, len(l.runes)+8)}
	for i := 0; i < len(l.runes); {
		if !isThai(l.runes[i]) {
			out.runes = append(out.runes, l.runes[i])
			out.styles = append(out.styles, l.styles[i])
			i++
			continue
		}
		j := i
		for j < len(l.runes) && isThai(l.runes[j]) {
			j++
		}
		cuts := d.segment(l.runes[i:j])
		prev := i
		for _, c := range cuts {
			out.runes = append(append(out.runes, l.runes[prev:i+c]...), zwsp)
			out.styles = append(append(out.styles, l.styles[prev:i+c]...), l.styles[i+c-1])
			prev = i + c
		}
		out.runes = append(out.runes, l.runes[prev:j]...)
		out.styles = append(out.styles, l.styles[prev:j]...)
		i = j
	}
	return out
}
