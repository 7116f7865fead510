// Package pngenc writes Strata's PNG files: the premultiplied canvas as an
// 8-bit RGB or RGBA PNG with one IDAT, compressed by its own run-aware
// DEFLATE encoder for drawn content (deflate.go) or by libdeflate (with
// klauspost/compress's flate for all but the last band of a photograph
// compressed on several cores, photo.go).
package pngenc

/*
#cgo LDFLAGS: -ldeflate
#include <libdeflate.h>
*/
import "C"

import (
	"encoding/binary"
	"hash/crc32"
	"image"
	"slices"
	"sync"
	"unsafe"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/pixels"
)

// PNG row filters (the PNG specification's filter types) that Encode
// applies to every row. FilterAuto lets Encode choose between them
// (sameAsLeftShare).
const (
	FilterAuto = -1
	FilterNone = 0
	FilterUp   = 2
)

// Encode writes the premultiplied canvas as an 8-bit PNG at DEFLATE
// level 0–9 (0 stores): RGB when every pixel is opaque, straight-alpha
// RGBA otherwise. The rows are written once into a scanline buffer,
// filtered in place and compressed as one zlib stream: drawn content at
// levels 1–5 by flatDeflate, everything else by libdeflate
// (docs/PERFORMANCE.md, "PNG writer"). The file is IHDR, one IDAT and
// IEND: no metadata.
//
// parts is how many cores the caller can spare for this image: the work
// is split into up to that many bands of rows, each converted and (for
// drawn content, by flatDeflate) compressed on its own goroutine, the
// bands' DEFLATE data joined into the one stream (each band but the last
// ends in a full flush, the checksums combined); content that goes to
// libdeflate is converted in bands, and a photograph (photoShare) then
// compressed in bands too (deflateBands: libdeflate for the last, flate
// for the others). Bands hold at least 256 KB of scanlines. The file decodes to
// the same pixels as the one-band file, drawn content within about a
// percent of its size; with parts ≤ 1 it is the one-band file byte for
// byte.
func Encode(canvas *image.RGBA, level, filter, parts int) ([]byte, error) {
	return EncodeDrawn(canvas, level, filter, parts, nil)
}

// EncodeDrawn is Encode of a canvas drawn band by band as it is encoded:
// draw, when not nil, is called once for each band of rows (Bands, as a
// sub-image sharing canvas's pixels, in canvas's coordinates) on that
// band's goroutine, just before the band is converted, so a caller can
// draw and encode each band on its own core with no wait between the two.
// The first error a draw returns (in band order) is returned, with no
// file.
func EncodeDrawn(canvas *image.RGBA, level, filter, parts int, draw func(band *image.RGBA) error) ([]byte, error) {
	w, h := canvas.Rect.Dx(), canvas.Rect.Dy()
	if w == 0 || h == 0 {
		return nil, failure.New(failure.Internal, "encoding png: empty canvas")
	}
	if level < 0 || level > 9 {
		return nil, failure.New(failure.Invalid, "PNG compression level %d is outside 0–9.", level)
	}
	e := &encoding{canvas: canvas, bands: Bands(w, h, parts), level: level, filter: filter, draw: draw}
	z, err := e.run()
	defer func() { compressed.Put(z) }()
	if err != nil {
		return nil, err
	}
	channels := e.channels
	colourType := byte(2) // truecolour
	if channels == 4 {
		colourType = 6 // truecolour with alpha
	}
	out := make([]byte, 0, len(pngSignature)+3*12+13+len(z))
	out = append(out, pngSignature...)
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, colourType // bit depth, colour type; compression, filter and interlace 0
	out = appendChunk(out, "IHDR", ihdr[:])
	out = appendChunk(out, "IDAT", z)
	out = appendChunk(out, "IEND", nil)
	return out, nil
}

// minBandBytes is the least scanline data per band that Encode splits
// off (smaller bands cost more in start-up than they save).
const minBandBytes = 256 << 10

// Bands is how Encode splits a w×h canvas for parts cores: the first row
// of each band, and h (one band when parts ≤ 1 or the canvas is small).
func Bands(w, h, parts int) []int { return bandRows(h, 1+3*w, parts) }

// bandRows splits h rows of stride bytes into at most parts bands of
// consecutive rows, none under minBandBytes (one band when parts ≤ 1):
// the first row of each band, and h.
func bandRows(h, stride, parts int) []int {
	parts = max(1, min(parts, h*stride/minBandBytes, h))
	bands := make([]int, parts+1)
	for i := range bands {
		bands[i] = h * i / parts
	}
	return bands
}

// inBands runs fn on each band of rows (y0 to y1), the first on this
// goroutine and the others on their own, and reports whether every call
// returned true.
func inBands(bands []int, fn func(y0, y1 int) bool) bool {
	n := len(bands) - 1
	if n == 1 {
		return fn(bands[0], bands[1])
	}
	ok := make([]bool, n)
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Go(func() { ok[i] = fn(bands[i], bands[i+1]) })
	}
	ok[0] = fn(bands[0], bands[1])
	wg.Wait()
	for _, v := range ok {
		if !v {
			return false
		}
	}
	return true
}

// rowBand is rows y0 to y1 of canvas (sharing its pixels).
func rowBand(canvas *image.RGBA, y0, y1 int) *image.RGBA {
	r := canvas.Rect
	return canvas.SubImage(image.Rect(r.Min.X, r.Min.Y+y0, r.Max.X, r.Min.Y+y1)).(*image.RGBA)
}

// encoding is one EncodeDrawn call. Each band's goroutine draws its rows
// (draw), converts them to RGB scanlines and samples them
// (sameAsLeftShare's rows); when the band alone is opaque drawn content it
// compresses its rows at once (flatBlock), as the whole image will almost
// always be compressed. Then the first band's goroutine decides for the
// whole image — RGB or RGBA, the filter, the compressor — and the bands
// that waited (or whose early work the decision voids) compress theirs:
// one goroutine per band from the first row drawn to the last byte
// compressed, and for drawn cards no wait between.
type encoding struct {
	canvas        *image.RGBA
	bands         []int
	level, filter int
	draw          func(band *image.RGBA) error

	rows             []byte // the scanlines, from scanlines
	channels, stride int
	// Per band: the draw's error, whether every pixel was opaque, the
	// share samples (same of total), the compressed data and its Adler-32.
	errs        []error
	opaque      []bool
	same, total []int
	parts       [][]byte
	adlers      []uint32
	decided     chan struct{}   // closed once flat (and rows) are set
	flat        bool            // the bands are compressed by flatBlock
	photo       bool            // not flat: a photograph (deflateBands)
	early       []bool          // per band: compressed before flat was set
	ready       []chan struct{} // per band: closed once converted
	final       []bool          // per band, set before ready: its rows are final if the image is flat RGB
}

// run draws, converts and compresses the canvas: the zlib stream, from
// compressed.
func (e *encoding) run() ([]byte, error) {
	w, h, n := e.canvas.Rect.Dx(), e.canvas.Rect.Dy(), len(e.bands)-1
	// RGB rows first (most canvases are opaque); RGBA ones when a pixel
	// is not.
	e.channels, e.stride = 3, 1+3*w
	e.rows = scanlines.Get(h * e.stride)
	defer func() { scanlines.Put(e.rows) }()
	e.errs, e.opaque = make([]error, n), make([]bool, n)
	e.same, e.total = make([]int, n), make([]int, n)
	e.parts, e.adlers = make([][]byte, n), make([]uint32, n)
	e.decided = make(chan struct{})
	e.early, e.final, e.ready = make([]bool, n), make([]bool, n), make([]chan struct{}, n)
	for i := range e.ready {
		e.ready[i] = make(chan struct{})
	}
	var converted, done sync.WaitGroup
	converted.Add(n - 1)
	done.Add(n - 1)
	for i := 1; i < n; i++ {
		go func() {
			defer done.Done()
			e.convertAhead(i)
			converted.Done()
			<-e.decided
			if e.flat && !e.kept(i) {
				e.compress(i)
			}
		}()
	}
	e.convertAhead(0)
	converted.Wait()
	err := e.decide()
	close(e.decided)
	if e.flat && n > 1 && !e.kept(0) {
		e.compress(0)
	}
	done.Wait()
	if err != nil || !e.flat {
		for _, p := range e.parts {
			if p != nil {
				compressed.Put(p) // compressed early for nothing
			}
		}
	}
	if err != nil {
		return nil, err
	}
	raw := e.rows[:h*e.stride]
	if !e.flat {
		if n > 1 && e.level >= 1 && e.photo {
			return deflateBands(raw, e.bands, e.stride, e.level)
		}
		return libdeflateZlib(compressed.Get(len(raw)/8+1024), raw, e.level)
	}
	if n == 1 {
		adler := uint32(C.libdeflate_adler32(1, unsafe.Pointer(&raw[0]), C.size_t(len(raw))))
		return flatDeflate(compressed.Get(len(raw)/8 + 1024)[:0], raw, e.stride, e.channels, adler), nil
	}
	out, adler := e.parts[0], e.adlers[0]
	for i := 1; i < n; i++ {
		out = append(out, e.parts[i]...)
		compressed.Put(e.parts[i])
		adler = adler32Combine(adler, e.adlers[i], (e.bands[i+1]-e.bands[i])*e.stride)
	}
	return binary.BigEndian.AppendUint32(out, adler), nil
}

// convertAhead is convert, then, when band i on its own is what the whole
// image most often is — opaque drawn content, for flatDeflate — the
// band's compression without waiting for the other bands (kept when the
// whole image turns out so; a band that must wait does).
//
// A band's compression refers back into the last rows of the band above
// (flatBlock), so it waits for that band's rows first.
func (e *encoding) convertAhead(i int) {
	e.convert(i)
	ok := len(e.bands) > 2 && e.errs[i] == nil && e.opaque[i] && e.level >= 1 && e.level <= 5 &&
		(e.filter == FilterAuto || e.filter == FilterNone) && (e.total[i] == 0 || float64(e.same[i]) >= 0.8*float64(e.total[i]))
	if ok {
		for y := e.bands[i]; y < e.bands[i+1]; y++ {
			e.rows[y*e.stride] = FilterNone
		}
	}
	e.final[i] = ok
	close(e.ready[i])
	if !ok {
		return
	}
	if i > 0 {
		if <-e.ready[i-1]; !e.final[i-1] {
			return // the rows above are not final yet: wait for the decision
		}
	}
	e.compress(i)
	e.early[i] = true
}

// kept reports whether band i's early compression stands: compressed
// early, and the image is RGB.
func (e *encoding) kept(i int) bool { return e.early[i] && e.channels == 3 }

// convert draws band i and writes it as RGB scanlines, sampled.
func (e *encoding) convert(i int) {
	y0, y1 := e.bands[i], e.bands[i+1]
	band := rowBand(e.canvas, y0, y1)
	if e.draw != nil {
		if e.errs[i] = e.draw(band); e.errs[i] != nil {
			return
		}
	}
	if e.opaque[i] = pixels.DropAlpha(e.rows[1+y0*e.stride:], e.stride, band); e.opaque[i] {
		e.same[i], e.total[i] = shareSamples(e.rows, e.stride, y0, y1, 3)
	}
}

// decide is done once every band is converted: the first draw error, or
// RGBA scanlines when a pixel is not opaque, then the filter (applied)
// and the compressor.
func (e *encoding) decide() error {
	for _, err := range e.errs {
		if err != nil {
			return err
		}
	}
	h := e.canvas.Rect.Dy()
	if slices.Contains(e.opaque, false) {
		e.channels, e.stride = 4, 1+4*e.canvas.Rect.Dx()
		scanlines.Put(e.rows)
		e.rows = scanlines.Get(h * e.stride)
		inBands(e.bands, func(y0, y1 int) bool {
			i := slices.Index(e.bands, y0)
			pixels.Unpremultiply(e.rows[1+y0*e.stride:], e.stride, rowBand(e.canvas, y0, y1))
			e.same[i], e.total[i] = shareSamples(e.rows, e.stride, y0, y1, 4)
			return true
		})
	}
	same, total := 0, 0
	for i := range e.same {
		same, total = same+e.same[i], total+e.total[i]
	}
	flatShare := 1.0
	if total > 0 {
		flatShare = float64(same) / float64(total)
	}
	filter := e.filter
	e.photo = flatShare < photoShare
	if filter == FilterAuto {
		filter = FilterNone
		if e.photo {
			filter = FilterUp
		}
	}
	filterRows(e.rows[:h*e.stride], e.stride, h, filter)
	// Drawn content: the run-aware encoder matches what libdeflate's
	// levels 1–5 achieve here in a third to a half of the time; 6–9
	// search harder.
	e.flat = e.level >= 1 && e.level <= 5 && filter == FilterNone && flatShare >= 0.8
	return nil
}

// compress compresses band i of the filtered rows with flatBlock (the
// first band starts the zlib stream in a buffer from compressed).
func (e *encoding) compress(i int) {
	from, to := e.bands[i]*e.stride, e.bands[i+1]*e.stride
	if e.parts[i] != nil {
		compressed.Put(e.parts[i]) // an early compression that did not stand
	}
	e.adlers[i] = uint32(C.libdeflate_adler32(1, unsafe.Pointer(&e.rows[from]), C.size_t(to-from)))
	var buf []byte
	if i == 0 {
		// The first band's buffer takes the others' data after its own.
		buf = append(compressed.Get(len(e.rows)/8 + 1024)[:0], zlibHeader...)
	} else {
		buf = compressed.Get((to-from)/8 + 1024)[:0]
	}
	e.parts[i] = flatBlock(buf, e.rows, from, to, e.stride, e.channels, i == len(e.bands)-2)
}

// photoShare is the sameAsLeftShare under which an image is a photograph:
// "up"-filtered when the filter is FilterAuto, and compressed in bands on
// spare cores (deflateBands). Mixed images (0.5–0.8) are compressed by one
// libdeflate call: the effects design's blurred photo under a card
// (0.67) came out 6.7% larger in two bands (flate's level 2 half +12%
// against libdeflate's) for 10% off its latency.
const photoShare = 0.5

// libdeflateZlib compresses raw as one zlib stream at level with
// libdeflate, into dst (reallocated when smaller than the bound).
func libdeflateZlib(dst, raw []byte, level int) ([]byte, error) {
	return libdeflateCompress(dst, raw, level, true)
}

// libdeflateCompress compresses raw at level with libdeflate into dst
// (reallocated when smaller than the bound): one zlib stream, or with
// zlib false one raw DEFLATE stream, its last block final.
func libdeflateCompress(dst, raw []byte, level int, zlib bool) ([]byte, error) {
	c, err := compressors.get(level)
	if err != nil {
		return dst, err
	}
	defer compressors.put(level, c)
	in, size := unsafe.Pointer(&raw[0]), C.size_t(len(raw))
	bound := int(C.libdeflate_deflate_compress_bound(c, size))
	if zlib {
		bound = int(C.libdeflate_zlib_compress_bound(c, size))
	}
	if cap(dst) < bound {
		dst = make([]byte, bound)
	}
	dst = dst[:cap(dst)]
	out, room := unsafe.Pointer(&dst[0]), C.size_t(len(dst))
	var n int
	if zlib {
		n = int(C.libdeflate_zlib_compress(c, in, size, out, room))
	} else {
		n = int(C.libdeflate_deflate_compress(c, in, size, out, room))
	}
	if n == 0 {
		return dst, failure.New(failure.Internal, "encoding png: compressed data exceeds its bound")
	}
	return dst[:n], nil
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

// sameAsLeftShare is the share of pixels equal to the pixel on their left,
// sampled on every eighth row; it decides how the image is compressed
// (docs/PERFORMANCE.md, "PNG writer"). Drawn content (flat colour, text,
// gradients) measures 0.89–0.98 and compresses best and fastest unfiltered,
// with the run-aware flatDeflate at levels 1–5; photographs measure 0.04–0.37,
// and the "up" filter turns their rows into small residuals that
// libdeflate packs to about two thirds the size in about two thirds the
// time. Mixed images (0.5–0.8) go unfiltered to libdeflate. Encode takes
// it band by band (shareSamples).
func sameAsLeftShare(raw []byte, stride, h, bands int) float64 {
	same, total := shareSamples(raw, stride, 0, h, bands)
	if total == 0 {
		return 1
	}
	return float64(same) / float64(total)
}

// shareSamples counts sameAsLeftShare's samples on rows y0 to y1 of raw:
// same of total.
func shareSamples(raw []byte, stride, y0, y1, bands int) (same, total int) {
	for y := (y0 + 7) / 8 * 8; y < y1; y += 8 {
		row := raw[y*stride+1 : (y+1)*stride]
		for x := bands; x+bands <= len(row); x += bands * 4 {
			total++
			if samePixel(row[x-bands:x], row[x:x+bands]) {
				same++
			}
		}
	}
	return same, total
}

// samePixel reports whether pixels a and b (as long as a) are equal:
// bytes compared in line, cheaper than a call for three or four.
func samePixel(a, b []byte) bool {
	b = b[:len(a)]
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// filterRows sets every row's filter byte and applies the filter in place.
// raw holds h rows of stride bytes, each a filter byte and the row's
// pixels. "Up" subtracts the row above, so it runs bottom-up to read each
// row above before it is itself filtered.
func filterRows(raw []byte, stride, h, filter int) {
	if filter == FilterUp {
		for y := h - 1; y > 0; y-- {
			row, above := raw[y*stride+1:(y+1)*stride], raw[(y-1)*stride+1:y*stride]
			subtractBytes(row, above)
		}
	}
	for y := range h {
		raw[y*stride] = byte(filter)
	}
	raw[0] = FilterNone // the first row has no row above: "up" is "none"
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

// scanlines holds the filtered rows of an encode outside the Go heap
// (pixels.Planes: pooled on the heap, the collector's goal doubled them —
// 26 of the certificate card's 28 MB of live heap); small images' rows come
// from the heap. compressed keeps the output buffers apart from them: it
// is regrown by append, so its buffers stay on the heap.
var (
	scanlines  = pixels.Planes{MinBytes: 1 << 20, IdleBytes: 32 << 20}
	compressed pixels.Pool[byte]
)

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
