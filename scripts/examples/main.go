// Command examples renders every request in docs/examples/*.json into the
// PNG beside it with the same engine as the API, and rewrites
// docs/examples/README.md, the gallery. `make examples` runs it;
// main_test.go checks that the committed images are current.
//
//	go run ./scripts/examples [-dir docs/examples]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/schema"
)

// descriptions are the gallery's captions, by example name.
var descriptions = map[string]string{
	"solid-color":             "`solid-color`: full-canvas background, per-corner and uniform radii, an angled edge, rotation, alpha and `opacity`.",
	"gradient-linear":         "`gradient` (linear): three stops, angles 0, 90 and 225, a stop fading to transparent, rounded corners.",
	"gradient-radial":         "`gradient` (radial): centred, reaching the farthest corner; a transparent outer stop never darkens its neighbour.",
	"text-markdown":           "`text`: Markdown bold/italic, a backslash escape, hard line breaks and `paragraph_spacing_in_px`.",
	"text-alignment":          "`text`: `text_align` left/center/right and `vertical_align` top/center/bottom in their boxes.",
	"text-auto-scale":         "`text`: `should_auto_scale` with wrapping off (one line) and on (a paragraph).",
	"text-scripts":            "`text`: per-character fallback across scripts, right-to-left Arabic and Hebrew mixed with Latin, colour emoji (ZWJ, skin tone, flag).",
	"text-fonts":              "`text`: bundled families, weights (`thin`, `black`, …) and `font_style: italic`.",
	"qr-code":                 "`qr-code`: error correction L, M and H, custom colours, crisp modules with a quiet zone.",
	"barcodes":                "`barcode`: every format: code128, ean13, ean8, code39, itf and codabar.",
	"layout":                  "`layout`: a vertical layout with padding, gap, rounded background, a nested horizontal row and auto-sized text.",
	"layout-alignment":        "`layout`: start/center/end alignment on both axes, with `background_layers`.",
	"image":                   "`image`: photos fitted with cover semantics, uniform and per-corner radii, rotation and opacity.",
	"image-smart-crop":        "`image`: centre crop next to `should_use_smart_cropping` on the same photos and boxes.",
	"image-remove-background": "`image`: `should_remove_background` (U²-Netp segmentation) over a gradient, next to the original.",
	"effects":                 "Layer effects: two `shadows`, `backdrop_blur_in_px` with a `border` (frosted glass), `blend_mode` multiply; `blur_in_px`, `filters` (grayscale, contrast) and a fade-out `mask`.",
	"typography":              "Text typography: `text_transform` with `letter_spacing_in_px`, `line_height` with a `text_shadows` glow, `max_lines` ending in an ellipsis with a markdown `~~strike~~`, a `text_stroke` outline on transparent text, `font_features` tnum with `text_decoration` underline.",
	"sdk-spelling":            "The SDKs' spelling: `width_in_px`, `x_in_px` and a 0×0 dimensions struct meaning \"the whole canvas\".",
}

func main() {
	dir := flag.String("dir", "docs/examples", "directory of example requests")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintf(os.Stderr, "examples: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	cfg, err := config.LoadConfigFromEnv()
	if err != nil {
		return err
	}
	eng, err := engine.New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("%w (run scripts/setup.sh to fill the assets dir)", err)
	}
	defer eng.Close()
	names, err := exampleNames(dir)
	if err != nil {
		return err
	}
	for _, name := range names {
		png, err := renderExample(eng, cfg, filepath.Join(dir, name+".json"))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s.png (%d bytes)\n", filepath.Join(dir, name), len(png))
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), gallery(names), 0o644)
}

// exampleNames lists the requests in dir, without the .json extension.
func exampleNames(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("no requests in %s", dir)
	}
	return names, nil
}

// renderExample decodes and renders one request exactly as the API does.
func renderExample(eng *engine.Engine, cfg config.Config, path string) ([]byte, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	req, err := schema.Decode(body, cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if req.OutputFormat != schema.PNG {
		return nil, fmt.Errorf("%s: examples are PNG so they can be compared pixel by pixel", path)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Limits.RenderTimeout)
	defer cancel()
	res, err := eng.Renderer.Render(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return res.Data, nil
}

// gallery is docs/examples/README.md.
func gallery(names []string) []byte {
	var b bytes.Buffer
	b.WriteString("# Examples\n\n")
	b.WriteString("Each request here is a file you can POST as is, next to the image Strata renders from it.\n")
	b.WriteString("Regenerate them with `make examples` (`go run ./scripts/examples`); `go test ./scripts/examples`\n")
	b.WriteString("fails when a committed image no longer matches what the engine renders.\n\n")
	b.WriteString("```sh\ncurl -s localhost:8080/image-generation/v1/generate -H \"Authorization: Bearer $STRATA_KEY\" \\\n")
	b.WriteString("  -H 'Content-Type: application/json' -d @docs/examples/layout.json | jq -r .data.buffer | base64 -d > layout.png\n")
	b.WriteString("# or without a server:\ngo run ./cmd/strata render docs/examples/layout.json -o layout.png\n```\n\n")
	b.WriteString("PDF: [pdf/certificate.json](pdf/certificate.json) with `\"output_format\": \"pdf\"` renders\n")
	b.WriteString("[pdf/certificate.pdf](pdf/certificate.pdf) (vector, text selectable; docs/RENDERING.md, \"PDF\").\n\n")
	for _, n := range names {
		desc := descriptions[n]
		if desc == "" {
			desc = n
		}
		fmt.Fprintf(&b, "## %s\n\n%s [Request](%s.json).\n\n![%s](%s.png)\n\n", n, desc, n, n, n)
	}
	return b.Bytes()
}
