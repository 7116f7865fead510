package pdf

import (
	"bytes"
	"fmt"
	"math"
	"strings"
)

// Canvas is a content stream: a page's or a transparency group's. Its
// coordinates are the page's units, y down, from the top-left corner.
type Canvas struct {
	doc    *Document
	buf    bytes.Buffer
	w, h   float64
	finish func()
}

// Reset drops everything drawn on the canvas so far (the objects it
// used stay in the document).
func (c *Canvas) Reset() {
	first, _, _ := bytes.Cut(c.buf.Bytes(), []byte("\n"))
	head := append([]byte{}, first...)
	c.buf.Reset()
	c.buf.Write(head)
	c.buf.WriteString("\n")
}

// Save pushes the graphics state (q); every Save needs its Restore.
func (c *Canvas) Save() { c.buf.WriteString("q\n") }

// Restore pops the graphics state (Q).
func (c *Canvas) Restore() { c.buf.WriteString("Q\n") }

// Transform concatenates the matrix [a b c d e f] to the current one:
// a point (x, y) goes to (a·x + c·y + e, b·x + d·y + f).
func (c *Canvas) Transform(a, b, cc, d, e, f float64) {
	fmt.Fprintf(&c.buf, "%s %s %s %s %s %s cm\n", num(a), num(b), num(cc), num(d), num(e), num(f))
}

// Fill fills p (nonzero winding) in the straight RGB colour r, g, b.
func (c *Canvas) Fill(p *Path, r, g, b uint8) {
	fmt.Fprintf(&c.buf, "%s %s %s rg\n", num(float64(r)/255), num(float64(g)/255), num(float64(b)/255))
	c.buf.WriteString(p.String())
	c.buf.WriteString("f\n")
}

// Clip intersects the clipping path with p (nonzero winding).
func (c *Canvas) Clip(p *Path) {
	c.buf.WriteString(p.String())
	c.buf.WriteString("W n\n")
}

// SetAlpha sets the constant alpha (0..1) for what follows, and the blend
// mode: "" or "Normal", or one of the PDF names (Multiply, Screen,
// Overlay, Darken, Lighten, ColorDodge, ColorBurn, HardLight, SoftLight,
// Difference, Exclusion, Hue, Saturation, Color, Luminosity).
func (c *Canvas) SetAlpha(alpha float64, blend string) {
	if blend == "" {
		blend = "Normal"
	}
	fmt.Fprintf(&c.buf, "/%s gs\n", c.doc.extGState(fmt.Sprintf("/ca %s /CA %s /BM /%s", num(alpha), num(alpha), blend)))
}

// Group draws what fill draws as one transparency group (so an alpha set
// before it applies to the group as a whole, as a layer's opacity does);
// bbox is x0, y0, x1, y1 in the current coordinates, outside which the
// group draws nothing.
func (c *Canvas) Group(bbox [4]float64, fill func(g *Canvas)) {
	g := &Canvas{doc: c.doc, w: c.w, h: c.h}
	fill(g)
	ref := c.doc.addStream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [%s %s %s %s] /Group << /S /Transparency /CS /DeviceRGB >> /Resources %d 0 R",
		num(bbox[0]), num(bbox[1]), num(bbox[2]), num(bbox[3]), c.doc.resRef), g.buf.Bytes())
	fmt.Fprintf(&c.buf, "/%s Do\n", named(&c.doc.res.xobjects, "Fm", ref))
}

// DrawImage paints img into the w×h box at (x, y).
func (c *Canvas) DrawImage(img *Image, x, y, w, h float64) {
	fmt.Fprintf(&c.buf, "q %s 0 0 %s %s %s cm /%s Do Q\n", num(w), num(-h), num(x), num(y+h), img.name)
}

// Glyph is one glyph to draw: its pen position on the baseline (page
// units, y down) and its glyph id in the font.
type Glyph struct {
	X, Y float64
	GID  uint32
}

// ShowGlyphs draws glyphs of f at size (page units per em) in the
// straight RGB colour r, g, b (filled, or stroked for a StrokeFont), each
// at its own position. They carry no
// text (an empty ActualText span): the text is ShowText's.
func (c *Canvas) ShowGlyphs(f *Font, size float64, r, g, b uint8, glyphs []Glyph) {
	if len(glyphs) == 0 {
		return
	}
	col := fmt.Sprintf("%s %s %s", num(float64(r)/255), num(float64(g)/255), num(float64(b)/255))
	fmt.Fprintf(&c.buf, "%s rg\n", col)
	if f.stroke > 0 {
		// Viewers differ in which colour an uncoloured Type 3 glyph
		// strokes with: both are the stroke's.
		fmt.Fprintf(&c.buf, "%s RG\n", col)
	}
	c.buf.WriteString("/Span << /ActualText <FEFF> >> BDC\nBT\n")
	cur := ""
	for _, gl := range glyphs {
		name, code := f.code(gl.GID, "", 0)
		if name != cur {
			fmt.Fprintf(&c.buf, "/%s %s Tf\n", name, num(size))
			cur = name
		}
		fmt.Fprintf(&c.buf, "1 0 0 -1 %s %s Tm <%02X> Tj\n", num(gl.X), num(gl.Y), code)
	}
	c.buf.WriteString("ET\nEMC\n")
}

// Cluster is a piece of text as a viewer should select, search and copy
// it: a grapheme cluster's text, where its advance starts on the
// baseline (page units, y down) and how wide it is.
type Cluster struct {
	X, Y, Advance float64
	Text          string
}

// ShowText lays clusters down as invisible text (rendering mode 3) at
// size, in reading order: the searchable, selectable text over the glyphs
// ShowGlyphs draws. Each cluster is one character code of a Type 3 font
// whose ToUnicode map gives its text, with its advance as the width, so
// extraction finds words and lines where the eye does.
func (c *Canvas) ShowText(size float64, clusters []Cluster) {
	if len(clusters) == 0 {
		return
	}
	f := c.doc.Font(textFont{}, 1000, func(uint32) (*Path, float64) { return nil, 0 })
	c.buf.WriteString("q\nBT\n3 Tr\n")
	cur := ""
	for _, cl := range clusters {
		name, code := f.code(0, cl.Text, math.Round(cl.Advance/size*1000))
		if name != cur {
			fmt.Fprintf(&c.buf, "/%s %s Tf\n", name, num(size))
			cur = name
		}
		fmt.Fprintf(&c.buf, "1 0 0 -1 %s %s Tm <%02X> Tj\n", num(cl.X), num(cl.Y), code)
	}
	c.buf.WriteString("ET\nQ\n")
}

// textFont is the key of the document's font for ShowText.
type textFont struct{}

// Path is a path in page units: subpaths of lines and cubic curves.
type Path struct {
	b          strings.Builder
	x, y       float64 // current point
	x0, y0     float64 // start of the subpath
	minX, minY float64
	maxX, maxY float64
	n          int
}

// MoveTo starts a subpath at (x, y).
func (p *Path) MoveTo(x, y float64) {
	fmt.Fprintf(&p.b, "%s %s m\n", num(x), num(y))
	p.x, p.y, p.x0, p.y0 = x, y, x, y
	p.grow(x, y)
}

// LineTo draws a line to (x, y).
func (p *Path) LineTo(x, y float64) {
	fmt.Fprintf(&p.b, "%s %s l\n", num(x), num(y))
	p.x, p.y = x, y
	p.grow(x, y)
}

// CubeTo draws a cubic Bézier curve to (x3, y3).
func (p *Path) CubeTo(x1, y1, x2, y2, x3, y3 float64) {
	fmt.Fprintf(&p.b, "%s %s %s %s %s %s c\n", num(x1), num(y1), num(x2), num(y2), num(x3), num(y3))
	p.x, p.y = x3, y3
	p.grow(x1, y1)
	p.grow(x2, y2)
	p.grow(x3, y3)
}

// QuadTo draws a quadratic Bézier curve to (x2, y2), as the equal cubic.
func (p *Path) QuadTo(x1, y1, x2, y2 float64) {
	p.CubeTo(p.x+2*(x1-p.x)/3, p.y+2*(y1-p.y)/3, x2+2*(x1-x2)/3, y2+2*(y1-y2)/3, x2, y2)
}

// Close closes the subpath.
func (p *Path) Close() {
	p.b.WriteString("h\n")
	p.x, p.y = p.x0, p.y0
}

// Rect adds a w×h rectangle at (x, y) as a closed subpath.
func (p *Path) Rect(x, y, w, h float64) {
	fmt.Fprintf(&p.b, "%s %s %s %s re\n", num(x), num(y), num(w), num(h))
	p.grow(x, y)
	p.grow(x+w, y+h)
}

// Empty reports whether nothing was added.
func (p *Path) Empty() bool { return p.n == 0 }

// Bounds is the box of the path's points (control points included).
func (p *Path) Bounds() (x0, y0, x1, y1 float64) { return p.minX, p.minY, p.maxX, p.maxY }

// String is the path's operators.
func (p *Path) String() string { return p.b.String() }

func (p *Path) grow(x, y float64) {
	if p.n == 0 {
		p.minX, p.minY, p.maxX, p.maxY = x, y, x, y
	}
	p.n++
	p.minX, p.minY = min(p.minX, x), min(p.minY, y)
	p.maxX, p.maxY = max(p.maxX, x), max(p.maxY, y)
}
