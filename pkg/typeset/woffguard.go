package typeset

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/andybalholm/brotli"
	tdfont "github.com/tdewolff/font"
)

// maxSFNTBytes caps the uncompressed size of a WOFF or WOFF2 font: the
// limit tdewolff/font applies to the sizes a file declares (30 MB, more
// than the largest CJK fonts).
var maxSFNTBytes = int64(tdfont.MaxMemory)

// errFontBomb is a WOFF or WOFF2 font whose declared or real uncompressed
// size is over maxSFNTBytes, or whose compressed data inflates to more than
// it declares.
type errFontBomb struct{ reason string }

func (e *errFontBomb) Error() string { return e.reason }

// checkCompressed refuses a WOFF or WOFF2 font bomb before tdewolff/font
// decompresses it: that parser allocates what the header declares (up to
// its MaxMemory) and then inflates the compressed data to its end whatever
// it declared, so 1.6 KB of Brotli declaring 100 bytes took 4 GB. Here the
// declared sizes are checked against maxSFNTBytes and the compressed data
// is inflated through a reader limited to one byte past what it declares,
// into no buffer, so a bomb costs at most maxSFNTBytes of inflation and no
// memory. Malformed directories are left to the parser (nil error): only
// sizes are judged here.
func checkCompressed(data []byte) error {
	switch {
	case bytes.HasPrefix(data, []byte("wOFF")):
		return checkWOFF(data)
	case bytes.HasPrefix(data, []byte("wOF2")):
		return checkWOFF2(data)
	}
	return nil
}

// inflatesWithin reports whether r yields at most n bytes; it reads at
// most n+1. Errors in the stream are the parser's to report.
func inflatesWithin(r io.Reader, n int64) bool {
	got, _ := io.Copy(io.Discard, io.LimitReader(r, n+1))
	return got <= n
}

func declaredTooLarge(n int64) error {
	return &errFontBomb{fmt.Sprintf("the font declares %d bytes uncompressed, over the limit of %d", n, maxSFNTBytes)}
}

// checkWOFF checks a WOFF 1.0 font (https://www.w3.org/TR/WOFF/): the
// total it declares, and each zlib-compressed table against its origLength.
func checkWOFF(data []byte) error {
	if len(data) < 44 {
		return nil
	}
	numTables := int(binary.BigEndian.Uint16(data[12:]))
	if total := int64(binary.BigEndian.Uint32(data[16:])); total > maxSFNTBytes {
		return declaredTooLarge(total)
	}
	var sum int64
	for i := range numTables {
		e := 44 + 20*i
		if e+20 > len(data) {
			return nil
		}
		tag := string(data[e : e+4])
		off := int64(binary.BigEndian.Uint32(data[e+4:]))
		comp := int64(binary.BigEndian.Uint32(data[e+8:]))
		orig := int64(binary.BigEndian.Uint32(data[e+12:]))
		if sum += orig; sum > maxSFNTBytes {
			return declaredTooLarge(sum)
		}
		if comp == orig || off+comp > int64(len(data)) {
			continue // stored, or out of the file: the parser refuses it
		}
		zr, err := zlib.NewReader(bytes.NewReader(data[off : off+comp]))
		if err != nil {
			continue
		}
		if !inflatesWithin(zr, orig) {
			return &errFontBomb{fmt.Sprintf("table %q inflates to more than the %d bytes it declares", tag, orig)}
		}
	}
	return nil
}

// WOFF2 table tag indices whose directory entries may carry a
// transformLength (https://www.w3.org/TR/WOFF2/#table_dir_format).
const (
	woff2Hmtx   = 3
	woff2Glyf   = 10
	woff2Loca   = 11
	woff2Custom = 63 // an explicit 4-byte tag follows
)

// checkWOFF2 checks a WOFF 2.0 font: the sizes its table directory
// declares (what the Brotli stream must inflate to, as the parser sums
// them) and the stream against that sum.
func checkWOFF2(data []byte) error {
	if len(data) < 48 || string(data[4:8]) == "ttcf" {
		return nil // the parser refuses short files and collections
	}
	numTables := int(binary.BigEndian.Uint16(data[12:]))
	if total := int64(binary.BigEndian.Uint32(data[16:])); total > maxSFNTBytes {
		return declaredTooLarge(total)
	}
	compressed := int64(binary.BigEndian.Uint32(data[20:]))
	p := 48
	var sum int64
	for range numTables {
		if p >= len(data) {
			return nil
		}
		flags := data[p]
		p++
		index, transform := int(flags&0x3f), flags>>6
		if index == woff2Custom {
			p += 4
		}
		orig, n, ok := uintBase128(data[p:])
		if !ok {
			return nil
		}
		p += n
		size := orig
		if (index == woff2Glyf || index == woff2Loca) && transform == 0 || index == woff2Hmtx && transform == 1 {
			if size, n, ok = uintBase128(data[p:]); !ok {
				return nil
			}
			p += n
		}
		if sum += size; sum > maxSFNTBytes {
			return declaredTooLarge(sum)
		}
	}
	if int64(p)+compressed > int64(len(data)) {
		return nil
	}
	if !inflatesWithin(brotli.NewReader(bytes.NewReader(data[p:int64(p)+compressed])), sum) {
		return &errFontBomb{fmt.Sprintf("the compressed data inflates to more than the %d bytes the tables declare", sum)}
	}
	return nil
}

// uintBase128 reads WOFF2's UIntBase128 (at most 5 bytes, no leading
// zeros, no overflow): the value and the bytes it took.
func uintBase128(b []byte) (v int64, n int, ok bool) {
	for i := 0; i < 5 && i < len(b); i++ {
		c := b[i]
		if i == 0 && c == 0x80 || v&0xfe000000 != 0 {
			return 0, 0, false
		}
		v = v<<7 | int64(c&0x7f)
		if c&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, 0, false
}
