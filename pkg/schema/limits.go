package schema

import "time"

// Limits bounds what one request may ask for. Every limit is enforced by
// Decode (sizes, counts) or by the renderer (pixels of decoded images,
// render time); the API applies MaxBodyBytes before decoding.
type Limits struct {
	// MaxSide is the largest canvas width or height in pixels.
	MaxSide int
	// MaxMegapixels caps the canvas area (width × height / 1e6).
	MaxMegapixels float64
	// MaxLayers caps the number of layers, nested layout children and
	// background layers included.
	MaxLayers int
	// MaxDepth caps layout nesting (a top-level layout is depth 1).
	MaxDepth int
	// MaxBodyBytes caps the HTTP request body.
	MaxBodyBytes int64
	// MaxFileBytes caps one decoded image file (base64 or fetched).
	MaxFileBytes int64
	// MaxImagePixels caps the pixels an input image may declare.
	MaxImagePixels int
	// MaxFonts caps the number of custom fonts.
	MaxFonts int
	// MaxFontBytes caps one decoded custom font.
	MaxFontBytes int64
	// MaxTextBytes caps one text layer's text.
	MaxTextBytes int
	// RenderTimeout caps one render.
	RenderTimeout time.Duration
}

// DefaultLimits returns the limits used unless the operator overrides them.
func DefaultLimits() Limits {
	return Limits{
		MaxSide:        8192,
		MaxMegapixels:  50,
		MaxLayers:      200,
		MaxDepth:       8,
		MaxBodyBytes:   32 << 20,
		MaxFileBytes:   20 << 20,
		MaxImagePixels: 100_000_000,
		MaxFonts:       20,
		MaxFontBytes:   10 << 20,
		MaxTextBytes:   64 << 10,
		RenderTimeout:  30 * time.Second,
	}
}

// Caps on the short string fields, fixed (not operator settings): none of
// them has a use near its cap, and each is held per layer or per fetch.
const (
	// MaxNameBytes caps a font name (font_name, fonts[].name), a file name
	// and an HTTP header name in fetch_options.
	MaxNameBytes = 256
	// MaxHeaderValueBytes caps one fetch_options header value and each
	// fetch_options.auth credential (8 KB, the common server limit for a
	// header line).
	MaxHeaderValueBytes = 8 << 10
	// MaxHeaders caps the headers of one fetch_options.
	MaxHeaders = 32
)
