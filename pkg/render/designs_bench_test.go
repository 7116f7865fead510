package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

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
// image placeholders, which the peer comparison fills with its own 12 MP
// and 2 MP JPEGs, are filled with samples/rocket.jpg here.
func benchDesign(tb testing.TB, name string) *schema.Request {
	tb.Helper()
	body, err := os.ReadFile(filepath.Join("..", "..", "bench", "designs", name+".json"))
	require.NoError(tb, err)
	if bytes.Contains(body, []byte("_JPEG@")) {
		photo, err := os.ReadFile(filepath.Join(assets.Dir(), "samples", "rocket.jpg"))
		require.NoError(tb, err, "sample photo (run scripts/setup.sh)")
		b64 := []byte(base64.StdEncoding.EncodeToString(photo))
		body = bytes.ReplaceAll(body, []byte("@PRODUCT_JPEG@"), b64)
		body = bytes.ReplaceAll(body, []byte("@PHOTO_JPEG@"), b64)
	}
	req, err := schema.Decode(body, schema.DefaultLimits())
	require.NoError(tb, err)
	return req
}

// benchEachDesign runs loop as a sub-benchmark per design, warm (one
// render first: fonts parsed, caches filled), with allocations and the CPU
// time per render reported around it.
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
