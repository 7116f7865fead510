package typeset

import (
	"image"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"github.com/golang/freetype/raster"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/cases"
	xlang "golang.org/x/text/language"

	"github.com/strata-render/strata/pkg/schema"
)

// This file holds the CSS typography of schema.Typography that is not
// line breaking or shaping: case transforms, the font request's features,
// axes and language, letter spacing, line clamping with an ellipsis,
// decoration lines and glyph strokes.

// wghtTag is the weight axis.
var wghtTag = ot.MustNewTag("wght")

// varsKey is the canonical form of font_variations for faceRef.vars:
// "tag=value,…" in tag order (the schema sorts them).
func varsKey(vs []schema.FontSetting) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(v.Tag + "=" + strconv.FormatFloat(v.Value, 'g', -1, 32))
	}
	return b.String()
}

// variations are the axis values a face is drawn with: the matched
// weight, then the layer's font_variations (a "wght" among them wins).
func variations(ref faceRef) []font.Variation {
	var out []font.Variation
	if ref.wght != 0 {
		out = append(out, font.Variation{Tag: wghtTag, Value: ref.wght})
	}
	if ref.vars == "" {
		return out
	}
	for _, kv := range strings.Split(ref.vars, ",") {
		tag, val, ok := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(val, 32)
		if !ok || err != nil || len(tag) != 4 {
			continue
		}
		t := ot.MustNewTag(tag)
		if len(out) > 0 && t == wghtTag {
			out[0].Value = float32(f)
			continue
		}
		out = append(out, font.Variation{Tag: t, Value: float32(f)})
	}
	return out
}

// textStyle returns the layer's font request: family, weight, style and
// the typography that changes shaping (features, language, axes).
func textStyle(set *FontSet, t *schema.Text) style {
	w := int(t.Weight)
	if w == 0 {
		w = 400
	}
	st := style{set: set, family: t.FontName, weight: w, italic: t.Italic, vars: varsKey(t.Variations)}
	for _, f := range t.Features {
		st.features = append(st.features, shaping.FontFeature{Tag: ot.MustNewTag(f.Tag), Value: uint32(f.Value)})
	}
	if t.Lang != "" {
		st.lang = language.NewLanguage(t.Lang)
	}
	return st
}

// hanHintFor is the script that decides the face of Han characters: the
// layer's language when it names one (ja, ko, traditional Chinese), else
// the kana or Hangul in the line (hanHint). Traditional Chinese is
// marked with Bopomofo, the script taught with it.
func hanHintFor(lang language.Language, runes []rune) language.Script {
	if lang != "" {
		switch tag, _ := xlang.Parse(string(lang)); {
		case lang.Primary() == "ja":
			return language.Hiragana
		case lang.Primary() == "ko":
			return language.Hangul
		case lang.Primary() == "zh":
			if s, _ := tag.Script(); s.String() == "Hant" {
				return language.Bopomofo
			}
			return language.Han
		}
	}
	return hanHint(runes)
}

// caser returns the case mapping of a text_transform for a language, or
// nil for none.
func caser(t schema.Transform, lang string) *cases.Caser {
	tag := xlang.Und
	if lang != "" {
		tag, _ = xlang.Parse(lang)
	}
	var c cases.Caser
	switch t {
	case schema.TransformUppercase:
		c = cases.Upper(tag)
	case schema.TransformLowercase:
		c = cases.Lower(tag)
	case schema.TransformCapitalize:
		// CSS capitalize changes only the first letter of each word.
		c = cases.Title(tag, cases.NoLower)
	default:
		return nil
	}
	return &c
}

// transformLine applies a case mapping to a styled line, keeping each
// rune's style: the whole line at once (case rules look at context, like
// Greek final sigma), or run by style run when the mapping changes the
// number of runes (ß → SS).
func transformLine(c *cases.Caser, l styledLine) styledLine {
	if c == nil || len(l.runes) == 0 {
		return l
	}
	whole := []rune(c.String(string(l.runes)))
	if len(whole) == len(l.runes) {
		return styledLine{runes: whole, styles: l.styles}
	}
	var out styledLine
	for start := 0; start < len(l.runes); {
		end := start + 1
		for end < len(l.runes) && l.styles[end] == l.styles[start] {
			end++
		}
		part := []rune(c.String(string(l.runes[start:end])))
		out.runes = append(out.runes, part...)
		for range part {
			out.styles = append(out.styles, l.styles[start])
		}
		start = end
	}
	return out
}

// spaceLetters adds letter spacing after every grapheme cluster of a run
// (CSS letter-spacing, which Chromium also adds after a line's last one).
func spaceLetters(o *shaping.Output, spacing float64) {
	if spacing == 0 || len(o.Glyphs) == 0 {
		return
	}
	ls := fixed.Int26_6(math.Round(spacing * 64))
	for i := range o.Glyphs {
		if i == len(o.Glyphs)-1 || o.Glyphs[i+1].ClusterIndex != o.Glyphs[i].ClusterIndex {
			o.Glyphs[i].Advance += ls
			o.Glyphs[i].XAdvance += ls
		}
	}
	o.RecomputeAdvance()
}

// glyphInk is a glyph's ink box relative to the line's left and baseline,
// in whole pixels with half a pixel of margin (subpixel quantisation,
// baseline rounding and anti-aliasing never put ink outside it); ok is
// false for a glyph without ink.
func glyphInk(gl glyph, size, stroke float64) (x0, x1, top, bot float64, ok bool) {
	if gl.gw == 0 && gl.gh == 0 {
		return 0, 0, 0, 0, false
	}
	x0 = gl.x + gl.xb
	x1 = x0 + gl.gw
	top = gl.y - gl.yb
	bot = top - gl.gh
	if gl.ref.oblique {
		x1 += obliqueSlant * gl.yb
		x0 += obliqueSlant * math.Min(0, gl.yb+gl.gh)
	}
	if gl.ref.bold {
		x1 += boldStrength * size
	}
	if !gl.emoji && stroke > 0 {
		x0, x1, top, bot = x0-stroke/2, x1+stroke/2, top-stroke/2, bot+stroke/2
	}
	return math.Floor(x0 - 0.5), math.Ceil(x1 + 0.5), math.Floor(top - 0.5), math.Ceil(bot + 0.5), true
}

// measureInk sets a line's ink extent from its glyphs.
func (ln *line) measureInk(size, stroke float64) {
	ln.hasInk = false
	for _, gl := range ln.glyphs {
		x0, x1, top, bot, ok := glyphInk(gl, size, stroke)
		if !ok {
			continue
		}
		if !ln.hasInk {
			ln.inkL, ln.inkR, ln.inkT, ln.inkB, ln.hasInk = x0, x1, top, bot, true
			continue
		}
		ln.inkL, ln.inkR = math.Min(ln.inkL, x0), math.Max(ln.inkR, x1)
		ln.inkT, ln.inkB = math.Min(ln.inkT, top), math.Max(ln.inkB, bot)
	}
}

// measure sets the block's width and height from its lines.
func (b *block) measure() {
	b.width, b.height = 0, 0
	for i := range b.lines {
		ln := &b.lines[i]
		b.width = math.Max(b.width, ln.width)
		if ln.hasInk {
			b.width = math.Max(b.width, ln.inkR-math.Min(ln.inkL, 0))
		}
		b.height += ln.paragraphGap + ln.height
	}
}

// clamp keeps the first max lines of b (CSS -webkit-line-clamp); with an
// ellipsis, the last kept line ends in "…", losing as many characters
// (and its trailing spaces) as it must to stay within maxWidth.
func (r *Registry) clamp(ss *session, st style, b *block, max int, ellipsis bool, maxWidth, stroke float64) {
	if max <= 0 || len(b.lines) <= max {
		return
	}
	b.lines = b.lines[:max]
	b.clamped = true
	if ellipsis {
		r.ellipsize(ss, st, b, &b.lines[max-1], maxWidth, stroke)
	}
	b.measure()
}

// ellipsize ends a line with "…" in the layer's face: at the logical end,
// which is the right for a left-to-right paragraph and the left for a
// right-to-left one.
func (r *Registry) ellipsize(ss *session, st style, b *block, ln *line, maxWidth, stroke float64) {
	sl := r.shape(ss, st, styledLine{runes: []rune{'…'}, styles: []uint8{0}})
	var dots []glyph
	dw := 0.0
	for ri, o := range sl.runs {
		o = scaleRun(o, b.size/refSize)
		for _, g := range o.Glyphs {
			dots = append(dots, glyph{
				x: dw + f64(g.XOffset), y: -f64(g.YOffset), pen: dw,
				gid: uint32(g.GlyphID), ref: sl.refs[ri], emoji: sl.refs[ri].src == r.emoji && r.emoji != nil,
				xb: f64(g.XBearing), yb: f64(g.YBearing), gw: f64(g.Width), gh: f64(g.Height), adv: f64(g.Advance),
				deco: decoAt(ln.glyphs, ln.dir == di.DirectionRTL),
			})
			dw += f64(g.Advance)
		}
	}
	gs := ln.glyphs
	if maxWidth <= 0 {
		maxWidth = math.Inf(1)
	}
	if ln.dir != di.DirectionRTL {
		// Drop whole clusters from the end until the dots fit.
		for len(gs) > 0 {
			last := gs[len(gs)-1]
			if !last.space && last.pen+last.adv+dw <= maxWidth+1e-6 {
				break
			}
			n := len(gs) - 1
			for n > 0 && gs[n-1].cluster == last.cluster && gs[n-1].ref == last.ref {
				n--
			}
			gs = gs[:n]
		}
		end := 0.0
		if len(gs) > 0 {
			end = gs[len(gs)-1].pen + gs[len(gs)-1].adv
		}
		for i := range dots {
			dots[i].x += end
			dots[i].pen += end
		}
		ln.glyphs = append(gs[:len(gs):len(gs)], dots...)
		ln.width = end + dw
	} else {
		width := ln.width
		for len(gs) > 0 {
			first := gs[0]
			if !first.space && width+dw <= maxWidth+1e-6 {
				break
			}
			n := 1
			for n < len(gs) && gs[n].cluster == first.cluster && gs[n].ref == first.ref {
				n++
			}
			if n < len(gs) {
				width -= gs[n].pen - first.pen
			} else {
				width = 0
			}
			gs = gs[n:]
		}
		shift := dw
		if len(gs) > 0 {
			shift -= gs[0].pen
		}
		out := append([]glyph{}, dots...)
		for _, g := range gs {
			g.x += shift
			g.pen += shift
			out = append(out, g)
		}
		ln.glyphs = out
		ln.width = width + dw
	}
	ln.measureInk(b.size, stroke)
}

// decoAt is the decoration of the character an ellipsis follows: the
// line's last glyph in logical order.
func decoAt(gs []glyph, rtl bool) uint8 {
	switch {
	case len(gs) == 0:
		return 0
	case rtl:
		return gs[0].deco
	}
	return gs[len(gs)-1].deco
}

// Decoration bits of a glyph.
const (
	decoUnderline uint8 = 1 << iota
	decoStrike
)

// decoMetrics are the decoration lines' offsets below the baseline (y
// down, to the line's centre) and thicknesses, in pixels at a size.
type decoMetrics struct {
	underY, underT   float64
	strikeY, strikeT float64
}

// decorations returns the layer's face's underline and strikeout metrics
// at size (the font's own, CSS from-font), with defaults for fonts
// without them.
func (r *Registry) decorations(ss *session, st style, size float64) decoMetrics {
	ref := r.faceFor(st, 0)
	if _, err := ref.src.load(); err != nil {
		ref = r.match(nil, defaultFamily, st.weight, st.italic)
	}
	face := ss.face(ref)
	k := size / float64(face.Upem())
	m := decoMetrics{
		underY: -float64(face.LineMetric(font.UnderlinePosition)) * k, underT: float64(face.LineMetric(font.UnderlineThickness)) * k,
		strikeY: -float64(face.LineMetric(font.StrikethroughPosition)) * k, strikeT: float64(face.LineMetric(font.StrikethroughThickness)) * k,
	}
	if m.underT <= 0 {
		m.underY, m.underT = size/10, size/14
	}
	if m.strikeT <= 0 {
		m.strikeY, m.strikeT = -size*0.3, m.underT
	}
	// The position is the line's top edge in the font tables.
	m.underY += m.underT / 2
	m.strikeY += m.strikeT / 2
	return m
}

// decoSpans are the horizontal extents, relative to the line's left, of
// the runs of a line's glyphs that carry bit, trailing spaces left out.
func decoSpans(ln *line, bit uint8) [][2]float64 {
	var spans [][2]float64
	open := false
	for _, g := range ln.glyphs {
		if g.deco&bit == 0 {
			open = false
			continue
		}
		if open {
			spans[len(spans)-1][1] = math.Max(spans[len(spans)-1][1], g.pen+g.adv)
			continue
		}
		spans = append(spans, [2]float64{g.pen, g.pen + g.adv})
		open = true
	}
	// A span does not cover the spaces at the line's end.
	if n := len(spans); n > 0 {
		end := 0.0
		for _, g := range ln.glyphs {
			if !g.space {
				end = math.Max(end, g.pen+g.adv)
			}
		}
		if spans[n-1][1] > end {
			spans[n-1][1] = math.Max(end, spans[n-1][0])
		}
	}
	return spans
}

// fillRect composites a premultiplied colour over dst in the rectangle
// [x0, x1) × [y0, y1), with partial coverage at fractional edges.
func fillRect(dst *image.RGBA, x0, y0, x1, y1 float64, cr, cg, cb, ca uint32) {
	b := dst.Rect
	for y := max(int(math.Floor(y0)), b.Min.Y); y < min(int(math.Ceil(y1)), b.Max.Y); y++ {
		cy := math.Min(y1, float64(y+1)) - math.Max(y0, float64(y))
		for x := max(int(math.Floor(x0)), b.Min.X); x < min(int(math.Ceil(x1)), b.Max.X); x++ {
			cx := math.Min(x1, float64(x+1)) - math.Max(x0, float64(x))
			a := uint32(math.Round(cx * cy * 255))
			if a == 0 {
				continue
			}
			p := dst.Pix[dst.PixOffset(x, y):]
			sa := div255(ca * a)
			inv := 255 - sa
			p[0] = uint8(div255(cr*a) + div255(uint32(p[0])*inv))
			p[1] = uint8(div255(cg*a) + div255(uint32(p[1])*inv))
			p[2] = uint8(div255(cb*a) + div255(uint32(p[2])*inv))
			p[3] = uint8(sa + div255(uint32(p[3])*inv))
		}
	}
}

// strokeMask returns the coverage mask of a glyph's outline stroked with
// width pixels, centred on the outline (CSS -webkit-text-stroke), for a
// pen at subpixel offset sub/subpixels (cached).
func (r *Registry) strokeMask(ss *session, ref faceRef, gid uint32, size float64, sub int, width float64) *mask {
	key := maskKey{src: ref.src.id, gid: gid, size: int32(math.Round(size * 64)), sub: uint8(sub), wght: ref.wght, vars: ref.vars,
		stroke: int32(math.Max(1, math.Round(width*64))), bold: ref.bold, oblique: ref.oblique}
	if m, ok := r.masks.Get(key); ok {
		return m
	}
	m := ss.rasteriseStroke(ref, gid, size, float64(sub)/subpixels, width)
	r.masks.Put(key, m)
	return m
}

// rasteriseStroke strokes a glyph outline with round joins (freetype's
// stroker; cubic segments are split into quadratics, which it needs).
func (ss *session) rasteriseStroke(ref faceRef, gid uint32, size, dx, width float64) *mask {
	face := ss.face(ref)
	outline, ok := ss.outline(ref, gid)
	if !ok || len(outline.Segments) == 0 {
		return &mask{}
	}
	scale := size / float64(face.Upem())
	slant := 0.0
	if ref.oblique {
		slant = obliqueSlant
	}
	tx := func(p ot.SegmentPoint) (float64, float64) {
		return (float64(p.X)+slant*float64(p.Y))*scale + dx, -float64(p.Y) * scale
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, seg := range outline.Segments {
		for _, p := range seg.ArgsSlice() {
			x, y := tx(p)
			minX, maxX = math.Min(minX, x), math.Max(maxX, x)
			minY, maxY = math.Min(minY, y), math.Max(maxY, y)
		}
	}
	pad := width/2 + 1
	x0, y0 := int(math.Floor(minX-pad)), int(math.Floor(minY-pad))
	w, h := int(math.Ceil(maxX+pad))-x0, int(math.Ceil(maxY+pad))-y0
	if w <= 0 || h <= 0 || w > 8192 || h > 8192 {
		return &mask{}
	}
	pt := func(p ot.SegmentPoint) fixed.Point26_6 {
		x, y := tx(p)
		return fixed.Point26_6{X: fixed.Int26_6(math.Round((x - float64(x0)) * 64)), Y: fixed.Int26_6(math.Round((y - float64(y0)) * 64))}
	}
	var path raster.Path
	var start, cur fixed.Point26_6
	open := false
	closeContour := func() {
		if open && cur != start {
			path.Add1(start)
		}
	}
	for _, seg := range outline.Segments {
		switch seg.Op {
		case ot.SegmentOpMoveTo:
			closeContour()
			start = pt(seg.Args[0])
			cur = start
			path.Start(start)
			open = true
		case ot.SegmentOpLineTo:
			cur = pt(seg.Args[0])
			path.Add1(cur)
		case ot.SegmentOpQuadTo:
			c, p := pt(seg.Args[0]), pt(seg.Args[1])
			path.Add2(c, p)
			cur = p
		case ot.SegmentOpCubeTo:
			c1, c2, p := pt(seg.Args[0]), pt(seg.Args[1]), pt(seg.Args[2])
			cubicAsQuads(&path, cur, c1, c2, p)
			cur = p
		}
	}
	closeContour()
	rz := raster.NewRasterizer(w, h)
	rz.UseNonZeroWinding = true
	rz.AddStroke(path, fixed.Int26_6(math.Round(width*64)), raster.RoundCapper, raster.RoundJoiner)
	dst := image.NewAlpha(image.Rect(0, 0, w, h))
	rz.Rasterize(raster.NewAlphaSrcPainter(dst))
	return &mask{x0: x0, y0: y0, w: w, h: h, a: dst.Pix}
}

// cubicAsQuads approximates a cubic Bézier by two quadratics (split at
// its midpoint; within a fraction of a pixel at glyph sizes).
func cubicAsQuads(path *raster.Path, p0, c1, c2, p3 fixed.Point26_6) {
	mid := func(a, b fixed.Point26_6) fixed.Point26_6 {
		return fixed.Point26_6{X: (a.X + b.X) / 2, Y: (a.Y + b.Y) / 2}
	}
	ab, bc, cd := mid(p0, c1), mid(c1, c2), mid(c2, p3)
	abc, bcd := mid(ab, bc), mid(bc, cd)
	m := mid(abc, bcd)
	quad := func(a, b, c, d fixed.Point26_6) {
		// The quadratic's control point: (3(b+c) − (a+d)) / 4.
		q := fixed.Point26_6{X: (3*(b.X+c.X) - (a.X + d.X)) / 4, Y: (3*(b.Y+c.Y) - (a.Y + d.Y)) / 4}
		path.Add2(q, d)
	}
	quad(p0, ab, abc, m)
	quad(m, bcd, cd, p3)
}

// isSpaceRune reports whether the rune at i of runes is white space.
func isSpaceRune(runes []rune, i int) bool {
	return i >= 0 && i < len(runes) && unicode.IsSpace(runes[i])
}
