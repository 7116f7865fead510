package codes

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGolden pins one drawing per symbology, plus the photo composite.
// UPDATE_GOLDEN=1 rewrites testdata/golden; SAVE_ACTUAL=dir saves what was
// drawn for review. Codes have no anti-aliasing, so the comparison is
// exact.
func TestGolden(t *testing.T) {
	t.Parallel()
	photo := loadSample(t, "astronaut.png")
	tests := []struct {
		name  string
		c     scanCase
		w, h  int
		photo bool
	}{
		{name: "qr", c: scanCases[1], w: 260, h: 200},
		{name: "qr_level_h", c: scanCases[4], w: 300, h: 300},
		{name: "code128", c: scanCases[6], w: 500, h: 120},
		{name: "ean13", c: scanCases[10], w: 301, h: 150},
		{name: "ean8", c: scanCases[13], w: 200, h: 120},
		{name: "code39", c: scanCases[16], w: 600, h: 100},
		{name: "itf", c: scanCases[20], w: 400, h: 100},
		{name: "codabar", c: scanCases[23], w: 500, h: 100},
		{name: "qr_over_photo", c: scanCases[1], w: 150, h: 150, photo: true},
		{name: "ean13_over_photo", c: scanCases[10], w: 301, h: 120, photo: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bg := cream
			if tt.photo {
				bg.A = 0xd8
			}
			img, err := tt.c.draw(tt.w, tt.h, navy, bg)
			require.NoError(t, err)
			if tt.photo {
				img = overPhoto(photo, img, image.Pt(120, 60))
			}
			compareGolden(t, tt.name, img)
		})
	}
}

// compareGolden compares img with testdata/golden/name.png exactly.
func compareGolden(t *testing.T, name string, img *image.RGBA) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".png")
	if dir := os.Getenv("SAVE_ACTUAL"); dir != "" {
		writePNG(t, filepath.Join(dir, name+".png"), img)
	}
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		writePNG(t, path, img)
		return
	}
	f, err := os.Open(path)
	require.NoError(t, err, "golden image missing: run with UPDATE_GOLDEN=1 and look at it")
	defer f.Close()
	want, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, want.Bounds(), img.Bounds())
	diff := 0
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			r1, g1, b1, a1 := want.At(x, y).RGBA()
			r2, g2, b2, a2 := img.At(x, y).RGBA()
			if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 || a1>>8 != a2>>8 {
				diff++
			}
		}
	}
	require.Zero(t, diff, "%d pixels differ from %s", diff, path)
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, png.Encode(f, img))
}
