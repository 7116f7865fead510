package typeset

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/memtest"
	"github.com/strata-render/strata/pkg/schema"
)

// bombBytes is what the generated bombs inflate to: far over what the
// guard lets through, small enough to generate in a fraction of a second.
const bombBytes = 256 << 20

// zeros writes n zero bytes to w.
func zeros(t testing.TB, w io.WriteCloser, n int) {
	t.Helper()
	chunk := make([]byte, 1<<20)
	for ; n > 0; n -= len(chunk) {
		_, err := w.Write(chunk[:min(n, len(chunk))])
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
}

// woffBomb is a WOFF 1.0 file whose one table declares len(comp)+4 bytes
// and is zlib data inflating to bombBytes: every field the parser checks
// before inflating is consistent.
func woffBomb(t testing.TB) []byte {
	var comp bytes.Buffer
	zw, err := zlib.NewWriterLevel(&comp, zlib.BestCompression)
	require.NoError(t, err)
	zeros(t, zw, bombBytes)
	orig := uint32(comp.Len() + 4)
	b := make([]byte, 44+20, 64+comp.Len())
	copy(b, "wOFF")
	copy(b[4:], "\x00\x01\x00\x00")
	binary.BigEndian.PutUint16(b[12:], 1) // numTables
	copy(b[44:], "name")
	binary.BigEndian.PutUint32(b[48:], 64)                 // offset
	binary.BigEndian.PutUint32(b[52:], uint32(comp.Len())) // compLength
	binary.BigEndian.PutUint32(b[56:], orig)               // origLength
	b = append(b, comp.Bytes()...)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)))
	binary.BigEndian.PutUint32(b[16:], 12+16+(orig+3)&^3) // totalSfntSize, padded
	return b
}

// woff2Bomb is a WOFF 2.0 file whose directory declares one 100-byte table
// and whose Brotli stream inflates to bombBytes.
func woff2Bomb(t testing.TB, declaredSFNT uint32) []byte {
	var comp bytes.Buffer
	zeros(t, brotli.NewWriterLevel(&comp, 1), bombBytes)
	b := make([]byte, 48, 50+comp.Len())
	copy(b, "wOF2")
	copy(b[4:], "\x00\x01\x00\x00")
	binary.BigEndian.PutUint16(b[12:], 1) // numTables
	binary.BigEndian.PutUint32(b[16:], declaredSFNT)
	binary.BigEndian.PutUint32(b[20:], uint32(comp.Len()))
	b = append(b, 5, 100) // "name", null transform; origLength 100
	b = append(b, comp.Bytes()...)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)))
	return b
}

// TestFontBombsRefusedBeforeInflating: WOFF and WOFF2 files whose data
// inflates to 256 MB (declaring 100 bytes), or that declare more than the
// 30 MB limit, are a 422 naming the font within a second, with the
// process's resident memory grown by under 50 MB (tdewolff/font alone
// inflates them to the end: 256 MB and more). Not parallel: the resident
// memory measured is the process's.
func TestFontBombsRefusedBeforeInflating(t *testing.T) {
	r := testRegistry(t)
	cases := []struct {
		name   string
		data   []byte
		reason string
	}{
		{"woff inflating past its table", woffBomb(t), `table "name" inflates to more than`},
		{"woff2 inflating past its tables", woff2Bomb(t, 12+16+100), "inflates to more than the 100 bytes"},
		{"woff2 declaring 1 GB", woff2Bomb(t, 1<<30), "declares 1073741824 bytes uncompressed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Less(t, len(tc.data), 2<<20, "the bomb is small")
			var err error
			memtest.Within(t, time.Second, 50<<20, func() {
				_, err = r.LoadCustom([]*schema.Font{customFont("Bomb", tc.data)})
			})
			require.Error(t, err)
			require.Equal(t, failure.Unprocessable, failure.KindOf(err))
			msg := failure.As(err).PublicMessage()
			require.Contains(t, msg, `fonts[0]: font "Bomb" is refused`)
			require.Contains(t, msg, tc.reason)
		})
	}
}

// TestCheckCompressedPassesRealFonts: the guard lets real WOFF and WOFF2
// files through and leaves other formats and malformed headers to the
// parser.
func TestCheckCompressedPassesRealFonts(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"testdata/fonts/lobster-latin-400-normal.woff", "testdata/fonts/lobster-latin-400-normal.woff2", "testdata/fonts/CFFTest.otf"} {
		require.NoError(t, checkCompressed(readFile(t, p)), p)
	}
	for _, b := range [][]byte{nil, []byte("wOFF"), []byte("wOF2"), append([]byte("wOF2"), make([]byte, 60)...)} {
		require.NoError(t, checkCompressed(b))
	}
}

func TestUintBase128(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   []byte
		v    int64
		n    int
		fail bool
	}{
		{[]byte{0x3f}, 63, 1, false},
		{[]byte{0x81, 0x00}, 128, 2, false},
		{[]byte{0x8f, 0xff, 0xff, 0xff, 0x7f}, 0xffffffff, 5, false},
		{[]byte{0x80, 0x01}, 0, 0, true},                   // leading zero
		{[]byte{0x90, 0x80, 0x80, 0x80, 0x00}, 0, 0, true}, // overflow
		{[]byte{0x81, 0x81, 0x81, 0x81, 0x81}, 0, 0, true}, // over 5 bytes
		{[]byte{0x81}, 0, 0, true},                         // truncated
	}
	for _, tc := range cases {
		v, n, ok := uintBase128(tc.in)
		require.Equal(t, !tc.fail, ok, "%x", tc.in)
		require.Equal(t, tc.v, v, "%x", tc.in)
		require.Equal(t, tc.n, n, "%x", tc.in)
	}
}
