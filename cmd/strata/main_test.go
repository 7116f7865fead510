package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const request = `{"dimensions":{"width":40,"height":20},"layers":[{"index":0,"type":"solid-color","hex_color":"#FF0000"}]}`

func TestRenderToFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "req.json")
	require.NoError(t, os.WriteFile(in, []byte(request), 0o644))
	out := filepath.Join(dir, "out.png")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"render", in, "-o", out}, nil, nil, &stderr)
	require.Equal(t, 0, code, stderr.String())
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, 40, img.Bounds().Dx())
	r, g, _, _ := img.At(5, 5).RGBA()
	require.Equal(t, uint32(0xffff), r)
	require.Equal(t, uint32(0), g)
}

func TestRenderStdinToStdout(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"render", "-", "-o", "-"}, strings.NewReader(request), &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	_, err := png.Decode(&stdout)
	require.NoError(t, err)
}

func TestValidateReportsPathsLikeTheAPI(t *testing.T) {
	var stdout, stderr bytes.Buffer
	bad := strings.Replace(request, "#FF0000", "red", 1)
	code := run(context.Background(), []string{"validate", "-"}, strings.NewReader(bad), &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "layers[0].hex_color")
	require.Contains(t, stderr.String(), `"path":"layers[0].hex_color"`)

	stdout.Reset()
	code = run(context.Background(), []string{"validate", "-"}, strings.NewReader(request), &stdout, &stderr)
	require.Equal(t, 0, code)
	require.Equal(t, "valid\n", stdout.String())

	// A QR code too small for its value is reported too, as the render's
	// 422 would be.
	stdout.Reset()
	stderr.Reset()
	tooSmall := `{"dimensions":{"width":100,"height":100},"layers":[{"index":0,"type":"qr-code","value":"` +
		strings.Repeat("x", 100) + `","position":{"x":0,"y":0},"dimensions":{"width":20,"height":20},
		"foreground_hex_color":"#000","background_hex_color":"#fff"}]}`
	code = run(context.Background(), []string{"validate", "-"}, strings.NewReader(tooSmall), &stdout, &stderr)
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "QR code box 20x20 is too small")
	require.Contains(t, stderr.String(), `"path":"layers[0]"`)
	require.Empty(t, stdout.String())
}

func TestUsage(t *testing.T) {
	var stderr bytes.Buffer
	require.Equal(t, 2, run(context.Background(), nil, nil, nil, &stderr))
	require.Contains(t, stderr.String(), "usage")
}

// TestWarningsArePrinted: render and validate print the render report,
// path and code, and a clean request prints none.
func TestWarningsArePrinted(t *testing.T) {
	warned := `{"dimensions":{"width":40,"height":20},"layers":[{"index":0,"type":"solid-color","hex_color":"#FF0000","opacity":0}]}`
	for _, cmd := range [][]string{{"validate", "-"}, {"render", "-", "-o", "-"}} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), cmd, strings.NewReader(warned), &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		require.Contains(t, stderr.String(), "warning: layers[0].opacity:")
		require.Contains(t, stderr.String(), `"code":"layer_transparent"`)

		stdout.Reset()
		stderr.Reset()
		code = run(context.Background(), cmd, strings.NewReader(request), &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		require.NotContains(t, stderr.String(), "warning")
	}
}
