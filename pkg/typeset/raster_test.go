package typeset

import (
	"context"
	"image"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/lru"
)

func TestDiv255(t *testing.T) {
	t.Parallel()
	for x := uint32(0); x <= 255*255; x++ {
		want := (x + 127) / 255
		got := div255(x)
		if got != want && got != want+1 && got+1 != want {
			t.Fatalf("div255(%d) = %d, want ≈ %d", x, got, want)
		}
	}
	require.Equal(t, uint32(255), div255(255*255))
	require.Equal(t, uint32(0), div255(0))
}

func TestDrawMaskClipsAndBlends(t *testing.T) {
	t.Parallel()
	m := &mask{w: 4, h: 2, a: []byte{255, 128, 0, 255, 255, 255, 255, 255}}
	cases := []struct {
		name   string
		px, py int
	}{
		{"inside", 1, 1},
		{"off the left", -2, 0},
		{"off the bottom right", 3, 3},
		{"entirely outside", 10, 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := image.NewRGBA(image.Rect(0, 0, 5, 4))
			drawMask(dst, m, tc.px, tc.py, 255, 0, 0, 255)
			for y := 0; y < 4; y++ {
				for x := 0; x < 5; x++ {
					mx, my := x-tc.px, y-tc.py
					want := byte(0)
					if mx >= 0 && my >= 0 && mx < m.w && my < m.h {
						want = m.a[my*m.w+mx]
					}
					p := dst.Pix[dst.PixOffset(x, y):]
					require.InDelta(t, want, p[3], 1, "alpha at %d,%d", x, y)
					require.InDelta(t, want, p[0], 1, "premultiplied red at %d,%d", x, y)
				}
			}
		})
	}
}

func TestGlyphMaskCacheIsBounded(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(assetsDir(t))
	require.NoError(t, err)
	r.masks = lru.New[maskKey, *mask](20_000, maskCost)
	ss := r.session()
	defer r.release(ss)
	ref := r.match(nil, "Inter", 400, false)
	_, err = ref.src.load()
	require.NoError(t, err)
	a := r.glyphMask(ss, ref, 40, 48, 0)
	require.Same(t, a, r.glyphMask(ss, ref, 40, 48, 0), "cached")
	require.NotSame(t, a, r.glyphMask(ss, ref, 40, 48, 1), "subpixel position is part of the key")
	for gid := uint32(1); gid < 200; gid++ {
		r.glyphMask(ss, ref, gid, 48, 0)
	}
	require.LessOrEqual(t, r.masks.Used(), int64(20_000))
}

// TestConcurrentDraws: faces and shapers are per session, caches are
// locked; run with -race.
func TestConcurrentDraws(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	texts := []string{"Hello **world**", "مرحبا بالعالم", "日本語 テキスト", "emoji 👩🏾‍💻 🎉", "हिन्दी"}
	want := make([]*image.RGBA, len(texts))
	for i, s := range texts {
		want[i] = drawText(t, r, text(s, "RobotoFlex", 30), nil, 300, 60)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range texts {
				k := (i + g) % len(texts)
				tx := text(texts[k], "RobotoFlex", 30)
				img, err := r.Draw(context.Background(), tx, nil, 300, 60)
				if err != nil {
					t.Error(err)
					return
				}
				if string(img.Pix) != string(want[k].Pix) {
					t.Errorf("%q drawn differently under concurrency", texts[k])
				}
			}
		}()
	}
	wg.Wait()
}

func TestDrawHonoursContext(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Draw(ctx, text("cancelled", "Inter", 20), nil, 100, 40)
	require.ErrorIs(t, err, context.Canceled)
	_, _, err = r.Measure(ctx, text("cancelled", "Inter", 20), nil, 0)
	require.ErrorIs(t, err, context.Canceled)
}

// TestOffBoxGlyphsAreNotRasterised: overflowing text that the box clips
// costs no rasterising for the glyphs outside it.
func TestOffBoxGlyphsAreNotRasterised(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(assetsDir(t))
	require.NoError(t, err)
	tx := text("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz", "Inter", 200)
	tx.SplitLines = false
	drawText(t, r, tx, nil, 150, 250)
	require.Less(t, r.masks.Len(), 5, "only the glyphs inside the box are rasterised")
}

// TestDrawRGBAOutsideTheBox: an emoji bitmap wholly left of or below the
// box used to index past its pixels (found by FuzzDrawText:
// testdata/fuzz/FuzzDrawText/cb705a311559ca23).
func TestDrawRGBAOutsideTheBox(t *testing.T) {
	t.Parallel()
	m := &mask{w: 4, h: 4, rgba: make([]byte, 4*4*4)}
	for i := range m.rgba {
		m.rgba[i] = 255
	}
	cases := []struct {
		name   string
		px, py int
		ink    bool
	}{
		{"left of the box", -10, 0, false},
		{"right of the box", 20, 0, false},
		{"above the box", 0, -10, false},
		{"below the box", 0, 20, false},
		{"overlapping the corner", -2, -2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := image.NewRGBA(image.Rect(0, 0, 8, 8))
			drawRGBA(dst, m, tc.px, tc.py, 255)
			require.Equal(t, tc.ink, !inkBounds(dst).Empty())
		})
	}
}
