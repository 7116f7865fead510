package typeset

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
	tdfont "github.com/tdewolff/font"
	"golang.org/x/image/math/fixed"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// FontSet is the parsed custom fonts of one request (spec/API.md §4
// fonts[]). A nil *FontSet means no custom fonts.
type FontSet struct {
	byName map[string][]*source
	key    string // identity for the shaping cache
}

// LoadCustom parses a request's custom fonts (TTF, OTF, WOFF or WOFF2),
// each distinct file once: parsed fonts are cached by the SHA-256 of their
// bytes in a bounded LRU. A font that cannot be parsed, or that makes the
// parser or shaper fail, is a failure.Unprocessable naming its path
// (fonts[i]) and name. Render calls it before drawing any layer so a bad
// font is rejected up front; Draw and Measure call it themselves too (a
// cache hit).
func (r *Registry) LoadCustom(fonts []*schema.Font) (*FontSet, error) {
	if len(fonts) == 0 {
		return nil, nil
	}
	set := &FontSet{byName: map[string][]*source{}}
	var key strings.Builder
	for i, f := range fonts {
		path := f.Path
		if path == "" {
			path = "fonts[" + strconv.Itoa(i) + "]"
		}
		if len(f.File.Data) == 0 {
			if f.File.Type == schema.SourceURL {
				// The caller fetches URL sources into File.Data first.
				e := failure.New(failure.Unprocessable, "%s: font %q was not fetched from its URL; send it as base64", path, f.Name)
				e.Details = []failure.Detail{{Path: path + ".file", Message: "font URL was not fetched"}}
				return nil, e
			}
			return nil, unprocessableFont(path, f.Name, fmt.Errorf("no font data"))
		}
		sum := r.sum(f.File.Data)
		src, ok := r.custom.Get(sum)
		if !ok {
			var err error
			src, err = parseCustom(f.File.Data)
			if bomb := (*errFontBomb)(nil); errors.As(err, &bomb) {
				e := failure.Wrap(failure.Unprocessable, err, "%s: font %q is refused: %s.", path, f.Name, bomb.reason)
				e.Details = []failure.Detail{{Path: path, Message: "font decompresses to too many bytes"}}
				return nil, e
			}
			if err != nil {
				return nil, unprocessableFont(path, f.Name, err)
			}
			r.custom.Put(sum, src)
		}
		// The parsed font is shared; weight, style and name are the
		// request's, so wrap it in a per-request source.
		s := &source{id: src.id, name: f.Name, weight: int(f.Weight), italic: f.Italic, font: src.font, hb: src.hb}
		s.once.Do(func() {})
		if s.weight == 0 {
			s.weight = 400
		}
		n := normalizeName(f.Name)
		set.byName[n] = append(set.byName[n], s)
		fmt.Fprintf(&key, "%s/%d/%t/%x;", n, s.weight, s.italic, sum[:8])
	}
	set.key = key.String()
	return set, nil
}

func unprocessableFont(path, name string, cause error) error {
	e := failure.Wrap(failure.Unprocessable, cause, "%s: font %q could not be loaded; send a valid TTF, OTF, WOFF or WOFF2 file", path, name)
	e.Details = []failure.Detail{{Path: path, Message: "font could not be parsed"}}
	return e
}

// parseCustom decodes WOFF/WOFF2 to SFNT, parses it and exercises the
// parsed font (shaping and glyph outlines) so that a font the parsers
// choke on fails here, with its name, instead of halfway through a render.
func parseCustom(data []byte) (src *source, err error) {
	defer func() {
		if p := recover(); p != nil {
			src, err = nil, fmt.Errorf("font parser panicked: %v", p)
		}
	}()
	if err := checkCompressed(data); err != nil {
		return nil, err
	}
	sfnt, err := tdfont.ToSFNT(data)
	if err != nil {
		return nil, err
	}
	f, err := parseFont(bytes.NewReader(sfnt))
	if err != nil {
		return nil, err
	}
	if f.Upem() == 0 {
		return nil, fmt.Errorf("font has no units per em")
	}
	hb, err := newHBFace(sfnt, true)
	if err != nil {
		return nil, err
	}
	face := font.NewFace(f)
	probe := []rune("Hxg 0")
	out := hbShape(hb, nil, shaping.Input{Text: probe, RunEnd: len(probe), Direction: di.DirectionLTR, Face: face, Size: fixed.I(refSize)}, nil)
	for _, g := range out.Glyphs {
		face.GlyphData(g.GlyphID)
	}
	s := newSource("custom", "", 400, false)
	// go-text copied the tables it needs and HarfBuzz the whole file:
	// twice the SFNT size is the cost in the cache.
	s.size = 2 * len(sfnt)
	s.font, s.hb = f, hb
	s.once.Do(func() {})
	return s, nil
}

// dataID identifies a byte slice by address and length: a request's font
// bytes don't change once decoded, so each text layer of a request (and
// Render's up-front load) hashes them once.
type dataID struct {
	p *byte
	n int
}

func (r *Registry) sum(data []byte) [32]byte {
	id := dataID{p: &data[0], n: len(data)}
	if s, ok := r.sums.Get(id); ok {
		return s
	}
	s := sha256.Sum256(data)
	r.sums.Put(id, s)
	return s
}
