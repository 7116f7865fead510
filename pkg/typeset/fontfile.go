package typeset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// Bundled font files are memory-mapped read-only, not read into the Go
// heap: their pages are file-backed (shared between processes, evictable
// under pressure, and outside the garbage collector's heap goal, which
// otherwise doubles whatever the fonts hold live). HarfBuzz reads the same
// mapping (hb_blob_create over it, no copy).
//
// A large static TrueType font (the CJK faces: 10 MB of glyf each) is also
// opened lean: go-text, which eagerly parses every glyph outline of a
// glyf table into Go structures (35 MB of heap for Noto Sans SC), is
// shown the file without its loca table, so it parses cmap, metrics and
// layout tables but no outlines; outlines and glyph extents of that face
// come from HarfBuzz, which reads glyphs from the mapping on demand
// (hboutline.go).

// leanGlyf is the glyf table size above which a static TrueType font is
// opened lean. Latin and most script faces are far below it (Inter's is
// 250 KB); the CJK faces are 8–10 MB.
const leanGlyf = 1 << 20

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
// outlines it parsed) TrueType outlines with a glyf table over leanGlyf.
func (t sfntTables) lean() bool {
	_, loca := t["loca"]
	_, fvar := t["fvar"]
	return loca && !fvar && t["glyf"][1] > leanGlyf
}

// fileView is a font file as go-text's parser reads it (io.Reader,
// io.ReaderAt, io.Seeker) over the mapping, with a patched copy of the
// header in front: the lean view renames the loca and glyf tables' tags
// so that the parser finds no outlines to read or parse.
type fileView struct {
	head []byte // the first bytes of the file, patched
	data []byte // the whole mapping
	pos  int64
}

// newView is the file as it is (hideLoca false) or without its loca
// and glyf tables.
func newView(data []byte, hideLoca bool) *fileView {
	v := &fileView{data: data}
	if !hideLoca {
		return v
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	v.head = append([]byte(nil), data[:12+16*n]...)
	for i := range n {
		// No tables of these names exist: the parser ignores them.
		switch rec := v.head[12+16*i:]; string(rec[:4]) {
		case "loca":
			copy(rec, "xloc")
		case "glyf":
			copy(rec, "xgly") // else it would copy the table and drop it
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
