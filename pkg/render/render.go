// Package render turns a validated request into an encoded image: a
// transparent canvas, one draw function per layer type registered in one
// table, a compositor that applies corner radii, opacity and rotation and
// blends source-over in premultiplied alpha, and encoders: PNG written
// directly by pkg/pngenc, the other five formats by handing the raw
// canvas to libvips. With cores to spare, the canvas is drawn and encoded
// in horizontal bands, one per core (bands.go).
//
// Coordinates follow spec/API.md: pixels from the canvas's top-left, y
// down, angles in degrees turning clockwise on screen. The canvas and every
// intermediate layer image are premultiplied *image.RGBA values; colour
// helpers live in the file that uses them.
package render

import (
	"context"
	"image"
	"image/color"
	"math"
	"runtime"
	"sort"
	"sync/atomic"
	"time"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/pixels"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
	"github.com/strata-render/strata/pkg/vips"
	"github.com/strata-render/strata/pkg/warning"
)

// Options configure a Renderer. The zero value renders solid colours and
// gradients; later layer types add the engines they need here.
type Options struct {
	// Encode overrides the per-format encoder settings; nil keeps the
	// measured defaults (DefaultEncodeOptions, docs/PERFORMANCE.md).
	Encode *EncodeOptions
	// Fonts is the font registry text layers draw with; nil refuses them.
	Fonts *typeset.Registry
	// Images loads image layers; nil refuses them.
	Images *imaging.Loader
	// FetchFont gets custom fonts given by URL (the same guarded fetcher
	// as image URLs); nil refuses them. MaxFontBytes caps what it returns.
	FetchFont    imaging.FetchFunc
	MaxFontBytes int64
	// ObserveLayer, when set, receives how long each top-level layer took
	// to draw and composite (for the render latency metrics).
	ObserveLayer func(t schema.LayerType, d time.Duration)
	// ObserveWarning, when set, receives the code of each warning of a
	// successful render (for the warnings-by-code metric).
	ObserveWarning func(code warning.Code)
}

// Renderer renders requests. It is safe for concurrent use.
type Renderer struct {
	opts Options
	enc  EncodeOptions
}

// New returns a Renderer. libvips is started once per process (vips.Start:
// untrusted loaders blocked, the operation cache off) and stays up until
// vips.Shutdown.
func New(opts Options) (*Renderer, error) {
	vips.Start()
	enc := DefaultEncodeOptions()
	if opts.Encode != nil {
		enc = *opts.Encode
	}
	return &Renderer{opts: opts, enc: enc}, nil
}

// drawFunc renders a layer's content into a fresh w×h premultiplied image
// (the layer box, before corner radii, opacity and rotation, which the
// compositor applies to every layer type alike). It may return nil for a
// layer that draws nothing.
type drawFunc func(ctx context.Context, r frame, l *schema.Layer, w, h int) (*image.RGBA, error)

// frame is one render's state, handed to every draw function beside the
// layer: the Renderer, the request's custom fonts (parsed before any layer
// is drawn), the pixel budget of the layer images alive at this depth, and
// the memo of the layout tree being drawn (nil outside one). A frame is
// passed by value: a layout's children get a copy whose budget counts the
// layout's own image, while the memo is shared by the whole tree.
type frame struct {
	*Renderer
	fonts  []*schema.Font
	budget pixelBudget
	memo   *layoutMemo
	// inkOnly asks drawText for an image of only the part of the box its
	// ink touches (Rect not at the origin); drawLayer sets it where the
	// compositor needs no more (unrotated, no effects).
	inkOnly bool
	// hide is the part of the canvas a later layer paints over
	// (hiddenBy), which the top-level solid layer being drawn may skip.
	hide image.Rectangle
}

// drawers maps each layer type to its draw function. A type missing here
// is answered with a 422 naming the layer.
var drawers = map[schema.LayerType]drawFunc{
	schema.TypeSolidColor: drawSolid,
	schema.TypeGradient:   drawGradient,
	schema.TypeText:       drawText,
	schema.TypeQRCode:     drawQRCode,
	schema.TypeBarcode:    drawBarcode,
	schema.TypeImage:      drawImage,
}

// pooledDrawers are the layer types whose draw function takes its image
// from a pool and keeps no reference to it, with that pool: the image
// goes back once it is composited, or once it is encoded when it became
// the canvas (coverLayer; only canvases-pooled types). A gradient is a
// full box of fresh pixels: 3 MB of the 3.4 MB a gradient card allocated
// per render; a text layer's image is at most its box.
var pooledDrawers = map[schema.LayerType]planePool{
	schema.TypeGradient: &canvases,
	schema.TypeText:     &inkPlanes,
}

// The layout draws its children through drawLayer, which reads drawers,
// so it joins the table at init (an entry in the literal would be an
// initialization cycle).
func init() { drawers[schema.TypeLayout] = drawLayout }

// Render draws req's layers onto a transparent canvas in ascending index
// (ties in array order) and encodes the canvas in req's output format. The
// context is checked between layers; an expired context yields a 422.
func (r *Renderer) Render(ctx context.Context, req *schema.Request) (core.Result, error) {
	rendering.Add(1)
	defer rendering.Add(-1)
	return r.render(ctx, req, spareCores())
}

// render is Render on parts cores: a large canvas is drawn and encoded
// in bands, one per core (bandedLayers).
func (r *Renderer) render(ctx context.Context, req *schema.Request, parts int) (core.Result, error) {
	format := req.OutputFormat
	if format == "" {
		format = schema.PNG
	}
	if _, ok := mimeTypes[format]; !ok {
		return core.Result{}, failure.New(failure.Invalid, "Unsupported output format %q.", format)
	}
	report := warning.From(ctx)
	if report == nil {
		report = &warning.Collector{}
		ctx = warning.NewContext(ctx, report)
	}
	ctx, fetched := fetch.Record(ctx)
	fonts, err := r.requestFonts(ctx, req)
	if err != nil {
		return core.Result{}, err
	}
	if format == schema.PDF {
		data, err := frame{Renderer: r, fonts: fonts}.renderPDF(ctx, req)
		if err != nil {
			return core.Result{}, err
		}
		return r.result(data, mimeTypes[format], req, report, fetched), nil
	}
	f, o := frame{Renderer: r, fonts: fonts}, r.enc.With(req.Output)
	banded, err := f.bandedLayers(ctx, req, parts)
	if err != nil {
		return core.Result{}, err
	}
	if banded != nil {
		data, mime, err := r.encodeBanded(banded, format, o, parts)
		if err != nil {
			return core.Result{}, err
		}
		return r.result(data, mime, req, report, fetched), nil
	}
	canvas, pooled, err := f.composeLayers(ctx, req)
	if err != nil {
		return core.Result{}, err
	}
	if pooled {
		// Encoders copy the pixels; nothing refers to them afterwards.
		defer canvases.Put(canvas.Pix)
	}
	if err := checkContext(ctx); err != nil {
		return core.Result{}, err
	}
	data, mime, err := r.encode(canvas, format, o, parts)
	if err != nil {
		return core.Result{}, err
	}
	return r.result(data, mime, req, report, fetched), nil
}

// rendering counts the renders in progress in this process, so that a
// render knows how many cores no other render is using (spareCores).
var rendering atomic.Int32

// spareCores is how many cores one of the renders in progress may use
// (drawing and encoding its canvas in bands, bandedLayers): its own, and
// one for each core beyond the number of renders (GOMAXPROCS). With every
// core rendering it is 1: splitting the work would only add to it.
func spareCores() int {
	n := runtime.GOMAXPROCS(0)
	return max(1, min(n, 1+n-int(rendering.Load())))
}

// result is a successful render's Result, its warnings observed.
func (r *Renderer) result(data []byte, mime string, req *schema.Request, report *warning.Collector, fetched *fetch.Digests) core.Result {
	ws := report.List()
	if r.opts.ObserveWarning != nil {
		for _, w := range ws {
			r.opts.ObserveWarning(w.Code)
		}
	}
	return core.Result{Data: data, MimeType: mime, Width: req.Width, Height: req.Height, Warnings: ws, Assets: fetched.Sum()}
}

// composeLayers draws req's layers in order onto a canvas: the first
// layer's own image when it covers the canvas exactly (coverLayer), else a
// canvas from the pool, which pooled reports (the caller gives it back
// once the pixels are encoded; on an error it is given back here).
func (r frame) composeLayers(ctx context.Context, req *schema.Request) (canvas *image.RGBA, pooled bool, err error) {
	layers := sortedLayers(req)
	defer func() {
		if err != nil && pooled {
			canvases.Put(canvas.Pix)
			canvas, pooled = nil, false
		}
	}()
	w, h := req.Width, req.Height
	r.budget = pixelBudget{limit: layerPixelLimit(w, h)}
	hidden := hiddenBy(layers, w, h)
	canvas, pooled, next, err := r.baseCanvas(ctx, layers, w, h)
	if err != nil {
		return canvas, pooled, err
	}
	if next == 0 && !(len(layers) > 0 && paintsEveryPixel(layers[0], w, h)) {
		clear(canvas.Pix)
	}
	for i := next; i < len(layers); i++ {
		l := layers[i]
		if err := checkContext(ctx); err != nil {
			return canvas, pooled, err
		}
		r.hide = hidden[i]
		start := time.Now()
		if err := r.drawLayer(ctx, canvas, l, image.Point{}, w, h); err != nil {
			return canvas, pooled, err
		}
		if r.opts.ObserveLayer != nil {
			r.opts.ObserveLayer(l.Type, time.Since(start))
		}
	}
	return canvas, pooled, nil
}

// sortedLayers is req's layers in drawing order: ascending index, ties in
// array order.
func sortedLayers(req *schema.Request) []*schema.Layer {
	layers := make([]*schema.Layer, len(req.Layers))
	copy(layers, req.Layers)
	sort.SliceStable(layers, func(i, j int) bool { return layers[i].Index < layers[j].Index })
	return layers
}

// baseCanvas is the canvas sorted layers are drawn onto, and the index of
// the first layer still to draw: the first layer's own image when it
// covers the canvas exactly (coverLayer; next is 1), else a canvas from
// the pool whose pixels are left as they were (next is 0: the caller
// clears them unless the first layer paints every one). pooled reports a
// canvas from the pool.
func (r frame) baseCanvas(ctx context.Context, layers []*schema.Layer, w, h int) (canvas *image.RGBA, pooled bool, next int, err error) {
	if len(layers) > 0 {
		if err := checkContext(ctx); err != nil {
			return nil, false, 0, err
		}
		// Source-over onto transparent is a copy: a first layer that
		// covers the canvas exactly becomes the canvas.
		start := time.Now()
		if canvas, pooled, err = r.coverLayer(ctx, layers[0], w, h); err != nil {
			return nil, false, 0, err
		}
		if canvas != nil {
			if r.opts.ObserveLayer != nil {
				r.opts.ObserveLayer(layers[0].Type, time.Since(start))
			}
			return canvas, pooled, 1, nil
		}
	}
	return newCanvas(w, h, false), true, 0, nil
}

// canvases keeps canvas pixel buffers between renders: a canvas is the
// largest allocation of most renders (3 MB at 1200×630, 11 MB at
// 2000×1414), and reusing it spares the garbage collector and, under an
// opaque background, the zeroing too. Only buffers newCanvas lent out go
// back: a canvas that is a layer's own image (coverLayer) never came from
// here, and Put drops buffers it did not hand out.
//
// The planes live outside the Go heap (pixels.Planes): on the Go heap
// every pooled canvas counted as live memory and the collector's goal
// doubled it (the certificate card peaked at 110 MB of Go heap for
// 50 MB live). Up to canvasIdlePerCore bytes per core stay mapped between
// renders; canvases under canvasMinOffHeap come from the heap.
var canvases = pixels.Planes{MinBytes: canvasMinOffHeap, IdleBytes: canvasIdlePerCore * runtime.GOMAXPROCS(0)}

const (
	// canvasMinOffHeap is the smallest canvas mapped outside the heap:
	// below it (a 512×512 canvas), a mapping's system calls and page
	// faults cost more than the collector does.
	canvasMinOffHeap = 1 << 20
	// canvasIdlePerCore is how much canvas memory is kept for reuse per
	// core: one 2000×1414 canvas and a 1200×630 one.
	canvasIdlePerCore = 16 << 20
)

// planePool is where a pooled drawer's image comes from and goes back
// to: canvases, or a pixels.Pool.
type planePool interface {
	Get(n int) []byte
	Put(s []byte)
}

// newCanvas returns a w×h canvas from the pool, all transparent when
// transparent is set; otherwise its pixels are left as they were and the
// caller paints every one.
func newCanvas(w, h int, transparent bool) *image.RGBA {
	pix := canvases.Get(4 * w * h)
	if transparent {
		clear(pix)
	}
	return &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// paintsEveryPixel reports whether l, drawn first, covers the w×h canvas
// with opaque colour through the solid fast path, so the canvas under it
// need not be cleared.
func paintsEveryPixel(l *schema.Layer, w, h int) bool {
	if l.Type != schema.TypeSolidColor || l.Effects != nil || len(l.Solid.AngledEdges) > 0 || l.Solid.Color.A != 255 ||
		l.Opacity < 100 || math.Mod(l.Rotation, 360) != 0 || !l.Radii.IsZero() {
		return false
	}
	x, y := 0, 0
	if p := l.Position; p != nil {
		x, y = int(math.Round(p.X)), int(math.Round(p.Y))
	}
	bw, bh := w, h
	if s := l.Size; s != nil {
		bw, bh = s.Width, s.Height
	}
	return x <= 0 && y <= 0 && x+bw >= w && y+bh >= h
}

// coverLayer draws l as a whole w×h canvas when it exactly covers it
// (drawn through an image, unrotated, fully opaque layer setting, at the
// origin, canvas-sized); otherwise it returns nil and draws nothing.
// pooled reports a canvas from the pool (pooledDrawers).
func (r frame) coverLayer(ctx context.Context, l *schema.Layer, w, h int) (canvas *image.RGBA, pooled bool, err error) {
	draw, ok := drawers[l.Type]
	if !ok || !coversCanvas(l, w, h) {
		return nil, false, nil
	}
	img, err := draw(ctx, r, l, w, h)
	if err != nil || img == nil {
		return nil, false, err
	}
	reportTransparent(ctx, l)
	applyCorners(img, l.Radii)
	if img.Rect != image.Rect(0, 0, w, h) || img.Stride != 4*w {
		// Not a plain canvas-shaped image: blend it as usual.
		canvas = newCanvas(w, h, true)
		composite(canvas, img, 0, 0, 0, 1)
		if pool := pooledDrawers[l.Type]; pool != nil {
			pool.Put(img.Pix)
		}
		return canvas, true, nil
	}
	return img, pooledDrawers[l.Type] == planePool(&canvases), nil
}

// coversCanvas reports whether l, as the first layer of a w×h canvas,
// becomes the canvas (coverLayer): unrotated, fully opaque as a layer, no
// effects, at the origin and canvas-sized, and drawn through an image.
func coversCanvas(l *schema.Layer, w, h int) bool {
	if l.Opacity < 100 || math.Mod(l.Rotation, 360) != 0 || l.Effects != nil {
		return false
	}
	if l.Type == schema.TypeSolidColor && len(l.Solid.AngledEdges) == 0 {
		return false // the solid fast path is cheaper still
	}
	if l.Type == schema.TypeText {
		return false // ink on transparent: drawn onto a clear canvas, the same pixels
	}
	if (l.Type == schema.TypeLayout && l.Size == nil) || naturalSized(l) {
		return false // sized by its content, not the canvas
	}
	if p := l.Position; p != nil && (math.Round(p.X) != 0 || math.Round(p.Y) != 0) {
		return false
	}
	s := l.Size
	return s == nil || (s.Width == w && s.Height == h)
}

// paintedCover reports whether l, as the first layer of a w×h canvas,
// is a gradient that becomes the canvas (coversCanvas) with nothing done
// to its image: its pixels can be painted straight into any rows of the
// canvas (gradientFill), so a banded canvas paints it strip by strip.
func paintedCover(l *schema.Layer, w, h int) bool {
	return l.Type == schema.TypeGradient && len(l.Gradient.Stops) > 0 && l.Radii.IsZero() && coversCanvas(l, w, h)
}

// checkContext turns an expired or cancelled context into the API's
// "render over its time limit" error.
func checkContext(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return failure.Wrap(failure.Unprocessable, err, "The render exceeded its time limit.")
	}
	return nil
}

// layerPixelLimit is the most layer-image pixels alive at once for a
// w×h canvas: four times its area (a rotated layer covering the canvas
// needs about twice each side), and at least 4 megapixels. Validation lets
// a side reach four times the canvas cap, which alone would be a 4 GB
// allocation.
func layerPixelLimit(w, h int) float64 {
	return max(4*float64(w)*float64(h), 4e6)
}

// pixelBudget is carried in the frame while layers are drawn: limit is
// layerPixelLimit of the canvas, used the pixels of the layout images a
// layer is drawn into (alive while their children are drawn). Without it a
// layout four times the canvas holding one four times bigger again took
// 7 GB from 500 bytes of JSON.
type pixelBudget struct{ limit, used float64 }

// budgetFor is the frame's budget, or a fresh one for dst when drawing
// starts below Render (tests).
func (r frame) budgetFor(dst *image.RGBA) pixelBudget {
	if r.budget.limit > 0 {
		return r.budget
	}
	return pixelBudget{limit: layerPixelLimit(dst.Rect.Dx(), dst.Rect.Dy())}
}

// farAway is a layer offset beyond which nothing can reach a destination
// (sides are capped far below it).
const farAway = 1 << 24

// drawLayer draws one layer onto dst. Layer positions are measured from
// origin (a point in dst's coordinates); a layer without position starts at
// origin and a layer without dimensions takes the boxW×boxH area there. A
// layout uses it to draw its children into its own box.
func (r frame) drawLayer(ctx context.Context, dst *image.RGBA, l *schema.Layer, origin image.Point, boxW, boxH int) error {
	p, err := r.placeLayer(ctx, dst, l, origin, boxW, boxH)
	if err != nil || p == nil {
		return err
	}
	if p.contrast {
		var t contrastTally
		p.blend(dst, &t)
		t.report(ctx, l)
	} else {
		p.blend(dst, nil)
	}
	p.release()
	return nil
}

// placement is a layer ready to be blended: all drawLayer does before it
// touches the destination's pixels (sizes, budget, warnings, the layer's
// own image with its corners and effects applied). It can be blended onto
// several parts of the destination, each on its own core (bandedCanvas):
// every blend clips to the bounds of the destination it is given.
type placement struct {
	l       *schema.Layer
	opacity float64
	// solid is the fast path for unrotated solid colours: colour blended
	// over box (with radii, skipping hide) with no layer image.
	solid  bool
	colour color.RGBA
	box    image.Rectangle
	hide   image.Rectangle
	// fill, for a first layer that becomes the canvas (paintedCover), is
	// painted over the rows blend is given instead (the same pixels as
	// blending the layer onto transparent ones).
	fill *gradientFill
	// img is the layer image blended at (x, y); backdrop, when not empty,
	// is the box whose destination pixels are blurred first.
	img      *image.RGBA
	x, y     float64
	backdrop image.Rectangle
	// contrast: the low-contrast check applies (reportContrast).
	contrast bool
	// drawn (from l's type's pool) and grown (the effects' padded copy,
	// from canvases) go back once every blend is done.
	drawn, grown *image.RGBA
}

// placeLayer does drawLayer's work up to the blend: nil when the layer
// draws nothing. Of dst it reads only the bounds.
func (r frame) placeLayer(ctx context.Context, dst *image.RGBA, l *schema.Layer, origin image.Point, boxW, boxH int) (*placement, error) {
	hide := r.hide
	r.hide = image.Rectangle{} // for this layer, not for those inside it
	draw, ok := drawers[l.Type]
	if !ok {
		return nil, failure.New(failure.Unprocessable, "%s layers are not supported by this build yet (%s).", l.Type, l.Path)
	}
	reportTransparent(ctx, l)
	opacity := l.Opacity / 100
	if !(opacity > 0) { // also NaN
		return nil, nil
	}
	if opacity > 1 {
		opacity = 1
	}
	w, h := boxW, boxH
	if l.Size != nil {
		w, h = l.Size.Width, l.Size.Height
	} else if naturalSized(l) {
		// The image's natural size, within the room right of and below
		// its position (drawImage scales it down to fit, never up).
		w, h = boxW-int(math.Round(l.Position.X)), boxH-int(math.Round(l.Position.Y))
	} else if l.Type == schema.TypeLayout {
		// A layout without dimensions is as big as its content: measure it
		// first (the frame's memo keeps the sizes for drawing its children).
		r = r.withLayoutMemo()
		var err error
		if w, h, err = r.measureLayout(ctx, l); err != nil {
			return nil, err
		}
	}
	if w <= 0 || h <= 0 {
		return nil, nil
	}
	x, y := float64(origin.X), float64(origin.Y)
	if l.Position != nil {
		x += l.Position.X
		y += l.Position.Y
	}
	if !(math.Abs(x) < farAway && math.Abs(y) < farAway) || math.IsNaN(l.Rotation) || math.IsInf(l.Rotation, 0) {
		// Nowhere near any destination (or not a number): nothing to draw,
		// and integer pixel maths further down stays far from overflow.
		return nil, nil
	}
	reportPlacement(ctx, dst, l, x, y, w, h)
	if l.Type == schema.TypeSolidColor && len(l.Solid.AngledEdges) == 0 && math.Mod(l.Rotation, 360) == 0 && l.Effects == nil {
		// Fast path for the commonest layer: blend the uniform colour
		// straight into dst, with no layer image.
		ix, iy := int(math.Round(x)), int(math.Round(y))
		return &placement{l: l, opacity: opacity, solid: true, colour: premultiply(l.Solid.Color),
			box: image.Rect(ix, iy, ix+w, iy+h), hide: hide}, nil
	}
	budget, px := r.budgetFor(dst), float64(w)*float64(h)
	if l.Effects != nil {
		// Effects draw into a copy grown by their margin.
		m := float64(effectMargin(l.Effects))
		px += (float64(w)+2*m)*(float64(h)+2*m) + float64(w)*float64(h)
	}
	if budget.used+px > budget.limit {
		if budget.used == 0 {
			return nil, failure.New(failure.Unprocessable, "%s is %dx%d = %.1f megapixels; a layer may cover at most %.1f megapixels (4 times the canvas).",
				l.Path, w, h, px/1e6, budget.limit/1e6)
		}
		return nil, failure.New(failure.Unprocessable, "%s is %dx%d = %.1f megapixels; with the %.1f megapixels of the layouts it is inside, that is over the %.1f megapixels (4 times the canvas) layers may hold at once.",
			l.Path, w, h, px/1e6, budget.used/1e6, budget.limit/1e6)
	}
	if l.Type == schema.TypeLayout {
		// The layout's image stays alive while its children are drawn.
		r.budget = pixelBudget{limit: budget.limit, used: budget.used + px}
	}
	fr := r
	fr.inkOnly = l.Type == schema.TypeText && l.Effects == nil && math.Mod(l.Rotation, 360) == 0 && l.Radii.IsZero()
	img, err := draw(ctx, fr, l, w, h)
	if err != nil || img == nil {
		return nil, err
	}
	p := &placement{l: l, opacity: opacity, drawn: img}
	if o := img.Rect.Min; o != (image.Point{}) {
		// Only the ink's part of the box (inkOnly): blended at its place
		// in the box, the rest of which is transparent.
		x, y = math.Round(x)+float64(o.X), math.Round(y)+float64(o.Y)
		img = &image.RGBA{Pix: img.Pix, Stride: img.Stride, Rect: image.Rectangle{Max: img.Rect.Size()}}
	}
	applyCorners(img, l.Radii)
	if l.Effects != nil && l.Effects.BackdropBlur > 0 {
		p.backdrop = image.Rect(0, 0, w, h).Add(image.Pt(int(math.Round(x)), int(math.Round(y))))
	}
	if l.Effects != nil {
		var m int
		img, m = applyEffects(img, l)
		x, y = x-float64(m), y-float64(m)
		if m > 0 {
			p.grown = img
		}
	}
	p.img, p.x, p.y = img, x, y
	p.contrast = judgesContrast(l) && warning.From(ctx) != nil
	return p, nil
}

// blend blends the placed layer onto dst, clipped to dst's bounds; when
// the contrast check applies, tally counts the pixels of dst under it
// first.
func (p *placement) blend(dst *image.RGBA, tally *contrastTally) {
	l := p.l
	if p.fill != nil {
		p.fill.paint(dst)
		return
	}
	if p.solid {
		compositeSolid(dst, p.colour, p.box.Min.X, p.box.Min.Y, p.box.Dx(), p.box.Dy(), l.Radii, p.opacity, p.hide)
		return
	}
	img, x, y := p.img, p.x, p.y
	if !p.backdrop.Empty() {
		backdropBlur(dst, p.backdrop, l.Radii, l.Effects.BackdropBlur)
	}
	if p.contrast && tally != nil {
		tally.add(dst, img, l.Text.Color, int(math.Round(x)), int(math.Round(y)), p.opacity)
	}
	if mode := l.Effects.BlendMode(); mode != schema.BlendNormal {
		if math.Mod(l.Rotation, 360) != 0 {
			// Rotate onto a transparent copy of the destination's area,
			// then blend that.
			tmp := image.NewRGBA(dst.Rect)
			composite(tmp, img, x, y, l.Rotation, 1)
			img, x, y = tmp, float64(dst.Rect.Min.X), float64(dst.Rect.Min.Y)
		}
		compositeBlend(dst, img, int(math.Round(x)), int(math.Round(y)), p.opacity, mode)
	} else {
		composite(dst, img, x, y, l.Rotation, p.opacity)
	}
}

// pixels is how many pixels the placement's images hold.
func (p *placement) pixels() int64 {
	n := 0
	if p.drawn != nil {
		n += len(p.drawn.Pix)
	}
	if p.grown != nil {
		n += len(p.grown.Pix)
	}
	return int64(n / 4)
}

// release gives the placement's images back to their pools; it is not
// blended again.
func (p *placement) release() {
	if p.drawn != nil {
		if pool := pooledDrawers[p.l.Type]; pool != nil {
			pool.Put(p.drawn.Pix)
		}
	}
	if p.grown != nil {
		canvases.Put(p.grown.Pix)
	}
	p.drawn, p.grown, p.img = nil, nil, nil
}
