package pdf

import (
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// check writes doc and runs qpdf --check and pdftotext on it, returning
// the text.
func check(t *testing.T, data []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "t.pdf")
	require.NoError(t, os.WriteFile(file, data, 0o644))
	qpdf, err := exec.LookPath("qpdf")
	require.NoError(t, err, "qpdf is missing: run scripts/setup.sh")
	out, err := exec.Command(qpdf, "--check", file).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NotContains(t, strings.ToLower(string(out)), "warning")
	pdftotext, err := exec.LookPath("pdftotext")
	require.NoError(t, err, "pdftotext is missing: run scripts/setup.sh")
	cmd := exec.Command(pdftotext, file, "-")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	text, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	require.Empty(t, stderr.String())
	return string(text)
}

// More than 256 distinct clusters spill into further Type 3 font objects;
// every one still extracts as its own text, and every feature of the
// writer passes qpdf.
func TestManyGlyphsAndEveryFeature(t *testing.T) {
	d := New()
	c := d.Page(600, 400, 1)
	square := func(uint32) (*Path, float64) {
		p := &Path{}
		p.Rect(50, 0, 400, 700)
		return p, 500
	}
	f := d.Font("square", 1000, square)
	var glyphs []Glyph
	var text []Cluster
	var want strings.Builder
	for i := range 300 {
		x, y := float64(10+(i%30)*19), float64(20+(i/30)*24)
		glyphs = append(glyphs, Glyph{X: x, Y: y, GID: uint32(i + 1)})
		r := rune(0x4E00 + i) // 300 distinct CJK ideographs
		text = append(text, Cluster{X: x, Y: y, Advance: 10, Text: string(r)})
		want.WriteRune(r)
	}
	c.ShowGlyphs(f, 20, 0, 0, 0, glyphs)
	c.ShowText(20, text)
	require.Len(t, f.subs, 2, "300 glyphs need two 256-code fonts")

	c.Save()
	c.SetAlpha(0.5, "Multiply")
	c.Group([4]float64{0, 0, 600, 400}, func(g *Canvas) {
		p := &Path{}
		p.MoveTo(300, 300)
		p.QuadTo(350, 250, 400, 300)
		p.CubeTo(400, 350, 300, 350, 300, 300)
		p.Close()
		g.Clip(p)
		g.PaintShading(d.Axial(300, 300, 400, 300, []Stop{{0, 255, 0, 0, 255}, {0.5, 0, 255, 0, 128}, {0.5, 0, 0, 255, 0}, {1, 0, 0, 0, 255}}, [4]float64{300, 250, 400, 350}))
	})
	c.Restore()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Pix[3], img.Pix[7] = 255, 128
	c.DrawImage(d.Image(img), 500, 300, 20, 20)
	c.PaintShading(d.Radial(50, 350, 40, []Stop{{0.2, 1, 2, 3, 255}}, [4]float64{0, 300, 100, 400}))

	got := check(t, d.Bytes())
	got = strings.Join(strings.Fields(got), "")
	require.Equal(t, want.String(), got)
}

func TestNum(t *testing.T) {
	for in, want := range map[float64]string{0: "0", -0.00001: "0", 1.5: "1.5", 2: "2", -3.14159: "-3.1416", 1e6: "1000000",
		math.Inf(1): "0", math.NaN(): "0", 1e-7: "0"} {
		require.Equal(t, want, num(in))
	}
}
