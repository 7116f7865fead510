package typeset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"

	"github.com/go-text/typesetting/font"
)

// Bundled font files are memory-mapped read-only, not read into the Go
// heap: their pages are file-backed (shared between processes, evictable
// under pressure, and outside the garbage collector's heap goal, which
// otherwise doubles whatever the fonts hold live). HarfBuzz reads the same
// mapping (hb_blob_create over it, no copy).
//
// Every static TrueType font (the CJK faces: 10 MB of glyf each; Inter:
// 250 KB) and the colour emoji font (10 MB of CBDT bitmaps) are also
// opened lean: go-text, which eagerly parses every glyph outline of a
// glyf table into Go structures (35 MB of heap for Noto Sans SC, 1 ms and
// more of a cold start per Latin face) and copies the CBDT table, is shown
// the file without its glyph data tables, so it parses cmap and metrics
// only. Outlines and outline extents of such a face come from HarfBuzz
// (hboutline.go), bitmaps and their extents from colorBitmaps below
// (HarfBuzz rounds bitmap extents to whole font units, go-text keeps the
// fraction); both read glyphs from the mapping on demand.

// leanBitmaps is the CBDT table size above which a colour bitmap font is
// opened lean (the emoji font's is 10 MB).
const leanBitmaps = 1 << 20

// mapFile maps a font file read-only. The mapping is never unmapped: a
// bundled source lives as long as its registry (the process).
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < 12 || st.Size() > 1<<31-1 {
		return nil, fmt.Errorf("%s: %d bytes is not a font file", path, st.Size())
	}
	return syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
}

// sfntTables is a font file's table directory: tag → (offset, length).
type sfntTables map[string][2]uint32

// tableDirectory reads the table directory of a single-font SFNT file
// (a collection or a malformed header is an error, and the caller then
// opens the font the ordinary way).
func tableDirectory(data []byte) (sfntTables, error) {
	if len(data) < 12 {
		return nil, errors.New("short SFNT header")
	}
	switch binary.BigEndian.Uint32(data) {
	case 0x00010000, 0x74727565: // TrueType outlines ('true' on Apple)
	case 0x4F54544F: // 'OTTO': CFF outlines
	default:
		return nil, errors.New("not a single-font SFNT file")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errors.New("short table directory")
	}
	t := sfntTables{}
	for i := range n {
		rec := data[12+16*i:]
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fmt.Errorf("table %q runs past the end of the file", rec[:4])
		}
		t[string(rec[:4])] = [2]uint32{off, length}
	}
	return t, nil
}

// lean reports whether a font with these tables is opened lean: static
// (no fvar: go-text applies a variable font's gvar deltas to the glyf
// outlines it parsed) TrueType outlines, or colour bitmaps (CBDT) over
// leanBitmaps in one square strike.
func (t sfntTables) lean(data []byte) bool {
	_, loca := t["loca"]
	_, fvar := t["fvar"]
	if fvar {
		return false
	}
	if _, glyf := t["glyf"]; loca && glyf {
		return true
	}
	x, y := t.strike(data)
	return t["CBDT"][1] > leanBitmaps && x > 0 && x == y
}

// strike is the ppem of a CBLC table's only strike, 0 when it has none or
// several (go-text and HarfBuzz would each choose one).
func (t sfntTables) strike(data []byte) (x, y int) {
	cblc, ok := t["CBLC"]
	if !ok || cblc[1] < 8+48 {
		return 0, 0
	}
	tb := data[cblc[0] : cblc[0]+cblc[1]]
	if binary.BigEndian.Uint32(tb[4:]) != 1 {
		return 0, 0
	}
	return int(tb[8+44]), int(tb[8+45]) // BitmapSize.ppemX, ppemY
}

// fileView is a font file as go-text's parser reads it (io.Reader,
// io.ReaderAt, io.Seeker) over the mapping, with a patched copy of the
// header in front: tables hidden from the parser have their tags renamed,
// so that it finds none to read or parse.
type fileView struct {
	head []byte // the first bytes of the file, patched
	data []byte // the whole mapping
	pos  int64
}

// Tables hidden from go-text's parser. HarfBuzz shapes every font, from
// the mapping, so go-text's parse of the layout tables (GSUB and GPOS, a
// third of the time it takes over Inter) would go unused: they are hidden
// from every bundled face. A lean face also hides its glyph data
// (outlines and colour bitmaps then come from the mapping).
var (
	layoutTables = []string{"GSUB", "GPOS"}
	glyphTables  = []string{"loca", "glyf", "CBDT", "CBLC"}
)

// newView is the file with the tables named in hide renamed (none: the
// file as it is). No tables of the new names exist, so the parser ignores
// them (glyf without loca would be copied and dropped; CBDT is what
// go-text's bitmap table copies and keeps).
func newView(data []byte, hide ...[]string) *fileView {
	v := &fileView{data: data}
	if len(hide) == 0 {
		return v
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	v.head = append([]byte(nil), data[:12+16*n]...)
	for i := range n {
		rec := v.head[12+16*i:]
		for _, tags := range hide {
			if slices.Contains(tags, string(rec[:4])) {
				rec[0] = 'x'
			}
		}
	}
	return v
}

func (v *fileView) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(v.data)) {
		return 0, io.EOF
	}
	n := copy(p, v.data[off:])
	if off < int64(len(v.head)) {
		copy(p, v.head[off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (v *fileView) Read(p []byte) (int, error) {
	n, err := v.ReadAt(p, v.pos)
	v.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (v *fileView) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += v.pos
	case io.SeekEnd:
		offset += int64(len(v.data))
	default:
		return 0, errors.New("bad whence")
	}
	if offset < 0 {
		return 0, errors.New("negative position")
	}
	v.pos = offset
	return offset, nil
}

// colorBitmaps reads a lean colour bitmap font's glyphs (CBLC index,
// CBDT data, PNG images; the OpenType CBDT/CBLC and EBLC formats) from
// the mapping: one strike, looked up per glyph, nothing parsed up front.
type colorBitmaps struct {
	cblc, cbdt []byte
	strike     []byte // the strike's 48-byte BitmapSize record
	upem       float32
}

// newColorBitmaps is the reader of a font whose CBLC has one strike
// (sfntTables.strike), or nil.
func newColorBitmaps(data []byte, t sfntTables, upem uint16) *colorBitmaps {
	if x, _ := t.strike(data); x == 0 || upem == 0 {
		return nil
	}
	c, d := t["CBLC"], t["CBDT"]
	cb := &colorBitmaps{cblc: data[c[0] : c[0]+c[1]], cbdt: data[d[0] : d[0]+d[1]], upem: float32(upem)}
	cb.strike = cb.cblc[8 : 8+48]
	return cb
}

// bitmapMetrics are a bitmap glyph's horizontal metrics in pixels of the
// strike.
type bitmapMetrics struct {
	height, width      uint8
	bearingX, bearingY int8
}

// glyph finds gid's image: its metrics and PNG bytes (a slice of the
// mapping). ok is false for a glyph the strike lacks or a malformed entry.
func (c *colorBitmaps) glyph(gid font.GID) (m bitmapMetrics, png []byte, ok bool) {
	u16 := func(b []byte, o int) int { return int(binary.BigEndian.Uint16(b[o:])) }
	u32 := func(b []byte, o int) int { return int(binary.BigEndian.Uint32(b[o:])) }
	listOff, count := u32(c.strike, 0), u32(c.strike, 8)
	if listOff < 0 || count < 0 || listOff+8*count > len(c.cblc) {
		return m, nil, false
	}
	g := int(gid)
	for i := range count {
		rec := c.cblc[listOff+8*i:]
		first, last := u16(rec, 0), u16(rec, 2)
		if g < first || g > last {
			continue
		}
		sub := listOff + u32(rec, 4)
		if sub+8 > len(c.cblc) {
			return m, nil, false
		}
		st := c.cblc[sub:]
		indexFormat, imageFormat, dataOff := u16(st, 0), u16(st, 2), u32(st, 4)
		var start, end int
		var indexMetrics []byte // format 2 and 5: the big metrics every glyph shares
		switch k := g - first; indexFormat {
		case 1:
			if 8+4*(k+2) > len(st) {
				return m, nil, false
			}
			start, end = u32(st, 8+4*k), u32(st, 8+4*(k+1))
		case 3:
			if 8+2*(k+2) > len(st) {
				return m, nil, false
			}
			start, end = u16(st, 8+2*k), u16(st, 8+2*(k+1))
		case 2:
			if 20 > len(st) {
				return m, nil, false
			}
			size := u32(st, 8)
			start, end, indexMetrics = k*size, (k+1)*size, st[12:20]
		default: // 4 and 5 (sparse) are not used by the bundled font
			return m, nil, false
		}
		img := dataOff + start
		if start > end || img < 0 || dataOff+end > len(c.cbdt) {
			return m, nil, false
		}
		b := c.cbdt[img : dataOff+end]
		var metrics []byte
		switch imageFormat {
		case 17: // small metrics, data length, PNG
			metrics, b = b, b[min(5, len(b)):]
		case 18: // big metrics, data length, PNG
			metrics, b = b, b[min(8, len(b)):]
		case 19: // data length, PNG; metrics in the index
			metrics = indexMetrics
		default:
			return m, nil, false
		}
		if len(metrics) < 4 || len(b) < 4 || u32(b, 0) > len(b)-4 {
			return m, nil, false
		}
		m = bitmapMetrics{height: metrics[0], width: metrics[1], bearingX: int8(metrics[2]), bearingY: int8(metrics[3])}
		return m, b[4 : 4+u32(b, 0)], true
	}
	return m, nil, false
}

// extents is gid's ink box in font units, converted from the strike's
// pixels as go-text converts them (float32, upem / ppem).
func (c *colorBitmaps) extents(gid font.GID) (font.GlyphExtents, bool) {
	m, _, ok := c.glyph(gid)
	if !ok {
		return font.GlyphExtents{}, false
	}
	e := font.GlyphExtents{XBearing: float32(m.bearingX), YBearing: float32(m.bearingY), Width: float32(m.width), Height: -float32(m.height)}
	xs, ys := c.upem/float32(c.strike[44]), c.upem/float32(c.strike[45])
	e.XBearing *= xs
	e.YBearing *= ys
	e.Width *= xs
	e.Height *= ys
	return e, true
}
