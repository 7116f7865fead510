package fidelity

import (
	"fmt"
	"math"
	"strings"
)

// This file holds the shape cases that came from pkg/render's former
// browser parity test (angled edges on every side, clamped corner radii,
// layer order), now judged here with the rest.

// edgeCut is one angled edge: which side, and its angle in degrees
// (clockwise, about the side's midpoint).
type edgeCut struct {
	side  string
	angle float64
}

// clipPath is the CSS clip-path polygon of a w×h box cut by angled edges,
// worked out independently of Strata's code: each edge is the line
// through its side's midpoint turned by the angle, keeping the part of the
// box on the centre's side.
func clipPath(w, h float64, cuts ...edgeCut) string {
	type pt struct{ x, y float64 }
	poly := []pt{{0, 0}, {w, 0}, {w, h}, {0, h}}
	for _, c := range cuts {
		mid := map[string]pt{"top": {w / 2, 0}, "bottom": {w / 2, h}, "left": {0, h / 2}, "right": {w, h / 2}}[c.side]
		dir := pt{1, 0}
		if c.side == "left" || c.side == "right" {
			dir = pt{0, 1}
		}
		s, co := math.Sincos(c.angle * math.Pi / 180)
		dir = pt{dir.x*co - dir.y*s, dir.x*s + dir.y*co}
		side := func(p pt) float64 { return dir.x*(p.y-mid.y) - dir.y*(p.x-mid.x) }
		keep := side(pt{w / 2, h / 2})
		var out []pt
		for i, p := range poly {
			q := poly[(i+1)%len(poly)]
			a, b := side(p)*keep, side(q)*keep
			if a >= 0 {
				out = append(out, p)
			}
			if (a >= 0) != (b >= 0) {
				t := a / (a - b)
				out = append(out, pt{p.x + (q.x-p.x)*t, p.y + (q.y-p.y)*t})
			}
		}
		poly = out
	}
	var b strings.Builder
	for i, p := range poly {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%.4fpx %.4fpx", p.x, p.y)
	}
	return "clip-path:polygon(" + b.String() + ")"
}

func moreShapeCases() []fcase {
	const bg = `{"index":0,"type":"solid-color","hex_color":"#F4F1EA"}`
	bgHTML := div(0, 0, 240, 160, "background:#F4F1EA")
	angled := func(name string, extra string, css string, cuts ...edgeCut) fcase {
		var edges []string
		for _, c := range cuts {
			edges = append(edges, fmt.Sprintf(`{"edge":%q,"angle_in_degrees":%g}`, c.side, c.angle))
		}
		return fcase{name: name, w: 240, h: 160,
			layers: layers(bg, solidJSON(1, 20, 20, 200, 120, "#6A4C93", `,"angled_edges":[`+strings.Join(edges, ",")+`]`+extra)),
			html:   bgHTML + div(20, 20, 200, 120, "background:#6A4C93;"+clipPath(200, 120, cuts...)+css)}
	}
	return []fcase{
		angled("angled-left", "", "", edgeCut{"left", 20}),
		angled("angled-top", "", "", edgeCut{"top", 10}),
		angled("angled-bottom", "", "", edgeCut{"bottom", -12}),
		angled("angled-combined", "", "", edgeCut{"left", -30}, edgeCut{"right", 30}, edgeCut{"top", 8}, edgeCut{"bottom", 8}),
		angled("angled-with-radius", `,"border_radius":16`, ";border-radius:16px", edgeCut{"right", 20}),
		{name: "radius-clamped-per-corner", w: 240, h: 160,
			// Radii summing past a side shrink together (CSS Backgrounds 3 §5.5).
			layers: layers(bg, solidJSON(1, 20, 20, 200, 120, "#E76F51", `,"border_top_left_radius":150,"border_top_right_radius":100,"border_bottom_right_radius":20,"border_bottom_left_radius":90`)),
			html:   bgHTML + div(20, 20, 200, 120, "background:#E76F51;border-radius:150px 100px 20px 90px")},
		{name: "layer-order", w: 240, h: 160,
			// Drawn by index, equal indexes in request order.
			layers: layers(bg, solidJSON(3, 110, 50, 100, 80, "#1D3557", ""), solidJSON(1, 30, 20, 100, 80, "#E63946", ""),
				solidJSON(2, 70, 35, 100, 80, "#F4A261", ""), solidJSON(2, 90, 70, 100, 60, "#2A9D8F", "")),
			html: bgHTML + div(30, 20, 100, 80, "background:#E63946") + div(70, 35, 100, 80, "background:#F4A261") +
				div(90, 70, 100, 60, "background:#2A9D8F") + div(110, 50, 100, 80, "background:#1D3557")},
	}
}
