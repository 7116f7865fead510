package schema

import (
	"fmt"
	"math"
	"strings"
)

// scope is where a layer appears: the canvas, a layout's flow, or a
// layout's background.
type scope struct {
	depth      int  // enclosing layouts
	child      bool // in a layout's layers[]: index and position optional
	background bool // in background_layers[]: position and dimensions optional
}

// maxCoordinate bounds positions and other lengths so arithmetic on them
// can never overflow.
const maxCoordinate = 1e6

// QRCapacity is the most bytes a version-40 QR code holds at each error
// correction level (byte mode).
var QRCapacity = map[string]int{"L": 2953, "M": 2331, "Q": 1663, "H": 1273}

// layerKind names a layer type for unknown-field messages (a switch:
// cheaper than a map for the handful of types).
func layerKind(t LayerType) string {
	switch t {
	case TypeSolidColor:
		return "a solid-color layer"
	case TypeGradient:
		return "a gradient layer"
	case TypeText:
		return "a text layer"
	case TypeImage:
		return "an image layer"
	case TypeQRCode:
		return "a qr-code layer"
	case TypeBarcode:
		return "a barcode layer"
	case TypeLayout:
		return "a layout layer"
	}
	return ""
}

func (d *decoder) layers(path string, items []any, sc scope) []*Layer {
	out := make([]*Layer, 0, len(items))
	for i, item := range items {
		d.layerCount++
		if d.layerCount > d.limits.MaxLayers {
			// Counting stops mattering once over the cap; the caller reports it.
			continue
		}
		if l := d.layer(fmt.Sprintf("%s[%d]", path, i), item, sc); l != nil {
			out = append(out, l)
		}
	}
	return out
}

func (d *decoder) layer(path string, v any, sc scope) *Layer {
	o := d.object(path, v)
	if o == nil {
		return nil
	}
	l := &Layer{Path: path, Opacity: 100}
	l.Type = LayerType(o.enum("type", "", "solid-color", "gradient", "text", "image", "qr-code", "barcode", "layout"))
	if !o.has("type") {
		o.missing("type")
	}
	o.kind = layerKind(l.Type)
	l.Name = d.layerName(o)
	if idx, ok := o.integer("index", !sc.child && !sc.background, 0, math.MaxInt32); ok {
		l.Index, l.HasIndex = idx, true
	}
	if op, ok := o.num("opacity", false, 0, 100); ok {
		l.Opacity = op
	}
	if r, ok := o.num("rotation_in_degrees", false, -maxCoordinate, maxCoordinate); ok {
		l.Rotation = r
	}
	d.placement(o, l, sc)
	switch l.Type {
	case TypeSolidColor:
		l.Solid = d.solid(o)
	case TypeGradient:
		l.Gradient = d.gradient(o)
	case TypeText:
		l.Text = d.text(o)
	case TypeImage:
		l.Image = d.image(o)
	case TypeQRCode:
		l.QRCode = d.qrCode(o)
	case TypeBarcode:
		l.Barcode = d.barcode(o)
	case TypeLayout:
		l.Layout = d.layout(o, sc)
	}
	if l.Type == TypeSolidColor || l.Type == TypeGradient || l.Type == TypeImage || l.Type == TypeLayout {
		l.Radii = d.radii(o)
	}
	if l.Type != "" {
		l.Effects = d.effects(o, l.Type, l.Rotation)
	}
	if l.Type == "" {
		// Which fields are known depends on the type: with it missing or
		// invalid, that is the one problem reported (the fields every
		// type has are still checked).
		return nil
	}
	o.finish()
	return l
}

// MaxNameLength bounds a layer name, in bytes.
const MaxNameLength = 100

// layerName reads a layer's optional name: 1..MaxNameLength bytes, not
// blank, unique in the request (templates address layers by it).
func (d *decoder) layerName(o *object) string {
	n, ok := o.str("name", false)
	switch {
	case !ok:
		return ""
	case strings.TrimSpace(n) == "":
		d.fail(o.at("name"), "must not be blank")
	case len(n) > MaxNameLength:
		d.fail(o.at("name"), "must be at most %d bytes", MaxNameLength)
	case d.names[n] != "":
		d.fail(o.at("name"), "%q is already the name of %s; layer names must be unique", truncate(n, 30), d.names[n])
	default:
		if d.names == nil {
			d.names = map[string]string{}
		}
		d.names[n] = o.path
		return n
	}
	return ""
}

// placement reads position and dimensions with the rules of the layer's
// type and scope.
func (d *decoder) placement(o *object, l *Layer, sc scope) {
	optionalBox := l.Type == TypeSolidColor || l.Type == TypeImage || l.Type == TypeLayout
	free := sc.child || sc.background // position optional (ignored in a flow)
	if v, ok := o.get("position"); ok {
		l.Position = d.position(o.at("position"), v)
	} else if !free && !optionalBox && l.Type != "" {
		o.missing("position")
	}
	needDims := (!optionalBox || (sc.child && l.Type != TypeLayout)) && !sc.background && l.Type != ""
	if v, ok := o.get("dimensions"); ok {
		autoAllowed := l.Type == TypeText && sc.child
		l.Size = d.size(o.at("dimensions"), v, autoAllowed, optionalBox)
		if l.Size == nil && needDims && o.has("dimensions") {
			d.fail(o.at("dimensions"), "must give a width and height greater than 0 for a %s inside a layout", l.Type)
		}
	} else if needDims {
		o.missing("dimensions")
	}
}

func (d *decoder) position(path string, v any) *Point {
	o := d.object(path, v)
	if o == nil {
		return nil
	}
	x, _ := o.num(o.spelling("x", "x_in_px"), true, 0, maxCoordinate)
	y, _ := o.num(o.spelling("y", "y_in_px"), true, 0, maxCoordinate)
	o.finish()
	return &Point{X: x, Y: y}
}

// size reads a layer's dimensions. With zeroIsOmitted, {0, 0} means "not
// given" (the reference's Go SDK always sends the struct).
func (d *decoder) size(path string, v any, autoAllowed, zeroIsOmitted bool) *Size {
	o := d.object(path, v)
	if o == nil {
		return nil
	}
	s := &Size{}
	// side reads one side: a whole number of pixels, greater than 0 (0
	// passes here; whether it may is decided below, for both sides at
	// once), or "auto". ok is false after a problem was recorded.
	side := func(key string) (n int, auto, ok bool) {
		raw, present := o.get(key)
		if !present {
			o.missing(key)
			return 0, false, false
		}
		if str, isStr := raw.(string); isStr && str == "auto" {
			if !autoAllowed {
				d.fail(o.at(key), "can be \"auto\" only for a text layer inside a layout")
				return 0, true, false
			}
			return 0, true, true
		}
		f, ok := d.number(o.at(key), raw, between(math.Inf(-1), math.Inf(1)))
		if !ok {
			return 0, false, false
		}
		if f == 0 {
			return 0, false, true
		}
		n, ok = d.whole(o.at(key), raw, f, bounds{lo: 0, hi: d.maxSide(), aboveLo: true})
		return n, false, ok
	}
	wKey, hKey := o.spelling("width", "width_in_px"), o.spelling("height", "height_in_px")
	var wOK, hOK bool
	s.Width, s.AutoWidth, wOK = side(wKey)
	s.Height, s.AutoHeight, hOK = side(hKey)
	o.finish()
	wZero, hZero := wOK && s.Width == 0 && !s.AutoWidth, hOK && s.Height == 0 && !s.AutoHeight
	if zeroIsOmitted && wZero && hZero {
		return nil
	}
	if wZero {
		d.fail(o.at(wKey), "must be greater than 0")
	}
	if hZero {
		d.fail(o.at(hKey), "must be greater than 0")
	}
	return s
}

// maxSide bounds a layer's box: a layer may be larger than the canvas (it
// is clipped), but not absurdly so.
func (d *decoder) maxSide() float64 { return float64(4 * d.limits.MaxSide) }

func (d *decoder) radii(o *object) Corners {
	v := d.fourSides(o, "border_radius",
		"border_top_left_radius", "border_top_right_radius", "border_bottom_right_radius", "border_bottom_left_radius")
	return Corners{TopLeft: v[0], TopRight: v[1], BottomRight: v[2], BottomLeft: v[3]}
}

// fourSides reads a uniform field or its four per-side (or per-corner)
// forms, never both kinds in one object.
func (d *decoder) fourSides(o *object, uniform string, each ...string) [4]float64 {
	var v [4]float64
	for i, key := range each {
		if o.has(uniform) && o.has(key) {
			d.fail(o.at(key), "cannot be combined with %s; use one or the other", uniform)
		}
		v[i], _ = o.num(key, false, 0, maxCoordinate)
	}
	if u, ok := o.num(uniform, false, 0, maxCoordinate); ok {
		v = [4]float64{u, u, u, u}
	}
	return v
}

func (d *decoder) solid(o *object) *SolidColor {
	s := &SolidColor{}
	s.Color, _ = o.color("hex_color", true)
	edges, _ := o.array("angled_edges", false)
	seen := map[Edge]bool{}
	for i, e := range edges {
		path := fmt.Sprintf("%s[%d]", o.at("angled_edges"), i)
		eo := d.object(path, e)
		if eo == nil {
			continue
		}
		edge := Edge(eo.enum("edge", "", "left", "right", "top", "bottom"))
		if !eo.has("edge") {
			eo.missing("edge")
		}
		angle, _ := eo.num("angle_in_degrees", true, -45, 45)
		eo.finish()
		if edge != "" && seen[edge] {
			d.fail(eo.at("edge"), "%q is angled twice; give each edge once", edge)
		}
		seen[edge] = true
		s.AngledEdges = append(s.AngledEdges, AngledEdge{Edge: edge, Angle: angle})
	}
	return s
}

func (d *decoder) gradient(o *object) *Gradient {
	g := &Gradient{}
	g.Kind = GradientKind(o.enum("gradient_type", "", "linear", "radial"))
	if !o.has("gradient_type") {
		o.missing("gradient_type")
	}
	if a, ok := o.num("angle_in_degrees", false, -maxCoordinate, maxCoordinate); ok {
		if g.Kind == Radial {
			d.fail(o.at("angle_in_degrees"), "applies to linear gradients only")
		}
		g.Angle = a
	}
	g.Stops = d.stops(o)
	return g
}

// stops reads a gradient's colors: at least two, at most 64, positions
// ascending.
func (d *decoder) stops(o *object) []ColorStop {
	var out []ColorStop
	stops, ok := o.array("colors", true)
	if ok && len(stops) < 2 {
		d.fail(o.at("colors"), "needs at least two colour stops (got %d)", len(stops))
	}
	if len(stops) > 64 {
		d.fail(o.at("colors"), "has %d stops; at most 64 are allowed", len(stops))
		stops = stops[:64]
	}
	prev := -1.0
	for i, s := range stops {
		path := fmt.Sprintf("%s[%d]", o.at("colors"), i)
		so := d.object(path, s)
		if so == nil {
			continue
		}
		c, _ := so.color("hex_color", true)
		pos, posOK := so.num("position", true, 0, 100)
		so.finish()
		if posOK && pos < prev {
			d.fail(so.at("position"), "must not be smaller than the previous stop's (%s); list stops in ascending order", fmtNum(prev))
		}
		if posOK {
			prev = pos
		}
		out = append(out, ColorStop{Color: c, Position: pos})
	}
	return out
}

func (d *decoder) text(o *object) *Text {
	t := &Text{SplitLines: true, Align: AlignLeft, VerticalAlign: AlignTop}
	if s, ok := o.str("text", true); ok {
		if len(s) > d.limits.MaxTextBytes {
			d.fail(o.at("text"), "is %d bytes; at most %d are allowed", len(s), d.limits.MaxTextBytes)
		}
		t.Text = s
	}
	t.FontName, _ = o.strMax("font_name", true, MaxNameBytes)
	t.FontSize, _ = o.numIn("font_size_in_px", true, bounds{lo: 0, hi: 2000, aboveLo: true})
	t.Color, _ = o.color("text_color", true)
	t.Weight = d.weight(o, "font_weight", false)
	t.Italic = o.enum("font_style", "normal", "normal", "italic") == "italic"
	t.Align = Align(o.enum("text_align", "left", "left", "center", "right"))
	t.VerticalAlign = Align(o.enum("vertical_align", "top", "top", "center", "bottom"))
	t.SplitLines = o.boolean("is_splitting_lines", true)
	t.ParagraphSpacing, _ = o.num("paragraph_spacing_in_px", false, 0, maxCoordinate)
	t.AutoScale = o.boolean("should_auto_scale", false)
	t.Typography = d.typography(o)
	return t
}

func (d *decoder) image(o *object) *Image {
	img := &Image{}
	o.known("file", "buffer")
	switch {
	case o.has("file") && o.has("buffer"):
		d.fail(o.path, "send the image as either \"file\" or \"buffer\", not both")
		o.use("file", "buffer")
	case o.has("buffer"):
		if s, ok := o.str("buffer", true); ok {
			img.File = File{Type: SourceBase64, Data: d.base64(o.at("buffer"), s, d.limits.MaxFileBytes)}
		}
	default:
		if v, ok := o.get("file"); ok {
			if f := d.file(o.at("file"), v, d.limits.MaxFileBytes); f != nil {
				img.File = *f
			}
		} else {
			o.missing("file")
		}
	}
	img.SmartCrop = o.boolean("should_use_smart_cropping", false)
	img.RemoveBackground = o.boolean("should_remove_background", false)
	img.Fit = Fit(o.enum("fit", "cover", "cover", "contain", "fill", "none"))
	if img.Fit != FitCover && img.SmartCrop {
		d.fail(o.at("should_use_smart_cropping"), "applies to fit \"cover\" only (nothing is cropped with fit %q)", img.Fit)
	}
	if v, ok := o.get("focal_point"); ok {
		if fo := d.object(o.at("focal_point"), v); fo != nil {
			fo.kind = "a focal point"
			x, _ := fo.num("x_in_percent", true, 0, 100)
			y, _ := fo.num("y_in_percent", true, 0, 100)
			fo.finish()
			img.Focal = &Point{X: x, Y: y}
		}
		switch {
		case img.Fit != FitCover && img.Fit != FitNone:
			d.fail(o.at("focal_point"), "applies to fit \"cover\" and \"none\" only (nothing is cropped with fit %q)", img.Fit)
		case img.SmartCrop:
			d.fail(o.at("focal_point"), "cannot be combined with should_use_smart_cropping, which chooses the crop itself")
		}
	}
	return img
}

func (d *decoder) qrCode(o *object) *QRCode {
	q := &QRCode{}
	q.Value, _ = o.str("value", true)
	q.Foreground, _ = o.color("foreground_hex_color", true)
	q.Background, _ = o.color("background_hex_color", true)
	q.ErrorCorrection = o.enum("error_correction", "M", "L", "M", "Q", "H")
	if o.has("value") && q.Value == "" {
		d.fail(o.at("value"), "must not be empty")
	}
	if max := QRCapacity[q.ErrorCorrection]; len(q.Value) > max {
		d.fail(o.at("value"), "is %d bytes; a QR code at error correction %s holds at most %d", len(q.Value), q.ErrorCorrection, max)
	}
	return q
}

func (d *decoder) barcode(o *object) *Barcode {
	b := &Barcode{}
	b.Value, _ = o.str("value", true)
	b.Format = BarcodeFormat(o.enum("format", "", "code128", "ean13", "ean8", "code39", "itf", "codabar"))
	if !o.has("format") {
		o.missing("format")
	}
	b.Foreground, _ = o.color("foreground_hex_color", true)
	b.Background, _ = o.color("background_hex_color", true)
	if b.Format != "" && o.has("value") {
		if err := CheckBarcodeValue(b.Format, b.Value); err != nil {
			d.fail(o.at("value"), "%v", err)
		}
	}
	return b
}

func (d *decoder) layout(o *object, sc scope) *Layout {
	lo := &Layout{HorizontalAlign: AlignStart, VerticalAlign: AlignStart}
	depth := sc.depth + 1
	if depth > d.limits.MaxDepth {
		d.fail(o.path, "nests layouts %d deep; at most %d levels are allowed", depth, d.limits.MaxDepth)
		for _, k := range []string{"layers", "background_layers"} {
			o.use(k)
		}
	} else {
		if items, ok := o.array("layers", true); ok {
			lo.Children = d.layers(o.at("layers"), items, scope{depth: depth, child: true})
		}
		if items, ok := o.array("background_layers", false); ok {
			lo.BackgroundLayers = d.layers(o.at("background_layers"), items, scope{depth: depth, background: true})
		}
	}
	lo.Vertical = o.enum("direction", "horizontal", "horizontal", "vertical") == "vertical"
	lo.Gap, _ = o.num("gap", false, 0, maxCoordinate)
	lo.HorizontalAlign = Align(o.enum("horizontal_alignment", "start", "start", "center", "end"))
	lo.VerticalAlign = Align(o.enum("vertical_alignment", "start", "start", "center", "end"))
	if c, ok := o.color("background_color", false); ok {
		lo.Background = &c
	}
	lo.Padding = d.padding(o)
	return lo
}

func (d *decoder) padding(o *object) Insets {
	v := d.fourSides(o, "padding", "padding_top", "padding_right", "padding_bottom", "padding_left")
	return Insets{Top: v[0], Right: v[1], Bottom: v[2], Left: v[3]}
}
