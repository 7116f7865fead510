package typeset

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-text/typesetting/segmenter"
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

// TestWordBreaksWithoutThaiIgnoreTheDictionary: on a line without Thai
// letters the dictionary's presence changes no break, which is why
// shaping such a line need not read it.
func TestWordBreaksWithoutThaiIgnoreTheDictionary(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"Shipping images at the speed of a function call",
		"ພາສາລາວ ភាសាខ្មែរ မြန်မာဘာသာ",      // Lao, Khmer, Myanmar: dictionary scripts without a dictionary
		"简体中文的文字 مرحبا بالعالم नमस्ते ฿100", // the baht sign is Common, not Thai
	} {
		runes := []rune(s)
		var seg segmenter.Segmenter
		seg.Init(runes)
		with := wordBreaks(&seg, runes, true)
		seg.Init(runes)
		require.Equal(t, wordBreaks(&seg, runes, false), with, "%q", s)
	}
}

// TestLatinShapingLeavesTheThaiDictionaryUnread: a process that shapes
// Latin text never reads the Thai dictionary; its first Thai line does.
// The dictionary is loaded once per process, so the check runs in a child
// process of its own.
func TestLatinShapingLeavesTheThaiDictionaryUnread(t *testing.T) {
	if os.Getenv("STRATA_TEST_THAI_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLatinShapingLeavesTheThaiDictionaryUnread$", "-test.count=1")
		cmd.Env = append(os.Environ(), "STRATA_TEST_THAI_CHILD=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "PASS")
		return
	}
	r := testRegistry(t)
	_, _, err := r.Measure(context.Background(), text("Shipping images 100 €", "Inter", 24), nil, 0)
	require.NoError(t, err)
	require.True(t, thaiDB == nil, "read for a line without Thai letters")
	_, _, err = r.Measure(context.Background(), text("ภาษาไทยง่ายนิดเดียว", "Inter", 24), nil, 0)
	require.NoError(t, err)
	require.True(t, thaiDB != nil, "read for the first Thai line")
}
