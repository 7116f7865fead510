package typeset

import (
	"context"

	"github.com/go-text/typesetting/harfbuzz"
	"github.com/strata-render/strata/pkg/schema"
)

// MissingGlyphs returns the characters of a text layer that are drawn as
// a "no glyph" box: those whose chosen face (the requested one or the
// fallback picked for them, see docs/TEXT.md) has no glyph for them. Each
// character is listed once, in order of first appearance; characters that
// are never drawn (default-ignorables such as ZWJ, variation selectors
// and U+200B, and the markdown markers) are not counted. It shapes the
// text as Draw does, through the same cache, so calling it beside Draw
// costs a cache lookup per line. The render report's missing-glyph
// warning is built on it.
func (r *Registry) MissingGlyphs(ctx context.Context, t *schema.Text, custom []*schema.Font) ([]rune, error) {
	return withSession(ctx, r, custom, func(ss *session, set *FontSet) ([]rune, error) {
		return r.missing(ss, set, t), nil
	})
}

// missing lists the layer's characters its faces have no glyph for.
func (r *Registry) missing(ss *session, set *FontSet, t *schema.Text) []rune {
	var missing []rune
	seen := map[rune]bool{}
	for _, p := range r.shapeText(ss, set, t) {
		for _, sl := range p {
			missing = sl.appendMissing(missing, seen)
		}
	}
	return missing
}

// appendMissing appends the runes of the line that its faces have no
// glyph for and that are not in seen yet (adding them to seen).
func (sl *shapedLine) appendMissing(dst []rune, seen map[rune]bool) []rune {
	for i, o := range sl.runs {
		f, err := sl.refs[i].src.load()
		for _, c := range sl.runes[o.Runes.Offset : o.Runes.Offset+o.Runes.Count] {
			if seen[c] || !drawn(c) {
				continue
			}
			if err == nil {
				if _, ok := f.NominalGlyph(c); ok {
					continue
				}
			}
			seen[c] = true
			dst = append(dst, c)
		}
	}
	return dst
}

// drawn reports whether a character needs a glyph: default-ignorables
// (joiners, variation selectors, U+200B, tag characters) don't.
func drawn(c rune) bool {
	return !harfbuzz.IsDefaultIgnorable(c) && c != 0x200D
}
