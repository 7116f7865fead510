package render

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// bandCases are the requests the banded canvas is checked on: every
// golden design, the layout designs, the peers' designs, the API's
// examples and a few that put a layer's work across a band's edge.
func bandCases(t *testing.T) []renderCase {
	cases := append(renderCases(), layoutCases()...)
	for _, name := range benchDesigns {
		cases = append(cases, renderCase{"design-" + name, benchDesign(t, name)})
	}
	examples, err := filepath.Glob(filepath.Join("..", "..", "docs", "examples", "*.json"))
	require.NoError(t, err)
	for _, path := range examples {
		body, err := os.ReadFile(path)
		require.NoError(t, err)
		if req, err := schema.Decode(body, schema.DefaultLimits()); err == nil {
			cases = append(cases, renderCase{"example-" + strings.TrimSuffix(filepath.Base(path), ".json"), req})
		}
	}
	// Text straddling the middle row, one of them with too little
	// contrast (its warning is decided over both bands' pixels).
	low := textLayer(2, "Low contrast across the band edge", "Inter", 40, schema.Bold, 20, 130, 560, 60)
	low.Text.Color = hex("#D8D8D8")
	cases = append(cases, renderCase{"text-across-bands", request(600, 315, solid(0, "#EEEEEE"),
		textLayer(1, "White on grey", "Inter", 48, schema.Bold, 30, 100, 500, 120), low)})
	// A rotated layer with a blend mode (blended through a copy of the
	// destination band) and a rotated, rounded gradient.
	mult := solid(1, "#3366FF", box(100, 90, 300, 140), rotate(25), radius(20))
	mult.Effects = &schema.Effects{Blend: "multiply"}
	cases = append(cases, renderCase{"rotated-blend-across-bands", request(500, 320,
		linear(0, 30, stops("#FFD166", 0, "#EF476F", 100), box(0, 0, 500, 320)), mult,
		linear(2, 0, stops("#073B4C", 0, "#06D6A0", 100), box(150, 120, 200, 90), rotate(-40), radius(16), opacity(70)))})
	return cases
}

// bandRenderer can draw every band case.
func bandRenderer(t *testing.T) *Renderer {
	r, err := New(Options{Fonts: fontRegistry(t), Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(t, err)
	return r
}

// drawnInBands is req's canvas (a copy) and warnings drawn in the bands
// of rows, the canvas filled with leftovers first.
func drawnInBands(t *testing.T, r *Renderer, req *schema.Request, rows []int) (*image.RGBA, []warning.Warning) {
	report := &warning.Collector{}
	ctx := warning.NewContext(context.Background(), report)
	b, err := frame{Renderer: r}.newBandedCanvas(ctx, req, rows)
	require.NoError(t, err)
	if b.clear {
		for i := range b.canvas.Pix {
			b.canvas.Pix[i] = byte(i*7 + 3) // whatever a pooled canvas held
		}
	}
	err = b.drawAll()
	b.finish(err)
	require.NoError(t, err)
	out := image.NewRGBA(b.canvas.Rect)
	copy(out.Pix, b.canvas.Pix)
	if b.pooled {
		canvases.Put(b.canvas.Pix)
	}
	return out, report.List()
}

// TestBandsDrawTheOneBandCanvas draws every case in bands of several
// shapes (halves, thirds, a band of one row, eight) and checks that the
// canvas is the one-band canvas byte for byte, with the same warnings in
// the same order.
func TestBandsDrawTheOneBandCanvas(t *testing.T) {
	r := bandRenderer(t)
	for _, tc := range bandCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			report := &warning.Collector{}
			ctx := warning.NewContext(context.Background(), report)
			want, pooled, err := frame{Renderer: r}.composeLayers(ctx, tc.req)
			if err != nil {
				t.Skipf("not drawn here: %v", err)
			}
			if readsAcrossBands(tc.req) {
				t.Skip("drawn in one band")
			}
			wantPix := bytes.Clone(want.Pix)
			if pooled {
				canvases.Put(want.Pix)
			}
			h := tc.req.Height
			for _, rows := range [][]int{
				{0, h / 2, h},
				{0, h / 3, 2 * h / 3, h},
				{0, h/2 - 1, h / 2, h},
				{0, h / 8, 2 * h / 8, 3 * h / 8, 4 * h / 8, 5 * h / 8, 6 * h / 8, 7 * h / 8, h},
			} {
				got, ws := drawnInBands(t, r, tc.req, rows)
				require.True(t, bytes.Equal(wantPix, got.Pix), "bands %v: the canvas differs from the one-band canvas", rows)
				require.Equal(t, report.List(), ws, "bands %v", rows)
			}
		})
	}
}

// TestBandedRenderDecodesTheSame renders the peers' designs on two and
// three cores, drawn and encoded band by band, against one core: the
// same decoded pixels and warnings.
func TestBandedRenderDecodesTheSame(t *testing.T) {
	r := bandRenderer(t)
	for _, name := range benchDesigns {
		req := benchDesign(t, name)
		for _, format := range []schema.Format{schema.PNG, schema.JPEG} {
			req.OutputFormat = format
			one, err := r.render(context.Background(), req, 1)
			require.NoError(t, err)
			for _, parts := range []int{2, 3} {
				got, err := r.render(context.Background(), req, parts)
				require.NoError(t, err)
				require.Equal(t, one.Warnings, got.Warnings, "%s %s on %d cores", name, format, parts)
				if format == schema.JPEG {
					require.Equal(t, one.Data, got.Data, "%s as JPEG on %d cores", name, parts)
					continue
				}
				a, err := png.Decode(bytes.NewReader(one.Data))
				require.NoError(t, err)
				b, err := png.Decode(bytes.NewReader(got.Data))
				require.NoError(t, err)
				require.Equal(t, toNRGBA(a).Pix, toNRGBA(b).Pix, "%s on %d cores", name, parts)
			}
		}
	}
}

// TestBandsSplitWhenCoresAreSpare: with a core to spare, a large canvas
// is drawn in bands, and a band's draw writes the rows of its band and of
// the bands above it only; with
// every core rendering, or a backdrop blur, it is drawn in one.
func TestBandsSplitWhenCoresAreSpare(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	r := bandRenderer(t)
	req := benchDesign(t, "social")
	f := frame{Renderer: r}
	ctx := warning.NewContext(context.Background(), &warning.Collector{})

	require.Equal(t, 2, spareCores())
	b, err := f.bandedLayers(ctx, req, spareCores())
	require.NoError(t, err)
	require.NotNil(t, b, "a 1200×630 card with a core to spare is drawn in bands")
	require.Equal(t, []int{0, 315, 630}, b.rows)
	want, _ := drawnInBands(t, r, req, []int{0, req.Height})

	// Only the first band drawn: the second keeps what the canvas held.
	for i := range b.canvas.Pix {
		b.canvas.Pix[i] = 0xAB
	}
	require.NoError(t, b.draw(b.band(0)))
	split := 315 * b.canvas.Stride
	require.Equal(t, want.Pix[:split], b.canvas.Pix[:split], "the first band is drawn")
	require.Equal(t, bytes.Repeat([]byte{0xAB}, len(b.canvas.Pix)-split), b.canvas.Pix[split:], "the second band is untouched")
	// The second band's draw finishes the canvas.
	require.NoError(t, b.draw(b.band(1)))
	b.finish(nil)
	require.Equal(t, want.Pix, b.canvas.Pix)
	canvases.Put(b.canvas.Pix)

	// Alone, the second band's draw draws its own band and then helps the
	// band above: the whole canvas.
	b, err = f.bandedLayers(ctx, req, spareCores())
	require.NoError(t, err)
	require.NoError(t, b.draw(b.band(1)))
	require.Equal(t, want.Pix, b.canvas.Pix, "the band above drawn by the band below")
	require.NoError(t, b.draw(b.band(0)))
	b.finish(nil)
	canvases.Put(b.canvas.Pix)

	rendering.Add(2) // every core rendering
	one := spareCores()
	rendering.Add(-2)
	require.Equal(t, 1, one)
	b, err = f.bandedLayers(ctx, req, one)
	require.NoError(t, err)
	require.Nil(t, b)

	blurred := *req
	blurred.Layers = append([]*schema.Layer{}, req.Layers...)
	glass := solid(9, "#FFFFFF80", box(100, 100, 400, 300))
	glass.Effects = &schema.Effects{BackdropBlur: 8}
	blurred.Layers = append(blurred.Layers, glass)
	b, err = f.bandedLayers(ctx, &blurred, 2)
	require.NoError(t, err)
	require.Nil(t, b, "a backdrop blur reads across bands")
}

// TestBandedRenderFailsAsOneBand: a layer that cannot be drawn, or a
// render over its time limit part way through the bands, fails as it does
// in one band, and every canvas and layer image goes back to its pool.
func TestBandedRenderFailsAsOneBand(t *testing.T) {
	r := bandRenderer(t)
	req := benchDesign(t, "certificate")
	huge := solid(9, "#FF0000", box(0, 0, 6000, 6000), rotate(10))
	bad := *req
	bad.Layers = append(append([]*schema.Layer{}, req.Layers...), huge)
	_, want := r.render(context.Background(), &bad, 1)
	require.Error(t, want)
	_, got := r.render(context.Background(), &bad, 2)
	require.Equal(t, want, got)

	mapped, _ := canvases.Stats()
	for ok := range 12 {
		ctx := &expiringContext{Context: context.Background(), n: ok + 1}
		_, err := r.render(ctx, req, 2)
		require.ErrorIs(t, err, context.Canceled, "expires after %d checks", ok)
	}
	after, _ := canvases.Stats()
	require.LessOrEqual(t, after, mapped+4*req.Width*req.Height, "canvases given back")
}

// TestBandedLayersObservedOnceInOrder: each layer's time is observed once,
// in layer order, as in one band.
func TestBandedLayersObservedOnceInOrder(t *testing.T) {
	var seen []schema.LayerType
	r, err := New(Options{Fonts: fontRegistry(t), ObserveLayer: func(l schema.LayerType, _ time.Duration) { seen = append(seen, l) }})
	require.NoError(t, err)
	req := benchDesign(t, "rich")
	_, err = r.render(context.Background(), req, 1)
	require.NoError(t, err)
	want := seen
	seen = nil
	_, err = r.render(context.Background(), req, 2)
	require.NoError(t, err)
	require.Equal(t, want, seen)
	require.Len(t, seen, len(req.Layers))
}

// TestPlaceAheadKeepsToOneCanvasOfImages: a goroutine places the next
// layer before blending the placed ones only when the layer images alive
// hold at most a canvas of pixels (each may hold four, as in one band).
func TestPlaceAheadKeepsToOneCanvasOfImages(t *testing.T) {
	r := bandRenderer(t)
	ctx := warning.NewContext(context.Background(), &warning.Collector{})
	for _, tc := range []struct {
		side  int
		ahead bool
	}{{1300, false}, {300, true}} {
		var layers []*schema.Layer
		for i := range 3 {
			layers = append(layers, solid(i, "#336699", box(0, 0, tc.side, tc.side), rotate(10)))
		}
		b, err := frame{Renderer: r}.newBandedCanvas(ctx, request(1200, 630, layers...), []int{0, 315, 630})
		require.NoError(t, err)
		b.mu.Lock()
		first := b.nextTask(1)
		require.Equal(t, task{kind: taskPlace, n: 0}, first, "the layer every strip needs first")
		b.mu.Unlock()
		b.place(0)
		b.mu.Lock()
		b.taskDone(first)
		next := b.nextTask(1)
		b.mu.Unlock()
		// Not taken after all: drawAll does it all.
		if tc.ahead {
			require.Equal(t, task{kind: taskPlace, n: 1}, next, "%d px layers", tc.side)
			b.slots[1].state = unplaced
		} else {
			own := b.ends[0] // band 1's first strip
			require.Equal(t, task{kind: taskBlend, n: own, from: 0, to: 1}, next, "%d px layers", tc.side)
			b.strips[own].busy = false
		}
		require.NoError(t, b.drawAll())
		b.finish(nil)
		require.Zero(t, b.alive)
		canvases.Put(b.canvas.Pix)
	}
}

// TestSplitStripsCoverEachBand: each band is cut into strips of at most
// stripRows rows, in order, covering its rows exactly, none empty.
func TestSplitStripsCoverEachBand(t *testing.T) {
	canvas := image.NewRGBA(image.Rect(0, 0, 8, 630))
	for _, rows := range [][]int{{0, 315, 630}, {0, 1, 2, 630}, {0, 16, 17, 49, 630}} {
		strips, ends := splitStrips(canvas, rows)
		require.Len(t, ends, len(rows)-1)
		s := 0
		for i, end := range ends {
			y := rows[i]
			for ; s < end; s++ {
				r := strips[s].img.Rect
				require.Equal(t, y, r.Min.Y, "bands %v strip %d starts where the last ended", rows, s)
				require.Greater(t, r.Dy(), 0)
				require.LessOrEqual(t, r.Dy(), stripRows)
				require.Equal(t, canvas.Rect.Dx(), r.Dx())
				require.Equal(t, &canvas.Pix[canvas.PixOffset(0, y)], &strips[s].img.Pix[0], "shares the canvas's pixels")
				y = r.Max.Y
			}
			require.Equal(t, rows[i+1], y, "bands %v: band %d covered", rows, i)
		}
	}
}

// TestGradientFillPaintsAnyRows: a gradient painted band by band of rows
// (as a banded canvas paints a canvas-sized gradient) is the gradient
// painted whole, for linear gradients of every kind of angle (a
// horizontal one copies its first row) and radial ones.
func TestGradientFillPaintsAnyRows(t *testing.T) {
	const w, h = 97, 61
	for _, g := range []*schema.Gradient{
		{Kind: schema.Linear, Angle: 0, Stops: stops("#FF0000", 0, "#0000FF80", 100)},
		{Kind: schema.Linear, Angle: 35, Stops: stops("#4F46E5", 0, "#9333EA", 50, "#EC4899", 100)},
		{Kind: schema.Linear, Angle: 90, Stops: stops("#000000", 0, "#FFFFFF", 100)},
		{Kind: schema.Linear, Angle: 200, Stops: stops("#00FF00", 20, "#FF00FF", 70)},
		{Kind: schema.Radial, Stops: stops("#FFFFFF", 0, "#00000000", 100)},
	} {
		f := newGradientFill(g, w, h)
		whole := image.NewRGBA(image.Rect(0, 0, w, h))
		f.paint(whole)
		banded := image.NewRGBA(image.Rect(0, 0, w, h))
		for _, y := range [][2]int{{0, 1}, {1, 17}, {17, 40}, {40, 61}} {
			f.paint(banded.SubImage(image.Rect(0, y[0], w, y[1])).(*image.RGBA))
		}
		require.Equal(t, whole.Pix, banded.Pix, "%s at %v°", g.Kind, g.Angle)
	}
}

// TestBandedCanvasPaintsACoverGradientInStrips: a canvas-sized gradient
// under everything is the first layer the strips paint (not drawn before
// the bands), unless something is done to its image (rounded corners).
func TestBandedCanvasPaintsACoverGradientInStrips(t *testing.T) {
	r := bandRenderer(t)
	ctx := warning.NewContext(context.Background(), &warning.Collector{})
	req := benchDesign(t, "rich")
	require.Equal(t, schema.TypeGradient, req.Layers[0].Type)
	b, err := frame{Renderer: r}.newBandedCanvas(ctx, req, []int{0, 315, 630})
	require.NoError(t, err)
	require.True(t, b.cover)
	require.Len(t, b.layers, len(req.Layers), "the gradient is a slot")
	require.NoError(t, b.drawAll())
	b.finish(nil)
	canvases.Put(b.canvas.Pix)

	rounded := request(1200, 630, linear(0, 35, stops("#4F46E5", 0, "#EC4899", 100), radius(40)), solid(1, "#FFFFFF80", box(60, 60, 400, 300)))
	b, err = frame{Renderer: r}.newBandedCanvas(ctx, rounded, []int{0, 315, 630})
	require.NoError(t, err)
	require.False(t, b.cover)
	require.Len(t, b.layers, 1, "the rounded gradient became the canvas first")
	require.NoError(t, b.drawAll())
	b.finish(nil)
	if b.pooled {
		canvases.Put(b.canvas.Pix)
	}
}
