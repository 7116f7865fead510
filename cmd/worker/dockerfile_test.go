package main

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/assets"
)

// There is no Docker engine on the machines that run the tests, so
// deploy/Dockerfile is never built here. This test checks the part of it
// most likely to rot: the runtime stage installs only a few Debian
// packages, and every shared library the binaries and ONNX Runtime load
// must come from those packages or their dependencies. It reads the
// libraries this test binary needs (it links the worker's packages, a
// superset of the API's cgo libraries), finds their Debian packages with
// dpkg and checks them against apt's dependency closure of the runtime
// stage's packages.
func TestDockerRuntimeStageHasEveryLibrary(t *testing.T) {
	for _, tool := range []string{"dpkg", "apt-cache"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: not a Debian machine", tool)
		}
	}
	dockerfile, err := os.ReadFile("../../deploy/Dockerfile")
	require.NoError(t, err)
	runtimePkgs := runtimeStagePackages(t, string(dockerfile))
	require.Contains(t, runtimePkgs, "libvips42", "the runtime stage installs libvips")

	self, err := os.Executable()
	require.NoError(t, err)
	libs := neededLibraries(t, self)
	libs = append(libs, neededLibraries(t, filepath.Join(assets.Dir(), "onnxruntime", "libonnxruntime.so.1"))...)
	require.Contains(t, libs, "libvips.so.42")

	closure := aptClosure(t, runtimePkgs)
	for _, lib := range libs {
		pkg := debianPackageOf(t, lib)
		require.Truef(t, closure[pkg], "%s comes from Debian package %s, which the Dockerfile's runtime stage (%v) neither installs nor pulls in; add it to the runtime stage's apt-get install", lib, pkg, runtimePkgs)
	}
}

// runtimeStagePackages are the packages the Dockerfile's last stage
// installs with apt-get install.
func runtimeStagePackages(t *testing.T, dockerfile string) []string {
	stages := regexp.MustCompile(`(?m)^FROM `).Split(dockerfile, -1)
	last := stages[len(stages)-1]
	// Join continuation lines, then take the words after "install" up to
	// the next shell operator.
	joined := strings.ReplaceAll(last, "\\\n", " ")
	var pkgs []string
	for _, line := range strings.Split(joined, "\n") {
		_, after, ok := strings.Cut(line, "apt-get install")
		if !ok {
			continue
		}
		for _, w := range strings.Fields(after) {
			if w == "&&" || w == ";" || w == "||" {
				break
			}
			if !strings.HasPrefix(w, "-") {
				pkgs = append(pkgs, w)
			}
		}
	}
	require.NotEmpty(t, pkgs, "no apt-get install in the Dockerfile's runtime stage")
	return pkgs
}

// neededLibraries are the DT_NEEDED entries of the ELF file at path.
func neededLibraries(t *testing.T, path string) []string {
	f, err := elf.Open(path)
	require.NoError(t, err)
	defer f.Close()
	libs, err := f.ImportedLibraries()
	require.NoError(t, err)
	return libs
}

// debianPackageOf is the installed package (architecture stripped) that
// ships the library file named lib.
func debianPackageOf(t *testing.T, lib string) string {
	out, err := exec.Command("dpkg", "-S", "/"+lib).CombinedOutput()
	if err != nil {
		// usrmerge: dpkg may know the file only under /lib or /usr/lib.
		out, err = exec.Command("dpkg", "-S", lib).CombinedOutput()
	}
	require.NoErrorf(t, err, "dpkg -S %s: %s", lib, out)
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		pkgs, file, ok := strings.Cut(sc.Text(), ": ")
		if !ok || filepath.Base(file) != lib {
			continue
		}
		pkg, _, _ := strings.Cut(strings.Split(pkgs, ", ")[0], ":")
		if !strings.HasSuffix(pkg, "-dev") {
			return pkg
		}
	}
	t.Fatalf("no runtime package ships %s:\n%s", lib, out)
	return ""
}

// aptClosure is pkgs with everything they depend on, recursively (Depends
// and PreDepends only), plus Debian's essential libc.
func aptClosure(t *testing.T, pkgs []string) map[string]bool {
	args := append([]string{"depends", "--recurse", "--no-recommends", "--no-suggests",
		"--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances"}, pkgs...)
	out, err := exec.Command("apt-cache", args...).Output()
	require.NoError(t, err, "apt-cache depends")
	closure := map[string]bool{"libc6": true}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if _, dep, ok := strings.Cut(line, "Depends: "); ok {
			line = dep
		}
		name, _, _ := strings.Cut(strings.Trim(line, "<>|"), ":")
		if name != "" {
			closure[name] = true
		}
	}
	return closure
}
