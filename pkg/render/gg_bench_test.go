package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fogleman/gg"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/font"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/pngenc"
)

// The design card names github.com/fogleman/gg for drawing. These
// benchmarks draw the render-core benchmark's design (shapesRequest) and
// the social card's text (socialCard, without its emoji: gg has no colour
// glyphs) through gg, so docs/DESIGN-CARD.md can compare them with
// BenchmarkCompositeShapes, BenchmarkRenderShapes and
// BenchmarkSocialCardCanvas. STRATA_GG_SAVE=dir writes gg's images there
// for a look.

// ggShapes draws shapesRequest's layers with gg: the 35° three-stop
// gradient, two rounded rectangles at 80% opacity (the second with
// 48/0/48/0 corners) and a solid rotated −12° with radius 12.
func ggShapes() *gg.Context {
	dc := gg.NewContext(1200, 630)
	// CSS angle 35°: the gradient line through the centre, long enough
	// that its ends touch the far corners.
	a := 35 * math.Pi / 180
	half := (1200*math.Abs(math.Sin(a)) + 630*math.Abs(math.Cos(a))) / 2
	dx, dy := math.Sin(a)*half, -math.Cos(a)*half
	g := gg.NewLinearGradient(600-dx, 315-dy, 600+dx, 315+dy)
	g.AddColorStop(0, color.RGBA{0x0F, 0x20, 0x27, 255})
	g.AddColorStop(0.5, color.RGBA{0x20, 0x3A, 0x43, 255})
	g.AddColorStop(1, color.RGBA{0x2C, 0x53, 0x64, 255})
	dc.SetFillStyle(g)
	dc.DrawRectangle(0, 0, 1200, 630)
	dc.Fill()

	dc.SetRGBA255(0xF4, 0xA2, 0x61, 204)
	dc.DrawRoundedRectangle(80, 90, 520, 300, 32)
	dc.Fill()

	// Top-left and bottom-right corners rounded by 48, the others square.
	x, y, w, h, r := 560.0, 240.0, 520.0, 300.0, 48.0
	dc.SetRGBA255(0xE7, 0x6F, 0x51, 204)
	dc.NewSubPath()
	dc.MoveTo(x+r, y)
	dc.LineTo(x+w, y)
	dc.LineTo(x+w, y+h-r)
	dc.DrawArc(x+w-r, y+h-r, r, 0, math.Pi/2)
	dc.LineTo(x, y+h)
	dc.LineTo(x, y+r)
	dc.DrawArc(x+r, y+r, r, math.Pi, 3*math.Pi/2)
	dc.ClosePath()
	dc.Fill()

	dc.Push()
	dc.RotateAbout(gg.Radians(-12), 860+120, 60+70)
	dc.SetRGB255(0x2A, 0x9D, 0x8F)
	dc.DrawRoundedRectangle(860, 60, 240, 140, 12)
	dc.Fill()
	dc.Pop()
	return dc
}

// ggText draws the social card's background and three text blocks with
// gg's word wrapping (Inter through golang/freetype).
func ggText(bold, regular24, regular20 *ggFace) *gg.Context {
	dc := gg.NewContext(1200, 630)
	dc.SetRGB255(0x1d, 0x35, 0x57)
	dc.Clear()
	dc.SetRGB(1, 1, 1)
	for _, t := range []struct {
		face       *ggFace
		text       string
		x, y, w, h float64
	}{
		{bold, "Strata renders social cards with real shaping, fallback fonts and emoji", 80, 120, 1040, 140},
		{regular24, "Bidi, line breaking and auto-scale included — measured, not guessed.", 80, 300, 1040, 40},
		{regular20, "strata.example.com · November 2026", 80, 540, 1040, 30},
	} {
		dc.SetFontFace(t.face.face)
		dc.DrawStringWrapped(t.text, t.x, t.y, 0, 0, t.w, 1.2, gg.AlignLeft)
	}
	return dc
}

// ggFace is a gg font face loaded once.
type ggFace struct{ face font.Face }

func loadGGFace(b *testing.B, file string, px float64) *ggFace {
	path := filepath.Join(assets.Dir(), "fonts", "Inter", file)
	// gg sizes faces in points at 72 dpi, so points = pixels.
	f, err := gg.LoadFontFace(path, px)
	require.NoError(b, err)
	return &ggFace{face: f}
}

// BenchmarkGG draws the shapes design and the social card's text through
// gg: "draw" is the drawing alone (compare BenchmarkCompositeShapes and
// BenchmarkSocialCardCanvas), "+image/png" adds gg's own PNG encoder
// (image/png at its default level, what gg.SavePNG writes), "+strata-png"
// encodes gg's canvas with Strata's PNG writer instead (compare
// BenchmarkRenderShapes and BenchmarkSocialCard).
func BenchmarkGG(b *testing.B) {
	bold := loadGGFace(b, "Inter_700Bold.ttf", 48)
	reg24 := loadGGFace(b, "Inter_400Regular.ttf", 24)
	reg20 := loadGGFace(b, "Inter_400Regular.ttf", 20)
	designs := []struct {
		name string
		draw func() *gg.Context
	}{
		{"shapes", ggShapes},
		{"text", func() *gg.Context { return ggText(bold, reg24, reg20) }},
	}
	for _, d := range designs {
		if dir := os.Getenv("STRATA_GG_SAVE"); dir != "" {
			require.NoError(b, d.draw().SavePNG(filepath.Join(dir, "gg-"+d.name+".png")))
		}
		for _, enc := range []string{"draw", "+image/png", "+strata-png"} {
			b.Run(d.name+"/"+enc, func(b *testing.B) {
				b.ReportAllocs()
				var size int
				cpu := cpuClock(b)
				for b.Loop() {
					dc := d.draw()
					switch enc {
					case "+image/png":
						var buf bytes.Buffer
						require.NoError(b, dc.EncodePNG(&buf))
						size = buf.Len()
					case "+strata-png":
						data, err := pngenc.Encode(dc.Image().(*image.RGBA), 1, pngenc.FilterAuto, 1)
						require.NoError(b, err)
						size = len(data)
					}
				}
				cpu.report()
				if size > 0 {
					b.ReportMetric(float64(size), "bytes")
				}
			})
		}
	}
}

// BenchmarkStrataTextNoEmoji is BenchmarkSocialCardCanvas's card without
// the emoji, the exact text ggText draws, for a like-for-like comparison.
func BenchmarkStrataTextNoEmoji(b *testing.B) {
	r := textRenderer(b, fontRegistry(b))
	req := socialCard()
	req.Layers[1].Text.Text = "Strata renders social cards with real shaping, fallback fonts and emoji"
	ctx := context.Background()
	for _, enc := range []string{"draw", "+strata-png"} {
		b.Run(enc, func(b *testing.B) {
			_, err := r.Render(ctx, req)
			require.NoError(b, err)
			b.ReportAllocs()
			cpu := cpuClock(b)
			for b.Loop() {
				if enc == "draw" {
					_, err = r.renderCanvas(ctx, req)
				} else {
					_, err = r.Render(ctx, req)
				}
				require.NoError(b, err)
			}
			cpu.report()
		})
	}
}
