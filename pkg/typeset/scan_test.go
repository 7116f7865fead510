package typeset

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// oldFileName is the expression file names were matched with before
// parseFileName; it is the oracle of the tests below.
var oldFileName = regexp.MustCompile(`^.+_(\d{3})[A-Za-z]+(_Italic)?\.ttf$`)

// oldParse is what the expression made of a file name.
func oldParse(name string) (int, bool, bool) {
	m := oldFileName.FindStringSubmatch(name)
	if m == nil {
		return 0, false, false
	}
	w, _ := strconv.Atoi(m[1])
	return w, m[2] != "", true
}

// faceList is a registry's families as comparable values: family name →
// its faces (path, weight, italic) in order and its variable font's path.
type faceList map[string][]string

func listOf(fams map[string]*family) faceList {
	out := faceList{}
	for key, fam := range fams {
		var rows []string
		for _, s := range fam.faces {
			rows = append(rows, s.path+" "+strconv.Itoa(s.weight)+" "+strconv.FormatBool(s.italic)+" "+s.name)
		}
		if fam.variable != nil {
			rows = append(rows, "variable "+fam.variable.path+" "+strconv.FormatBool(fam.variable.variable))
		}
		out[key+" "+fam.name] = rows
	}
	return out
}

// oldScan is NewRegistry's listing as it was, sequential with os.ReadDir
// and the expression: the families it found and their names, sorted.
func oldScan(t *testing.T, fontsDir string) (map[string]*family, []string) {
	dirs, err := os.ReadDir(fontsDir)
	require.NoError(t, err)
	fams := map[string]*family{}
	var names []string
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(fontsDir, d.Name()))
		require.NoError(t, err)
		fam := &family{name: d.Name()}
		for _, f := range files {
			path := filepath.Join(fontsDir, d.Name(), f.Name())
			if f.Name() == d.Name()+"-Variable.ttf" {
				fam.variable = newSource(d.Name(), path, 400, false)
				fam.variable.variable = true
				continue
			}
			if w, italic, ok := oldParse(f.Name()); ok {
				fam.faces = append(fam.faces, newSource(d.Name(), path, w, italic))
			}
		}
		if len(fam.faces) == 0 && fam.variable == nil {
			continue
		}
		fams[normalizeName(d.Name())] = fam
		names = append(names, d.Name())
	}
	sort.Strings(names)
	return fams, names
}

// TestRegistryFindsWhatTheSequentialScanFound: the parallel listing with
// parseFileName finds every bundled family, face, weight, style and
// variable font the sequential one with the expression found, in the
// same order, and the same family names.
func TestRegistryFindsWhatTheSequentialScanFound(t *testing.T) {
	t.Parallel()
	dir := assetsDir(t)
	r, err := NewRegistry(dir)
	require.NoError(t, err)
	fams, names := oldScan(t, filepath.Join(dir, "fonts"))
	require.Equal(t, names, r.Families())
	require.Equal(t, listOf(fams), listOf(r.families))
	faces := 0
	for _, fam := range r.families {
		faces += len(fam.faces)
	}
	require.Greater(t, faces, 1000, "the bundled static faces")
}

// TestRegistryScanOfAnOddTree: entries that are no family (a file at the
// top, a directory without faces, files of other names) are skipped as
// before, and a family directory that cannot be listed is an error.
func TestRegistryScanOfAnOddTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fonts := filepath.Join(dir, "fonts")
	inter := filepath.Join(assetsDir(t), "fonts", "Inter", "Inter_400Regular.ttf")
	for path, target := range map[string]string{
		"Inter/Inter_400Regular.ttf":          inter,
		"Inter/Inter_700Bold_Italic.ttf":      inter,
		"Inter/OFL.txt":                       "",
		"Inter/Inter_40Regular.ttf":           "",
		"Mono/Mono-Variable.ttf":              inter,
		"Mono/Mono_300Light.otf":              "",
		"Empty/README":                        "",
		"stray.ttf":                           "",
		"Lora/sub_dir_400Regular_Italic.ttf/": "",
	} {
		full := filepath.Join(fonts, path)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		switch {
		case path[len(path)-1] == '/':
			require.NoError(t, os.MkdirAll(full, 0o755))
		case target != "":
			require.NoError(t, os.Symlink(target, full))
		default:
			require.NoError(t, os.WriteFile(full, []byte("x"), 0o644))
		}
	}
	r, err := NewRegistry(dir)
	require.NoError(t, err)
	fams, names := oldScan(t, fonts)
	require.Equal(t, []string{"Inter", "Lora", "Mono"}, names, "a directory entry of a face's name counts, as before")
	require.Equal(t, names, r.Families())
	require.Equal(t, listOf(fams), listOf(r.families))

	if os.Geteuid() == 0 {
		t.Skip("root lists unreadable directories")
	}
	require.NoError(t, os.Chmod(filepath.Join(fonts, "Mono"), 0))
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(fonts, "Mono"), 0o755) })
	_, err = NewRegistry(dir)
	require.ErrorContains(t, err, "listing Mono")
}

// TestParseFileNameLikeTheRegexp: parseFileName reads every bundled file
// name, and a set of odd ones, as the expression did.
func TestParseFileNameLikeTheRegexp(t *testing.T) {
	t.Parallel()
	names := []string{
		"Inter_700Bold.ttf", "Lora_400Regular_Italic.ttf", "A_100Thin_200Bold.ttf", "_400Regular.ttf",
		"X_400_Italic.ttf", "X_400Italic.ttf", "X_400Regular_Italic_Italic.ttf", "X_4000Regular.ttf",
		"X_40Regular.ttf", "X_400.ttf", "X_400Regular.otf", "X_400Regular.ttf.ttf", "X_400Regülar.ttf",
		"X_400Regular_italic.ttf", "X\n_400Regular.ttf", "X_\n400Regular.ttf", "é_900Black.ttf",
		"X_400Regular_Italic.ttf\n", "Inter-Variable.ttf", ".ttf", "_Italic.ttf", "a__400Regular.ttf",
		"X_400Regular.TTF", "X_4a0Regular.ttf", "X_400Regular1.ttf", "X_400Regular_Italic",
	}
	fontsDir := filepath.Join(assetsDir(t), "fonts")
	dirs, err := os.ReadDir(fontsDir)
	require.NoError(t, err)
	for _, d := range dirs {
		files, _ := os.ReadDir(filepath.Join(fontsDir, d.Name()))
		for _, f := range files {
			names = append(names, f.Name())
		}
	}
	require.Greater(t, len(names), 1000)
	for _, name := range names {
		requireParsedAsBefore(t, name)
	}
}

func requireParsedAsBefore(t *testing.T, name string) {
	w, italic, ok := parseFileName(name)
	ow, oitalic, ook := oldParse(name)
	require.Equal(t, []any{ow, oitalic, ook}, []any{w, italic, ok}, "%q", name)
}

func FuzzParseFileName(f *testing.F) {
	for _, s := range []string{"Inter_700Bold.ttf", "Lora_400Regular_Italic.ttf", "X_400_Italic.ttf", "a\n_100b.ttf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) { requireParsedAsBefore(t, name) })
}
