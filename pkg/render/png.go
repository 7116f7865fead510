package render

/*
#cgo LDFLAGS: -ldeflate
#include <libdeflate.h>
*/
import "C"

import (
	"encoding/binary"
	"hash/crc32"
	"image"
	"sync"
	"unsafe"

	"github.com/strata-render/strata/pkg/failure"
)

// PNG row filters (the PNG specification's filter types) that encodePNG
// applies to every row.
// pngFilterAuto lets encodePNG choose between them (chooseFilter).
const (
	pngFilterAuto = -1
	pngFilterNone = 0
	pngFilterUp   = 2
)

// encodePNG writes the premultiplied canvas as an 8-bit PNG at libdeflate
// level 0–9 (0 stores): RGB when every pixel is opaque, straight-alpha
// RGBA otherwise. The rows are written once into a scanline buffer,
// filtered in place and compressed as one zlib stream by libdeflate
// (whole-buffer DEFLATE: at level 1 it takes 0.3–0.7× the CPU of zlib level
// 2 through libvips and writes smaller files; docs/PERFORMANCE.md). The
// file is IHDR, one IDAT and IEND: no metadata.
func encodePNG(canvas *image.RGBA, level, filter int) ([]byte, error) {
	w, h := canvas.Rect.Dx(), canvas.Rect.Dy()
	if w == 0 || h == 0 {
		return nil, failure.New(failure.Internal, "encoding png: empty canvas")
	}
	if level < 0 || level > 9 {
		return nil, failure.New(failure.Invalid, "PNG compression level %d is outside 0–9.", level)
	}
	rows := scanlines.get(h * (1 + 4*w))
	defer scanlines.put(rows)

	bands, stride := 3, 1+3*w
	if !dropAlpha(rows[1:], stride, canvas) {
		bands, stride = 4, 1+4*w
		unpremultiply(rows[1:], stride, canvas)
	}
	raw := rows[:h*stride]
	if filter == pngFilterAuto {
		filter = chooseFilter(raw, stride, h, bands)
	}
	filterRows(raw, stride, h, filter)

	c, err := compressors.get(level)
	if err != nil {
		return nil, err
	}
	defer compressors.put(level, c)
	bound := int(C.libdeflate_zlib_compress_bound(c, C.size_t(len(raw))))
	z := scanlines.get(bound)
	defer scanlines.put(z)
	n := int(C.libdeflate_zlib_compress(c, unsafe.Pointer(&raw[0]), C.size_t(len(raw)),
		unsafe.Pointer(&z[0]), C.size_t(len(z))))
	if n == 0 {
		return nil, failure.New(failure.Internal, "encoding png: compressed data exceeds its bound")
	}

	colourType := byte(2) // truecolour
	if bands == 4 {
		colourType = 6 // truecolour with alpha
	}
	out := make([]byte, 0, len(pngSignature)+3*12+13+n)
	out = append(out, pngSignature...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, colourType // bit depth, colour type; compression, filter and interlace 0
	out = appendChunk(out, "IHDR", ihdr[:])
	out = appendChunk(out, "IDAT", z[:n])
	out = appendChunk(out, "IEND", nil)
	return out, nil
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// appendChunk appends one PNG chunk: length, type, data and the CRC-32 of
// type and data.
func appendChunk(out []byte, typ string, data []byte) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	start := len(out)
	out = append(out, typ...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
}

// chooseFilter picks the row filter for the whole image from a sample of
// its rows. Drawn content (flat colour, text, gradients) repeats the pixel
// to its left most of the time, and unfiltered rows give DEFLATE long
// matches that cost little to find; photographs rarely do, and "up" turns
// their rows into small residuals that compress to about two thirds the
// size in about two thirds the time (docs/PERFORMANCE.md, "PNG").
func chooseFilter(raw []byte, stride, h, bands int) int {
	var same, total int
	for y := 0; y < h; y += 8 {
		row := raw[y*stride+1 : (y+1)*stride]
		for x := bands; x+bands <= len(row); x += bands * 4 {
			total++
			if string(row[x:x+bands]) == string(row[x-bands:x]) {
				same++
			}
		}
	}
	if 2*same < total {
		return pngFilterUp
	}
	return pngFilterNone
}

// filterRows sets every row's filter byte and applies the filter in place.
// raw holds h rows of stride bytes, each a filter byte and the row's
// pixels. "Up" subtracts the row above, so it runs bottom-up to read each
// row above before it is itself filtered.
func filterRows(raw []byte, stride, h, filter int) {
	if filter == pngFilterUp {
		for y := h - 1; y > 0; y-- {
			row, above := raw[y*stride+1:(y+1)*stride], raw[(y-1)*stride+1:y*stride]
			subtractBytes(row, above)
		}
	}
	for y := range h {
		raw[y*stride] = byte(filter)
	}
	raw[0] = pngFilterNone // the first row has no row above: "up" is "none"
}

// subtractBytes sets dst[i] -= src[i] for each byte, eight bytes at a time
// without carries between bytes (SWAR).
func subtractBytes(dst, src []byte) {
	const hi = 0x8080808080808080
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		a := binary.LittleEndian.Uint64(dst[i:])
		b := binary.LittleEndian.Uint64(src[i:])
		binary.LittleEndian.PutUint64(dst[i:], ((a|hi)-(b&^hi))^((a^^b)&hi))
	}
	for ; i < len(dst); i++ {
		dst[i] -= src[i]
	}
}

// byteBuffers is a pool of scratch byte slices for the encoders: scanlines
// and compressed output are a few megabytes per render and would otherwise
// be garbage after every encode.
type byteBuffers struct{ pool sync.Pool }

var scanlines byteBuffers

func (b *byteBuffers) get(n int) []byte {
	if p, ok := b.pool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

func (b *byteBuffers) put(s []byte) { b.pool.Put(&s) }

// compressorPool keeps libdeflate compressors per level (allocating one
// costs more than compressing a small image). At most maxIdle wait per
// level; the rest are freed.
type compressorPool struct {
	mu   sync.Mutex
	idle [13][]*C.struct_libdeflate_compressor
}

const maxIdleCompressors = 4

var compressors compressorPool

func (p *compressorPool) get(level int) (*C.struct_libdeflate_compressor, error) {
	p.mu.Lock()
	if n := len(p.idle[level]); n > 0 {
		c := p.idle[level][n-1]
		p.idle[level] = p.idle[level][:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c := C.libdeflate_alloc_compressor(C.int(level))
	if c == nil {
		return nil, failure.New(failure.Internal, "encoding png: libdeflate cannot allocate a level %d compressor", level)
	}
	return c, nil
}

func (p *compressorPool) put(level int, c *C.struct_libdeflate_compressor) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.idle[level]) < maxIdleCompressors {
		p.idle[level] = append(p.idle[level], c)
		return
	}
	C.libdeflate_free_compressor(c)
}
