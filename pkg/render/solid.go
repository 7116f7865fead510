package render

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"

	"github.com/strata-render/strata/pkg/schema"
)

// drawSolid fills the layer box with the layer's colour, cut by its angled
// edges.
func drawSolid(_ context.Context, _ frame, l *schema.Layer, w, h int) (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c := premultiply(l.Solid.Color)
	if c.A == 0 {
		return img, nil
	}
	if len(l.Solid.AngledEdges) == 0 {
		fillRGBA(img, c)
		return img, nil
	}
	poly := angledPolygon(float64(w), float64(h), l.Solid.AngledEdges)
	if len(poly) < 3 {
		return img, nil
	}
	mask := rasterize(poly, w, h)
	for y := 0; y < h; y++ {
		mrow := mask.Pix[y*mask.Stride : y*mask.Stride+w]
		prow := img.Pix[y*img.Stride : y*img.Stride+w*4]
		for x, a := range mrow {
			if a == 0 {
				continue
			}
			p := prow[x*4 : x*4+4 : x*4+4]
			p[0], p[1], p[2], p[3] = mul255(c.R, a), mul255(c.G, a), mul255(c.B, a), mul255(c.A, a)
		}
	}
	return img, nil
}

// premultiply converts a straight-alpha colour to premultiplied, rounding.
func premultiply(c color.NRGBA) color.RGBA {
	return color.RGBA{R: mul255(c.R, c.A), G: mul255(c.G, c.A), B: mul255(c.B, c.A), A: c.A}
}

// fillRGBA sets every pixel of img to c.
func fillRGBA(img *image.RGBA, c color.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	row := img.Pix[:w*4]
	for x := 0; x < w; x++ {
		row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = c.R, c.G, c.B, c.A
	}
	for y := 1; y < h; y++ {
		copy(img.Pix[y*img.Stride:y*img.Stride+w*4], row)
	}
}

// vec is a point in layer-box coordinates.
type vec struct{ x, y float64 }

// angledPolygon returns the w×h box cut by each angled edge. An edge's cut
// line passes through the midpoint of its side, tilted from the side by the
// edge's angle clockwise on screen (y down); the half-plane kept is the one
// holding the box centre, intersected with the box. With a positive angle
// the top edge cuts the top-right corner, the right edge the bottom-right,
// the bottom edge the bottom-left and the left edge the top-left.
func angledPolygon(w, h float64, edges []schema.AngledEdge) []vec {
	poly := []vec{{0, 0}, {w, 0}, {w, h}, {0, h}}
	centre := vec{w / 2, h / 2}
	for _, e := range edges {
		var m, d vec
		switch e.Edge {
		case schema.EdgeTop:
			m, d = vec{w / 2, 0}, vec{1, 0}
		case schema.EdgeBottom:
			m, d = vec{w / 2, h}, vec{1, 0}
		case schema.EdgeLeft:
			m, d = vec{0, h / 2}, vec{0, 1}
		case schema.EdgeRight:
			m, d = vec{w, h / 2}, vec{0, 1}
		default:
			continue
		}
		sin, cos := math.Sincos(e.Angle * math.Pi / 180)
		// Clockwise on screen with y pointing down.
		d = vec{d.x*cos - d.y*sin, d.x*sin + d.y*cos}
		side := cross(d, sub(centre, m))
		poly = clipHalfPlane(poly, func(p vec) float64 { return cross(d, sub(p, m)) * side })
	}
	return poly
}

func sub(a, b vec) vec                { return vec{a.x - b.x, a.y - b.y} }
func cross(a, b vec) float64          { return a.x*b.y - a.y*b.x }
func lerpVec(a, b vec, t float64) vec { return vec{a.x + (b.x-a.x)*t, a.y + (b.y-a.y)*t} }

// clipHalfPlane keeps the part of the convex polygon where f ≥ 0
// (Sutherland–Hodgman against one line).
func clipHalfPlane(poly []vec, f func(vec) float64) []vec {
	var out []vec
	for i, p := range poly {
		q := poly[(i+1)%len(poly)]
		fp, fq := f(p), f(q)
		if fp >= 0 {
			out = append(out, p)
		}
		if (fp >= 0) != (fq >= 0) {
			out = append(out, lerpVec(p, q, fp/(fp-fq)))
		}
	}
	return out
}

// rasterize returns the anti-aliased coverage of a polygon (exact area
// coverage, from x/image/vector) in a w×h alpha mask.
func rasterize(poly []vec, w, h int) *image.Alpha {
	var z vector.Rasterizer
	z.Reset(w, h)
	z.MoveTo(float32(poly[0].x), float32(poly[0].y))
	for _, p := range poly[1:] {
		z.LineTo(float32(p.x), float32(p.y))
	}
	z.ClosePath()
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.DrawOp = draw.Src
	z.Draw(mask, mask.Rect, image.Opaque, image.Point{})
	return mask
}
