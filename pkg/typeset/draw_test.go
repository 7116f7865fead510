package typeset

import (
	"context"
	"testing"
	"unicode/utf8"

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
