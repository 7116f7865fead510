package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/memtest"
)

// tiny is an 8×8 image the bombs are made from.
func tiny() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	return img
}

// pngBomb is a valid 8×8 PNG whose IHDR (CRC fixed up) declares
// 60000×60000: 3.6 gigapixels, 14 GB as RGBA if a decoder believed it.
func pngBomb(t testing.TB) []byte {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, tiny()))
	b := buf.Bytes()
	// Signature (8) + length (4) + "IHDR" (4) + width, height.
	binary.BigEndian.PutUint32(b[16:], 60000)
	binary.BigEndian.PutUint32(b[20:], 60000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// jpegBomb is a valid 8×8 baseline JPEG whose SOF0 declares 60000×60000.
func jpegBomb(t testing.TB) []byte {
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, tiny(), nil))
	b := buf.Bytes()
	i := bytes.Index(b, []byte{0xff, 0xc0})
	require.Positive(t, i, "SOF0 marker")
	// Marker (2), length (2), precision (1), height (2), width (2).
	binary.BigEndian.PutUint16(b[i+5:], 60000)
	binary.BigEndian.PutUint16(b[i+7:], 60000)
	return b
}

// gifBomb is a GIF with one 8×8 frame on a 65535×65535 logical screen:
// libvips' GIF loader allocates the whole screen for every frame.
func gifBomb(t testing.TB) []byte {
	pal := color.Palette{color.Black, color.White}
	frame := image.NewPaletted(image.Rect(0, 0, 8, 8), pal)
	var buf bytes.Buffer
	require.NoError(t, gif.EncodeAll(&buf, &gif.GIF{
		Image: []*image.Paletted{frame}, Delay: []int{0},
		Config: image.Config{ColorModel: pal, Width: 8, Height: 8},
	}))
	b := buf.Bytes()
	binary.LittleEndian.PutUint16(b[6:], 65535)
	binary.LittleEndian.PutUint16(b[8:], 65535)
	return b
}

var bombs = []struct {
	name  string
	file  string
	craft func(testing.TB) []byte
}{
	{name: "png 60000x60000", file: "png_60000x60000.png", craft: pngBomb},
	{name: "jpeg 60000x60000", file: "jpeg_60000x60000.jpg", craft: jpegBomb},
	{name: "gif 65535x65535 screen", file: "gif_65535x65535_screen.gif", craft: gifBomb},
}

// TestBombCorpusMatchesCrafting keeps testdata/bombs equal to what the
// crafting functions make (UPDATE_GOLDEN=1 rewrites the files).
func TestBombCorpusMatchesCrafting(t *testing.T) {
	t.Parallel()
	for _, b := range bombs {
		t.Run(b.name, func(t *testing.T) {
			path := filepath.Join("testdata", "bombs", b.file)
			crafted := b.craft(t)
			if os.Getenv("UPDATE_GOLDEN") != "" {
				require.NoError(t, os.WriteFile(path, crafted, 0o644))
			}
			committed, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, crafted, committed)
		})
	}
}

// TestBombsRefusedQuickly loads each bomb: a 422 naming the layer and the
// declared size, within a second and with the process's resident memory
// grown by under 50 MB, before any pixel is decoded. Not parallel: the
// resident memory measured is the process's.
func TestBombsRefusedQuickly(t *testing.T) {
	l := NewLoader(Options{MaxPixels: 100_000_000})
	for _, b := range bombs {
		t.Run(b.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "bombs", b.file))
			require.NoError(t, err)
			for _, smart := range []bool{false, true} {
				img := base64Image(data)
				img.SmartCrop = smart
				memtest.Within(t, time.Second, 50<<20, func() {
					_, err = l.Load(context.Background(), "layers[2]", img, 600, 600)
				})
				require.Error(t, err)
				fe := failure.As(err)
				require.Equal(t, failure.Unprocessable, fe.Kind)
				require.Contains(t, fe.PublicMessage(), "image at layers[2]: the image declares")
				require.Contains(t, fe.PublicMessage(), "over the limit of 100 million pixels")
			}
		})
	}
}

// TestPixelLimitBoundary: an image at the limit loads, one pixel over does
// not.
func TestPixelLimitBoundary(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, tiny()))
	cases := []struct {
		name      string
		maxPixels int
		ok        bool
	}{
		{name: "at the limit", maxPixels: 64, ok: true},
		{name: "one over", maxPixels: 63, ok: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoader(Options{MaxPixels: tc.maxPixels})
			_, err := l.Load(context.Background(), "layers[0]", base64Image(buf.Bytes()), 4, 4)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Equal(t, failure.Unprocessable, failure.KindOf(err))
			}
		})
	}
}

// TestSideLimit: a raster input wider or taller than MaxImageSide is
// refused from its header, before libvips buffers its lines.
func TestSideLimit(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	for _, size := range []image.Point{{MaxImageSide + 1, 8}, {8, MaxImageSide + 1}} {
		var buf bytes.Buffer
		require.NoError(t, png.Encode(&buf, image.NewGray(image.Rectangle{Max: size})))
		_, err := l.Load(context.Background(), "layers[0]", base64Image(buf.Bytes()), 64, 64)
		fe := failure.As(err)
		require.Equal(t, failure.Unprocessable, fe.Kind, "%v", err)
		require.Contains(t, fe.PublicMessage(), fmt.Sprintf("the image is %dx%d pixels; each side may be at most 16384.", size.X, size.Y))
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, MaxImageSide, 8))))
	loadBox(t, l, buf.Bytes(), 64, 64)
}
