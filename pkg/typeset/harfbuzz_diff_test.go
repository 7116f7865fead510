package typeset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/math/fixed"
)

// shapingCorpus adds words that exercise joining forms, conjuncts,
// reordering, marks and ligatures to the coverage samples, per script.
var shapingCorpus = []string{
	// Latin ligatures, kerning, marks.
	"office", "fluffier", "AVATAR", "Wave", "Tōkyō", "naïve", "a\u0301e\u0300", "Ŀ·l",
	// Arabic joining (the medial ق ن ي ة forms), lam-alef, marks, Urdu.
	"جميلة", "فقط", "بيت", "نجم", "اليمين", "بيب", "لا", "مُحَمَّد", "قسطنطينية", "پاکستان", "گھر",
	// Hebrew points.
	"שָׁלוֹם", "בְּרֵאשִׁית",
	// Devanagari, Bengali, Gurmukhi, Gujarati, Odia conjuncts and reph.
	"क्षत्रिय", "अर्क", "द्ध", "हिन्दी", "कि", "স্ত্রী", "কর্ম", "ਪੰਜਾਬੀ", "ગુજરાતી", "ଓଡ଼ିଆ",
	// Dravidian.
	"ஸ்ரீ", "கொ", "కొ", "ಕ್ಷ", "ಕೊ", "ക്ഷ", "കൊ", "ශ්‍රී",
	// South-east Asian reordering and stacking.
	"ก้่", "ที่", "ເຂົ້າ", "ကြွေ", "မြန်မာ", "ស្ត្រី", "ក្រុម", "ᬓ᭄ᬱ", "ꦏ꧀ꦱ",
	// Tibetan stacks, Ethiopic, Mongolian joining, Syriac, N'Ko, Thaana marks.
	"བསྒྲུབས", "ཀྵ", "ኢትዮጵያ", "ᠮᠣᠩᠭᠣᠯ", "ܣܘܪܝܝܐ", "ߒߞߏ", "ދިވެހި",
	// Hangul jamo composition, Japanese, Chinese.
	"\u1100\u1161\u11a8", "한국어", "ひらがな", "漢字",
}

// hbGlyph is one glyph of hb-shape's JSON output (font units).
type hbGlyph struct {
	G  int `json:"g"`
	Cl int `json:"cl"`
	Dx int `json:"dx"`
	Dy int `json:"dy"`
	Ax int `json:"ax"`
	Ay int `json:"ay"`
}

// TestShapingMatchesHarfBuzz shapes every word of the corpus (the
// coverage samples split at spaces, and shapingCorpus) with every
// bundled family (its regular face) that covers it, through the shaper
// Strata uses (hbShape, at the size Strata shapes at, converted back to
// font units) and through HarfBuzz's own command-line tool hb-shape
// (Debian libharfbuzz-bin), and compares glyph ids, clusters, advances
// and offsets in font units. Zero differences are allowed: it catches a
// wrong direction, script, language, cluster, scale or variation in
// Strata's use of HarfBuzz. With go-text's shaper it found 287 of 1422
// (docs/TEXT.md).
func TestShapingMatchesHarfBuzz(t *testing.T) {
	hb, err := exec.LookPath("hb-shape")
	if err != nil {
		t.Fatalf("hb-shape missing: run scripts/setup.sh (apt libharfbuzz-bin): %v", err)
	}
	r := testRegistry(t)
	words := append([]string(nil), shapingCorpus...)
	for _, c := range scriptSamples {
		words = append(words, strings.Fields(c.text)...)
	}
	words = dedupe(words)

	type diff struct{ family, word, what string }
	var diffs []diff
	compared := 0
	perFamily := map[string]int{}
	dir := t.TempDir()
	for _, name := range r.Families() {
		ref := r.match(nil, name, 400, false)
		f, err := ref.src.load()
		require.NoError(t, err)
		face := font.NewFace(f)
		shape := func(w string) []hbGlyph { return strataShape(ref.src.hb, face, w) }
		if os.Getenv("STRATA_TEST_GOTEXT_SHAPER") != "" {
			// For comparison: go-text's own shaper, over every table.
			full := font.NewFace(fullFont(t, ref.src))
			shape = func(w string) []hbGlyph { return goTextShape(full, w) }
		}
		var batch []string
		for _, w := range words {
			if coversAll(f, w) {
				batch = append(batch, w)
			}
		}
		if len(batch) == 0 {
			continue
		}
		// One hb-shape call per (family, direction, script): it shapes
		// each line of the text file as its own buffer.
		groups := map[[2]string][]string{}
		for _, w := range batch {
			d, s := wordDirScript(w)
			k := [2]string{"ltr", s.String()}
			if d == di.DirectionRTL {
				k[0] = "rtl"
			}
			groups[k] = append(groups[k], w)
		}
		for k, ws := range groups {
			txt := filepath.Join(dir, "words.txt")
			require.NoError(t, os.WriteFile(txt, []byte(strings.Join(ws, "\n")+"\n"), 0o644))
			out, err := exec.Command(hb, "--no-glyph-names", "--output-format=json", "--language=en",
				"--direction="+k[0], "--script="+k[1], "--text-file="+txt, ref.src.path).Output()
			require.NoError(t, err, "hb-shape %s", ref.src.path)
			sc := bufio.NewScanner(bytes.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for _, w := range ws {
				require.True(t, sc.Scan(), "hb-shape output for %q", w)
				var want []hbGlyph
				require.NoError(t, json.Unmarshal(sc.Bytes(), &want))
				got := shape(w)
				compared++
				if what := compareGlyphs(got, want); what != "" {
					diffs = append(diffs, diff{name, w, what})
					perFamily[name]++
				}
			}
		}
	}
	t.Logf("%d (family, word) pairs compared over %d words", compared, len(words))
	if len(diffs) > 0 {
		var fams []string
		for f, n := range perFamily {
			fams = append(fams, fmt.Sprintf("%s %d", f, n))
		}
		sort.Strings(fams)
		for i, d := range diffs {
			if i < 40 {
				t.Logf("%s %q: %s", d.family, d.word, d.what)
			}
		}
		t.Errorf("%d of %d shapings differ from HarfBuzz; per family: %s", len(diffs), compared, strings.Join(fams, ", "))
	}
}

// strataShape shapes one word the way shapeUncached does, at a size of
// units-per-em/64 px so that the 26.6 positions are font units, as
// hb-shape's are. (At refSize, HarfBuzz's fallback mark positioning
// rounds at a finer scale: 2 Hebrew points in M PLUS Rounded 1c land
// 1/64 px, one font unit at 256 px, from hb-shape's.)
func strataShape(hf *hbFace, face *font.Face, w string) []hbGlyph {
	runes := []rune(w)
	d, s := wordDirScript(w)
	out := hbShape(hf, nil, shaping.Input{
		Text: runes, RunEnd: len(runes), Direction: d, Face: face,
		Size: fixed.Int26_6(face.Upem()), Script: s, Language: language.NewLanguage("en"),
	}, nil)
	g := make([]hbGlyph, len(out.Glyphs))
	for i, x := range out.Glyphs {
		g[i] = hbGlyph{G: int(x.GlyphID), Cl: x.ClusterIndex, Dx: int(x.XOffset), Dy: int(x.YOffset), Ax: int(x.XAdvance), Ay: int(x.YAdvance)}
	}
	return g
}

// goTextShape shapes one word with go-text's HarfBuzz port at the font's
// units-per-em so positions are in font units.
func goTextShape(face *font.Face, w string) []hbGlyph {
	runes := []rune(w)
	d, s := wordDirScript(w)
	var sh shaping.HarfbuzzShaper
	out := sh.Shape(shaping.Input{
		Text: runes, RunEnd: len(runes), Direction: d, Face: face,
		Size: fixed.I(int(face.Upem())), Script: s, Language: language.NewLanguage("en"),
	})
	g := make([]hbGlyph, len(out.Glyphs))
	for i, x := range out.Glyphs {
		g[i] = hbGlyph{G: int(x.GlyphID), Cl: x.ClusterIndex, Dx: round64(x.XOffset), Dy: round64(x.YOffset),
			Ax: round64(x.XAdvance), Ay: round64(x.YAdvance)}
	}
	return g
}

func round64(v fixed.Int26_6) int { return int((v + 32) >> 6) }

// compareGlyphs describes the first difference, or "".
func compareGlyphs(got, want []hbGlyph) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d glyphs, HarfBuzz %d: got %v want %v", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("glyph %d: got %+v want %+v", i, got[i], want[i])
		}
	}
	return ""
}

// wordDirScript is the direction and script of a word's first letter.
func wordDirScript(w string) (di.Direction, language.Script) {
	runes := []rune(w)
	s := language.LookupScript(runes[firstLetter(runes)])
	if s == language.Common || s == language.Inherited {
		s = language.Latin
	}
	return paragraphDirection(runes), s
}

func coversAll(f *font.Font, w string) bool {
	for _, c := range w {
		if !drawn(c) {
			continue
		}
		if _, ok := f.NominalGlyph(c); !ok {
			return false
		}
	}
	return true
}

func dedupe(ws []string) []string {
	seen := map[string]bool{}
	out := ws[:0]
	for _, w := range ws {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// TestShapingVariableMatchesHarfBuzz: the weight axis reaches HarfBuzz
// (variable advances and kerning), compared with hb-shape --variations.
func TestShapingVariableMatchesHarfBuzz(t *testing.T) {
	hb, err := exec.LookPath("hb-shape")
	require.NoError(t, err, "hb-shape missing: run scripts/setup.sh (apt libharfbuzz-bin)")
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	ref := r.match(nil, "RobotoFlex", 700, false)
	require.NotZero(t, ref.wght, "RobotoFlex 700 comes from the variable font")
	_, err = ref.src.load()
	require.NoError(t, err)
	face := ss.face(ref)
	for _, w := range []string{"AVATAR", "Wave", "office", "Typography"} {
		runes := []rune(w)
		out := hbShape(ref.src.hb, variations(ref), shaping.Input{Text: runes, RunEnd: len(runes), Direction: di.DirectionLTR, Face: face,
			Size: fixed.Int26_6(face.Upem()), Script: language.Latin, Language: language.NewLanguage("en")}, nil)
		got := make([]hbGlyph, len(out.Glyphs))
		for i, x := range out.Glyphs {
			got[i] = hbGlyph{G: int(x.GlyphID), Cl: x.ClusterIndex, Dx: int(x.XOffset), Dy: int(x.YOffset), Ax: int(x.XAdvance)}
		}
		res, err := exec.Command(hb, "--no-glyph-names", "--output-format=json", "--language=en", "--script=Latn",
			fmt.Sprintf("--variations=wght=%g", ref.wght), ref.src.path, w).Output()
		require.NoError(t, err)
		var want []hbGlyph
		require.NoError(t, json.Unmarshal(bytes.TrimSpace(res), &want))
		require.Empty(t, compareGlyphs(got, want), "%q at wght %g", w, ref.wght)
	}
}
