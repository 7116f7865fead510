package typeset

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIsEmojiCluster(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"presentation emoji", "🎉", true},
		{"bmp emoji presentation", "⚡", true},
		{"text-default heart", "❤", false},
		{"heart with FE0F", "❤️", true},
		{"heart with FE0E", "❤︎", false},
		{"keycap", "1️⃣", true},
		{"plain digit", "1", false},
		{"flag", "🇫🇷", true},
		{"skin tone", "👋🏽", true},
		{"zwj sequence", "👨‍💻", true},
		{"letter", "a", false},
		{"cjk", "中", false},
		{"enclosed alphanumeric", "🄰", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, isEmojiCluster([]rune(tc.in)))
		})
	}
}

// TestEmojiDrawnInColour: emoji pixels are coloured although the text
// colour is black, and the bitmap is scaled to the font size.
func TestEmojiDrawnInColour(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	for _, size := range []float64{20, 60} {
		img := drawText(t, r, text("🎉", "Inter", size), nil, 200, 100)
		b := inkBounds(img)
		require.InDelta(t, size*1.15, float64(b.Dx()), size*0.35, "emoji width follows the font size")
		coloured := 0
		for i := 0; i < len(img.Pix); i += 4 {
			p := img.Pix[i : i+4]
			if p[3] > 200 && (p[0] > 100 || p[1] > 100 || p[2] > 100) {
				coloured++
			}
		}
		require.Greater(t, coloured, b.Dx()*b.Dy()/10)
	}
}

// TestTextPresentationDrawn: U+FE0E draws a symbol as text (in the text
// colour, from a text face), U+FE0F as the colour emoji.
func TestTextPresentationDrawn(t *testing.T) {
	r := testRegistry(t)
	colourful := func(s string) bool {
		img := drawText(t, r, text(s, "Inter", 40), nil, 80, 60)
		for i := 0; i < len(img.Pix); i += 4 {
			p := img.Pix[i : i+3]
			if max(p[0], p[1], p[2])-min(p[0], p[1], p[2]) > 16 {
				return true
			}
		}
		return false
	}
	for _, s := range []string{"☺\uFE0E", "✂\uFE0E", "❤\uFE0E"} {
		require.False(t, colourful(s), "%q must be drawn as text", s)
		require.True(t, colourful(strings.TrimSuffix(s, "\uFE0E")+"\uFE0F"), "%q with FE0F must be the colour emoji", s)
	}
}
