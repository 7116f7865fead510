// Package fidelity proves Strata's drawing against a real browser: each
// case is a Strata request and the HTML/CSS page a designer would write for
// the same card, with the same font files; both are rendered (Strata in
// process, the page by headless Chromium through chromedp) and compared
// pixel by pixel. The suite is TestFidelity (`make fidelity`, also part of
// `make test`); this file holds the comparisons it uses.
//
// Two measures, because two kinds of content differ in two ways:
//   - Shapes, gradients, shadows, filters and blend modes are compared by
//     the mean absolute difference per channel (0..255) over the whole
//     canvas, both flattened onto white. Browsers dither gradients and
//     anti-alias edges their own way, so a mean (not a maximum) is the
//     honest measure; the threshold is 2/255.
//   - Text and layout boxes are compared by their ink boxes: the bounding
//     box of each horizontal band of ink (a text line, a row of boxes).
//     Glyph rasterisers differ in hinting and anti-aliasing, never by a
//     whole pixel in where a line starts and ends; the threshold is 1 px on
//     every side of every band.
package fidelity

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// Flatten returns img composited onto opaque white, as straight RGBA.
func Flatten(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, out.Rect, img, b.Min, draw.Over)
	return out
}

// MeanAbsDiff is the mean absolute difference per colour channel (0..255)
// of two equally sized opaque images.
func MeanAbsDiff(a, b *image.RGBA) (float64, error) {
	if a.Rect.Size() != b.Rect.Size() {
		return 0, fmt.Errorf("sizes differ: %v and %v", a.Rect.Size(), b.Rect.Size())
	}
	w, h := a.Rect.Dx(), a.Rect.Dy()
	var sum int
	for y := 0; y < h; y++ {
		ra := a.Pix[y*a.Stride : y*a.Stride+4*w]
		rb := b.Pix[y*b.Stride : y*b.Stride+4*w]
		for i := 0; i < len(ra); i += 4 {
			for c := 0; c < 3; c++ {
				d := int(ra[i+c]) - int(rb[i+c])
				if d < 0 {
					d = -d
				}
				sum += d
			}
		}
	}
	return float64(sum) / float64(3*w*h), nil
}

// inkThreshold is how far (sum over R, G, B) a pixel must be from the
// background to count as ink: about half coverage of a dark glyph on a
// light ground, so anti-aliasing fringes, which rasterisers draw
// differently, do not move a box.
const inkThreshold = 3 * 96

// InkBoxes returns the bounding box of each band of rows holding ink: a
// pixel at least inkThreshold away from bg. Bands are separated by at
// least one row without ink; within the crop they come top to bottom.
func InkBoxes(img *image.RGBA, crop image.Rectangle, bg color.RGBA) []image.Rectangle {
	crop = crop.Intersect(img.Rect)
	var boxes []image.Rectangle
	var cur image.Rectangle
	open := false
	for y := crop.Min.Y; y < crop.Max.Y; y++ {
		x0, x1 := -1, -1
		for x := crop.Min.X; x < crop.Max.X; x++ {
			p := img.Pix[img.PixOffset(x, y):]
			d := absInt(int(p[0])-int(bg.R)) + absInt(int(p[1])-int(bg.G)) + absInt(int(p[2])-int(bg.B))
			if d >= inkThreshold {
				if x0 < 0 {
					x0 = x
				}
				x1 = x + 1
			}
		}
		if x0 < 0 {
			if open {
				boxes = append(boxes, cur)
				open = false
			}
			continue
		}
		row := image.Rect(x0, y, x1, y+1)
		if open {
			cur = cur.Union(row)
		} else {
			cur, open = row, true
		}
	}
	if open {
		boxes = append(boxes, cur)
	}
	return boxes
}

// BoxDelta is the largest difference in pixels between corresponding
// sides of two lists of boxes, or an error when the lists differ in
// length (a line more or less is not a matter of pixels).
func BoxDelta(a, b []image.Rectangle) (int, error) {
	if len(a) != len(b) {
		return 0, fmt.Errorf("%d ink bands against %d", len(a), len(b))
	}
	worst := 0
	for i := range a {
		for _, d := range [...]int{
			a[i].Min.X - b[i].Min.X, a[i].Min.Y - b[i].Min.Y,
			a[i].Max.X - b[i].Max.X, a[i].Max.Y - b[i].Max.Y,
		} {
			worst = max(worst, absInt(d))
		}
	}
	return worst, nil
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
