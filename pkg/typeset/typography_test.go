package typeset

import (
	"context"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// ink is the bounding box of the pixels of img with alpha at least half.
func ink(img *image.RGBA) image.Rectangle {
	var r image.Rectangle
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if img.Pix[img.PixOffset(x, y)+3] >= 128 {
				r = r.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return r
}

// bands are the ink bands of img, top to bottom (rows with ink
// separated by rows without).
func bands(img *image.RGBA) []image.Rectangle {
	var out []image.Rectangle
	open := false
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		row := image.Rectangle{}
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if img.Pix[img.PixOffset(x, y)+3] >= 128 {
				row = row.Union(image.Rect(x, y, x+1, y+1))
			}
		}
		switch {
		case row.Empty():
			open = false
		case open:
			out[len(out)-1] = out[len(out)-1].Union(row)
		default:
			out = append(out, row)
			open = true
		}
	}
	return out
}

// mod returns a modified copy of a text layer.
func mod(tx *schema.Text, f func(*schema.Text)) *schema.Text {
	c := *tx
	f(&c)
	return &c
}

func drawnText(t *testing.T, tx *schema.Text, w, h int) *image.RGBA {
	t.Helper()
	img, err := testRegistry(t).Draw(context.Background(), tx, nil, w, h)
	require.NoError(t, err)
	return img
}

func TestLineHeight(t *testing.T) {
	base := text("one two three four five six", "Inter", 20)
	normal := bands(drawnText(t, base, 120, 300))
	tall := bands(drawnText(t, mod(base, func(x *schema.Text) { x.LineHeight = 2 }), 120, 300))
	require.Len(t, normal, len(tall))
	require.GreaterOrEqual(t, len(tall), 3)
	// Line pitch is exactly 2 × 20 px with line_height 2.
	for i := 1; i < len(tall); i++ {
		require.InDelta(t, 40, tall[i].Max.Y-tall[i-1].Max.Y, 1, "pitch of line %d", i)
	}
	require.Less(t, normal[1].Max.Y-normal[0].Max.Y, 30)
}

func TestLetterSpacing(t *testing.T) {
	base := text("spacing", "Inter", 30)
	plain := ink(drawnText(t, base, 400, 60))
	wide := ink(drawnText(t, mod(base, func(x *schema.Text) { x.LetterSpacing = 5 }), 400, 60))
	tight := ink(drawnText(t, mod(base, func(x *schema.Text) { x.LetterSpacing = -2 }), 400, 60))
	// Six gaps between seven letters.
	require.InDelta(t, plain.Dx()+30, wide.Dx(), 1)
	require.InDelta(t, plain.Dx()-12, tight.Dx(), 1)
}

func TestMaxLines(t *testing.T) {
	long := text("one two three four five six seven eight nine ten", "Inter", 20)
	all := bands(drawnText(t, long, 120, 300))
	require.Greater(t, len(all), 2)
	clipped := drawnText(t, mod(long, func(x *schema.Text) { x.MaxLines = 2; x.Overflow = schema.OverflowClip }), 120, 300)
	ellipsis := drawnText(t, mod(long, func(x *schema.Text) { x.MaxLines = 2; x.Overflow = schema.OverflowEllipsis }), 120, 300)
	require.Len(t, bands(clipped), 2)
	require.Len(t, bands(ellipsis), 2)
	// The clipped lines are the first two lines as drawn unclamped.
	require.Equal(t, all[:2], bands(clipped))
	// The ellipsis line differs from the clipped one and stays in the box.
	require.NotEqual(t, bands(clipped)[1], bands(ellipsis)[1])
	require.LessOrEqual(t, bands(ellipsis)[1].Max.X, 120)

	// Right to left, the ellipsis is at the left end.
	heb := mod(text("שלום עולם זה טקסט ארוך בעברית שלא נגמר", "Heebo", 20), func(x *schema.Text) { x.MaxLines = 1; x.Align = schema.AlignRight })
	one := bands(drawnText(t, heb, 150, 200))
	require.Len(t, one, 1)

	// Shrink first, then clamp: auto-scale finds a size at which two
	// lines hold the text when there is one.
	auto := mod(long, func(x *schema.Text) { x.MaxLines = 2; x.AutoScale = true })
	b := bands(drawnText(t, auto, 200, 300))
	require.Len(t, b, 2)
	m := mod(auto, func(x *schema.Text) { x.Overflow = schema.OverflowClip })
	require.Equal(t, drawnText(t, auto, 200, 300).Pix, drawnText(t, m, 200, 300).Pix, "nothing was cut, so no ellipsis")
}

func TestTextTransform(t *testing.T) {
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	runes := func(tx *schema.Text) string {
		var b strings.Builder
		for _, p := range r.shapeText(ss, nil, tx) {
			for _, l := range p {
				b.WriteString(string(l.runes))
			}
		}
		return b.String()
	}
	for _, tc := range []struct {
		in   string
		tr   schema.Transform
		lang string
		want string
	}{
		{"hello world", schema.TransformUppercase, "", "HELLO WORLD"},
		{"istanbul", schema.TransformUppercase, "tr", "İSTANBUL"},
		{"istanbul", schema.TransformUppercase, "", "ISTANBUL"},
		{"HELLO World", schema.TransformLowercase, "", "hello world"},
		{"the mcDonald ärzte", schema.TransformCapitalize, "", "The McDonald Ärzte"},
		{"straße **fett**", schema.TransformUppercase, "de", "STRASSE FETT"},
	} {
		got := runes(mod(text(tc.in, "Inter", 20), func(x *schema.Text) { x.Transform = tc.tr; x.Lang = tc.lang }))
		require.Equal(t, tc.want, got, "%s %s %q", tc.tr, tc.lang, tc.in)
	}
}

func TestDecorations(t *testing.T) {
	base := text("acme", "Inter", 40) // no descenders: an underline is its own band
	plain := bands(drawnText(t, base, 200, 80))
	under := bands(drawnText(t, mod(base, func(x *schema.Text) { x.Underline = true }), 200, 80))
	require.Len(t, plain, 1)
	require.Len(t, under, 2, "text, then its underline below the baseline")
	require.Greater(t, under[1].Min.Y, plain[0].Max.Y)
	// Line-through stays inside the text's band but covers the gaps.
	strike := bands(drawnText(t, mod(base, func(x *schema.Text) { x.LineThrough = true }), 200, 80))
	require.Len(t, strike, 1)
	require.Equal(t, plain[0].Min.Y, strike[0].Min.Y)
	require.Equal(t, plain[0].Max.Y, strike[0].Max.Y)
	require.Greater(t, strike[0].Dx(), plain[0].Dx(), "the line spans the advances, side bearings included")
	// Markdown ~~strike~~ decorates only its span, and keeps the markers out.
	md := drawnText(t, text("ab ~~cd~~", "Inter", 40), 300, 80)
	nomd := drawnText(t, text("ab cd", "Inter", 40), 300, 80)
	a, b := ink(nomd), ink(md)
	require.Equal(t, a.Min, b.Min, "the ~~ markers are not drawn")
	require.Equal(t, a.Max.Y, b.Max.Y)
	require.InDelta(t, a.Max.X, b.Max.X, 4, "the line ends at the span's last advance")
	require.NotEqual(t, nomd.Pix, md.Pix)
}

func TestTextStroke(t *testing.T) {
	base := text("Ho", "Inter", 60)
	plain := ink(drawnText(t, base, 200, 100))
	red := color.NRGBA{R: 255, A: 255}
	st := drawnText(t, mod(base, func(x *schema.Text) { x.Stroke = &schema.TextStroke{Width: 6, Color: red} }), 200, 100)
	// The stroke is centred on the outline: ink grows by half its width.
	require.InDelta(t, plain.Dx()+6, ink(st).Dx(), 1)
	require.InDelta(t, plain.Dy()+6, ink(st).Dy(), 1)
	// Stroke pixels are the stroke colour; deep inside the H's stem is the fill.
	redSeen := false
	for i := 0; i < len(st.Pix); i += 4 {
		if st.Pix[i] == 255 && st.Pix[i+3] == 255 && st.Pix[i+1] == 0 {
			redSeen = true
			break
		}
	}
	require.True(t, redSeen)
}

func TestFontFeaturesAndVariations(t *testing.T) {
	digits := text("1111", "Inter", 40)
	prop := ink(drawnText(t, digits, 300, 60))
	tab := ink(drawnText(t, mod(digits, func(x *schema.Text) { x.Features = []schema.FontSetting{{Tag: "tnum", Value: 1}} }), 300, 60))
	require.Greater(t, tab.Dx(), prop.Dx()+10, "tabular ones are wider")

	flex := text("Condensed", "RobotoFlex", 40)
	normal := ink(drawnText(t, flex, 400, 60))
	narrow := ink(drawnText(t, mod(flex, func(x *schema.Text) { x.Variations = []schema.FontSetting{{Tag: "wdth", Value: 25}} }), 400, 60))
	require.Less(t, narrow.Dx(), normal.Dx()*93/100, "wdth 25 is condensed (HarfBuzz: 178 against 202 px of advance): %v against %v", narrow, normal)
}

func TestLangHan(t *testing.T) {
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	face := func(lang string) string {
		sl := r.shapeText(ss, nil, mod(text("骨", "Inter", 20), func(x *schema.Text) { x.Lang = lang }))[0][0]
		return sl.refs[0].src.name
	}
	require.Equal(t, "NotoSansSC", face(""))
	require.Equal(t, "NotoSansTC", face("zh-Hant"))
	require.Equal(t, "NotoSansJP", face("ja"))
	require.Equal(t, "NotoSansKR", face("ko"))
}

// TestLangLocalForms: lang reaches the shaper, which applies the font's
// locl forms: Noto Sans draws Serbian б (sr, sr-Cyrl) with its own glyph,
// Russian with the default one.
func TestLangLocalForms(t *testing.T) {
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	glyph := func(lang string) uint32 {
		sl := r.shapeText(ss, nil, mod(text("б", "NotoSans", 20), func(x *schema.Text) { x.Lang = lang }))[0][0]
		return uint32(sl.runs[0].Glyphs[0].GlyphID)
	}
	def := glyph("")
	require.Equal(t, def, glyph("ru"))
	require.NotEqual(t, def, glyph("sr"), "Serbian б is a locl form")
	require.Equal(t, glyph("sr"), glyph("sr-Cyrl"))
}
