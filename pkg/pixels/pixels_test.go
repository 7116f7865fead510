package pixels

import (
	"image"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlattenWhite(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 1))
	copy(img.Pix, []uint8{64, 0, 0, 128 /**/, 0, 0, 0, 0 /**/, 10, 20, 30, 255})
	out := make([]byte, 9)
	FlattenWhite(out, img)
	require.Equal(t, []byte{191, 127, 127, 255, 255, 255, 10, 20, 30}, out)
}

func TestDropAlphaStopsAtTranslucent(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	copy(img.Pix, []uint8{1, 2, 3, 255, 4, 5, 6, 255, 7, 8, 9, 255, 10, 11, 12, 255})
	out := make([]byte, 12)
	require.True(t, DropAlpha(out, 3*img.Rect.Dx(), img))
	require.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, out)
	img.Pix[15] = 254
	require.False(t, DropAlpha(out, 3*img.Rect.Dx(), img))
}

// TestDropAlphaEveryWidth: rows of every width up to 13 pixels (four at a
// time, then one by one) are packed exactly, rows stride bytes apart with
// the bytes between left alone, and a translucent pixel anywhere is found.
func TestDropAlphaEveryWidth(t *testing.T) {
	for w := 1; w <= 13; w++ {
		const h = 3
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = byte(i*7 + 1)
			if i%4 == 3 {
				img.Pix[i] = 255
			}
		}
		stride := 3*w + 2
		out := make([]byte, h*stride)
		for i := range out {
			out[i] = 0xEE
		}
		require.True(t, DropAlpha(out, stride, img), "width %d", w)
		for y := range h {
			for x := range w {
				p := img.Pix[y*img.Stride+4*x:]
				require.Equal(t, p[:3], out[y*stride+3*x:y*stride+3*x+3], "width %d pixel %d,%d", w, x, y)
			}
			require.Equal(t, []byte{0xEE, 0xEE}, out[y*stride+3*w:(y+1)*stride], "width %d: between rows", w)
		}
		for i := 3; i < len(img.Pix); i += 4 {
			img.Pix[i] = 254
			require.False(t, DropAlpha(out, stride, img), "width %d: translucent pixel %d", w, i/4)
			img.Pix[i] = 255
		}
	}
}
