package bgremove

import (
	"context"
	"image"
	"image/color"
	_ "image/jpeg" // sample photos
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	xdraw "golang.org/x/image/draw"

	"github.com/strata-render/strata/pkg/assets"
)

func assetPath(t testing.TB, rel string) string {
	dir := assets.Dir()
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("asset %s is missing: run scripts/setup.sh (or set STRATA_ASSETS_DIR)", p)
	}
	return p
}

var (
	shared    *Remover
	sharedErr error
	once      sync.Once
)

func testSegmenter(t testing.TB) *Remover {
	lib, model := assetPath(t, "onnxruntime/libonnxruntime.so.1"), assetPath(t, "models/u2netp.onnx")
	once.Do(func() { shared, sharedErr = New(lib, model, 2) })
	require.NoError(t, sharedErr)
	return shared
}

func loadSample(t testing.TB, name string) image.Image {
	f, err := os.Open(assetPath(t, filepath.Join("samples", name)))
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	return img
}

// patchMean is the mean alpha of the 9×9 patch centred on (x, y).
func patchMean(m *image.Alpha, x, y int) float64 {
	var sum, n float64
	for yy := y - 4; yy <= y+4; yy++ {
		for xx := x - 4; xx <= x+4; xx++ {
			if image.Pt(xx, yy).In(m.Rect) {
				sum += float64(m.AlphaAt(xx, yy).A)
				n++
			}
		}
	}
	return sum / n
}

// TestMaskOnPhotos: points well inside the subject are opaque and the
// background corners transparent. The points were picked by looking at the
// photos; measured values were 255 inside and 0 outside, the bounds leave a
// margin for other ONNX Runtime builds.
func TestMaskOnPhotos(t *testing.T) {
	t.Parallel()
	s := testSegmenter(t)
	cases := []struct {
		name       string
		file       string
		subject    []image.Point
		background []image.Point
	}{
		{
			name:       "astronaut",
			file:       "astronaut.png",
			subject:    []image.Point{{225, 130}, {150, 400}, {390, 440}},     // face, suit, helmet
			background: []image.Point{{4, 4}, {507, 4}, {507, 200}, {60, 30}}, // corners, wall, flag
		},
		{
			name:       "coffee",
			file:       "coffee.png",
			subject:    []image.Point{{290, 150}, {200, 250}, {400, 330}},     // coffee, cup, saucer
			background: []image.Point{{4, 4}, {595, 4}, {4, 395}, {595, 395}}, // the table's corners
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := loadSample(t, tc.file)
			m, err := s.Mask(context.Background(), img)
			require.NoError(t, err)
			require.Equal(t, img.Bounds().Size(), m.Rect.Size())
			for _, p := range tc.subject {
				require.GreaterOrEqual(t, patchMean(m, p.X, p.Y), 230.0, "subject at %v", p)
			}
			for _, p := range tc.background {
				require.LessOrEqual(t, patchMean(m, p.X, p.Y), 20.0, "background at %v", p)
			}
		})
	}
}

// TestMaskConcurrent runs more masks than inference slots at once (run with
// -race): every result equals the sequential one.
func TestMaskConcurrent(t *testing.T) {
	t.Parallel()
	s := testSegmenter(t)
	img := loadSample(t, "coffee.png")
	want, err := s.Mask(context.Background(), img)
	require.NoError(t, err)
	var wg sync.WaitGroup
	results := make([]*image.Alpha, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = s.Mask(context.Background(), img) })
	}
	wg.Wait()
	for i := range results {
		require.NoError(t, errs[i])
		require.Equal(t, want.Pix, results[i].Pix)
	}
}

// TestMaskWaitsForSlot: with every slot taken, Mask gives up when its
// context ends instead of queueing unboundedly.
func TestMaskWaitsForSlot(t *testing.T) {
	t.Parallel()
	s := &Remover{sem: make(chan struct{}, 1)}
	s.sem <- struct{}{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Mask(ctx, image.NewRGBA(image.Rect(0, 0, 4, 4)))
	require.ErrorIs(t, err, context.Canceled)
}

func TestNewMissingFiles(t *testing.T) {
	t.Parallel()
	lib, model := assetPath(t, "onnxruntime/libonnxruntime.so.1"), assetPath(t, "models/u2netp.onnx")
	cases := []struct {
		name       string
		lib, model string
	}{
		{name: "missing model", lib: lib, model: filepath.Join(t.TempDir(), "u2netp.onnx")},
		{name: "missing runtime", lib: filepath.Join(t.TempDir(), "libonnxruntime.so.1"), model: model},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.lib, tc.model, 1)
			require.ErrorIs(t, err, ErrNotInstalled)
			require.Contains(t, err.Error(), "run scripts/setup.sh")
		})
	}
}

// TestNewIsLazy: New loads nothing, and a Remover that was never used
// closes cleanly; Mask after Close is refused.
func TestNewIsLazy(t *testing.T) {
	t.Parallel()
	lib, model := assetPath(t, "onnxruntime/libonnxruntime.so.1"), assetPath(t, "models/u2netp.onnx")
	s, err := New(lib, model, 1)
	require.NoError(t, err)
	require.Nil(t, s.session)
	require.Zero(t, s.loads)
	s.Close()
	s.Close()
	_, err = s.Mask(context.Background(), image.NewRGBA(image.Rect(0, 0, 8, 8)))
	require.ErrorIs(t, err, ErrClosed)
	require.Zero(t, s.loads)
}

// TestFirstMasksShareOneSession: concurrent first calls create exactly one
// session. Through Mask (more callers than inference slots) they get the
// same masks; through acquire, with nothing before it to stagger them, they
// race for the creation; a caller that finds the session made while it
// waited for the lock makes none.
func TestFirstMasksShareOneSession(t *testing.T) {
	t.Parallel()
	lib, model := assetPath(t, "onnxruntime/libonnxruntime.so.1"), assetPath(t, "models/u2netp.onnx")
	s, err := New(lib, model, 2)
	require.NoError(t, err)
	img := loadSample(t, "chelsea.png")
	results := make([]*image.Alpha, 4)
	errs := make([]error, len(results))
	concurrently(len(results), func(i int) { results[i], errs[i] = s.Mask(context.Background(), img) })
	for i := range results {
		require.NoError(t, errs[i])
		require.Equal(t, results[0].Pix, results[i].Pix)
	}
	require.Equal(t, 1, s.loads)

	s2, err := New(lib, model, 1)
	require.NoError(t, err)
	defer s2.Close()
	concurrently(8, func(int) {
		if _, err := s2.acquire(); err == nil {
			s2.mu.RUnlock()
		}
	})
	require.Equal(t, 1, s2.loads)
	require.NoError(t, s2.create(), "a caller that lost the race to create")
	require.Equal(t, 1, s2.loads)

	s.Close()
	require.Nil(t, s.session)
	_, err = s.Mask(context.Background(), img)
	require.ErrorIs(t, err, ErrClosed)
}

// concurrently runs f(0..n-1) in n goroutines released at once.
func concurrently(n int, f func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

// TestSessionErrorIsRetried: a model that fails to load is reported to the
// caller, and not remembered: once the file is good, the next Mask works
// without a new Remover.
func TestSessionErrorIsRetried(t *testing.T) {
	t.Parallel()
	lib, model := assetPath(t, "onnxruntime/libonnxruntime.so.1"), assetPath(t, "models/u2netp.onnx")
	broken := filepath.Join(t.TempDir(), "u2netp.onnx")
	require.NoError(t, os.WriteFile(broken, []byte("not an onnx model"), 0o644))
	s, err := New(lib, broken, 1)
	require.NoError(t, err, "New only checks that the files exist")
	defer s.Close()
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	_, err = s.Mask(context.Background(), img)
	require.ErrorContains(t, err, "load model "+broken)
	require.Zero(t, s.loads)

	good, err := os.ReadFile(model)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(broken, good, 0o644))
	m, err := s.Mask(context.Background(), img)
	require.NoError(t, err)
	require.Equal(t, img.Rect, m.Rect)
	require.Equal(t, 1, s.loads)
}

// TestGuidedFilterSharpensEdges: a mask blurred over 16 pixels (what the
// 320-pixel model output looks like upsampled 4×) snaps to the sharp edge
// of the guide image, with the original filter (s = 1) and the fast one
// (coefficients at 1/3 and 1/4, the edge on and off their grid).
func TestGuidedFilterSharpensEdges(t *testing.T) {
	t.Parallel()
	const w, h = 200, 20
	guide := make([]float32, w*h)
	soft := make([]float32, w*h)
	for y := range h {
		for x := range w {
			if x >= 100 {
				guide[y*w+x] = 0.9
			} else {
				guide[y*w+x] = 0.1
			}
			soft[y*w+x] = min(max(float32(x-92)/16, 0), 1)
		}
	}
	// The largest step between neighbours, and where it is.
	jump := func(v []float32) (float32, int) {
		var best float32
		at := 0
		for x := 1; x < w; x++ {
			if d := v[10*w+x] - v[10*w+x-1]; d > best {
				best, at = d, x
			}
		}
		return best, at
	}
	softJump, _ := jump(soft)
	require.InDelta(t, 1.0/16, softJump, 0.001)
	for _, s := range []int{1, 3, 4} {
		out := guidedFilter(guide, w, h, soft, w, h, 8, s, 1e-3)
		outJump, at := jump(out)
		require.Greater(t, outJump, float32(0.4), "s=%d: the mask steps where the guide does", s)
		require.Equal(t, 100, at, "s=%d", s)
		require.InDelta(t, 0, out[10*w+50], 0.05, "s=%d", s)
		require.InDelta(t, 1, out[10*w+150], 0.05, "s=%d", s)
	}
}

// TestFastGuidedFilterOnPhotos: on real photos at 1024 px the fast guided
// filter's mask stays within a fraction of a grey level of the original
// filter's. Measured (docs/IMAGES.md): mean difference 0.36–0.42/255, and
// 0.03–0.07% of pixels off by more than 0.1, at the mask's edges.
func TestFastGuidedFilterOnPhotos(t *testing.T) {
	t.Parallel()
	seg := testSegmenter(t)
	for _, name := range []string{"astronaut.png", "coffee.png"} {
		t.Run(name, func(t *testing.T) {
			src := loadSample(t, name)
			w := 1024
			h := src.Bounds().Dy() * w / src.Bounds().Dx()
			img := image.NewRGBA(image.Rect(0, 0, w, h))
			xdraw.CatmullRom.Scale(img, img.Rect, src, src.Bounds(), xdraw.Src, nil)
			rgb := toRGB(img)
			raw, err := seg.infer(normalise(rgb))
			require.NoError(t, err)
			minMax(raw)
			r := guideRadius(w, h)
			require.Greater(t, guideScale(r), 1)
			full := guidedFilter(rgb.gray(), w, h, raw, side, side, r, 1, 1e-3)
			fast := guidedFilter(rgb.gray(), w, h, raw, side, side, r, guideScale(r), 1e-3)
			var sum float64
			off := 0
			for k := range full {
				d := math.Abs(float64(fast[k] - full[k]))
				sum += d
				if d > 0.1 {
					off++
				}
			}
			require.Less(t, sum/float64(len(full)), 1.0/255, "mean difference")
			require.Less(t, float64(off)/float64(len(full)), 0.005, "share of pixels off by more than 0.1")
		})
	}
}

// TestMaskSolidImage: a featureless image gives a valid (if arbitrary)
// mask of the right size, never NaNs from the min-max step.
func TestMaskSolidImage(t *testing.T) {
	t.Parallel()
	s := testSegmenter(t)
	img := image.NewUniform(color.RGBA{128, 128, 128, 255})
	m, err := s.Mask(context.Background(), &boundedUniform{img, image.Rect(0, 0, 37, 23)})
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 37, 23), m.Rect)
}

type boundedUniform struct {
	*image.Uniform
	r image.Rectangle
}

func (b *boundedUniform) Bounds() image.Rectangle { return b.r }

// BenchmarkMask1024 segments a 1024×1024 photo (astronaut.png upscaled),
// the budget being 400 ms on 2 cores.
func BenchmarkMask1024(b *testing.B) {
	s := testSegmenter(b)
	src := loadSample(b, "astronaut.png")
	img := image.NewRGBA(image.Rect(0, 0, 1024, 1024))
	xdraw.CatmullRom.Scale(img, img.Rect, src, src.Bounds(), xdraw.Src, nil)
	// The first Mask creates the session (once per process), not part of
	// the cost per image.
	_, err := s.Mask(context.Background(), img)
	require.NoError(b, err)
	cpu := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Mask(context.Background(), img); err != nil {
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
