package typeset

import (
	"strings"
	"unicode"
)

// Style bits of a rune: markdown emphasis.
const (
	styleBold   uint8 = 1 << 0
	styleItalic uint8 = 1 << 1
	// styleStrike is ~~strikethrough~~ (a line-through decoration; the
	// face is unchanged).
	styleStrike uint8 = 1 << 2
)

// controls normalises line ends (CRLF, CR, NEL, U+2028 line separator,
// U+2029 paragraph separator; go-text's wrapper panics on mandatory
// breaks inside a paragraph), turns tabs into spaces and drops the other C0
// controls, which no font draws (they would come out as tofu boxes).
var controls = func() *strings.Replacer {
	pairs := []string{"\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n\n", "\u0085", "\n", "\t", " ", "\u007f", ""}
	for c := rune(0); c < 0x20; c++ {
		if c != '\n' && c != '\r' && c != '\t' {
			pairs = append(pairs, string(c), "")
		}
	}
	return strings.NewReplacer(pairs...)
}()

func needsControlFix(r rune) bool {
	return (r < 0x20 && r != '\n') || r == 0x7f || r == 0x85 || r == '\u2028' || r == '\u2029'
}

// paragraph is one paragraph of a text layer: hard lines of runes, each
// rune with its markdown style.
type paragraph struct {
	lines []styledLine
}

type styledLine struct {
	runes  []rune
	styles []uint8
}

// splitParagraphs normalises line ends, splits the text into paragraphs
// at blank lines ("\n\n") and hard lines at "\n", and resolves markdown
// emphasis per paragraph (emphasis never spans paragraphs).
func splitParagraphs(text string) []paragraph {
	if strings.IndexFunc(text, needsControlFix) >= 0 {
		text = controls.Replace(text)
	}
	var out []paragraph
	for _, p := range strings.Split(text, "\n\n") {
		runes, styles := parseMarkdown(p)
		var para paragraph
		start := 0
		for i := 0; i <= len(runes); i++ {
			if i == len(runes) || runes[i] == '\n' {
				para.lines = append(para.lines, styledLine{runes: runes[start:i], styles: styles[start:i]})
				start = i + 1
			}
		}
		out = append(out, para)
	}
	return out
}

// mdItem is a literal rune or a run of unescaped asterisks or tildes.
type mdItem struct {
	r       rune
	n       int  // >0: a delimiter run of n asterisks (or tildes: r says which)
	matched bool // the delimiter run is one end of a matched pair
	opener  bool
}

// maxMarkdownPairs caps the emphasis pairs of one text; markers past it
// are literal. Every pair adds style runs, and a word made of thousands of
// runs (`**_` repeated) costs the line wrapper quadratic time: 64 KB of it
// took 18 s. No real text has hundreds of bold or italic spans in a layer.
const maxMarkdownPairs = 500

// parseMarkdown resolves **bold**, *italic*, ***bold italic*** and
// ~~strikethrough~~: a run of 1–3 asterisks (or exactly 2 tildes)
// followed by a non-space opens, one preceded by a non-space closes the
// nearest open run of the same marker and length. A backslash escapes an
// asterisk, a tilde or a backslash; unmatched markers are literal, and so
// are all markers after the first maxMarkdownPairs pairs.
func parseMarkdown(s string) ([]rune, []uint8) {
	src := []rune(s)
	items := make([]mdItem, 0, len(src))
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src) && (src[i+1] == '*' || src[i+1] == '~' || src[i+1] == '\\'):
			items = append(items, mdItem{r: src[i+1]})
			i++
		case c == '*' || c == '~':
			j := i
			for j < len(src) && src[j] == c {
				j++
			}
			items = append(items, mdItem{r: c, n: j - i})
			i = j - 1
		default:
			items = append(items, mdItem{r: c})
		}
	}
	// Pair delimiter runs with a stack of openers.
	var stack []int
	pairs := 0
	for i := range items {
		it := &items[i]
		if it.n == 0 || it.n > 3 || it.r == '~' && it.n != 2 {
			continue
		}
		if pairs == maxMarkdownPairs {
			break
		}
		canClose := i > 0 && !isSpace(items[i-1])
		canOpen := i+1 < len(items) && !isSpace(items[i+1])
		if canClose {
			found := -1
			for k := len(stack) - 1; k >= 0; k-- {
				if items[stack[k]].n == it.n && items[stack[k]].r == it.r {
					found = k
					break
				}
			}
			if found >= 0 {
				pairs++
				items[stack[found]].matched = true
				items[stack[found]].opener = true
				it.matched = true
				stack = stack[:found]
				continue
			}
		}
		if canOpen {
			stack = append(stack, i)
		}
	}
	runes := make([]rune, 0, len(items))
	styles := make([]uint8, 0, len(items))
	bold, italic, strike := 0, 0, 0
	for _, it := range items {
		if it.n > 0 && it.matched {
			d := 1
			if !it.opener {
				d = -1
			}
			if it.r == '~' {
				strike += d
				continue
			}
			if it.n >= 2 {
				bold += d
			}
			if it.n != 2 {
				italic += d
			}
			continue
		}
		var st uint8
		if bold > 0 {
			st |= styleBold
		}
		if italic > 0 {
			st |= styleItalic
		}
		if strike > 0 {
			st |= styleStrike
		}
		n := max(it.n, 1)
		for range n {
			runes = append(runes, it.r)
			styles = append(styles, st)
		}
	}
	return runes, styles
}

func isSpace(it mdItem) bool {
	return it.n == 0 && unicode.IsSpace(it.r)
}
