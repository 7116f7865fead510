package imaging

import (
	"fmt"
	"testing"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"
)

// BenchmarkCoverFitBimg is BenchmarkCoverFit12MP through bimg, the libvips
// binding the design card names: Process with a centre crop (bimg uses
// libvips' shrink-on-load, so the JPEG is decoded at 1/2, 1/4 or 1/8),
// ending in an uncompressed PNG because bimg returns encoded images, not
// pixels. Compare with BenchmarkCoverFit12MP (docs/DESIGN-CARD.md).
func BenchmarkCoverFitBimg(b *testing.B) {
	big, err := bimg.NewImage(sample(b, "coffee.png")).Process(bimg.Options{
		Width: 4000, Height: 3000, Force: true, Enlarge: true, Type: bimg.JPEG, Quality: 90,
	})
	require.NoError(b, err)
	for _, side := range []int{600, 1080} {
		b.Run(fmt.Sprintf("%dx%d", side, side), func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if _, err := bimg.NewImage(big).Process(bimg.Options{Width: side, Height: side, Crop: true,
					Gravity: bimg.GravityCentre, Type: bimg.PNG, Compression: 0}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}
