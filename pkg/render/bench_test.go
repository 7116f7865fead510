package render

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/h2non/bimg"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/pixels"
	"github.com/strata-render/strata/pkg/pngenc"
	"github.com/strata-render/strata/pkg/schema"
)

// shapesRequest is the benchmark design of docs/PERFORMANCE.md: 1200×630,
// a full-canvas linear gradient, two rounded rectangles at 80% opacity and
// one rotated solid.
func shapesRequest(format schema.Format) *schema.Request {
	req := request(1200, 630,
		linear(0, 35, stops("#0F2027", 0, "#203A43", 50, "#2C5364", 100), box(0, 0, 1200, 630)),
		solid(1, "#F4A261", box(80, 90, 520, 300), radius(32), opacity(80)),
		solid(2, "#E76F51", box(560, 240, 520, 300), corners(48, 0, 48, 0), opacity(80)),
		solid(3, "#2A9D8F", box(860, 60, 240, 140), rotate(-12), radius(12)),
	)
	req.OutputFormat = format
	return req
}

// BenchmarkRenderShapes is the render-core budget: compositing plus PNG
// encoding (target ≤ 8 ms on one core).
func BenchmarkRenderShapes(b *testing.B) {
	r := newTestRenderer(b)
	req := shapesRequest(schema.PNG)
	ctx := context.Background()
	b.ReportAllocs()
	var size int
	cpu := cpuClock(b)
	for b.Loop() {
		res, err := r.Render(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		size = len(res.Data)
	}
	cpu.report()
	b.ReportMetric(float64(size), "bytes")
}

// cpuTimer reports the process CPU time per iteration ("cpu-ms/op"), which
// stays meaningful on a shared machine where wall time includes waiting
// for a core.
type cpuTimer struct {
	b     *testing.B
	start time.Duration
}

func cpuClock(b *testing.B) cpuTimer { return cpuTimer{b, processCPU()} }

func (c cpuTimer) report() {
	c.b.ReportMetric(float64(processCPU()-c.start)/float64(time.Millisecond)/float64(c.b.N), "cpu-ms/op")
}

// processCPU is the user+system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCompositeShapes is the drawing and compositing part alone.
func BenchmarkCompositeShapes(b *testing.B) {
	r := newTestRenderer(b)
	req := shapesRequest(schema.PNG)
	ctx := context.Background()
	b.ReportAllocs()
	cpu := cpuClock(b)
	for b.Loop() {
		if _, err := r.renderCanvas(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report()
}

// BenchmarkEncode measures each format's encoder (including the raw
// hand-over to libvips) on the shapes image, reporting the output size.
func BenchmarkEncode(b *testing.B) {
	r := newTestRenderer(b)
	canvas, err := r.renderCanvas(context.Background(), shapesRequest(schema.PNG))
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []schema.Format{schema.PNG, schema.JPEG, schema.WebP, schema.TIFF, schema.GIF, schema.AVIF} {
		b.Run(string(f), func(b *testing.B) {
			var size int
			cpu := cpuClock(b)
			for b.Loop() {
				data, _, err := r.encode(canvas, f, r.enc, spareCores())
				if err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			cpu.report()
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

// setting is one encoder configuration of the sweep.
type setting struct {
	name   string
	format schema.Format
	adjust func(*EncodeOptions)
}

// encodeSettings lists the configurations BenchmarkEncodeSettings tries.
func encodeSettings() []setting {
	var settings []setting
	for _, c := range []int{0, 1, 2, 3, 4, 6, 9} {
		for _, f := range []struct {
			name string
			id   int
		}{{"auto", pngenc.FilterAuto}, {"none", pngenc.FilterNone}, {"up", pngenc.FilterUp}} {
			settings = append(settings, setting{fmt.Sprintf("png/l%d-%s", c, f.name), schema.PNG,
				func(o *EncodeOptions) { o.PNGCompression, o.PNGFilter = c, f.id }})
		}
	}
	for _, q := range []int{80, 85, 90} {
		settings = append(settings, setting{fmt.Sprintf("jpeg/q%d", q), schema.JPEG, func(o *EncodeOptions) { o.JPEGQuality = q }})
	}
	for _, e := range []int{0, 1, 2, 4} {
		settings = append(settings, setting{fmt.Sprintf("webp/q85-e%d", e), schema.WebP, func(o *EncodeOptions) { o.WebPEffort = e }})
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"none", 0}, {"deflate", 2}, {"lzw", 5}} {
		settings = append(settings, setting{"tiff/" + c.name, schema.TIFF, func(o *EncodeOptions) { o.TIFFCompression = c.v }})
	}
	for _, e := range []int{1, 3, 7} {
		for _, d := range []int{0, 100} {
			settings = append(settings, setting{fmt.Sprintf("gif/e%d-dither%d", e, d), schema.GIF,
				func(o *EncodeOptions) { o.GIFEffort, o.GIFDither = e, d }})
		}
	}
	for _, e := range []int{0, 1, 2, 4} {
		for _, q := range []int{50, 60} {
			settings = append(settings, setting{fmt.Sprintf("avif/q%d-e%d", q, e), schema.AVIF,
				func(o *EncodeOptions) { o.AVIFQuality, o.AVIFEffort = q, e }})
		}
	}
	return settings
}

// BenchmarkEncodeSettings sweeps the encoder settings that the defaults
// were chosen from (docs/PERFORMANCE.md) on the shapes image and a photo.
// Run with -bench EncodeSettings.
func BenchmarkEncodeSettings(b *testing.B) {
	shapes, err := newTestRenderer(b).renderCanvas(context.Background(), shapesRequest(schema.PNG))
	if err != nil {
		b.Fatal(err)
	}
	photo := photoCanvas(b)
	for _, s := range encodeSettings() {
		for _, c := range []struct {
			name   string
			canvas *image.RGBA
		}{{"shapes", shapes}, {"photo", photo}} {
			b.Run(s.name+"/"+c.name, func(b *testing.B) {
				opts := DefaultEncodeOptions()
				s.adjust(&opts)
				r := &Renderer{enc: opts}
				var size int
				cpu := cpuClock(b)
				for b.Loop() {
					data, _, err := r.encode(c.canvas, s.format, r.enc, spareCores())
					if err != nil {
						b.Fatal(err)
					}
					size = len(data)
				}
				cpu.report()
				b.ReportMetric(float64(size), "bytes")
			})
		}
	}
}

// photoCanvas is a real photo (the assets' samples/rocket.jpg) cropped to
// 1200×630, the other input of the encoder sweep.
func photoCanvas(b testing.TB) *image.RGBA {
	dir := assets.Dir()
	data, err := os.ReadFile(filepath.Join(dir, "samples", "rocket.jpg"))
	if err != nil {
		b.Fatalf("sample photo missing (run scripts/setup.sh): %v", err)
	}
	out, err := bimg.NewImage(data).Process(bimg.Options{Width: 1200, Height: 630, Crop: true, Type: bimg.PNG})
	if err != nil {
		b.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		b.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, image.Point{}, draw.Src)
	return rgba
}

// BenchmarkHandover measures turning the premultiplied canvas into the raw
// buffer libvips wraps without copying (vips_image_new_from_memory): the
// whole cost of getting pixels into libvips.
func BenchmarkHandover(b *testing.B) {
	r := newTestRenderer(b)
	opaqueCanvas, err := r.renderCanvas(context.Background(), shapesRequest(schema.PNG))
	if err != nil {
		b.Fatal(err)
	}
	translucent := image.NewRGBA(opaqueCanvas.Rect)
	copy(translucent.Pix, opaqueCanvas.Pix)
	for i := 3; i < len(translucent.Pix); i += 4 {
		translucent.Pix[i] = 200
	}
	raw := make([]byte, len(opaqueCanvas.Pix))
	for _, tc := range []struct {
		name string
		run  func()
	}{
		{"opaque-rgb", func() { pixels.DropAlpha(raw, 3*opaqueCanvas.Rect.Dx(), opaqueCanvas) }},
		{"translucent-unpremultiply", func() {
			pixels.DropAlpha(raw, 3*translucent.Rect.Dx(), translucent)
			pixels.Unpremultiply(raw, 4*translucent.Rect.Dx(), translucent)
		}},
		{"jpeg-flatten", func() { pixels.FlattenWhite(raw, opaqueCanvas) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			cpu := cpuClock(b)
			for b.Loop() {
				tc.run()
			}
			cpu.report()
		})
	}
}

// effectsCard is the effects benchmark design: 1200×630, a photo filling
// the canvas and three rounded cards. With effects the photo is blurred
// (blur_in_px 12) and each card has two shadows (a tight one and a 40 px
// soft one) and a border; without, the same layers plain.
func effectsCard(b *testing.B, effects bool) *schema.Request {
	photo := samplePhotoBytes(b, "chelsea.png")
	bg := imageLayer(0, photo, box(0, 0, 1200, 630))
	cards := []*schema.Layer{
		solid(1, "#FFFFFFE6", box(80, 120, 320, 380), radius(28)),
		solid(2, "#FFFFFFE6", box(440, 120, 320, 380), radius(28)),
		linear(3, 30, stops("#2563EB", 0, "#7C3AED", 100), box(800, 120, 320, 380), radius(28)),
	}
	if effects {
		bg.Effects = &schema.Effects{Blur: 12}
		for _, c := range cards {
			c.Effects = &schema.Effects{
				Shadows: []schema.Shadow{{Y: 2, Blur: 6, Color: hex("#0000004D")}, {Y: 24, Blur: 40, Spread: -6, Color: hex("#0F172A66")}},
				Border:  &schema.Border{Width: 2, Color: hex("#FFFFFF")},
			}
		}
	}
	return request(1200, 630, append([]*schema.Layer{bg}, cards...)...)
}

// BenchmarkEffectsCard renders effectsCard with and without its effects
// (target: effects ≤ 1.5× plain; docs/PERFORMANCE.md, "Layer effects").
func BenchmarkEffectsCard(b *testing.B) {
	for _, effects := range []bool{false, true} {
		name := "plain"
		if effects {
			name = "effects"
		}
		b.Run(name, func(b *testing.B) {
			r, err := New(Options{Images: imaging.NewLoader(imaging.Options{})})
			if err != nil {
				b.Fatal(err)
			}
			req := effectsCard(b, effects)
			ctx := context.Background()
			b.ReportAllocs()
			cpu := cpuClock(b)
			for b.Loop() {
				if _, err := r.Render(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report()
		})
	}
}

// BenchmarkGaussianBlur shows the blur is O(pixels): the same time per
// pixel whatever the radius.
func BenchmarkGaussianBlur(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 630))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	for _, sigma := range []float64{2, 12, 60} {
		b.Run(fmt.Sprintf("sigma=%g", sigma), func(b *testing.B) {
			for b.Loop() {
				gaussianBlur(img, sigma)
			}
		})
	}
}
