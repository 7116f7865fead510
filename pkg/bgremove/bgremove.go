// Package bgremove (background removal) separates a photo's salient subject from its background
// with the U²-Netp model (Apache-2.0 weights) run by ONNX Runtime on the CPU.
//
// The pipeline (docs/IMAGES.md): the image is resized to 320×320 and
// normalised like rembg (RGB/255, ImageNet mean and std), the model's first
// output is min-max normalised and refined by a fast guided filter against
// the full-resolution image, so the mask follows the photo's real edges
// instead of the model's 320-pixel grid.
package bgremove

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"runtime"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// The model's fixed geometry and tensor names (U²-Netp as exported by rembg).
const (
	side       = 320
	inputName  = "input.1"
	outputName = "1959"
)

// ErrNotInstalled is returned by New when the runtime library or the model
// file is missing.
var ErrNotInstalled = errors.New("background removal is not installed")

// env is the process-wide ONNX Runtime environment: onnxruntime_go allows
// one shared library and one environment per process.
var env struct {
	sync.Mutex
	lib string
	err error
}

func initEnvironment(libPath string) error {
	env.Lock()
	defer env.Unlock()
	if ort.IsInitialized() {
		if env.lib != "" && env.lib != libPath {
			return fmt.Errorf("onnxruntime already initialised from %s", env.lib)
		}
		return nil
	}
	ort.SetSharedLibraryPath(libPath)
	if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
		return fmt.Errorf("initialise onnxruntime from %s: %w", libPath, err)
	}
	env.lib = libPath
	return nil
}

// ErrClosed is returned by Mask after Close.
var ErrClosed = errors.New("background remover is closed")

// Remover computes foreground masks. One ONNX session is shared by all
// callers (ORT sessions are safe for concurrent Run calls); a semaphore
// bounds how many inferences run at once, since each holds a few hundred
// megabytes of activations.
//
// The session is created by the first Mask, not by New: loading the model
// allocates ONNX Runtime's arenas and thread pool (about 50 MB), which a
// process that never removes a background should not pay.
type Remover struct {
	lib, model string
	sem        chan struct{}

	// mu guards the fields below. Runs hold it for reading, so Close
	// waits for them before destroying the session.
	mu      sync.RWMutex
	session *ort.DynamicAdvancedSession
	closed  bool
	loads   int // sessions created: at most one succeeds
}

// New prepares a Remover for the model at modelPath and the ONNX Runtime
// shared library at libPath, allowing maxConcurrent inferences at once (at
// least one). It only checks that both files exist, returning an error
// wrapping ErrNotInstalled when one is missing; the runtime and the model
// are loaded by the first Mask.
func New(libPath, modelPath string, maxConcurrent int) (*Remover, error) {
	for _, p := range []string{libPath, modelPath} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%w: %s is missing (run scripts/setup.sh)", ErrNotInstalled, p)
		}
	}
	return &Remover{lib: libPath, model: modelPath, sem: make(chan struct{}, max(maxConcurrent, 1))}, nil
}

// newSession initialises the runtime (once per process) and loads the
// model.
func newSession(libPath, modelPath string) (*ort.DynamicAdvancedSession, error) {
	if err := initEnvironment(libPath); err != nil {
		return nil, err
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	defer func() { _ = opts.Destroy() }()
	// One inference uses every core; more threads than cores only contend.
	if err := opts.SetIntraOpNumThreads(runtime.NumCPU()); err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	// Spinning worker threads burn the cores libvips and the other
	// requests need between inferences.
	if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
		return nil, fmt.Errorf("session options: %w", err)
	}
	session, err := ort.NewDynamicAdvancedSession(modelPath, []string{inputName}, []string{outputName}, opts)
	if err != nil {
		return nil, fmt.Errorf("load model %s: %w", modelPath, err)
	}
	return session, nil
}

// acquire returns the session, creating it on first use, with s.mu held for
// reading: the caller runs it and then calls s.mu.RUnlock. A failed
// creation is returned to the caller and not remembered: the next call
// tries again, so a model file replaced after a failure is picked up
// without a restart.
func (s *Remover) acquire() (*ort.DynamicAdvancedSession, error) {
	for {
		s.mu.RLock()
		switch {
		case s.closed:
			s.mu.RUnlock()
			return nil, ErrClosed
		case s.session != nil:
			return s.session, nil
		}
		s.mu.RUnlock()
		if err := s.create(); err != nil {
			return nil, err
		}
	}
}

// create loads the session unless another caller already did (or the
// Remover was closed, which acquire then reports).
func (s *Remover) create() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.session != nil {
		return nil
	}
	session, err := newSession(s.lib, s.model)
	if err != nil {
		return err
	}
	s.session = session
	s.loads++
	return nil
}

// Close releases the ONNX session, if one was created, after the runs in
// progress; Mask then returns ErrClosed. Closing twice is harmless. The
// process-wide runtime environment stays up, so another Remover can be
// created later.
func (s *Remover) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.session != nil {
		_ = s.session.Destroy()
		s.session = nil
	}
	s.closed = true
}

// Mask returns the subject's alpha mask at img's size: 255 on the subject,
// 0 on the background, smooth in between. It waits for a free inference slot
// or for ctx to end.
func (s *Remover) Mask(ctx context.Context, img image.Image) (*image.Alpha, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, errors.New("segment: empty image")
	}
	rgb := toRGB(img)
	input := normalise(rgb)

	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	raw, err := s.infer(input)
	<-s.sem
	if err != nil {
		return nil, err
	}
	minMax(raw)
	r := guideRadius(b.Dx(), b.Dy())
	refined := guidedFilter(rgb.gray(), b.Dx(), b.Dy(), raw, side, side, r, guideScale(r), 1e-3)
	out := image.NewAlpha(image.Rect(0, 0, b.Dx(), b.Dy()))
	for i, v := range refined {
		out.Pix[i] = clamp8(v * 255)
	}
	return out, nil
}

func (s *Remover) infer(input []float32) ([]float32, error) {
	session, err := s.acquire()
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	defer s.mu.RUnlock()
	in, err := ort.NewTensor(ort.NewShape(1, 3, side, side), input)
	if err != nil {
		return nil, fmt.Errorf("segment: input tensor: %w", err)
	}
	defer func() { _ = in.Destroy() }()
	out, err := ort.NewEmptyTensor[float32](ort.NewShape(1, 1, side, side))
	if err != nil {
		return nil, fmt.Errorf("segment: output tensor: %w", err)
	}
	defer func() { _ = out.Destroy() }()
	if err := session.Run([]ort.Value{in}, []ort.Value{out}); err != nil {
		return nil, fmt.Errorf("segment: run model: %w", err)
	}
	return append([]float32(nil), out.GetData()...), nil
}

// guideScale is how many times the fast guided filter reduces the image to
// compute its coefficients for radius r: as far as leaves a radius of about
// 2 pixels (docs/IMAGES.md has the measurements).
func guideScale(r int) int {
	return max(r/2, 1)
}

// guideRadius scales the guided filter's window with the image: about 1%
// of the shorter side, at least 2 pixels, so edges sharpen at any size.
func guideRadius(w, h int) int {
	r := min(w, h) / 100
	return max(r, 2)
}

func clamp8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	default:
		return uint8(v + 0.5)
	}
}
