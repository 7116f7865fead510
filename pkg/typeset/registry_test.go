package typeset

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNewRegistryListsFamiliesWithoutParsing(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r, err := NewRegistry(assetsDir(t))
	require.NoError(t, err)
	require.Less(t, time.Since(start), time.Second, "start-up only lists files")
	fams := r.Families()
	require.Len(t, fams, 99+56, "the 99 bundled families of the reference and 56 Noto fallback families")
	require.IsNonDecreasing(t, fams)
	for _, name := range []string{"Inter", "RobotoFlex", "NotoSansArabic", "ShareTech", "Slabo27px", "CommitMono", "MPLUSRounded1c"} {
		require.Contains(t, fams, name)
	}
	for _, fam := range r.families {
		for _, s := range fam.faces {
			require.Nil(t, s.font, "%s parsed at start-up", s.path)
		}
	}
	require.NotNil(t, r.families["robotoflex"].variable, "RobotoFlex has its variable font")
	require.NotNil(t, r.emoji)
}

// TestFallbackFamiliesAreBundled checks every family of the fallback
// order exists: a misspelt name would be skipped silently.
func TestFallbackFamiliesAreBundled(t *testing.T) {
	r := testRegistry(t)
	lists := [][]string{generalFamilies, hanOrder(0)}
	for _, l := range scriptFamilies {
		lists = append(lists, l)
	}
	for _, l := range lists {
		for _, name := range l {
			_, _, ok := r.candidates(nil, name)
			require.True(t, ok, "fallback family %s is not bundled", name)
		}
	}
}

func TestRegistryParsesLazilyAndOnce(t *testing.T) {
	t.Parallel()
	r, err := NewRegistry(assetsDir(t))
	require.NoError(t, err)
	ref := r.match(nil, "Lora", 400, true)
	require.Nil(t, ref.src.font)
	f1, err := ref.src.load()
	require.NoError(t, err)
	f2, err := ref.src.load()
	require.NoError(t, err)
	require.Same(t, f1, f2)
	require.Nil(t, r.match(nil, "Lora", 700, false).src.font, "other faces stay unparsed")
}

func TestNewRegistryErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(dir string)
	}{
		{"no fonts dir", func(string) {}},
		{"no Inter", func(dir string) {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "fonts", "Lora"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "fonts", "Lora", "Lora_400Regular.ttf"), []byte("x"), 0o644))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(dir)
			_, err := NewRegistry(dir)
			require.Error(t, err)
			require.Contains(t, err.Error(), "scripts/setup.sh")
		})
	}
}

func TestBrokenBundledFileFallsBackToDefault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := assetsDir(t)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "fonts", "Inter"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "fonts", "Broken"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(src, "fonts", "Inter", "Inter_400Regular.ttf"), filepath.Join(dir, "fonts", "Inter", "Inter_400Regular.ttf")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fonts", "Broken", "Broken_400Regular.ttf"), []byte("not a font"), 0o644))
	r, err := NewRegistry(dir)
	require.NoError(t, err)
	img := drawText(t, r, text("still drawn", "Broken", 24), nil, 200, 40)
	require.False(t, inkBounds(img).Empty())
}
