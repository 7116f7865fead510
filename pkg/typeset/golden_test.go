package typeset

import (
	"image/color"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/golden"
	"github.com/strata-render/strata/pkg/schema"
)

type goldenCase struct {
	name  string
	text  *schema.Text
	fonts []*schema.Font
	w, h  int
}

func with(t *schema.Text, f func(*schema.Text)) *schema.Text { f(t); return t }

func goldenCases(t *testing.T) []goldenCase {
	lorem := "The quick brown fox jumps over the lazy dog."
	var cases []goldenCase
	for _, a := range []schema.Align{schema.AlignLeft, schema.AlignCenter, schema.AlignRight} {
		for _, v := range []schema.Align{schema.AlignTop, schema.AlignCenter, schema.AlignBottom} {
			cases = append(cases, goldenCase{
				name: "align_" + string(a) + "_" + string(v),
				text: with(text("Aligned text\nsecond line", "Inter", 28), func(t *schema.Text) { t.Align, t.VerticalAlign = a, v }),
				w:    320, h: 160,
			})
		}
	}
	woff2, err := os.ReadFile("testdata/fonts/lobster-latin-400-normal.woff2")
	require.NoError(t, err)
	cases = append(cases,
		goldenCase{name: "wrap", text: text(lorem+" "+lorem, "Roboto", 26), w: 360, h: 200},
		goldenCase{name: "wrap_long_word", text: text("Supercalifragilisticexpialidocious antidisestablishment", "Inter", 32), w: 240, h: 200},
		goldenCase{name: "no_split_clipped", text: with(text(lorem, "Inter", 32), func(t *schema.Text) { t.SplitLines = false }), w: 300, h: 60},
		goldenCase{name: "autoscale_title", text: with(text("An unusually long headline that has to shrink to fit its box", "Poppins", 96), func(t *schema.Text) {
			t.AutoScale, t.Weight = true, schema.Bold
		}), w: 500, h: 160},
		// The audit's case: the word is drawn whole at 20 px, not broken
		// "Supercalif / ragilistic" at 37 px.
		goldenCase{name: "autoscale_long_word", text: with(text("Supercalifragilistic", "Inter", 60), func(t *schema.Text) { t.AutoScale = true }), w: 180, h: 90},
		goldenCase{name: "paragraphs", text: with(text("First paragraph, line one\nline two\n\nSecond paragraph", "Lora", 24), func(t *schema.Text) { t.ParagraphSpacing = 20 }), w: 400, h: 160},
		goldenCase{name: "arabic", text: text("مرحبا بالعالم، هذا نص عربي متصل", "Inter", 36), w: 520, h: 120},
		goldenCase{name: "hebrew_mixed", text: text("שלום World 2026 עולם", "Inter", 36), w: 520, h: 80},
		goldenCase{name: "japanese", text: text("吾輩は猫である。名前はまだ無い。", "Inter", 36), w: 600, h: 80},
		goldenCase{name: "chinese_simplified", text: text("简体中文的文字渲染测试", "Inter", 36), w: 520, h: 80},
		goldenCase{name: "korean", text: text("한국어 텍스트 렌더링 테스트", "Inter", 36), w: 520, h: 80},
		goldenCase{name: "thai", text: text("ภาษาไทยสวัสดีครับ", "Inter", 36), w: 520, h: 80},
		goldenCase{name: "thai_wrap", text: text("ภาษาไทยเป็นภาษาที่มีระดับเสียงของคำแน่นอนหรือวรรณยุกต์เช่นเดียวกับภาษาจีน", "Inter", 28), w: 390, h: 140},
		goldenCase{name: "devanagari", text: text("हिन्दी क्षत्रिय श्री द्वार", "Inter", 36), w: 520, h: 80},
		goldenCase{name: "bengali", text: text("বাংলা ভাষা ক্ষমা", "Inter", 36), w: 520, h: 80},
		goldenCase{name: "telugu", text: text("తెలుగు భాష క్షేమం", "Inter", 36), w: 520, h: 80},
		goldenCase{name: "emoji", text: text("Hi 👋🏽 👩🏾‍💻 👨‍👩‍👧‍👦 🇯🇵 #️⃣ ❤️ 🎉", "Inter", 40), w: 560, h: 80},
		goldenCase{name: "markdown", text: text("plain **bold** *italic* ***bold italic*** \\*literal\\* 2 * 3", "Inter", 28), w: 640, h: 60},
		goldenCase{name: "custom_woff2", text: text("Custom WOFF2 font", "MyBrand", 40), fonts: []*schema.Font{{
			Path: "fonts[0]", Name: "MyBrand", Weight: schema.Regular, File: schema.File{Type: schema.SourceBase64, Data: woff2},
		}}, w: 420, h: 70},
		goldenCase{name: "weight_missing_black_lora", text: with(text("Lora Black → Bold", "Lora", 40), func(t *schema.Text) { t.Weight = schema.Black }), w: 420, h: 70},
		goldenCase{name: "weight_synthetic_bold_bebas", text: with(text("BEBAS BOLD", "Bebas Neue", 48), func(t *schema.Text) { t.Weight = schema.Bold }), w: 420, h: 70},
		goldenCase{name: "oblique_heebo", text: with(text("Heebo italic", "heebo", 40), func(t *schema.Text) { t.Italic = true }), w: 420, h: 70},
		goldenCase{name: "variable_robotoflex", text: text("Thin **Bold** Flex", "RobotoFlex", 40), w: 420, h: 70},
		goldenCase{name: "unknown_family", text: text("Unknown family → Inter", "NoSuchFont", 32), w: 420, h: 60},
		goldenCase{name: "color_alpha", text: with(text("Half-transparent red", "Inter", 36), func(t *schema.Text) { t.Color = color.NRGBA{R: 220, A: 128} }), w: 420, h: 60},
	)
	return cases
}

// TestGolden draws every case and compares it, flattened onto white, with
// testdata/golden/<name>.png. UPDATE_GOLDEN=1 rewrites the files;
// SAVE_ACTUAL=dir saves what was drawn for review.
func TestGolden(t *testing.T) {
	r := testRegistry(t)
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			golden.Check(t, tc.name, onWhite(drawText(t, r, tc.text, tc.fonts, tc.w, tc.h)), golden.AntiAliasing)
		})
	}
}
