package typeset

import (
	"context"
	"fmt"
	"image"
	"image/draw"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-text/typesetting/language"
	"github.com/stretchr/testify/require"
)

// scriptSamples is one line per covered script and the family expected to
// draw its letters under Inter (the default family). docs/TEXT.md's
// coverage table lists the same faces.
var scriptSamples = []struct {
	script string
	text   string
	face   string
}{
	{"Latin", "Hello, wide world", "Inter"},
	{"Greek", "Καλημέρα κόσμε", "Inter"},
	{"Cyrillic", "Привет, мир", "Inter"},
	{"Armenian", "Բարեւ աշխարհ", "NotoSansArmenian"},
	{"Georgian", "გამარჯობა მსოფლიო", "NotoSansGeorgian"},
	{"Hebrew", "שלום עולם", "Heebo"},
	{"Arabic", "مرحبا بالعالم", "NotoSansArabic"},
	{"Urdu", "ہیلو دنیا", "NotoSansArabic"},
	{"Syriac", "ܫܠܡܐ ܥܠܡܐ", "NotoSansSyriac"},
	{"Thaana", "ހެލޯ ދުނިޔެ", "NotoSansThaana"},
	{"N'Ko", "ߒߞߏ ߞߊ߲ߞߊ߲", "NotoSansNKo"},
	{"Devanagari", "नमस्ते दुनिया", "Hind"},
	{"Bengali", "হ্যালো বিশ্ব", "HindSiliguri"},
	{"Gurmukhi", "ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ", "NotoSansGurmukhi"},
	{"Gujarati", "નમસ્તે દુનિયા", "NotoSansGujarati"},
	{"Odia", "ନମସ୍କାର ବିଶ୍ୱ", "NotoSansOriya"},
	{"Tamil", "வணக்கம் உலகம்", "NotoSansTamil"},
	{"Telugu", "నమస్కారం ప్రపంచం", "NotoSansTelugu"},
	{"Kannada", "ನಮಸ್ಕಾರ ಜಗತ್ತು", "NotoSansKannada"},
	{"Malayalam", "നമസ്കാരം ലോകം", "NotoSansMalayalam"},
	{"Sinhala", "ආයුබෝවන් ලෝකය", "NotoSansSinhala"},
	{"Thai", "สวัสดีชาวโลก", "Kanit"},
	{"Lao", "ສະບາຍດີໂລກ", "NotoSansLao"},
	{"Myanmar", "မင်္ဂလာပါ ကမ္ဘာ", "NotoSansMyanmar"},
	{"Khmer", "សួស្តី ពិភពលោក", "NotoSansKhmer"},
	{"Tibetan", "བཀྲ་ཤིས་བདེ་ལེགས།", "NotoSerifTibetan"},
	{"Ethiopic", "ሰላም ለዓለም", "NotoSansEthiopic"},
	{"Mongolian", "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ", "NotoSansMongolian"},
	{"Cherokee", "ᎣᏏᏲ ᎡᎶᎯ", "NotoSansCherokee"},
	{"Canadian syllabics", "ᐊᐃᓐᖓᐃ ᓄᓇ", "NotoSansCanadianAboriginal"},
	{"Yi", "ꆈꌠꁱꂷ", "NotoSansYi"},
	{"Javanese", "ꦲꦭꦺꦴ ꦢꦺꦴꦚ", "NotoSansJavanese"},
	{"Tifinagh", "ⴰⵣⵓⵍ ⴰⵎⴰⴹⴰⵍ", "NotoSansTifinagh"},
	{"Adlam", "𞤀𞤣𞤤𞤢𞤥", "NotoSansAdlam"},
	{"Balinese", "ᬒᬁᬲ᭄ᬯᬲ᭄ᬢ᭄ᬬᬲ᭄ᬢᬸ", "NotoSansBalinese"},
	{"Sundanese", "ᮞᮙ᮪ᮕᮥᮛᮞᮥᮔ᮪", "NotoSansSundanese"},
	{"Cham", "ꨌꩌ ꨆꨗ", "NotoSansCham"},
	{"Ol Chiki", "ᱚᱞ ᱪᱤᱠᱤ", "NotoSansOlChiki"},
	{"Meetei Mayek", "ꯃꯤꯇꯩ ꯃꯌꯦꯛ", "NotoSansMeeteiMayek"},
	{"Vai", "ꕙꔤ ꕞꕌꖝ", "NotoSansVai"},
	{"Bamum", "ꚠꚡꚢꚣ", "NotoSansBamum"},
	{"Tai Tham", "ᨲᩫ᩠ᩅᨾᩮᩬᩥᨦ", "NotoSansTaiTham"},
	{"Tai Viet", "ꪼꪕꪒꪾ", "NotoSansTaiViet"},
	{"New Tai Lue", "ᦟᦲᧅᦷᦎᦺᦑᦟᦹᧉ", "NotoSansNewTaiLue"},
	{"Tai Le", "ᥖᥭᥰ ᥘᥫᥴ", "NotoSansTaiLe"},
	{"Lisu", "ꓡꓲ ꓢꓴ", "NotoSansLisu"},
	{"Hanifi Rohingya", "𐴌𐴗𐴥𐴝𐴙𐴚𐴒𐴙𐴝", "NotoSansHanifiRohingya"},
	{"Kayah Li", "ꤊꤢ꤬ꤛꤢ꤭", "NotoSansKayahLi"},
	{"Chakma", "𑄌𑄋𑄴𑄟𑄳𑄦", "NotoSansChakma"},
	{"Saurashtra", "ꢱꣃꢬꢵꢰ꣄ꢜ꣄ꢬ", "NotoSansSaurashtra"},
	{"Limbu", "ᤕᤠᤰᤌᤢᤱ", "NotoSansLimbu"},
	{"Lepcha", "ᰛᰩᰵᰛᰧᰵ", "NotoSansLepcha"},
	{"Buginese", "ᨅᨔ ᨕᨘᨁᨗ", "NotoSansBuginese"},
	{"Osage", "𐓏𐓘𐓻𐓘𐓻𐓟", "NotoSansOsage"},
	{"Syloti Nagri", "ꠍꠤꠟꠐꠤ", "NotoSansSylotiNagri"},
	{"Batak", "ᯅᯖᯂ᯲", "NotoSansBatak"},
	{"Mandaic", "ࡌࡀࡍࡃࡀࡉࡀ", "NotoSansMandaic"},
	{"Wancho", "𞋒𞋀𞋉𞋃", "NotoSansWancho"},
	{"Pahawh Hmong", "𖬌𖬣𖬵", "NotoSansPahawhHmong"},
	{"Miao", "𖼀𖽑𖼽", "NotoSansMiao"},
	{"Mende Kikakui", "𞠀𞠁𞠂", "NotoSansMendeKikakui"},
	{"Bassa Vah", "𖫐𖫑𖫒", "NotoSansBassaVah"},
	{"Newa", "𑐣𑐾𑐥𑐵𑐮", "NotoSansNewa"},
	{"Han (simplified)", "你好，世界", "NotoSansSC"},
	{"Japanese", "こんにちは世界", "NotoSansJP"},
	{"Hangul", "안녕하세요 세계", "NotoSansKR"},
	{"Symbols", "🜁🜂🜃🜄", "NotoSansSymbols"},
	{"Symbols 2", "🮕🮖 ⯑", "NotoSansSymbols2"},
}

// TestScriptCoverage draws a line of every covered script under Inter,
// regular and bold, and checks through MissingGlyphs (the render report's
// detector) that nothing is a "no glyph" box, that the script's letters
// come from the face in the coverage table (bold from its bold file when
// the family has one) and that the line has ink.
func TestScriptCoverage(t *testing.T) {
	r := testRegistry(t)
	ss := r.session()
	defer r.release(ss)
	sheet := image.NewRGBA(image.Rect(0, 0, 900, 40*len(scriptSamples)))
	draw.Draw(sheet, sheet.Rect, image.White, image.Point{}, draw.Src)
	for i, c := range scriptSamples {
		for _, w := range []int{400, 700} {
			t.Run(fmt.Sprintf("%s/%d", c.script, w), func(t *testing.T) {
				tx := text(c.text, "Inter", 28)
				tx.Weight = weightOf(w)
				missing, err := r.MissingGlyphs(context.Background(), tx, nil)
				require.NoError(t, err)
				require.Empty(t, missing, "missing glyphs: %q", string(missing))

				sl := r.shape(ss, textStyle(nil, tx), r.breakThai(splitParagraphs(tx.Text)[0].lines[0]))
				ref := sl.refs[sl.runIndex(firstLetter(sl.runes))]
				require.Equal(t, c.face, ref.src.name, "face of %q", c.text)
				if w == 700 && hasFile(r, c.face, 700) {
					require.Equal(t, 700, ref.src.weight, "bold face of %s", c.face)
				}
				img := drawText(t, r, tx, nil, 900, 40)
				require.False(t, inkBounds(img).Empty())
				if w == 400 {
					draw.Draw(sheet, image.Rect(0, 40*i, 900, 40*i+40), onWhite(img), image.Point{}, draw.Over)
				}
			})
		}
	}
	if dir := os.Getenv("STRATA_TEST_OUT"); dir != "" {
		writePNG(t, filepath.Join(dir, "scripts.png"), sheet)
	}
}

// TestMissingGlyphsReports checks that the detector does report what no
// bundled face draws (Linear A and Linear B), once each, in
// order, and nothing for ignorables and markdown markers.
func TestMissingGlyphsReports(t *testing.T) {
	r := testRegistry(t)
	for _, c := range []struct {
		text string
		want []rune
	}{
		{"plain **bold** text\u200d\ufe0f", nil},
		{"a \U00010600 b \U00010000 c \U00010600", []rune{0x10600, 0x10000}},
		{"வணக்கம் \U00010601", []rune{0x10601}},
	} {
		got, err := r.MissingGlyphs(context.Background(), text(c.text, "Inter", 20), nil)
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%q", c.text)
	}
}

// firstLetter is the index of the first rune of a real script (not
// Common or Inherited).
func firstLetter(runes []rune) int {
	for i, c := range runes {
		if s := language.LookupScript(c); s != language.Common && s != language.Inherited {
			return i
		}
	}
	return 0
}

// hasFile reports whether a bundled family has a static face of weight w.
func hasFile(r *Registry, family string, w int) bool {
	faces, _, _ := r.candidates(nil, family)
	for _, f := range faces {
		if f.weight == w {
			return true
		}
	}
	return false
}
