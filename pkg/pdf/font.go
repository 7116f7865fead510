package pdf

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Font is a Type 3 font made of a real font's glyph outlines, embedded as
// the subset of glyphs shown. Each distinct (glyph, text) pair gets its
// own one-byte code, so the ToUnicode map gives every glyph exactly the
// text it was shaped from; past 256 codes a further Type 3 font object
// continues the set.
type Font struct {
	doc     *Document
	upem    float64
	outline func(gid uint32) (p *Path, advance float64)
	codes   map[glyphKey]codeRef
	subs    []*subFont
	// stroke, when positive, makes the glyphs outlines stroked this many
	// glyph units wide (round joins and caps) instead of filled.
	stroke float64
}

type glyphKey struct {
	gid   uint32
	text  string
	width float64 // glyph units
}

type codeRef struct {
	sub  int
	code int
}

// subFont is one Type 3 font object of a Font: up to 256 glyphs.
type subFont struct {
	ref    int
	name   string
	glyphs []glyphKey
}

// Font returns the document's font for key, made on first use: upem is
// the glyph units per em, outline gives a glyph's outline in glyph units
// (y up) and its advance. The same key always returns the same Font.
func (d *Document) Font(key any, upem float64, outline func(gid uint32) (*Path, float64)) *Font {
	if d.fontKeys == nil {
		d.fontKeys = map[any]*Font{}
	}
	if f, ok := d.fontKeys[key]; ok {
		return f
	}
	f := &Font{doc: d, upem: upem, outline: outline, codes: map[glyphKey]codeRef{}}
	d.fontKeys[key] = f
	d.fonts = append(d.fonts, f)
	return f
}

// StrokeFont is Font for glyphs stroked width glyph units wide (round
// joins and caps, centred on the outline: CSS -webkit-text-stroke) instead
// of filled; ShowGlyphs paints them in the stroking colour.
func (d *Document) StrokeFont(key any, upem, width float64, outline func(gid uint32) (*Path, float64)) *Font {
	f := d.Font(key, upem, outline)
	f.stroke = width
	return f
}

// code returns the resource name and code that show gid standing for
// text, width glyph units wide.
func (f *Font) code(gid uint32, text string, width float64) (string, int) {
	k := glyphKey{gid, text, width}
	c, ok := f.codes[k]
	if !ok {
		if len(f.subs) == 0 || len(f.subs[len(f.subs)-1].glyphs) == 256 {
			ref := f.doc.alloc()
			f.subs = append(f.subs, &subFont{ref: ref, name: named(&f.doc.res.fonts, "T", ref)})
		}
		s := f.subs[len(f.subs)-1]
		c = codeRef{len(f.subs) - 1, len(s.glyphs)}
		s.glyphs = append(s.glyphs, k)
		f.codes[k] = c
	}
	return f.subs[c.sub].name, c.code
}

// write stores the font objects: glyph procedures, encoding, widths and
// the ToUnicode map.
func (f *Font) write() {
	outlines := map[uint32]*Path{}
	procs := map[glyphKey]int{} // char procs, shared between fonts
	var bx0, by0, bx1, by1 float64
	for _, s := range f.subs {
		var names, diffs, ws, uni []string
		for code, g := range s.glyphs {
			p, ok := outlines[g.gid]
			if !ok {
				p, _ = f.outline(g.gid)
				outlines[g.gid] = p
				if p != nil && !p.Empty() {
					x0, y0, x1, y1 := p.Bounds()
					bx0, by0, bx1, by1 = min(bx0, x0), min(by0, y0), max(bx1, x1), max(by1, y1)
				}
			}
			pk := glyphKey{gid: g.gid, width: g.width}
			ref, ok := procs[pk]
			if !ok {
				body := fmt.Sprintf("%s 0 0 0 0 0 d1\n", num(g.width))
				if p != nil && !p.Empty() {
					x0, y0, x1, y1 := p.Bounds()
					paint := "f"
					if f.stroke > 0 {
						m := f.stroke / 2
						x0, y0, x1, y1 = x0-m, y0-m, x1+m, y1+m
						paint = "S"
						body = fmt.Sprintf("%s 0 %s %s %s %s d1\n1 j 1 J %s w\n%s%s\n", num(g.width), num(x0), num(y0), num(x1), num(y1), num(f.stroke), p.String(), paint)
					} else {
						body = fmt.Sprintf("%s 0 %s %s %s %s d1\n%s%s\n", num(g.width), num(x0), num(y0), num(x1), num(y1), p.String(), paint)
					}
				}
				ref = f.doc.addStream("", []byte(body))
				procs[pk] = ref
			}
			name := fmt.Sprintf("c%d", ref)
			names = append(names, fmt.Sprintf("/%s %d 0 R", name, ref))
			diffs = append(diffs, "/"+name)
			ws = append(ws, num(g.width))
			if g.text != "" {
				var hex strings.Builder
				for _, u := range utf16(g.text) {
					fmt.Fprintf(&hex, "%04X", u)
				}
				uni = append(uni, fmt.Sprintf("<%02X> <%s>", code, hex.String()))
			}
		}
		sort.Strings(names)
		names = dedupe(names)
		toUnicode := f.doc.addStream("", []byte(cmap(uni)))
		k := 1 / f.upem
		f.doc.set(s.ref, fmt.Sprintf("<< /Type /Font /Subtype /Type3 /FontBBox [%s %s %s %s] /FontMatrix [%s 0 0 %s 0 0] "+
			"/CharProcs << %s >> /Encoding << /Type /Encoding /Differences [0 %s] >> /FirstChar 0 /LastChar %d /Widths [%s] "+
			"/Resources << >> /ToUnicode %d 0 R >>",
			num(math.Floor(bx0)), num(math.Floor(by0)), num(math.Ceil(bx1)), num(math.Ceil(by1)),
			strconvE(k), strconvE(k), strings.Join(names, " "), strings.Join(diffs, " "), len(s.glyphs)-1, strings.Join(ws, " "), toUnicode))
	}
}

// strconvE formats a small factor such as 1/2048 with enough digits.
func strconvE(v float64) string { return fmt.Sprintf("%.10f", v) }

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// cmap is a ToUnicode CMap with one-byte codes and the given bfchar
// entries (at most 100 per block, as the CMap syntax requires).
func cmap(entries []string) string {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n")
	for len(entries) > 0 {
		n := min(len(entries), 100)
		fmt.Fprintf(&b, "%d beginbfchar\n%s\nendbfchar\n", n, strings.Join(entries[:n], "\n"))
		entries = entries[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.String()
}
