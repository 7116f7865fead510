package render

import (
	"context"
	"image"
	"testing"

	"github.com/strata-render/strata/pkg/schema"
)

// FuzzDrawLayer throws arbitrary geometry at the compositor (position,
// size, rotation, radii, opacity, angled edges, gradient angle): it must
// never panic and never write outside the destination. Seeds live in
// testdata/fuzz/FuzzDrawLayer.
func FuzzDrawLayer(f *testing.F) {
	f.Add(10.0, 5.0, uint8(20), uint8(10), 30.0, 4.0, 0.0, 80.0, int8(15), uint8(0), true)
	f.Add(-50.0, 300.0, uint8(255), uint8(1), -720.5, 1e9, 3.0, 100.0, int8(-45), uint8(3), false)
	f.Add(1e300, -1e300, uint8(3), uint8(3), 1e308, 0.0, 0.0, 1.0, int8(0), uint8(1), true)
	f.Fuzz(func(t *testing.T, x, y float64, w, h uint8, rot, r1, r2, op float64, angle int8, edge uint8, grad bool) {
		dst := image.NewRGBA(image.Rect(0, 0, 64, 48))
		// A destination that is a sub-image, as a layout's box can be.
		sub := dst.SubImage(image.Rect(8, 8, 40, 40)).(*image.RGBA)
		var l *schema.Layer
		st := stops("#FF000080", 0, "#00FF00", 50, "#0000FF00", 100)
		if grad {
			l = linear(0, float64(angle)*8, st, box(x, y, int(w), int(h)))
		} else {
			l = solid(0, "#336699CC", box(x, y, int(w), int(h)))
			edges := []schema.Edge{schema.EdgeLeft, schema.EdgeRight, schema.EdgeTop, schema.EdgeBottom}
			for i, e := range edges {
				if edge&(1<<i) != 0 {
					l.Solid.AngledEdges = append(l.Solid.AngledEdges, schema.AngledEdge{Edge: e, Angle: float64(angle) / 128 * 45})
				}
			}
		}
		l.Rotation = rot
		l.Radii = schema.Corners{TopLeft: abs(r1), TopRight: abs(r2), BottomRight: abs(r1), BottomLeft: 0}
		l.Opacity = min(max(op, 0), 100)
		r := &Renderer{}
		if err := r.drawLayer(context.Background(), sub, l, sub.Rect.Min, 10, 10); err != nil {
			t.Fatal(err)
		}
		// Nothing outside the sub-image was touched.
		for py := 0; py < 48; py++ {
			for px := 0; px < 64; px++ {
				if (image.Point{px, py}).In(sub.Rect) {
					continue
				}
				if dst.RGBAAt(px, py).A != 0 {
					t.Fatalf("pixel %d,%d outside the destination was drawn", px, py)
				}
			}
		}
	})
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
