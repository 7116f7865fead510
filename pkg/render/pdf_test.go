package render

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/fidelity"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// The PDF output is proved with poppler and qpdf (poppler-utils and qpdf,
// installed by scripts/setup.sh): each request is rendered as PNG and as
// PDF; pdftoppm rasterises the PDF back at the page's DPI (one dot per
// canvas pixel) and the two must agree within the Chromium fidelity
// suite's thresholds (mean difference ≤ 2/255 flattened on white, ink
// boxes within 1 px; pdftocairo too); pdftotext must return the text of every text layer;
// qpdf --check must pass without a warning.

// pdfTool finds a command the PDF tests run.
func pdfTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is missing: run scripts/setup.sh (poppler-utils, qpdf)", name)
	}
	return p
}

// pdfCase is one request (a JSON body without output_format) and what
// its PDF must hold.
type pdfCase struct {
	name string
	body string
	// text is what pdftotext must find (each string, in order).
	text []string
	// rasterized are the layer paths the render report must name as
	// pdf_rasterized (and no others).
	rasterized []string
	// inkBg, when set, makes the test compare ink boxes on that ground.
	inkBg *color.RGBA
	// splashLimit, when set, is pdftoppm's mean-difference limit instead
	// of 2: its Splash backend resamples embedded images even drawn one
	// image pixel per device pixel (an 8×8 checkerboard comes back as a
	// ripple of greys), which pdftocairo, held to 2, does not.
	splashLimit float64
}

func pdfCases(t *testing.T) []pdfCase {
	photo, err := os.ReadFile(filepath.Join(assets.Dir(), "samples", "chelsea.png"))
	require.NoError(t, err, "samples missing: run scripts/setup.sh")
	img := base64.StdEncoding.EncodeToString(photo)
	cert, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", "pdf", "certificate.json"))
	require.NoError(t, err)
	white := &color.RGBA{255, 255, 255, 255}
	return []pdfCase{
		{name: "certificate", body: string(cert), text: []string{"Certificate of Completion", "Jane Smith", "Advanced API Design", "March 5, 2026"},
			inkBg: &color.RGBA{0xFF, 0xFD, 0xF5, 255}},
		{name: "scripts", body: `{"dimensions":{"width":800,"height":420},"layers":[
			{"index":0,"type":"solid-color","hex_color":"#FFFFFF"},
			{"index":1,"type":"text","text":"مرحبا بالعالم","font_name":"Noto Sans Arabic","font_size_in_px":44,"text_color":"#111111","position":{"x":40,"y":30},"dimensions":{"width":720,"height":80}},
			{"index":2,"type":"text","text":"नमस्ते दुनिया","font_name":"Hind","font_size_in_px":44,"text_color":"#111111","position":{"x":40,"y":150},"dimensions":{"width":720,"height":80}},
			{"index":3,"type":"text","text":"**Bold** and *italic* Inter 🎉 שלום","font_name":"Inter","font_size_in_px":36,"text_color":"#1D3557","position":{"x":40,"y":270},"dimensions":{"width":720,"height":60}},
			{"index":4,"type":"text","text":"Underlined and ~~struck~~","font_name":"Inter","font_size_in_px":30,"text_color":"#1D3557","text_decoration":"underline","position":{"x":40,"y":350},"dimensions":{"width":720,"height":50}}]}`,
			text: []string{"مرحبا بالعالم", "नमस्ते दुनिया", "Bold and italic Inter 🎉", "שלום", "Underlined and struck"}, inkBg: white},
		{name: "shapes", body: `{"dimensions":{"width":600,"height":400},"layers":[
			{"index":0,"type":"gradient","gradient_type":"linear","angle_in_degrees":30,"position":{"x":0,"y":0},"dimensions":{"width":600,"height":400},"colors":[{"hex_color":"#0F172A","position":0},{"hex_color":"#3B82F6","position":60},{"hex_color":"#F59E0B","position":100}]},
			{"index":1,"type":"gradient","gradient_type":"radial","colors":[{"hex_color":"#FFFFFFCC","position":0},{"hex_color":"#FFFFFF00","position":100}],"position":{"x":300,"y":40},"dimensions":{"width":260,"height":200}},
			{"index":2,"type":"solid-color","hex_color":"#EF4444","border_radius":40,"opacity":70,"rotation_in_degrees":15,"position":{"x":60,"y":60},"dimensions":{"width":200,"height":140}},
			{"index":3,"type":"solid-color","hex_color":"#10B98199","angled_edges":[{"edge":"top","angle_in_degrees":8}],"position":{"x":0,"y":280},"dimensions":{"width":600,"height":120}}]}`},
		{name: "codes-and-image", body: `{"dimensions":{"width":840,"height":360},"layers":[
			{"index":0,"type":"solid-color","hex_color":"#1E1B4B"},
			{"index":1,"type":"qr-code","value":"TKT-2026-RS-04821","foreground_hex_color":"#FFFFFF","background_hex_color":"#1E1B4B","position":{"x":20,"y":20},"dimensions":{"width":180,"height":180}},
			{"index":2,"type":"barcode","format":"code128","value":"STRATA-23","foreground_hex_color":"#000000","background_hex_color":"#FFFFFF","position":{"x":10,"y":230},"dimensions":{"width":320,"height":100}},
			{"index":3,"type":"image","file":{"type":"base64","name":"cat.png","base64":"` + img + `"},"border_radius":24,"position":{"x":360,"y":30},"dimensions":{"width":451,"height":300}}]}`,
			splashLimit: 3},
		{name: "layout-and-effects", body: `{"dimensions":{"width":600,"height":360},"layers":[
			{"index":0,"type":"solid-color","hex_color":"#F8FAFC"},
			{"index":1,"type":"layout","direction":"horizontal","gap":20,"padding":20,"background_color":"#E2E8F0","position":{"x":20,"y":20},
			 "layers":[{"type":"solid-color","hex_color":"#3B82F6","dimensions":{"width":100,"height":100}},
			           {"type":"text","text":"Inside a layout","font_name":"Inter","font_size_in_px":28,"text_color":"#0F172A","dimensions":{"width":300,"height":100}}]},
			{"index":2,"type":"solid-color","hex_color":"#F97316","border_radius":16,"shadows":[{"y_in_px":8,"blur_in_px":12,"hex_color":"#00000066"}],"position":{"x":40,"y":200},"dimensions":{"width":200,"height":120}},
			{"index":3,"type":"solid-color","hex_color":"#3B82F6","blend_mode":"multiply","position":{"x":160,"y":240},"dimensions":{"width":200,"height":100}},
			{"index":4,"type":"text","text":"Underlined","font_name":"Inter","font_size_in_px":24,"text_color":"#0F172A","text_decoration":"underline","position":{"x":380,"y":220},"dimensions":{"width":200,"height":40}},
			{"index":5,"type":"text","text":"Stroked ~~struck~~","font_name":"Inter","font_size_in_px":24,"text_color":"#0F172A","text_stroke":{"width_in_px":1,"hex_color":"#F97316"},"position":{"x":380,"y":280},"dimensions":{"width":210,"height":40}}]}`,
			text: []string{"Inside a layout", "Underlined", "Stroked struck"}, rasterized: []string{"layers[2]", "layers[3]"}},
		// A backdrop blur needs the pixels below: the page becomes one image.
		{name: "backdrop-blur", body: `{"dimensions":{"width":200,"height":100},"layers":[
			{"index":0,"type":"gradient","gradient_type":"linear","colors":[{"hex_color":"#000000","position":0},{"hex_color":"#FFFFFF","position":100}],"position":{"x":0,"y":0},"dimensions":{"width":200,"height":100}},
			{"index":1,"type":"solid-color","hex_color":"#FFFFFF33","backdrop_blur_in_px":6,"position":{"x":50,"y":20},"dimensions":{"width":100,"height":60}}]}`,
			rasterized: []string{"layers[1].backdrop_blur"}},
	}
}

func TestPDFMatchesPNG(t *testing.T) {
	pdftotext, qpdf := pdfTool(t, "pdftotext"), pdfTool(t, "qpdf")
	rasterisers := []string{pdfTool(t, "pdftoppm"), pdfTool(t, "pdftocairo")}
	r, err := New(Options{Fonts: fontRegistry(t), Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(t, err)
	for _, tc := range pdfCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			render := func(format string) core.Result {
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(tc.body), &m))
				m["output_format"] = format
				body, err := json.Marshal(m)
				require.NoError(t, err)
				req, err := schema.Decode(body, schema.DefaultLimits())
				require.NoError(t, err)
				res, err := r.Render(context.Background(), req)
				require.NoError(t, err)
				return res
			}
			want, got := render("png"), render("pdf")
			require.Equal(t, "application/pdf", got.MimeType)
			dir := t.TempDir()
			file := filepath.Join(dir, "out.pdf")
			require.NoError(t, os.WriteFile(file, got.Data, 0o644))
			if d := os.Getenv("SAVE_ACTUAL"); d != "" {
				require.NoError(t, os.MkdirAll(d, 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(d, "pdf-"+tc.name+".pdf"), got.Data, 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(d, "pdf-"+tc.name+".strata.png"), want.Data, 0o644))
			}

			out, err := exec.Command(qpdf, "--check", file).CombinedOutput()
			require.NoError(t, err, "qpdf --check: %s", out) // exit 3 is a warning, also an error here
			require.NotContains(t, strings.ToLower(string(out)), "warning")

			ref, err := png.Decode(bytes.NewReader(want.Data))
			require.NoError(t, err)
			a := fidelity.Flatten(ref)
			for _, raster := range rasterisers {
				name := filepath.Base(raster)
				out, err := exec.Command(raster, "-r", "72", "-png", "-singlefile", file, filepath.Join(dir, name)).CombinedOutput()
				require.NoError(t, err, "%s: %s", name, out)
				b := fidelity.Flatten(decodePNGFile(t, filepath.Join(dir, name+".png")))
				require.Equal(t, a.Rect, b.Rect, "page size in pixels")
				mean, err := fidelity.MeanAbsDiff(a, b)
				require.NoError(t, err)
				t.Logf("%s, %s: mean difference %.3f/255, %d bytes PDF, %d bytes PNG", tc.name, name, mean, len(got.Data), len(want.Data))
				limit := 2.0
				if name == "pdftoppm" && tc.splashLimit > 0 {
					limit = tc.splashLimit
				}
				require.LessOrEqual(t, mean, limit, "PDF rasterised by %s against Strata's PNG", name)
				if tc.inkBg != nil {
					delta, err := fidelity.BoxDelta(fidelity.InkBoxes(a, a.Rect, *tc.inkBg), fidelity.InkBoxes(b, b.Rect, *tc.inkBg))
					require.NoError(t, err)
					require.LessOrEqual(t, delta, 1, "ink boxes, %s", name)
				}
			}

			var stderr bytes.Buffer
			cmd := exec.Command(pdftotext, file, "-")
			cmd.Stderr = &stderr
			out, err = cmd.Output()
			require.NoError(t, err, "pdftotext: %s", stderr.String())
			require.Empty(t, stderr.String(), "pdftotext warnings")
			text := string(out)
			for _, s := range tc.text {
				require.Contains(t, text, s)
				text = text[strings.Index(text, s)+len(s):]
			}

			var rasterized []string
			for _, w := range got.Warnings {
				if w.Code == warning.PDFRasterized {
					rasterized = append(rasterized, w.Path)
				}
			}
			require.Equal(t, tc.rasterized, rasterized)
		})
	}
}

// TestPDFImageResolution: an image layer is embedded at its source's
// resolution (451×300 in a 270×180 box: 450×300 pixels, the same crop),
// not at the box's; QR codes and barcodes are rectangles, no image.
func TestPDFImageResolution(t *testing.T) {
	pdfimages := pdfTool(t, "pdfimages")
	photo, err := os.ReadFile(filepath.Join(assets.Dir(), "samples", "chelsea.png"))
	require.NoError(t, err)
	r, err := New(Options{Images: imaging.NewLoader(imaging.Options{})})
	require.NoError(t, err)
	body := `{"dimensions":{"width":640,"height":360},"output_format":"pdf","layers":[
		{"index":0,"type":"qr-code","value":"TKT-2026-RS-04821","foreground_hex_color":"#FFFFFF","background_hex_color":"#1E1B4B","position":{"x":20,"y":20},"dimensions":{"width":180,"height":180}},
		{"index":1,"type":"image","file":{"type":"base64","name":"cat.png","base64":"` + base64.StdEncoding.EncodeToString(photo) + `"},"position":{"x":340,"y":40},"dimensions":{"width":270,"height":180}}]}`
	req, err := schema.Decode([]byte(body), schema.DefaultLimits())
	require.NoError(t, err)
	res, err := r.Render(context.Background(), req)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "i.pdf")
	require.NoError(t, os.WriteFile(file, res.Data, 0o644))
	out, err := exec.Command(pdfimages, "-list", file).CombinedOutput()
	require.NoError(t, err, "%s", out)
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")[2:] // two header lines
	require.Len(t, rows, 1, "only the photo is an image: %s", out)
	f := strings.Fields(rows[0])
	require.Equal(t, []string{"image", "450", "300", "rgb"}, []string{f[2], f[3], f[4], f[5]}, "%s", out)
}

// TestPDFPageSize: the page is the canvas at resolution_in_dpi, so
// 2480×3508 at 300 DPI is A4 (210×297 mm), and the text is still text.
func TestPDFPageSize(t *testing.T) {
	pdfinfo := pdfTool(t, "pdfinfo")
	r := textRenderer(t, fontRegistry(t))
	for _, tc := range []struct {
		w, h, dpi    int
		wantW, wantH float64 // points
	}{
		{2480, 3508, 300, 595.2, 841.92},
		{1200, 800, 0, 1200, 800}, // default: 72, a pixel a point
		{960, 540, 96, 720, 405},
	} {
		opts := ""
		if tc.dpi != 0 {
			opts = fmt.Sprintf(`,"output_options":{"resolution_in_dpi":%d}`, tc.dpi)
		}
		body := fmt.Sprintf(`{"dimensions":{"width":%d,"height":%d},"output_format":"pdf"%s,"layers":[
			{"index":0,"type":"text","text":"Page","font_name":"Inter","font_size_in_px":120,"text_color":"#000000","position":{"x":100,"y":100},"dimensions":{"width":600,"height":200}}]}`, tc.w, tc.h, opts)
		req, err := schema.Decode([]byte(body), schema.DefaultLimits())
		require.NoError(t, err)
		res, err := r.Render(context.Background(), req)
		require.NoError(t, err)
		file := filepath.Join(t.TempDir(), "p.pdf")
		require.NoError(t, os.WriteFile(file, res.Data, 0o644))
		out, err := exec.Command(pdfinfo, file).CombinedOutput()
		require.NoError(t, err, "%s", out)
		m := regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`).FindStringSubmatch(string(out))
		require.NotNil(t, m, "%s", out)
		pw, _ := strconv.ParseFloat(m[1], 64)
		ph, _ := strconv.ParseFloat(m[2], 64)
		require.InDelta(t, tc.wantW, pw, 0.01)
		require.InDelta(t, tc.wantH, ph, 0.01)
	}
}

func decodePNGFile(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// BenchmarkCertificate renders the certificate recipe as PNG and as PDF
// (docs/PERFORMANCE.md, "PDF"); bytes/op is reported as the file size.
func BenchmarkCertificate(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("..", "..", "docs", "examples", "pdf", "certificate.json"))
	require.NoError(b, err)
	r := textRenderer(b, fontRegistry(b))
	for _, format := range []string{"png", "pdf"} {
		b.Run(format, func(b *testing.B) {
			var m map[string]any
			require.NoError(b, json.Unmarshal(body, &m))
			m["output_format"] = format
			raw, _ := json.Marshal(m)
			req, err := schema.Decode(raw, schema.DefaultLimits())
			require.NoError(b, err)
			var size int
			for b.Loop() {
				res, err := r.Render(context.Background(), req)
				require.NoError(b, err)
				size = len(res.Data)
			}
			b.ReportMetric(float64(size), "file-bytes")
		})
	}
}

// FuzzPDFLayer throws arbitrary geometry (position, size, rotation,
// radii, opacity, angled edges, gradient angle) at the PDF writer: it must
// never panic nor write a number PDF cannot read (NaN, Inf, exponents).
func FuzzPDFLayer(f *testing.F) {
	f.Add(10.0, 5.0, uint8(20), uint8(10), 30.0, 4.0, 0.0, 80.0, int8(15), uint8(0), true)
	f.Add(-50.0, 300.0, uint8(255), uint8(1), -720.5, 1e9, 3.0, 100.0, int8(-45), uint8(3), false)
	f.Add(1e300, -1e300, uint8(3), uint8(3), 1e308, 0.0, 0.0, 1.0, int8(0), uint8(1), true)
	bad := regexp.MustCompile(`NaN|Inf\b|\de[+-]?\d`)
	f.Fuzz(func(t *testing.T, x, y float64, w, h uint8, rot, r1, r2, op float64, angle int8, edge uint8, grad bool) {
		var l *schema.Layer
		if grad {
			l = linear(0, float64(angle)*8, stops("#FF000080", 0, "#00FF00", 50, "#0000FF00", 100), box(x, y, int(w), int(h)))
		} else {
			l = solid(0, "#336699CC", box(x, y, int(w), int(h)))
			for i, e := range []schema.Edge{schema.EdgeLeft, schema.EdgeRight, schema.EdgeTop, schema.EdgeBottom} {
				if edge&(1<<i) != 0 {
					l.Solid.AngledEdges = append(l.Solid.AngledEdges, schema.AngledEdge{Edge: e, Angle: float64(angle) / 128 * 45})
				}
			}
		}
		l.Rotation = rot
		l.Radii = schema.Corners{TopLeft: abs(r1), TopRight: abs(r2), BottomRight: abs(r1)}
		l.Opacity = min(max(op, 0), 100)
		r := &Renderer{}
		data, err := (frame{Renderer: r}).renderPDF(context.Background(), &schema.Request{Width: 64, Height: 48, OutputFormat: schema.PDF, Layers: []*schema.Layer{l}})
		if err != nil {
			t.Fatal(err)
		}
		if m := bad.Find(inflateStreams(t, data)); m != nil {
			t.Fatalf("unreadable number %q in %s", m, inflateStreams(t, data))
		}
		if !bytes.HasPrefix(data, []byte("%PDF-1.7")) || !bytes.HasSuffix(data, []byte("%%EOF\n")) {
			t.Fatal("not a PDF file")
		}
	})
}

// inflateStreams returns data with every Flate stream decompressed, so
// that its operators can be read.
func inflateStreams(t *testing.T, data []byte) []byte {
	var out []byte
	for {
		i := bytes.Index(data, []byte("stream\n"))
		if i < 0 {
			return append(out, data...)
		}
		j := bytes.Index(data[i:], []byte("\nendstream"))
		require.GreaterOrEqual(t, j, 0, "unterminated stream")
		zr, err := zlib.NewReader(bytes.NewReader(data[i+7 : i+j]))
		require.NoError(t, err)
		plain, err := io.ReadAll(zr)
		require.NoError(t, err)
		out = append(append(out, data[:i]...), plain...)
		data = data[i+j+len("\nendstream"):]
	}
}
