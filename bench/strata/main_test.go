package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/engine"
)

func TestLoadBody(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "photo.jpg")
	require.NoError(t, os.WriteFile(img, []byte("jpeg bytes"), 0o644))
	photo := filepath.Join(dir, "photo2.jpg")
	require.NoError(t, os.WriteFile(photo, []byte("other jpeg"), 0o644))
	both := filepath.Join(dir, "both.json")
	require.NoError(t, os.WriteFile(both, []byte(`["`+placeholder+`","`+photoPlaceholder+`"]`), 0o644))
	withPlaceholder := filepath.Join(dir, "with.json")
	require.NoError(t, os.WriteFile(withPlaceholder, []byte(`{"b":"`+placeholder+`"}`), 0o644))
	plain := filepath.Join(dir, "plain.json")
	require.NoError(t, os.WriteFile(plain, []byte(`{"a":1}`), 0o644))

	tests := []struct {
		name    string
		design  string
		image   string
		photo   string
		want    string
		wantErr string
	}{
		{name: "plain design is read as is", design: plain, want: `{"a":1}`},
		{name: "placeholder becomes the image's base64", design: withPlaceholder, image: img,
			want: `{"b":"` + base64.StdEncoding.EncodeToString([]byte("jpeg bytes")) + `"}`},
		{name: "placeholder without -image", design: withPlaceholder, wantErr: "needs -image"},
		{name: "each placeholder gets its own file", design: both, image: img, photo: photo,
			want: `["` + base64.StdEncoding.EncodeToString([]byte("jpeg bytes")) + `","` + base64.StdEncoding.EncodeToString([]byte("other jpeg")) + `"]`},
		{name: "photo placeholder without -photo", design: both, image: img, wantErr: "needs -photo"},
		{name: "no design", wantErr: "-design is required"},
		{name: "missing design file", design: filepath.Join(dir, "nope.json"), wantErr: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadBody(tc.design, map[string]string{placeholder: tc.image, photoPlaceholder: tc.photo})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{name: "empty", xs: nil, want: 0},
		{name: "odd", xs: []float64{5, 1, 3}, want: 3},
		{name: "even", xs: []float64{4, 1, 3, 2}, want: 2.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, median(tc.xs))
		})
	}
}

// testEngine is the production engine over the bundled assets
// (STRATA_ASSETS_DIR when set), closed when the test ends.
func testEngine(t *testing.T) (config.Config, *engine.Engine) {
	t.Helper()
	cfg := config.NewDefaultConfig()
	if dir := os.Getenv("STRATA_ASSETS_DIR"); dir != "" {
		cfg.AssetsDir = dir
	}
	eng, err := engine.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err, "the bundled fonts are needed: run scripts/setup.sh")
	t.Cleanup(eng.Close)
	return cfg, eng
}

// TestServe drives the protocol bench/compare.js speaks against the real
// engine and the social-card design.
func TestServe(t *testing.T) {
	cfg, eng := testEngine(t)
	body, err := loadBody(filepath.Join("..", "designs", "social.json"), nil)
	require.NoError(t, err)
	b := &bench{body: body, limits: cfg.Limits, r: eng.Renderer}

	out := filepath.Join(t.TempDir(), "social.png")
	in := strings.Join([]string{
		`{"cmd":"lat","n":5,"budget_ms":0}`,
		`{"cmd":"lat","n":1,"procs":1}`,
		`{"cmd":"tput","ms":50,"conc":2}`,
		`{"cmd":"save","path":"` + out + `"}`,
		`{"cmd":"bogus"}`,
		`{"cmd":"quit"}`,
		`{"cmd":"lat","n":1}`, // after quit: never answered
	}, "\n")
	var stdout bytes.Buffer
	prevProcs := runtime.GOMAXPROCS(0)
	require.NoError(t, b.serve(strings.NewReader(in), &stdout))

	var replies []map[string]any
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		replies = append(replies, m)
	}
	require.Len(t, replies, 6)
	require.Equal(t, true, replies[0]["ready"])
	require.Len(t, replies[1]["ms"], 3, "three renders (the minimum) when the budget is spent")
	require.Greater(t, replies[1]["bytes"], 1000.0)
	require.Equal(t, float64(runtime.NumCPU()), replies[1]["procs"], "latency renders with the machine's cores unless told")
	require.Equal(t, 1.0, replies[2]["procs"], "procs 1 pins the latency renders to one thread")
	require.Equal(t, prevProcs, runtime.GOMAXPROCS(0), "GOMAXPROCS restored after the commands")
	replies = append(replies[:2], replies[3:]...)
	require.GreaterOrEqual(t, replies[2]["renders"], 1.0)
	require.Contains(t, replies[2], "cpu_ms")
	require.Greater(t, replies[2]["decode_ms"], 0.0, "the request is decoded before the throughput clock starts")
	png, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "\x89PNG", string(png[:4]))
	require.Equal(t, replies[3]["bytes"], float64(len(png)))
	require.Contains(t, replies[4]["error"], "unknown command")
}

// TestRenderLeavesTheRequest: throughput renders one decoded request again
// and again, which is only sound if a render changes nothing in it. The
// image designs (the photo's decode, blur and shadows) render the same
// bytes from one request as from a fresh decode, and the request still
// equals a fresh decode afterwards.
func TestRenderLeavesTheRequest(t *testing.T) {
	cfg, eng := testEngine(t)
	photo := filepath.Join(t.TempDir(), "photo.jpg")
	require.NoError(t, os.WriteFile(photo, testJPEG(t, 640, 480), 0o644))
	for _, design := range []string{"product", "effects"} {
		body, err := loadBody(filepath.Join("..", "designs", design+".json"), map[string]string{placeholder: photo, photoPlaceholder: photo})
		require.NoError(t, err)
		b := &bench{body: body, limits: cfg.Limits, r: eng.Renderer}
		req, err := b.decode()
		require.NoError(t, err)
		first, err := b.renderRequest(req)
		require.NoError(t, err, design)
		again, err := b.renderRequest(req)
		require.NoError(t, err, design)
		fresh, err := b.render()
		require.NoError(t, err, design)
		require.Equal(t, fresh.Data, first.Data, design)
		require.Equal(t, fresh.Data, again.Data, design)
		decoded, err := b.decode()
		require.NoError(t, err)
		require.Equal(t, decoded, req, "%s: the request after two renders", design)
	}
}

// testJPEG is a w×h JPEG of a colour ramp.
func testJPEG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x + y) % 256), 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, nil))
	return b.Bytes()
}
