package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
)

// fontRegistry opens the bundled fonts from the assets dir
// (STRATA_ASSETS_DIR, default ~/.cache/strata).
func fontRegistry(t testing.TB) *typeset.Registry {
	t.Helper()
	dir := assets.Dir()
	reg, err := typeset.NewRegistry(dir)
	if err != nil {
		t.Fatalf("fonts missing: run scripts/setup.sh (%v)", err)
	}
	return reg
}

func textRenderer(t testing.TB, reg *typeset.Registry) *Renderer {
	t.Helper()
	r, err := New(Options{Fonts: reg})
	require.NoError(t, err)
	return r
}

func textLayer(index int, s, family string, size float64, weight schema.Weight, x, y float64, w, h int) *schema.Layer {
	return &schema.Layer{
		Path: "layers[" + string(rune('0'+index)) + "]", Index: index, HasIndex: true, Type: schema.TypeText, Opacity: 100,
		Position: &schema.Point{X: x, Y: y}, Size: &schema.Size{Width: w, Height: h},
		Text: &schema.Text{Text: s, FontName: family, FontSize: size, Weight: weight, SplitLines: true,
			Color: color.NRGBA{R: 255, G: 255, B: 255, A: 255}},
	}
}

// socialCard is the text benchmark design of docs/PERFORMANCE.md: 1200×630,
// a solid background, a bold 48 px title wrapped over two lines, a 24 px
// subtitle and a 20 px footer.
func socialCard() *schema.Request {
	return &schema.Request{
		Width: 1200, Height: 630, OutputFormat: schema.PNG,
		Layers: []*schema.Layer{
			{Path: "layers[0]", Index: 0, HasIndex: true, Type: schema.TypeSolidColor, Opacity: 100,
				Solid: &schema.SolidColor{Color: color.NRGBA{R: 0x1d, G: 0x35, B: 0x57, A: 255}}},
			textLayer(1, "Strata renders social cards with real shaping, fallback fonts and emoji 🎉", "Inter", 48, schema.Bold, 80, 120, 1040, 140),
			textLayer(2, "Bidi, line breaking and auto-scale included — measured, not guessed.", "Inter", 24, schema.Regular, 80, 300, 1040, 40),
			textLayer(3, "strata.example.com · November 2026", "Inter", 20, schema.Regular, 80, 540, 1040, 30),
		},
	}
}

func TestTextLayerRenders(t *testing.T) {
	r := textRenderer(t, fontRegistry(t))
	res, err := r.Render(context.Background(), socialCard())
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(res.Data))
	require.NoError(t, err)
	// The title's white ink is inside its box.
	white := 0
	for y := 120; y < 260; y++ {
		for x := 80; x < 1120; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r > 0xf000 && g > 0xf000 && b > 0xf000 {
				white++
			}
		}
	}
	require.Greater(t, white, 5000)
}

func TestTextLayerWithoutRegistryIs422(t *testing.T) {
	r := textRenderer(t, nil)
	_, err := r.Render(context.Background(), socialCard())
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
	require.Contains(t, failure.As(err).PublicMessage(), "layers[1]")
}

func TestBadCustomFontRejectedBeforeDrawing(t *testing.T) {
	r := textRenderer(t, fontRegistry(t))
	req := socialCard()
	req.Fonts = []*schema.Font{{Path: "fonts[0]", Name: "Broken", Weight: schema.Regular,
		File: schema.File{Type: schema.SourceBase64, Data: []byte("not a font")}}}
	_, err := r.Render(context.Background(), req)
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
	msg := failure.As(err).PublicMessage()
	require.Contains(t, msg, "fonts[0]")
	require.Contains(t, msg, "Broken")
}

func TestTextRotationAndOpacityThroughCompositor(t *testing.T) {
	r := textRenderer(t, fontRegistry(t))
	req := &schema.Request{Width: 300, Height: 300, OutputFormat: schema.PNG, Layers: []*schema.Layer{
		textLayer(0, "ROTATED", "Inter", 40, schema.Bold, 50, 125, 200, 50),
	}}
	req.Layers[0].Rotation = 90
	req.Layers[0].Opacity = 50
	res, err := r.Render(context.Background(), req)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(res.Data))
	require.NoError(t, err)
	ink := image.Rectangle{}
	maxA := uint32(0)
	for y := 0; y < 300; y++ {
		for x := 0; x < 300; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a > 0 {
				ink = ink.Union(image.Rect(x, y, x+1, y+1))
				maxA = max(maxA, a)
			}
		}
	}
	require.Greater(t, ink.Dy(), ink.Dx(), "turned a quarter: taller than wide")
	require.InDelta(t, 0x8000, maxA, 0x800, "half opacity")
}

// BenchmarkSocialCard renders and PNG-encodes the social card with warm
// caches; the median is reported as median-ms (docs/PERFORMANCE.md).
func BenchmarkSocialCard(b *testing.B) {
	r := textRenderer(b, fontRegistry(b))
	req := socialCard()
	ctx := context.Background()
	_, err := r.Render(ctx, req) // warm-up: fonts parsed, caches filled
	require.NoError(b, err)
	var times []time.Duration
	b.ReportAllocs()
	cpu0 := textCPU()
	for b.Loop() {
		start := time.Now()
		if _, err := r.Render(ctx, req); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.ReportMetric(float64(textCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
}

// BenchmarkSocialCardCanvas is the social card without encoding: the
// background and the three text layers drawn and composited.
func BenchmarkSocialCardCanvas(b *testing.B) {
	r := textRenderer(b, fontRegistry(b))
	req := socialCard()
	ctx := context.Background()
	_, err := r.Render(ctx, req)
	require.NoError(b, err)
	cpu0 := textCPU()
	for b.Loop() {
		if _, err := r.renderCanvas(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(textCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// textCPU is the user+system CPU time of this process so far (wall time
// on a shared machine includes waiting for a core).
func textCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSocialCardCold is the first render after start: a new font
// registry each time, so fonts are parsed and every cache is empty.
func BenchmarkSocialCardCold(b *testing.B) {
	req := socialCard()
	ctx := context.Background()
	cpu0 := textCPU()
	for b.Loop() {
		r := textRenderer(b, fontRegistry(b))
		if _, err := r.Render(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(textCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// TestTextDrawnAsInkOnly: a text layer's image covers only its ink
// (inkOnly), with the same pixels as blending its whole box, and a
// render allocates no box-sized image per text layer.
func TestTextDrawnAsInkOnly(t *testing.T) {
	reg := fontRegistry(t)
	r := textRenderer(t, reg)
	req := socialCard()
	req.Layers[2].Opacity = 60
	req.Layers[3].Position.X = 80.5 // rounded as the compositor rounds
	ctx := context.Background()
	got, err := r.renderCanvas(ctx, req)
	require.NoError(t, err)

	want := image.NewRGBA(image.Rect(0, 0, req.Width, req.Height))
	compositeSolid(want, premultiply(req.Layers[0].Solid.Color), 0, 0, req.Width, req.Height, schema.Corners{}, 1, image.Rectangle{})
	boxes := 0
	for _, l := range req.Layers[1:] {
		box := image.Rect(0, 0, l.Size.Width, l.Size.Height)
		img, err := reg.DrawInk(ctx, l.Text, nil, box.Dx(), box.Dy(), func(image.Rectangle) *image.RGBA { return image.NewRGBA(box) })
		require.NoError(t, err)
		composite(want, img, l.Position.X, l.Position.Y, 0, l.Opacity/100) // the whole box at its place
		boxes += len(img.Pix)
	}
	require.Equal(t, want.Pix, got.Pix, "the same pixels as the whole boxes blended")

	if raceEnabled {
		return // -race makes sync.Pool drop buffers; `make test` runs this test again without -race for the allocation check
	}
	for range 3 { // pools and caches warm
		_, err := r.Render(ctx, req)
		require.NoError(t, err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 10
	for range n {
		_, err := r.Render(ctx, req)
		require.NoError(t, err)
	}
	runtime.ReadMemStats(&after)
	perRender := int(after.TotalAlloc-before.TotalAlloc) / n
	require.Less(t, perRender, boxes/2, "allocated per render: %d bytes; the text boxes alone are %d", perRender, boxes)
}
