package render

import (
	"fmt"
	"image/color"
	"strconv"

	"github.com/strata-render/strata/pkg/schema"
)

// This file builds the requests of the golden tests, in Go (no JSON
// decoding); pkg/fidelity holds them against Chromium.

// hex parses #RRGGBB or #RRGGBBAA for test fixtures.
func hex(s string) color.NRGBA {
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		panic(err)
	}
	if len(s) == 7 {
		return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
	}
	return color.NRGBA{uint8(v >> 24), uint8(v >> 16), uint8(v >> 8), uint8(v)}
}

// layerOpt adjusts a test layer.
type layerOpt func(*schema.Layer)

func radius(r float64) layerOpt {
	return func(l *schema.Layer) {
		l.Radii = schema.Corners{TopLeft: r, TopRight: r, BottomRight: r, BottomLeft: r}
	}
}

func corners(tl, tr, br, bl float64) layerOpt {
	return func(l *schema.Layer) {
		l.Radii = schema.Corners{TopLeft: tl, TopRight: tr, BottomRight: br, BottomLeft: bl}
	}
}

func opacity(o float64) layerOpt  { return func(l *schema.Layer) { l.Opacity = o } }
func rotate(deg float64) layerOpt { return func(l *schema.Layer) { l.Rotation = deg } }

func edge(e schema.Edge, angle float64) layerOpt {
	return func(l *schema.Layer) {
		l.Solid.AngledEdges = append(l.Solid.AngledEdges, schema.AngledEdge{Edge: e, Angle: angle})
	}
}

func box(x, y float64, w, h int) layerOpt {
	return func(l *schema.Layer) {
		l.Position = &schema.Point{X: x, Y: y}
		l.Size = &schema.Size{Width: w, Height: h}
	}
}

// solid is a solid-color layer; without box it fills the canvas.
func solid(index int, c string, opts ...layerOpt) *schema.Layer {
	l := &schema.Layer{Index: index, HasIndex: true, Type: schema.TypeSolidColor, Opacity: 100,
		Solid: &schema.SolidColor{Color: hex(c)}}
	for _, o := range opts {
		o(l)
	}
	l.Path = fmt.Sprintf("layers[%d]", index)
	return l
}

// stops builds colour stops from alternating colour and position.
func stops(args ...any) []schema.ColorStop {
	var s []schema.ColorStop
	for i := 0; i+1 < len(args); i += 2 {
		s = append(s, schema.ColorStop{Color: hex(args[i].(string)), Position: float64(args[i+1].(int))})
	}
	return s
}

func linear(index int, angle float64, st []schema.ColorStop, opts ...layerOpt) *schema.Layer {
	l := &schema.Layer{Index: index, HasIndex: true, Type: schema.TypeGradient, Opacity: 100,
		Gradient: &schema.Gradient{Kind: schema.Linear, Angle: angle, Stops: st}}
	for _, o := range opts {
		o(l)
	}
	l.Path = fmt.Sprintf("layers[%d]", index)
	return l
}

func radial(index int, st []schema.ColorStop, opts ...layerOpt) *schema.Layer {
	l := linear(index, 0, st, opts...)
	l.Gradient.Kind = schema.Radial
	return l
}

func request(w, h int, layers ...*schema.Layer) *schema.Request {
	return &schema.Request{Width: w, Height: h, Layers: layers}
}

// renderCase is one design rendered by the golden tests.
type renderCase struct {
	name string
	req  *schema.Request
}

// renderCases are the feature designs. Canvases are small so the tests
// stay fast; each isolates one feature.
func renderCases() []renderCase {
	const w, h = 240, 160
	rg := stops("#FF3366", 0, "#3355FF", 100)
	bg := func() *schema.Layer { return solid(0, "#F4F1EA") }
	return []renderCase{
		{"solid-full-canvas", request(w, h, solid(0, "#2A9D8F"))},
		{"radius-uniform", request(w, h, bg(), solid(1, "#264653", box(20, 20, 200, 120), radius(24)))},
		{"radius-per-corner", request(w, h, bg(), solid(1, "#264653", box(20, 20, 200, 120), corners(0, 40, 10, 60)))},
		{"radius-clamped-pill", request(w, h, bg(), solid(1, "#E76F51", box(20, 40, 200, 80), radius(500)))},
		{"radius-clamped-per-corner", request(w, h, bg(), solid(1, "#E76F51", box(20, 20, 200, 120), corners(150, 100, 20, 90)))},
		{"angled-left", request(w, h, bg(), solid(1, "#6A4C93", box(20, 20, 200, 120), edge(schema.EdgeLeft, 20)))},
		{"angled-right", request(w, h, bg(), solid(1, "#6A4C93", box(20, 20, 200, 120), edge(schema.EdgeRight, 15)))},
		{"angled-top", request(w, h, bg(), solid(1, "#6A4C93", box(20, 20, 200, 120), edge(schema.EdgeTop, 10)))},
		{"angled-bottom", request(w, h, bg(), solid(1, "#6A4C93", box(20, 20, 200, 120), edge(schema.EdgeBottom, -12)))},
		{"angled-combined", request(w, h, bg(), solid(1, "#6A4C93", box(20, 20, 200, 120),
			edge(schema.EdgeLeft, -30), edge(schema.EdgeRight, 30), edge(schema.EdgeTop, 8), edge(schema.EdgeBottom, 8)))},
		{"angled-with-radius", request(w, h, bg(), solid(1, "#6A4C93", box(20, 20, 200, 120), edge(schema.EdgeRight, 20), radius(16)))},
		{"linear-0", request(w, h, linear(0, 0, rg, box(0, 0, w, h)))},
		{"linear-45", request(w, h, linear(0, 45, rg, box(0, 0, w, h)))},
		{"linear-90", request(w, h, linear(0, 90, rg, box(0, 0, w, h)))},
		{"linear-135", request(w, h, linear(0, 135, rg, box(0, 0, w, h)))},
		{"linear-180", request(w, h, linear(0, 180, rg, box(0, 0, w, h)))},
		{"linear-270", request(w, h, linear(0, 270, rg, box(0, 0, w, h)))},
		{"radial", request(w, h, radial(0, stops("#FFD166", 0, "#EF476F", 60, "#073B4C", 100), box(0, 0, w, h)))},
		{"linear-four-stops", request(w, h, linear(0, 0, stops("#E63946", 0, "#F1FAEE", 30, "#A8DADC", 70, "#1D3557", 100), box(0, 0, w, h)))},
		{"linear-hard-stop", request(w, h, linear(0, 30, stops("#E63946", 0, "#E63946", 50, "#1D3557", 50, "#457B9D", 100), box(0, 0, w, h)))},
		{"linear-transparent-stop", request(w, h, solid(0, "#FFFFFF"),
			linear(1, 0, stops("#FF0000FF", 0, "#0000FF00", 100), box(0, 0, w, h/2)),
			linear(2, 0, stops("#FF0000FF", 0, "#FFFFFF00", 50, "#00FF00FF", 100), box(0, float64(h/2), w, h/2)))},
		{"gradient-rounded", request(w, h, bg(), linear(1, 45, rg, box(20, 20, 200, 120), radius(30)))},
		{"opacity", request(w, h, bg(),
			solid(1, "#E63946", box(20, 20, 120, 90), opacity(80), radius(12)),
			solid(2, "#1D3557", box(100, 50, 120, 90), opacity(50), radius(12)))},
		{"rotate-30", request(w, h, bg(), linear(1, 0, rg, box(60, 40, 120, 80), rotate(30)))},
		{"rotate-minus-30", request(w, h, bg(), linear(1, 0, rg, box(60, 40, 120, 80), rotate(-30)))},
		{"rotate-90", request(w, h, bg(), linear(1, 0, rg, box(60, 40, 120, 80), rotate(90)))},
		{"rotate-clipped-rounded", request(w, h, bg(), solid(1, "#2A9D8F", box(120, 60, 200, 120), rotate(20), radius(20), opacity(90)))},
		{"layer-order", request(w, h, bg(),
			solid(3, "#1D3557", box(110, 50, 100, 80)),
			solid(1, "#E63946", box(30, 20, 100, 80)),
			solid(2, "#F4A261", box(70, 35, 100, 80)),
			solid(2, "#2A9D8F", box(90, 70, 100, 60)))},
	}
}
