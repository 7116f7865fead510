package render

import (
	"context"
	"image"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-render/strata/pkg/pngenc"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// This file draws a canvas in horizontal bands, one per core the render
// may use (spareCores), each band's goroutine drawing the band's rows and
// then, for PNG, converting and compressing them (pngenc.EncodeDrawn), so
// a card in flight alone keeps both cores busy from its first layer to
// its last byte.
//
// What is not per pixel is done once and shared: each layer is placed
// (placeLayer: text shaped and painted, QR matrix, image decoded, layout,
// effects on the layer's own image, the budget check, its warnings) by
// whichever goroutine gets to it first, and blended by all of them.
// The rows are drawn in strips of at most stripRows rows, every layer
// onto one strip before the next, by whichever goroutine is free: a
// band's goroutine draws the strips of its own band, the topmost first,
// and when none of them is ready (or all are drawn) those of the bands
// above it, the bottommost first, never those below (their rows may
// already be in the encoder's hands). So a band whose rows cost more
// (text, where the other has flat colour) is helped by the goroutine of
// the band below instead of that one finishing early and its core then
// waiting: the bands are drawn by about the same time. A goroutine that
// would wait for a layer being placed places the next layers instead, and
// so does one that has placed layers ready to blend (placing sooner lets
// the other goroutines blend sooner). A canvas-sized gradient under
// everything (paintedCover) is painted strip by strip too.
// Each layer reports into a collector of its own, merged in layer order
// at the end, and the low-contrast median is taken over the tallies of
// all strips, so the report is the one-band report. Every blend clips to
// the strip it is given and reads only the strip's own pixels; a backdrop
// blur reads beyond its band, so a request with one is drawn in one band.

// stripRows is the most rows a strip holds: small enough that the work
// left when a band's goroutine has nothing else to do is short, large
// enough that the per-strip cost (a lock, a call per layer) stays small
// against its pixels.
const stripRows = 16

// layerSlot is one layer of a banded canvas: its placement, made once.
// state, p, err and left are guarded by the canvas's mu.
type layerSlot struct {
	state  slotState
	p      *placement
	err    error
	report warning.Collector
	left   int          // strips still to blend p
	spent  atomic.Int64 // nanoseconds placing and blending, all strips
	mu     sync.Mutex   // guards tally
	tally  *contrastTally
}

// slotState is how far a layer's placement has gone.
type slotState uint8

const (
	unplaced slotState = iota
	placing
	placed
)

// strip is a run of rows of one band, drawn layer by layer; next and
// busy are guarded by the canvas's mu.
type strip struct {
	img  image.RGBA // the strip's rows of the canvas, sharing its pixels
	next int        // the layers blended onto it
	busy bool       // a goroutine is blending onto it
}

// tallies keeps the contrast tallies of banded canvases (16 KB each, one
// per text layer and one per goroutine blending it), cleared.
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
	// clear: each strip is cleared first (a pooled canvas under a first
	// layer that does not paint every pixel).
	clear bool
	// cover: the first layer becomes the canvas and is painted strip by
	// strip (paintedCover).
	cover bool

	mu     sync.Mutex
	wake   sync.Cond // broadcast when a layer is placed or a strip freed
	strips []strip   // top to bottom
	ends   []int     // per band: the end of its strips in strips
	alive  int64     // pixels of the layer images placed and not released
	// failAt is the first layer known to fail (len(slots) while none
	// does; -1 for the context), failed its error.
	failAt int
	failed error
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
// becomes the canvas (coverLayer), is drawn here, unless it is a
// gradient painted strip by strip (paintedCover).
func (r frame) newBandedCanvas(ctx context.Context, req *schema.Request, rows []int) (*bandedCanvas, error) {
	w, h := req.Width, req.Height
	layers := sortedLayers(req)
	r.budget = pixelBudget{limit: layerPixelLimit(w, h)}
	hidden := hiddenBy(layers, w, h)
	// A first layer that becomes the canvas is drawn here, unless it can
	// be painted strip by strip (then it is the first slot).
	cover := len(layers) > 0 && paintedCover(layers[0], w, h)
	var canvas *image.RGBA
	pooled, next := true, 0
	if cover {
		canvas = newCanvas(w, h, false)
	} else {
		var err error
		if canvas, pooled, next, err = r.baseCanvas(ctx, layers, w, h); err != nil {
			return nil, err
		}
	}
	bands := len(rows) - 1
	b := &bandedCanvas{
		ctx: ctx, r: r, canvas: canvas, layers: layers[next:], hidden: hidden[next:],
		rows: rows, bands: bands, pooled: pooled, cover: cover,
		clear: pooled && next == 0 && !cover && !(len(layers) > 0 && paintsEveryPixel(layers[0], w, h)),
	}
	b.wake.L = &b.mu
	b.failAt = len(b.layers)
	b.slots = make([]layerSlot, len(b.layers))
	b.strips, b.ends = splitStrips(canvas, rows)
	for i := range b.slots {
		b.slots[i].left = len(b.strips)
	}
	return b, nil
}

// splitStrips cuts each band of rows (the first row of each band, and
// the height) into strips of at most stripRows rows, as even as they can
// be: the strips of canvas top to bottom, and per band the end of its
// strips.
func splitStrips(canvas *image.RGBA, rows []int) ([]strip, []int) {
	strips := make([]strip, 0, rows[len(rows)-1]/stripRows+len(rows))
	ends := make([]int, len(rows)-1)
	r := canvas.Rect
	for i := range ends {
		y0, y1 := rows[i], rows[i+1]
		n := (y1 - y0 + stripRows - 1) / stripRows
		for k := range n {
			// canvas.SubImage's, without an allocation per strip.
			rect := image.Rect(r.Min.X, r.Min.Y+y0+(y1-y0)*k/n, r.Max.X, r.Min.Y+y0+(y1-y0)*(k+1)/n)
			from, to := canvas.PixOffset(rect.Min.X, rect.Min.Y), canvas.PixOffset(rect.Max.X-1, rect.Max.Y-1)+4
			strips = append(strips, strip{img: image.RGBA{Pix: canvas.Pix[from:to:to], Stride: canvas.Stride, Rect: rect}})
		}
		ends[i] = len(strips)
	}
	return strips, ends
}

// draw returns once band (a band of rows of the canvas, a sub-image
// sharing its pixels) is drawn: every layer blended onto each of its
// strips. Until then the goroutine places layers and draws strips of this
// band and of the bands above it (never below: those rows may already be
// in the encoder's hands). It returns the error of the first layer that
// fails (or the context's), as one band would.
func (b *bandedCanvas) draw(band *image.RGBA) error {
	i := slices.Index(b.rows, band.Rect.Min.Y-b.canvas.Rect.Min.Y)
	var own tallyCache
	defer own.merge(b)
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		t := b.nextTask(i)
		switch t.kind {
		case taskDone:
			return b.failed
		case taskWait:
			b.wake.Wait()
			continue
		}
		b.mu.Unlock()
		if err := checkContext(b.ctx); err != nil {
			b.mu.Lock()
			b.fail(-1, err)
			continue
		}
		if t.kind == taskPlace {
			b.place(t.n)
		} else {
			b.blendStrip(t.n, t.from, t.to, &own)
		}
		b.mu.Lock()
		b.taskDone(t)
	}
}

// taskKind is what a goroutine drawing bands does next.
type taskKind uint8

const (
	taskDone  taskKind = iota // its band is drawn (or the render failed)
	taskWait                  // everything it may do is being done
	taskPlace                 // place layer n
	taskBlend                 // blend layers from to to onto strip n
)

// task is one step of draw.
type task struct {
	kind        taskKind
	n, from, to int
}

// nextTask is the next step for band i's goroutine (b.mu held), which
// is marked taken here: the layer the topmost unfinished strip of bands
// 0 to i needs next placed, if no one is placing it; else the first
// unplaced layer after it (while the layer images alive hold at most a
// canvas of pixels: one band drew one layer image at a time, and a
// layer's own budget allows four canvases); else the placed layers
// not yet blended onto the topmost free strip of band i; else, those of
// the bottommost free strip of the bands above it, the nearest first.
// Band i is done once its strips are drawn and nothing above is left to
// take (what is being done there, its goroutine finishes). Once a layer
// fails, only the layers before it are still placed (one of them may
// fail first).
func (b *bandedCanvas) nextTask(i int) task {
	if b.failed != nil {
		return b.windDown()
	}
	last, first := b.ends[i], 0
	if i > 0 {
		first = b.ends[i-1]
	}
	need, ownLeft := len(b.slots), false
	for s := 0; s < last; s++ {
		if st := &b.strips[s]; st.next < len(b.slots) {
			need = min(need, st.next)
			ownLeft = ownLeft || s >= first
		}
	}
	if j, ok := b.toPlace(need); ok {
		b.slots[j].state = placing
		return task{kind: taskPlace, n: j}
	}
	for s := first; s < last; s++ {
		if t, ok := b.blendTask(s); ok {
			return t
		}
	}
	for s := first - 1; s >= 0; s-- {
		if t, ok := b.blendTask(s); ok {
			return t
		}
	}
	if !ownLeft {
		return task{kind: taskDone}
	}
	return task{kind: taskWait}
}

// blendTask takes strip s, when it is free and the next layers it needs
// are placed: blending them is the task.
func (b *bandedCanvas) blendTask(s int) (task, bool) {
	st := &b.strips[s]
	if st.busy || st.next == len(b.slots) || b.slots[st.next].state != placed {
		return task{}, false
	}
	to := st.next
	for to < len(b.slots) && b.slots[to].state == placed {
		to++
	}
	st.busy = true
	return task{kind: taskBlend, n: s, from: st.next, to: to}, true
}

// toPlace is the layer to place next when need is the first layer a strip
// still needs (b.mu held), if any.
func (b *bandedCanvas) toPlace(need int) (int, bool) {
	if need == len(b.slots) {
		return 0, false
	}
	if b.slots[need].state == unplaced {
		return need, true
	}
	if b.alive > int64(b.canvas.Rect.Dx())*int64(b.canvas.Rect.Dy()) {
		return 0, false
	}
	for j := need + 1; j < len(b.slots); j++ {
		if b.slots[j].state == unplaced {
			return j, true
		}
	}
	return 0, false
}

// windDown is nextTask once a layer has failed: the unplaced layers
// before it are placed (one of them may fail, and one band would have
// stopped there), then the error is returned.
func (b *bandedCanvas) windDown() task {
	waiting := false
	for j := 0; j < b.failAt; j++ {
		switch b.slots[j].state {
		case unplaced:
			b.slots[j].state = placing
			return task{kind: taskPlace, n: j}
		case placing:
			waiting = true
		}
	}
	if waiting {
		return task{kind: taskWait}
	}
	return task{kind: taskDone}
}

// fail records that layer j failed with err (b.mu held); -1 is the
// context, which ends the render at once.
func (b *bandedCanvas) fail(j int, err error) {
	if b.failed == nil || j < b.failAt {
		b.failAt, b.failed = j, err
	}
	b.wake.Broadcast()
}

// taskDone records that t is done (b.mu held) and wakes the goroutines
// waiting for it.
func (b *bandedCanvas) taskDone(t task) {
	if t.kind == taskPlace {
		s := &b.slots[t.n]
		s.state = placed
		if s.err != nil {
			b.fail(t.n, s.err)
		} else if s.p != nil {
			b.alive += s.p.pixels()
		}
	} else {
		st := &b.strips[t.n]
		st.busy, st.next = false, t.to
		for j := t.from; j < t.to; j++ {
			if s := &b.slots[j]; s.p != nil {
				if s.left--; s.left == 0 {
					b.release(s)
				}
			} else {
				s.left--
			}
		}
	}
	b.wake.Broadcast()
}

// place places layer i (claimed by the caller, b.mu not held).
func (b *bandedCanvas) place(i int) {
	s := &b.slots[i]
	start := time.Now()
	r := b.r
	r.hide = b.hidden[i]
	w, h := b.canvas.Rect.Dx(), b.canvas.Rect.Dy()
	ctx, l := warning.NewContext(b.ctx, &s.report), b.layers[i]
	if i == 0 && b.cover {
		// As coverLayer does it.
		reportTransparent(ctx, l)
		s.p = &placement{l: l, opacity: 1, fill: newGradientFill(l.Gradient, w, h)}
	} else {
		s.p, s.err = r.placeLayer(ctx, b.canvas, l, image.Point{}, w, h)
	}
	if s.p != nil && s.p.contrast {
		s.tally = tallies.Get().(*contrastTally)
	}
	s.spent.Add(int64(time.Since(start)))
}

// blendStrip blends layers from to to (placed) onto strip n (claimed by
// the caller, b.mu not held), counting text layers' contrast into own.
func (b *bandedCanvas) blendStrip(n, from, to int, own *tallyCache) {
	img := &b.strips[n].img
	if from == 0 && b.clear {
		clear(img.Pix[:(img.Rect.Dy()-1)*img.Stride+4*img.Rect.Dx()])
	}
	for j := from; j < to; j++ {
		s := &b.slots[j]
		if s.p == nil {
			continue
		}
		start := time.Now()
		var t *contrastTally
		if s.p.contrast {
			t = own.get(j)
		}
		s.p.blend(img, t)
		s.spent.Add(int64(time.Since(start)))
	}
}

// tallyCache is one goroutine's contrast tallies, one per text layer it
// blended, merged into the layers' own when it is done (a tally is 16 KB:
// one per strip would cost more to clear and merge than to count).
type tallyCache struct {
	layers []int
	ts     []*contrastTally
}

// get is the goroutine's tally for layer j.
func (c *tallyCache) get(j int) *contrastTally {
	if k := slices.Index(c.layers, j); k >= 0 {
		return c.ts[k]
	}
	t := tallies.Get().(*contrastTally)
	c.layers, c.ts = append(c.layers, j), append(c.ts, t)
	return t
}

// merge adds the goroutine's tallies to the layers' and gives them back.
func (c *tallyCache) merge(b *bandedCanvas) {
	for k, j := range c.layers {
		s, t := &b.slots[j], c.ts[k]
		s.mu.Lock()
		s.tally.merge(t)
		s.mu.Unlock()
		*t = contrastTally{}
		tallies.Put(t)
	}
}

// release gives slot s's layer images back (every strip has blended it,
// or will not).
func (b *bandedCanvas) release(s *layerSlot) {
	b.alive -= s.p.pixels()
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
		if s.state != placed {
			continue
		}
		if s.p != nil && s.left > 0 {
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
