package codes

import (
	"fmt"
	"image"
	"image/color"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// TestQRGeometry checks that the code is square, centred, drawn with whole
// pixel modules matching the encoder's matrix, keeps its quiet zone and
// leaves the rest of the box background.
func TestQRGeometry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		w, h  int
	}{
		{name: "minimum square", value: "A", w: 58, h: 58},
		{name: "wide box", value: "https://example.com", w: 401, h: 120},
		{name: "tall box", value: "https://example.com", w: 99, h: 300},
		{name: "odd leftover", value: "hello", w: 203, h: 205},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fg, bg := navy, cream
			img, err := QR(tt.value, "", tt.w, tt.h, fg, bg)
			require.NoError(t, err)
			require.Equal(t, image.Rect(0, 0, tt.w, tt.h), img.Bounds())

			m, err := qrMatrix(tt.value, "M")
			require.NoError(t, err)
			n, span := len(m), len(m)+2*QRQuietZone
			mod := min(tt.w, tt.h) / span
			require.GreaterOrEqual(t, mod, MinModule)
			require.Greater(t, (mod+1)*span, min(tt.w, tt.h), "module is the largest that fits")

			// The dark modules' bounding box is the n×n symbol, centred.
			pf, pb := premultiply(fg), premultiply(bg)
			box := darkBounds(t, img, pf, pb)
			require.Equal(t, n*mod, box.Dx(), "square")
			require.Equal(t, n*mod, box.Dy(), "square")
			left, right := box.Min.X, tt.w-box.Max.X
			top, bottom := box.Min.Y, tt.h-box.Max.Y
			require.LessOrEqual(t, abs(left-right), 1, "centred horizontally")
			require.LessOrEqual(t, abs(top-bottom), 1, "centred vertically")
			require.GreaterOrEqual(t, min(left, right, top, bottom), QRQuietZone*mod, "quiet zone")

			// Every module is a uniform mod×mod block of the right colour.
			for my := 0; my < n; my++ {
				for mx := 0; mx < n; mx++ {
					want := pb
					if m[my][mx] {
						want = pf
					}
					for y := 0; y < mod; y++ {
						for x := 0; x < mod; x++ {
							got := img.RGBAAt(box.Min.X+mx*mod+x, box.Min.Y+my*mod+y)
							if got != want {
								require.Failf(t, "module colour", "module (%d,%d) pixel (%d,%d): got %v want %v", mx, my, x, y, got, want)
							}
						}
					}
				}
			}
		})
	}
}

// TestBarcodeGeometry checks whole-pixel bars of the widest fitting module,
// full box height, quiet zones and horizontal centring for every format.
func TestBarcodeGeometry(t *testing.T) {
	t.Parallel()
	widths := []int{0, 1, 57, 333} // added to the minimum width
	for _, c := range scanCases {
		if c.format == formatQR {
			continue
		}
		for _, extra := range widths {
			t.Run(fmt.Sprintf("%s +%d", c.name, extra), func(t *testing.T) {
				t.Parallel()
				minW, _, err := BarcodeMinSize(c.format, c.value)
				require.NoError(t, err)
				w, h := minW+extra, 37
				img, err := Barcode(c.format, c.value, w, h, black, yellow)
				require.NoError(t, err)
				pf, pb := premultiply(black), premultiply(yellow)

				bits, err := barModules(c.format, c.value)
				require.NoError(t, err)
				qz := barcodeQuietZones[c.format]
				span := qz.left + len(bits) + qz.right
				mod := w / span
				require.GreaterOrEqual(t, mod, MinModule)

				// Every column is one colour from top to bottom.
				cols := make([]bool, w)
				for x := 0; x < w; x++ {
					top := img.RGBAAt(x, 0)
					require.True(t, top == pf || top == pb, "only fg and bg at column %d: %v", x, top)
					for y := 1; y < h; y++ {
						require.Equal(t, top, img.RGBAAt(x, y), "bars fill the height at column %d", x)
					}
					cols[x] = top == pf
				}
				first, last := -1, -1
				for x, dark := range cols {
					if dark {
						if first < 0 {
							first = x
						}
						last = x
					}
				}
				require.Equal(t, len(bits)*mod, last+1-first, "symbol width is whole modules")
				require.True(t, bits[0] && bits[len(bits)-1], "symbols start and end with a bar")
				for i, bit := range bits {
					for x := 0; x < mod; x++ {
						require.Equal(t, bit, cols[first+i*mod+x], "module %d", i)
					}
				}
				leftQZ, rightQZ := first, w-1-last
				require.GreaterOrEqual(t, leftQZ, qz.left*mod, "left quiet zone")
				require.GreaterOrEqual(t, rightQZ, qz.right*mod, "right quiet zone")
				require.LessOrEqual(t, abs((leftQZ-qz.left*mod)-(rightQZ-qz.right*mod)), 1, "symbol with its quiet zones is centred")
			})
		}
	}
}

// TestBarcodeQuietZones pins the quiet zone per format.
func TestBarcodeQuietZones(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		format      schema.BarcodeFormat
		value       string
		left, right int
		bars        int
	}{
		{name: "ean13 GS1 11/7", format: schema.EAN13, value: "400638133393", left: 11, right: 7, bars: 95},
		{name: "ean8 GS1 7/7", format: schema.EAN8, value: "9638507", left: 7, right: 7, bars: 67},
		{name: "code128 10", format: schema.Code128, value: "x", left: 10, right: 10, bars: 46},
		{name: "code39 10", format: schema.Code39, value: "A", left: 10, right: 10, bars: 38},
		{name: "itf 10", format: schema.ITF, value: "12", left: 10, right: 10, bars: 27},
		{name: "codabar 10", format: schema.Codabar, value: "A12B", left: 10, right: 10, bars: 41},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, h, err := BarcodeMinSize(tt.format, tt.value)
			require.NoError(t, err)
			require.Equal(t, (tt.left+tt.bars+tt.right)*MinModule, w)
			require.Equal(t, MinBarHeight, h)
			img, err := Barcode(tt.format, tt.value, w, h, black, white)
			require.NoError(t, err)
			box := darkBounds(t, img, premultiply(black), premultiply(white))
			require.Equal(t, tt.left*MinModule, box.Min.X)
			require.Equal(t, tt.right*MinModule, w-box.Max.X)
		})
	}
}

// TestTooSmall checks the 422 with the minimum size one pixel below it,
// and that the minimum itself draws.
func TestTooSmall(t *testing.T) {
	t.Parallel()
	qrMin, err := QRMinSize("https://example.com", "")
	require.NoError(t, err)
	require.Equal(t, (25+8)*MinModule, qrMin, "version 2 QR: 25 modules + 2×4 quiet")
	ean13W, ean13H, err := BarcodeMinSize(schema.EAN13, "400638133393")
	require.NoError(t, err)
	tests := []struct {
		name    string
		draw    func(w, h int) (*image.RGBA, error)
		w, h    int
		wantErr string
	}{
		{name: "qr minimum", draw: qrDraw("https://example.com"), w: qrMin, h: qrMin},
		{name: "qr narrow", draw: qrDraw("https://example.com"), w: qrMin - 1, h: 500, wantErr: "QR code box 65x500 is too small: this value needs 33 modules including the quiet zone at 2 pixels each, so the box must be at least 66x66 pixels"},
		{name: "qr low", draw: qrDraw("https://example.com"), w: 500, h: qrMin - 1, wantErr: "at least 66x66 pixels"},
		{name: "qr tiny", draw: qrDraw("https://example.com"), w: 1, h: 1, wantErr: "at least 66x66 pixels"},
		{name: "ean13 minimum", draw: barDraw(schema.EAN13, "400638133393"), w: ean13W, h: ean13H},
		{name: "ean13 narrow", draw: barDraw(schema.EAN13, "400638133393"), w: ean13W - 1, h: 100, wantErr: "Barcode box 225x100 is too small: this ean13 value needs 113 modules including quiet zones at 2 pixels each, so the box must be at least 226x10 pixels"},
		{name: "ean13 low", draw: barDraw(schema.EAN13, "400638133393"), w: 1000, h: MinBarHeight - 1, wantErr: "at least 226x10 pixels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			img, err := tt.draw(tt.w, tt.h)
			if tt.wantErr == "" {
				require.NoError(t, err)
				require.Equal(t, image.Rect(0, 0, tt.w, tt.h), img.Bounds())
				return
			}
			require.Error(t, err)
			require.Equal(t, failure.Unprocessable, failure.KindOf(err))
			require.Contains(t, failure.As(err).PublicMessage(), tt.wantErr)
		})
	}
}

// TestColours checks that colours with alpha are stored premultiplied and
// the whole box is background.
func TestColours(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		fg, bg         color.NRGBA
		wantFG, wantBG color.RGBA
	}{
		{name: "opaque", fg: black, bg: white, wantFG: color.RGBA{0, 0, 0, 255}, wantBG: color.RGBA{255, 255, 255, 255}},
		{name: "half red on clear", fg: color.NRGBA{255, 0, 0, 128}, bg: color.NRGBA{0, 255, 0, 0},
			wantFG: color.RGBA{128, 0, 0, 128}, wantBG: color.RGBA{}},
		{name: "translucent background", fg: navy, bg: color.NRGBA{255, 255, 255, 0xcc},
			wantFG: color.RGBA{0x1a, 0x23, 0x7e, 255}, wantBG: color.RGBA{0xcc, 0xcc, 0xcc, 0xcc}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range []scanCase{scanCases[1], scanCases[6]} {
				img, err := c.draw(500, 200, tt.fg, tt.bg)
				require.NoError(t, err)
				seen := map[color.RGBA]int{}
				for y := 0; y < 200; y++ {
					for x := 0; x < 500; x++ {
						seen[img.RGBAAt(x, y)]++
					}
				}
				require.Len(t, seen, 2, "exactly two colours, no anti-aliasing")
				require.Contains(t, seen, tt.wantFG)
				require.Contains(t, seen, tt.wantBG)
				require.Equal(t, tt.wantBG, img.RGBAAt(0, 0), "corner is background")
			}
		})
	}
}

// TestOverPhoto composites codes over a real photo (Debian skimage's
// astronaut) with an opaque and a translucent background and reads them.
func TestOverPhoto(t *testing.T) {
	t.Parallel()
	photo := loadSample(t, "astronaut.png")
	tests := []struct {
		name string
		bg   color.NRGBA
	}{
		{name: "opaque background", bg: white},
		{name: "translucent background", bg: color.NRGBA{255, 255, 255, 0xd8}},
	}
	for _, tt := range tests {
		for _, c := range []scanCase{scanCases[1], scanCases[6], scanCases[10], scanCases[20]} {
			t.Run(tt.name+" "+c.name, func(t *testing.T) {
				t.Parallel()
				minW, minH := c.minSize(t)
				w, h := minW*3/2, max(minH, 80)
				code, err := c.draw(w, h, black, tt.bg)
				require.NoError(t, err)
				canvas := overPhoto(photo, code, image.Pt(97, 71))
				text, err := decodeGozxing(canvas, c.format)
				require.NoError(t, err)
				require.Equal(t, expectedText(c.format, c.value), text)
				text, err = decodeZbar(t, canvas, c.format, c.value, false)
				require.NoError(t, err)
				require.Equal(t, expectedText(c.format, c.value), text)
			})
		}
	}
}

// darkBounds is the bounding box of fg pixels; it fails on any pixel that
// is neither fg nor bg.
func darkBounds(t *testing.T, img *image.RGBA, fg, bg color.RGBA) image.Rectangle {
	t.Helper()
	box := image.Rectangle{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			switch img.RGBAAt(x, y) {
			case fg:
				box = box.Union(image.Rect(x, y, x+1, y+1))
			case bg:
			default:
				require.Failf(t, "stray colour", "pixel (%d,%d) is %v", x, y, img.RGBAAt(x, y))
			}
		}
	}
	return box
}

func qrDraw(value string) func(w, h int) (*image.RGBA, error) {
	return func(w, h int) (*image.RGBA, error) { return QR(value, "", w, h, black, white) }
}

func barDraw(f schema.BarcodeFormat, value string) func(w, h int) (*image.RGBA, error) {
	return func(w, h int) (*image.RGBA, error) { return Barcode(f, value, w, h, black, white) }
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
