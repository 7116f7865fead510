package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	gotext "github.com/go-text/typesetting/font"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
)

const woff2 = "testdata/share-tech-latin-400-normal.woff2" // @fontsource/share-tech 5.3.0, OFL-1.1

func assetsDir(t *testing.T) string {
	t.Helper()
	return assets.Dir()
}

func TestConvert(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.woff2")
	require.NoError(t, os.WriteFile(garbage, []byte("wOF2 but not really a font"), 0o644))

	tests := []struct {
		name    string
		args    func(out string) []string
		wantErr string
	}{
		{name: "woff2 to ttf", args: func(out string) []string { return []string{"-o", out, woff2} }},
		{name: "no output flag", args: func(string) []string { return []string{woff2} }, wantErr: "usage"},
		{name: "two inputs", args: func(out string) []string { return []string{"-o", out, woff2, woff2} }, wantErr: "usage"},
		{name: "missing input", args: func(out string) []string { return []string{"-o", out, filepath.Join(dir, "nope.woff2")} }, wantErr: "no such file"},
		{name: "not a font", args: func(out string) []string { return []string{"-o", out, garbage} }, wantErr: "garbage.woff2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "Out_400Regular.ttf")
			err := run(tc.args(out), &bytes.Buffer{})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.NoFileExists(t, out, "a failed conversion leaves no file")
				return
			}
			require.NoError(t, err)
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, []byte{0, 1, 0, 0}, b[:4], "TrueType SFNT signature")
			face, err := gotext.ParseTTF(bytes.NewReader(b))
			require.NoError(t, err)
			for _, r := range "AZaz09&é" {
				_, ok := face.NominalGlyph(r)
				require.True(t, ok, "glyph for %q", r)
			}
			entries, err := os.ReadDir(filepath.Dir(out))
			require.NoError(t, err)
			require.Len(t, entries, 1, "no temporary file left behind")
		})
	}
}

func TestCheck(t *testing.T) {
	ttf := filepath.Join(t.TempDir(), "ShareTech_400Regular.ttf")
	require.NoError(t, run([]string{"-o", ttf, woff2}, &bytes.Buffer{}))
	emoji := filepath.Join(assetsDir(t), "emoji", "NotoColorEmoji.ttf")
	_, err := os.Stat(emoji)
	require.NoError(t, err, "the colour emoji font is missing: run scripts/setup.sh")

	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{
			name: "outline font",
			args: []string{"check", ttf, "U+0041", "U+4E2D"},
			want: []string{"loads in go-text", "axes []", "U+0041: glyph", "outline", "U+4E2D: no glyph"},
		},
		{
			name: "colour emoji is CBDT bitmaps go-text reads",
			args: []string{"check", emoji, "U+1F600"},
			want: []string{"colour tables [CBDT CBLC]", "U+1F600: glyph", "bitmap 136x128"},
		},
		{name: "bad rune", args: []string{"check", ttf, "A"}, wantErr: "want U+XXXX"},
		{name: "not a font", args: []string{"check", "main.go"}, wantErr: "main.go"},
		{name: "no file", args: []string{"check"}, wantErr: "usage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tc.args, &out)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			for _, w := range tc.want {
				require.Contains(t, out.String(), w)
			}
		})
	}
}
