// Package schema is the request contract of the image generation API: the
// request types, JSON decoding that accepts both field spellings of the
// reference API, validation that reports every problem with its JSON path,
// and the limits a request must stay within. Everything downstream trusts
// a request that Decode accepted.
package schema

import (
	"image/color"
	"time"
)

// Request is one image generation request.
type Request struct {
	// Width and Height are the canvas size in pixels.
	Width, Height int
	// Layers are the top-level layers in request order.
	Layers []*Layer
	// OutputFormat is one of the Format constants (png by default).
	OutputFormat Format
	// Fonts are custom fonts that shadow bundled faces.
	Fonts []*Font
	// WebhookURL, when set, makes the request asynchronous.
	WebhookURL string
	// Storage, when set, puts the result in object storage (our extension).
	Storage *Storage
	// Output tunes the encoder (our extension); zero fields keep the
	// measured defaults.
	Output OutputOptions
}

// OutputOptions trade encoding time for size or quality. Each field is
// nil when the client left it to the server's measured default.
type OutputOptions struct {
	// Quality is 1..100 for jpeg, webp and avif.
	Quality *int
	// CompressionLevel is png's DEFLATE level, 0..9 (0 stores).
	CompressionLevel *int
	// Effort is the encoder's CPU effort: webp 0..6, avif 0..9, gif 1..10.
	Effort *int
	// ResolutionDPI is a pdf page's resolution, 1..2400 dots per inch:
	// the page is the canvas's pixels at this many per inch (72 by
	// default, one pixel a point; 2480×3508 at 300 is A4).
	ResolutionDPI *int
}

// Format is an output image format.
type Format string

// The output formats.
const (
	PNG  Format = "png"
	JPEG Format = "jpeg"
	WebP Format = "webp"
	TIFF Format = "tiff"
	GIF  Format = "gif"
	AVIF Format = "avif"
	// PDF is a one-page PDF, vector where PDF can express the layer
	// (docs/RENDERING.md, "PDF").
	PDF Format = "pdf"
)

// LayerType names a kind of layer.
type LayerType string

// The layer types of spec/API.md §5.
const (
	TypeSolidColor LayerType = "solid-color"
	TypeGradient   LayerType = "gradient"
	TypeText       LayerType = "text"
	TypeImage      LayerType = "image"
	TypeQRCode     LayerType = "qr-code"
	TypeBarcode    LayerType = "barcode"
	TypeLayout     LayerType = "layout"
)

// Layer is one layer. The shared fields live here; exactly one of the
// type-specific pointers (the one matching Type) is non-nil.
type Layer struct {
	// Path is the layer's JSON path in the request, e.g. "layers[2]".
	Path string
	// Index orders top-level layers; HasIndex is false inside a layout
	// when the child omitted it.
	Index    int
	HasIndex bool
	Type     LayerType
	// Name is the layer's name in a template (our extension; unique in
	// the request, nested layers included); "" when unnamed.
	Name string
	// Opacity is 0..100 (default 100).
	Opacity float64
	// Position is the top-left corner; nil when omitted.
	Position *Point
	// Size is the layer box; nil when omitted (or sent as 0x0 on layer
	// types whose dimensions are optional).
	Size *Size
	// Rotation is in degrees, positive clockwise, about the box centre.
	Rotation float64
	// Radii are the corner radii in pixels, before CSS clamping.
	Radii Corners
	// Effects are shadows, border, blur, filters, mask and blend mode;
	// nil when the layer has none.
	Effects *Effects

	Solid    *SolidColor
	Gradient *Gradient
	Text     *Text
	Image    *Image
	QRCode   *QRCode
	Barcode  *Barcode
	Layout   *Layout
}

// Point is a position in pixels from the canvas's top-left corner.
type Point struct{ X, Y float64 }

// Size is a box size in pixels. AutoWidth/AutoHeight are set when a text
// layer inside a layout asked for "auto"; the matching number is then 0.
type Size struct {
	Width, Height         int
	AutoWidth, AutoHeight bool
}

// Corners holds the four corner radii in pixels.
type Corners struct{ TopLeft, TopRight, BottomRight, BottomLeft float64 }

// IsZero reports whether no corner is rounded.
func (c Corners) IsZero() bool {
	return c.TopLeft == 0 && c.TopRight == 0 && c.BottomRight == 0 && c.BottomLeft == 0
}

// Edge names one side of a box.
type Edge string

// The four sides.
const (
	EdgeLeft   Edge = "left"
	EdgeRight  Edge = "right"
	EdgeTop    Edge = "top"
	EdgeBottom Edge = "bottom"
)

// AngledEdge cuts one side of a solid-color layer along a line through the
// side's midpoint tilted by Angle degrees (positive tilts clockwise).
type AngledEdge struct {
	Edge  Edge
	Angle float64
}

// SolidColor is the payload of a solid-color layer.
type SolidColor struct {
	Color       color.NRGBA
	AngledEdges []AngledEdge
}

// GradientKind is linear or radial.
type GradientKind string

// The gradient kinds.
const (
	Linear GradientKind = "linear"
	Radial GradientKind = "radial"
)

// ColorStop is one gradient stop; Position is 0..100.
type ColorStop struct {
	Color    color.NRGBA
	Position float64
}

// Gradient is the payload of a gradient layer.
type Gradient struct {
	Kind  GradientKind
	Stops []ColorStop
	// Angle is in degrees: 0 runs left→right, turning clockwise.
	Angle float64
}

// Weight is a CSS font weight, 100..900 (RobotoFlex accepts up to 1000).
type Weight int

// The named weights of spec/API.md §4.
const (
	Thin       Weight = 100
	ExtraLight Weight = 200
	Light      Weight = 300
	Regular    Weight = 400
	Medium     Weight = 500
	SemiBold   Weight = 600
	Bold       Weight = 700
	ExtraBold  Weight = 800
	Black      Weight = 900
)

// Weights maps the API's weight names to weights.
var Weights = map[string]Weight{
	"thin": Thin, "extralight": ExtraLight, "light": Light, "regular": Regular,
	"medium": Medium, "semibold": SemiBold, "bold": Bold, "extrabold": ExtraBold, "black": Black,
}

// Align is a horizontal or vertical alignment keyword.
type Align string

// Alignment keywords. Text uses left/center/right and top/center/bottom;
// layouts use start/center/end.
const (
	AlignLeft   Align = "left"
	AlignCenter Align = "center"
	AlignRight  Align = "right"
	AlignTop    Align = "top"
	AlignBottom Align = "bottom"
	AlignStart  Align = "start"
	AlignEnd    Align = "end"
)

// Text is the payload of a text layer.
type Text struct {
	Text             string
	FontName         string
	FontSize         float64
	Color            color.NRGBA
	Weight           Weight
	Italic           bool
	Align            Align // left (default), center, right
	VerticalAlign    Align // top (default), center, bottom
	SplitLines       bool  // default true
	ParagraphSpacing float64
	AutoScale        bool
	// Typography is the CSS typography extensions (line height, letter
	// spacing, clamping, decoration, stroke, shadows, features, language).
	Typography
}

// SourceType says where a file's bytes come from.
type SourceType string

// The file source types.
const (
	SourceBase64 SourceType = "base64"
	SourceURL    SourceType = "url"
)

// File is an image or font source. Data holds the decoded bytes of a base64
// source; URL and Fetch describe a URL source.
type File struct {
	Type  SourceType
	Name  string
	Data  []byte
	URL   string
	Fetch FetchOptions
}

// FetchOptions tune how a URL source is fetched.
type FetchOptions struct {
	// Headers are extra request headers (never hop-by-hop, Cookie or Host).
	Headers map[string]string
	// Timeout is 0 (server default) or 1s..60s.
	Timeout time.Duration
	// Auth is nil or bearer/basic credentials.
	Auth *FetchAuth
}

// FetchAuth is the credentials for a URL source.
type FetchAuth struct {
	Type     string // "bearer" or "basic"
	Token    string
	Username string
	Password string
}

// Image is the payload of an image layer.
type Image struct {
	File             File
	SmartCrop        bool
	RemoveBackground bool
	// Fit is how the image fills its box (our extension): FitCover (the
	// default), FitContain, FitFill or FitNone.
	Fit Fit
	// Focal, for cover without smart crop, is where the crop sits, in
	// percent of the overflow (CSS object-position: 0 0 is the top-left,
	// 50 50 the centre); nil is centred.
	Focal *Point
}

// Fit is an image layer's CSS object-fit.
type Fit string

// The fits.
const (
	FitCover   Fit = "cover"
	FitContain Fit = "contain"
	FitFill    Fit = "fill"
	// FitNone draws the image at its natural size, centred (or placed by
	// the focal point, as CSS object-position), cropped by the box.
	FitNone Fit = "none"
)

// QRCode is the payload of a qr-code layer.
type QRCode struct {
	Value      string
	Foreground color.NRGBA
	Background color.NRGBA
	// ErrorCorrection is L, M (default), Q or H.
	ErrorCorrection string
}

// BarcodeFormat is one of the supported barcode symbologies.
type BarcodeFormat string

// The barcode formats.
const (
	Code128 BarcodeFormat = "code128"
	EAN13   BarcodeFormat = "ean13"
	EAN8    BarcodeFormat = "ean8"
	Code39  BarcodeFormat = "code39"
	ITF     BarcodeFormat = "itf"
	Codabar BarcodeFormat = "codabar"
)

// Barcode is the payload of a barcode layer.
type Barcode struct {
	Value      string
	Format     BarcodeFormat
	Foreground color.NRGBA
	Background color.NRGBA
}

// Insets are paddings in pixels.
type Insets struct{ Top, Right, Bottom, Left float64 }

// Layout is the payload of a layout layer.
type Layout struct {
	Children        []*Layer
	Vertical        bool
	Gap             float64
	HorizontalAlign Align // start (default), center, end
	VerticalAlign   Align // start (default), center, end
	// Background is the background colour; nil when none.
	Background       *color.NRGBA
	BackgroundLayers []*Layer
	Padding          Insets
}

// Font is a custom font from the request's fonts[].
type Font struct {
	Path   string
	Name   string
	Weight Weight
	Italic bool
	File   File
}
