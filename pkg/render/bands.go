package render

import (
	"context"
	"image"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-render/strata/pkg/pngenc"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// This file draws a canvas in horizontal bands, one per core the render
// may use (spareCores), each band's goroutine blending every layer clipped
// to its rows and then, for PNG, converting and compressing those rows
// (pngenc.EncodeDrawn), so a card in flight alone keeps both cores busy
// from its first layer to its last byte.
//
// What is not per pixel is done once and shared: each layer is placed
// (placeLayer: text shaped and painted, QR matrix, image decoded, layout,
// effects on the layer's own image, the budget check, its warnings) by
// whichever band reaches it first, while a band that finds it being placed
// places the next one instead of waiting; every band then blends the
// shared placement onto its rows, and the last one gives its images back.
// Each layer reports into a collector of its own, merged in layer order
// at the end, and the low-contrast median is taken over the tallies of
// all bands, so the report is the one-band report. Every blend clips to
// the band it is given and reads only the band's own pixels; a backdrop
// blur reads beyond its band, so a request with one is drawn in one band.

// layerSlot is one layer of a banded canvas: its placement, made once.
type layerSlot struct {
	claimed atomic.Bool
	done    chan struct{} // closed once placed (p, err set)
	p       *placement
	err     error
	report  warning.Collector
	left    atomic.Int32   // bands still to blend p
	spent   atomic.Int64   // nanoseconds placing and blending, all bands
	mu      sync.Mutex     // guards tally
	tally   *contrastTally // the bands' tallies, when p.contrast
}

// tallies keeps the contrast tallies of banded canvases (16 KB each, one
// per text layer and one per band blending it), cleared.
var tallies = sync.Pool{New: func() any { return new(contrastTally) }}

// bandedCanvas draws layers onto canvas band by band (draw, one call per
// band from its own goroutine).
type bandedCanvas struct {
	ctx    context.Context
	r      frame
	canvas *image.RGBA
	layers []*schema.Layer
	hidden []image.Rectangle
	slots  []layerSlot
	rows   []int // pngenc.Bands: the first row of each band, and the height
	bands  int
	pooled bool // the canvas is from canvases
	// clear: the bands clear their rows first (a pooled canvas under a
	// first layer that does not paint every pixel).
	clear  bool
	failed atomic.Bool
	alive  atomic.Int64 // pixels of the layer images placed and not released
}

// bandedLayers prepares req to be drawn in bands on parts cores, or
// returns nil when it is drawn in one: one core, a canvas too small to
// split (pngenc.Bands: the PNG writer's bands, so that each band is
// compressed by the core that drew it), or a layer whose blend reads
// other bands' pixels (a backdrop blur). The caller runs draw on every
// band, then finish.
func (r frame) bandedLayers(ctx context.Context, req *schema.Request, parts int) (*bandedCanvas, error) {
	rows := pngenc.Bands(req.Width, req.Height, parts)
	if len(rows) < 3 || len(req.Layers) == 0 || readsAcrossBands(req) {
		return nil, nil
	}
	return r.newBandedCanvas(ctx, req, rows)
}

// readsAcrossBands reports whether a layer of req reads canvas pixels
// outside the rows it changes: a backdrop blur.
func readsAcrossBands(req *schema.Request) bool {
	for _, l := range req.Layers {
		if l.Effects != nil && l.Effects.BackdropBlur > 0 {
			return true
		}
	}
	return false
}

// newBandedCanvas prepares req to be drawn in the bands of rows (the
// first row of each band, and the height). The first layer, when it
// becomes the canvas (coverLayer), is drawn here.
func (r frame) newBandedCanvas(ctx context.Context, req *schema.Request, rows []int) (*bandedCanvas, error) {
	w, h := req.Width, req.Height
	layers := sortedLayers(req)
	r.budget = pixelBudget{limit: layerPixelLimit(w, h)}
	hidden := hiddenBy(layers, w, h)
	canvas, pooled, next, err := r.baseCanvas(ctx, layers, w, h)
	if err != nil {
		return nil, err
	}
	bands := len(rows) - 1
	b := &bandedCanvas{
		ctx: ctx, r: r, canvas: canvas, layers: layers[next:], hidden: hidden[next:],
		rows: rows, bands: bands, pooled: pooled,
		clear: pooled && next == 0 && !(len(layers) > 0 && paintsEveryPixel(layers[0], w, h)),
	}
	b.slots = make([]layerSlot, len(b.layers))
	for i := range b.slots {
		b.slots[i].done = make(chan struct{})
		b.slots[i].left.Store(int32(bands))
	}
	return b, nil
}

// draw draws every layer onto band, a band of rows of the canvas (a
// sub-image sharing its pixels). It returns the first error of a layer
// this band reached, or nil once another band has failed.
func (b *bandedCanvas) draw(band *image.RGBA) error {
	if b.clear {
		clear(band.Pix[:(band.Rect.Dy()-1)*band.Stride+4*band.Rect.Dx()])
	}
	for i := range b.slots {
		if b.failed.Load() {
			return nil
		}
		if err := checkContext(b.ctx); err != nil {
			b.failed.Store(true)
			return err
		}
		s := &b.slots[i]
		if s.claimed.CompareAndSwap(false, true) {
			b.place(i)
		} else {
			b.placeAhead(i)
			<-s.done
		}
		if s.err != nil {
			b.failed.Store(true)
			return s.err
		}
		if s.p == nil {
			continue
		}
		start := time.Now()
		if s.p.contrast {
			t := tallies.Get().(*contrastTally)
			s.p.blend(band, t)
			s.mu.Lock()
			s.tally.merge(t)
			s.mu.Unlock()
			*t = contrastTally{}
			tallies.Put(t)
		} else {
			s.p.blend(band, nil)
		}
		s.spent.Add(int64(time.Since(start)))
		if s.left.Add(-1) == 0 {
			b.release(s)
		}
	}
	return nil
}

// place places layer i (its slot claimed by the caller).
func (b *bandedCanvas) place(i int) {
	s := &b.slots[i]
	defer close(s.done)
	start := time.Now()
	r := b.r
	r.hide = b.hidden[i]
	w, h := b.canvas.Rect.Dx(), b.canvas.Rect.Dy()
	s.p, s.err = r.placeLayer(warning.NewContext(b.ctx, &s.report), b.canvas, b.layers[i], image.Point{}, w, h)
	if s.p != nil {
		b.alive.Add(s.p.pixels())
		if s.p.contrast {
			s.tally = tallies.Get().(*contrastTally)
		}
	}
	s.spent.Add(int64(time.Since(start)))
}

// placeAhead places the first unclaimed layer of the next few after i,
// if any: work for a band that would otherwise wait for layer i. At most
// as many layers ahead as there are bands, and none while the layer
// images alive hold more pixels than the canvas: one band drew one layer
// image at a time, and a layer's own budget allows four canvases.
func (b *bandedCanvas) placeAhead(i int) {
	if b.alive.Load() > int64(b.canvas.Rect.Dx())*int64(b.canvas.Rect.Dy()) {
		return
	}
	for j := i + 1; j < len(b.slots) && j <= i+b.bands; j++ {
		if b.slots[j].claimed.CompareAndSwap(false, true) {
			b.place(j)
			return
		}
	}
}

// release gives slot s's layer images back (every band has blended it,
// or will not).
func (b *bandedCanvas) release(s *layerSlot) {
	b.alive.Add(-s.p.pixels())
	s.p.release()
}

// drawAll draws every band, each on its own goroutine (the first on this
// one), and returns the first band's error.
func (b *bandedCanvas) drawAll() error {
	errs := make([]error, b.bands)
	var wg sync.WaitGroup
	for i := 1; i < b.bands; i++ {
		wg.Go(func() { errs[i] = b.draw(b.band(i)) })
	}
	errs[0] = b.draw(b.band(0))
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// band is band i of the canvas, sharing its pixels.
func (b *bandedCanvas) band(i int) *image.RGBA {
	r := b.canvas.Rect
	return b.canvas.SubImage(image.Rect(r.Min.X, r.Min.Y+b.rows[i], r.Max.X, r.Min.Y+b.rows[i+1])).(*image.RGBA)
}

// finish runs once every band is drawn (err is the first band error):
// the layers' reports are merged in layer order, the low-contrast checks
// decided over all bands and the layer timings observed; what is still
// held goes back to its pool. The canvas is the caller's to give back.
func (b *bandedCanvas) finish(err error) {
	report := warning.From(b.ctx)
	for i := range b.slots {
		s := &b.slots[i]
		if !s.claimed.Load() {
			continue
		}
		if s.p != nil && s.left.Load() > 0 {
			b.release(s) // a band stopped before blending it
		}
		if t := s.tally; t != nil {
			if err == nil {
				t.report(warning.NewContext(b.ctx, &s.report), b.layers[i])
			}
			*t = contrastTally{}
			tallies.Put(t)
		}
		if err != nil {
			continue
		}
		report.Merge(&s.report)
		if b.r.opts.ObserveLayer != nil {
			b.r.opts.ObserveLayer(b.layers[i].Type, time.Duration(s.spent.Load()))
		}
	}
}
