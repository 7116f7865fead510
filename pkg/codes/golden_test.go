package codes

import (
	"image"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/golden"
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
			golden.Check(t, tt.name, img, golden.Exact)
		})
	}
}
