package fidelity

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/chromiumtest"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
)

// measure says how a case is judged (a set: layouts are held to both).
type measure int

const (
	// pixels: mean absolute difference per channel ≤ 2.
	pixels measure = 1 << iota
	// boxes: the same number of ink bands, every band's box within 1 px.
	boxes
)

// fcase is one fidelity case: a Strata request and the equivalent page.
type fcase struct {
	name string
	how  measure
	w, h int
	// layers is the request's layers array (JSON); the canvas is w×h.
	layers string
	// html is the page's content inside a w×h canvas div (class a is an
	// absolutely positioned border-box; fonts are the same files).
	html string
	// why says where and why Strata differs from the browser on purpose.
	why string
	// meanLimit and boxLimit override the thresholds (only with a why).
	meanLimit float64
	boxLimit  int
	// control marks a deliberately wrong page that must fail: it proves
	// the measure catches the mistake it names.
	control bool
}

// limits are the case's pass limits: the mean difference and box delta.
func (c fcase) limits() (mean float64, box int) {
	mean, box = 2, 1
	if c.meanLimit > 0 {
		mean = c.meanLimit
	}
	if c.boxLimit > 0 {
		box = c.boxLimit
	}
	return mean, box
}

// judge reports whether a case with these results passes, and what was
// measured.
func (c fcase) judge(mean float64, delta int, boxErr error) (ok bool, what string) {
	meanMax, boxMax := c.limits()
	how := c.how
	if how == 0 {
		how = pixels
	}
	ok = true
	var parts []string
	if how&pixels != 0 {
		ok = ok && mean <= meanMax
		parts = append(parts, "pixels")
	}
	if how&boxes != 0 {
		ok = ok && boxErr == nil && delta <= boxMax
		parts = append(parts, "ink boxes")
	}
	return ok, strings.Join(parts, " + ")
}

func assetsDir(t *testing.T) string {
	if d := os.Getenv("STRATA_ASSETS_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	return filepath.Join(home, ".cache", "strata")
}

// fontFaces is the @font-face rules of the families the cases use,
// pointing at the very files Strata draws with.
func fontFaces(t *testing.T, fonts string) string {
	var b strings.Builder
	for _, fam := range []string{"Inter", "NotoSansArabic", "Heebo", "Mukta", "HindSiliguri", "NotoSansSC", "NotoSansTC", "Kanit", "Poppins", "NotoSansSymbols"} {
		files, err := filepath.Glob(filepath.Join(fonts, fam, "*.ttf"))
		require.NoError(t, err)
		for _, f := range files {
			base := filepath.Base(f)
			var weight int
			_, err := fmt.Sscanf(base[strings.IndexByte(base, '_')+1:], "%d", &weight)
			if err != nil {
				continue
			}
			style := "normal"
			if strings.Contains(base, "Italic") {
				style = "italic"
			}
			fmt.Fprintf(&b, "@font-face{font-family:%q;src:url(/fonts/%s/%s);font-weight:%d;font-style:%s}\n", fam, fam, base, weight, style)
		}
	}
	b.WriteString("@font-face{font-family:\"NotoColorEmoji\";src:url(/emoji/NotoColorEmoji.ttf)}\n")
	return b.String()
}

// TestFidelity renders every case in Strata and in headless Chromium and
// holds each to its threshold; it logs the table (STRATA_FIDELITY_OUT=file
// also writes it, SAVE_ACTUAL=dir saves each case as one image, Strata left, Chromium right).
func TestFidelity(t *testing.T) {
	if os.Getenv("STRATA_BROWSER_TESTS") == "0" {
		t.Skip("STRATA_BROWSER_TESTS=0")
	}
	_, err := os.Stat(chromiumtest.Path())
	require.NoError(t, err, "headless Chromium not found (run scripts/setup.sh, set STRATA_CHROMIUM, or STRATA_BROWSER_TESTS=0 to skip)")
	assets := assetsDir(t)
	fonts, err := typeset.NewRegistry(assets)
	require.NoError(t, err, "fonts (run scripts/setup.sh)")
	r, err := render.New(render.Options{Fonts: fonts, Images: imaging.NewLoader(imaging.Options{MaxPixels: 1e8, MaxBytes: 20 << 20})})
	require.NoError(t, err)

	cases := allCases(samples(t, filepath.Join(assets, "samples")))
	// One page, the cases stacked, one screenshot.
	var pageHTML strings.Builder
	pageHTML.WriteString("<!doctype html><html><head><meta charset=utf-8><style>\n")
	pageHTML.WriteString(fontFaces(t, filepath.Join(assets, "fonts")))
	pageHTML.WriteString(`html,body{margin:0;padding:0;background:#fff}
body{font-family:Inter}
.case{position:relative;overflow:hidden;isolation:isolate}
.a{position:absolute;box-sizing:border-box}
</style></head><body>`)
	width, height := 0, 0
	seen := map[string]bool{}
	for _, c := range cases {
		require.False(t, seen[c.name], "case %s twice", c.name)
		seen[c.name] = true
		if c.meanLimit > 0 || c.boxLimit > 0 {
			require.NotEmpty(t, c.why, "case %s has its own limit without saying why", c.name)
		}
		fmt.Fprintf(&pageHTML, `<div class="case" style="width:%dpx;height:%dpx">%s</div>`, c.w, c.h, c.html)
		width, height = max(width, c.w), height+c.h
	}
	pageHTML.WriteString(`</body></html>`)

	mux := http.NewServeMux()
	mux.Handle("/fonts/", http.StripPrefix("/fonts/", http.FileServer(http.Dir(filepath.Join(assets, "fonts")))))
	mux.Handle("/emoji/", http.StripPrefix("/emoji/", http.FileServer(http.Dir(filepath.Join(assets, "emoji")))))
	mux.Handle("/img/", http.StripPrefix("/img/", http.FileServer(http.Dir(filepath.Join(assets, "samples")))))
	mux.HandleFunc("/page.html", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pageHTML.String()))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	shot := screenshot(t, srv.URL+"/page.html", width, height)
	require.Equal(t, image.Rect(0, 0, width, height), shot.Bounds())

	var table strings.Builder
	table.WriteString("| case | measure | mean abs diff (0–255) | worst ink box Δ (px) | result |\n|---|---|---:|---:|---|\n")
	save := os.Getenv("SAVE_ACTUAL")
	y := 0
	for _, c := range cases {
		body := fmt.Sprintf(`{"dimensions":{"width":%d,"height":%d},"layers":%s}`, c.w, c.h, c.layers)
		req, err := schema.Decode([]byte(body), schema.DefaultLimits())
		require.NoError(t, err, "case %s: request", c.name)
		res, err := r.Render(context.Background(), req)
		require.NoError(t, err, "case %s: render", c.name)
		ours, err := png.Decode(bytes.NewReader(res.Data))
		require.NoError(t, err)
		a := Flatten(ours)
		b := Flatten(shot.(interface {
			SubImage(image.Rectangle) image.Image
		}).SubImage(image.Rect(0, y, c.w, y+c.h)))
		y += c.h
		mean, err := MeanAbsDiff(a, b)
		require.NoError(t, err)
		inkA, inkB := InkBoxes(a, a.Rect, color.RGBA{255, 255, 255, 255}), InkBoxes(b, b.Rect, color.RGBA{255, 255, 255, 255})
		delta, boxErr := BoxDelta(inkA, inkB)
		deltaText := fmt.Sprint(delta)
		if boxErr != nil {
			deltaText = boxErr.Error()
		}
		ok, what := c.judge(mean, delta, boxErr)
		result := "pass"
		switch {
		case c.control && !ok:
			result = "fails, as it must (control)"
		case c.control:
			result = "CONTROL PASSED"
		case !ok:
			result = "FAIL"
		}
		if c.why != "" {
			result += "; differs on purpose: " + c.why
		}
		fmt.Fprintf(&table, "| %s | %s | %.2f | %s | %s |\n", c.name, what, mean, deltaText, result)
		if save != "" {
			require.NoError(t, os.MkdirAll(save, 0o755))
			// Strata on the left, Chromium on the right.
			pair := image.NewRGBA(image.Rect(0, 0, 2*c.w, c.h))
			draw.Draw(pair, a.Rect, a, image.Point{}, draw.Src)
			draw.Draw(pair, a.Rect.Add(image.Pt(c.w, 0)), b, image.Point{}, draw.Src)
			writePNG(t, filepath.Join(save, c.name+".png"), pair)
		}
		t.Run(c.name, func(t *testing.T) {
			meanMax, boxMax := c.limits()
			if c.control {
				require.False(t, ok, "control case (a deliberately wrong page) passed: the measure %s is blind (mean %.2f, boxes %s)", what, mean, deltaText)
				return
			}
			require.True(t, ok, "%s against Chromium: mean %.2f (limit %g), ink boxes %s (limit %d px)\nStrata:   %v\nChromium: %v", what, mean, meanMax, deltaText, boxMax, inkA, inkB)
		})
	}
	t.Log("\n" + table.String())
	if p := os.Getenv("STRATA_FIDELITY_OUT"); p != "" {
		require.NoError(t, os.WriteFile(p, []byte(table.String()), 0o644))
	}
}

// samples reads the sample photos the image cases use (scripts/setup.sh
// installs them), base64-encoded for requests.
func samples(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	for _, name := range []string{"chelsea.png", "rocket.jpg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err, "sample photo (run scripts/setup.sh)")
		out[name] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

func writePNG(t *testing.T, path string, img image.Image) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// screenshot loads url in headless Chromium with a w×h viewport at device
// scale 1 in sRGB, waits for its fonts, and returns the screenshot.
func screenshot(t *testing.T, url string, w, h int) image.Image {
	ctx, stop := chromiumtest.Browser(t, 90*time.Second,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(w, 800))
	defer stop()
	err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(w), int64(h)), chromedp.Navigate(url))
	require.NoError(t, err, "chromium")
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](
		`document.fonts.ready.then(() => Promise.all([...document.images].map(i => i.decode()))).then(() => true)`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err, "chromium: fonts and images")
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err, "chromium")
	img, err := png.Decode(bytes.NewReader(buf))
	require.NoError(t, err)
	return img
}
