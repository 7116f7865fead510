package imaging

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/memtest"
	"github.com/strata-render/strata/pkg/vips"
)

// A decode whose context has already ended is not started and reports
// the context's error, not a decode failure; the same decode with a live
// context succeeds. (pkg/vips' TestKillStopsDecodeMidway cancels one
// midway.)
func TestDecodeStopsWhenContextEnds(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, image.NewGray(image.Rect(0, 0, 4000, 4000))))
	l := NewLoader(Options{MaxPixels: 100_000_000, MaxBytes: 20 << 20})
	src, err := l.open("layers[0]", buf.Bytes())
	require.NoError(t, err)
	defer src.close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = src.thumbnail(ctx, 4000, 4000, vips.CropNone, vips.SizeForce)
	require.ErrorIs(t, err, context.Canceled)
	img, err := src.thumbnail(context.Background(), 4000, 4000, vips.CropNone, vips.SizeForce)
	require.NoError(t, err)
	require.Equal(t, 4000, img.Rect.Dx())
}

func TestSVGOctaves(t *testing.T) {
	for _, c := range []struct {
		svg     string
		largest float64
		ok      bool
	}{
		{`<svg><rect/></svg>`, 0, true},
		{`<feTurbulence numOctaves="4"/><feTurbulence numOctaves = ' 9 '/>`, 9, true},
		{`<feTurbulence numOctaves="1000"/>`, 1000, true},
		{`<feTurbulence numOctaves="1e3"/>`, 1000, true},
		{`<feTurbulence numOctaves="&n;"/>`, 0, false},
		{`<feTurbulence numOctaves=7/>`, 0, false},
		{`<feTurbulence numOctaves="7`, 0, false},
		{`<text>numOctaves is a word here</text>`, 0, true},
	} {
		n, ok := svgOctaves([]byte(c.svg))
		require.Equal(t, c.ok, ok, c.svg)
		if ok {
			require.Equal(t, c.largest, n, c.svg)
		}
	}
}

// An SVG turbulence bomb (200 bytes, 1,000 octaves: 92 s of librsvg CPU)
// is refused from its bytes, before librsvg sees it, within a second and
// with resident memory grown by under 50 MB; 10 octaves load. Not
// parallel: the resident memory measured is the process's.
func TestSVGOctaveBombRefused(t *testing.T) {
	l := NewLoader(Options{MaxPixels: 100_000_000, MaxBytes: 20 << 20})
	svg := func(octaves int) []byte {
		return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><filter id="f"><feTurbulence baseFrequency="0.05" numOctaves="%d"/></filter><rect width="64" height="64" filter="url(#f)"/></svg>`, octaves)
	}
	var err error
	memtest.Within(t, time.Second, 50<<20, func() {
		_, err = l.Load(context.Background(), "layers[0]", base64Image(svg(1000)), 64, 64)
	})
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
	require.ErrorContains(t, err, "numOctaves over 10")
	src, err := l.open("layers[0]", svg(10))
	require.NoError(t, err)
	src.close()
}
