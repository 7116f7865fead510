package typeset

import (
	"math"
	"sort"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"

	"github.com/strata-render/strata/pkg/schema"
)

// obliqueSlant is the horizontal shear of a synthetic oblique (12°, the
// angle browsers use).
var obliqueSlant = math.Tan(12 * math.Pi / 180)

// boldStrength is the extra stroke width of a synthetic bold, per pixel of
// font size.
const boldStrength = 1.0 / 28

// glyph is one positioned glyph of a laid-out line, relative to the
// line's left edge and baseline, in pixels.
type glyph struct {
	x, y    float64 // pen position (offsets applied), y down
	pen     float64 // pen position before offsets
	cluster int     // the rune its cluster starts at, in the hard line
	space   bool    // the cluster is white space
	deco    uint8   // decoration lines (decoUnderline, decoStrike)
	gid     uint32
	ref     faceRef
	emoji   bool
	xb, yb  float64 // bearings (y up), for emoji boxes
	gw, gh  float64 // extents (gh negative)
	adv     float64
	// cn is the cluster's rune count on its first glyph, 0 on the others.
	cn int32
}

// line is one laid-out line.
type line struct {
	glyphs        []glyph
	width         float64 // advance width, trailing spaces trimmed
	ascent        float64 // above the baseline, half the gap included
	descent       float64 // below the baseline, half the gap included
	inkL, inkR    float64 // horizontal ink extent (relative to the line's left)
	inkT, inkB    float64 // vertical ink extent (relative to the baseline, y down)
	hasInk        bool
	paragraphGap  float64 // space added above this line (paragraph spacing)
	dir           di.Direction
	height        float64
	baselineShift float64
	// runes[lo:hi] is the line's text in logical order (runes is the
	// hard line's, shared).
	runes  []rune
	lo, hi int
}

// block is a laid-out text at one size.
type block struct {
	size   float64
	lines  []line
	width  float64 // widest line (advance or ink)
	height float64 // sum of line heights and paragraph gaps
	// broken: wrapping split a word between grapheme clusters because
	// the word alone is wider than the box (an emergency break).
	broken bool
	// clamped: max_lines cut lines off.
	clamped bool
}

// layoutOpts are the layer's settings that shape a layout besides size
// and width.
type layoutOpts struct {
	paraSpacing float64
	wrap        bool
	// lineHeight is a multiple of the size (0: the fonts' line spacing).
	lineHeight float64
	// letterSpacing is added after every cluster, in pixels.
	letterSpacing float64
	// deco is the decoration of every glyph; strike adds line-through to
	// markdown ~~spans~~.
	deco uint8
	// stroke is the text stroke width (ink reaches half of it further).
	stroke float64
}

// layoutOptions returns a text layer's layout settings.
func layoutOptions(t *schema.Text, wrap bool) layoutOpts {
	o := layoutOpts{paraSpacing: t.ParagraphSpacing, wrap: wrap, lineHeight: t.LineHeight, letterSpacing: t.LetterSpacing}
	if t.Underline {
		o.deco |= decoUnderline
	}
	if t.LineThrough {
		o.deco |= decoStrike
	}
	if t.Stroke != nil {
		o.stroke = t.Stroke.Width
	}
	return o
}

// scaleRun copies a run shaped at refSize to size.
func scaleRun(o shaping.Output, k float64) shaping.Output {
	s := func(v fixed.Int26_6) fixed.Int26_6 { return fixed.Int26_6(math.Round(float64(v) * k)) }
	out := o
	out.Glyphs = make([]shaping.Glyph, len(o.Glyphs))
	for i, g := range o.Glyphs {
		g.Width, g.Height = s(g.Width), s(g.Height)
		g.XBearing, g.YBearing = s(g.XBearing), s(g.YBearing)
		g.Advance, g.XAdvance, g.YAdvance = s(g.Advance), s(g.XAdvance), s(g.YAdvance)
		g.XOffset, g.YOffset = s(g.XOffset), s(g.YOffset)
		out.Glyphs[i] = g
	}
	out.Advance = s(o.Advance)
	out.Size = fixed.Int26_6(math.Round(float64(o.Size) * k))
	out.LineBounds = shaping.Bounds{Ascent: s(o.LineBounds.Ascent), Descent: s(o.LineBounds.Descent), Gap: s(o.LineBounds.Gap)}
	out.GlyphBounds = shaping.Bounds{Ascent: s(o.GlyphBounds.Ascent), Descent: s(o.GlyphBounds.Descent)}
	return out
}

func f64(v fixed.Int26_6) float64 { return float64(v) / 64 }

// layout lays the paragraphs out at size: each hard line wrapped to
// maxWidth when wrap is set (0 = unbounded).
func (r *Registry) layout(ss *session, paras [][]*shapedLine, size, maxWidth float64, o layoutOpts) *block {
	k := size / refSize
	b := &block{size: size}
	for pi, para := range paras {
		for li, sl := range para {
			gap := 0.0
			if pi > 0 && li == 0 {
				gap = o.paraSpacing
			}
			first := len(b.lines)
			r.wrapLine(ss, b, sl, k, maxWidth, o)
			if len(b.lines) > first {
				b.lines[first].paragraphGap = gap
			}
		}
	}
	b.measure()
	return b
}

// wrapLine appends the lines of one hard line to the block.
func (r *Registry) wrapLine(ss *session, b *block, sl *shapedLine, k, maxWidth float64, o layoutOpts) {
	base := line{dir: sl.dir}
	base.ascent, base.descent = sl.primary.box(b.size)
	if o.lineHeight > 0 {
		// CSS: the content area (ascent + descent of the first available
		// font, each rounded to whole pixels as in Chromium) centred in the
		// line height, half the leading on each side.
		a, d := math.Round(sl.primary.ascent*b.size), math.Round(sl.primary.descent*b.size)
		half := (o.lineHeight*b.size - a - d) / 2
		base.ascent, base.descent = a+half, d+half
	}
	if len(sl.runs) == 0 {
		base.height = base.ascent + base.descent
		b.lines = append(b.lines, base)
		return
	}
	runs := make([]shaping.Output, len(sl.runs))
	for i, run := range sl.runs {
		runs[i] = scaleRun(run, k)
		spaceLetters(&runs[i], o.letterSpacing)
	}
	limit := fixed.Int26_6(math.MaxInt32 >> 1)
	if o.wrap && maxWidth > 0 {
		limit = fixed.Int26_6(maxWidth * 64)
	}
	lines, _ := ss.wrap.WrapParagraphF(shaping.WrapConfig{Direction: sl.dir, BreakPolicy: shaping.WhenNecessary}, limit, sl.runes, shaping.NewSliceIterator(runs))
	for i, wl := range lines {
		// A line ends after its last run in logical order; ending where
		// no word ends means the wrapper fell back to grapheme breaks.
		if i < len(lines)-1 && len(wl) > 0 {
			if last := wl[len(wl)-1]; !sl.wordBreak[last.Runes.Offset+last.Runes.Count] {
				b.broken = true
			}
		}
		ln := base
		ln.runes, ln.lo, ln.hi = sl.runes, len(sl.runes), 0
		for _, run := range wl {
			ln.lo, ln.hi = min(ln.lo, run.Runes.Offset), max(ln.hi, run.Runes.Offset+run.Runes.Count)
		}
		ordered := make([]shaping.Output, len(wl))
		copy(ordered, wl)
		sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].VisualIndex < ordered[j].VisualIndex })
		pen := sl.lineStartUntrim(ordered)
		for _, run := range ordered {
			ri := sl.runIndex(run.Runes.Offset)
			ref := sl.refs[ri]
			if o.lineHeight == 0 {
				// With line-height normal, every font's line spacing
				// counts; a set line height is the line's height.
				above, below := sl.metrics[ri].box(b.size)
				ln.ascent = math.Max(ln.ascent, above)
				ln.descent = math.Max(ln.descent, below)
			}
			emoji := ref.src == r.emoji && r.emoji != nil
			prev := -1
			for _, g := range run.Glyphs {
				deco := o.deco
				if c := g.ClusterIndex; c < len(sl.styles) && sl.styles[c]&styleStrike != 0 {
					deco |= decoStrike
				}
				gl := glyph{
					x: pen + f64(g.XOffset), y: -f64(g.YOffset), pen: pen,
					cluster: g.ClusterIndex, space: isSpaceRune(sl.runes, g.ClusterIndex), deco: deco,
					gid: uint32(g.GlyphID), ref: ref, emoji: emoji,
					xb: f64(g.XBearing), yb: f64(g.YBearing), gw: f64(g.Width), gh: f64(g.Height),
					adv: f64(g.Advance),
				}
				if g.ClusterIndex != prev {
					gl.cn, prev = int32(g.RuneCount), g.ClusterIndex
				}
				ln.glyphs = append(ln.glyphs, gl)
				pen += f64(g.Advance)
			}
		}
		ln.measureInk(b.size, o.stroke)
		ln.width = pen
		ln.height = ln.ascent + ln.descent
		b.lines = append(b.lines, ln)
	}
}

// lineStartUntrim is how far a wrapped line's glyphs move right because
// it starts with an opening bracket that was trimmed after the previous
// line's last character: as in Chromium, a line starts with the bracket
// at full width (its trimmed half was a negative offset).
func (sl *shapedLine) lineStartUntrim(ordered []shaping.Output) float64 {
	if sl.halt == nil || len(ordered) == 0 || len(ordered[0].Glyphs) == 0 || sl.dir != di.DirectionLTR {
		return 0
	}
	g := ordered[0].Glyphs[0]
	if i := g.ClusterIndex; i < len(sl.halt) && sl.halt[i] && cjkPunct(sl.runes[i]) == cjkOpen && g.XOffset < 0 {
		return -f64(g.XOffset)
	}
	return 0
}

// runIndex returns the index of the run containing rune offset off.
func (sl *shapedLine) runIndex(off int) int {
	i := sort.Search(len(sl.runs), func(i int) bool { return sl.runs[i].Runes.Offset > off }) - 1
	return max(i, 0)
}

// lineMetrics are a face's ascent, descent (both positive) and line gap,
// in em.
type lineMetrics struct{ ascent, descent, gap float64 }

// faceMetrics reads a face's line metrics (OS/2 typo metrics when the
// font sets USE_TYPO_METRICS, else hhea, as Chromium's Skia/FreeType
// reads them); a font without them gets HarfBuzz's 0.8/0.2 em.
func faceMetrics(face *font.Face) lineMetrics {
	ext, ok := face.FontHExtents()
	if !ok || face.Upem() == 0 {
		return lineMetrics{ascent: 0.8, descent: 0.2}
	}
	u := float64(face.Upem())
	return lineMetrics{ascent: float64(ext.Ascender) / u, descent: -float64(ext.Descender) / u, gap: max(0, float64(ext.LineGap)/u)}
}

// box is the space a line in this face takes above and below its
// baseline at size px with line-height: normal, as Chromium computes it:
// ascent, descent and line gap each rounded to whole pixels, half the gap
// (rounded down) above the ascent and the rest below the descent.
func (m lineMetrics) box(size float64) (above, below float64) {
	a, d, g := math.Round(m.ascent*size), math.Round(m.descent*size), math.Round(m.gap*size)
	half := math.Floor(g / 2)
	return a + half, d + g - half
}

// placement is where each line of a block goes in a w×h box: the x of
// its left edge and the y of its baseline.
type placement struct {
	x, y []float64
}

// place aligns a block in a w×h box, then nudges it so that ink stays in
// the box where the box is big enough for it (a glyph overhanging its
// advance, like an italic f, must not be clipped).
func place(b *block, w, h float64, align, valign string) placement {
	p := placement{x: make([]float64, len(b.lines)), y: make([]float64, len(b.lines))}
	top := 0.0
	switch valign {
	case "center":
		top = (h - b.height) / 2
	case "bottom":
		top = h - b.height
	}
	y := top
	inkT, inkB, any := math.Inf(1), math.Inf(-1), false
	for i := range b.lines {
		ln := &b.lines[i]
		y += ln.paragraphGap
		p.y[i] = math.Round(y + ln.ascent) // whole-pixel baselines: crisp, and ink bounds exact
		y += ln.height
		x := 0.0
		switch align {
		case "center":
			x = (w - ln.width) / 2
		case "right":
			x = w - ln.width
		}
		if ln.hasInk {
			x = nudge(x, ln.inkL, ln.inkR, w)
			inkT, inkB, any = math.Min(inkT, p.y[i]+ln.inkT), math.Max(inkB, p.y[i]+ln.inkB), true
		}
		p.x[i] = x
	}
	if any {
		dy := nudge(0, inkT, inkB, h)
		for i := range p.y {
			p.y[i] += dy
		}
	}
	return p
}

// nudge moves an offset so that [off+lo, off+hi] lies in [0, size] if it
// can; when the extent is larger than size it is centred on the overflow
// instead of pushed to one side.
func nudge(off, lo, hi, size float64) float64 {
	if hi-lo > size {
		return off
	}
	if off+lo < 0 {
		off = -lo
	}
	if off+hi > size {
		off = size - hi
	}
	return off
}

// fits reports whether the block fits a w×h box: every line's advance and
// ink no wider than w, the lines and the ink no taller than h (place
// nudges ink that overhangs the advance box back inside).
func (b *block) fits(w, h float64) bool {
	const eps = 1e-6
	if b.height > h+eps {
		return false
	}
	inkT, inkB, any := math.Inf(1), math.Inf(-1), false
	y := 0.0
	for _, ln := range b.lines {
		y += ln.paragraphGap
		base := y + ln.ascent
		y += ln.height
		if ln.width > w+eps {
			return false
		}
		if ln.hasInk {
			if ln.inkR-ln.inkL > w+eps {
				return false
			}
			inkT, inkB, any = math.Min(inkT, base+ln.inkT), math.Max(inkB, base+ln.inkB), true
		}
	}
	return !any || inkB-inkT <= h+eps
}
