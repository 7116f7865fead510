package fidelity

import "fmt"

// textMetricCases hold Strata's line boxes, spaces, CJK punctuation and
// presentation selectors to Chromium's (docs/TEXT.md, "Line metrics").
// Paragraphs are in capitals so that lines don't touch and each line is
// its own ink band.
func textMetricCases() []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}`
	const short = "EVERY LINE OF THIS PARAGRAPH SITS WHERE THE BROWSER PUTS IT, LINE AFTER LINE"
	const thai = "ไก่ ไข่ ไก่ ไข่ ไก่ ไข่ ไก่ ไข่ ไก่ ไข่ ไก่ ไข่ ไก่ ไข่ ไก่ ไข่ ไก่ ไข่"
	const cjk = "「你好。」「世界」，《排版》。「测试」。"
	const para = "EVERY LINE OF THIS PARAGRAPH SITS WHERE THE BROWSER PUTS IT, LINE AFTER LINE, DOWN TO THE LAST ONE AT THE BOTTOM OF THE BOX"
	text := func(s, font string, size int, valign, extra string) string {
		return fmt.Sprintf(`{"index":1,"type":"text","text":%q,"font_name":%q,"font_size_in_px":%d,"text_color":"#111111","vertical_align":%q,"position":{"x":10,"y":10},"dimensions":{"width":220,"height":280}%s}`,
			s, font, size, valign, extra)
	}
	// page is the same box; bottom alignment is a flex column packed at
	// its end.
	page := func(s, font string, size int, valign, css string) string {
		just := map[string]string{"top": "flex-start", "center": "center", "bottom": "flex-end"}[valign]
		return fmt.Sprintf(`<div class="a" style="left:10px;top:10px;width:220px;height:280px;display:flex;flex-direction:column;justify-content:%s;font-family:%s;font-size:%dpx;line-height:normal;color:#111111;overflow:hidden%s"><div>%s</div></div>`,
			just, font, size, css, s)
	}
	return []fcase{
		// Inter 18 px: ascent 17.44 and descent 4.36 px round to 17 + 4.
		{name: "text-line-height-inter", how: boxes, w: 240, h: 300,
			layers: layers(bg, text(para, "Inter", 18, "top", "")),
			html:   page(para, "Inter", 18, "top", "")},
		{name: "text-line-height-bottom", how: boxes, w: 240, h: 300,
			layers: layers(bg, text(para, "Inter", 18, "bottom", "")),
			html:   page(para, "Inter", 18, "bottom", "")},
		// Poppins 25 px has a line gap: 2.5 px rounds to 3, 1 above and 2
		// below.
		{name: "text-line-height-gap", how: boxes, w: 240, h: 300,
			layers: layers(bg, text(short, "Poppins", 25, "top", "")),
			html:   page(short, "Poppins", 25, "top", "")},
		// Spaces between Thai words (Kanit, the Thai fallback) are Inter's
		// spaces, as in the browser's fallback: 0.28 em, not Kanit's 0.23.
		{name: "text-space-in-primary-face", how: boxes, w: 240, h: 300,
			layers: layers(bg, text(thai, "Inter", 24, "top", "")),
			html:   page(thai, "Inter,Kanit", 24, "top", "")},
		// Adjacent fullwidth punctuation trimmed (text-spacing-trim).
		{name: "text-cjk-punctuation-trim", how: boxes, w: 240, h: 300,
			layers: layers(bg, text(cjk, "NotoSansSC", 28, "top", "")),
			html:   page(cjk, "NotoSansSC", 28, "top", "")},
		// U+FE0E: the text glyph (Noto Sans Symbols), U+FE0F: the emoji.
		{name: "text-presentation-selectors", how: boxes, w: 240, h: 300,
			layers: layers(bg, text("☺\uFE0E ☺\uFE0F ☺\uFE0E", "Inter", 40, "top", "")),
			html:   page("☺&#xFE0E; ☺&#xFE0F; ☺&#xFE0E;", "Inter,NotoSansSymbols,NotoColorEmoji", 40, "top", "")},
		// Control: the unrounded natural line height (Strata before #18).
		{name: "control-line-height-unrounded", control: true, how: boxes, w: 240, h: 300,
			layers: layers(bg, text(para, "Inter", 18, "top", "")),
			html:   page(para, "Inter", 18, "top", ";line-height:21.7969px")},
	}
}
