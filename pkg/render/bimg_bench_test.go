package render

import (
	"context"
	"testing"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/pngenc"
	"github.com/strata-render/strata/pkg/schema"
)

// BenchmarkEncodeBimg is BenchmarkEncode's JPEG and WebP through bimg, the
// libvips binding the design card names: bimg only takes encoded images,
// so the canvas goes to it as a stored (uncompressed) PNG, which libvips
// decodes before it encodes. Compare with BenchmarkEncode/jpeg and /webp,
// where the canvas reaches libvips as raw pixels (docs/DESIGN-CARD.md).
func BenchmarkEncodeBimg(b *testing.B) {
	r := newTestRenderer(b)
	canvas, err := r.renderCanvas(context.Background(), shapesRequest(schema.PNG))
	require.NoError(b, err)
	for _, f := range []struct {
		name string
		opts bimg.Options
	}{
		{"jpeg", bimg.Options{Type: bimg.JPEG, Quality: r.enc.JPEGQuality}},
		{"webp", bimg.Options{Type: bimg.WEBP, Quality: r.enc.WebPQuality}},
	} {
		b.Run(f.name, func(b *testing.B) {
			var size int
			cpu := cpuClock(b)
			for b.Loop() {
				stored, err := pngenc.Encode(canvas, 0, pngenc.FilterNone, 1)
				if err != nil {
					b.Fatal(err)
				}
				out, err := bimg.NewImage(stored).Process(f.opts)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			cpu.report()
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
