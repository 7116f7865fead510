package typeset

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

func customFont(name string, data []byte) *schema.Font {
	return &schema.Font{Path: "fonts[0]", Name: name, Weight: schema.Regular, File: schema.File{Type: schema.SourceBase64, Data: data}}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func TestLoadCustom(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ttf := readFile(t, assetsDir(t)+"/fonts/Lobster/Lobster_400Regular.ttf")
	woff := readFile(t, "testdata/fonts/lobster-latin-400-normal.woff")
	woff2 := readFile(t, "testdata/fonts/lobster-latin-400-normal.woff2")
	otf := readFile(t, "testdata/fonts/CFFTest.otf")
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"ttf", ttf, true},
		{"woff", woff, true},
		{"woff2", woff2, true},
		{"otf (CFF outlines)", otf, true},
		{"empty", nil, false},
		{"garbage", []byte("definitely not a font file at all"), false},
		{"truncated ttf", ttf[:200], false},
		{"truncated woff2", woff2[:len(woff2)/2], false},
		{"ttf header only", append([]byte{0, 1, 0, 0, 0, 9}, make([]byte, 100)...), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			set, err := r.LoadCustom([]*schema.Font{customFont("Brand Font", tc.data)})
			if tc.ok {
				require.NoError(t, err)
				require.Len(t, set.byName["brandfont"], 1)
				return
			}
			require.Error(t, err)
			require.Equal(t, failure.Unprocessable, failure.KindOf(err))
			msg := failure.As(err).PublicMessage()
			require.Contains(t, msg, "fonts[0]")
			require.Contains(t, msg, "Brand Font")
		})
	}
}

func TestLoadCustomCachesBySHA256(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(assetsDir(t))
	require.NoError(t, err)
	woff2 := readFile(t, "testdata/fonts/lobster-latin-400-normal.woff2")
	a, err := r.LoadCustom([]*schema.Font{customFont("A", woff2)})
	require.NoError(t, err)
	b, err := r.LoadCustom([]*schema.Font{customFont("B", append([]byte(nil), woff2...))})
	require.NoError(t, err)
	require.Equal(t, 1, r.custom.Len())
	require.Same(t, a.byName["a"][0].font, b.byName["b"][0].font, "the same bytes are parsed once")
}

func TestCustomFontShadowsBundledFace(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	woff2 := readFile(t, "testdata/fonts/lobster-latin-400-normal.woff2")
	set, err := r.LoadCustom([]*schema.Font{customFont("Inter", woff2)})
	require.NoError(t, err)
	ref := r.match(set, "Inter", 400, false)
	require.Equal(t, "Inter", ref.src.name)
	require.Empty(t, ref.src.path, "the custom face, not the bundled file")
	// Other weights still come from the bundled family.
	bold := r.match(set, "Inter", 700, false)
	require.Contains(t, bold.src.path, "Inter_700Bold.ttf")
}

// FuzzLoadCustom feeds arbitrary bytes to the custom font loader: it must
// return a font or a 422, never panic, and a loaded font must draw.
func FuzzLoadCustom(f *testing.F) {
	r := testRegistry(f)
	woff2 := readFile(f, "testdata/fonts/lobster-latin-400-normal.woff2")
	woff := readFile(f, "testdata/fonts/lobster-latin-400-normal.woff")
	f.Add(woff2[:1024])
	f.Add(woff[:1024])
	f.Add([]byte("wOF2\x00\x01\x00\x00"))
	f.Add([]byte("wOFF\x00\x01\x00\x00"))
	f.Add([]byte("\x00\x01\x00\x00\x00\x01\x00\x00cmap"))
	f.Add([]byte("OTTO"))
	f.Fuzz(func(t *testing.T, data []byte) {
		data = append([]byte(nil), data...) // fonts are identified by their backing array; the fuzzer reuses its
		set, err := r.LoadCustom([]*schema.Font{customFont("Fuzz", data)})
		if err != nil {
			if failure.KindOf(err) != failure.Unprocessable {
				t.Fatalf("kind %v: %v", failure.KindOf(err), err)
			}
			return
		}
		_ = set
		tx := text("Fuzz **font** *ok*", "Fuzz", 20)
		if _, err := r.Draw(t.Context(), tx, []*schema.Font{customFont("Fuzz", data)}, 200, 40); err != nil && failure.KindOf(err) != failure.Unprocessable {
			t.Fatalf("draw: %v", err)
		}
	})
}

// TestCustomOTFDraws: a CFF font's cubic outlines are rasterised.
func TestCustomOTFDraws(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	font := customFont("CFF Test", readFile(t, "testdata/fonts/CFFTest.otf"))
	img := drawText(t, r, text("01Q", "CFF Test", 40), []*schema.Font{font}, 200, 60)
	ink := inkBounds(img)
	require.Greater(t, ink.Dx(), 40)
	require.Greater(t, ink.Dy(), 20)
	inter := drawText(t, r, text("01Q", "Inter", 40), nil, 200, 60)
	require.NotEqual(t, inter.Pix, img.Pix, "drawn with the custom font, not a fallback")
}

func TestLoadCustomURLWithoutData(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	f := &schema.Font{Path: "fonts[1]", Name: "Remote", File: schema.File{Type: schema.SourceURL, URL: "https://example.com/a.ttf"}}
	_, err := r.LoadCustom([]*schema.Font{f})
	require.Equal(t, failure.Unprocessable, failure.KindOf(err))
	require.Contains(t, failure.As(err).PublicMessage(), "fonts[1]")
}
