package typeset

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// render shows parsed markdown as text with style marks: [b]…, [i]…, [bi]….
func showStyles(runes []rune, styles []uint8) string {
	var b strings.Builder
	cur := uint8(0)
	for i, r := range runes {
		if styles[i] != cur {
			if cur != 0 {
				b.WriteString("]")
			}
			switch styles[i] {
			case styleBold:
				b.WriteString("[b:")
			case styleItalic:
				b.WriteString("[i:")
			case styleBold | styleItalic:
				b.WriteString("[bi:")
			case styleStrike:
				b.WriteString("[s:")
			case styleStrike | styleBold:
				b.WriteString("[sb:")
			}
			cur = styles[i]
		}
		b.WriteRune(r)
	}
	if cur != 0 {
		b.WriteString("]")
	}
	return b.String()
}

func TestParseMarkdown(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"strike", "was ~~99~~ 79", "was [s:99] 79"},
		{"strike around bold", "~~a **b**~~", "[s:a ][sb:b]"},
		{"one tilde is literal", "~a~ and ~~~b~~~", "~a~ and ~~~b~~~"},
		{"escaped tilde", "\\~~x~~", "~~x~~"},
		{"unpaired strike", "~~open", "~~open"},
		{"plain", "hello world", "hello world"},
		{"bold", "a **b** c", "a [b:b] c"},
		{"italic", "a *b* c", "a [i:b] c"},
		{"bold italic", "***both***", "[bi:both]"},
		{"nested italic in bold", "**bold *and italic* bold**", "[b:bold ][bi:and italic][b: bold]"},
		{"escaped marker", `\*not italic\*`, "*not italic*"},
		{"escaped backslash", `a\\b`, `a\b`},
		{"backslash before other", `a\nb`, `a\nb`},
		{"unmatched opener", "**never closed", "**never closed"},
		{"unmatched closer", "closed only**", "closed only**"},
		{"spaced asterisks literal", "2 * 3 * 4", "2 * 3 * 4"},
		{"mismatched lengths literal", "**a*", "**a*"},
		{"four asterisks literal", "****a****", "****a****"},
		{"multiline bold", "**a\nb**", "[b:a\nb]"},
		{"empty", "", ""},
		{"emoji inside bold", "**hi 👋**", "[b:hi 👋]"},
		{"markers past the pair cap are literal", strings.Repeat("**a** ", maxMarkdownPairs) + "**b**",
			strings.Repeat("[b:a] ", maxMarkdownPairs) + "**b**"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runes, styles := parseMarkdown(tc.in)
			require.Len(t, styles, len(runes))
			require.Equal(t, tc.want, showStyles(runes, styles))
		})
	}
}

func TestSplitParagraphs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want [][]string
	}{
		{"one line", "a", [][]string{{"a"}}},
		{"hard break", "a\nb", [][]string{{"a", "b"}}},
		{"paragraphs", "a\n\nb", [][]string{{"a"}, {"b"}}},
		{"crlf", "a\r\nb\r\n\r\nc", [][]string{{"a", "b"}, {"c"}}},
		{"unicode separators", "a\u2028b\u2029c\u0085d", [][]string{{"a", "b"}, {"c", "d"}}},
		{"tabs become spaces, other controls go", "a\tb\x00c\x1bd\x7f", [][]string{{"a bcd"}}},
		{"three newlines keep an empty line", "a\n\n\nb", [][]string{{"a"}, {"", "b"}}},
		{"emphasis does not span paragraphs", "**a\n\nb**", [][]string{{"**a"}, {"b**"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got [][]string
			for _, p := range splitParagraphs(tc.in) {
				var lines []string
				for _, l := range p.lines {
					lines = append(lines, string(l.runes))
				}
				got = append(got, lines)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// FuzzMarkdown checks that any input parses without panicking, keeps one
// style per rune, and only ever drops asterisks and escaping backslashes.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**b** *i* ***bi***", `\*x\*`, "***", "*a**b*c**", "\\", "**\n\n**", "👋**é**"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		runes, styles := parseMarkdown(s)
		if len(runes) != len(styles) {
			t.Fatalf("%d runes, %d styles", len(runes), len(styles))
		}
		strip := func(s string) string {
			return strings.NewReplacer("*", "", "\\", "").Replace(s)
		}
		if strip(string(runes)) != strip(s) {
			t.Fatalf("text changed: %q → %q", s, string(runes))
		}
		for _, p := range splitParagraphs(s) {
			for _, l := range p.lines {
				if len(l.runes) != len(l.styles) {
					t.Fatal("line styles out of step")
				}
			}
		}
	})
}
