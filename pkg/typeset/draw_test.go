package typeset

import (
	"context"
	"image"
	"image/color"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// FuzzDrawText draws arbitrary text (user input) with auto-scale and
// wrapping: shaping, bidi, segmentation and wrapping must never fail or
// panic.
func FuzzDrawText(f *testing.F) {
	r := testRegistry(f)
	for _, s := range []string{"Hello **world**", "مرحبا 123 abc", "שלום\nעולם", "日本語\n\n中文 한국어", "ภาษาไทย", "क्षत्रिय", "👨‍👩‍👧‍👦🇯🇵#️⃣",
		"\u2028\u2029\u0085\v\f\r\n", "a\u0300\u0301\u0302", "\u202e\u202dabc\u2066x\u2069", "\ufeff\u200b\u200d", "*\\**", "((([[[{{{"} {
		f.Add(s, uint8(40))
	}
	f.Fuzz(func(t *testing.T, s string, size uint8) {
		if !utf8.ValidString(s) || len(s) > 2000 {
			return
		}
		tx := text(s, "Inter", float64(size%120)+1)
		tx.AutoScale = size%2 == 0
		tx.SplitLines = size%3 != 0
		// Typography, chosen by the text's length so the corpus keeps its
		// shape: clamping with an ellipsis, spacing, case, decoration,
		// stroke and a locale.
		if k := len(s) % 5; k > 0 {
			tx.MaxLines = k
			tx.Overflow = schema.OverflowEllipsis
			tx.LetterSpacing = float64(k) - 2.5
			tx.LineHeight = 0.5 * float64(k)
			tx.Transform = []schema.Transform{schema.TransformNone, schema.TransformUppercase, schema.TransformLowercase, schema.TransformCapitalize}[k%4]
			tx.Underline, tx.LineThrough = k%2 == 1, k > 2
			tx.Stroke = &schema.TextStroke{Width: float64(k), Color: black}
			tx.Lang = []string{"", "tr", "zh-Hant", "ja", "ar"}[k]
		}
		if _, err := r.Draw(context.Background(), tx, nil, 200, 80); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if _, _, err := r.Measure(context.Background(), tx, nil, 0); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	})
}

// TestDrawInkIsDrawCropped: DrawInk asks for a rectangle inside the box
// that holds every painted pixel, and paints there exactly what Draw
// paints; outside it Draw's box is transparent. Stroke, decorations,
// emoji, overlapping glyphs and clipped overflow included.
func TestDrawInkIsDrawCropped(t *testing.T) {
	r := testRegistry(t)
	tight := text("AVAT ffi WAVE 🎉 **bold** ~~gone~~", "Inter", 44)
	tight.LetterSpacing = -8 // glyphs overlap
	stroked := text("Stroked and underlined", "Inter", 36)
	stroked.Stroke = &schema.TextStroke{Width: 3, Color: color.NRGBA{R: 200, A: 128}}
	stroked.Underline = true
	overflow := text("A line far too long for its box, clipped on the right", "Inter", 48)
	overflow.SplitLines = false
	for name, tx := range map[string]*schema.Text{"tight": tight, "stroked": stroked, "overflow": overflow} {
		t.Run(name, func(t *testing.T) {
			const w, h = 420, 150
			want, err := r.Draw(context.Background(), tx, nil, w, h)
			require.NoError(t, err)
			var asked image.Rectangle
			got, err := r.DrawInk(context.Background(), tx, nil, w, h, func(ink image.Rectangle) *image.RGBA {
				asked = ink
				return image.NewRGBA(ink)
			})
			require.NoError(t, err)
			require.NotNil(t, got)
			require.Equal(t, asked, got.Rect)
			require.True(t, asked.In(image.Rect(0, 0, w, h)), "%v inside the box", asked)
			require.Less(t, asked.Dx()*asked.Dy(), w*h, "smaller than the box")
			require.True(t, inkBounds(want).In(asked), "ink %v inside %v", inkBounds(want), asked)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					if !image.Pt(x, y).In(asked) {
						continue
					}
					if want.RGBAAt(x, y) != got.RGBAAt(x, y) {
						t.Fatalf("pixel (%d, %d): DrawInk %v, Draw %v", x, y, got.RGBAAt(x, y), want.RGBAAt(x, y))
					}
				}
			}
		})
	}
	t.Run("nothing painted", func(t *testing.T) {
		got, err := r.DrawInk(context.Background(), text("   ", "Inter", 30), nil, 200, 50, func(image.Rectangle) *image.RGBA {
			t.Fatal("alloc called for no ink")
			return nil
		})
		require.NoError(t, err)
		require.Nil(t, got)
	})
}
