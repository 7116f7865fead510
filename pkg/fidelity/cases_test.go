package fidelity

import (
	"fmt"
	"math"
	"strings"
)

// div is an absolutely positioned border-box at (x, y) of w×h with more CSS.
func div(x, y, w, h float64, css string) string {
	return fmt.Sprintf(`<div class="a" style="left:%gpx;top:%gpx;width:%gpx;height:%gpx;%s"></div>`, x, y, w, h, css)
}

// solidJSON is a solid-color layer at (x, y) of w×h with extra fields.
func solidJSON(index int, x, y, w, h int, hex, extra string) string {
	return fmt.Sprintf(`{"index":%d,"type":"solid-color","hex_color":%q,"position":{"x":%d,"y":%d},"dimensions":{"width":%d,"height":%d}%s}`,
		index, hex, x, y, w, h, extra)
}

// layers joins layer objects into a JSON array.
func layers(ls ...string) string { return "[" + strings.Join(ls, ",") + "]" }

// allCases is the suite: today's shapes, gradients and layouts, then the
// layer effects, then text.
func allCases(photos map[string]string) []fcase {
	var cs []fcase
	cs = append(cs, shapeCases()...)
	cs = append(cs, moreShapeCases()...)
	cs = append(cs, gradientCases()...)
	cs = append(cs, layoutCases()...)
	cs = append(cs, effectCases()...)
	cs = append(cs, imageCases(photos)...)
	cs = append(cs, backdropCases()...)
	cs = append(cs, textCases()...)
	cs = append(cs, textMetricCases()...)
	cs = append(cs, typographyCases()...)
	cs = append(cs, controlCases()...)
	cs = append(cs, typographyControls()...)
	return cs
}

// controlCases are deliberately wrong pages, each the mistake an
// implementation could make; every one must fail its measure.
func controlCases() []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}`
	two := `[{"hex_color":"#1E3A8A","position":0},{"hex_color":"#F472B6","position":100}]`
	return []fcase{
		{name: "control-linear-css-angle", control: true, w: 240, h: 160,
			// CSS's 0deg (bottom→top) taken for Strata's 0 (left→right).
			layers: layers(bg, gradientJSON("linear", 0, two, "")),
			html:   div(gx, gy, gw, gh, "background:linear-gradient(0deg,#1E3A8A 0%,#F472B6 100%)")},
		{name: "control-radial-ellipse", control: true, w: 240, h: 160,
			// CSS's default ellipse instead of the spec's circle.
			layers: layers(bg, gradientJSON("radial", 0, `[{"hex_color":"#000000","position":0},{"hex_color":"#FFFFFF","position":100}]`, "")),
			html:   div(gx, gy, gw, gh, "background:radial-gradient(#000000 0%,#FFFFFF 100%)")},
		{name: "control-layout-gap", control: true, how: boxes, w: 240, h: 160,
			// A gap 2 px wider in the browser.
			layers: layers(bg, `{"index":1,"type":"layout","position":{"x":10,"y":10},"gap":12,"layers":[`+child(40, 30, "#1D4ED8")+","+child(60, 50, "#B91C1C")+`]}`),
			html:   flex(10, 10, "gap:14px;align-items:flex-start", flexChild(40, 30, "#1D4ED8"), flexChild(60, 50, "#B91C1C"))},
		{name: "control-rotation-sense", control: true, w: 240, h: 160,
			// Counter-clockwise instead of clockwise.
			layers: layers(bg, solidJSON(1, 50, 40, 140, 80, "#1D4ED8", `,"rotation_in_degrees":30`)),
			html:   div(50, 40, 140, 80, "background:#1D4ED8;transform:rotate(-30deg)")},
	}
}

func shapeCases() []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#F1F5F9"}`
	bgHTML := div(0, 0, 240, 160, "background:#F1F5F9")
	return []fcase{
		{name: "solid", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 30, 200, 100, "#2563EB", "")),
			html:   bgHTML + div(20, 30, 200, 100, "background:#2563EB")},
		{name: "solid-translucent", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 20, 140, 100, "#DC262680", ""), solidJSON(2, 80, 40, 140, 100, "#2563EB80", "")),
			html:   bgHTML + div(20, 20, 140, 100, "background:rgba(220,38,38,0.502)") + div(80, 40, 140, 100, "background:rgba(37,99,235,0.502)")},
		{name: "radius-uniform", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 20, 200, 120, "#0F172A", `,"border_radius":24`)),
			html:   bgHTML + div(20, 20, 200, 120, "background:#0F172A;border-radius:24px")},
		{name: "radius-corners", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 20, 200, 120, "#7C3AED", `,"border_top_left_radius":60,"border_top_right_radius":8,"border_bottom_right_radius":30,"border_bottom_left_radius":0`)),
			html:   bgHTML + div(20, 20, 200, 120, "background:#7C3AED;border-radius:60px 8px 30px 0")},
		{name: "radius-pill-clamped", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 50, 200, 60, "#059669", `,"border_radius":500`)),
			html:   bgHTML + div(20, 50, 200, 60, "background:#059669;border-radius:500px")},
		{name: "radius-circle", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 60, 20, 120, 120, "#EA580C", `,"border_radius":60`)),
			html:   bgHTML + div(60, 20, 120, 120, "background:#EA580C;border-radius:60px")},
		{name: "opacity", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 20, 140, 100, "#111827", ""), solidJSON(2, 80, 40, 140, 100, "#F59E0B", `,"opacity":45`)),
			html:   bgHTML + div(20, 20, 140, 100, "background:#111827") + div(80, 40, 140, 100, "background:#F59E0B;opacity:0.45")},
		{name: "opacity-rounded", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 40, 30, 160, 100, "#BE185D", `,"opacity":70,"border_radius":30`)),
			html:   bgHTML + div(40, 30, 160, 100, "background:#BE185D;opacity:0.7;border-radius:30px")},
		{name: "rotation-30", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 50, 40, 140, 80, "#1D4ED8", `,"rotation_in_degrees":30`)),
			html:   bgHTML + div(50, 40, 140, 80, "background:#1D4ED8;transform:rotate(30deg)")},
		{name: "rotation-90", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 50, 40, 140, 80, "#1D4ED8", `,"rotation_in_degrees":90`)),
			html:   bgHTML + div(50, 40, 140, 80, "background:#1D4ED8;transform:rotate(90deg)")},
		{name: "rotation-rounded", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 50, 40, 140, 80, "#16A34A", `,"rotation_in_degrees":-20,"border_radius":20,"opacity":80`)),
			html:   bgHTML + div(50, 40, 140, 80, "background:#16A34A;transform:rotate(-20deg);border-radius:20px;opacity:0.8")},
		{name: "angled-edge", w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 20, 200, 120, "#0E7490", `,"angled_edges":[{"edge":"right","angle_in_degrees":15}]`)),
			html: bgHTML + div(20, 20, 200, 120, fmt.Sprintf("background:#0E7490;clip-path:polygon(0 0,200px 0,200px 60px,%.4fpx 120px,0 120px)",
				200-60*math.Tan(15*math.Pi/180)))},
	}
}

// gradientBox is where the gradient cases draw: a non-square box, so the
// CSS gradient-line length (|w·cos θ| + |h·sin θ|) is exercised.
const gx, gy, gw, gh = 20, 20, 200, 120

func gradientJSON(kind string, angle float64, stops, extra string) string {
	a := ""
	if kind == "linear" {
		a = fmt.Sprintf(`,"angle_in_degrees":%g`, angle)
	}
	return fmt.Sprintf(`{"index":1,"type":"gradient","gradient_type":%q%s,"colors":%s,"position":{"x":%d,"y":%d},"dimensions":{"width":%d,"height":%d}%s}`,
		kind, a, stops, gx, gy, gw, gh, extra)
}

func gradientCases() []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}`
	two := `[{"hex_color":"#1E3A8A","position":0},{"hex_color":"#F472B6","position":100}]`
	twoCSS := "#1E3A8A 0%,#F472B6 100%"
	var cs []fcase
	for _, a := range []float64{0, 30, 45, 90, 135, 180, 225, 270, 315, -60} {
		cs = append(cs, fcase{name: fmt.Sprintf("linear-%g", a), w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", a, two, "")),
			// Strata's 0 runs left→right; CSS's 0deg runs bottom→top.
			html: div(gx, gy, gw, gh, fmt.Sprintf("background:linear-gradient(%gdeg,%s)", a+90, twoCSS))})
	}
	cs = append(cs,
		fcase{name: "linear-stops", w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", 20, `[{"hex_color":"#F59E0B","position":10},{"hex_color":"#EF4444","position":40},{"hex_color":"#8B5CF6","position":75},{"hex_color":"#0EA5E9","position":90}]`, "")),
			html:   div(gx, gy, gw, gh, "background:linear-gradient(110deg,#F59E0B 10%,#EF4444 40%,#8B5CF6 75%,#0EA5E9 90%)")},
		fcase{name: "linear-hard-edge", w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", 0, `[{"hex_color":"#111827","position":0},{"hex_color":"#111827","position":50},{"hex_color":"#FBBF24","position":50},{"hex_color":"#FBBF24","position":100}]`, "")),
			html:   div(gx, gy, gw, gh, "background:linear-gradient(90deg,#111827 0%,#111827 50%,#FBBF24 50%,#FBBF24 100%)")},
		fcase{name: "linear-transparent-stop", w: 240, h: 160,
			layers: layers(`{"index":0,"type":"solid-color","hex_color":"#0F766E"}`,
				gradientJSON("linear", 90, `[{"hex_color":"#FF0000FF","position":0},{"hex_color":"#0000FF00","position":100}]`, "")),
			html: div(0, 0, 240, 160, "background:#0F766E") + div(gx, gy, gw, gh, "background:linear-gradient(180deg,rgba(255,0,0,1) 0%,rgba(0,0,255,0) 100%)")},
		fcase{name: "linear-rounded-opacity", w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", 45, two, `,"border_radius":32,"opacity":60`)),
			html:   div(gx, gy, gw, gh, "background:linear-gradient(135deg,"+twoCSS+");border-radius:32px;opacity:0.6")},
		fcase{name: "linear-rotated", w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", 0, two, `,"rotation_in_degrees":15`)),
			html:   div(gx, gy, gw, gh, "background:linear-gradient(90deg,"+twoCSS+");transform:rotate(15deg)")},
		fcase{name: "radial", w: 240, h: 160,
			layers: layers(bg, gradientJSON("radial", 0, `[{"hex_color":"#FDE68A","position":0},{"hex_color":"#B45309","position":100}]`, "")),
			html:   div(gx, gy, gw, gh, "background:radial-gradient(circle farthest-corner at center,#FDE68A 0%,#B45309 100%)")},
		fcase{name: "radial-stops", w: 240, h: 160,
			layers: layers(bg, gradientJSON("radial", 0, `[{"hex_color":"#FFFFFF","position":0},{"hex_color":"#22D3EE","position":30},{"hex_color":"#1E40AF","position":70}]`, `,"border_radius":20`)),
			html:   div(gx, gy, gw, gh, "background:radial-gradient(circle farthest-corner at center,#FFFFFF 0%,#22D3EE 30%,#1E40AF 70%);border-radius:20px")},
		fcase{name: "radial-transparent", w: 240, h: 160,
			layers: layers(`{"index":0,"type":"solid-color","hex_color":"#312E81"}`,
				gradientJSON("radial", 0, `[{"hex_color":"#F9A8D4FF","position":0},{"hex_color":"#F9A8D400","position":60}]`, "")),
			html: div(0, 0, 240, 160, "background:#312E81") + div(gx, gy, gw, gh, "background:radial-gradient(circle farthest-corner at center,rgba(249,168,212,1) 0%,rgba(249,168,212,0) 60%)")},
	)
	return cs
}

// child is a solid-color layout child of w×h.
func child(w, h int, hex string) string {
	return fmt.Sprintf(`{"type":"solid-color","hex_color":%q,"dimensions":{"width":%d,"height":%d}}`, hex, w, h)
}

// flexChild is the CSS of a flex item of w×h.
func flexChild(w, h int, hex string) string {
	return fmt.Sprintf(`<div style="flex:none;width:%dpx;height:%dpx;background:%s"></div>`, w, h, hex)
}

// flex is a flex container at (x, y) with more CSS around items.
func flex(x, y int, css string, items ...string) string {
	return fmt.Sprintf(`<div class="a" style="left:%dpx;top:%dpx;display:flex;%s">%s</div>`, x, y, css, strings.Join(items, ""))
}

func layoutCases() []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#FFFFFF"}`
	row := []string{child(40, 30, "#1D4ED8"), child(60, 50, "#B91C1C"), child(30, 70, "#047857")}
	rowCSS := []string{flexChild(40, 30, "#1D4ED8"), flexChild(60, 50, "#B91C1C"), flexChild(30, 70, "#047857")}
	layout := func(fields string, kids []string) string {
		return fmt.Sprintf(`{"index":1,"type":"layout","position":{"x":10,"y":10}%s,"layers":[%s]}`, fields, strings.Join(kids, ","))
	}
	return []fcase{
		{name: "layout-row-auto", how: pixels | boxes, w: 240, h: 160,
			layers: layers(bg, layout(`,"gap":12,"padding":10,"background_color":"#E5E7EB"`, row)),
			html:   flex(10, 10, "gap:12px;padding:10px;background:#E5E7EB;align-items:flex-start", rowCSS...)},
		{name: "layout-row-center", how: pixels | boxes, w: 240, h: 160,
			layers: layers(bg, layout(`,"dimensions":{"width":220,"height":140},"gap":8,"horizontal_alignment":"center","vertical_alignment":"center","background_color":"#FEF3C7"`, row)),
			html:   flex(10, 10, "width:220px;height:140px;box-sizing:border-box;gap:8px;justify-content:center;align-items:center;background:#FEF3C7", rowCSS...)},
		{name: "layout-row-end", how: pixels | boxes, w: 240, h: 160,
			layers: layers(bg, layout(`,"dimensions":{"width":220,"height":140},"gap":5,"horizontal_alignment":"end","vertical_alignment":"end","padding_right":12,"padding_bottom":6`, row)),
			html:   flex(10, 10, "width:220px;height:140px;box-sizing:border-box;gap:5px;justify-content:flex-end;align-items:flex-end;padding:0 12px 6px 0", rowCSS...)},
		{name: "layout-column", how: pixels | boxes, w: 240, h: 160,
			layers: layers(bg, layout(`,"direction":"vertical","gap":6,"padding":8,"horizontal_alignment":"center","background_color":"#DBEAFE"`,
				[]string{child(80, 20, "#1E3A8A"), child(120, 30, "#9D174D"), child(50, 40, "#065F46")})),
			html: flex(10, 10, "flex-direction:column;gap:6px;padding:8px;align-items:center;background:#DBEAFE",
				flexChild(80, 20, "#1E3A8A"), flexChild(120, 30, "#9D174D"), flexChild(50, 40, "#065F46"))},
		{name: "layout-nested", how: pixels | boxes, w: 240, h: 160,
			layers: layers(bg, layout(`,"gap":10,"padding":6,"background_color":"#F3F4F6","border_radius":12`, []string{
				child(50, 50, "#7C2D12"),
				`{"type":"layout","direction":"vertical","gap":4,"padding":4,"background_color":"#FDE68A","layers":[` + child(70, 20, "#1E40AF") + "," + child(40, 30, "#166534") + `]}`,
				child(30, 90, "#581C87"),
			})),
			html: flex(10, 10, "gap:10px;padding:6px;background:#F3F4F6;border-radius:12px;align-items:flex-start",
				flexChild(50, 50, "#7C2D12"),
				`<div style="flex:none;display:flex;flex-direction:column;gap:4px;padding:4px;background:#FDE68A;align-items:flex-start">`+flexChild(70, 20, "#1E40AF")+flexChild(40, 30, "#166534")+`</div>`,
				flexChild(30, 90, "#581C87"))},
	}
}

// effectCases are the layer effects against their CSS definitions.
func effectCases() []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#F8FAFC"}`
	bgHTML := div(0, 0, 240, 160, "background:#F8FAFC")
	card := func(extra string) string { return solidJSON(1, 50, 40, 140, 80, "#2563EB", extra) }
	cardHTML := func(css string) string { return div(50, 40, 140, 80, "background:#2563EB;"+css) }
	cs := []fcase{
		{name: "shadow", w: 240, h: 160,
			layers: layers(bg, card(`,"border_radius":16,"shadows":[{"x_in_px":6,"y_in_px":10,"blur_in_px":20,"hex_color":"#0F172A80"}]`)),
			html:   bgHTML + cardHTML("border-radius:16px;box-shadow:6px 10px 20px 0 rgba(15,23,42,0.502)")},
		{name: "shadow-spread-sharp", w: 240, h: 160,
			layers: layers(bg, card(`,"border_radius":10,"shadows":[{"x_in_px":-8,"y_in_px":6,"spread_in_px":6,"hex_color":"#DC2626"}]`)),
			html:   bgHTML + cardHTML("border-radius:10px;box-shadow:-8px 6px 0 6px #DC2626")},
		{name: "shadow-multiple", w: 240, h: 160,
			layers: layers(bg, card(`,"border_radius":20,"shadows":[{"y_in_px":2,"blur_in_px":4,"hex_color":"#00000040"},{"y_in_px":16,"blur_in_px":32,"spread_in_px":-4,"hex_color":"#7C3AED99"}]`)),
			html:   bgHTML + cardHTML("border-radius:20px;box-shadow:0 2px 4px 0 rgba(0,0,0,0.251),0 16px 32px -4px rgba(124,58,237,0.6)")},
		{name: "shadow-under-translucent", w: 240, h: 160,
			// An outer shadow is cut away under the box: it never shows through.
			layers: layers(bg, solidJSON(1, 50, 40, 140, 80, "#2563EB55", `,"shadows":[{"x_in_px":20,"y_in_px":20,"blur_in_px":10,"hex_color":"#000000"}]`)),
			html:   bgHTML + div(50, 40, 140, 80, "background:rgba(37,99,235,0.333);box-shadow:20px 20px 10px #000")},
		{name: "shadow-rotated-opacity", w: 240, h: 160,
			layers: layers(bg, card(`,"border_radius":12,"rotation_in_degrees":12,"opacity":80,"shadows":[{"x_in_px":4,"y_in_px":8,"blur_in_px":12,"hex_color":"#000000AA"}]`)),
			html:   bgHTML + cardHTML("border-radius:12px;transform:rotate(12deg);opacity:0.8;box-shadow:4px 8px 12px rgba(0,0,0,0.667)")},
		{name: "border", w: 240, h: 160,
			layers: layers(bg, card(`,"border":{"width_in_px":6,"hex_color":"#F59E0B"}`)),
			html:   bgHTML + cardHTML("border:6px solid #F59E0B")},
		{name: "border-rounded", w: 240, h: 160,
			layers: layers(bg, card(`,"border_radius":28,"border":{"width_in_px":10,"hex_color":"#FFFFFFCC"}`)),
			html:   bgHTML + cardHTML("border-radius:28px;border:10px solid rgba(255,255,255,0.8);background-clip:border-box")},
		{name: "border-gradient-shadow", w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", 0, `[{"hex_color":"#0EA5E9","position":0},{"hex_color":"#A855F7","position":100}]`,
				`,"border_radius":18,"border":{"width_in_px":3,"hex_color":"#0F172A"},"shadows":[{"y_in_px":8,"blur_in_px":16,"hex_color":"#0F172A66"}]`)),
			html: bgHTML + div(gx, gy, gw, gh, "background:linear-gradient(90deg,#0EA5E9 0%,#A855F7 100%) border-box;border-radius:18px;border:3px solid #0F172A;box-shadow:0 8px 16px rgba(15,23,42,0.4)")},
		{name: "blur", w: 240, h: 160,
			layers: layers(bg, card(`,"border_radius":16,"blur_in_px":6`)),
			html:   bgHTML + cardHTML("border-radius:16px;filter:blur(6px)")},
		{name: "blur-small", w: 240, h: 160,
			layers: layers(bg, card(`,"blur_in_px":2`)),
			html:   bgHTML + cardHTML("filter:blur(2px)")},
		{name: "mask-fade", w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", 0, `[{"hex_color":"#F97316","position":0},{"hex_color":"#DB2777","position":100}]`,
				`,"mask":{"angle_in_degrees":90,"colors":[{"hex_color":"#000000FF","position":30},{"hex_color":"#00000000","position":100}]}`)),
			html: bgHTML + div(gx, gy, gw, gh, "background:linear-gradient(90deg,#F97316 0%,#DB2777 100%);mask-image:linear-gradient(180deg,rgba(0,0,0,1) 30%,rgba(0,0,0,0) 100%)")},
	}
	// Filters on a colourful gradient (so every channel moves).
	rainbow := `[{"hex_color":"#EF4444","position":0},{"hex_color":"#EAB308","position":25},{"hex_color":"#22C55E","position":50},{"hex_color":"#3B82F6","position":75},{"hex_color":"#A855F7","position":100}]`
	rainbowCSS := "linear-gradient(90deg,#EF4444 0%,#EAB308 25%,#22C55E 50%,#3B82F6 75%,#A855F7 100%)"
	for _, f := range []struct{ name, json, css string }{
		{"grayscale", `"grayscale":1`, "grayscale(1)"},
		{"grayscale-half", `"grayscale":0.5`, "grayscale(0.5)"},
		{"sepia", `"sepia":0.8`, "sepia(0.8)"},
		{"brightness", `"brightness":1.4`, "brightness(1.4)"},
		{"contrast", `"contrast":1.6`, "contrast(1.6)"},
		{"saturate", `"saturate":2.5`, "saturate(2.5)"},
		{"invert", `"invert":1`, "invert(1)"},
		{"hue-rotate", `"hue_rotate_in_degrees":120`, "hue-rotate(120deg)"},
		{"combined", `"hue_rotate_in_degrees":-45,"contrast":1.2,"sepia":0.3,"brightness":0.9`, "sepia(0.3) brightness(0.9) contrast(1.2) hue-rotate(-45deg)"},
	} {
		cs = append(cs, fcase{name: "filter-" + f.name, w: 240, h: 160,
			layers: layers(bg, gradientJSON("linear", 0, rainbow, `,"filters":{`+f.json+`}`)),
			html:   bgHTML + div(gx, gy, gw, gh, "background:"+rainbowCSS+";filter:"+f.css)})
	}
	// Blend modes: a vertical gradient over a horizontal one.
	under := `{"index":0,"type":"gradient","gradient_type":"linear","angle_in_degrees":0,"colors":` + rainbow + `,"position":{"x":0,"y":0},"dimensions":{"width":240,"height":160}}`
	over := `[{"hex_color":"#FFFFFF","position":0},{"hex_color":"#808080","position":50},{"hex_color":"#0F172A","position":100}]`
	for _, mode := range []string{"multiply", "screen", "overlay", "darken", "lighten", "color-dodge", "color-burn",
		"hard-light", "soft-light", "difference", "exclusion", "hue", "saturation", "color", "luminosity"} {
		cs = append(cs, fcase{name: "blend-" + mode, w: 240, h: 160,
			layers: layers(under, fmt.Sprintf(`{"index":1,"type":"gradient","gradient_type":"linear","angle_in_degrees":90,"colors":%s,"position":{"x":30,"y":20},"dimensions":{"width":180,"height":120},"border_radius":24,"blend_mode":%q}`, over, mode)),
			html: div(0, 0, 240, 160, "background:"+rainbowCSS) +
				div(30, 20, 180, 120, "background:linear-gradient(180deg,#FFFFFF 0%,#808080 50%,#0F172A 100%);border-radius:24px;mix-blend-mode:"+mode)})
	}
	return cs
}

// imageCases are the image fits against CSS object-fit and
// object-position (served from the same files).
func imageCases(photos map[string]string) []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#F1F5F9"}`
	bgHTML := div(0, 0, 240, 160, "background:#F1F5F9")
	img := func(name string, x, y, w, h int, extra string) string {
		return fmt.Sprintf(`{"index":1,"type":"image","file":{"type":"base64","name":%q,"base64":%q},"position":{"x":%d,"y":%d},"dimensions":{"width":%d,"height":%d}%s}`,
			name, photos[name], x, y, w, h, extra)
	}
	tag := func(name string, x, y, w, h int, css string) string {
		return fmt.Sprintf(`<img class="a" src="/img/%s" style="left:%dpx;top:%dpx;width:%dpx;height:%dpx;%s">`, name, x, y, w, h, css)
	}
	// Photos are downscaled by libvips' Lanczos3 in Strata and by Skia's
	// mipmapped filter in Chromium, which is softer: the crop, letterbox
	// and placement are the same, the fine detail is not.
	const why = "photo downscaling: libvips Lanczos3 is sharper than Chromium's mipmapped filter"
	return []fcase{
		{name: "control-image-focal", control: true, w: 240, h: 160,
			// The crop at the opposite corner.
			layers: layers(bg, img("chelsea.png", 20, 20, 200, 80, `,"focal_point":{"x_in_percent":0,"y_in_percent":100}`)),
			html:   bgHTML + tag("chelsea.png", 20, 20, 200, 80, "object-fit:cover;object-position:100% 0%"), why: why, meanLimit: 4},
		{name: "control-image-contain-as-cover", control: true, w: 240, h: 160,
			layers: layers(bg, img("chelsea.png", 40, 10, 140, 140, `,"fit":"contain"`)),
			html:   bgHTML + tag("chelsea.png", 40, 10, 140, 140, "object-fit:cover"), why: why, meanLimit: 4},
		{name: "image-cover", w: 240, h: 160,
			layers: layers(bg, img("chelsea.png", 20, 20, 200, 100, "")),
			html:   bgHTML + tag("chelsea.png", 20, 20, 200, 100, "object-fit:cover"), why: why, meanLimit: 4},
		{name: "image-cover-focal", w: 240, h: 160,
			layers: layers(bg, img("chelsea.png", 20, 20, 200, 80, `,"focal_point":{"x_in_percent":0,"y_in_percent":100}`)),
			html:   bgHTML + tag("chelsea.png", 20, 20, 200, 80, "object-fit:cover;object-position:0% 100%"), why: why, meanLimit: 4},
		{name: "image-cover-focal-tall", w: 240, h: 160,
			layers: layers(bg, img("rocket.jpg", 60, 10, 100, 140, `,"focal_point":{"x_in_percent":25,"y_in_percent":50}`)),
			html:   bgHTML + tag("rocket.jpg", 60, 10, 100, 140, "object-fit:cover;object-position:25% 50%"), why: why, meanLimit: 4},
		{name: "image-contain", w: 240, h: 160,
			layers: layers(bg, img("chelsea.png", 40, 10, 140, 140, `,"fit":"contain"`)),
			html:   bgHTML + tag("chelsea.png", 40, 10, 140, 140, "object-fit:contain"), why: why, meanLimit: 4},
		// fit none draws the photo unscaled: no resampling, so no reason
		// to differ, and the default limit.
		{name: "image-none", w: 240, h: 160,
			layers: layers(bg, img("chelsea.png", 20, 20, 200, 120, `,"fit":"none"`)),
			html:   bgHTML + tag("chelsea.png", 20, 20, 200, 120, "object-fit:none")},
		{name: "image-none-focal", w: 240, h: 160,
			layers: layers(bg, img("chelsea.png", 30, 10, 180, 140, `,"fit":"none","focal_point":{"x_in_percent":20,"y_in_percent":80},"border_radius":24`)),
			html:   bgHTML + tag("chelsea.png", 30, 10, 180, 140, "object-fit:none;object-position:20% 80%;border-radius:24px")},
		{name: "image-none-jpeg", w: 240, h: 160,
			layers: layers(bg, img("rocket.jpg", 30, 10, 180, 140, `,"fit":"none"`)),
			html:   bgHTML + tag("rocket.jpg", 30, 10, 180, 140, "object-fit:none"),
			why:    "JPEG decoding: libvips (libjpeg-turbo) and Chromium decode the same JPEG to slightly different pixels; the unscaled PNG cases match exactly", meanLimit: 4},
		{name: "image-fill", w: 240, h: 160,
			layers: layers(bg, img("rocket.jpg", 20, 20, 200, 100, `,"fit":"fill","border_radius":16`)),
			html:   bgHTML + tag("rocket.jpg", 20, 20, 200, 100, "object-fit:fill;border-radius:16px"), why: why, meanLimit: 4},
	}
}

// backdropCases are frosted glass: a translucent card blurring what is
// behind it.
func backdropCases() []fcase {
	stripes := `{"index":0,"type":"gradient","gradient_type":"linear","angle_in_degrees":0,"colors":[{"hex_color":"#111827","position":0},{"hex_color":"#111827","position":25},{"hex_color":"#FBBF24","position":25},{"hex_color":"#FBBF24","position":50},{"hex_color":"#2563EB","position":50},{"hex_color":"#2563EB","position":75},{"hex_color":"#F1F5F9","position":75}],"position":{"x":0,"y":0},"dimensions":{"width":240,"height":160}}`
	stripesHTML := div(0, 0, 240, 160, "background:linear-gradient(90deg,#111827 0%,#111827 25%,#FBBF24 25%,#FBBF24 50%,#2563EB 50%,#2563EB 75%,#F1F5F9 75%)")
	return []fcase{
		{name: "backdrop-blur", w: 240, h: 160,
			layers: layers(stripes, solidJSON(1, 30, 30, 180, 100, "#FFFFFF40", `,"border_radius":20,"backdrop_blur_in_px":8`)),
			html:   stripesHTML + div(30, 30, 180, 100, "background:rgba(255,255,255,0.251);border-radius:20px;backdrop-filter:blur(8px)")},
		{name: "backdrop-blur-small", w: 240, h: 160,
			layers: layers(stripes, solidJSON(1, 30, 30, 180, 100, "#00000020", `,"backdrop_blur_in_px":3`)),
			html:   stripesHTML + div(30, 30, 180, 100, "background:rgba(0,0,0,0.125);backdrop-filter:blur(3px)")},
	}
}
