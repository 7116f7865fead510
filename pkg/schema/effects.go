package schema

import (
	"fmt"
	"image/color"
	"math"
)

// Effects are a layer's CSS-like effects (our extensions): box shadows, a
// border inside the corner radii, a blur, colour filters, a gradient mask
// and a blend mode. The zero value is no effect.
type Effects struct {
	// Shadows are drawn under the layer like CSS box-shadow, the first
	// on top.
	Shadows []Shadow
	// Border is drawn inside the layer box, following its radii; nil when
	// none.
	Border *Border
	// Blur is a Gaussian blur's standard deviation in pixels (CSS
	// filter: blur()), applied to the layer with its shadows and border.
	Blur float64
	// Filters are the colour filters, applied after Blur in FilterOrder.
	Filters []Filter
	// Mask multiplies the layer's alpha by a linear gradient's alpha (CSS
	// mask-image: linear-gradient()); nil when none.
	Mask *Gradient
	// Blend is the blend mode with what is below (CSS mix-blend-mode);
	// "" or BlendNormal is source-over.
	Blend BlendMode
	// BackdropBlur blurs what is below the layer's box before the layer
	// is drawn (CSS backdrop-filter: blur(), the standard deviation).
	BackdropBlur float64
}

// IsZero reports whether the layer has no effect at all.
func (e *Effects) IsZero() bool {
	return e == nil || (len(e.Shadows) == 0 && e.Border == nil && e.Blur == 0 && len(e.Filters) == 0 &&
		e.Mask == nil && (e.Blend == "" || e.Blend == BlendNormal) && e.BackdropBlur == 0)
}

// BlendMode is the effects' blend mode, BlendNormal when there is none
// (also for nil effects).
func (e *Effects) BlendMode() BlendMode {
	if e == nil || e.Blend == "" {
		return BlendNormal
	}
	return e.Blend
}

// Shadow is one CSS box-shadow (outer).
type Shadow struct {
	X, Y float64
	// Blur is CSS's blur radius: a Gaussian of standard deviation Blur/2.
	Blur   float64
	Spread float64
	Color  color.NRGBA
}

// Border is a border of Width pixels inside the layer box.
type Border struct {
	Width float64
	Color color.NRGBA
}

// FilterKind names a colour filter.
type FilterKind string

// The colour filters, in the order they are applied (FilterOrder).
const (
	Grayscale FilterKind = "grayscale"
	Sepia     FilterKind = "sepia"
	Bright    FilterKind = "brightness"
	Contrast  FilterKind = "contrast"
	Saturate  FilterKind = "saturate"
	Invert    FilterKind = "invert"
	HueRotate FilterKind = "hue_rotate_in_degrees"
)

// FilterOrder is the order filters apply in: JSON objects have no order,
// so it is fixed, the CSS equivalent being filter: grayscale() sepia()
// brightness() contrast() saturate() invert() hue-rotate().
var FilterOrder = []FilterKind{Grayscale, Sepia, Bright, Contrast, Saturate, Invert, HueRotate}

// Filter is one colour filter with its CSS amount (1 = 100%; degrees for
// hue rotation).
type Filter struct {
	Kind   FilterKind
	Amount float64
}

// BlendMode is a CSS mix-blend-mode.
type BlendMode string

// BlendNormal is plain source-over.
const BlendNormal BlendMode = "normal"

// BlendModes lists every accepted blend mode.
var BlendModes = []string{"normal", "multiply", "screen", "overlay", "darken", "lighten", "color-dodge", "color-burn",
	"hard-light", "soft-light", "difference", "exclusion", "hue", "saturation", "color", "luminosity"}

// maxBlur bounds blur and shadow lengths: far beyond any card, and the
// blurred margin stays a bounded multiple of it.
const maxBlur = 1000

// maxShadows is the most box shadows a layer may have.
const maxShadows = 8

// effects reads the effect fields of a layer of type t turned by
// rotation degrees.
func (d *decoder) effects(o *object, t LayerType, rotation float64) *Effects {
	e := &Effects{}
	boxed := t == TypeSolidColor || t == TypeGradient || t == TypeImage || t == TypeLayout
	if items, ok := o.array("shadows", false); ok {
		if !boxed {
			d.fail(o.at("shadows"), "applies to solid-color, gradient, image and layout layers only")
		}
		e.Shadows = d.shadows(o.at("shadows"), items, "a shadow", maxShadows, true)
	}
	if v, ok := o.get("border"); ok {
		if !boxed {
			d.fail(o.at("border"), "applies to solid-color, gradient, image and layout layers only")
		}
		if w, c, ok := d.stroke(o.at("border"), v, "a border", maxBlur); ok {
			e.Border = &Border{Width: w, Color: c}
		}
	}
	e.Blur, _ = o.num("blur_in_px", false, 0, maxBlur)
	if v, ok := o.get("filters"); ok {
		if fo := d.object(o.at("filters"), v); fo != nil {
			fo.kind = "filters"
			for _, k := range FilterOrder {
				lo, hi := 0.0, 1.0
				switch k {
				case Bright, Contrast, Saturate:
					hi = 10
				case HueRotate:
					lo, hi = -3600, 3600
				}
				if a, ok := fo.num(string(k), false, lo, hi); ok {
					e.Filters = append(e.Filters, Filter{Kind: k, Amount: a})
				}
			}
			fo.finish()
		}
	}
	if v, ok := o.get("mask"); ok {
		if mo := d.object(o.at("mask"), v); mo != nil {
			mo.kind = "a mask"
			e.Mask = d.maskGradient(mo)
			mo.finish()
		}
	}
	e.Blend = BlendMode(o.enum("blend_mode", "", BlendModes...))
	if b, ok := o.num("backdrop_blur_in_px", false, 0, maxBlur); ok {
		switch {
		case !boxed:
			d.fail(o.at("backdrop_blur_in_px"), "applies to solid-color, gradient, image and layout layers only")
		case math.Mod(rotation, 360) != 0:
			d.fail(o.at("backdrop_blur_in_px"), "cannot be combined with rotation_in_degrees yet; blur an unrotated layer")
		}
		e.BackdropBlur = b
	}
	if e.IsZero() {
		return nil
	}
	return e
}

// maskGradient reads a mask: a linear gradient's angle and stops, whose
// alpha is the mask (CSS mask-image uses only the image's alpha).
func (d *decoder) maskGradient(o *object) *Gradient {
	g := &Gradient{Kind: Linear}
	g.Angle, _ = o.num("angle_in_degrees", false, -maxCoordinate, maxCoordinate)
	g.Stops = d.stops(o)
	return g
}

// shadows reads items, the shadow array at path, as at most max objects
// called kind ("a shadow"): x_in_px, y_in_px, blur_in_px, then
// spread_in_px where spread is allowed (text shadows have none: there it is
// an unknown key), then hex_color.
func (d *decoder) shadows(path string, items []any, kind string, max int, spread bool) []Shadow {
	if len(items) > max {
		d.fail(path, "has %d shadows; at most %d are allowed", len(items), max)
		items = items[:max]
	}
	var out []Shadow
	for i, v := range items {
		so := d.object(fmt.Sprintf("%s[%d]", path, i), v)
		if so == nil {
			continue
		}
		so.kind = kind
		var s Shadow
		s.X, _ = so.num("x_in_px", false, -maxBlur, maxBlur)
		s.Y, _ = so.num("y_in_px", false, -maxBlur, maxBlur)
		s.Blur, _ = so.num("blur_in_px", false, 0, maxBlur)
		if spread {
			s.Spread, _ = so.num("spread_in_px", false, -maxBlur, maxBlur)
		}
		s.Color, _ = so.color("hex_color", true)
		so.finish()
		out = append(out, s)
	}
	return out
}

// stroke reads v, the object at path called kind ("a border"), as a
// required width_in_px in (0, maxWidth] and a required hex_color; ok is
// false when v is not an object.
func (d *decoder) stroke(path string, v any, kind string, maxWidth float64) (width float64, c color.NRGBA, ok bool) {
	so := d.object(path, v)
	if so == nil {
		return 0, color.NRGBA{}, false
	}
	so.kind = kind
	width, _ = so.numIn("width_in_px", true, bounds{lo: 0, hi: maxWidth, aboveLo: true})
	c, _ = so.color("hex_color", true)
	so.finish()
	return width, c, true
}
