package render

import (
	"context"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// TestGaussianBlurMoments blurs a single opaque pixel and checks what
// makes it a Gaussian of the asked standard deviation: the mass is kept,
// the centre stays put and the variance per axis is that of SVG's three
// boxes, within 15% of sigma².
func TestGaussianBlurMoments(t *testing.T) {
	t.Parallel()
	for _, sigma := range []float64{2, 3.5, 8, 12, 20, 40} {
		n := 10*int(sigma) + 41
		img := image.NewRGBA(image.Rect(0, 0, n, n))
		c := n / 2
		// A 4-px bar the full height: the vertical pass keeps it as it
		// is, so the horizontal spread stays well above 8-bit rounding.
		for y := 0; y < n; y++ {
			for x := c - 2; x < c+2; x++ {
				img.SetRGBA(x, y, color.RGBA{255, 255, 255, 255})
			}
		}
		gaussianBlur(img, sigma)
		// The middle row, far from the bar's ends.
		var mass, mx, vx float64
		for x := 0; x < n; x++ {
			a := float64(img.RGBAAt(x, c).A)
			mass += a
			mx += a * (float64(x) + 0.5)
		}
		mx /= mass
		for x := 0; x < n; x++ {
			d := float64(x) + 0.5 - mx
			vx += float64(img.RGBAAt(x, c).A) * d * d
		}
		vx /= mass
		// 8-bit rounding at the lower resolution loses up to 3% at sigma 40.
		require.InDelta(t, 4*255, mass, 4*255*0.04, "sigma %g: mass", sigma)
		require.InDelta(t, float64(c), mx, 0.1, "sigma %g: centre", sigma)
		// The 4-px bar adds its own variance, (4²−1)/12.
		// SVG's three boxes of width d: variance (d²−1)/12 each (an even
		// d: two of d, one of d+1). d ≈ 1.88σ, so a little under σ², which
		// is what Chromium draws too (the blur fidelity cases).
		d := math.Floor(sigma*3*math.Sqrt(2*math.Pi)/4 + 0.5)
		boxes := 3 * (d*d - 1) / 12
		if int(d)%2 == 0 {
			boxes = 2*(d*d-1)/12 + ((d+1)*(d+1)-1)/12
		}
		require.InEpsilon(t, sigma*sigma, boxes, 0.15, "sigma %g: boxes against a true Gaussian", sigma)
		if sigma < 2*minSmallSigma { // blurred at full resolution
			require.InEpsilon(t, boxes+15.0/12, vx, 0.03, "sigma %g: variance", sigma)
		} else {
			// Blurred at a lower resolution: the boxes are rounded there, and
			// 8-bit rounding thins the far tails (9% at sigma 40).
			require.InEpsilon(t, boxes+15.0/12, vx, 0.10, "sigma %g: variance", sigma)
		}
	}
}

// TestShadowNeverShowsThroughTheBox: an outer shadow is cut away under a
// translucent box (CSS box-shadow), and drawn around it.
func TestShadowNeverShowsThroughTheBox(t *testing.T) {
	t.Parallel()
	dst := image.NewRGBA(image.Rect(0, 0, 100, 100))
	l := solid(0, "#0000FF40", box(30, 30, 40, 40))
	l.Effects = &schema.Effects{Shadows: []schema.Shadow{{X: 10, Y: 10, Color: color.NRGBA{0, 0, 0, 255}}}}
	require.NoError(t, (frame{Renderer: &Renderer{}}).drawLayer(context.Background(), dst, l, image.Point{}, 100, 100))
	require.Equal(t, color.RGBA{0, 0, 0x40, 0x40}, dst.RGBAAt(60, 60), "inside the box: only the box")
	require.Equal(t, color.RGBA{0, 0, 0, 255}, dst.RGBAAt(75, 75), "beside it: the shadow")
	require.Equal(t, color.RGBA{}, dst.RGBAAt(35, 25), "above it: nothing")
}

// TestBlendModesAgainstFormulas checks each separable mode on opaque
// colours against the formula of Compositing and Blending 1.
func TestBlendModesAgainstFormulas(t *testing.T) {
	t.Parallel()
	b, s := 0.2, 0.7
	want := map[string]float64{
		"multiply": b * s, "screen": b + s - b*s, "darken": b, "lighten": s,
		"difference": s - b, "exclusion": b + s - 2*b*s, "hard-light": b + (2*s - 1) - b*(2*s-1),
		"overlay": 2 * b * s, "color-dodge": b / (1 - s), "color-burn": 1 - (1-b)/s,
		"soft-light": b + (2*s-1)*(((16*b-12)*b+4)*b-b),
	}
	for mode, v := range want {
		got := blendChannel(schema.BlendMode(mode), b, s)
		require.InDelta(t, min(max(v, 0), 1), got, 1e-9, mode)
	}
	// Non-separable: luminosity takes the source's luminance, keeps the
	// backdrop's hue (a grey source makes a grey).
	g := blendColor("luminosity", [3]float64{1, 0, 0}, [3]float64{0.5, 0.5, 0.5})
	require.InDelta(t, 0.5, lum(g), 1e-9)
	require.Greater(t, g[0], g[1])
	g = blendColor("color", [3]float64{0.5, 0.5, 0.5}, [3]float64{1, 0, 0})
	require.InDelta(t, 0.5, lum(g), 1e-9)
}

// TestFiltersIdentity: amounts that CSS defines as no change leave pixels
// alone (within rounding).
func TestFiltersIdentity(t *testing.T) {
	t.Parallel()
	img := image.NewRGBA(image.Rect(0, 0, 4, 1))
	orig := []color.RGBA{{200, 30, 90, 255}, {10, 10, 10, 128}, {0, 0, 0, 0}, {255, 255, 0, 255}}
	for i, c := range orig {
		img.SetRGBA(i, 0, c)
	}
	applyFilters(img, []schema.Filter{{Kind: schema.Grayscale}, {Kind: schema.Sepia}, {Kind: schema.Bright, Amount: 1},
		{Kind: schema.Contrast, Amount: 1}, {Kind: schema.Saturate, Amount: 1}, {Kind: schema.Invert}, {Kind: schema.HueRotate, Amount: 360}})
	for i, c := range orig {
		got := img.RGBAAt(i, 0)
		for k, v := range [4][2]uint8{{got.R, c.R}, {got.G, c.G}, {got.B, c.B}, {got.A, c.A}} {
			require.InDelta(t, float64(v[1]), float64(v[0]), 1, "pixel %d channel %d", i, k)
		}
	}
	// invert(1) then grayscale(1) of red: 1 − red, then its luminance.
	img.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	applyFilters(img, []schema.Filter{{Kind: schema.Invert, Amount: 1}, {Kind: schema.Grayscale, Amount: 1}})
	require.InDelta(t, math.Round(255*(0.7152+0.0722)), float64(img.RGBAAt(0, 0).R), 1)
}
