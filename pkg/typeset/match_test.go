package typeset

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"spaces", "Open Sans", "opensans"},
		{"camel", "OpenSans", "opensans"},
		{"hyphen", "open-sans", "opensans"},
		{"underscore", "OPEN_SANS", "opensans"},
		{"digits kept", "Slabo 27px", "slabo27px"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, normalizeName(tc.in))
		})
	}
}

func TestWeightRank(t *testing.T) {
	t.Parallel()
	best := func(desired int, avail ...int) int {
		b := avail[0]
		for _, w := range avail[1:] {
			if weightRank(desired, w) < weightRank(desired, b) {
				b = w
			}
		}
		return b
	}
	cases := []struct {
		name    string
		desired int
		avail   []int
		want    int
	}{
		{"exact", 700, []int{400, 700}, 700},
		{"400 prefers 500 first", 400, []int{300, 500}, 500},
		{"500 prefers 400 over 600", 500, []int{400, 600}, 400},
		{"400 then lighter before heavier", 400, []int{300, 600}, 300},
		{"light goes lighter first", 300, []int{200, 400}, 200},
		{"light goes heavier when nothing lighter", 300, []int{400, 500}, 400},
		{"bold goes heavier first", 700, []int{600, 800}, 800},
		{"bold goes lighter when nothing heavier", 700, []int{400, 600}, 600},
		{"black on a 400-700 family", 900, []int{400, 500, 600, 700}, 700},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, best(tc.desired, tc.avail...))
		})
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	cases := []struct {
		name          string
		family        string
		weight        int
		italic        bool
		file          string
		wght          float32
		bold, oblique bool
	}{
		{"exact", "Inter", 700, false, "Inter_700Bold.ttf", 0, false, false},
		{"name normalised", "open sans", 400, true, "OpenSans_400Regular_Italic.ttf", 0, false, false},
		{"lora light → regular", "Lora", 300, false, "Lora_400Regular.ttf", 0, false, false},
		{"lora black → bold", "Lora", 900, false, "Lora_700Bold.ttf", 0, false, false},
		{"missing italic → oblique", "Heebo", 400, true, "Heebo_400Regular.ttf", 0, false, true},
		{"missing bold → synthetic", "BebasNeue", 700, false, "BebasNeue_400Regular.ttf", 0, true, false},
		{"unknown family → Inter", "NoSuchFamily", 400, false, "Inter_400Regular.ttf", 0, false, false},
		{"variable font for a missing weight", "RobotoFlex", 900, false, "RobotoFlex-Variable.ttf", 900, false, false},
		{"variable font italic is oblique", "RobotoFlex", 300, true, "RobotoFlex-Variable.ttf", 300, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := r.match(nil, tc.family, tc.weight, tc.italic)
			require.NotNil(t, ref.src)
			require.Equal(t, tc.file, baseName(ref.src.path))
			require.Equal(t, tc.wght, ref.wght)
			require.Equal(t, tc.bold, ref.bold)
			require.Equal(t, tc.oblique, ref.oblique)
		})
	}
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// TestSyntheticStylesChangeInk: the oblique leans (ink moves right at the
// top) and the synthetic bold is heavier than the regular face.
func TestSyntheticStylesChangeInk(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	ink := func(family string, weight int, italic bool) (cover int, topRight int) {
		tx := text("IIII", family, 48)
		tx.Weight, tx.Italic = weightOf(weight), italic
		img := drawText(t, r, tx, nil, 300, 80)
		b := inkBounds(img)
		for i := 3; i < len(img.Pix); i += 4 {
			cover += int(img.Pix[i])
		}
		for x := b.Max.X - 1; x >= b.Min.X; x-- {
			if img.Pix[img.PixOffset(x, b.Min.Y+1)+3] > 0 {
				return cover, x
			}
		}
		return cover, 0
	}
	regCover, regTop := ink("Heebo", 400, false)
	obCover, obTop := ink("Heebo", 400, true)
	require.Greater(t, obTop, regTop+3, "oblique leans right at the top")
	require.InDelta(t, regCover, obCover, float64(regCover)/10)
	bebas, _ := ink("BebasNeue", 400, false)
	bebasBold, _ := ink("BebasNeue", 700, false)
	require.Greater(t, bebasBold, bebas*11/10, "synthetic bold adds ink")
}
