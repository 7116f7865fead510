package imaging

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"
)

// BenchmarkCoverFit12MP cover-fits a 12-megapixel JPEG (coffee.png
// upscaled to 4000×3000 in the benchmark) into 600×600 (budget: 150 ms on
// 2 cores) and into 1080×1080 (the peers benchmark's product design): the
// JPEG is decoded at 2/8 and 3/8 of its size by DCT scaling.
func BenchmarkCoverFit12MP(b *testing.B) {
	big, err := bimg.NewImage(sample(b, "coffee.png")).Process(bimg.Options{
		Width: 4000, Height: 3000, Force: true, Enlarge: true, Type: bimg.JPEG, Quality: 90,
	})
	require.NoError(b, err)
	size, err := bimg.NewImage(big).Size()
	require.NoError(b, err)
	require.Equal(b, 4000*3000, size.Width*size.Height)
	l := NewLoader(Options{})
	img := base64Image(big)
	for _, side := range []int{600, 1080} {
		b.Run(fmt.Sprintf("%dx%d", side, side), func(b *testing.B) {
			b.SetBytes(int64(len(big)))
			cpu := cpuTime()
			for b.Loop() {
				if _, err := l.Load(context.Background(), "layers[0]", img, side, side); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkRemoveBackground1024 loads a 1024×1024 photo with the
// background removed: decode, segmentation, guided filter, compositing.
func BenchmarkRemoveBackground1024(b *testing.B) {
	l := NewLoader(Options{BackgroundRemover: testRemover(b)})
	img := base64Image(sample(b, "astronaut.png"))
	img.RemoveBackground = true
	// The ONNX session is created on first use; create it before timing.
	_, err := l.Load(context.Background(), "layers[0]", img, 1024, 1024)
	require.NoError(b, err)
	cpu := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.Load(context.Background(), "layers[0]", img, 1024, 1024); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user+system CPU time: on a shared machine wall
// time per op says more about the neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
