package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/pngenc"
	"github.com/strata-render/strata/pkg/schema"
)

// benchDesigns are the peer comparison's designs (bench/designs), in the
// order of docs/PERFORMANCE.md's table.
var benchDesigns = []string{"social", "rich", "certificate", "multilingual", "effects", "product"}

// benchDesign decodes bench/designs/<name>.json as the API does. The
// image placeholders are filled with JPEGs of the peer comparison's sizes
// (cameraJPEG).
func benchDesign(tb testing.TB, name string) *schema.Request {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join("..", "..", "bench", "designs", name+".json"))
	require.NoError(tb, err)
	for _, ph := range []struct {
		name string
		w, h int
	}{{"@PRODUCT_JPEG@", 4000, 3000}, {"@PHOTO_JPEG@", 1600, 1067}} {
		if bytes.Contains(body, []byte(ph.name)) {
			b64 := []byte(base64.StdEncoding.EncodeToString(cameraJPEG(tb, ph.w, ph.h)))
			body = bytes.ReplaceAll(body, []byte(ph.name), b64)
		}
	}
	req, err := schema.Decode(body, schema.DefaultLimits())
	require.NoError(tb, err)
	return req
}

// benchEachDesign runs loop as a sub-benchmark per design, warm (one
// render first: fonts parsed, caches filled), with allocations and the CPU
// time per render reported around it.
// cameraJPEG is samples/coffee.png cover-fitted to w×h (Lanczos 3) with
// a light gaussian grain, as a quality-90 4:2:0 JPEG: the image designs'
// photos as bench/lib/product.js makes them for the peer comparison
// (4000×3000 for product, 1600×1067 for effects), so that these designs
// decode and resize what the peers' table measures. Made once per size.
func cameraJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	key := image.Pt(w, h)
	cameraMu.Lock()
	defer cameraMu.Unlock()
	if b, ok := cameraJPEGs[key]; ok {
		return b
	}
	src, err := os.ReadFile(filepath.Join(assets.Dir(), "samples", "coffee.png"))
	require.NoError(tb, err, "sample photo (run scripts/setup.sh)")
	scaled, err := bimg.NewImage(src).Process(bimg.Options{Width: w, Height: h, Crop: true, Enlarge: true, Type: bimg.PNG})
	require.NoError(tb, err)
	img, err := png.Decode(bytes.NewReader(scaled))
	require.NoError(tb, err)
	rgb := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(rgb, rgb.Rect, img, img.Bounds().Min, draw.Src)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(rgb.Pix); i += 4 {
		for c := range 3 {
			v := float64(rgb.Pix[i+c]) + rng.NormFloat64()*6
			rgb.Pix[i+c] = uint8(min(max(v+0.5, 0), 255))
		}
		rgb.Pix[i+3] = 255
	}
	var out bytes.Buffer
	require.NoError(tb, jpeg.Encode(&out, rgb, &jpeg.Options{Quality: 90}))
	cameraJPEGs[key] = out.Bytes()
	return out.Bytes()
}

var (
	cameraMu    sync.Mutex
	cameraJPEGs = map[image.Point][]byte{}
)

func benchEachDesign(b *testing.B, loop func(b *testing.B, r *Renderer, req *schema.Request)) {
	r, err := New(Options{Fonts: fontRegistry(b), Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(b, err)
	for _, name := range benchDesigns {
		b.Run(name, func(b *testing.B) {
			req := benchDesign(b, name)
			_, err := r.Render(context.Background(), req)
			require.NoError(b, err)
			b.ReportAllocs()
			cpu := cpuClock(b)
			loop(b, r, req)
			cpu.report()
		})
	}
}

// BenchmarkDesign renders each peer-comparison design serially, warm
// (fonts parsed, caches filled), through Renderer.Render with PNG output:
// the in-process latency that `make bench-peers` compares with takumi.
// It reports the median wall time of one render and the CPU time per
// render (docs/PERFORMANCE.md, "Render core").
func BenchmarkDesign(b *testing.B) {
	benchEachDesign(b, func(b *testing.B, r *Renderer, req *schema.Request) {
		ctx := context.Background()
		times := make([]time.Duration, 0, 1024)
		var size int
		for b.Loop() {
			start := time.Now()
			res, err := r.Render(ctx, req)
			if err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
			size = len(res.Data)
		}
		b.StopTimer()
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
		b.ReportMetric(float64(size), "file-bytes")
	})
}

// BenchmarkDesignParallel renders each design from GOMAXPROCS goroutines
// at once: throughput with every core busy (ns/op is wall time per render
// across all of them).
func BenchmarkDesignParallel(b *testing.B) {
	benchEachDesign(b, func(b *testing.B, r *Renderer, req *schema.Request) {
		ctx := context.Background()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := r.Render(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkDesignPNG is the PNG encode alone (hand-over, row filter,
// DEFLATE) of each design's canvas, in one band and in two
// (pngenc.Encode: the second on another core when one is free).
func BenchmarkDesignPNG(b *testing.B) {
	r, err := New(Options{Fonts: fontRegistry(b), Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(b, err)
	for _, name := range benchDesigns {
		canvas, err := r.renderCanvas(context.Background(), benchDesign(b, name))
		require.NoError(b, err)
		for _, parts := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/parts=%d", name, parts), func(b *testing.B) {
				cpu := cpuClock(b)
				var size int
				for b.Loop() {
					data, err := pngenc.Encode(canvas, r.enc.PNGCompression, r.enc.PNGFilter, parts)
					if err != nil {
						b.Fatal(err)
					}
					size = len(data)
				}
				cpu.report()
				b.ReportMetric(float64(size), "file-bytes")
			})
		}
	}
}
