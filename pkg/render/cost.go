package render

import (
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// EstimateBytes is the memory a render of req may hold at its peak, from
// the request alone (no font, image or URL is looked at), for admission
// against a memory budget. It is the sum of
//   - a fixed 16 MB (shaping, glyph caches, small buffers);
//   - the canvas, 4 bytes a pixel;
//   - the encoder's working memory, a multiple of the canvas measured per
//     format (encodeFactor);
//   - the largest layer: its box, 4 bytes a pixel, times a factor for
//     what its type and effects allocate beside the box (layerFactor); a
//     layout adds its own box to its largest child. Layer boxes are
//     capped by the render's pixel budget (four canvases).
//
// Layers are drawn one after another, so only the largest counts. Measured
// at 8192×6100 (VmHWM of one render minus the idle process,
// docs/RELIABILITY.md): a gradient PNG 361 MB (estimate 517), a 2×-canvas
// rotated layer as PNG 1,143 MB (1,117), as WebP 1,355 MB (1,417), as AVIF
// 1,980 MB (2,016), 65,536 characters of text as PNG 858 MB (916).
func EstimateBytes(req *schema.Request) int64 {
	canvas := 4 * float64(req.Width) * float64(req.Height)
	capBytes := 4 * layerPixelLimit(req.Width, req.Height)
	var largest float64
	for _, l := range req.Layers {
		largest = max(largest, layerBytes(l, req.Width, req.Height, capBytes))
	}
	return int64(16<<20 + canvas*(1+encodeFactor[req.OutputFormat]) + largest)
}

// encodeFactor is each format's encoder memory in canvases beyond the
// canvas itself (the raw copy libvips reads plus the encoder's own), from
// the peaks measured at 8192×6100.
var encodeFactor = map[schema.Format]float64{
	schema.PNG: 0.5, schema.JPEG: 1, schema.TIFF: 1, schema.WebP: 2, schema.GIF: 3.5, schema.AVIF: 5,
}

// layerBytes is the estimate of one layer drawn in a w×h parent box.
func layerBytes(l *schema.Layer, w, h int, capBytes float64) float64 {
	if l.Size != nil && l.Size.Width > 0 && l.Size.Height > 0 {
		w, h = l.Size.Width, l.Size.Height
	}
	box := min(4*float64(w)*float64(h), capBytes)
	f := 1.0
	switch l.Type {
	case schema.TypeText:
		f = 3 // the box, its coverage masks and the shaped runs
	case schema.TypeImage:
		f = 3 // the decoded source at box size, its fitted copy, the box
	}
	if l.Effects != nil {
		f += 2 // a shadow or blur: another box and its blurred copy
	}
	own := f * box
	if l.Layout != nil {
		var child float64
		for _, c := range append(l.Layout.BackgroundLayers[:len(l.Layout.BackgroundLayers):len(l.Layout.BackgroundLayers)], l.Layout.Children...) {
			child = max(child, layerBytes(c, w, h, capBytes))
		}
		own += child
	}
	return own
}

// CheckMemory refuses (422) a request whose estimate is over budget, the
// most a process lets its renders hold at once: it could never be admitted.
// It returns the estimate beside.
func CheckMemory(req *schema.Request, budget int64) (int64, error) {
	cost := EstimateBytes(req)
	if cost > budget {
		return cost, failure.New(failure.Unprocessable,
			"This request needs about %d MB of memory to render, more than this server's budget of %d MB; use a smaller canvas, smaller layers or PNG/JPEG output.",
			cost>>20, budget>>20)
	}
	return cost, nil
}
