package render

import (
	"context"
	"image"
	"math"
	"slices"
	"sort"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/pdf"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
	"github.com/strata-render/strata/pkg/warning"
)

// This file renders output_format "pdf" (docs/RENDERING.md, "PDF"): one
// page of the canvas's size in pixels at the request's resolution_in_dpi
// (72 by default, one pixel a point), each layer drawn as PDF vector
// content where PDF can say the same thing — solid colours and angled
// edges as paths, gradients as shadings, text as glyphs of embedded Type 3
// subsets (selectable and searchable), QR codes and barcodes as module
// rectangles, images as embedded pixels at their source's resolution,
// layouts as their children — and as the pixels Strata draws (at the
// page's resolution, one canvas pixel per dot) where it cannot: layers with
// effects. Each rasterised layer is in the render report (pdf_rasterized).

// DefaultDPI is a PDF page's resolution when the request gives none: one
// canvas pixel per point.
const DefaultDPI = 72

// pdfBlend maps blend modes to PDF's names (ISO 32000-1 §11.3.5, the same
// formulas as CSS compositing).
var pdfBlend = map[schema.BlendMode]string{
	"normal": "Normal", "multiply": "Multiply", "screen": "Screen", "overlay": "Overlay", "darken": "Darken",
	"lighten": "Lighten", "color-dodge": "ColorDodge", "color-burn": "ColorBurn", "hard-light": "HardLight",
	"soft-light": "SoftLight", "difference": "Difference", "exclusion": "Exclusion", "hue": "Hue",
	"saturation": "Saturation", "color": "Color", "luminosity": "Luminosity",
}

// pdfPage is one PDF render in progress.
type pdfPage struct {
	r      frame // one frame for the page: the layout memo is shared by every tree on it
	doc    *pdf.Document
	page   *pdf.Canvas
	req    *schema.Request
	report *warning.Collector
	dpi    float64
}

// renderPDF draws req as a one-page PDF.
func (r frame) renderPDF(ctx context.Context, req *schema.Request) ([]byte, error) {
	dpi := float64(DefaultDPI)
	if req.Output.ResolutionDPI != nil {
		dpi = float64(*req.Output.ResolutionDPI)
	}
	p := &pdfPage{r: r, doc: pdf.New(), req: req, report: warning.From(ctx), dpi: dpi}
	p.page = p.doc.Page(float64(req.Width), float64(req.Height), 72/dpi)
	layers := make([]*schema.Layer, len(req.Layers))
	copy(layers, req.Layers)
	sort.SliceStable(layers, func(i, j int) bool { return layers[i].Index < layers[j].Index })
	p.r.budget = pixelBudget{limit: layerPixelLimit(req.Width, req.Height)}
	for i, l := range layers {
		if err := checkContext(ctx); err != nil {
			return nil, err
		}
		if l.Effects != nil && l.Effects.BackdropBlur > 0 {
			// The blur needs the pixels below: everything so far becomes
			// one image.
			if err := p.flatten(ctx, layers[:i+1]); err != nil {
				return nil, err
			}
			continue
		}
		if err := p.layer(ctx, p.page, l, 0, 0, req.Width, req.Height); err != nil {
			return nil, err
		}
	}
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	return p.doc.Bytes(), nil
}

// flatten replaces the page's content with the raster render of layers.
func (p *pdfPage) flatten(ctx context.Context, layers []*schema.Layer) error {
	sub := *p.req
	sub.Layers = layers
	canvas, pooled, err := p.r.composeLayers(ctx, &sub)
	if err != nil {
		return err
	}
	if pooled {
		defer canvases.Put(canvas.Pix)
	}
	l := layers[len(layers)-1]
	p.report.Add(l.Path+".backdrop_blur", warning.PDFRasterized,
		"The backdrop blur needs the pixels below it, so this layer and every layer under it are pixels at %g DPI in the PDF.", p.dpi)
	p.page.Reset()
	p.page.DrawImage(p.doc.Image(canvas), 0, 0, float64(p.req.Width), float64(p.req.Height))
	return nil
}

// layer draws l onto c: the vector path when there is one, else its
// pixels. Positions are measured from (ox, oy); a layer without
// dimensions takes the boxW×boxH area there (drawLayer's rules).
func (p *pdfPage) layer(ctx context.Context, c *pdf.Canvas, l *schema.Layer, ox, oy float64, boxW, boxH int) error {
	opacity := l.Opacity / 100
	if !(opacity > 0) {
		return nil
	}
	opacity = min(opacity, 1)
	if reason := p.rasterReason(l); reason != "" {
		return p.raster(ctx, c, l, ox, oy, boxW, boxH, reason)
	}
	w, h := boxW, boxH
	if l.Size != nil {
		w, h = l.Size.Width, l.Size.Height
	} else if naturalSized(l) {
		w, h = boxW-int(math.Round(l.Position.X)), boxH-int(math.Round(l.Position.Y))
	} else if l.Type == schema.TypeLayout {
		// As big as its content (drawLayer's rule; the memo keeps the
		// sizes for its children).
		p.r = p.r.withLayoutMemo()
		var err error
		if w, h, err = p.r.measureLayout(ctx, l); err != nil {
			return err
		}
	}
	if w <= 0 || h <= 0 {
		return nil
	}
	x, y := ox, oy
	if l.Position != nil {
		x += l.Position.X
		y += l.Position.Y
	}
	if !(math.Abs(x) < farAway && math.Abs(y) < farAway) || math.IsNaN(l.Rotation) || math.IsInf(l.Rotation, 0) {
		return nil
	}
	// What the layer's content is, drawn in box coordinates.
	var content func(g *pdf.Canvas) error
	switch l.Type {
	case schema.TypeSolidColor:
		content = func(g *pdf.Canvas) error { p.solid(g, l, w, h); return nil }
	case schema.TypeGradient:
		content = func(g *pdf.Canvas) error { p.gradient(g, l.Gradient, w, h); return nil }
	case schema.TypeText:
		content = func(g *pdf.Canvas) error { return p.text(ctx, g, l, w, h) }
	case schema.TypeLayout:
		content = func(g *pdf.Canvas) error { return p.layout(ctx, g, l, w, h) }
	case schema.TypeImage:
		img, err := p.image(ctx, l, w, h)
		if err != nil || img == nil {
			return err
		}
		if naturalSized(l) {
			w, h = img.Rect.Dx(), img.Rect.Dy()
		}
		bw, bh := float64(w), float64(h)
		content = func(g *pdf.Canvas) error { g.DrawImage(p.doc.Image(img), 0, 0, bw, bh); return nil }
	default: // QR codes, barcodes: the drawn modules
		img, err := p.drawn(ctx, l, w, h)
		if err != nil || img == nil {
			return err
		}
		w, h = img.Rect.Dx(), img.Rect.Dy()
		content = func(g *pdf.Canvas) error { p.pixels(g, l, img); return nil }
	}
	rot := math.Mod(l.Rotation, 360)
	if rot == 0 {
		// composite puts unrotated layers on whole pixels.
		x, y = math.Round(x), math.Round(y)
	}
	var err error
	draw := func(g *pdf.Canvas) {
		g.Save()
		g.Transform(1, 0, 0, 1, x, y)
		if rot != 0 {
			s, co := math.Sincos(rot * math.Pi / 180)
			s, co = snapUnit(s), snapUnit(co)
			cx, cy := float64(w)/2, float64(h)/2
			g.Transform(co, s, -s, co, cx-co*cx+s*cy, cy-s*cx-co*cy)
		}
		if !l.Radii.IsZero() {
			g.Clip(roundedRect(l.Radii, float64(w), float64(h)))
		}
		err = content(g)
		g.Restore()
	}
	if opacity < 1 {
		c.Save()
		c.SetAlpha(opacity, "")
		c.Group(p.groupBox(), draw)
		c.Restore()
	} else {
		draw(c)
	}
	return err
}

// groupBox bounds a group: far enough round the page that nothing a
// layer draws on it is cut.
func (p *pdfPage) groupBox() [4]float64 {
	w, h := float64(p.req.Width), float64(p.req.Height)
	return [4]float64{-4 * w, -4 * h, 5 * w, 5 * h}
}

// rasterReason says why l cannot be PDF vectors ("" when it can).
func (p *pdfPage) rasterReason(l *schema.Layer) string {
	if !l.Effects.IsZero() {
		return "effects (shadows, borders, blur, filters, masks and blend modes) are drawn as pixels"
	}
	if t := l.Text; t != nil && len(t.Shadows) > 0 {
		return "text shadows are blurred pixels (the text is not selectable)"
	}
	return ""
}

// raster draws l as Strata's pixels: the layer alone on a transparent
// canvas, cut to where it drew, placed with its blend mode.
func (p *pdfPage) raster(ctx context.Context, c *pdf.Canvas, l *schema.Layer, ox, oy float64, boxW, boxH int, reason string) error {
	tmp := image.NewRGBA(image.Rect(0, 0, boxW, boxH))
	plain := *l
	blend := ""
	if l.Effects != nil {
		e := *l.Effects
		blend = pdfBlend[e.BlendMode()]
		e.Blend = schema.BlendNormal // PDF blends the pixels with what is below
		plain.Effects = &e
	}
	if err := p.r.drawLayer(ctx, tmp, &plain, image.Point{}, boxW, boxH); err != nil {
		return err
	}
	p.report.Add(l.Path, warning.PDFRasterized, "This %s layer is pixels at %g DPI in the PDF: %s.", l.Type, p.dpi, reason)
	box := opaqueBounds(tmp)
	if box.Empty() {
		return nil
	}
	c.Save()
	if blend != "" && blend != "Normal" {
		c.SetAlpha(1, blend)
	}
	c.DrawImage(p.doc.Image(tmp.SubImage(box).(*image.RGBA)), ox+float64(box.Min.X), oy+float64(box.Min.Y), float64(box.Dx()), float64(box.Dy()))
	c.Restore()
	return nil
}

// opaqueBounds is the smallest rectangle holding every pixel of img that
// is not fully transparent.
func opaqueBounds(img *image.RGBA) image.Rectangle {
	var r image.Rectangle
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		row := img.Pix[(y-img.Rect.Min.Y)*img.Stride:]
		for x := 0; x < img.Rect.Dx(); x++ {
			if row[4*x+3] != 0 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// drawn is l's content as Strata draws it (before corners, opacity and
// rotation), within the pixel budget.
func (p *pdfPage) drawn(ctx context.Context, l *schema.Layer, w, h int) (*image.RGBA, error) {
	if b := p.r.budget; b.limit > 0 && float64(w)*float64(h) > b.limit {
		return nil, failure.New(failure.Unprocessable, "%s is %dx%d = %.1f megapixels; a layer may cover at most %.1f megapixels (4 times the canvas).",
			l.Path, w, h, float64(w)*float64(h)/1e6, b.limit/1e6)
	}
	return drawers[l.Type](ctx, p.r, l, w, h)
}

// maxImageScale bounds how many times finer than the canvas an image is
// embedded (4: a 300 DPI page's image holds 1200 DPI of its source).
const maxImageScale = 4

// image is an image layer's pixels for a w×h box: at the source's own
// resolution when it has more pixels than the box (up to maxImageScale
// times, within the layer pixel budget), so that the page keeps them when
// zoomed or printed; natural-sized images as drawn.
func (p *pdfPage) image(ctx context.Context, l *schema.Layer, w, h int) (*image.RGBA, error) {
	if naturalSized(l) || p.r.opts.Images == nil {
		return p.drawn(ctx, l, w, h)
	}
	k := maxImageScale * 1.0
	if b := p.r.budget; b.limit > 0 {
		k = min(k, math.Sqrt(b.limit/(float64(w)*float64(h))))
	}
	if k < 1 {
		return p.drawn(ctx, l, w, h) // over the budget: drawn's error
	}
	return p.r.opts.Images.LoadDense(ctx, l.Path, l.Image, w, h, k)
}

// solid fills the box (cut by its angled edges) with the layer's colour.
func (p *pdfPage) solid(g *pdf.Canvas, l *schema.Layer, w, h int) {
	c := l.Solid.Color
	if c.A == 0 {
		return
	}
	path := &pdf.Path{}
	if len(l.Solid.AngledEdges) == 0 {
		path.Rect(0, 0, float64(w), float64(h))
	} else {
		poly := angledPolygon(float64(w), float64(h), l.Solid.AngledEdges)
		if len(poly) < 3 {
			return
		}
		path.MoveTo(poly[0].x, poly[0].y)
		for _, v := range poly[1:] {
			path.LineTo(v.x, v.y)
		}
		path.Close()
	}
	if c.A < 255 {
		g.Save()
		g.SetAlpha(float64(c.A)/255, "")
		defer g.Restore()
	}
	g.Fill(path, c.R, c.G, c.B)
}

// gradient paints a linear or radial gradient over the w×h box, with the
// geometry drawGradient uses (CSS's gradient line; farthest-corner
// circle) and colours interpolated in premultiplied alpha.
func (p *pdfPage) gradient(g *pdf.Canvas, gr *schema.Gradient, w, h int) {
	if len(gr.Stops) == 0 {
		return
	}
	fw, fh := float64(w), float64(h)
	bbox := [4]float64{0, 0, fw, fh}
	stops := premultipliedStops(gr.Stops)
	var sh *pdf.Shading
	if gr.Kind == schema.Radial {
		sh = p.doc.Radial(fw/2, fh/2, math.Hypot(fw, fh)/2, stops, bbox)
	} else {
		sin, cos := math.Sincos(gr.Angle * math.Pi / 180)
		sin, cos = snapUnit(sin), snapUnit(cos)
		half := (math.Abs(fw*cos) + math.Abs(fh*sin)) / 2
		sh = p.doc.Axial(fw/2-cos*half, fh/2-sin*half, fw/2+cos*half, fh/2+sin*half, stops, bbox)
	}
	box := &pdf.Path{}
	box.Rect(0, 0, fw, fh)
	g.Save()
	g.Clip(box)
	g.PaintShading(sh)
	g.Restore()
}

// premultipliedStops turns gradient stops into PDF stops. PDF interpolates
// colour and alpha separately; where alpha changes between two stops,
// stops are added every 1/16 of the way with the colour premultiplied
// interpolation gives there (CSS Images 4 §3.5.1, as gradientLUT does).
func premultipliedStops(in []schema.ColorStop) []pdf.Stop {
	const steps = 16
	stop := func(t, r, g, b, a float64) pdf.Stop {
		if a > 0 {
			r, g, b = r/a*255, g/a*255, b/a*255
		}
		u := func(v float64) uint8 { return uint8(math.Round(min(max(v, 0), 255))) }
		return pdf.Stop{T: t, R: u(r), G: u(g), B: u(b), A: u(a)}
	}
	var out []pdf.Stop
	for i, s := range in {
		a := float64(s.Color.A)
		cur := [4]float64{float64(s.Color.R) * a / 255, float64(s.Color.G) * a / 255, float64(s.Color.B) * a / 255, a}
		if i > 0 && in[i-1].Color.A != s.Color.A && s.Position > in[i-1].Position {
			q := in[i-1]
			qa := float64(q.Color.A)
			prev := [4]float64{float64(q.Color.R) * qa / 255, float64(q.Color.G) * qa / 255, float64(q.Color.B) * qa / 255, qa}
			for k := 1; k < steps; k++ {
				f := float64(k) / steps
				lerp := func(j int) float64 { return prev[j] + (cur[j]-prev[j])*f }
				out = append(out, stop((q.Position+(s.Position-q.Position)*f)/100, lerp(0), lerp(1), lerp(2), lerp(3)))
			}
		}
		out = append(out, stop(s.Position/100, cur[0], cur[1], cur[2], cur[3]))
	}
	return out
}

// text shows a text layer's glyphs where drawText paints them, clipped to
// its box, each line one ActualText span.
func (p *pdfPage) text(ctx context.Context, g *pdf.Canvas, l *schema.Layer, w, h int) error {
	if p.r.opts.Fonts == nil {
		_, err := drawText(ctx, p.r, l, w, h) // the same error
		return err
	}
	fonts := p.r.fonts
	laid, err := p.r.opts.Fonts.Layout(ctx, l.Text, fonts, w, h)
	if err != nil {
		return err
	}
	col := l.Text.Color
	box := &pdf.Path{}
	box.Rect(0, 0, float64(w), float64(h))
	g.Save()
	defer g.Restore()
	g.Clip(box)
	if col.A < 255 {
		g.SetAlpha(float64(col.A)/255, "")
	}
	reg := p.r.opts.Fonts
	decorate := func(rects [][4]float64) {
		if len(rects) == 0 {
			return
		}
		path := &pdf.Path{}
		for _, r := range rects {
			path.Rect(r[0], r[1], r[2]-r[0], r[3]-r[1])
		}
		g.Fill(path, col.R, col.G, col.B)
	}
	for _, ln := range laid.Lines {
		decorate(ln.Underlines)
		// The glyphs, in runs of one face: filled, then stroked.
		showGlyphs := func(stroke *schema.TextStroke) {
			for i := 0; i < len(ln.Glyphs); {
				face := ln.Glyphs[i].Face
				var run []pdf.Glyph
				for ; i < len(ln.Glyphs) && ln.Glyphs[i].Face == face; i++ {
					if lg := ln.Glyphs[i]; lg.Emoji == nil {
						run = append(run, pdf.Glyph{X: lg.X, Y: lg.Y, GID: lg.GID})
					}
				}
				upem := reg.Upem(face)
				outline := func(gid uint32) (*pdf.Path, float64) {
					path := &pdf.Path{}
					adv := reg.Outline(face, gid, path)
					return path, adv
				}
				if stroke == nil {
					g.ShowGlyphs(p.doc.Font(face, upem, outline), laid.Size, col.R, col.G, col.B, run)
					continue
				}
				// The stroke is Width pixels at every size: in glyph units
				// it depends on the size.
				width := stroke.Width / laid.Size * upem
				f := p.doc.StrokeFont(strokeKey{face, width}, upem, width, outline)
				g.Save()
				g.SetAlpha(float64(stroke.Color.A)/255, "")
				g.ShowGlyphs(f, laid.Size, stroke.Color.R, stroke.Color.G, stroke.Color.B, run)
				g.Restore()
			}
		}
		showGlyphs(nil)
		if st := l.Text.Stroke; st != nil && st.Width > 0 {
			showGlyphs(st)
		}
		var text []pdf.Cluster
		for _, lg := range ln.Glyphs {
			if lg.Emoji != nil {
				b := lg.Emoji.Rect
				g.DrawImage(p.doc.Image(lg.Emoji), float64(lg.EmojiAt.X), float64(lg.EmojiAt.Y), float64(b.Dx()), float64(b.Dy()))
			}
			if lg.Text != "" {
				text = append(text, pdf.Cluster{X: lg.Pen, Y: ln.Baseline, Advance: lg.Advance, Text: lg.Text})
			}
		}
		if ln.RTL {
			slices.Reverse(text) // reading order
		}
		g.ShowText(laid.Size, text)
		decorate(ln.Strikes)
	}
	return nil
}

// strokeKey identifies a stroked face: the face and the stroke's width
// in its glyph units.
type strokeKey struct {
	face  typeset.Face
	width float64
}

// layout draws a layout's background and its children where drawLayout
// puts them, clipped to its box.
func (p *pdfPage) layout(ctx context.Context, g *pdf.Canvas, l *schema.Layer, w, h int) error {
	p.r = p.r.withLayoutMemo()
	lo := l.Layout
	rects, err := p.r.arrange(ctx, l, w, h)
	if err != nil {
		return err
	}
	box := &pdf.Path{}
	box.Rect(0, 0, float64(w), float64(h))
	g.Save()
	defer g.Restore()
	g.Clip(box)
	if len(lo.BackgroundLayers) > 0 {
		bg := make([]*schema.Layer, len(lo.BackgroundLayers))
		copy(bg, lo.BackgroundLayers)
		sort.SliceStable(bg, func(i, j int) bool { return bg[i].Index < bg[j].Index })
		for _, b := range bg {
			if err := p.layer(ctx, g, b, 0, 0, w, h); err != nil {
				return err
			}
		}
	} else if c := lo.Background; c != nil && c.A > 0 {
		p.solid(g, &schema.Layer{Solid: &schema.SolidColor{Color: *c}}, w, h)
	}
	for i, c := range lo.Children {
		if err := checkContext(ctx); err != nil {
			return err
		}
		rc := rects[i]
		if rc.W <= 0 || rc.H <= 0 {
			continue
		}
		placed := *c
		placed.Position = &schema.Point{X: rc.X, Y: rc.Y}
		placed.Size = &schema.Size{Width: rc.W, Height: rc.H}
		if err := p.layer(ctx, g, &placed, 0, 0, w, h); err != nil {
			return err
		}
	}
	return nil
}

// pixels places a drawn QR code or barcode: as rectangles of its few
// flat colours when it is made of whole opaque pixels, else as an
// embedded image.
func (p *pdfPage) pixels(g *pdf.Canvas, l *schema.Layer, img *image.RGBA) {
	if rects, ok := flatRects(img); ok {
		for _, cr := range rects {
			g.Fill(cr.path, cr.r, cr.g, cr.b)
		}
		return
	}
	g.DrawImage(p.doc.Image(img), 0, 0, float64(img.Rect.Dx()), float64(img.Rect.Dy()))
}

// colorRects is the area of one colour, as rectangles.
type colorRects struct {
	r, g, b uint8
	path    *pdf.Path
}

// flatRects covers img's pixels with rectangles per colour (runs of a
// row, merged down while the next row repeats them); ok is false when a
// pixel is partly transparent or there are more than 8 colours.
func flatRects(img *image.RGBA) (out []colorRects, ok bool) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	type run struct {
		x0, x1 int
		c      uint32
	}
	px := func(x, y int) uint32 {
		o := y*img.Stride + 4*x
		return uint32(img.Pix[o]) | uint32(img.Pix[o+1])<<8 | uint32(img.Pix[o+2])<<16 | uint32(img.Pix[o+3])<<24
	}
	paths := map[uint32]*pdf.Path{}
	var order []uint32
	open := map[run]int{} // run → the row it started on
	emit := func(rn run, y0, y1 int) {
		pa := paths[rn.c]
		if pa == nil {
			pa = &pdf.Path{}
			paths[rn.c] = pa
			order = append(order, rn.c)
		}
		pa.Rect(float64(rn.x0), float64(y0), float64(rn.x1-rn.x0), float64(y1-y0))
	}
	for y := 0; y <= h; y++ {
		cur := map[run]bool{}
		for x := 0; y < h && x < w; {
			c := px(x, y)
			if a := c >> 24; a != 0 && a != 255 {
				return nil, false
			}
			x1 := x + 1
			for x1 < w && px(x1, y) == c {
				x1++
			}
			if c>>24 == 255 {
				cur[run{x, x1, c}] = true
			}
			x = x1
		}
		for rn, y0 := range open {
			if !cur[rn] {
				emit(rn, y0, y)
				delete(open, rn)
			}
		}
		for rn := range cur {
			if _, ok := open[rn]; !ok {
				open[rn] = y
			}
		}
		if len(paths) > 8 {
			return nil, false
		}
	}
	for _, c := range order {
		out = append(out, colorRects{uint8(c), uint8(c >> 8), uint8(c >> 16), paths[c]})
	}
	return out, true
}

// roundedRect is the w×h box with its corners rounded (radii clamped as
// CSS does), as a path.
func roundedRect(radii schema.Corners, w, h float64) *pdf.Path {
	c := clampRadii(radii, w, h)
	const k = 0.5522847498 // cubic approximation of a quarter circle
	p := &pdf.Path{}
	p.MoveTo(c.TopLeft, 0)
	p.LineTo(w-c.TopRight, 0)
	if r := c.TopRight; r > 0 {
		p.CubeTo(w-r+k*r, 0, w, r-k*r, w, r)
	}
	p.LineTo(w, h-c.BottomRight)
	if r := c.BottomRight; r > 0 {
		p.CubeTo(w, h-r+k*r, w-r+k*r, h, w-r, h)
	}
	p.LineTo(c.BottomLeft, h)
	if r := c.BottomLeft; r > 0 {
		p.CubeTo(r-k*r, h, 0, h-r+k*r, 0, h-r)
	}
	p.LineTo(0, c.TopLeft)
	if r := c.TopLeft; r > 0 {
		p.CubeTo(0, r-k*r, r-k*r, 0, r, 0)
	}
	p.Close()
	return p
}

var _ typeset.PathSink = (*pdf.Path)(nil)
