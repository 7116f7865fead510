package typeset

import (
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
