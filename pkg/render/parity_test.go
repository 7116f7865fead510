package render

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// TestBrowserParity renders every golden design as HTML/CSS in headless
// Chromium and reports the mean absolute difference per channel (0..255,
// both images flattened onto white) against our renderer. One Chromium run
// of about two seconds, so it runs always; STRATA_BROWSER_TESTS=0 opts out.
// Chromium is /usr/bin/chromium (scripts/setup.sh installs it) or
// STRATA_CHROMIUM. STRATA_PARITY_OUT=file writes the markdown table for
// docs/RENDERING.md; SAVE_ACTUAL=dir saves the browser's screenshot.
func TestBrowserParity(t *testing.T) {
	if os.Getenv("STRATA_BROWSER_TESTS") == "0" {
		t.Skip("STRATA_BROWSER_TESTS=0")
	}
	chromium := os.Getenv("STRATA_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("headless Chromium not found at %s (run scripts/setup.sh, set STRATA_CHROMIUM, or STRATA_BROWSER_TESTS=0 to skip): %v", chromium, err)
	}
	cases := renderCases()
	const w, h = 240, 160
	// One page, the cases stacked vertically, one Chromium run.
	var page strings.Builder
	page.WriteString(`<!doctype html><html><head><style>html,body{margin:0;padding:0;background:#fff}` +
		`.case{position:relative;width:240px;height:160px;overflow:hidden}` +
		`.l{position:absolute;box-sizing:border-box}</style></head><body>`)
	for _, tc := range cases {
		require.Equal(t, w, tc.req.Width)
		require.Equal(t, h, tc.req.Height)
		page.WriteString(`<div class="case">`)
		layers := append([]*schema.Layer(nil), tc.req.Layers...)
		sort.SliceStable(layers, func(i, j int) bool { return layers[i].Index < layers[j].Index })
		for _, l := range layers {
			page.WriteString(layerHTML(l, w, h))
		}
		page.WriteString(`</div>`)
	}
	page.WriteString(`</body></html>`)

	dir := t.TempDir()
	htmlPath := filepath.Join(dir, "page.html")
	shot := filepath.Join(dir, "shot.png")
	require.NoError(t, os.WriteFile(htmlPath, []byte(page.String()), 0o644))
	profile := filepath.Join(dir, "profile")
	require.NoError(t, os.Mkdir(profile, 0o755))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--screenshot="+shot, fmt.Sprintf("--window-size=%d,%d", w, h*len(cases)),
		"--hide-scrollbars", "--force-device-scale-factor=1", "--force-color-profile=srgb", "--disable-dev-shm-usage",
		"file://"+htmlPath)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "chromium: %s", out)
	f, err := os.ReadFile(shot)
	require.NoError(t, err)
	browser, err := png.Decode(bytes.NewReader(f))
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, w, h*len(cases)), browser.Bounds())

	r := newTestRenderer(t)
	var table strings.Builder
	table.WriteString("| case | mean abs diff (0–255) | pixels off by > 16 |\n|---|---:|---:|\n")
	for i, tc := range cases {
		canvas, err := r.renderCanvas(context.Background(), tc.req)
		require.NoError(t, err)
		var sum, far int
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				c := canvas.RGBAAt(x, y)
				k := 255 - c.A // over white, premultiplied
				br, bg, bb, _ := browser.At(x, i*h+y).RGBA()
				d := absDiff(c.R+k, uint8(br>>8)) + absDiff(c.G+k, uint8(bg>>8)) + absDiff(c.B+k, uint8(bb>>8))
				sum += d
				if d > 3*16 {
					far++
				}
			}
		}
		mean := float64(sum) / float64(3*w*h)
		fmt.Fprintf(&table, "| %s | %.2f | %.2f%% |\n", tc.name, mean, 100*float64(far)/float64(w*h))
		t.Run(tc.name, func(t *testing.T) {
			require.Less(t, mean, parityLimit(tc.name), "mean absolute difference against Chromium")
		})
	}
	t.Log("\n" + table.String())
	if p := os.Getenv("STRATA_PARITY_OUT"); p != "" {
		require.NoError(t, os.WriteFile(p, []byte(table.String()), 0o644))
	}
	if d := os.Getenv("SAVE_ACTUAL"); d != "" {
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "browser.png"), f, 0o644))
	}
}

// parityLimit is the largest accepted mean difference per case: flat
// shapes match Chromium to edge anti-aliasing; gradients differ by Skia's
// ±1 dithering; rotations by Skia's resampling of the edge pixels.
func parityLimit(name string) float64 {
	for _, p := range []string{"solid", "radius", "angled", "opacity", "layer"} {
		if strings.HasPrefix(name, p) {
			return 0.15
		}
	}
	return 0.4
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// cssColor formats a colour for CSS.
func cssColor(c color.NRGBA) string {
	return fmt.Sprintf("rgba(%d,%d,%d,%.4f)", c.R, c.G, c.B, float64(c.A)/255)
}

// layerHTML is the CSS equivalent of a solid-color or gradient layer.
func layerHTML(l *schema.Layer, cw, ch int) string {
	x, y := 0.0, 0.0
	if l.Position != nil {
		x, y = l.Position.X, l.Position.Y
	}
	w, h := cw, ch
	if l.Size != nil {
		w, h = l.Size.Width, l.Size.Height
	}
	var css []string
	css = append(css, fmt.Sprintf("left:%gpx;top:%gpx;width:%dpx;height:%dpx", x, y, w, h))
	switch l.Type {
	case schema.TypeSolidColor:
		css = append(css, "background:"+cssColor(l.Solid.Color))
		if len(l.Solid.AngledEdges) > 0 {
			var pts []string
			for _, p := range angledPolygon(float64(w), float64(h), l.Solid.AngledEdges) {
				pts = append(pts, fmt.Sprintf("%.4fpx %.4fpx", p.x, p.y))
			}
			css = append(css, "clip-path:polygon("+strings.Join(pts, ",")+")")
		}
	case schema.TypeGradient:
		var st []string
		for _, s := range l.Gradient.Stops {
			st = append(st, fmt.Sprintf("%s %g%%", cssColor(s.Color), s.Position))
		}
		if l.Gradient.Kind == schema.Radial {
			css = append(css, "background:radial-gradient(circle farthest-corner at center,"+strings.Join(st, ",")+")")
		} else {
			// Our 0° runs left→right; CSS 0deg runs bottom→top.
			css = append(css, fmt.Sprintf("background:linear-gradient(%gdeg,%s)", l.Gradient.Angle+90, strings.Join(st, ",")))
		}
	}
	c := l.Radii
	if !c.IsZero() {
		css = append(css, fmt.Sprintf("border-radius:%gpx %gpx %gpx %gpx", c.TopLeft, c.TopRight, c.BottomRight, c.BottomLeft))
	}
	if l.Opacity < 100 {
		css = append(css, fmt.Sprintf("opacity:%g", l.Opacity/100))
	}
	if l.Rotation != 0 {
		css = append(css, fmt.Sprintf("transform:rotate(%gdeg)", l.Rotation))
	}
	return `<div class="l" style="` + strings.Join(css, ";") + `"></div>`
}
