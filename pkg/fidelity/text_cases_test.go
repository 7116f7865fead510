package fidelity

import (
	"fmt"
	"strings"
)

// The text cases hold lines to their ink boxes: glyph rasterisers differ
// in anti-aliasing, never by a pixel in where a line's ink is.

const textBG = `{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}`

// textJSON is a 220×140 text layer at (10, 10) with more fields.
func textJSON(s, font string, size int, extra string) string {
	return fmt.Sprintf(`{"index":1,"type":"text","text":%q,"font_name":%q,"font_size_in_px":%d,"text_color":"#111111","position":{"x":10,"y":10},"dimensions":{"width":220,"height":140}%s}`, s, font, size, extra)
}

// textHTML is the same box as a page: font, size, normal line height,
// more CSS, the content (HTML) inside.
func textHTML(content, font string, size int, css string) string {
	return fmt.Sprintf(`<div class="a" style="left:10px;top:10px;width:220px;height:140px;font-family:%s;font-size:%dpx;line-height:normal;color:#111111;overflow:hidden;%s">%s</div>`, font, size, css, content)
}

// textCases are scripts and alignment at the font's own settings.
func textCases() []fcase {
	text := func(s, font string, size int, align string) string {
		return textJSON(s, font, size, fmt.Sprintf(`,"text_align":%q`, align))
	}
	page := func(s, font string, size int, align, dir string) string {
		return textHTML(s, font, size, fmt.Sprintf("text-align:%s;direction:%s", align, dir))
	}
	return []fcase{
		{name: "text-latin-wrapped", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("Strata draws cards that match the browser", "Inter", 24, "left")),
			html:   page("Strata draws cards that match the browser", "Inter", 24, "left", "ltr")},
		{name: "text-latin-center", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("Centred lines of text", "Inter", 28, "center")),
			html:   page("Centred lines of text", "Inter", 28, "center", "ltr")},
		{name: "text-hebrew", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("שלום עולם, זה טקסט בעברית", "Heebo", 26, "right")),
			html:   page("שלום עולם, זה טקסט בעברית", "Heebo", 26, "right", "rtl")},
		{name: "text-cjk", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("你好，世界。排版测试", "NotoSansSC", 26, "left")),
			html:   page("你好，世界。排版测试", "NotoSansSC", 26, "left", "ltr")},
		{name: "text-arabic", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("مرحبا بالعالم", "NotoSansArabic", 26, "right")),
			html:   page("مرحبا بالعالم", "NotoSansArabic", 26, "right", "rtl")},
		{name: "text-bidi", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("Order 123 שלום", "Heebo", 26, "left")),
			html:   page("Order 123 שלום", "Heebo", 26, "left", "ltr")},
		{name: "text-devanagari", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("नमस्ते दुनिया", "Mukta", 26, "left")),
			html:   page("नमस्ते दुनिया", "Mukta", 26, "left", "ltr")},
		{name: "text-bengali", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("আমার সোনার বাংলা", "HindSiliguri", 24, "left")),
			html:   page("আমার সোনার বাংলা", "HindSiliguri", 24, "left", "ltr")},
		{name: "text-thai", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("สวัสดีชาวโลก", "Kanit", 26, "left")),
			html:   page("สวัสดีชาวโลก", "Kanit", 26, "left", "ltr")},
		{name: "text-emoji", how: boxes, w: 240, h: 160,
			layers: layers(textBG, text("Launch 🚀 day 🎉", "Inter", 26, "left")),
			html:   textHTML("Launch 🚀 day 🎉", "Inter,NotoColorEmoji", 26, "")},
	}
}

// typographyCases are the text fields against their CSS properties.
func typographyCases() []fcase {
	const long = "Strata draws cards that match the browser, line after line"
	one := func(name, s, font string, size int, fields, content, css string) fcase {
		return fcase{name: name, how: boxes, w: 240, h: 160,
			layers: layers(textBG, textJSON(s, font, size, fields)),
			html:   textHTML(content, font, size, css)}
	}
	return []fcase{
		one("text-line-height", long, "Inter", 20, `,"line_height":1.6`, long, "line-height:1.6"),
		one("text-line-height-tight", long, "Inter", 22, `,"line_height":0.95`, long, "line-height:0.95"),
		one("text-letter-spacing", "Spaced out", "Inter", 28, `,"letter_spacing_in_px":4,"text_align":"center"`, "Spaced out", "letter-spacing:4px;text-align:center"),
		one("text-letter-spacing-negative", "Tight headline type", "Inter", 26, `,"letter_spacing_in_px":-1.5`, "Tight headline type", "letter-spacing:-1.5px"),
		one("text-max-lines-ellipsis", long, "Inter", 22, `,"max_lines":2`,
			`<div style="display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden">`+long+`</div>`, ""),
		{name: "text-max-lines-rtl", how: boxes, w: 240, h: 160,
			// Right to left the ellipsis ends the line at its left.
			layers: layers(textBG, textJSON("שלום עולם, זה טקסט ארוך בעברית שנחתך אחרי שתי שורות בלבד", "Heebo", 24, `,"max_lines":2,"text_align":"right"`)),
			html: textHTML(`<div style="display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden">שלום עולם, זה טקסט ארוך בעברית שנחתך אחרי שתי שורות בלבד</div>`,
				"Heebo", 24, "direction:rtl;text-align:right")},
		one("text-max-lines-clip", long, "Inter", 22, `,"max_lines":2,"text_overflow":"clip","line_height":1.25`, long,
			"line-height:1.25;height:55px"),
		one("text-uppercase", "hello world", "Inter", 28, `,"text_transform":"uppercase"`, "hello world", "text-transform:uppercase"),
		one("text-capitalize", "the quick brown fox", "Inter", 26, `,"text_transform":"capitalize"`, "the quick brown fox", "text-transform:capitalize"),
		// Turkish upper case dots the i (İ): ink above the cap height.
		one("text-uppercase-turkish", "istanbul için", "Inter", 26, `,"text_transform":"uppercase","lang":"tr"`,
			`<span lang="tr">istanbul için</span>`, "text-transform:uppercase"),
		one("text-underline", "Read the docs", "Inter", 28, `,"text_decoration":"underline"`, "Read the docs",
			"text-decoration:underline;text-decoration-skip-ink:none;text-underline-position:from-font;text-decoration-thickness:from-font"),
		one("text-line-through", "Was 49 now 29", "Inter", 28, `,"text_decoration":"line-through"`, "Was 49 now 29",
			"text-decoration:line-through;text-decoration-thickness:from-font"),
		one("text-strike-markdown", "Price ~~99~~ 79", "Inter", 28, ``, "Price <s>99</s> 79",
			"text-decoration-thickness:from-font"),
		one("text-stroke", "Outline", "Inter", 44, `,"text_stroke":{"width_in_px":4,"hex_color":"#DC2626"}`, "Outline",
			"-webkit-text-stroke:4px #DC2626;paint-order:normal"),
		one("text-shadow-hard", "Shadow", "Inter", 40, `,"text_shadows":[{"x_in_px":5,"y_in_px":6,"hex_color":"#1D4ED8"}]`, "Shadow",
			"text-shadow:5px 6px 0 #1D4ED8"),
		one("text-features-tnum", "1111 7171", "Inter", 30, `,"font_features":{"tnum":1}`, "1111 7171",
			`font-feature-settings:'tnum' 1`),
		// font_variations has no case: the one bundled variable font,
		// RobotoFlex-Variable.ttf, is refused by Chromium's font sanitizer
		// (OTS: "glyf: Bad glyph flag (65), bit 6 must be set to zero"),
		// so the page cannot use it; TestFontFeaturesAndVariations in
		// pkg/typeset holds it to HarfBuzz's advances instead.
		//
		// lang zh-Hant draws Han from the Traditional Chinese face, as a
		// page listing that face after the Latin one does.
		one("text-lang-hant", "Hello 骨頭 體驗", "Inter", 28, `,"lang":"zh-Hant"`, `<span lang="zh-Hant">Hello 骨頭 體驗</span>`,
			"font-family:Inter,NotoSansTC"),
		{name: "text-shadow-blur", w: 240, h: 160,
			layers: layers(textBG, strings.Replace(textJSON("Glow", "Inter", 64, `,"font_weight":"bold","text_shadows":[{"blur_in_px":12,"hex_color":"#7C3AED"}]`), "#111111", "#FFFFFF", 1)),
			html:   textHTML("Glow", "Inter", 64, "font-weight:700;color:#FFFFFF;text-shadow:0 0 12px #7C3AED")},
	}
}

// typographyControls are deliberately wrong pages for the typography
// cases; each must fail.
func typographyControls() []fcase {
	return []fcase{
		{name: "control-letter-spacing", control: true, how: boxes, w: 240, h: 160,
			// 1 px more per letter than asked.
			layers: layers(textBG, textJSON("Spaced out", "Inter", 28, `,"letter_spacing_in_px":4`)),
			html:   textHTML("Spaced out", "Inter", 28, "letter-spacing:5px")},
		{name: "control-max-lines", control: true, how: boxes, w: 240, h: 160,
			// Three lines kept instead of two.
			layers: layers(textBG, textJSON("Strata draws cards that match the browser, line after line", "Inter", 22, `,"max_lines":2`)),
			html: textHTML(`<div style="display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;overflow:hidden">Strata draws cards that match the browser, line after line</div>`,
				"Inter", 22, "")},
	}
}
