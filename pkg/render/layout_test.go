package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/golden"
	"github.com/strata-render/strata/pkg/schema"
)

// Layout fixtures are built in Go. Flow children carry no index and no
// position, as a request's layout children may.

// layout is a layout layer; opts set its fields (at, size, gap, pad, …).
func layout(opts ...layerOpt) *schema.Layer {
	l := &schema.Layer{Type: schema.TypeLayout, Opacity: 100, Path: "layout",
		Layout: &schema.Layout{HorizontalAlign: schema.AlignStart, VerticalAlign: schema.AlignStart}}
	for _, o := range opts {
		o(l)
	}
	return l
}

func at(x, y float64) layerOpt {
	return func(l *schema.Layer) { l.Position = &schema.Point{X: x, Y: y} }
}

func size(w, h int) layerOpt {
	return func(l *schema.Layer) { l.Size = &schema.Size{Width: w, Height: h} }
}

func index(i int) layerOpt {
	return func(l *schema.Layer) { l.Index, l.HasIndex = i, true }
}

func vertical(l *schema.Layer) { l.Layout.Vertical = true }

func gap(g float64) layerOpt { return func(l *schema.Layer) { l.Layout.Gap = g } }

func pad(v float64) layerOpt { return pads(v, v, v, v) }

func pads(top, right, bottom, left float64) layerOpt {
	return func(l *schema.Layer) {
		l.Layout.Padding = schema.Insets{Top: top, Right: right, Bottom: bottom, Left: left}
	}
}

func align(h, v schema.Align) layerOpt {
	return func(l *schema.Layer) { l.Layout.HorizontalAlign, l.Layout.VerticalAlign = h, v }
}

func bg(c string) layerOpt {
	return func(l *schema.Layer) { col := hex(c); l.Layout.Background = &col }
}

func bgLayers(ls ...*schema.Layer) layerOpt {
	return func(l *schema.Layer) { l.Layout.BackgroundLayers = ls }
}

func kids(ls ...*schema.Layer) layerOpt {
	return func(l *schema.Layer) { l.Layout.Children = append(l.Layout.Children, ls...) }
}

// block is a w×h solid-colour flow child.
func block(w, h int, c string, opts ...layerOpt) *schema.Layer {
	l := &schema.Layer{Type: schema.TypeSolidColor, Opacity: 100, Path: "block",
		Size: &schema.Size{Width: w, Height: h}, Solid: &schema.SolidColor{Color: hex(c)}}
	for _, o := range opts {
		o(l)
	}
	return l
}

// words is a text flow child; w or h of 0 means "auto".
func words(s string, px float64, weight schema.Weight, c string, w, h int) *schema.Layer {
	return &schema.Layer{Type: schema.TypeText, Opacity: 100, Path: "text",
		Size: &schema.Size{Width: w, Height: h, AutoWidth: w == 0, AutoHeight: h == 0},
		Text: &schema.Text{Text: s, FontName: "Inter", FontSize: px, Weight: weight, SplitLines: true, Color: hex(c)}}
}

// top gives a layout the index a top-level layer needs.
func top(i int, l *schema.Layer) *schema.Layer {
	l.Index, l.HasIndex = i, true
	l.Path = fmt.Sprintf("layers[%d]", i)
	return l
}

// trio is three blocks of different heights and widths in distinct colours.
func trio() []*schema.Layer {
	return []*schema.Layer{block(18, 18, "#E63946"), block(26, 30, "#2A9D8F"), block(12, 10, "#264653")}
}

// alignGrid is nine fixed 110×70 layouts, one per (main, cross) alignment
// pair, columns by horizontal_alignment and rows by vertical_alignment.
func alignGrid(vert bool) *schema.Request {
	aligns := []schema.Align{schema.AlignStart, schema.AlignCenter, schema.AlignEnd}
	layers := []*schema.Layer{solid(0, "#FFFFFF")}
	cellH := 70
	if vert {
		cellH = 100 // room along the main axis to distribute
	}
	for row, v := range aligns {
		for col, h := range aligns {
			opts := []layerOpt{at(float64(8+col*118), float64(8+row*(cellH+8))), size(110, cellH), pad(6), gap(5),
				align(h, v), bg("#E9ECEF"), kids(trio()...)}
			if vert {
				opts = append(opts, vertical)
			}
			layers = append(layers, top(1+row*3+col, layout(opts...)))
		}
	}
	return request(362, 8+3*(cellH+8), layers...)
}

// icon is a round 16×16 "icon": a radial gradient disc.
func icon(c string) *schema.Layer {
	l := radial(0, stops("#FFFFFF", 0, c, 70), radius(8))
	l.HasIndex = false
	l.Size = &schema.Size{Width: 16, Height: 16}
	l.Path = "icon"
	return l
}

// pill is an auto-sized rounded layout holding an icon and auto text.
func pill(s, c string) *schema.Layer {
	return layout(bg("#1E293B"), pad(10), gap(8), radius(20), align(schema.AlignStart, schema.AlignCenter),
		kids(icon(c), words(s, 14, schema.Regular, "#E2E8F0", 0, 0)))
}

// productSlide has the structure of the reference's product-slide recipe:
// a headline and subtitle, a row of feature pills (padding, radius, auto
// text), a vertical list of benefits and a call-to-action button.
func productSlide() *schema.Request {
	feature := func(s string) *schema.Layer {
		return layout(bg("#1E293B"), pad(10), radius(20), kids(words(s, 14, schema.Regular, "#94A3B8", 0, 20)))
	}
	benefit := func(s string) *schema.Layer { return words(s, 20, schema.Regular, "#E2E8F0", 0, 28) }
	headline := textLayer(1, "Your Headline Goes Here", "Inter", 52, schema.Bold, 80, 80, 800, 140)
	subtitle := textLayer(2, "A short subtitle that explains the value proposition in one line.", "Inter", 22, schema.Regular, 80, 240, 900, 40)
	subtitle.Text.Color = hex("#94A3B8")
	return &schema.Request{Width: 1200, Height: 675, Layers: []*schema.Layer{
		solid(0, "#0F172A"), headline, subtitle,
		top(3, layout(at(80, 320), gap(12), kids(feature("Feature One"), feature("Feature Two"), feature("Feature Three")))),
		top(4, layout(at(80, 420), vertical, gap(14), kids(benefit("Benefit number one"), benefit("Benefit number two"), benefit("Benefit number three")))),
		top(5, layout(at(80, 600), bg("#3B82F6"), pad(14), radius(24), align(schema.AlignStart, schema.AlignCenter),
			kids(words("Call to action", 16, schema.Bold, "#FFFFFF", 0, 22)))),
	}}
}

// layoutCases are the layout designs of the golden and browser tests.
func layoutCases() []renderCase {
	return []renderCase{
		{"layout_align_horizontal", alignGrid(false)},
		{"layout_align_vertical", alignGrid(true)},
		{"layout_gap_padding", request(300, 220, solid(0, "#FFFFFF"),
			// No gap, a gap, a fractional gap; uniform and per-side padding.
			top(1, layout(at(10, 10), bg("#DEE2E6"), kids(trio()...))),
			top(2, layout(at(10, 60), bg("#DEE2E6"), gap(12), pad(8), kids(trio()...))),
			top(3, layout(at(10, 120), bg("#DEE2E6"), gap(7.5), pads(4, 30, 12, 20), align(schema.AlignStart, schema.AlignEnd), kids(trio()...))),
			top(4, layout(at(170, 10), vertical, bg("#FFD6A5"), gap(6), pads(10, 4, 2, 16), align(schema.AlignCenter, schema.AlignStart), kids(trio()...))),
		)},
		{"layout_fixed_smaller", request(240, 160, solid(0, "#ADB5BD"),
			// Transparent space around small content: the canvas shows through.
			top(1, layout(at(10, 10), size(100, 80), pad(10), align(schema.AlignCenter, schema.AlignCenter), kids(block(30, 30, "#E63946")))),
			top(2, layout(at(120, 10), size(110, 140), vertical, pad(10), gap(4), bg("#F8F9FA"), align(schema.AlignEnd, schema.AlignEnd), kids(trio()...))),
		)},
		{"layout_fixed_larger", request(240, 160, solid(0, "#FFFFFF"),
			// Content larger than the box is clipped, also by the radius.
			top(1, layout(at(10, 10), size(60, 50), pad(6), gap(6), bg("#CED4DA"), kids(block(40, 70, "#E63946"), block(40, 20, "#2A9D8F")))),
			top(2, layout(at(90, 10), size(60, 50), pad(6), gap(6), bg("#CED4DA"), radius(16), align(schema.AlignCenter, schema.AlignCenter), kids(block(40, 70, "#E63946"), block(40, 20, "#2A9D8F")))),
			top(3, layout(at(170, 10), size(60, 140), vertical, gap(10), bg("#CED4DA"), align(schema.AlignEnd, schema.AlignEnd), kids(block(80, 50, "#264653"), block(30, 50, "#E9C46A"), block(50, 50, "#F4A261")))),
		)},
		{"layout_background_layers", request(240, 160, solid(0, "#FFFFFF"),
			// Background layers fill the box (padding included) in order,
			// override the colour and are clipped by the radius; one has
			// its own box.
			top(1, layout(at(10, 10), bg("#FF0000"), pad(16), gap(8), radius(18),
				bgLayers(
					linear(0, 90, stops("#4361EE", 0, "#7209B7", 100)),
					solid(1, "#FFFFFF80", box(8, 8, 40, 20), radius(6)),
				),
				kids(block(40, 40, "#FFD60A"), block(60, 24, "#06D6A0")))),
			top(2, layout(at(10, 100), size(220, 50), pad(8), gap(8), align(schema.AlignEnd, schema.AlignCenter), corners(25, 0, 25, 0),
				bgLayers(radial(0, stops("#F72585", 0, "#3A0CA3", 100))),
				kids(block(30, 30, "#FFFFFF", radius(15)), block(30, 30, "#FFFFFF", opacity(50))))),
		)},
		{"layout_nested", request(240, 160, solid(0, "#FFFFFF"),
			// Three layouts deep, each auto-sized, with its own padding,
			// direction and alignment.
			top(1, layout(at(10, 10), bg("#264653"), pad(8), gap(8), align(schema.AlignStart, schema.AlignCenter), radius(10), kids(
				block(20, 20, "#E9C46A"),
				layout(vertical, bg("#2A9D8F"), pad(6), gap(6), align(schema.AlignCenter, schema.AlignStart), radius(6), kids(
					block(30, 14, "#E9C46A"),
					layout(bg("#F4A261"), pad(5), gap(4), align(schema.AlignStart, schema.AlignEnd), kids(
						block(12, 12, "#E76F51"), block(12, 24, "#E76F51"), block(12, 6, "#E76F51"))),
					block(16, 14, "#E9C46A"),
				)),
				layout(size(50, 90), vertical, bg("#8AB17D"), pad(4), align(schema.AlignEnd, schema.AlignCenter), kids(
					layout(bg("#EFEFEF"), pad(3), kids(block(20, 20, "#E76F51"))),
				)),
			))),
		)},
		{"layout_pills", request(420, 110, solid(0, "#0F172A"),
			// Pills of an icon and auto-width text, in a row and a column.
			top(1, layout(at(10, 10), gap(10), kids(pill("Fast", "#22C55E"), pill("Self-hosted", "#3B82F6"), pill("Open source ✓", "#F59E0B")))),
			top(2, layout(at(10, 60), vertical, gap(4), kids(
				layout(gap(6), align(schema.AlignStart, schema.AlignCenter), kids(icon("#EF4444"), words("Auto width, fixed height", 12, schema.Regular, "#FFFFFF", 0, 16))),
				layout(gap(6), align(schema.AlignStart, schema.AlignCenter), kids(icon("#A855F7"), words("Fixed width wraps: auto height", 12, schema.Bold, "#FFFFFF", 120, 0))),
			))),
		)},
		{"layout_rotated", request(240, 160, solid(0, "#FFFFFF"),
			// Rotation and opacity apply to the whole layout.
			top(1, layout(at(40, 50), bg("#3A86FF"), pad(10), gap(8), radius(12), rotate(-20), opacity(70),
				kids(block(30, 30, "#FFBE0B"), block(50, 30, "#FB5607"), block(30, 30, "#FF006E")))),
		)},
		{"layout_product_slide", productSlide()},
		{"layout_codes", request(400, 150, solid(0, "#F1F5F9"),
			// QR codes and barcodes take their dimensions in the flow.
			top(1, layout(at(10, 10), bg("#FFFFFF"), pad(12), gap(14), radius(12), align(schema.AlignStart, schema.AlignCenter), kids(
				qrChild("https://strata.example.com/ticket/42", 96),
				layout(vertical, gap(6), kids(
					words("**Ticket 42**", 16, schema.Regular, "#0F172A", 0, 0),
					words("Gate B · Row 7", 12, schema.Regular, "#475569", 0, 0),
					barChild(schema.EAN13, "590123412345", 230, 50),
				)),
			))),
		)},
	}
}

// qrChild is a side×side QR code flow child.
func qrChild(value string, side int) *schema.Layer {
	return &schema.Layer{Type: schema.TypeQRCode, Opacity: 100, Path: "qr", Size: &schema.Size{Width: side, Height: side},
		QRCode: &schema.QRCode{Value: value, ErrorCorrection: "M", Foreground: hex("#0F172A"), Background: hex("#FFFFFF")}}
}

// barChild is a w×h barcode flow child.
func barChild(format schema.BarcodeFormat, value string, w, h int) *schema.Layer {
	return &schema.Layer{Type: schema.TypeBarcode, Opacity: 100, Path: "barcode", Size: &schema.Size{Width: w, Height: h},
		Barcode: &schema.Barcode{Value: value, Format: format, Foreground: hex("#0F172A"), Background: hex("#FFFFFF")}}
}

func layoutRenderer(t testing.TB) *Renderer {
	t.Helper()
	return textRenderer(t, fontRegistry(t))
}

func TestLayoutGolden(t *testing.T) {
	r := layoutRenderer(t)
	for _, tc := range layoutCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := r.Render(context.Background(), tc.req)
			require.NoError(t, err)
			golden.CheckPNG(t, tc.name, res.Data, golden.Rounding)
		})
	}
}

func TestLayoutArrange(t *testing.T) {
	r := newTestRenderer(t)
	three := func() []*schema.Layer {
		return []*schema.Layer{block(10, 20, "#000000"), block(30, 10, "#000000"), block(20, 40, "#000000")}
	}
	cases := []struct {
		name  string
		l     *schema.Layer
		box   image.Point // resolved box size
		rects []childRect
	}{
		{"horizontal auto", layout(kids(three()...)), image.Pt(60, 40),
			[]childRect{{0, 0, 10, 20}, {10, 0, 30, 10}, {40, 0, 20, 40}}},
		{"horizontal gap padding", layout(gap(5), pads(1, 2, 3, 4), kids(three()...)), image.Pt(4+60+10+2, 1+40+3),
			[]childRect{{4, 1, 10, 20}, {19, 1, 30, 10}, {54, 1, 20, 40}}},
		{"cross center", layout(align(schema.AlignStart, schema.AlignCenter), kids(three()...)), image.Pt(60, 40),
			[]childRect{{0, 10, 10, 20}, {10, 15, 30, 10}, {40, 0, 20, 40}}},
		{"cross end", layout(align(schema.AlignStart, schema.AlignEnd), kids(three()...)), image.Pt(60, 40),
			[]childRect{{0, 20, 10, 20}, {10, 30, 30, 10}, {40, 0, 20, 40}}},
		{"main ignored when auto", layout(align(schema.AlignEnd, schema.AlignStart), kids(three()...)), image.Pt(60, 40),
			[]childRect{{0, 0, 10, 20}, {10, 0, 30, 10}, {40, 0, 20, 40}}},
		{"fixed main center", layout(size(100, 50), align(schema.AlignCenter, schema.AlignStart), kids(three()...)), image.Pt(100, 50),
			[]childRect{{20, 0, 10, 20}, {30, 0, 30, 10}, {60, 0, 20, 40}}},
		{"fixed main end padded", layout(size(100, 50), pad(5), align(schema.AlignEnd, schema.AlignEnd), kids(three()...)), image.Pt(100, 50),
			[]childRect{{35, 25, 10, 20}, {45, 35, 30, 10}, {75, 5, 20, 40}}},
		{"fixed overflow center", layout(size(40, 20), align(schema.AlignCenter, schema.AlignCenter), kids(three()...)), image.Pt(40, 20),
			[]childRect{{-10, 0, 10, 20}, {0, 5, 30, 10}, {30, -10, 20, 40}}},
		{"vertical", layout(vertical, gap(2.5), kids(three()...)), image.Pt(30, 75),
			[]childRect{{0, 0, 10, 20}, {0, 22.5, 30, 10}, {0, 35, 20, 40}}},
		{"vertical cross end main center", layout(vertical, size(50, 100), align(schema.AlignEnd, schema.AlignCenter), kids(three()...)), image.Pt(50, 100),
			[]childRect{{40, 15, 10, 20}, {20, 35, 30, 10}, {30, 45, 20, 40}}},
		{"padding larger than box", layout(size(10, 10), pad(8), kids(block(4, 4, "#000000"))), image.Pt(10, 10),
			[]childRect{{8, 8, 4, 4}}},
		{"empty", layout(pad(3)), image.Pt(6, 6), []childRect{}},
		{"nested auto", layout(gap(4), kids(block(10, 10, "#000000"), layout(pad(2), gap(1), kids(block(5, 7, "#000000"), block(5, 3, "#000000"))))), image.Pt(29, 11),
			[]childRect{{0, 0, 10, 10}, {14, 0, 15, 11}}},
		{"eight deep", nest(8, block(2, 2, "#000000")), image.Pt(18, 18),
			[]childRect{{1, 1, 16, 16}}},
		{"fractional auto size rounds up", layout(gap(0.5), kids(block(3, 3, "#000000"), block(3, 3, "#000000"))), image.Pt(7, 3),
			[]childRect{{0, 0, 3, 3}, {3.5, 0, 3, 3}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, f := context.Background(), (frame{Renderer: r}).withLayoutMemo()
			w, h, err := f.measureLayout(ctx, tc.l)
			require.NoError(t, err)
			require.Equal(t, tc.box, image.Pt(w, h))
			rects, err := f.arrange(ctx, tc.l, w, h)
			require.NoError(t, err)
			require.Equal(t, tc.rects, rects)
		})
	}
}

// nest wraps c in n auto-sized layouts with 1 px of padding each.
func nest(n int, c *schema.Layer) *schema.Layer {
	for range n {
		c = layout(pad(1), kids(c))
	}
	return c
}

// TestLayoutBackgrounds checks the background rules: background layers
// fill the whole box (padding included), are drawn in index order (array
// order when absent), and replace background_color rather than covering it.
func TestLayoutBackgrounds(t *testing.T) {
	r := newTestRenderer(t)
	red, blue := solid(1, "#FF0000"), solid(0, "#0000FF80")
	cases := []struct {
		name string
		l    *schema.Layer
		want [4]uint8 // premultiplied RGBA in the padding at (1, 1)
	}{
		{"colour fills the padding", layout(pad(5), bg("#00FF00"), kids(block(4, 4, "#000000"))), [4]uint8{0, 255, 0, 255}},
		{"layers by index", layout(pad(5), bgLayers(red, blue), kids(block(4, 4, "#000000"))), [4]uint8{255, 0, 0, 255}},
		{"layers in array order", layout(pad(5), bgLayers(block(0, 0, "#0000FF80"), block(0, 0, "#FF0000")), kids(block(4, 4, "#000000"))), [4]uint8{255, 0, 0, 255}},
		{"layers replace the colour", layout(pad(5), bg("#00FF00"), bgLayers(solid(0, "#0000FF80")), kids(block(4, 4, "#000000"))), [4]uint8{0, 0, 128, 128}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, b := range tc.l.Layout.BackgroundLayers {
				if b.Size != nil && b.Size.Width == 0 {
					b.Size = nil // block(0, 0, …): a background layer without dimensions
				}
			}
			img := renderRGBA(t, r, request(14, 14, top(0, tc.l)))
			c := img.RGBAAt(1, 1)
			require.InDeltaSlice(t, tc.want[:], []uint8{c.R, c.G, c.B, c.A}, 1)
			require.Equal(t, uint8(255), img.RGBAAt(7, 7).A, "the child over the background")
			require.Equal(t, uint8(0), img.RGBAAt(7, 7).R)
		})
	}
}

// TestLayoutAutoText checks that "auto" text sides are the registry's
// measurement: auto width is the natural single-line width, auto height
// the wrapped height at a fixed width.
func TestLayoutAutoText(t *testing.T) {
	r := layoutRenderer(t)
	ctx := context.Background()
	short := words("Feature One", 14, schema.Regular, "#000000", 0, 20)
	long := words("A longer sentence that must wrap over several lines", 14, schema.Regular, "#000000", 100, 0)
	both := words("Both sides auto", 20, schema.Bold, "#000000", 0, 0)
	nw, nh, err := r.opts.Fonts.Measure(ctx, short.Text, nil, 0)
	require.NoError(t, err)
	_, wrapH, err := r.opts.Fonts.Measure(ctx, long.Text, nil, 100)
	require.NoError(t, err)
	bw, bh, err := r.opts.Fonts.Measure(ctx, both.Text, nil, 0)
	require.NoError(t, err)
	require.Greater(t, nw, 50)
	require.Greater(t, wrapH, 2*nh, "the long text wraps")

	l := layout(gap(3), kids(short, long, both))
	w, h, err := (frame{Renderer: r}).withLayoutMemo().measureLayout(ctx, l)
	require.NoError(t, err)
	rects, err := (frame{Renderer: r}).withLayoutMemo().arrange(ctx, l, w, h)
	require.NoError(t, err)
	require.Equal(t, []childRect{{0, 0, nw, 20}, {float64(nw + 3), 0, 100, wrapH}, {float64(nw + 106), 0, bw, bh}}, rects)
	require.Equal(t, image.Pt(nw+106+bw, max(wrapH, bh)), image.Pt(w, h))

	// Drawn at its measured width, auto text stays on one line: the ink
	// of "Feature One" spans nearly the whole measured width.
	req := request(nw+20, 40, solid(0, "#FFFFFF"), top(1, layout(at(10, 10), kids(words("Feature One", 14, schema.Regular, "#000000", 0, 20)))))
	img := renderRGBA(t, r, req)
	minX, maxX := img.Rect.Dx(), 0
	for y := 0; y < img.Rect.Dy(); y++ {
		for x := 0; x < img.Rect.Dx(); x++ {
			if img.RGBAAt(x, y).R < 128 {
				minX, maxX = min(minX, x), max(maxX, x)
				require.Less(t, y, 30, "ink below the first line: the text wrapped")
			}
		}
	}
	require.LessOrEqual(t, minX, 12)
	require.GreaterOrEqual(t, maxX, nw+10-3)
}

// TestLayoutMeasuresOnce checks the memo: in a tree three layouts deep
// every layer's size is resolved exactly once per render, although the
// parents' measurement and arrangement both need their children's sizes.
func TestLayoutMeasuresOnce(t *testing.T) {
	r := layoutRenderer(t)
	inner := layout(gap(2), kids(words("deep", 12, schema.Regular, "#000000", 0, 0), block(5, 5, "#000000")))
	mid := layout(vertical, gap(2), kids(inner, words("mid", 12, schema.Regular, "#000000", 0, 14)))
	outer := top(0, layout(at(1, 1), gap(2), kids(mid, block(5, 5, "#000000"))))
	f := (frame{Renderer: r}).withLayoutMemo()
	dst := image.NewRGBA(image.Rect(0, 0, 200, 100))
	require.NoError(t, f.drawLayer(context.Background(), dst, outer, image.Point{}, 200, 100))
	memo := f.memo
	// mid, its 2 children, inner's 2 children, outer's second block.
	require.Equal(t, 6, memo.measured)
	require.Len(t, memo.sizes, 6)
}

// TestLayoutChildPositionIgnored checks that a child's own position does
// not move it: the flow places it.
func TestLayoutChildPositionIgnored(t *testing.T) {
	r := newTestRenderer(t)
	plain := request(40, 20, top(0, layout(kids(block(10, 10, "#FF0000"), block(10, 10, "#0000FF")))))
	moved := request(40, 20, top(0, layout(kids(block(10, 10, "#FF0000", at(25, 5)), block(10, 10, "#0000FF", at(3, 3))))))
	a, b := renderRGBA(t, r, plain), renderRGBA(t, r, moved)
	require.Equal(t, a.Pix, b.Pix)
	require.Equal(t, uint8(255), a.RGBAAt(15, 5).B)
}

// TestLayoutCornersClipContent checks that a layout's radius clips its
// children, not only its background.
func TestLayoutCornersClipContent(t *testing.T) {
	r := newTestRenderer(t)
	img := renderRGBA(t, r, request(40, 40, top(0, layout(radius(20), kids(block(40, 40, "#FF0000"))))))
	require.Equal(t, uint8(0), img.RGBAAt(0, 0).A)
	require.Equal(t, uint8(255), img.RGBAAt(20, 20).A)
}

func TestLayoutErrors(t *testing.T) {
	r := newTestRenderer(t) // no fonts
	cases := []struct {
		name string
		l    *schema.Layer
		kind failure.Kind
		msg  string
	}{
		{"auto text without fonts", layout(kids(words("x", 12, schema.Regular, "#000000", 0, 10))), failure.Unprocessable, "text"},
		{"fixed text without fonts", layout(kids(words("x", 12, schema.Regular, "#000000", 10, 10))), failure.Unprocessable, "text"},
		{"content too large", layout(gap(1e6), kids(block(1, 1, "#000000"), block(1, 1, "#000000"))), failure.Unprocessable, "layers[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Render(context.Background(), request(20, 20, top(0, tc.l)))
			require.Error(t, err)
			require.Equal(t, tc.kind, failure.KindOf(err))
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

// flowBox is one box of a layout tree in canvas pixels, as drawn: every
// layout and every flow child, in depth-first order.
type flowBox struct {
	layer      *schema.Layer
	x, y, w, h int
	depth      int
}

// flowBoxes lists the boxes of the layout l (top-level, drawn at its
// position) and of everything in its flow, where drawLayer puts them:
// each child at its parent's drawn corner plus its arranged offset,
// rounded to whole pixels as the compositor does.
func flowBoxes(t testing.TB, r *Renderer, l *schema.Layer) []flowBox {
	t.Helper()
	ctx, f := context.Background(), (frame{Renderer: r}).withLayoutMemo()
	w, h, err := f.measureLayout(ctx, l)
	require.NoError(t, err)
	var x, y int
	if l.Position != nil {
		x, y = int(math.Round(l.Position.X)), int(math.Round(l.Position.Y))
	}
	var out []flowBox
	var walk func(l *schema.Layer, x, y, w, h, depth int)
	walk = func(l *schema.Layer, x, y, w, h, depth int) {
		out = append(out, flowBox{l, x, y, w, h, depth})
		if l.Type != schema.TypeLayout {
			return
		}
		rects, err := f.arrange(ctx, l, w, h)
		require.NoError(t, err)
		for i, c := range l.Layout.Children {
			rc := rects[i]
			walk(c, x+int(math.Round(rc.X)), y+int(math.Round(rc.Y)), rc.W, rc.H, depth+1)
		}
	}
	walk(l, x, y, w, h, 0)
	return out
}

// cssAlign maps a layout alignment to flexbox.
func cssAlign(a schema.Align) string {
	switch a {
	case schema.AlignCenter:
		return "center"
	case schema.AlignEnd:
		return "flex-end"
	}
	return "flex-start"
}

// textCSS is the font of a text layer in CSS.
func textCSS(tx *schema.Text) string {
	return fmt.Sprintf("font-family:'Inter';font-size:%gpx;font-weight:%d;line-height:normal", tx.FontSize, tx.Weight)
}

// flowHTML writes the boxes as CSS flexbox: every layout a flex container
// with flex: none, the same gap, padding, justify-content/align-items and
// (when fixed) size; every other child a flex: none box of our resolved
// size (text included, so glyph metrics cannot blur the layout check).
func flowHTML(b *strings.Builder, boxes []flowBox, next *int) {
	var node func()
	node = func() {
		fb := boxes[*next]
		id := *next
		*next++
		l := fb.layer
		style := "flex:none;box-sizing:border-box;"
		if fb.depth == 0 {
			style += fmt.Sprintf("position:absolute;left:%dpx;top:%dpx;", fb.x, fb.y)
		}
		if l.Type != schema.TypeLayout {
			fmt.Fprintf(b, `<div data-id="%d" style="%swidth:%dpx;height:%dpx"></div>`, id, style, fb.w, fb.h)
			return
		}
		lo := l.Layout
		dir := "row"
		if lo.Vertical {
			dir = "column"
		}
		style += fmt.Sprintf("display:flex;flex-direction:%s;gap:%gpx;padding:%gpx %gpx %gpx %gpx;justify-content:%s;align-items:%s;overflow:hidden;",
			dir, lo.Gap, lo.Padding.Top, lo.Padding.Right, lo.Padding.Bottom, lo.Padding.Left,
			cssAlign(map[bool]schema.Align{false: lo.HorizontalAlign, true: lo.VerticalAlign}[lo.Vertical]),
			cssAlign(map[bool]schema.Align{false: lo.VerticalAlign, true: lo.HorizontalAlign}[lo.Vertical]))
		if l.Size != nil {
			style += fmt.Sprintf("width:%dpx;height:%dpx;", l.Size.Width, l.Size.Height)
		}
		fmt.Fprintf(b, `<div data-id="%d" style="%s">`, id, style)
		for range lo.Children {
			node()
		}
		b.WriteString(`</div>`)
	}
	node()
}

// chromiumRects loads page in headless Chromium and returns, per data-id
// (and per data-probe, negated minus one), the element's rectangle
// relative to its .case container.
func chromiumRects(t *testing.T, page string) map[int][4]float64 {
	t.Helper()
	chromium := os.Getenv("STRATA_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("headless Chromium not found at %s (run scripts/setup.sh, set STRATA_CHROMIUM, or STRATA_BROWSER_TESTS=0 to skip): %v", chromium, err)
	}
	dir := t.TempDir()
	htmlPath := filepath.Join(dir, "page.html")
	require.NoError(t, os.WriteFile(htmlPath, []byte(page), 0o644))
	profile := filepath.Join(dir, "profile")
	require.NoError(t, os.Mkdir(profile, 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--disable-dev-shm-usage", "--virtual-time-budget=10000", "--dump-dom",
		"file://"+htmlPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	m := regexp.MustCompile(`<pre id="out">([^<]*)</pre>`).FindSubmatch(out)
	require.NotNil(t, m, "no rectangles in Chromium's DOM: %s", stderr.String())
	var rows [][5]float64
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &rows))
	rects := map[int][4]float64{}
	for _, row := range rows {
		rects[int(row[0])] = [4]float64{row[1], row[2], row[3], row[4]}
	}
	return rects
}

// fontFaces embeds the Inter faces the fixtures use as data URLs, so
// Chromium measures text with the same font files as we do.
func fontFaces(t *testing.T) string {
	t.Helper()
	dir := assets.Dir()
	var b strings.Builder
	for _, f := range []struct {
		file   string
		weight int
	}{{"Inter_400Regular.ttf", 400}, {"Inter_700Bold.ttf", 700}} {
		data, err := os.ReadFile(filepath.Join(dir, "fonts", "Inter", f.file))
		require.NoError(t, err, "fonts missing: run scripts/setup.sh")
		fmt.Fprintf(&b, "@font-face{font-family:'Inter';font-weight:%d;src:url(data:font/ttf;base64,%s) format('truetype')}",
			f.weight, base64.StdEncoding.EncodeToString(data))
	}
	return b.String()
}

// TestLayoutMatchesChromium writes every layout of the layout designs as
// CSS flexbox, lays it out in headless Chromium, and requires every box
// (layouts and their children, at every depth) to land within 1 px of
// where we draw it. Text children take our measured size there; a second
// check sets each "auto" text alone in Chromium with the same font file
// and compares its natural size with our measurement (height within
// 1 px; width in a band, as shaping differs slightly).
// STRATA_BROWSER_TESTS=0 opts out; STRATA_PARITY_OUT=file writes the
// markdown table for docs/RENDERING.md.
func TestLayoutMatchesChromium(t *testing.T) {
	if os.Getenv("STRATA_BROWSER_TESTS") == "0" {
		t.Skip("STRATA_BROWSER_TESTS=0")
	}
	r := layoutRenderer(t)
	type caseBoxes struct {
		name  string
		boxes []flowBox
		first int // data-id of the first box
	}
	var cases []caseBoxes
	var page strings.Builder
	page.WriteString(`<!doctype html><html><head><meta charset="utf-8"><style>` + fontFaces(t) +
		`html,body{margin:0;padding:0}.case{position:relative;overflow:hidden}.probe{position:absolute;left:0;top:0}</style></head><body>`)
	next := 0
	var texts []flowBox
	for _, tc := range layoutCases() {
		cb := caseBoxes{name: tc.name, first: next}
		fmt.Fprintf(&page, `<div class="case" style="width:%dpx;height:%dpx">`, tc.req.Width, tc.req.Height)
		for _, l := range tc.req.Layers {
			if l.Type != schema.TypeLayout {
				continue
			}
			boxes := flowBoxes(t, r, l)
			cb.boxes = append(cb.boxes, boxes...)
			at := next
			flowHTML(&page, append(make([]flowBox, at), boxes...), &next)
			for _, fb := range boxes {
				if fb.layer.Type == schema.TypeText && (fb.layer.Size.AutoWidth || fb.layer.Size.AutoHeight) {
					texts = append(texts, fb)
				}
			}
		}
		page.WriteString(`</div>`)
		cases = append(cases, cb)
	}
	// Probes: each auto text alone, shrink-wrapped (or at its fixed width).
	page.WriteString(`<div class="case" style="width:2000px;height:200px">`)
	for i, fb := range texts {
		tx, s := fb.layer.Text, fb.layer.Size
		style := "position:absolute;left:0;top:0;" + textCSS(tx)
		if s.AutoWidth {
			style += ";white-space:pre"
		} else {
			style += fmt.Sprintf(";width:%dpx;white-space:pre-wrap", s.Width)
		}
		// The fixtures' only markdown is **bold**.
		body := regexp.MustCompile(`\*\*(.+?)\*\*`).ReplaceAllString(html.EscapeString(tx.Text), "<b style=\"font-weight:700\">$1</b>")
		fmt.Fprintf(&page, `<div data-id="%d" style="%s">%s</div>`, -1-i, style, body)
	}
	page.WriteString(`</div><pre id="out"></pre><script>
document.fonts.ready.then(() => {
  const out = [];
  for (const e of document.querySelectorAll('[data-id]')) {
    const r = e.getBoundingClientRect(), c = e.closest('.case').getBoundingClientRect();
    out.push([+e.dataset.id, r.x - c.x, r.y - c.y, r.width, r.height]);
  }
  document.getElementById('out').textContent = JSON.stringify(out);
});
</script></body></html>`)
	got := chromiumRects(t, page.String())

	var table strings.Builder
	table.WriteString("| design | boxes | max \\|Δ\\| x/y (px) | max \\|Δ\\| w/h (px) |\n|---|---:|---:|---:|\n")
	for _, cb := range cases {
		var dPos, dSize float64
		for i, fb := range cb.boxes {
			c, ok := got[cb.first+i]
			require.True(t, ok, "%s: box %d missing in Chromium", cb.name, cb.first+i)
			dPos = math.Max(dPos, math.Max(math.Abs(c[0]-float64(fb.x)), math.Abs(c[1]-float64(fb.y))))
			dSize = math.Max(dSize, math.Max(math.Abs(c[2]-float64(fb.w)), math.Abs(c[3]-float64(fb.h))))
			require.InDeltaf(t, float64(fb.x), c[0], 1, "%s: box %d (%s) x", cb.name, i, fb.layer.Type)
			require.InDeltaf(t, float64(fb.y), c[1], 1, "%s: box %d (%s) y", cb.name, i, fb.layer.Type)
			require.InDeltaf(t, float64(fb.w), c[2], 1, "%s: box %d (%s) width", cb.name, i, fb.layer.Type)
			require.InDeltaf(t, float64(fb.h), c[3], 1, "%s: box %d (%s) height", cb.name, i, fb.layer.Type)
		}
		fmt.Fprintf(&table, "| %s | %d | %.2f | %.2f |\n", cb.name, len(cb.boxes), dPos, dSize)
	}
	// Text sizes come from pkg/typeset's shaping, not from the layout:
	// they are held to a looser band (see docs/RENDERING.md, Layout), and
	// never narrower than Chromium's by more than a pixel (which would clip).
	var dW, dH float64
	for i, fb := range texts {
		c := got[-1-i]
		s := fb.layer.Size
		t.Logf("%q %gpx: ours %dx%d, Chromium %.2fx%.2f", fb.layer.Text.Text, fb.layer.Text.FontSize, fb.w, fb.h, c[2], c[3])
		if s.AutoWidth {
			dW = math.Max(dW, math.Abs(c[2]-float64(fb.w)))
			require.GreaterOrEqualf(t, float64(fb.w), c[2]-1, "auto width of %q", fb.layer.Text.Text)
			require.LessOrEqualf(t, float64(fb.w), c[2]+3, "auto width of %q", fb.layer.Text.Text)
		}
		if s.AutoHeight {
			dH = math.Max(dH, math.Abs(c[3]-float64(fb.h)))
			require.InDeltaf(t, float64(fb.h), c[3], 1, "auto height of %q", fb.layer.Text.Text)
		}
	}
	fmt.Fprintf(&table, "| \"auto\" text alone (Inter, same files) | %d | – | %.2f / %.2f |\n", len(texts), dW, dH)
	t.Log("\n" + table.String())
	if p := os.Getenv("STRATA_PARITY_OUT"); p != "" {
		require.NoError(t, os.WriteFile(p, []byte(table.String()), 0o644))
	}
}

// FuzzDrawLayout throws arbitrary flow geometry at a layout (gap, padding,
// alignments, direction, fixed or auto size, child sizes, a nested
// layout, radii, rotation): it must never panic, only refuse absurd auto
// sizes with a 422, and never write outside the destination.
func FuzzDrawLayout(f *testing.F) {
	f.Add(5.0, 3.0, 7.0, uint8(0), uint8(0), false, uint8(0), uint8(0), uint8(10), uint8(20), uint8(30), 0.0, 0.0)
	f.Add(0.5, 40.0, 0.0, uint8(1), uint8(2), true, uint8(30), uint8(20), uint8(255), uint8(1), uint8(0), 12.0, 33.0)
	f.Add(1e6, 1e6, 1e6, uint8(2), uint8(1), false, uint8(0), uint8(0), uint8(3), uint8(3), uint8(3), 1e9, -90.0)
	f.Fuzz(func(t *testing.T, g, p1, p2 float64, ha, va uint8, vert bool, w, h, c1, c2, c3 uint8, rad, rot float64) {
		for _, v := range []float64{g, p1, p2} {
			if !(v >= 0 && v <= 1e6) { // the schema's bounds
				return
			}
		}
		aligns := []schema.Align{schema.AlignStart, schema.AlignCenter, schema.AlignEnd, ""}
		inner := layout(gap(g/3), pads(p2, p1, p2, p1), kids(block(int(c3)+1, int(c1)+1, "#00FF00")))
		l := layout(at(float64(w%17), float64(h%13)), gap(g), pads(p1, p2, p1/2, p2*2), align(aligns[ha%4], aligns[va%4]), bg("#33669980"), radius(rad),
			kids(block(int(c1)+1, int(c2)+1, "#FF0000"), inner, block(int(c2)+1, int(c3)+1, "#0000FF", rotate(rot))))
		l.Layout.Vertical = vert
		if w > 0 && h > 0 {
			l.Size = &schema.Size{Width: int(w), Height: int(h)}
		}
		l.Rotation = rot
		dst := image.NewRGBA(image.Rect(0, 0, 64, 48))
		sub := dst.SubImage(image.Rect(8, 8, 40, 40)).(*image.RGBA)
		r := &Renderer{}
		if err := (frame{Renderer: r}).drawLayer(context.Background(), sub, l, sub.Rect.Min, 10, 10); err != nil {
			if failure.KindOf(err) != failure.Unprocessable {
				t.Fatal(err)
			}
			return
		}
		for py := 0; py < 48; py++ {
			for px := 0; px < 64; px++ {
				if !(image.Point{px, py}).In(sub.Rect) && dst.RGBAAt(px, py).A != 0 {
					t.Fatalf("pixel %d,%d outside the destination was drawn", px, py)
				}
			}
		}
	})
}

// flatSlide is productSlide drawn without layouts: every box that the
// layouts produce placed as a positioned layer (backgrounds as rounded
// solids, text at its measured box), for the overhead comparison.
func flatSlide(tb testing.TB, r *Renderer) *schema.Request {
	req := productSlide()
	flat := &schema.Request{Width: req.Width, Height: req.Height}
	for _, l := range req.Layers {
		if l.Type != schema.TypeLayout {
			flat.Layers = append(flat.Layers, l)
			continue
		}
		for _, fb := range flowBoxes(tb, r, l) {
			switch {
			case fb.layer.Type == schema.TypeLayout && fb.layer.Layout.Background != nil:
				s := solid(len(flat.Layers), "#000000", box(float64(fb.x), float64(fb.y), fb.w, fb.h))
				s.Solid.Color, s.Radii = *fb.layer.Layout.Background, fb.layer.Radii
				flat.Layers = append(flat.Layers, s)
			case fb.layer.Type == schema.TypeText:
				tl := *fb.layer
				tl.Index, tl.HasIndex = len(flat.Layers), true
				tl.Position = &schema.Point{X: float64(fb.x), Y: float64(fb.y)}
				tl.Size = &schema.Size{Width: fb.w, Height: fb.h}
				flat.Layers = append(flat.Layers, &tl)
			}
		}
	}
	return flat
}

// BenchmarkLayoutProductSlide draws the product slide (three layouts, one
// nesting three pills) onto its canvas, without encoding; the Flat
// variant draws the same boxes as positioned layers, so the difference is
// the cost of layout (measuring, the box images, one more composite).
func BenchmarkLayoutProductSlide(b *testing.B) {
	r := layoutRenderer(b)
	for _, bc := range []struct {
		name string
		req  *schema.Request
	}{{"layout", productSlide()}, {"flat", flatSlide(b, r)}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			_, err := r.renderCanvas(ctx, bc.req) // warm caches
			require.NoError(b, err)
			c := cpuClock(b)
			for b.Loop() {
				if _, err := r.renderCanvas(ctx, bc.req); err != nil {
					b.Fatal(err)
				}
			}
			c.report()
		})
	}
}

// productSlideJSON is productSlide as a client sends it: both field
// spellings, children without index or position, "auto" widths, and a
// layout whose dimensions arrive as 0×0 (the reference Go SDK's "omitted").
const productSlideJSON = `{
 "dimensions": {"width_in_px": 1200, "height_in_px": 675},
 "layers": [
  {"index": 0, "type": "solid-color", "hex_color": "#0F172A"},
  {"index": 1, "type": "text", "text": "Your Headline Goes Here", "font_name": "Inter", "font_size_in_px": 52,
   "text_color": "#FFFFFF", "font_weight": "bold", "position": {"x_in_px": 80, "y_in_px": 80},
   "dimensions": {"width_in_px": 800, "height_in_px": 140}},
  {"index": 2, "type": "text", "text": "A short subtitle that explains the value proposition in one line.",
   "font_name": "Inter", "font_size_in_px": 22, "text_color": "#94A3B8",
   "position": {"x": 80, "y": 240}, "dimensions": {"width": 900, "height": 40}},
  {"index": 3, "type": "layout", "direction": "horizontal", "gap": 12, "position": {"x_in_px": 80, "y_in_px": 320},
   "dimensions": {"width_in_px": 0, "height_in_px": 0},
   "layers": [
    {"type": "layout", "background_color": "#1E293B", "padding": 10, "border_radius": 20, "layers": [
      {"type": "text", "text": "Feature One", "font_name": "Inter", "font_size_in_px": 14, "text_color": "#94A3B8",
       "dimensions": {"width_in_px": "auto", "height_in_px": 20}}]},
    {"type": "layout", "background_color": "#1E293B", "padding": 10, "border_radius": 20, "layers": [
      {"type": "text", "text": "Feature Two", "font_name": "Inter", "font_size_in_px": 14, "text_color": "#94A3B8",
       "dimensions": {"width": "auto", "height": 20}}]},
    {"type": "layout", "direction": "horizontal", "background_color": "#1E293B", "padding": 10, "border_radius": 20, "layers": [
      {"type": "text", "text": "Feature Three", "font_name": "Inter", "font_size_in_px": 14, "text_color": "#94A3B8",
       "position": {"x": 500, "y": 500}, "dimensions": {"width_in_px": "auto", "height_in_px": 20}}]}]},
  {"index": 4, "type": "layout", "direction": "vertical", "gap": 14, "position": {"x_in_px": 80, "y_in_px": 420},
   "layers": [
    {"type": "text", "text": "Benefit number one", "font_name": "Inter", "font_size_in_px": 20, "text_color": "#E2E8F0",
     "dimensions": {"width_in_px": "auto", "height_in_px": 28}},
    {"type": "text", "text": "Benefit number two", "font_name": "Inter", "font_size_in_px": 20, "text_color": "#E2E8F0",
     "dimensions": {"width_in_px": "auto", "height_in_px": 28}},
    {"type": "text", "text": "Benefit number three", "font_name": "Inter", "font_size_in_px": 20, "text_color": "#E2E8F0",
     "dimensions": {"width_in_px": "auto", "height_in_px": 28}}]},
  {"index": 5, "type": "layout", "direction": "horizontal", "vertical_alignment": "center", "background_color": "#3B82F6",
   "padding": 14, "border_radius": 24, "position": {"x_in_px": 80, "y_in_px": 600},
   "layers": [
    {"type": "text", "text": "Call to action", "font_name": "Inter", "font_size_in_px": 16, "font_weight": "bold",
     "text_color": "#FFFFFF", "dimensions": {"width_in_px": "auto", "height_in_px": 22}}]}
 ]
}`

// TestLayoutFromJSON decodes the product slide as a client sends it and
// requires the same pixels as the Go fixture behind the golden image: the
// decoder's layout fields reach the renderer as designed.
func TestLayoutFromJSON(t *testing.T) {
	r := layoutRenderer(t)
	req, err := schema.Decode([]byte(productSlideJSON), schema.DefaultLimits())
	require.NoError(t, err)
	got := renderRGBA(t, r, req)
	want := renderRGBA(t, r, productSlide())
	require.Equal(t, want.Rect, got.Rect)
	require.True(t, bytes.Equal(want.Pix, got.Pix), "the decoded request renders differently from the fixture")
}

// TestNestedLayoutsShareOnePixelBudget: the layer images alive at once (a
// layout's and its children's) share one budget of 4 times the canvas, so
// nesting cannot multiply memory (it once took 7 GB from 500 bytes).
func TestNestedLayoutsShareOnePixelBudget(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	nested := func(outer, inner int) *schema.Layer {
		in := layout(size(inner, inner), kids(block(10, 10, "#ff0000", rotate(5))))
		in.Path = "layers[0].layers[0]"
		out := layout(size(outer, outer), kids(in))
		out.Path = "layers[0]"
		return out
	}
	// Canvas 1000×1000: the budget is 4 megapixels.
	_, err := r.Render(context.Background(), request(1000, 1000, nested(1000, 1000)))
	require.NoError(t, err, "2 megapixels of layouts fit")
	_, err = r.Render(context.Background(), request(1000, 1000, nested(1900, 1500)))
	fe := failure.As(err)
	require.Equal(t, failure.Unprocessable, fe.Kind, "%v", err)
	require.Contains(t, fe.PublicMessage(), "layers[0].layers[0] is 1500x1500 = 2.2 megapixels; with the 3.6 megapixels of the layouts it is inside")
}
