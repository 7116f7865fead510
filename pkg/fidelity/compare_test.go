package fidelity

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMeanAbsDiff(t *testing.T) {
	a := Flatten(image.NewRGBA(image.Rect(0, 0, 10, 10)))
	b := Flatten(image.NewRGBA(image.Rect(0, 0, 10, 10)))
	m, err := MeanAbsDiff(a, b)
	require.NoError(t, err)
	require.Zero(t, m)
	// One pixel off by 255 in every channel: 255/100 on average.
	b.SetRGBA(3, 3, color.RGBA{0, 0, 0, 255})
	m, err = MeanAbsDiff(a, b)
	require.NoError(t, err)
	require.InDelta(t, 2.55, m, 1e-9)
	_, err = MeanAbsDiff(a, Flatten(image.NewRGBA(image.Rect(0, 0, 10, 11))))
	require.Error(t, err)
}

func TestInkBoxes(t *testing.T) {
	img := Flatten(image.NewRGBA(image.Rect(0, 0, 50, 40)))
	black := image.NewUniform(color.Black)
	draw.Draw(img, image.Rect(5, 2, 20, 8), black, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(30, 4, 45, 10), black, image.Point{}, draw.Src) // same band (rows overlap)
	draw.Draw(img, image.Rect(10, 20, 12, 30), black, image.Point{}, draw.Src)
	// A faint fringe below the threshold is not ink.
	draw.Draw(img, image.Rect(0, 35, 50, 36), image.NewUniform(color.RGBA{200, 200, 200, 255}), image.Point{}, draw.Src)
	white := color.RGBA{255, 255, 255, 255}
	got := InkBoxes(img, img.Rect, white)
	require.Equal(t, []image.Rectangle{image.Rect(5, 2, 45, 10), image.Rect(10, 20, 12, 30)}, got)

	d, err := BoxDelta(got, []image.Rectangle{image.Rect(5, 3, 45, 10), image.Rect(8, 20, 12, 30)})
	require.NoError(t, err)
	require.Equal(t, 2, d)
	_, err = BoxDelta(got, got[:1])
	require.ErrorContains(t, err, "2 ink bands against 1")
}
