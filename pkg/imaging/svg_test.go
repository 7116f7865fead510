package imaging

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/golden"
)

// iconSVG is a 24-unit icon: a dark square with a diagonal bar cut out and
// a round dot, sized 24×24 like most icon sets.
const iconSVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">
  <rect width="24" height="24" fill="#ffffff"/>
  <rect x="6" y="6" width="12" height="12" fill="#1a2b3c"/>
  <path d="M6 16 L16 6 L18 8 L8 18 Z" fill="#ffffff"/>
  <circle cx="19" cy="19" r="3" fill="#e03000"/>
</svg>`

// TestSVGRasterisedAtTargetSize: an SVG icon is drawn at 20 px and 400 px
// from its vectors; at 400 px the square's edge is sharp (a 24 px raster
// scaled up would blur it over ~17 px).
func TestSVGRasterisedAtTargetSize(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	cases := []struct {
		name string
		size int
	}{
		{name: "svg_icon_20", size: 20},
		{name: "svg_icon_400", size: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := loadBox(t, l, []byte(iconSVG), tc.size, tc.size)
			golden.Check(t, tc.name, out, golden.Resampling(2))
		})
	}
	big := loadBox(t, l, []byte(iconSVG), 400, 400)
	// Row 150 crosses the square's left edge at x = 6/24·400 = 100.
	blurred := 0
	for x := 80; x < 120; x++ {
		if r := big.RGBAAt(x, 150).R; r > 40 && r < 230 {
			blurred++
		}
	}
	require.LessOrEqual(t, blurred, 2, "pixels between background and square at the edge")
	require.Equal(t, uint8(0x1a), big.RGBAAt(110, 150).R)
	require.Equal(t, uint8(0xff), big.RGBAAt(90, 150).R)
}

// TestSVGWithAsterisk: SVGs containing '*' load (bimg's SVG sniffing
// regexp rejects them; this package sniffs and loads without it).
func TestSVGWithAsterisk(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	cases := []struct {
		name string
		svg  string
	}{
		{name: "css universal selector", svg: `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>* { fill: #ff0000 }</style><rect width="10" height="10"/></svg>`},
		{name: "comment with stars", svg: `<!-- *** generated *** --><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#ff0000"/></svg>`},
		{name: "viewBox only", svg: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 5 5"><rect width="5" height="5" fill="#ff0000"/><!-- 5*5 --></svg>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := loadBox(t, l, []byte(tc.svg), 30, 30)
			c := out.RGBAAt(15, 15)
			require.Equal(t, [4]uint8{255, 0, 0, 255}, [4]uint8{c.R, c.G, c.B, c.A})
		})
	}
}

// TestSVGTransparency: an SVG's transparent background stays transparent,
// premultiplied.
func TestSVGTransparency(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect x="5" width="5" height="10" fill="#ff0000" fill-opacity="0.5"/></svg>`
	out := loadBox(t, l, []byte(svg), 100, 100)
	require.Equal(t, [4]uint8{0, 0, 0, 0}, [4]uint8(out.Pix[4*(50*100+10):][:4]))
	c := out.RGBAAt(90, 50)
	require.InDelta(t, 128, c.A, 2)
	require.InDelta(t, 128, c.R, 2) // premultiplied: red 255 × alpha 0.5
}

// TestSVGLoadsWhileLoadersAreCreated: creating a Loader never re-blocks the
// SVG loader, even for an instant, while another goroutine decodes an SVG
// (CI once failed with "svgload_buffer: operation is blocked" when parallel
// tests each called NewLoader).
func TestSVGLoadsWhileLoadersAreCreated(t *testing.T) {
	l := NewLoader(Options{})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				NewLoader(Options{})
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for range 300 {
		loadBox(t, l, []byte(iconSVG), 8, 8)
	}
}

// TestSVGDeclaringAHugeSize: librsvg draws at the full declared size when
// the scale it is asked for is under its minimum; an SVG declaring a size
// hundreds of times its box is refused, quickly and without the memory.
func TestSVGDeclaringAHugeSize(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	huge := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="600000" height="600000"><rect width="600000" height="600000" fill="#f00"/></svg>`)
	for _, load := range []func() error{
		func() error {
			_, err := l.Load(context.Background(), "layers[0]", base64Image(huge), 512, 512)
			return err
		},
		func() error {
			_, err := l.LoadNatural(context.Background(), "layers[0]", base64Image(huge), 512, 512)
			return err
		},
	} {
		start := time.Now()
		err := load()
		fe := failure.As(err)
		require.Equal(t, failure.Unprocessable, fe.Kind, "%v", err)
		require.Contains(t, fe.PublicMessage(), "the SVG declares 600000x600000 pixels, more than 500 times its 512x512 box")
		require.Less(t, time.Since(start), 2*time.Second)
	}
	// 400 times the box is still drawn, from its vectors.
	big := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="204800" height="204800"><rect width="204800" height="204800" fill="#f00"/></svg>`)
	out := loadBox(t, l, big, 512, 512)
	require.Equal(t, uint8(255), out.RGBAAt(256, 256).R)
}
