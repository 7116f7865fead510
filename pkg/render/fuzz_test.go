package render

import (
	"context"
	"image"
	"image/color"
	"math"
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
		if err := (frame{Renderer: r}).drawLayer(context.Background(), sub, l, sub.Rect.Min, 10, 10); err != nil {
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

// FuzzEffects throws arbitrary effect settings (shadow geometry, border,
// blur, backdrop blur, filter amounts, mask angle, blend mode) with rotation at the
// compositor: it must never panic and never write outside the
// destination.
func FuzzEffects(f *testing.F) {
	f.Add(uint8(30), uint8(20), 4.0, -3.0, 6.0, 2.0, 3.0, 1.5, 1.0, 30.0, uint8(3), 15.0, false)
	f.Add(uint8(1), uint8(1), -50.0, 50.0, 49.0, -49.0, 40.0, 40.0, 10.0, -720.0, uint8(14), 90.0, true)
	f.Fuzz(func(t *testing.T, w, h uint8, sx, sy, sblur, spread, border, blur, amount, rot float64, mode uint8, mask float64, masked bool) {
		clamp := func(v, lo, hi float64) float64 {
			if math.IsNaN(v) {
				return 0
			}
			return min(max(v, lo), hi)
		}
		dst := image.NewRGBA(image.Rect(0, 0, 64, 48))
		sub := dst.SubImage(image.Rect(8, 8, 40, 40)).(*image.RGBA)
		l := solid(0, "#336699CC", box(4, 4, int(w)/4+1, int(h)/4+1))
		l.Rotation = clamp(rot, -1e6, 1e6)
		l.Radii = schema.Corners{TopLeft: 5, BottomRight: 12}
		e := &schema.Effects{
			Shadows: []schema.Shadow{{X: clamp(sx, -50, 50), Y: clamp(sy, -50, 50), Blur: clamp(sblur, 0, 50), Spread: clamp(spread, -50, 50), Color: color.NRGBA{0, 0, 0, 200}}},
			Blur:    clamp(blur, 0, 20),
			Filters: []schema.Filter{{Kind: schema.Contrast, Amount: clamp(amount, 0, 10)}, {Kind: schema.HueRotate, Amount: clamp(amount*100, -3600, 3600)}},
			Blend:   schema.BlendMode(schema.BlendModes[int(mode)%len(schema.BlendModes)]),
		}
		if b := clamp(border, 0, 1000); b > 0 {
			e.Border = &schema.Border{Width: b, Color: color.NRGBA{255, 0, 0, 255}}
		}
		if masked {
			e.Mask = &schema.Gradient{Kind: schema.Linear, Angle: clamp(mask, -1e6, 1e6), Stops: st2()}
		}
		if math.Mod(l.Rotation, 360) == 0 {
			e.BackdropBlur = e.Blur // validation refuses it on rotated layers
		}
		l.Effects = e
		if err := (frame{Renderer: &Renderer{}}).drawLayer(context.Background(), sub, l, sub.Rect.Min, 10, 10); err != nil {
			t.Fatal(err)
		}
		for py := 0; py < 48; py++ {
			for px := 0; px < 64; px++ {
				if !(image.Point{px, py}).In(sub.Rect) && dst.RGBAAt(px, py).A != 0 {
					t.Fatalf("pixel %d,%d outside the destination was drawn", px, py)
				}
			}
		}
	})
}

func st2() []schema.ColorStop {
	return []schema.ColorStop{{Color: color.NRGBA{0, 0, 0, 255}, Position: 0}, {Color: color.NRGBA{0, 0, 0, 0}, Position: 100}}
}
