package typeset

import (
	"context"
	"testing"
	"unicode/utf8"
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
		if _, err := r.Draw(context.Background(), tx, nil, 200, 80); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if _, _, err := r.Measure(context.Background(), tx, nil, 0); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	})
}
