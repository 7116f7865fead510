package vips

import (
	"context"
	"image"
	"sync/atomic"
	"testing"
	"time"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"
)

// bigPNG is a w×h RGB PNG of a busy pattern, made by libvips (Go's
// encoder takes half a minute under -race): libvips decodes it strip by
// strip while it writes the RGBA result, checking the kill flag between
// strips.
func bigPNG(t testing.TB, w, h int) []byte {
	raw := NewRaw(w * h * 3)
	defer raw.Free()
	pix, row := raw.Bytes(), make([]byte, 6*w)
	for i := range row {
		row[i] = uint8(i * i * 31 >> 3)
	}
	for y := range h {
		copy(pix[y*w*3:(y+1)*w*3], row[y%w:]) // each row shifted: no two alike
	}
	tiff, err := Save(TIFF, raw, w, h, 3, [3]int{0, 1}) // uncompressed
	require.NoError(t, err)
	out, err := bimg.NewImage(tiff).Process(bimg.Options{Type: bimg.PNG, Compression: 1})
	require.NoError(t, err)
	return out
}

// TestKillStopsDecodeMidway: a decode whose context is cancelled after
// libvips has written its first pixels stops at its next strip and
// returns the context's error, leaving the last row unwritten, well before
// (under half the time) the same decode with a live context finishes in
// this test. The test's hook sees the pixels fill, so the cancel lands
// mid-decode, not before it starts (that is RGBA's own check).
func TestKillStopsDecodeMidway(t *testing.T) {
	const w, h = 6000, 6000
	start := time.Now()
	b := NewBuffer(bigPNG(t, w, h))
	t.Logf("PNG made in %v", time.Since(start))
	defer b.Free()
	decode := func(ctx context.Context) (*image.RGBA, time.Duration, error) {
		v, err := ThumbnailBuffer(b, w, h, CropNone, SizeForce)
		require.NoError(t, err)
		defer v.Close()
		start := time.Now()
		out, err := v.RGBA(ctx)
		return out, time.Since(start), err
	}
	full, whole, err := decode(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint8(255), full.Pix[len(full.Pix)-1], "an uncancelled decode writes the last pixel")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pix []byte
	var cancelledAt atomic.Int64
	writeStarting = func(p []byte) {
		pix = p
		go func() {
			// Alpha of the first pixel: 255 once libvips has written the
			// first strip.
			for deadline := time.Now().Add(time.Minute); pix[3] == 0 && time.Now().Before(deadline); {
				time.Sleep(100 * time.Microsecond)
			}
			cancelledAt.Store(time.Now().UnixNano())
			cancel()
		}()
	}
	defer func() { writeStarting = nil }()
	_, took, err := decode(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.NotZero(t, cancelledAt.Load(), "cancelled after the first strip was written")
	require.Zero(t, pix[len(pix)-1], "the last row was never written: the decode stopped midway")
	t.Logf("uncancelled decode %v; cancelled one returned after %v, %v after the cancel", whole, took, time.Since(time.Unix(0, cancelledAt.Load())).Round(time.Millisecond))
	require.Less(t, took, whole/2, "the cancelled decode returned well before a whole one")
}
