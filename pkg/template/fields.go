package template

import (
	"slices"

	"github.com/strata-render/strata/pkg/schema"
)

// Kind is the JSON type a modifiable field takes. It tells a signed URL's
// query value apart: strings are taken as they are, the other kinds are
// read as JSON.
type Kind int

// The kinds of modifiable fields.
const (
	String Kind = iota
	Number
	Bool
	Object // a JSON object or array
)

// Hide is the modification field that removes a named layer (true) from
// the render; inside a layout the others close up, as with display:none.
const Hide = "hide"

// commonFields can be set on every layer type.
var commonFields = []string{Hide, "opacity", "position", "dimensions", "rotation_in_degrees"}

// typeFields are the fields a modification can set, by layer type, after
// commonFields. docs/TEMPLATES.md has the same table.
var typeFields = map[schema.LayerType][]string{
	schema.TypeSolidColor: {"hex_color"},
	schema.TypeGradient:   {"colors", "angle_in_degrees"},
	schema.TypeText: {"text", "text_color", "font_name", "font_size_in_px", "font_weight", "font_style",
		"text_align", "vertical_align", "should_auto_scale", "line_height", "letter_spacing_in_px", "max_lines",
		"text_transform", "lang"},
	schema.TypeImage:   {"file", "buffer", "should_use_smart_cropping", "should_remove_background"},
	schema.TypeQRCode:  {"value", "foreground_hex_color", "background_hex_color"},
	schema.TypeBarcode: {"value", "format", "foreground_hex_color", "background_hex_color"},
	schema.TypeLayout:  {"background_color", "direction", "gap", "horizontal_alignment", "vertical_alignment"},
}

// fieldKinds is the JSON type of every modifiable field.
var fieldKinds = map[string]Kind{
	Hide: Bool, "opacity": Number, "position": Object, "dimensions": Object, "rotation_in_degrees": Number,
	"hex_color": String, "colors": Object, "angle_in_degrees": Number,
	"text": String, "text_color": String, "font_name": String, "font_size_in_px": Number, "font_weight": String,
	"font_style": String, "text_align": String, "vertical_align": String, "should_auto_scale": Bool,
	"line_height": Number, "letter_spacing_in_px": Number, "max_lines": Number, "text_transform": String, "lang": String,
	"file": Object, "buffer": String, "should_use_smart_cropping": Bool, "should_remove_background": Bool,
	"value": String, "foreground_hex_color": String, "background_hex_color": String, "format": String,
	"background_color": String, "direction": String, "gap": Number, "horizontal_alignment": String,
	"vertical_alignment": String,
}

// replaces lists fields that stand for another one: setting one removes
// the other from the layer, so the template's spelling never conflicts
// with the modification's.
var replaces = map[string]string{"file": "buffer", "buffer": "file"}

// Fields returns the fields a modification can set on a layer of type t.
func Fields(t schema.LayerType) []string {
	return slices.Concat(commonFields, typeFields[t])
}

// FieldKind returns the JSON type of a modifiable field and whether the
// field is modifiable on any layer type.
func FieldKind(field string) (Kind, bool) {
	k, ok := fieldKinds[field]
	return k, ok
}
