package typeset

import (
	"testing"

	"github.com/go-text/typesetting/di"
	"github.com/stretchr/testify/require"
)

func shapeString(t *testing.T, r *Registry, family string, s string) *shapedLine {
	t.Helper()
	ss := r.session()
	defer r.release(ss)
	runes := []rune(s)
	return r.shapeUncached(ss, style{family: family, weight: 400}, styledLine{runes: runes, styles: make([]uint8, len(runes))})
}

func glyphCount(sl *shapedLine) int {
	n := 0
	for _, o := range sl.runs {
		n += len(o.Glyphs)
	}
	return n
}

func TestParagraphDirection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want di.Direction
	}{
		{"latin", "hello", di.DirectionLTR},
		{"arabic", "مرحبا hello", di.DirectionRTL},
		{"hebrew after digits", "123 שלום abc", di.DirectionRTL},
		{"latin before hebrew", "abc שלום", di.DirectionLTR},
		{"neutral only", "123 !?", di.DirectionLTR},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, paragraphDirection([]rune(tc.in)))
		})
	}
}

// TestFallbackPerScript: characters the requested face lacks are drawn
// from the bundled face listed for their script, never as tofu.
func TestFallbackPerScript(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	cases := []struct{ name, text, family string }{
		{"arabic", "مرحبا", "NotoSansArabic"},
		{"hebrew", "שלום", "Heebo"},
		{"thai", "สวัสดี", "Kanit"},
		{"devanagari", "नमस्ते", "Hind"},
		{"bengali", "বাংলা", "HindSiliguri"},
		{"telugu", "తెలుగు", "NotoSansTelugu"},
		{"korean", "한국어", "NotoSansKR"},
		{"japanese kana", "ひらがな", "NotoSansJP"},
		{"han alone is simplified chinese", "中文", "NotoSansSC"},
		{"han with kana is japanese", "日本語です", "NotoSansJP"},
		{"emoji", "🎉", "NotoColorEmoji"},
		{"latin stays", "Hello", "Inter"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sl := shapeString(t, r, "Inter", tc.text)
			for i, ref := range sl.refs {
				require.Equal(t, tc.family, ref.src.name, "run %d", i)
			}
			for _, o := range sl.runs {
				for _, g := range o.Glyphs {
					require.NotZero(t, g.GlyphID, "no .notdef glyph")
				}
			}
		})
	}
}

func TestFallbackFollowsWeight(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	runes := []rune("مرحبا")
	sl := r.shapeUncached(ss, style{family: "Inter", weight: 700}, styledLine{runes: runes, styles: make([]uint8, len(runes))})
	require.Equal(t, 700, sl.refs[0].src.weight)
}

// TestArabicJoins: the same letter takes different (joined) glyphs at the
// start, middle and end of a word, and the run is right-to-left.
func TestArabicJoins(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	isolated := shapeString(t, r, "Inter", "ب")
	joined := shapeString(t, r, "Inter", "ببب")
	require.Equal(t, di.DirectionRTL, joined.runs[0].Direction)
	gids := map[uint32]bool{}
	for _, g := range joined.runs[0].Glyphs {
		gids[uint32(g.GlyphID)] = true
	}
	require.GreaterOrEqual(t, len(gids), 3, "initial, medial and final forms (plus dots in some fonts)")
	iso := map[uint32]bool{}
	for _, g := range isolated.runs[0].Glyphs {
		iso[uint32(g.GlyphID)] = true
	}
	forms := 0
	for gid := range gids {
		if !iso[gid] {
			forms++
		}
	}
	require.GreaterOrEqual(t, forms, 3, "initial, medial and final forms differ from the isolated letter")
}

// TestIndicConjunct: Devanagari क्ष (ka + virama + ssa) shapes to fewer
// glyphs than code points, and the i-matra of कि is reordered before the
// consonant.
func TestIndicConjunct(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ksha := shapeString(t, r, "Inter", "क्ष")
	require.Less(t, glyphCount(ksha), 3)
	ki := shapeString(t, r, "Inter", "कि")
	g := ki.runs[0].Glyphs
	require.Len(t, g, 2)
	ka, ok := ki.refs[0].src.font.NominalGlyph('क')
	require.True(t, ok)
	require.NotEqual(t, ka, g[0].GlyphID, "the i-matra is drawn first")
	require.Equal(t, ka, g[1].GlyphID, "the consonant comes after its matra")
}

func TestLigaturesAndKerning(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	fi := shapeString(t, r, "Lora", "fi")
	require.Equal(t, 1, glyphCount(fi), "fi ligature")
	av := shapeString(t, r, "Roboto", "AV")
	a := shapeString(t, r, "Roboto", "A")
	v := shapeString(t, r, "Roboto", "V")
	require.Less(t, av.runs[0].Advance, a.runs[0].Advance+v.runs[0].Advance, "AV is kerned")
}

func TestEmojiClustersAreOneGlyph(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	cases := []struct{ name, text string }{
		{"zwj family", "👨‍👩‍👧‍👦"},
		{"skin tone", "👋🏽"},
		{"flag", "🇯🇵"},
		{"keycap", "#️⃣"},
		{"zwj with skin tone", "👩🏾‍💻"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sl := shapeString(t, r, "Inter", tc.text)
			require.Len(t, sl.runs, 1)
			require.Equal(t, "NotoColorEmoji", sl.refs[0].src.name)
			require.Equal(t, 1, glyphCount(sl))
		})
	}
}

func TestShapeCache(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	line := styledLine{runes: []rune("cached line"), styles: make([]uint8, 11)}
	a := r.shape(ss, style{family: "Inter", weight: 400}, line)
	b := r.shape(ss, style{family: "Inter", weight: 400}, line)
	require.Same(t, a, b)
	for _, o := range a.runs {
		require.Nil(t, o.Face, "cached runs keep no session face alive")
	}
	c := r.shape(ss, style{family: "Inter", weight: 700}, line)
	require.NotSame(t, a, c)
}
