package typeset

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unsafe"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/segmenter"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/bidi"
)

// refSize is the size text is shaped at; layouts at other sizes scale
// the shaped output (go-text does no hinting, so shaping is linear in
// size) and auto-scale never reshapes.
const refSize = 256

// shapeKey identifies a shaped hard line: the font request and the text
// with its markdown styles.
type shapeKey struct {
	font   string
	text   string
	styles string
}

// shapedLine is one hard line shaped at refSize: runs in logical order,
// the face and line metrics of each run, the paragraph direction and the
// requested face's line metrics (for empty lines and as the minimum line
// height).
type shapedLine struct {
	runes   []rune
	styles  []uint8 // markdown styles per rune (emphasis, strike)
	runs    []shaping.Output
	refs    []faceRef
	metrics []lineMetrics
	dir     di.Direction
	primary lineMetrics
	// halt marks the CJK punctuation shaped half-width (cjkTrim), nil
	// when there is none.
	halt []bool
	// wordBreak[i] reports whether a line may end before rune i without
	// splitting a word (see wordBreaks); a wrapped line ending anywhere
	// else was broken between graphemes.
	wordBreak []bool
}

// shapedCost approximates a shaped line's memory for the cache bound.
func shapedCost(sl *shapedLine) int64 {
	n := 256 + 9*len(sl.runes)
	for _, o := range sl.runs {
		n += 200 + int(unsafe.Sizeof(shaping.Glyph{}))*len(o.Glyphs)
	}
	return int64(n)
}

// style is the resolved font request of a text layer.
type style struct {
	set    *FontSet
	family string
	weight int
	italic bool
	// features are OpenType feature settings, lang the shaping language
	// (zero: none), vars the variable-font axes (see faceRef.vars); each
	// is part of the key.
	features []shaping.FontFeature
	lang     language.Language
	vars     string
}

func (s style) key() string {
	k := normalizeName(s.family) + "/" + strconv.Itoa(s.weight) + "/" + strconv.FormatBool(s.italic)
	if len(s.features) > 0 || s.lang != "" || s.vars != "" {
		k += "/" + string(s.lang) + "/" + s.vars
		for _, f := range s.features {
			k += "/" + f.Tag.String() + "=" + strconv.FormatUint(uint64(f.Value), 10)
		}
	}
	if s.set != nil {
		k += "/" + s.set.key
	}
	return k
}

// faceFor returns the requested face for a markdown style: bold asks for
// 700 (900 when the layer is already bold), italic for the italic face.
func (r *Registry) faceFor(st style, md uint8) faceRef {
	w, it := st.weight, st.italic
	if md&styleBold != 0 {
		if w < 600 {
			w = 700
		} else {
			w = 900
		}
	}
	if md&styleItalic != 0 {
		it = true
	}
	ref := r.match(st.set, st.family, w, it)
	if st.vars != "" {
		// font_variations ask for the family's variable font.
		if _, v, _ := r.candidates(st.set, st.family); v != nil && (ref.src == nil || !ref.src.variable) {
			ref = faceRef{src: v, wght: float32(min(max(w, 100), 1000)), oblique: it}
		}
		if ref.src != nil && ref.src.variable {
			ref.vars = st.vars
		}
	}
	return ref
}

// paragraphDirection is the direction of the first strong character
// (UAX #9 rules P2–P3); left-to-right when there is none.
func paragraphDirection(runes []rune) di.Direction {
	for _, c := range runes {
		p, _ := bidi.LookupRune(c)
		switch p.Class() {
		case bidi.L:
			return di.DirectionLTR
		case bidi.R, bidi.AL:
			return di.DirectionRTL
		}
	}
	return di.DirectionLTR
}

// constFontmap resolves every rune to one face: the segmenter is used for
// bidi and script runs only; faces are chosen per grapheme cluster.
type constFontmap struct{ face *font.Face }

// ResolveFace returns the one face for every rune.
func (c constFontmap) ResolveFace(rune) *font.Face { return c.face }

// shape shapes one hard line (cached).
func (r *Registry) shape(ss *session, st style, line styledLine) *shapedLine {
	key := shapeKey{font: st.key(), text: string(line.runes), styles: string(line.styles)}
	if sl, ok := r.shaped.Get(key); ok {
		return sl
	}
	sl := r.shapeUncached(ss, st, line)
	r.shaped.Put(key, sl)
	return sl
}

func (r *Registry) shapeUncached(ss *session, st style, line styledLine) *shapedLine {
	runes := line.runes
	primary := r.faceFor(st, 0)
	if _, err := primary.src.load(); err != nil {
		// A bundled file that fails to parse: use the default family.
		primary = r.match(nil, defaultFamily, st.weight, st.italic)
		if _, err := primary.src.load(); err != nil {
			panic(err) // the default family is broken: an internal error
		}
	}
	sl := &shapedLine{runes: runes, styles: line.styles, dir: paragraphDirection(runes)}
	pface := ss.face(primary)
	sl.primary = faceMetrics(pface)
	if len(runes) == 0 {
		return sl
	}

	// Face per rune, chosen per grapheme cluster.
	fb := fallbacks{r: r, set: st.set, weight: st.weight, italic: st.italic, hint: hanHintFor(st.lang, runes)}
	refs := make([]faceRef, len(runes))
	var seg segmenter.Segmenter
	seg.Init(runes)
	it := seg.GraphemeIterator()
	var prev faceRef // the previous cluster's face when it was a fallback
	for it.Next() {
		g := it.Grapheme()
		want := r.faceFor(st, line.styles[g.Offset])
		var ref faceRef
		if sc := language.LookupScript(g.Text[0]); (sc == language.Common || sc == language.Inherited) &&
			prev.src != nil && !unicode.Is(unicode.Zs, g.Text[0]) && !isEmojiCluster(g.Text) && covers(prev, g.Text) {
			// Punctuation stays in the face of the text around it (an
			// Arabic comma in the Arabic face, not in a Latin face that
			// maps it to a placeholder). Spaces don't: like Chromium,
			// they are measured in the requested face when it has them
			// (Kanit's space is 0.23 em, Inter's 0.28).
			ref = prev
		} else {
			ref = fb.resolve(want, g.Text)
		}
		prev = faceRef{}
		if ref != want && ref.src != r.emoji {
			prev = ref
		}
		for i := range g.Text {
			refs[g.Offset+i] = ref
		}
	}

	// Only a Thai letter's breaks depend on the dictionary, which is read
	// (a 2 ms parse) when a line first holds one.
	thaiDict := slices.ContainsFunc(runes, isThai) && r.thaiDictionary() != nil
	sl.wordBreak = wordBreaks(&seg, runes, thaiDict)

	halt := cjkTrim(runes)
	sl.halt = halt

	// Bidi and script runs, then split where the face changes.
	var bidiSeg shaping.Segmenter
	lang := st.lang
	if lang == "" {
		lang = language.DefaultLanguage()
	}
	inputs := bidiSeg.Split(shaping.Input{
		Text: runes, RunEnd: len(runes), Direction: sl.dir, Face: pface, Size: fixed.I(refSize),
		Language: lang, FontFeatures: st.features,
	}, constFontmap{pface})
	for _, in := range inputs {
		start := in.RunStart
		for i := in.RunStart + 1; i <= in.RunEnd; i++ {
			if i < in.RunEnd && refs[i] == refs[start] {
				continue
			}
			ref := refs[start]
			if _, err := ref.src.load(); err != nil {
				ref = primary
			}
			sub := in
			sub.RunStart, sub.RunEnd = start, i
			sub.Face = ss.face(ref)
			out := hbShape(ref.src.hb, variations(ref), sub, halt)
			sl.metrics = append(sl.metrics, faceMetrics(sub.Face))
			if ref.bold {
				emboldenAdvances(&out)
			}
			// The face belongs to this session; the cached output must not
			// keep it (and its per-glyph caches) alive. Draw code uses
			// sl.refs, never Output.Face.
			out.Face = nil
			sl.runs = append(sl.runs, out)
			sl.refs = append(sl.refs, ref)
			start = i
		}
	}
	return sl
}

// wordBreaks marks the positions where a line may end without splitting
// a word: the UAX #14 break opportunities (the same ones go-text's line
// wrapper tries first, so breaks between CJK ideographs and after Thai
// words, where breakThai put a U+200B, count), and any position between
// two letters of a script that UAX #14 leaves to a dictionary (class SA:
// Lao, Khmer, Myanmar …, and Thai when there is no Thai dictionary),
// where breaking between grapheme clusters is the only way to wrap. seg
// must be initialised with runes.
func wordBreaks(seg *segmenter.Segmenter, runes []rune, thaiDict bool) []bool {
	ok := make([]bool, len(runes)+1)
	it := seg.LineIterator()
	for it.Next() {
		l := it.Line()
		ok[l.Offset+len(l.Text)] = true
	}
	for i := 1; i < len(runes); i++ {
		// Before a space the word has ended (the wrapper breaks there when
		// a word's trailing space is in another run); between two letters
		// of a dictionary script, grapheme breaks are how it wraps.
		if unicode.IsSpace(runes[i]) || dictionaryScript(runes[i-1], thaiDict) && dictionaryScript(runes[i], thaiDict) {
			ok[i] = true
		}
	}
	return ok
}

// dictionaryScript reports whether c is in a script whose words UAX #14
// leaves to a dictionary we don't have (line break class SA).
func dictionaryScript(c rune, thaiDict bool) bool {
	switch language.LookupScript(c) {
	case language.Thai:
		return !thaiDict
	case language.Lao, language.Khmer, language.Myanmar, language.Tai_Le, language.New_Tai_Lue,
		language.Tai_Tham, language.Tai_Viet, language.Ahom:
		return true
	}
	return false
}

// String describes a shaped line for debugging.
func (sl *shapedLine) String() string {
	var b strings.Builder
	for i, o := range sl.runs {
		b.WriteString(sl.refs[i].src.name + ":" + string(sl.runes[o.Runes.Offset:o.Runes.Offset+o.Runes.Count]) + " ")
	}
	return b.String()
}

// emboldenAdvances widens each glyph's advance by the synthetic bold's
// extra stroke so emboldened letters don't touch.
func emboldenAdvances(o *shaping.Output) {
	strength := boldStrength * refSize * 64
	extra := fixed.Int26_6(strength)
	for i := range o.Glyphs {
		if o.Glyphs[i].Advance != 0 {
			o.Glyphs[i].Advance += extra
			o.Glyphs[i].XAdvance += extra
		}
	}
	o.RecomputeAdvance()
}

// cjkTrim marks the fullwidth punctuation that Chromium's default
// text-spacing-trim (normal, i.e. trim-adjacent) sets half-width: an
// opening bracket after an opening bracket, a closing mark, a middle dot
// or an ideographic space, and a closing mark before a closing mark or a
// middle dot (CSS Text 4 §8.2; "。「" is 1.5 em, not 2). The face's 'halt'
// feature does the trimming, so a face without one is left as it is.
// It returns nil when nothing is trimmed.
func cjkTrim(runes []rune) []bool {
	var out []bool
	for i, c := range runes {
		trim := false
		switch cjkPunct(c) {
		case cjkOpen:
			if i > 0 {
				p := cjkPunct(runes[i-1])
				trim = p == cjkOpen || p == cjkClose || p == cjkMiddle || runes[i-1] == 0x3000
			}
		case cjkClose:
			if i+1 < len(runes) {
				n := cjkPunct(runes[i+1])
				trim = n == cjkClose || n == cjkMiddle
			}
		}
		if trim {
			if out == nil {
				out = make([]bool, len(runes))
			}
			out[i] = true
		}
	}
	return out
}

type cjkPunctClass uint8

const (
	cjkOther cjkPunctClass = iota
	cjkOpen
	cjkClose
	cjkMiddle
)

// cjkPunct classifies fullwidth punctuation as CSS Text 4 does for
// text-spacing-trim.
func cjkPunct(c rune) cjkPunctClass {
	switch c {
	case 0x3001, 0x3002, 0xFF0C, 0xFF0E: // 、。，．
		return cjkClose
	case 0x30FB, 0xFF1A, 0xFF1B: // ・：；
		return cjkMiddle
	}
	if c < 0x3000 || c > 0xFFEF || (c > 0x303F && c < 0xFE30) {
		return cjkOther // only the CJK symbols and fullwidth forms blocks
	}
	switch {
	case unicode.Is(unicode.Ps, c):
		return cjkOpen
	case unicode.Is(unicode.Pe, c):
		return cjkClose
	}
	return cjkOther
}
