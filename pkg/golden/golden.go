// Package golden compares images a test produced with the reviewed golden
// files under the test's testdata/golden/<name>.png. Tests only.
//
// The one tolerance policy: both images are compared in straight-alpha
// 8-bit RGBA; a pixel differs when any channel differs by more than
// Tolerance.Channel; the test fails when more than Tolerance.PerMille per
// mille of the pixels differ, or when the sizes differ. Each package picks
// the loosest level its output needs and no looser, and says why:
//
//   - Exact: what Strata computes with integer maths alone (QR codes and
//     barcodes, whole-pixel modules).
//   - Rounding, {Channel: 3}: the renderer's composited output, where only
//     float rounding (rotation, gradients) may move a channel.
//   - Resampling, {Channel: 2..8, PerMille: 5}: libvips' decoding and
//     resizing (version-dependent kernels; background removal's model output).
//   - AntiAliasing, {Channel: 24, PerMille: 2}: rasterised glyph edges.
//
// UPDATE_GOLDEN=1 rewrites the golden file (then look at it before
// committing); SAVE_ACTUAL=dir also writes the actual image there for
// review.
package golden

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// Tolerance is how far an image may be from its golden file (see the
// package comment).
type Tolerance struct {
	// Channel is how much one channel of a pixel may differ before the
	// pixel counts as different.
	Channel int
	// PerMille is how many pixels per thousand may differ.
	PerMille int
}

// The levels of the policy.
var (
	Exact        = Tolerance{}
	Rounding     = Tolerance{Channel: 3}
	AntiAliasing = Tolerance{Channel: 24, PerMille: 2}
)

// Resampling is the level for libvips' decoding and resizing, with a
// per-channel allowance of channel.
func Resampling(channel int) Tolerance { return Tolerance{Channel: channel, PerMille: 5} }

// Check compares img with testdata/golden/<name>.png.
func Check(t testing.TB, name string, img image.Image, tol Tolerance) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("golden %s: encoding: %v", name, err)
	}
	check(t, name, img, buf.Bytes(), tol)
}

// CheckPNG compares the PNG file data with testdata/golden/<name>.png; an
// update writes data itself.
func CheckPNG(t testing.TB, name string, data []byte, tol Tolerance) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("golden %s: the actual image is not a PNG: %v", name, err)
	}
	check(t, name, img, data, tol)
}

func check(t testing.TB, name string, img image.Image, data []byte, tol Tolerance) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".png")
	if dir := os.Getenv("SAVE_ACTUAL"); dir != "" {
		write(t, filepath.Join(dir, name+".png"), data)
	}
	if os.Getenv("UPDATE_GOLDEN") != "" {
		write(t, path, data)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("missing golden %s: run with UPDATE_GOLDEN=1 and look at it", path)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatalf("golden %s: %v", path, err)
	}
	if n, err := Differing(want, img, tol.Channel); err != nil {
		t.Fatalf("golden %s: %v", name, err)
	} else if total := img.Bounds().Dx() * img.Bounds().Dy(); n*1000 > tol.PerMille*total {
		t.Fatalf("golden %s: %d of %d pixels differ by more than %d per channel (allowed: %d per mille); run with SAVE_ACTUAL=dir and look",
			name, n, total, tol.Channel, tol.PerMille)
	}
}

// sizeError is Differing's error for images of different sizes.
type sizeError struct{ want, got image.Point }

func (e sizeError) Error() string {
	return "size " + e.got.String() + ", want " + e.want.String()
}

// Differing counts the pixels of b whose straight-alpha channels differ
// from a's by more than channel; the images must be the same size.
func Differing(a, b image.Image, channel int) (int, error) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Size() != bb.Size() {
		return 0, sizeError{ab.Size(), bb.Size()}
	}
	n := 0
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			p := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.NRGBA)
			q := color.NRGBAModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.NRGBA)
			if diff(p.R, q.R) > channel || diff(p.G, q.G) > channel || diff(p.B, q.B) > channel || diff(p.A, q.A) > channel {
				n++
			}
		}
	}
	return n, nil
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func write(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
