package typeset

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func thaiDictionary(t *testing.T) *thaiDict {
	t.Helper()
	r := testRegistry(t)
	d := r.thaiDictionary()
	if d == nil {
		t.Fatalf("Thai dictionary missing: install Debian's libthai-data (%s)", thaiDictPaths[0])
	}
	return d
}

func TestThaiSegment(t *testing.T) {
	t.Parallel()
	d := thaiDictionary(t)
	cases := []struct{ name, in, want string }{
		{"sentence", "ภาษาไทยเป็นภาษาที่มีระดับเสียง", "ภาษา|ไทย|เป็น|ภาษา|ที่|มี|ระดับ|เสียง"},
		{"greeting", "สวัสดีครับ", "สวัสดี|ครับ"},
		{"single word", "ภาษา", "ภาษา"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run := []rune(tc.in)
			var b strings.Builder
			prev := 0
			for _, c := range d.segment(run) {
				b.WriteString(string(run[prev:c]) + "|")
				prev = c
			}
			b.WriteString(string(run[prev:]))
			require.Equal(t, tc.want, b.String())
		})
	}
}

// TestThaiSegmentNeverSplitsClusters: breaks never fall before a mark or
// after a leading vowel, even for text outside the dictionary.
func TestThaiSegmentNeverSplitsClusters(t *testing.T) {
	t.Parallel()
	d := thaiDictionary(t)
	for _, s := range []string{"กขฃคฅฆงจฉชซฌญฎ", "เกเกเกแกแก", "ก่ก้ก๊ก๋กั", "ฮฮฮฮฮฮ"} {
		run := []rune(s)
		for _, c := range d.segment(run) {
			require.False(t, thaiMark(run[c]), "%q: break before a mark at %d", s, c)
			require.False(t, thaiLeading(run[c-1]), "%q: break after a leading vowel at %d", s, c)
		}
	}
}

func TestThaiLinesBreakBetweenWords(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	thaiDictionary(t)
	ss := r.session()
	defer r.release(ss)
	tx := text("ภาษาไทยเป็นภาษาที่มีระดับเสียงของคำแน่นอนหรือวรรณยุกต์", "Inter", 28)
	b := r.layout(ss, r.shapeText(ss, nil, tx), 28, 220, layoutOpts{wrap: true})
	require.Greater(t, len(b.lines), 2)
	words := map[string]bool{}
	for _, w := range strings.Split("ภาษา|ไทย|เป็น|ภาษา|ที่|มี|ระดับ|เสียง|ของ|คำ|แน่นอน|หรือ|วรรณยุกต์", "|") {
		words[w] = true
	}
	// Every line but the last ends after a whole word of the sentence.
	para := r.shapeText(ss, nil, tx)[0][0]
	text := string(para.runes)
	require.Contains(t, text, string(zwsp))
	for _, w := range strings.Split(strings.ReplaceAll(text, string(zwsp), "|"), "|") {
		require.True(t, words[w], "segment %q is a word", w)
	}
}

func TestParseTrieRejectsGarbage(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(thaiDictPaths[0])
	if err != nil {
		t.Fatalf("Thai dictionary missing: install Debian's libthai-data (%v)", err)
	}
	for _, n := range []int{0, 3, 16, 100, len(b) / 2, len(b) - 1} {
		_, err := parseTrie(b[:n])
		require.Error(t, err, "truncated at %d", n)
	}
	_, err = parseTrie(b)
	require.NoError(t, err)
}
