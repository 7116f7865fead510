package typeset

import (
	"context"

	"github.com/strata-render/strata/pkg/schema"
)

// TextReport is what Draw noticed while laying a text out: the facts the
// render report's text warnings are made of. Draw fills it in when the
// context carries one (WithReport); drawing is the same either way.
type TextReport struct {
	// FontNotFound is set when the layer's font_name is neither bundled nor
	// custom; UsedFamily is then the family drawn instead.
	FontNotFound bool
	UsedFamily   string
	// Size is the font size drawn at, in pixels (below the requested one
	// when auto-scale shrank the text).
	Size float64
	// Clipped is set when the laid-out text does not fit the box, so the
	// box cuts part of it off; Lines is how many lines the text has and
	// LinesOutside how many of them lie wholly outside the box.
	Clipped      bool
	Lines        int
	LinesOutside int
	// Clamped is set when max_lines cut the text; Ellipsis when the last
	// kept line then ends in "…".
	Clamped, Ellipsis bool
	// Missing lists the characters drawn as a "no glyph" box
	// (MissingGlyphs' rule), once each, in order of first appearance.
	Missing []rune
}

type reportKey struct{}

// WithReport returns ctx carrying rep, which Draw fills in.
func WithReport(ctx context.Context, rep *TextReport) context.Context {
	return context.WithValue(ctx, reportKey{}, rep)
}

// report fills ctx's TextReport, if any, for block b drawn at placement p
// in a w×h box.
func (r *Registry) report(ctx context.Context, ss *session, set *FontSet, t *schema.Text, b *block, p placement, w, h float64) {
	rep, _ := ctx.Value(reportKey{}).(*TextReport)
	if rep == nil {
		return
	}
	if t.FontName != "" {
		if _, _, ok := r.candidates(set, t.FontName); !ok {
			rep.FontNotFound, rep.UsedFamily = true, defaultFamily
		}
	}
	rep.Size = b.size
	rep.Clipped = !b.fits(w, h)
	rep.Lines = len(b.lines)
	rep.Clamped, rep.Ellipsis = b.clamped, b.clamped && t.Overflow != schema.OverflowClip
	rep.LinesOutside = 0
	for i, ln := range b.lines {
		top, bottom := p.y[i]-ln.ascent, p.y[i]+ln.descent
		if ln.hasInk {
			top, bottom = p.y[i]+ln.inkT, p.y[i]+ln.inkB
		}
		if bottom <= 0 || top >= h {
			rep.LinesOutside++
		}
	}
	rep.Missing = r.missing(ss, set, t) // shaping is cached: a lookup per line
}
