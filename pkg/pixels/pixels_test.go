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
