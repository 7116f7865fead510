package golden

import (
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiffering(t *testing.T) {
	t.Parallel()
	a := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	b := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	b.SetNRGBA(1, 1, color.NRGBA{A: 3})
	b.SetNRGBA(2, 2, color.NRGBA{R: 9, A: 0})
	n, err := Differing(a, b, 3)
	require.NoError(t, err)
	require.Equal(t, 1, n, "a channel 3 away is within Channel 3; 9 away is not")
	n, err = Differing(a, b, 0)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	_, err = Differing(a, image.NewNRGBA(image.Rect(0, 0, 10, 9)), 0)
	require.ErrorContains(t, err, "size")
}

// Check passes the golden file against itself and an image within the
// tolerance, and fails one beyond it.
func TestCheck(t *testing.T) {
	t.Chdir(t.TempDir())
	img := image.NewNRGBA(image.Rect(0, 0, 20, 10))
	t.Setenv("UPDATE_GOLDEN", "1")
	Check(t, "box", img, Exact)
	t.Setenv("UPDATE_GOLDEN", "")
	Check(t, "box", img, Exact)
	near := image.NewNRGBA(img.Rect)
	near.SetNRGBA(0, 0, color.NRGBA{A: 255})
	Check(t, "box", near, Tolerance{Channel: 0, PerMille: 5}) // 1 of 200 pixels
	ft := &fakeT{TB: t}
	func() {
		defer func() { _ = recover() }()
		Check(ft, "box", near, Exact)
	}()
	require.True(t, ft.failed, "one pixel off fails Exact")
}

// fakeT records a Fatalf instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	panic("fatal")
}
