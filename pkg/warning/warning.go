// Package warning is the render report: what went quietly wrong in a
// render that still succeeded (a font substituted, a line clipped, a logo
// blown up past its pixels). Each Warning names the request's JSON path,
// a stable Code (the table in docs/API.md) and a sentence.
//
// A Collector is made per render and handed down explicitly through the
// render's context (NewContext / From), never kept in a global, so
// concurrent renders never see each other's warnings. Collecting never
// changes what is drawn: the draw code only reports.
package warning

import (
	"context"
	"fmt"
	"sync"
)

// Code is a stable, machine-readable warning identifier. Codes are never
// renamed or reused; new ones may be added.
type Code string

// The warning codes (docs/API.md, "Warnings", describes each).
const (
	// FontNotFound: the layer's font_name is neither bundled nor custom; another face was used.
	FontNotFound Code = "font_not_found"
	// MissingGlyphs: characters no bundled or custom font has.
	MissingGlyphs Code = "missing_glyphs"
	// TextClipped: text ran past the box and was cut off.
	TextClipped Code = "text_clipped"
	// TextAutoScaled (information): should_auto_scale chose a smaller size.
	TextAutoScaled Code = "text_auto_scaled"
	// TextBelowLegible: auto-scale went below the legibility floor.
	TextBelowLegible Code = "text_below_legible_size"
	// TextEmpty: a text layer with empty text drew nothing.
	TextEmpty Code = "text_empty"
	// LowContrast: text contrast against the pixels under it is below WCAG 3:1.
	LowContrast Code = "low_contrast"
	// ImageUpscaled: an image was enlarged past 1.5× its pixels (blurry).
	ImageUpscaled Code = "image_upscaled"
	// ImageAnimated: an animated image was reduced to its first frame.
	ImageAnimated Code = "image_animated"
	// ImageMostlyOffCanvas: most of an image's box lies outside the canvas.
	ImageMostlyOffCanvas Code = "image_mostly_off_canvas"
	// BarcodeCheckDigit: an EAN value's last digit is not its check digit.
	BarcodeCheckDigit Code = "barcode_check_digit"
	// LayerOffCanvas: a layer lies entirely outside the canvas.
	LayerOffCanvas Code = "layer_off_canvas"
	// LayerTransparent: a layer is fully transparent (opacity 0 or colour alpha 0).
	LayerTransparent Code = "layer_transparent"
	// PDFRasterized: a layer of a PDF is pixels at the page's resolution, not vectors (effects PDF cannot express).
	PDFRasterized Code = "pdf_rasterized"
)

// Codes lists every code, for documentation and tests.
var Codes = []Code{
	FontNotFound, MissingGlyphs, TextClipped, TextAutoScaled, TextBelowLegible, TextEmpty,
	LowContrast, ImageUpscaled, ImageAnimated, ImageMostlyOffCanvas, BarcodeCheckDigit,
	LayerOffCanvas, LayerTransparent, PDFRasterized,
}

// Warning is one entry of a render report.
type Warning struct {
	// Path is the JSON path of the field concerned, e.g. "layers[2].font_name".
	Path string `json:"path"`
	// Code is the stable identifier.
	Code Code `json:"code"`
	// Message is one sentence for a person.
	Message string `json:"message"`
}

// MaxWarnings bounds one render's report: a request of 200 layers all
// clipped still answers with a short list (the rest are counted in
// Collector.Dropped).
const MaxWarnings = 50

// Collector gathers one render's warnings. It is safe for concurrent use
// and its methods do nothing on a nil *Collector, so draw code reports
// unconditionally.
type Collector struct {
	mu      sync.Mutex
	list    []Warning
	seen    map[Warning]bool
	dropped int
}

// Add records a warning; the same warning (path, code and message) is kept
// once, and past MaxWarnings warnings are only counted.
func (c *Collector) Add(path string, code Code, format string, args ...any) {
	if c == nil {
		return
	}
	w := Warning{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.add(w)
}

// Merge adds o's warnings to c in o's order, as Add would, and counts the
// ones o dropped: work done apart (a layer drawn on another core, into a
// collector of its own) reports in the order it would have alone.
func (c *Collector) Merge(o *Collector) {
	if c == nil || o == nil {
		return
	}
	ws, dropped := o.List(), o.Dropped()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range ws {
		c.add(w)
	}
	c.dropped += dropped
}

// add is Add with c.mu held.
func (c *Collector) add(w Warning) {
	if c.seen[w] {
		return
	}
	if len(c.list) >= MaxWarnings {
		c.dropped++
		return
	}
	if c.seen == nil {
		c.seen = map[Warning]bool{}
	}
	c.seen[w] = true
	c.list = append(c.list, w)
}

// List returns the warnings in the order they were added (nil when none).
func (c *Collector) List() []Warning {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Warning(nil), c.list...)
}

// Dropped is how many warnings past MaxWarnings were not kept.
func (c *Collector) Dropped() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

type ctxKey struct{}

// NewContext returns ctx carrying c; the render's draw functions report to it.
func NewContext(ctx context.Context, c *Collector) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// From returns the collector ctx carries, or nil (on which Add is a no-op).
func From(ctx context.Context) *Collector {
	c, _ := ctx.Value(ctxKey{}).(*Collector)
	return c
}

// OrEmpty returns ws, or an empty list when ws is nil, so a report
// encodes as [] rather than null.
func OrEmpty(ws []Warning) []Warning {
	if ws == nil {
		return []Warning{}
	}
	return ws
}
