package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"github.com/h2non/bimg"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/memtest"
)

// bmp1 is a complete 1-bit BMP of w×h pixels (all black): 12.5 MB at
// 100000×1000, 1 GB and more if decoded.
func bmp1(w, h int) []byte {
	row := (w + 31) / 32 * 4
	const hdr = 14 + 40 + 8
	b := make([]byte, hdr+row*h)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], uint32(len(b)))
	binary.LittleEndian.PutUint32(b[10:], hdr)
	binary.LittleEndian.PutUint32(b[14:], 40)
	binary.LittleEndian.PutUint32(b[18:], uint32(w))
	binary.LittleEndian.PutUint32(b[22:], uint32(h))
	binary.LittleEndian.PutUint16(b[26:], 1) // planes
	binary.LittleEndian.PutUint16(b[28:], 1) // bits per pixel
	binary.LittleEndian.PutUint32(b[46:], 2) // colours used
	copy(b[58:], []byte{255, 255, 255, 0})   // palette: black, white
	return b
}

// gifScreenOf is a GIF with an 8×8 frame on a w×h logical screen.
func gifScreenOf(t testing.TB, w, h int) []byte {
	b := gifBomb(t)
	binary.LittleEndian.PutUint16(b[6:], uint16(w))
	binary.LittleEndian.PutUint16(b[8:], uint16(h))
	return b
}

// encoded is a w×h grey image (a pattern, or flat) saved by libvips in
// format typ.
func encoded(t testing.TB, w, h int, typ bimg.ImageType, interlace bool) []byte {
	return encodedFill(t, w, h, typ, interlace, func(i int) uint8 { return uint8(i*31 + i/w*17) })
}

func encodedFill(t testing.TB, w, h int, typ bimg.ImageType, interlace bool, fill func(i int) uint8) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = fill(i)
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	out, err := bimg.NewImage(buf.Bytes()).Process(bimg.Options{Type: typ, Interlace: interlace, Quality: 90})
	require.NoError(t, err)
	return out
}

// scanBomb is a valid progressive JPEG whose last scan is repeated until
// it has n scans: libjpeg warns about the bogus progression and decodes
// every one of them.
func scanBomb(t testing.TB, n int) []byte {
	b := encodedFill(t, 1024, 1024, bimg.JPEG, true, func(int) uint8 { return 128 })
	last := bytes.LastIndex(b, []byte{0xff, 0xda})
	eoi := bytes.LastIndex(b, []byte{0xff, 0xd9})
	require.Positive(t, last)
	scan := b[last:eoi]
	have := jpegScans(b, 1000)
	out := append([]byte(nil), b[:eoi]...)
	for range n - have {
		out = append(out, scan...)
	}
	return append(out, 0xff, 0xd9)
}

func TestJPEGScans(t *testing.T) {
	t.Parallel()
	var base bytes.Buffer
	require.NoError(t, jpeg.Encode(&base, tiny(), nil))
	prog := encoded(t, 64, 64, bimg.JPEG, true)
	cases := []struct {
		name  string
		data  []byte
		limit int
		want  int
	}{
		{"baseline", base.Bytes(), 100, 1},
		{"libvips progressive (10 scans)", prog, 100, 10},
		{"bomb of 5000 scans", scanBomb(t, 5000), 10000, 5000},
		{"bomb counted to the limit only", scanBomb(t, 5000), 100, 101},
		{"truncated", prog[:len(prog)/2], 100, jpegScans(prog[:len(prog)/2], 100)},
		{"SOI only", []byte{0xff, 0xd8}, 100, 0},
		{"garbage after SOI", []byte{0xff, 0xd8, 1, 2, 3, 4, 5}, 100, 0},
		{"zero-length segment", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xda}, 100, 0},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, jpegScans(tc.data, tc.limit), tc.name)
	}
}

// TestDecoderWorkLimits: each input over a limit is refused from its
// header (or its marker walk) with a 422 naming the layer, within a second
// and with the process's resident memory grown by under 50 MB (Go and C
// allocations alike); inputs at the limits load. Not parallel: the
// resident memory measured is the process's.
func TestDecoderWorkLimits(t *testing.T) {
	l := NewLoader(Options{})
	refused := []struct {
		name, msg string
		data      []byte
	}{
		{"bmp 100000x1000 (12.5 MB)", "the image is 100000x1000 pixels; each side may be at most 16384.", bmp1(100000, 1000)},
		{"bmp 16385x8", "the image is 16385x8 pixels; each side may be at most 16384.", bmp1(16385, 8)},
		{"bmp 20000x20000", "the image declares 20000x20000 pixels, over the limit of 100 million pixels.", bmp1(20000, 20000)[:200]},
		{"gif screen 20000x10", "the image is 20000x10 pixels; each side may be at most 16384.", gifScreenOf(t, 20000, 10)},
		{"tiff 16385x8", "the image is 16385x8 pixels; each side may be at most 16384.", encoded(t, 16385, 8, bimg.TIFF, false)},
		{"jpeg 8x16385", "the image is 8x16385 pixels; each side may be at most 16384.", encoded(t, 8, 16385, bimg.JPEG, false)},
		{"jpeg of 5000 progressive scans", "the JPEG has more than 100 scans", scanBomb(t, 5000)},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			require.Less(t, len(tc.data), 20<<20)
			var err error
			memtest.Within(t, time.Second, 50<<20, func() {
				_, err = l.Load(context.Background(), "layers[3]", base64Image(tc.data), 256, 256)
			})
			fe := failure.As(err)
			require.NotNil(t, fe, "%v", err)
			require.Equal(t, failure.Unprocessable, fe.Kind, "%v", err)
			require.Contains(t, fe.PublicMessage(), "image at layers[3]: "+tc.msg)
		})
	}
	for name, data := range map[string][]byte{
		"bmp 16384x8":              bmp1(MaxImageSide, 8),
		"jpeg of 100 scans":        scanBomb(t, MaxJPEGScans),
		"gif screen 16384x8":       gifScreenOf(t, MaxImageSide, 8),
		"tiff 16384x8":             encoded(t, MaxImageSide, 8, bimg.TIFF, false),
		"progressive jpeg 1024 px": encoded(t, 1024, 1024, bimg.JPEG, true),
	} {
		t.Run(name, func(t *testing.T) {
			out := loadBox(t, l, data, 64, 32)
			require.Equal(t, 64, out.Rect.Dx())
		})
	}
}

// TestBMPDecodesIntoCMemory: a BMP's pixels go straight into the libvips
// image (palette colours kept), not through a Go copy.
func TestBMPDecodesIntoCMemory(t *testing.T) {
	t.Parallel()
	b := bmp1(16, 16)
	for i := 62; i < len(b); i++ {
		b[i] = 0xff // every pixel white (palette index 1)
	}
	out := loadBox(t, NewLoader(Options{}), b, 8, 8)
	require.Equal(t, color.RGBA{255, 255, 255, 255}, out.RGBAAt(3, 3))
}

// FuzzJPEGScans: the marker walk never panics or loops, and never counts
// past limit+1.
func FuzzJPEGScans(f *testing.F) {
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0x00, 0xff, 0xd0, 0xff, 0xff, 0xda, 0, 2})
	f.Add(encoded(f, 16, 16, bimg.JPEG, true))
	f.Fuzz(func(t *testing.T, data []byte) {
		if n := jpegScans(data, 3); n < 0 || n > 4 {
			t.Fatalf("count %d", n)
		}
	})
}
