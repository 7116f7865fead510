package imaging

import (
	"context"
	"image"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/golden"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/vips"
)

// TestURLSource fetches through the real pkg/fetch client from a local
// server (AllowPrivate, as tests and local development run it).
func TestURLSource(t *testing.T) {
	t.Parallel()
	photo := photo240(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cat.png":
			require.Equal(t, "Bearer s3cret", r.Header.Get("Authorization"))
			_, _ = w.Write(photo)
		case "/slow.png":
			time.Sleep(300 * time.Millisecond)
			_, _ = w.Write(photo)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	l := NewLoader(Options{Fetch: FetchWith(fetch.New(fetch.Options{AllowPrivate: true}))})
	auth := schema.FetchOptions{Auth: &schema.FetchAuth{Type: "bearer", Token: "s3cret"}}

	img := &schema.Image{File: schema.File{Type: schema.SourceURL, URL: srv.URL + "/cat.png", Fetch: auth}}
	out, err := l.Load(context.Background(), "layers[1]", img, 120, 120)
	require.NoError(t, err)
	require.Less(t, meanDiff(loadBox(t, l, photo, 120, 120), out), 0.01)

	cases := []struct {
		name    string
		url     string
		loader  *Loader
		kind    failure.Kind
		message string
	}{
		{name: "404", url: srv.URL + "/missing.png", loader: l, message: "image at layers[1]: fetching " + srv.URL + "/missing.png: status 404"},
		{name: "over the size limit is a 413 as for base64", url: srv.URL + "/cat.png", kind: failure.TooLarge,
			loader:  NewLoader(Options{Fetch: FetchWith(fetch.New(fetch.Options{AllowPrivate: true, MaxBytes: 5000}))}),
			message: "image at layers[1]: fetching " + srv.URL + "/cat.png: the file is larger than 5000 bytes, the limit."},
		{name: "private address refused by default", url: srv.URL + "/cat.png",
			loader: NewLoader(Options{Fetch: FetchWith(fetch.New(fetch.Options{}))}), message: "image at layers[1]: fetching"},
		{name: "no fetcher", url: srv.URL + "/cat.png", loader: NewLoader(Options{}),
			message: "image at layers[1]: URL sources are not enabled on this server."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := &schema.Image{File: schema.File{Type: schema.SourceURL, URL: tc.url, Fetch: auth}}
			_, err := tc.loader.Load(context.Background(), "layers[1]", img, 10, 10)
			fe := failure.As(err)
			want := tc.kind
			if want == 0 {
				want = failure.Unprocessable
			}
			require.Equal(t, want, fe.Kind, "%v", err)
			require.Contains(t, fe.PublicMessage(), tc.message)
		})
	}

	t.Run("deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		img := &schema.Image{File: schema.File{Type: schema.SourceURL, URL: srv.URL + "/slow.png"}}
		_, err := l.Load(ctx, "layers[1]", img, 10, 10)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	photo := photo240(t)
	plain := NewLoader(Options{MaxBytes: 1 << 20})
	cases := []struct {
		name    string
		img     *schema.Image
		kind    failure.Kind
		message string
	}{
		{name: "not an image", img: base64Image([]byte("%PDF-1.7\n...")), kind: failure.Unprocessable,
			message: "image at layers[3]: not a supported image format (PNG, JPEG, WebP, GIF, TIFF, AVIF/HEIF, BMP or SVG)."},
		{name: "empty", img: base64Image(nil), kind: failure.Unprocessable, message: "image at layers[3]: the file is empty."},
		{name: "truncated png", img: base64Image(photo[:200]), kind: failure.Unprocessable,
			message: "image at layers[3]: the image could not be decoded (corrupt or unsupported)."},
		{name: "broken svg", img: base64Image([]byte("<svg><rect")), kind: failure.Unprocessable,
			message: "image at layers[3]: the image could not be decoded (corrupt or unsupported)."},
		{name: "over the size limit", img: base64Image(make([]byte, 1<<20+1)), kind: failure.TooLarge,
			message: "image at layers[3]: the file is 1.0 MB (1048577 bytes), over the 1 MB limit."},
		{name: "background removal not installed", img: &schema.Image{File: schema.File{Type: schema.SourceBase64, Data: photo}, RemoveBackground: true},
			kind: failure.Unprocessable, message: "image at layers[3]: background removal is not installed on this server."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := plain.Load(context.Background(), "layers[3]", tc.img, 50, 50)
			fe := failure.As(err)
			require.Equal(t, tc.kind, fe.Kind, "%v", err)
			require.Equal(t, tc.message, fe.PublicMessage())
		})
	}
}

// TestUntrustedLoadersBlocked: formats libvips could read through
// ImageMagick or other untrusted loaders never reach them, even when the
// bytes sniff as an accepted format.
func TestUntrustedLoadersBlocked(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	// A PPM is a format libvips reads (ppmload, untrusted); it is not in
	// the contract, so it is refused before libvips sees it.
	_, err := l.Load(context.Background(), "layers[0]", base64Image([]byte("P3\n1 1\n255\n255 0 0\n")), 4, 4)
	require.Contains(t, failure.As(err).PublicMessage(), "not a supported image format")
	// libvips itself refuses an untrusted loader when asked directly.
	b := vips.NewBuffer([]byte("P3\n1 1\n255\n255 0 0\n"))
	defer b.Free()
	_, err = vips.ReadHeader(b)
	require.Error(t, err)
}

// TestRemoveBackground loads photos with the background removed: the
// subject stays opaque, the background corners turn transparent, and the
// pixels are premultiplied.
func TestRemoveBackground(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{BackgroundRemover: testRemover(t)})
	cases := []struct {
		name        string
		file        string
		w, h        int
		subject     [][2]int // opaque points in the output
		transparent [][2]int
	}{
		// astronaut.png 512² into 256²: face at (112,65), suit at (75,200).
		{name: "astronaut", file: "astronaut.png", w: 256, h: 256,
			subject: [][2]int{{112, 65}, {75, 200}}, transparent: [][2]int{{2, 2}, {253, 2}}},
		// coffee.png 600×400 into 300×200: the coffee at (145,75).
		{name: "coffee", file: "coffee.png", w: 300, h: 200,
			subject: [][2]int{{145, 75}, {100, 125}}, transparent: [][2]int{{2, 2}, {297, 2}, {2, 197}, {297, 197}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			img := base64Image(sample(t, tc.file))
			img.RemoveBackground = true
			out, err := l.Load(context.Background(), "layers[0]", img, tc.w, tc.h)
			require.NoError(t, err)
			for _, p := range tc.subject {
				require.GreaterOrEqual(t, out.RGBAAt(p[0], p[1]).A, uint8(240), "subject at %v", p)
			}
			for _, p := range tc.transparent {
				require.LessOrEqual(t, out.RGBAAt(p[0], p[1]).A, uint8(10), "background at %v", p)
			}
			for i := 0; i < len(out.Pix); i += 4 {
				a := out.Pix[i+3]
				require.True(t, out.Pix[i] <= a && out.Pix[i+1] <= a && out.Pix[i+2] <= a, "premultiplied at %d", i/4)
			}
			golden.Check(t, "remove_background_"+tc.name, out, golden.Resampling(8))
		})
	}
}

func TestPixelCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{
		100_000_000: "100 million pixels",
		2_500_000:   "2.5 million pixels",
		1000:        "1000 pixels",
		1_234_567:   "1234567 pixels",
	} {
		require.Equal(t, want, pixelCount(n))
	}
}

func TestNaturalBox(t *testing.T) {
	t.Parallel()
	tests := []struct{ sw, sh, maxW, maxH, w, h int }{
		{40, 20, 200, 100, 40, 20},   // fits: natural size
		{400, 200, 100, 50, 100, 50}, // scaled down to fit
		{300, 100, 180, 80, 180, 60}, // aspect kept: the tighter side wins
		{10, 1000, 500, 100, 1, 100}, // never thinner than a pixel
		{1000, 1000, 1000, 1000, 1000, 1000},
	}
	for _, tc := range tests {
		w, h := naturalBox(tc.sw, tc.sh, tc.maxW, tc.maxH)
		require.Equal(t, [2]int{tc.w, tc.h}, [2]int{w, h}, "%dx%d in %dx%d", tc.sw, tc.sh, tc.maxW, tc.maxH)
	}
}

func TestDenseBox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sw, sh, w, h int
		k            float64
		bw, bh       int
	}{
		{451, 300, 270, 180, 4, 450, 300},   // the source's resolution, never enlarged
		{100, 100, 200, 200, 4, 200, 200},   // a smaller source: the box
		{4000, 4000, 100, 100, 4, 400, 400}, // capped at k
		{4000, 1000, 100, 100, 4, 400, 400}, // cover: the tighter side decides
		{4000, 600, 100, 100, 4, 400, 400},
		{4000, 150, 100, 100, 4, 150, 150},
		{900, 900, 300, 300, 1.5, 450, 450}, // the budget's k
	}
	for _, tc := range tests {
		w, h := denseBox(tc.sw, tc.sh, tc.w, tc.h, tc.k)
		require.Equal(t, [2]int{tc.bw, tc.bh}, [2]int{w, h}, "%dx%d in %dx%d", tc.sw, tc.sh, tc.w, tc.h)
	}
}

// TestLoadNaturalSVG: an SVG's natural size is the one it declares, and
// it is drawn from its vectors at that size.
func TestLoadNaturalSVG(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	out, err := l.LoadNatural(context.Background(), "layers[0]", base64Image([]byte(iconSVG)), 500, 500)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 24, 24), out.Rect)
	out, err = l.LoadNatural(context.Background(), "layers[0]", base64Image([]byte(iconSVG)), 12, 500)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 12, 12), out.Rect)
}
