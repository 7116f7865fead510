package typeset

import (
	"github.com/go-text/typesetting/language"
)

// scriptFamilies is the fallback order per script: the bundled families
// that cover it, best first. Han prefers Simplified Chinese unless the
// paragraph has kana (Japanese) or Hangul (Korean); see hanOrder. The
// Noto families after Katakana come from Debian's fonts-noto-core (regular
// and, where the family has one, bold); docs/TEXT.md has the table.
var scriptFamilies = map[language.Script][]string{
	language.Arabic:              {"NotoSansArabic", "Cairo"},
	language.Hebrew:              {"Heebo", "Assistant", "Rubik"},
	language.Thai:                {"Kanit", "Prompt"},
	language.Devanagari:          {"Hind", "Mukta", "Poppins"},
	language.Bengali:             {"HindSiliguri"},
	language.Telugu:              {"NotoSansTelugu", "AnekTelugu", "Ramabhadra"},
	language.Hangul:              {"NotoSansKR", "NanumGothic"},
	language.Hiragana:            {"NotoSansJP", "MPLUSRounded1c", "NotoSansSC"},
	language.Katakana:            {"NotoSansJP", "MPLUSRounded1c", "NotoSansSC"},
	language.Armenian:            {"NotoSansArmenian"},
	language.Georgian:            {"NotoSansGeorgian"},
	language.Gurmukhi:            {"NotoSansGurmukhi"},
	language.Gujarati:            {"NotoSansGujarati"},
	language.Oriya:               {"NotoSansOriya"},
	language.Tamil:               {"NotoSansTamil"},
	language.Kannada:             {"NotoSansKannada"},
	language.Malayalam:           {"NotoSansMalayalam"},
	language.Sinhala:             {"NotoSansSinhala"},
	language.Lao:                 {"NotoSansLao"},
	language.Myanmar:             {"NotoSansMyanmar"},
	language.Khmer:               {"NotoSansKhmer"},
	language.Tibetan:             {"NotoSerifTibetan"},
	language.Ethiopic:            {"NotoSansEthiopic"},
	language.Syriac:              {"NotoSansSyriac"},
	language.Thaana:              {"NotoSansThaana"},
	language.Nko:                 {"NotoSansNKo"},
	language.Mongolian:           {"NotoSansMongolian"},
	language.Cherokee:            {"NotoSansCherokee"},
	language.Canadian_Aboriginal: {"NotoSansCanadianAboriginal"},
	language.Yi:                  {"NotoSansYi"},
	language.Javanese:            {"NotoSansJavanese"},
	language.Tifinagh:            {"NotoSansTifinagh"},
	language.Adlam:               {"NotoSansAdlam"},
	language.Balinese:            {"NotoSansBalinese"},
	language.Sundanese:           {"NotoSansSundanese"},
	language.Cham:                {"NotoSansCham"},
	language.Ol_Chiki:            {"NotoSansOlChiki"},
	language.Meetei_Mayek:        {"NotoSansMeeteiMayek"},
	language.Vai:                 {"NotoSansVai"},
	language.Bamum:               {"NotoSansBamum"},
	language.Tai_Tham:            {"NotoSansTaiTham"},
	language.Tai_Viet:            {"NotoSansTaiViet"},
	language.New_Tai_Lue:         {"NotoSansNewTaiLue"},
	language.Tai_Le:              {"NotoSansTaiLe"},
	language.Lisu:                {"NotoSansLisu"},
	language.Hanifi_Rohingya:     {"NotoSansHanifiRohingya"},
	language.Kayah_Li:            {"NotoSansKayahLi"},
	language.Chakma:              {"NotoSansChakma"},
	language.Saurashtra:          {"NotoSansSaurashtra"},
	language.Limbu:               {"NotoSansLimbu"},
	language.Lepcha:              {"NotoSansLepcha"},
	language.Buginese:            {"NotoSansBuginese"},
	language.Osage:               {"NotoSansOsage"},
	language.Syloti_Nagri:        {"NotoSansSylotiNagri"},
	language.Batak:               {"NotoSansBatak"},
	language.Mandaic:             {"NotoSansMandaic"},
	language.Wancho:              {"NotoSansWancho"},
	language.Pahawh_Hmong:        {"NotoSansPahawhHmong"},
	language.Miao:                {"NotoSansMiao"},
	language.Mende_Kikakui:       {"NotoSansMendeKikakui"},
	language.Bassa_Vah:           {"NotoSansBassaVah"},
	language.Newa:                {"NotoSansNewa"},
}

// generalFamilies are tried for any script after the script's own list:
// broad-coverage Latin/Greek/Cyrillic faces first, then the CJK faces
// (which also carry many symbols), then Noto's symbol and maths faces.
var generalFamilies = []string{"Inter", "NotoSans", "Roboto", "NotoSansSC", "NotoSansJP", "NotoSansKR", "NotoSansTC",
	"NotoSansSymbols", "NotoSansSymbols2", "NotoSansMath"}

// hanOrder is the Han fallback order for a paragraph hint.
func hanOrder(hint language.Script) []string {
	switch hint {
	case language.Hiragana, language.Katakana:
		return []string{"NotoSansJP", "NotoSansSC", "NotoSansTC", "NotoSansKR"}
	case language.Hangul:
		return []string{"NotoSansKR", "NotoSansSC", "NotoSansJP", "NotoSansTC"}
	case language.Bopomofo: // traditional Chinese (lang zh-Hant, see hanHintFor)
		return []string{"NotoSansTC", "NotoSansSC", "NotoSansJP", "NotoSansKR"}
	}
	return []string{"NotoSansSC", "NotoSansJP", "NotoSansTC", "NotoSansKR"}
}

// hanHint looks for kana or Hangul in a line: they decide which CJK
// face draws its Han characters.
func hanHint(runes []rune) language.Script {
	for _, r := range runes {
		switch s := language.LookupScript(r); s {
		case language.Hiragana, language.Katakana, language.Hangul:
			return s
		}
	}
	return language.Han
}

// covers reports whether the face has a glyph for every rune of the
// cluster that needs one (default-ignorables and joiners don't).
func covers(ref faceRef, cluster []rune) bool {
	f, err := ref.src.load()
	if err != nil {
		return false
	}
	for _, r := range cluster {
		if !drawn(r) {
			continue
		}
		if _, ok := f.NominalGlyph(r); !ok {
			return false
		}
	}
	return true
}

// fallbacks resolves the face of each grapheme cluster: the colour emoji
// font for emoji clusters, else the requested face if it covers the
// cluster, else the first bundled face covering it from the script's
// list and then the general list (same weight and style as requested),
// else the emoji font, else the requested face (tofu is the last resort).
type fallbacks struct {
	r      *Registry
	set    *FontSet
	weight int
	italic bool
	hint   language.Script
	memo   map[fallbackKey]faceRef
}

type fallbackKey struct {
	primary faceRef
	cluster string
}

func (fb *fallbacks) resolve(primary faceRef, cluster []rune) faceRef {
	if isEmojiCluster(cluster) && fb.r.emoji != nil {
		em := faceRef{src: fb.r.emoji}
		if covers(em, cluster[:1]) {
			return em
		}
	}
	if covers(primary, cluster) {
		return primary
	}
	key := fallbackKey{primary: primary, cluster: string(cluster)}
	if ref, ok := fb.memo[key]; ok {
		return ref
	}
	ref := fb.search(primary, cluster)
	if fb.memo == nil {
		fb.memo = map[fallbackKey]faceRef{}
	}
	fb.memo[key] = ref
	return ref
}

func (fb *fallbacks) search(primary faceRef, cluster []rune) faceRef {
	script := language.LookupScript(cluster[0])
	var order []string
	if script == language.Han {
		order = hanOrder(fb.hint)
	} else {
		order = scriptFamilies[script]
	}
	w, it := fb.weight, fb.italic
	if primary.src != nil {
		// Follow the run's weight: markdown bold asks for a heavier face.
		w = primary.src.weight
		if primary.wght != 0 {
			w = int(primary.wght)
		}
		if primary.bold {
			w = max(w, 700)
		}
		it = primary.src.italic || primary.oblique
	}
	for _, list := range [][]string{order, generalFamilies} {
		for _, name := range list {
			faces, variable, ok := fb.r.candidates(nil, name)
			if !ok {
				continue
			}
			ref := matchFaces(faces, variable, w, it)
			if ref.src != nil && covers(ref, cluster) {
				return ref
			}
		}
	}
	if fb.r.emoji != nil {
		em := faceRef{src: fb.r.emoji}
		if covers(em, cluster) {
			return em
		}
	}
	return primary
}
