package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// renderRGBA renders req to its premultiplied canvas.
func renderRGBA(t *testing.T, r *Renderer, req *schema.Request) *image.RGBA {
	t.Helper()
	img, err := r.renderCanvas(context.Background(), req)
	require.NoError(t, err)
	return img
}

func TestRenderUnsupportedLayerType(t *testing.T) {
	r := newTestRenderer(t)
	for _, typ := range []schema.LayerType{schema.TypeText, schema.TypeImage, schema.TypeQRCode, schema.TypeBarcode, schema.TypeLayout} {
		if _, ok := drawers[typ]; ok {
			continue // drawn by this build
		}
		t.Run(string(typ), func(t *testing.T) {
			req := request(10, 10, solid(0, "#000000"), &schema.Layer{Index: 1, Type: typ, Opacity: 100, Path: "layers[1]"})
			_, err := r.Render(context.Background(), req)
			require.Error(t, err)
			require.Equal(t, failure.Unprocessable, failure.KindOf(err))
			require.Contains(t, err.Error(), "layers[1]")
		})
	}
}

func TestRenderChecksContext(t *testing.T) {
	r := newTestRenderer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Render(ctx, request(10, 10, solid(0, "#000000")))
	require.Error(t, err)
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
}

func TestRenderLayerOrderAndOpacity(t *testing.T) {
	r := newTestRenderer(t)
	for _, tc := range []struct {
		name string
		req  *schema.Request
		want color.RGBA
	}{
		{"higher index on top", request(4, 4, solid(1, "#0000FF"), solid(0, "#FF0000")), color.RGBA{0, 0, 255, 255}},
		{"tie keeps array order", request(4, 4, solid(0, "#FF0000"), solid(0, "#00FF00")), color.RGBA{0, 255, 0, 255}},
		{"opacity multiplies alpha", request(4, 4, solid(0, "#FF0000", opacity(50))), color.RGBA{128, 0, 0, 128}},
		{"zero opacity draws nothing", request(4, 4, solid(0, "#FF0000", opacity(0))), color.RGBA{}},
		{"source-over on a colour", request(4, 4, solid(0, "#FFFFFF"), solid(1, "#000000", opacity(25))), color.RGBA{191, 191, 191, 255}},
		{"translucent colour and opacity", request(4, 4, solid(0, "#FF000080", opacity(50))), color.RGBA{64, 0, 0, 64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := renderRGBA(t, r, tc.req)
			got := img.RGBAAt(2, 2)
			require.InDelta(t, tc.want.R, got.R, 1)
			require.InDelta(t, tc.want.G, got.G, 1)
			require.InDelta(t, tc.want.B, got.B, 1)
			require.InDelta(t, tc.want.A, got.A, 1)
		})
	}
}

func TestDrawLayerIntoBox(t *testing.T) {
	// A layout draws children into its own box: positions are relative to
	// the origin and a solid without dimensions fills the box.
	r := newTestRenderer(t)
	dst := image.NewRGBA(image.Rect(0, 0, 20, 20))
	require.NoError(t, (frame{Renderer: r}).drawLayer(context.Background(), dst, solid(0, "#FF0000"), image.Pt(5, 6), 4, 3))
	require.NoError(t, (frame{Renderer: r}).drawLayer(context.Background(), dst, solid(0, "#00FF00", box(1, 1, 2, 2)), image.Pt(10, 10), 0, 0))
	for _, tc := range []struct {
		name string
		x, y int
		want uint8 // alpha
		red  bool
	}{
		{"box top-left", 5, 6, 255, true},
		{"box bottom-right", 8, 8, 255, true},
		{"right of box", 9, 6, 0, false},
		{"below box", 5, 9, 0, false},
		{"child at origin+position", 11, 11, 255, false},
		{"child size", 13, 11, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dst.RGBAAt(tc.x, tc.y)
			require.Equal(t, tc.want, c.A)
			if tc.want != 0 {
				require.Equal(t, tc.red, c.R == 255)
			}
		})
	}
}

func TestClampRadii(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   schema.Corners
		w, h float64
		want schema.Corners
	}{
		{"fits", schema.Corners{TopLeft: 10, TopRight: 20, BottomRight: 30, BottomLeft: 40}, 200, 100, schema.Corners{TopLeft: 10, TopRight: 20, BottomRight: 30, BottomLeft: 40}},
		{"uniform too big becomes a pill", schema.Corners{TopLeft: 500, TopRight: 500, BottomRight: 500, BottomLeft: 500}, 200, 80, schema.Corners{TopLeft: 40, TopRight: 40, BottomRight: 40, BottomLeft: 40}},
		{"scaled by the tightest side", schema.Corners{TopLeft: 150, TopRight: 100, BottomRight: 20, BottomLeft: 90}, 200, 120, schema.Corners{TopLeft: 75, TopRight: 50, BottomRight: 10, BottomLeft: 45}},
		{"one corner alone", schema.Corners{TopLeft: 300}, 200, 100, schema.Corners{TopLeft: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clampRadii(tc.in, tc.w, tc.h)
			require.InDelta(t, tc.want.TopLeft, got.TopLeft, 1e-9)
			require.InDelta(t, tc.want.TopRight, got.TopRight, 1e-9)
			require.InDelta(t, tc.want.BottomRight, got.BottomRight, 1e-9)
			require.InDelta(t, tc.want.BottomLeft, got.BottomLeft, 1e-9)
		})
	}
}

func TestCornerMask(t *testing.T) {
	r := newTestRenderer(t)
	img := renderRGBA(t, r, request(100, 100, solid(0, "#000000", radius(20))))
	for _, tc := range []struct {
		name string
		x, y int
		want uint8
		tol  float64
	}{
		{"corner pixel outside", 0, 0, 0, 0},
		{"inside the arc", 10, 10, 255, 0},
		{"edge midpoint", 50, 0, 255, 0},
		{"mirrored bottom-right outside", 99, 99, 0, 0},
		{"mirrored top-right outside", 99, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := img.RGBAAt(tc.x, tc.y).A
			require.InDelta(t, tc.want, a, tc.tol)
		})
	}
	// Exact area coverage: the 20×20 corner square misses r²(1−π/4) pixels.
	missing := 0.0
	for y := 0; y < 20; y++ {
		for x := 0; x < 20; x++ {
			missing += float64(255-img.RGBAAt(x, y).A) / 255
		}
	}
	require.InDelta(t, 400*(1-math.Pi/4), missing, 0.5)
	a := img.RGBAAt(5, 5).A
	require.True(t, a > 0 && a < 255, "a pixel on the arc is partly covered, got %d", a)
}

func TestAngledPolygon(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edges []schema.AngledEdge
		// Points that must be inside and outside the cut box (200×100).
		in, out []vec
	}{
		{"right positive cuts bottom-right", []schema.AngledEdge{{Edge: schema.EdgeRight, Angle: 30}}, []vec{{199, 1}, {199, 49}}, []vec{{199, 99}}},
		{"right negative cuts top-right", []schema.AngledEdge{{Edge: schema.EdgeRight, Angle: -30}}, []vec{{199, 99}}, []vec{{199, 1}}},
		{"top positive cuts top-right", []schema.AngledEdge{{Edge: schema.EdgeTop, Angle: 20}}, []vec{{1, 1}}, []vec{{199, 1}}},
		{"bottom positive cuts bottom-left", []schema.AngledEdge{{Edge: schema.EdgeBottom, Angle: 20}}, []vec{{199, 99}}, []vec{{1, 99}}},
		{"left positive cuts top-left", []schema.AngledEdge{{Edge: schema.EdgeLeft, Angle: 20}}, []vec{{1, 99}}, []vec{{1, 1}}},
		{"combined", []schema.AngledEdge{{Edge: schema.EdgeLeft, Angle: 20}, {Edge: schema.EdgeRight, Angle: 20}},
			[]vec{{1, 99}, {199, 1}, {100, 50}}, []vec{{1, 1}, {199, 99}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			poly := angledPolygon(200, 100, tc.edges)
			for _, p := range tc.in {
				require.True(t, insideConvex(poly, p), "%v should be kept", p)
			}
			for _, p := range tc.out {
				require.False(t, insideConvex(poly, p), "%v should be cut", p)
			}
		})
	}
}

// insideConvex reports whether p is inside the convex polygon.
func insideConvex(poly []vec, p vec) bool {
	sign := 0.0
	for i, a := range poly {
		b := poly[(i+1)%len(poly)]
		c := cross(sub(b, a), sub(p, a))
		if c == 0 {
			continue
		}
		if sign == 0 {
			sign = c
		} else if (c > 0) != (sign > 0) {
			return false
		}
	}
	return true
}

func TestGradientPremultipliedInterpolation(t *testing.T) {
	// Opaque red to fully transparent blue: half-way is red at half alpha,
	// with no blue (straight-alpha interpolation would give purple).
	lut := gradientLUT(stops("#FF0000FF", 0, "#0000FF00", 100), 257)
	mid := lut[128]
	r, g, b, a := uint8(mid), uint8(mid>>8), uint8(mid>>16), uint8(mid>>24)
	require.InDelta(t, 128, int(r), 1)
	require.Equal(t, uint8(0), g)
	require.Equal(t, uint8(0), b)
	require.InDelta(t, 128, int(a), 1)
}

func TestGradientEnds(t *testing.T) {
	// CSS extent: the box's corners get the end colours at any angle.
	r := newTestRenderer(t)
	for _, tc := range []struct {
		name                  string
		angle                 float64
		redAt, blueAt         image.Point
		redCorner, blueCorner string
	}{
		{"0 runs left to right", 0, image.Pt(0, 50), image.Pt(199, 50), "", ""},
		{"90 runs top to bottom", 90, image.Pt(100, 0), image.Pt(100, 99), "", ""},
		{"180 runs right to left", 180, image.Pt(199, 50), image.Pt(0, 50), "", ""},
		{"270 runs bottom to top", 270, image.Pt(100, 99), image.Pt(100, 0), "", ""},
		{"45 corner to corner", 45, image.Pt(0, 0), image.Pt(199, 99), "", ""},
		{"135 corner to corner", 135, image.Pt(199, 0), image.Pt(0, 99), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := renderRGBA(t, r, request(200, 100, linear(0, tc.angle, stops("#FF0000", 0, "#0000FF", 100), box(0, 0, 200, 100))))
			red, blue := img.RGBAAt(tc.redAt.X, tc.redAt.Y), img.RGBAAt(tc.blueAt.X, tc.blueAt.Y)
			require.Greater(t, red.R, uint8(245), "start colour at %v: %v", tc.redAt, red)
			require.Greater(t, blue.B, uint8(245), "end colour at %v: %v", tc.blueAt, blue)
		})
	}
}

func TestRotationStaysCentred(t *testing.T) {
	// A 90° turn of a 40×20 box at (30,40) about its centre (50,50) covers
	// x 40..60, y 30..70.
	r := newTestRenderer(t)
	img := renderRGBA(t, r, request(100, 100, solid(0, "#000000", box(30, 40, 40, 20), rotate(90))))
	for _, tc := range []struct {
		name string
		x, y int
		want uint8
	}{
		{"top of rotated box", 50, 30, 255},
		{"bottom of rotated box", 50, 69, 255},
		{"above", 50, 29, 0},
		{"old left end now empty", 32, 50, 0},
		{"left side", 40, 50, 255},
		{"right side", 59, 50, 255},
		{"right of it", 60, 50, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, img.RGBAAt(tc.x, tc.y).A)
		})
	}
}

func TestFillLinearMatchesClampedReference(t *testing.T) {
	// fillLinear splits each row into clamped ends and an unclamped middle;
	// it must agree with clamping every pixel.
	lut := gradientLUT(stops("#FF0000", 0, "#00FF00", 40, "#0000FF", 100), 301)
	for _, tc := range []struct {
		name  string
		w, h  int
		angle float64
	}{
		{"0", 37, 11, 0}, {"17", 50, 30, 17}, {"90", 20, 40, 90}, {"135", 64, 20, 135},
		{"180", 33, 5, 180}, {"200", 41, 29, 200}, {"275", 15, 60, 275}, {"359", 80, 3, 359},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := image.NewRGBA(image.Rect(0, 0, tc.w, tc.h))
			sin, cos := math.Sincos(tc.angle * math.Pi / 180)
			sin, cos = snapUnit(sin), snapUnit(cos)
			length := math.Abs(float64(tc.w)*cos) + math.Abs(float64(tc.h)*sin)
			dx, dy := cos/length, sin/length
			fillLinear(img, lut, dx, dy, tc.w, tc.h)
			scale := float64(len(lut) - 1)
			step := int64(math.Round(dx * scale * (1 << 32)))
			for y := 0; y < tc.h; y++ {
				t0 := 0.5 + (0.5-float64(tc.w)/2)*dx + (float64(y)+0.5-float64(tc.h)/2)*dy
				acc := int64(math.Round(t0*scale*(1<<32))) + 1<<31
				for x := 0; x < tc.w; x++ {
					want := lut[clampIndex(acc+int64(x)*step, int64(len(lut)-1))]
					got := uint32(img.Pix[y*img.Stride+x*4]) | uint32(img.Pix[y*img.Stride+x*4+1])<<8 |
						uint32(img.Pix[y*img.Stride+x*4+2])<<16 | uint32(img.Pix[y*img.Stride+x*4+3])<<24
					require.Equal(t, want, got, "pixel %d,%d", x, y)
				}
			}
		})
	}
}

func TestSolidFastPathMatchesGeneralPath(t *testing.T) {
	// drawLayer blends unrotated solids without a layer image; the pixels
	// must match drawing the box and compositing it like any other layer.
	for _, tc := range []struct {
		name string
		l    *schema.Layer
	}{
		{"full canvas", solid(0, "#336699")},
		{"rounded translucent", solid(0, "#33669980", box(5, 7, 50, 30), radius(12), opacity(70))},
		{"per-corner clipped by canvas", solid(0, "#E63946", box(-10, 20, 60, 50), corners(30, 5, 25, 0))},
		{"thin with overlapping corners", solid(0, "#2A9D8F", box(3, 3, 40, 9), radius(4.7), opacity(90))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bg := image.NewRGBA(image.Rect(0, 0, 64, 48))
			fillRGBA(bg, color.RGBA{200, 180, 40, 255})
			fast := image.NewRGBA(bg.Rect)
			copy(fast.Pix, bg.Pix)
			slow := image.NewRGBA(bg.Rect)
			copy(slow.Pix, bg.Pix)

			r := newTestRenderer(t)
			require.NoError(t, (frame{Renderer: r}).drawLayer(context.Background(), fast, tc.l, image.Point{}, 64, 48))
			w, h := 64, 48
			x, y := 0, 0
			if tc.l.Size != nil {
				w, h = tc.l.Size.Width, tc.l.Size.Height
				x, y = int(tc.l.Position.X), int(tc.l.Position.Y)
			}
			img, err := drawSolid(context.Background(), frame{Renderer: r}, tc.l, w, h)
			require.NoError(t, err)
			applyCorners(img, tc.l.Radii)
			compositeAligned(slow, img, x, y, uint32(math.Round(tc.l.Opacity/100*255)))
			for i := range fast.Pix {
				require.InDelta(t, slow.Pix[i], fast.Pix[i], 1, "byte %d (pixel %d,%d)", i, i/4%64, i/4/64)
			}
		})
	}
}

func TestGradientWithoutStopsDrawsNothing(t *testing.T) {
	// Validation requires two stops; the draw function still must not panic.
	img, err := drawGradient(context.Background(), frame{}, linear(0, 0, nil), 8, 4)
	require.NoError(t, err)
	for _, b := range img.Pix {
		require.Zero(t, b)
	}
}

// expiringContext reports Canceled from its n-th Err call on (the calls
// may come from several goroutines: a canvas drawn in bands).
type expiringContext struct {
	context.Context
	calls atomic.Int32
	n     int
}

func (c *expiringContext) Err() error {
	if int(c.calls.Add(1)) >= c.n {
		return context.Canceled
	}
	return nil
}

func TestRenderChecksContextBetweenLayers(t *testing.T) {
	// The deadline passes while the first layer is drawn: the second layer
	// must not be drawn and the render answers 422.
	r := newTestRenderer(t)
	ctx := &expiringContext{Context: context.Background(), n: 2}
	_, err := r.Render(ctx, request(10, 10, solid(0, "#000000"), solid(1, "#FFFFFF"), solid(2, "#FF0000")))
	require.Error(t, err)
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
	require.Equal(t, int32(2), ctx.calls.Load(), "checked before the first layer and again before the second")
}

func TestRenderRefusesHugeLayers(t *testing.T) {
	// A layer box far larger than the canvas would need gigabytes for its
	// image: 422 instead. Solid fills need no image and stay allowed.
	r := newTestRenderer(t)
	for _, tc := range []struct {
		name  string
		layer *schema.Layer
		ok    bool
	}{
		{"huge gradient", linear(0, 0, stops("#000000", 0, "#FFFFFF", 100), box(0, 0, 32768, 32768)), false},
		{"huge rotated solid", solid(0, "#000000", box(0, 0, 32768, 32768), rotate(10)), false},
		{"huge plain solid", solid(0, "#000000", box(0, 0, 32768, 32768)), true},
		{"gradient twice the canvas", linear(0, 0, stops("#000000", 0, "#FFFFFF", 100), box(-50, -50, 200, 200)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.Render(context.Background(), request(100, 100, tc.layer))
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, failure.Unprocessable, failure.KindOf(err))
			require.Contains(t, err.Error(), "layers[0]")
		})
	}
}

func TestFillPixels(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 33, 1000} {
		row := make([]uint32, n+1)
		fillPixels(row[:n], 0xFF102030)
		for i, v := range row[:n] {
			require.Equal(t, uint32(0xFF102030), v, "pixel %d of %d", i, n)
		}
		require.Zero(t, row[n], "nothing past the row")
	}
}

// Canvases are pooled between renders: a reused canvas must come back
// transparent unless the first layer paints every pixel opaque.
func TestPooledCanvasStartsTransparent(t *testing.T) {
	r := newTestRenderer(t)
	pixel := func(req *schema.Request, x, y int) color.NRGBA {
		req.OutputFormat = schema.PNG
		res, err := r.Render(context.Background(), req)
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(res.Data))
		require.NoError(t, err)
		return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
	}
	for _, c := range []struct {
		name string
		req  *schema.Request
		at   image.Point
		want color.NRGBA
	}{
		{"small first layer", request(50, 50, solid(0, "#0000FF", box(0, 0, 10, 10))), image.Pt(40, 40), color.NRGBA{}},
		{"translucent background", request(50, 50, solid(0, "#0000FF80")), image.Pt(1, 1), color.NRGBA{0, 0, 255, 128}},
		{"rounded background", request(50, 50, solid(0, "#0000FF", radius(20)), solid(1, "#00FF00", box(20, 20, 10, 10))), image.Pt(0, 0), color.NRGBA{}},
		{"oversized opaque background", request(50, 50, solid(0, "#0000FF", box(-5, -5, 60, 60))), image.Pt(49, 49), color.NRGBA{0, 0, 255, 255}},
	} {
		// Dirty every pooled canvas first with an opaque red render.
		for range 3 {
			require.Equal(t, color.NRGBA{255, 0, 0, 255}, pixel(request(50, 50, solid(0, "#FF0000")), 1, 1))
		}
		require.Equal(t, c.want, pixel(c.req, c.at.X, c.at.Y), c.name)
	}
}

func TestPaintsEveryPixel(t *testing.T) {
	for _, c := range []struct {
		name string
		l    *schema.Layer
		want bool
	}{
		{"full opaque", solid(0, "#123456"), true},
		{"oversized", solid(0, "#123456", box(-1, -1, 102, 102)), true},
		{"exact box", solid(0, "#123456", box(0, 0, 100, 100)), true},
		{"short", solid(0, "#123456", box(0, 0, 100, 99)), false},
		{"offset", solid(0, "#123456", box(1, 0, 100, 100)), false},
		{"translucent colour", solid(0, "#123456FE"), false},
		{"layer opacity", solid(0, "#123456", opacity(99)), false},
		{"radius", solid(0, "#123456", radius(1)), false},
		{"rotated", solid(0, "#123456", rotate(10)), false},
		{"angled edge", solid(0, "#123456", edge(schema.EdgeTop, 10)), false},
		{"gradient", linear(0, 0, stops("#000000", 0, "#FFFFFF", 100)), false},
	} {
		require.Equal(t, c.want, paintsEveryPixel(c.l, 100, 100), c.name)
	}
}

// TestGradientBuffersGoBackToThePool: a gradient that becomes the canvas
// and one composited in a box both take their pixels from the pool and
// give them back, so rendering them again allocates almost nothing of
// their size; and a gradient drawn into a buffer dirtied by an earlier
// render is the same image as the first.
func TestGradientBuffersGoBackToThePool(t *testing.T) {
	r := newTestRenderer(t)
	st := []schema.ColorStop{{Color: hex("#1E3A8A"), Position: 0}, {Color: hex("#9333EA"), Position: 100}}
	req := request(1000, 1000, linear(0, 30, st), linear(1, 120, st, box(100, 100, 500, 500)))
	req.OutputFormat = schema.PNG
	render := func() []byte {
		res, err := r.Render(context.Background(), req)
		require.NoError(t, err)
		return res.Data
	}
	first := render()
	_, err := r.Render(context.Background(), &schema.Request{Width: 1000, Height: 1000, OutputFormat: schema.PNG,
		Layers: []*schema.Layer{solid(0, "#FF0000")}})
	require.NoError(t, err)
	require.Equal(t, first, render(), "a gradient on a reused buffer must paint every pixel")

	// The least any of 20 renders allocates: the race detector's sync.Pool
	// drops a quarter of what it is given, so some renders miss the pool
	// under -race, but with pooling most do not.
	least := uint64(math.MaxUint64)
	for range 20 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		render()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	t.Logf("%d KB allocated by the leanest render", least>>10)
	// Without the pool: 4 MB for the canvas-sized gradient and 1 MB for
	// the boxed one, every render. With it, what is left is the encoder's
	// (a PNG split into bands on a spare core took 1.1 MB under -race).
	require.Less(t, least, uint64(3<<19))
}

// TestHiddenSolidsSkipOnlyWhatIsPaintedOver: solid layers under a later
// opaque solid skip the rows it fully covers (hiddenBy), yet the canvas
// (from a pool whose buffers hold leftovers) comes out exactly as when
// every layer is painted whole; a text layer in between ends the skipping.
func TestHiddenSolidsSkipOnlyWhatIsPaintedOver(t *testing.T) {
	const w, h = 400, 300
	layers := []*schema.Layer{
		solid(0, "#FBF7EE"),
		solid(1, "#1F3A5F", box(20, 20, 360, 260), radius(24)),
		solid(2, "#FF000080", box(10.4, 40, 200, 100)), // translucent, between
		solid(3, "#FBF7EE", box(30, 30, 340, 240), corners(16, 0, 9.5, 0)),
		solid(4, "#00FF00", box(100, 100, 50, 50), opacity(60)),
	}
	hidden := hiddenBy(layers, w, h)
	require.Equal(t, image.Rect(20, 44, 380, 256), hidden[0], "layer 1's fully covered rows")
	require.Equal(t, image.Rect(30, 46, 370, 260), hidden[1], "layer 3's, past a translucent layer")
	require.Equal(t, image.Rect(30, 46, 370, 260), hidden[2])
	require.True(t, hidden[3].Empty() && hidden[4].Empty(), "nothing opaque after them")
	withText := append(slices.Clone(layers[:2]), &schema.Layer{Index: 1, Type: schema.TypeText, Opacity: 100, Text: &schema.Text{}}, layers[3])
	hidden = hiddenBy(withText, w, h)
	require.Equal(t, image.Rect(20, 44, 380, 256), hidden[0])
	require.True(t, hidden[1].Empty(), "a text layer reads what is under it")

	want := image.NewRGBA(image.Rect(0, 0, w, h))
	for _, l := range layers {
		b, _, ok := solidBox(l, w, h)
		require.True(t, ok)
		compositeSolid(want, premultiply(l.Solid.Color), b.Min.X, b.Min.Y, b.Dx(), b.Dy(), l.Radii, l.Opacity/100, image.Rectangle{})
	}
	var junk [][]byte
	for range 4 { // leftovers in every pooled canvas
		j := canvases.Get(4 * w * h)
		for i := range j {
			j[i] = byte(i * 31)
		}
		junk = append(junk, j)
	}
	for _, j := range junk {
		canvases.Put(j)
	}
	got, pooled, err := frame{Renderer: newTestRenderer(t)}.composeLayers(context.Background(), request(w, h, layers...))
	require.NoError(t, err)
	require.True(t, pooled)
	require.Equal(t, want.Pix, got.Pix)
}

// A certificate-sized canvas comes from outside the Go heap (pixels.Planes):
// on the heap the pooled canvases counted as live memory and the
// collector's goal doubled them (docs/PERFORMANCE.md, "Against takumi").
func TestLargeCanvasesAreNotGoHeap(t *testing.T) {
	const w, h = 2000, 1414
	canvases.Put(newCanvas(w, h, false).Pix) // map one, so the next is reused
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := newCanvas(w, h, true)
	runtime.ReadMemStats(&after)
	canvases.Put(c.Pix)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "an 11 MB canvas allocated on the Go heap")
	mapped, idle := canvases.Stats()
	require.GreaterOrEqual(t, mapped, 4*w*h)
	require.GreaterOrEqual(t, idle, 4*w*h, "the canvas is kept for the next render")
}
