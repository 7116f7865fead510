package typeset

import (
	"strings"
)

// defaultFamily is used for unknown family names (the reference's rule).
const defaultFamily = "Inter"

// faceRef is a face chosen for a run: a font source, the weight axis value
// for variable fonts, and the synthetic styles applied when drawing.
type faceRef struct {
	src     *source
	wght    float32 // variable fonts: the wght axis value; 0 otherwise
	bold    bool    // synthetic bold (the family has no face ≥ 600)
	oblique bool    // synthetic oblique (the family has no italic)
	// vars is the layer's font_variations for a variable font, as
	// "tag=value,…" sorted by tag ("" = none; "wght" overrides wght).
	vars string
}

// normalizeName folds a family name for matching: case-insensitive,
// ignoring spaces, hyphens and underscores (Open Sans = open-sans).
func normalizeName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range strings.ToLower(s) {
		switch c {
		case ' ', '-', '_', '\t':
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// candidates returns the faces a family name offers, custom faces
// shadowing bundled ones with the same weight and style, and the
// family's variable font if it has one. ok is false for unknown names.
func (r *Registry) candidates(set *FontSet, name string) (faces []*source, variable *source, ok bool) {
	key := normalizeName(name)
	var custom []*source
	if set != nil {
		custom = set.byName[key]
	}
	fam := r.families[key]
	if fam == nil && len(custom) == 0 {
		return nil, nil, false
	}
	faces = append(faces, custom...)
	if fam != nil {
		variable = fam.variable
	bundled:
		for _, s := range fam.faces {
			for _, c := range custom {
				if c.weight == s.weight && c.italic == s.italic {
					continue bundled
				}
			}
			faces = append(faces, s)
		}
	}
	return faces, variable, true
}

// match picks the face for a family, weight and style following the CSS
// font-matching rules: the requested style first (an italic falls back to
// the upright face drawn oblique), then the nearest weight. Unknown
// families use Inter.
func (r *Registry) match(set *FontSet, name string, weight int, italic bool) faceRef {
	faces, variable, ok := r.candidates(set, name)
	if !ok {
		faces, variable, _ = r.candidates(nil, defaultFamily)
	}
	return matchFaces(faces, variable, weight, italic)
}

// matchFaces applies the CSS font-matching rules to a list of faces.
func matchFaces(faces []*source, variable *source, weight int, italic bool) faceRef {
	var styled []*source
	for _, s := range faces {
		if s.italic == italic {
			styled = append(styled, s)
		}
	}
	oblique := false
	if len(styled) == 0 {
		styled = faces
		oblique = italic
	}
	if variable != nil {
		exact := false
		for _, s := range styled {
			exact = exact || s.weight == weight
		}
		if !exact || len(styled) == 0 {
			w := float32(min(max(weight, 100), 1000))
			return faceRef{src: variable, wght: w, oblique: italic}
		}
	}
	if len(styled) == 0 {
		return faceRef{}
	}
	best := styled[0]
	for _, s := range styled[1:] {
		if weightRank(weight, s.weight) < weightRank(weight, best.weight) {
			best = s
		}
	}
	return faceRef{src: best, oblique: oblique, bold: weight >= 600 && best.weight < 600}
}

// weightRank orders available weights for a desired one (lower is
// better), per CSS Fonts 4 §5.2: for 400–500 the weights up to 500
// ascending, then below descending, then above 500 ascending; below 400
// the lighter weights descending, then heavier ascending; above 500 the
// heavier ascending, then lighter descending.
func weightRank(desired, w int) int {
	const far = 10000
	switch {
	case w == desired:
		return 0
	case desired >= 400 && desired <= 500:
		if w > desired && w <= 500 {
			return w - desired
		}
		if w < desired {
			return far + desired - w
		}
		return 2*far + w
	case desired < 400:
		if w < desired {
			return desired - w
		}
		return far + w - desired
	default:
		if w > desired {
			return w - desired
		}
		return far + desired - w
	}
}
