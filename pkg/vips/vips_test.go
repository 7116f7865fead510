package vips

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Loading the package blocks libvips' untrusted loaders (without the block
// libvips renders this PDF through poppler) and lets SVG back in.
func TestLockdown(t *testing.T) {
	t.Parallel()
	load := func(data []byte) error {
		b := NewBuffer(data)
		defer b.Free()
		v, err := ThumbnailBuffer(b, 8, 8, CropNone, SizeBoth)
		v.Close()
		return err
	}
	pdf := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 8 8]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	err := load(pdf)
	require.ErrorContains(t, err, "blocked", "PDF must not load once untrusted loaders are blocked")
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="red"/></svg>`)
	require.NoError(t, load(svg), "SVG stays allowed")
}

// A round trip through libvips: straight-alpha pixels in, a resize, and
// premultiplied RGBA out; then saved as WebP and read back.
func TestImageRoundTrip(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	for i := range 16 {
		src.SetNRGBA(i%4, i/4, color.NRGBA{200, 100, 50, 128})
	}
	v := FromImage(src)
	require.NotNil(t, v)
	defer v.Close()
	small, err := ThumbnailImage(v, 2, 2, CropNone, SizeForce)
	require.NoError(t, err)
	defer small.Close()
	w, h := small.Size()
	require.Equal(t, [2]int{2, 2}, [2]int{w, h})
	out, err := small.RGBA(context.Background())
	require.NoError(t, err)
	c := out.RGBAAt(1, 1)
	require.InDelta(t, 100, int(c.R), 2, "premultiplied: 200·128/255")
	require.InDelta(t, 128, int(c.A), 1)

	raw := NewRaw(2 * 2 * 3)
	defer raw.Free()
	copy(raw.Bytes(), []byte{255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0})
	webp, err := Save(WebP, raw, 2, 2, 3, [3]int{90, 2, 0})
	require.NoError(t, err)
	b := NewBuffer(webp)
	defer b.Free()
	hdr, err := ReadHeader(b)
	require.NoError(t, err)
	require.Equal(t, Header{W: 2, H: 2, Orient: 1, Pages: 1}, hdr)
	_, err = Save(JPEG, raw, 4, 4, 3, [3]int{85, 1})
	require.Error(t, err, "more pixels than the buffer holds")
}

// This libvips has every loader and saver Strata calls.
func TestCheck(t *testing.T) {
	t.Parallel()
	require.NoError(t, Check())
	require.True(t, has("heifsave_buffer"))
	require.False(t, has("nosuchsave_buffer"))
}

// With VIPSHOME pointing nowhere, libvips 8.14 finds none of its modules,
// so HEIF (libheif is a module) is gone: Check names the missing
// operations, what they serve, the module directory and the VIPSHOME
// hint, and nothing that is there. The process runs as a child so this
// one keeps its libvips.
func TestCheckWithoutModules(t *testing.T) {
	t.Parallel()
	if os.Getenv("STRATA_VIPS_CHECK_CHILD") == "1" {
		if err := Check(); err != nil {
			fmt.Println("CHECK:", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckWithoutModules$")
	cmd.Env = append(os.Environ(), "STRATA_VIPS_CHECK_CHILD=1", "VIPSHOME=/nonexistent")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	_, msg, ok := strings.Cut(string(out), "CHECK: ")
	require.True(t, ok, "Check must fail without the HEIF module: %s", out)
	msg, _, _ = strings.Cut(msg, "\n")
	require.Contains(t, msg, "heifsave_buffer (AVIF output)")
	require.Contains(t, msg, "heifload_buffer (AVIF/HEIF image layers)")
	require.Regexp(t, `loads its modules from /nonexistent/\S*vips-modules-\d+\.\d+:`, msg)
	require.Contains(t, msg, `VIPSHOME="/nonexistent" sets that directory`)
	require.NotContains(t, msg, "jpegsave_buffer", "JPEG is built in, not a module")
}

// The start-up probe's AVIF encode, with the renderer's encoder, works
// here: Check would otherwise refuse every start on this host.
func TestEncodesProbe(t *testing.T) {
	t.Parallel()
	require.NoError(t, encodes(AVIF, [3]int{50, 0, HEIFEncoderAOM}))
}
