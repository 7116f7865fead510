// Package pdf writes PDF 1.7 documents for Strata's "pdf" output format:
// pages whose content is paths, axial and radial shadings (alpha through
// luminosity soft masks), images (8-bit RGB with a soft mask for alpha),
// transparency groups with opacity and blend modes, and text shown with
// Type 3 fonts built from the glyph outlines Strata shaped, with ToUnicode
// maps and ActualText spans so that the text is selectable and searchable.
//
// Why a writer of our own rather than a library: text must be shown glyph
// by glyph exactly as HarfBuzz shaped it (Arabic joining forms, Devanagari
// conjuncts and reordered vowel signs, marks placed by GPOS, variable-font
// instances, synthetic bold and oblique). The maintained Go PDF libraries
// on the module proxy take strings and map runes to glyphs through the
// font's cmap themselves — codeberg.org/go-pdf/fpdf v0.12 (AddUTF8Font,
// Text, Cell), github.com/signintech/gopdf (AddTTFFont, Cell) — so a
// glyph reached only through GSUB cannot be shown and positions cannot be
// the shaper's; github.com/pdfcpu/pdfcpu edits existing documents. The
// object syntax this package needs is small (ISO 32000-1 §7), so it is
// written here, with compress/zlib for the streams; qpdf --check and
// poppler (pdftoppm, pdftotext) check its output in the tests.
//
// Coordinates: a page is created w×h in the caller's units (pixels) with a
// scale to points; its content stream starts with a transform that makes
// the origin the top-left corner with y down, like the canvas.
package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Document is a PDF being built. It is not safe for concurrent use.
type Document struct {
	objs  [][]byte // object bodies by number-1; nil until set
	pages []int
	res   resources
	fonts []*Font
	// resRef is the one resources dictionary every page and form uses.
	resRef int
	// gsCache dedupes graphics states by their dictionary text.
	gsCache map[string]string
	// pageCanvases are the pages whose content is written by Bytes.
	pageCanvases []*Canvas
	fontKeys     map[any]*Font
	zw           *zlib.Writer
}

// resources are the named resources of the shared dictionary.
type resources struct {
	xobjects, extgstates, shadings, fonts []string // "/Name ref R"
}

// New returns an empty document.
func New() *Document {
	d := &Document{gsCache: map[string]string{}}
	d.alloc() // 1: catalog
	d.alloc() // 2: page tree
	d.resRef = d.alloc()
	return d
}

// alloc reserves an object number.
func (d *Document) alloc() int {
	d.objs = append(d.objs, nil)
	return len(d.objs)
}

// set gives object n its body.
func (d *Document) set(n int, body string) { d.objs[n-1] = []byte(body) }

// add stores body as a new object and returns its number.
func (d *Document) add(body string) int {
	n := d.alloc()
	d.set(n, body)
	return n
}

// addStream stores a Flate-compressed stream with the given dictionary
// entries (without << >> and /Length) and returns its number.
func (d *Document) addStream(dict string, data []byte) int {
	var z bytes.Buffer
	if d.zw == nil {
		d.zw, _ = zlib.NewWriterLevel(&z, zlib.DefaultCompression)
	} else {
		d.zw.Reset(&z) // a writer's state is 300 KB: one per document, not per glyph
	}
	d.zw.Write(data)
	d.zw.Close()
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< %s /Filter /FlateDecode /Length %d >>\nstream\n", dict, z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream")
	n := d.alloc()
	d.objs[n-1] = b.Bytes()
	return n
}

// Page starts a new page w×h units big, scale points per unit, and
// returns its canvas (y down from the top-left corner). The page's
// content is written when the document is.
func (d *Document) Page(w, h, scale float64) *Canvas {
	c := &Canvas{doc: d, w: w, h: h}
	fmt.Fprintf(&c.buf, "%s 0 0 %s 0 %s cm\n", num(scale), num(-scale), num(h*scale))
	n := d.alloc()
	d.pages = append(d.pages, n)
	c.finish = func() {
		content := d.addStream("", c.buf.Bytes())
		d.set(n, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources %d 0 R /Contents %d 0 R >>",
			num(w*scale), num(h*scale), d.resRef, content))
	}
	d.pageCanvases = append(d.pageCanvases, c)
	return c
}

// Bytes finishes the document and returns the file.
func (d *Document) Bytes() []byte {
	for _, c := range d.pageCanvases {
		c.finish()
	}
	d.pageCanvases = nil
	for _, f := range d.fonts {
		f.write()
	}
	kids := make([]string, len(d.pages))
	for i, p := range d.pages {
		kids[i] = fmt.Sprintf("%d 0 R", p)
	}
	d.set(1, "<< /Type /Catalog /Pages 2 0 R >>")
	d.set(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(d.pages)))
	dict := func(key string, entries []string) string {
		if len(entries) == 0 {
			return ""
		}
		return fmt.Sprintf(" /%s << %s >>", key, strings.Join(entries, " "))
	}
	d.set(d.resRef, "<< /ProcSet [/PDF /Text /ImageB /ImageC]"+dict("XObject", d.res.xobjects)+dict("ExtGState", d.res.extgstates)+
		dict("Shading", d.res.shadings)+dict("Font", d.res.fonts)+" >>")
	info := d.add("<< /Producer (Strata) >>")

	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(d.objs))
	for i, o := range d.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(d.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(d.objs)+1, info, xref)
	return b.Bytes()
}

// named registers object ref under a fresh name in one resource category.
func named(list *[]string, prefix string, ref int) string {
	name := prefix + strconv.Itoa(len(*list)+1)
	*list = append(*list, fmt.Sprintf("/%s %d 0 R", name, ref))
	return name
}

// extGState returns the name of a graphics state with the given entries
// (shared between identical ones).
func (d *Document) extGState(entries string) string {
	if name, ok := d.gsCache[entries]; ok {
		return name
	}
	name := named(&d.res.extgstates, "GS", d.add("<< /Type /ExtGState "+entries+" >>"))
	d.gsCache[entries] = name
	return name
}

// num formats a number for content streams: at most four decimals, no
// exponent, no trailing zeros; a value that is not finite (no caller
// should pass one) is 0, so the file stays readable.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "0"
	}
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// utf16 encodes s as UTF-16 code units.
func utf16(s string) []uint16 {
	var out []uint16
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		out = append(out, uint16(r))
	}
	return out
}
