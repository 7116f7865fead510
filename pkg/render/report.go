package render

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"unsafe"

	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
	"github.com/strata-render/strata/pkg/warning"
)

// This file turns what the draw code noticed into the render report
// (pkg/warning). Nothing here changes a pixel: the checks only read the
// request, the layer image and the destination under it.

// LegibleSize is the font size in pixels below which auto-scaled text is
// reported as too small to read (text_below_legible_size).
const LegibleSize = 10

// minContrast is WCAG's contrast minimum for large text and graphics
// (SC 1.4.3 / 1.4.11); text under it is reported (low_contrast).
const minContrast = 3.0

// reportText adds the warnings of a drawn text layer: an unknown font,
// characters without glyphs, text the box cut off, auto-scale's choice.
func reportText(ctx context.Context, l *schema.Layer, rep *typeset.TextReport) {
	c, t := warning.From(ctx), l.Text
	if strings.TrimSpace(t.Text) == "" {
		c.Add(l.Path+".text", warning.TextEmpty, "The text is empty, so the layer draws nothing.")
		return
	}
	if rep.FontNotFound {
		c.Add(l.Path+".font_name", warning.FontNotFound,
			"Font %q is neither bundled nor in fonts[]; the text was drawn in %s instead.", t.FontName, rep.UsedFamily)
	}
	if len(rep.Missing) > 0 {
		c.Add(l.Path+".text", warning.MissingGlyphs,
			"No bundled or custom font has %s; %s drawn as empty boxes.", codePoints(rep.Missing), plural(len(rep.Missing), "it is", "they are"))
	}
	switch {
	case rep.Clipped && rep.LinesOutside > 0:
		c.Add(l.Path+".text", warning.TextClipped,
			"The text does not fit its box: %d of its %d lines fall outside it and are not drawn%s.", rep.LinesOutside, rep.Lines, clipHint(t))
	case rep.Clipped:
		c.Add(l.Path+".text", warning.TextClipped, "The text does not fit its box and is cut off at its edge%s.", clipHint(t))
	}
	if rep.Clamped {
		how := "cut off"
		if rep.Ellipsis {
			how = "cut off with an ellipsis"
		}
		c.Add(l.Path+".max_lines", warning.TextClipped, "The text is longer than max_lines (%d) lines and is %s.", t.MaxLines, how)
	}
	if t.AutoScale && rep.Size < t.FontSize {
		if rep.Size < LegibleSize {
			c.Add(l.Path+".font_size_in_px", warning.TextBelowLegible,
				"Auto-scale drew the text at %s px (asked %s px), below the legible %d px; shorten the text or enlarge the box.", num(rep.Size), num(t.FontSize), LegibleSize)
		} else {
			c.Add(l.Path+".font_size_in_px", warning.TextAutoScaled,
				"Auto-scale drew the text at %s px to fit its box (asked %s px).", num(rep.Size), num(t.FontSize))
		}
	}
}

// clipHint suggests the setting that would have kept the text whole.
func clipHint(t *schema.Text) string {
	if t.AutoScale {
		return " even at the smallest size"
	}
	return "; enlarge the box, shorten the text or set should_auto_scale"
}

// codePoints lists runes as U+XXXX with the character, at most 10.
func codePoints(rs []rune) string {
	var parts []string
	for i, r := range rs {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("and %d more", len(rs)-10))
			break
		}
		parts = append(parts, fmt.Sprintf("U+%04X %q", r, r))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// num formats a size without needless decimals.
func num(v float64) string { return fmt.Sprintf("%.4g", v) }

// reportPlacement adds the warnings about where a layer lies: wholly
// outside dst (the canvas, or the layout it is in), an image mostly
// outside it. box is the layer's box in dst's coordinates, before
// rotation and effects.
func reportPlacement(ctx context.Context, dst *image.RGBA, l *schema.Layer, x, y float64, w, h int) {
	box := rotatedBounds(x, y, float64(w), float64(h), l.Rotation)
	if l.Effects != nil {
		box = box.Inset(-effectMargin(l.Effects))
	}
	where := "canvas"
	if strings.Count(l.Path, "layers[") > 1 {
		where = "layout it is in"
	}
	in := box.Intersect(dst.Rect)
	c := warning.From(ctx)
	if in.Empty() {
		c.Add(l.Path, warning.LayerOffCanvas,
			"The layer lies entirely outside the %s (its box spans x %d..%d, y %d..%d; the %s is %dx%d), so nothing of it is drawn.",
			where, box.Min.X, box.Max.X, box.Min.Y, box.Max.Y, where, dst.Rect.Dx(), dst.Rect.Dy())
		return
	}
	if l.Type == schema.TypeImage {
		area := func(r image.Rectangle) float64 { return float64(r.Dx()) * float64(r.Dy()) }
		if shown := area(in) / area(box); shown < 0.5 {
			c.Add(l.Path, warning.ImageMostlyOffCanvas,
				"Only %.0f%% of the image's box lies inside the %s; the rest is cut off.", shown*100, where)
		}
	}
}

// rotatedBounds is the whole-pixel bounding box of a w×h box at (x, y)
// turned by deg degrees about its centre.
func rotatedBounds(x, y, w, h, deg float64) image.Rectangle {
	if math.Mod(deg, 360) != 0 {
		s, c := math.Sincos(deg * math.Pi / 180)
		rw, rh := math.Abs(w*c)+math.Abs(h*s), math.Abs(w*s)+math.Abs(h*c)
		x, y, w, h = x+(w-rw)/2, y+(h-rh)/2, rw, rh
	}
	return image.Rect(int(math.Floor(x)), int(math.Floor(y)), int(math.Ceil(x+w)), int(math.Ceil(y+h)))
}

// reportTransparent adds layer_transparent for a layer that cannot show:
// opacity 0, or every colour it is drawn with fully transparent.
func reportTransparent(ctx context.Context, l *schema.Layer) {
	c := warning.From(ctx)
	if !(l.Opacity > 0) {
		c.Add(l.Path+".opacity", warning.LayerTransparent, "The layer's opacity is 0, so it draws nothing.")
		return
	}
	if l.Effects != nil {
		return // a border or shadow may still show
	}
	field := ""
	switch l.Type {
	case schema.TypeSolidColor:
		if l.Solid.Color.A == 0 {
			field = ".hex_color"
		}
	case schema.TypeText:
		if l.Text.Color.A == 0 && strings.TrimSpace(l.Text.Text) != "" && l.Text.Stroke == nil && len(l.Text.Shadows) == 0 {
			field = ".text_color"
		}
	case schema.TypeGradient:
		field = ".colors"
		for _, s := range l.Gradient.Stops {
			if s.Color.A != 0 {
				field = ""
			}
		}
	}
	if field != "" {
		c.Add(l.Path+field, warning.LayerTransparent, "The layer's colour is fully transparent (alpha 0), so it draws nothing.")
	}
}

// reportContrast adds low_contrast when the text in img (a text layer's
// image, about to be blended unrotated at (x, y) with opacity) stands out
// less than WCAG's 3:1 against the opaque pixels of dst under it: the
// median over its well-covered pixels. Pixels over transparency are not
// judged (what shows there is up to the viewer), nor are rotated texts or
// texts with effects, a stroke or shadows (they change what the eye
// compares).
func reportContrast(ctx context.Context, dst, img *image.RGBA, l *schema.Layer, x, y, opacity float64) {
	if warning.From(ctx) == nil || !judgesContrast(l) {
		return
	}
	var t contrastTally
	t.add(dst, img, l.Text.Color, int(math.Round(x)), int(math.Round(y)), opacity)
	t.report(ctx, l)
}

// judgesContrast reports whether l is a layer reportContrast judges.
func judgesContrast(l *schema.Layer) bool {
	return l.Type == schema.TypeText && l.Effects == nil && math.Mod(l.Rotation, 360) == 0 &&
		l.Text.Stroke == nil && len(l.Text.Shadows) == 0
}

// contrastBins is the resolution of contrastTally's histogram: ratios
// 1..21 in steps of 0.01.
const contrastBins = 2001

// contrastTally is the histogram of contrast ratios medianContrast takes
// the median of. Tallies of disjoint parts of the destination (bands of
// the canvas drawn on their own cores) merge into the tally of the whole.
type contrastTally struct {
	hist [contrastBins]int
	n    int
}

// medianContrast is the median WCAG contrast ratio between the text colour
// fg (at opacity, blended over the backdrop as the compositor does) and
// the opaque backdrop pixels of dst under the pixels of img (at ox, oy)
// that are at least half covered. ok is false when no such pixel exists.
func medianContrast(dst, img *image.RGBA, fg color.NRGBA, ox, oy int, opacity float64) (ratio float64, ok bool) {
	var t contrastTally
	t.add(dst, img, fg, ox, oy, opacity)
	return t.median()
}

// add counts the pixels medianContrast judges into t.
func (t *contrastTally) add(dst, img *image.RGBA, fg color.NRGBA, ox, oy int, opacity float64) {
	r := img.Rect.Add(image.Pt(ox, oy)).Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	a := float64(fg.A) / 255 * opacity
	// The ratio depends on the backdrop pixel alone, and text mostly sits
	// on a few colours: the last backdrop's bin is kept (lastBG is a
	// packed pixel; 0 is transparent, never an opaque backdrop).
	lastBG, lastBin := uint32(0), 0
	for py := r.Min.Y; py < r.Max.Y; py++ {
		so := (py-oy-img.Rect.Min.Y)*img.Stride + (r.Min.X-ox-img.Rect.Min.X)*4
		do := (py-dst.Rect.Min.Y)*dst.Stride + (r.Min.X-dst.Rect.Min.X)*4
		src := unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[so])), r.Dx())
		bgs := unsafe.Slice((*uint32)(unsafe.Pointer(&dst.Pix[do])), r.Dx())
		for px, s := range src {
			d := bgs[px]
			if s < 128<<24 || d < 250<<24 {
				continue
			}
			if d != lastBG {
				lastBG, lastBin = d, contrastBin(fg, a, d)
			}
			t.hist[lastBin]++
			t.n++
		}
	}
}

// merge adds o's counts to t.
func (t *contrastTally) merge(o *contrastTally) {
	for i, k := range o.hist {
		t.hist[i] += k
	}
	t.n += o.n
}

// median is the median ratio counted; ok is false when nothing was.
func (t *contrastTally) median() (ratio float64, ok bool) {
	if t.n == 0 {
		return 0, false
	}
	for i, k := 0, 0; i < contrastBins; i++ {
		if k += t.hist[i]; 2*k >= t.n {
			return 1 + float64(i)/100, true
		}
	}
	return 21, true
}

// report adds low_contrast for the text layer l when t's median is under
// the minimum.
func (t *contrastTally) report(ctx context.Context, l *schema.Layer) {
	if ratio, ok := t.median(); ok && ratio < minContrast {
		warning.From(ctx).Add(l.Path+".text_color", warning.LowContrast,
			"The text's contrast against what is under it is %.2f:1, below the 3:1 WCAG minimum; it will be hard to read.", ratio)
	}
}

// contrastBin is the histogram bin of the contrast between fg at alpha a
// blended over the opaque packed backdrop pixel d and d itself.
func contrastBin(fg color.NRGBA, a float64, d uint32) int {
	var seen, bg [3]uint8
	for i, f := range [3]uint8{fg.R, fg.G, fg.B} {
		bg[i] = uint8(d >> (8 * i))
		seen[i] = uint8(math.Round(float64(f)*a + float64(bg[i])*(1-a)))
	}
	l1, l2 := luminance(seen), luminance(bg)
	if l1 < l2 {
		l1, l2 = l2, l1
	}
	return int(math.Round(((l1+0.05)/(l2+0.05) - 1) * 100))
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(c [3]uint8) float64 {
	return 0.2126*linearSRGB[c[0]] + 0.7152*linearSRGB[c[1]] + 0.0722*linearSRGB[c[2]]
}

// linearSRGB maps an sRGB channel to linear light (WCAG's formula).
var linearSRGB = func() (t [256]float64) {
	for i := range t {
		v := float64(i) / 255
		if v <= 0.04045 {
			t[i] = v / 12.92
		} else {
			t[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return t
}()
