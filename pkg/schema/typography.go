package schema

import (
	"image/color"
	"sort"

	"golang.org/x/text/language"
)

// Typography is a text layer's CSS typography (our extensions): line
// height, letter spacing, clamping, case transform, decoration, stroke,
// shadows, OpenType features, variable-font axes and language. The zero
// value changes nothing.
type Typography struct {
	// LineHeight is a multiple of the font size (CSS unitless
	// line-height); 0 is the font's own line spacing (CSS normal).
	LineHeight float64
	// LetterSpacing is added after every character, in pixels (CSS
	// letter-spacing); negative tightens.
	LetterSpacing float64
	// MaxLines clamps the text to that many lines (0: no limit), ending
	// the last with Overflow.
	MaxLines int
	// Overflow is what the last kept line shows when text was cut by
	// MaxLines: an ellipsis (default) or nothing.
	Overflow Overflow
	// Transform changes letter case for the layer's language.
	Transform Transform
	// Underline and LineThrough are the text-decoration lines of the whole
	// layer (markdown ~~strike~~ adds line-through to a span).
	Underline, LineThrough bool
	// Stroke outlines each glyph (CSS -webkit-text-stroke); nil when none.
	Stroke *TextStroke
	// Shadows are drawn under the text (CSS text-shadow), the first on top.
	Shadows []TextShadow
	// Features are OpenType feature settings (CSS font-feature-settings),
	// sorted by tag.
	Features []FontSetting
	// Variations are variable-font axis values (CSS
	// font-variation-settings), sorted by tag; "wght" overrides the weight.
	Variations []FontSetting
	// Lang is the text's BCP 47 language tag ("" = none): it selects
	// locale forms (Serbian Cyrillic, Han variants) and case rules.
	Lang string
}

// Overflow is how text cut by max_lines ends.
type Overflow string

// The text_overflow values.
const (
	OverflowEllipsis Overflow = "ellipsis"
	OverflowClip     Overflow = "clip"
)

// Transform is a text_transform.
type Transform string

// The text_transform values.
const (
	TransformNone       Transform = "none"
	TransformUppercase  Transform = "uppercase"
	TransformLowercase  Transform = "lowercase"
	TransformCapitalize Transform = "capitalize"
)

// TextStroke is an outline of Width pixels centred on each glyph's edge.
type TextStroke struct {
	Width float64
	Color color.NRGBA
}

// TextShadow is one CSS text-shadow.
type TextShadow struct {
	X, Y float64
	// Blur is CSS's blur radius: a Gaussian of standard deviation Blur/2.
	Blur  float64
	Color color.NRGBA
}

// FontSetting is one OpenType feature or variation axis: a four-letter
// tag and its value.
type FontSetting struct {
	Tag   string
	Value float64
}

// Limits of the typography fields.
const (
	maxTextShadows  = 8
	maxFontSettings = 32
	maxLangBytes    = 35
	maxLetterSpace  = 1000
	maxStrokeWidth  = 200
)

// typography reads a text layer's typography fields.
func (d *decoder) typography(o *object) Typography {
	var ty Typography
	ty.LineHeight, _ = o.numIn("line_height", false, bounds{lo: 0, hi: 10, aboveLo: true})
	ty.LetterSpacing, _ = o.num("letter_spacing_in_px", false, -maxLetterSpace, maxLetterSpace)
	ty.MaxLines, _ = o.integer("max_lines", false, 1, 10000)
	ty.Overflow = Overflow(o.enum("text_overflow", string(OverflowEllipsis), string(OverflowEllipsis), string(OverflowClip)))
	if o.has("text_overflow") && ty.MaxLines == 0 && !o.has("max_lines") {
		d.fail(o.at("text_overflow"), "applies only with max_lines (it says how the last kept line ends)")
	}
	ty.Transform = Transform(o.enum("text_transform", string(TransformNone),
		string(TransformNone), string(TransformUppercase), string(TransformLowercase), string(TransformCapitalize)))
	switch o.enum("text_decoration", "none", "none", "underline", "line-through", "underline line-through") {
	case "underline":
		ty.Underline = true
	case "line-through":
		ty.LineThrough = true
	case "underline line-through":
		ty.Underline, ty.LineThrough = true, true
	}
	if v, ok := o.get("text_stroke"); ok {
		if w, c, ok := d.stroke(o.at("text_stroke"), v, "a text stroke", maxStrokeWidth); ok {
			ty.Stroke = &TextStroke{Width: w, Color: c}
		}
	}
	if items, ok := o.array("text_shadows", false); ok {
		for _, s := range d.shadows(o.at("text_shadows"), items, "a text shadow", maxTextShadows, false) {
			ty.Shadows = append(ty.Shadows, TextShadow{X: s.X, Y: s.Y, Blur: s.Blur, Color: s.Color})
		}
	}
	ty.Features = d.fontSettings(o, "font_features", true)
	ty.Variations = d.fontSettings(o, "font_variations", false)
	if s, ok := o.strMax("lang", false, maxLangBytes); ok && len(s) <= maxLangBytes {
		tag, err := language.Parse(s)
		if err != nil {
			d.fail(o.at("lang"), "must be a BCP 47 language tag such as \"en\", \"sr-Cyrl\" or \"zh-Hant\" (got %q)", truncate(s, 20))
		} else {
			ty.Lang = tag.String()
		}
	}
	return ty
}

// fontSettings reads an object of four-letter OpenType tags to values:
// whole numbers 0..65535 for features (1 on, 0 off, n an alternate),
// numbers for variation axes.
func (d *decoder) fontSettings(o *object, key string, features bool) []FontSetting {
	v, ok := o.get(key)
	if !ok {
		return nil
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		d.fail(o.at(key), "must be an object of four-letter OpenType tags to numbers, not %s", jsonKind(v))
		return nil
	}
	if len(m) > maxFontSettings {
		d.fail(o.at(key), "has %d tags; at most %d are allowed", len(m), maxFontSettings)
		return nil
	}
	out := make([]FontSetting, 0, len(m))
	for tag, raw := range m {
		path := memberPath(o.at(key), tag)
		if !validTag(tag) {
			d.fail(path, "is not an OpenType tag: a tag is four ASCII letters, digits or spaces, like \"liga\" or \"wght\"")
			continue
		}
		var f float64
		if features {
			n, ok := d.number(path, raw, between(0, 65535))
			if !ok {
				continue
			}
			if _, ok := d.whole(path, raw, n, between(0, 65535)); !ok {
				continue
			}
			f = n
		} else {
			n, ok := d.number(path, raw, between(-1e5, 1e5))
			if !ok {
				continue
			}
			f = n
		}
		out = append(out, FontSetting{Tag: tag, Value: f})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tag < out[j].Tag })
	return out
}

// validTag reports whether s is a four-character OpenType tag of
// printable ASCII letters, digits and spaces (spaces only at the end).
func validTag(s string) bool {
	if len(s) != 4 {
		return false
	}
	space := false
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case c == ' ':
			space = true
		case space:
			return false
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return s[0] != ' '
}
