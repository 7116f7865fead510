// Package typeset turns a text layer into pixels: the registry of bundled
// and custom fonts, face matching, markdown runs, OpenType shaping with
// bidi and per-character script fallback, Unicode line breaking,
// Chromium's line metrics, auto-scaling, colour emoji and anti-aliased
// glyph rasterising. See docs/TEXT.md for the decisions behind it.
//
// Shaping is HarfBuzz's (the system library through cgo, hbshape.go),
// not go-text's port: the port skipped GSUB/GPOS subtables with wide
// coverage (287 of 1422 shapings of the differential test differed,
// dropping kerning and medial Arabic forms; 0 differ with HarfBuzz), and
// HarfBuzz is 1.1–1.8× faster on a cache miss (BenchmarkShapeCold).
// go-text still parses fonts, segments, wraps and supplies outlines.
package typeset

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/vector"

	"github.com/strata-render/strata/pkg/lru"
)

// Registry holds the bundled font families (parsed lazily on first use
// and cached), the emoji font, custom fonts seen recently and the shaping
// and glyph caches. It is safe for concurrent use.
type Registry struct {
	dir      string
	families map[string]*family
	names    []string
	emoji    *source

	custom *lru.Cache[[32]byte, *source]
	sums   *lru.Cache[dataID, [32]byte]
	shaped *lru.Cache[shapeKey, *shapedLine]
	masks  *lru.Cache[maskKey, *mask]
	emojis *lru.Cache[maskKey, *mask]
	// sessions is a bounded free list rather than a sync.Pool: a session
	// holds faces and HarfBuzz fonts that are costly to rebuild, and a
	// sync.Pool drops them at every GC.
	sessions chan *session
}

// family is one bundled family: its static faces and, for families that
// ship one, a variable font.
type family struct {
	name     string
	faces    []*source
	variable *source
}

// source is one font file. It is parsed once, on first use; the parsed
// *font.Font is safe for concurrent use, the *font.Face values built on it
// are not and live in sessions.
type source struct {
	id       uint64
	name     string // family name, for messages
	path     string // bundled file, or "" for custom fonts
	size     int    // custom fonts: the SFNT size, the cache's cost
	weight   int
	italic   bool
	variable bool

	once sync.Once
	font *font.Font
	hb   *hbFace // the same font opened in HarfBuzz, which shapes it
	// lean: go-text parsed the font without its outlines, which come
	// from HarfBuzz (fontfile.go).
	lean bool
	err  error
}

var sourceIDs atomic.Uint64

// NewRegistry lists the fonts under assetsDir/fonts/<Family>/ and the
// emoji font at assetsDir/emoji/NotoColorEmoji.ttf. It parses nothing:
// faces are parsed on first use. Weight and style come from the file
// names (parseFileName), not the fonts' metadata (some Thin files claim
// weight 250). The family directories are listed in parallel (scanFamilies).
func NewRegistry(assetsDir string) (*Registry, error) {
	r := &Registry{
		dir:      assetsDir,
		families: map[string]*family{},
		custom:   lru.New[[32]byte, *source](256<<20, func(s *source) int64 { return int64(s.size) + 1 }),
		shaped:   lru.New[shapeKey, *shapedLine](32<<20, shapedCost),
		sums:     lru.New[dataID, [32]byte](256, nil),
		masks:    lru.New[maskKey, *mask](64<<20, maskCost),
		emojis:   lru.New[maskKey, *mask](32<<20, maskCost),
	}
	r.sessions = make(chan *session, max(4, 2*runtime.GOMAXPROCS(0)))
	fontsDir := filepath.Join(assetsDir, "fonts")
	dirs, err := os.ReadDir(fontsDir)
	if err != nil {
		return nil, fmt.Errorf("typeset: listing fonts (run scripts/setup.sh): %w", err)
	}
	fams, err := scanFamilies(fontsDir, dirs)
	if err != nil {
		return nil, err
	}
	for _, fam := range fams {
		if fam == nil {
			continue
		}
		r.families[normalizeName(fam.name)] = fam
		r.names = append(r.names, fam.name)
	}
	sort.Strings(r.names)
	if _, ok := r.families[normalizeName(defaultFamily)]; !ok {
		return nil, fmt.Errorf("typeset: the default family %s is missing under %s (run scripts/setup.sh)", defaultFamily, fontsDir)
	}
	emoji := filepath.Join(assetsDir, "emoji", "NotoColorEmoji.ttf")
	if _, err := os.Stat(emoji); err == nil {
		r.emoji = newSource("NotoColorEmoji", emoji, 400, false)
	}
	return r, nil
}

// scanFamilies lists the family directories dirs of fontsDir in
// GOMAXPROCS goroutines (the listing is one open and getdents per family,
// 155 of them, the bulk of NewRegistry): fams[i] is dirs[i]'s family, nil
// for an entry that is not a directory or holds no face. The error is the
// first in dirs' order.
func scanFamilies(fontsDir string, dirs []os.DirEntry) ([]*family, error) {
	fams := make([]*family, len(dirs))
	errs := make([]error, len(dirs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(dirs)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(dirs); i = int(next.Add(1) - 1) {
				fams[i], errs[i] = scanFamily(fontsDir, dirs[i])
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return fams, nil
}

// scanFamily reads one family directory: its static faces in file-name
// order and its variable font (<Family>-Variable.ttf); nil when d is not a
// directory or holds neither.
func scanFamily(fontsDir string, d os.DirEntry) (*family, error) {
	if !d.IsDir() {
		return nil, nil
	}
	dir := filepath.Join(fontsDir, d.Name())
	names, err := readDirNames(dir)
	if err != nil {
		return nil, fmt.Errorf("typeset: listing %s: %w", d.Name(), err)
	}
	fam := &family{name: d.Name()}
	for _, name := range names {
		path := dir + string(filepath.Separator) + name
		if name == d.Name()+"-Variable.ttf" {
			fam.variable = newSource(d.Name(), path, 400, false)
			fam.variable.variable = true
			continue
		}
		if w, italic, ok := parseFileName(name); ok {
			fam.faces = append(fam.faces, newSource(d.Name(), path, w, italic))
		}
	}
	if len(fam.faces) == 0 && fam.variable == nil {
		return nil, nil
	}
	return fam, nil
}

// readDirNames is the sorted names in dir, as os.ReadDir sorts them,
// without the DirEntry values it builds.
func readDirNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

// parseFileName reads weight and style from an expo-google-fonts file
// name, <anything>_<3 digits><letters>[_Italic].ttf: Inter_700Bold.ttf,
// Lora_400Regular_Italic.ttf. ok is false for any other name. (It takes
// what the regular expression ^.+_(\d{3})[A-Za-z]+(_Italic)?\.ttf$ took,
// a tenth of start-up: TestParseFileNameLikeTheRegexp.)
func parseFileName(name string) (weight int, italic, ok bool) {
	rest, found := strings.CutSuffix(name, ".ttf")
	if !found {
		return 0, false, false
	}
	rest, italic = strings.CutSuffix(rest, "_Italic")
	us := strings.LastIndexByte(rest, '_')
	if us < 1 || strings.IndexByte(rest[:us], '\n') >= 0 {
		return 0, false, false // ".+" is one character at least, and no newline
	}
	tail := rest[us+1:]
	if len(tail) < 4 {
		return 0, false, false
	}
	for _, c := range []byte(tail[:3]) {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		weight = weight*10 + int(c-'0')
	}
	for _, c := range []byte(tail[3:]) {
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return 0, false, false
		}
	}
	return weight, italic, true
}

func newSource(name, path string, weight int, italic bool) *source {
	return &source{id: sourceIDs.Add(1), name: name, path: path, weight: weight, italic: italic}
}

// Families returns the bundled family names, sorted.
func (r *Registry) Families() []string {
	return append([]string(nil), r.names...)
}

// load parses the source once. Parsers can panic on hostile input; the
// panic becomes an error.
func (s *source) load() (*font.Font, error) {
	s.once.Do(func() { s.open(true) })
	return s.font, s.err
}

// open maps the file (fontfile.go: go-text copies the tables it parses,
// HarfBuzz reads the mapping itself) and parses it, without the layout
// tables (HarfBuzz's) and lean when allowed and the font qualifies; not
// allowed, go-text parses every table (the tests' reference, and its own
// shaper's input).
func (s *source) open(allowLean bool) {
	data, err := mapFile(s.path)
	if err != nil {
		s.err = err
		return
	}
	tables, err := tableDirectory(data)
	s.lean = allowLean && err == nil && tables.lean(data)
	s.font, s.err = parseFont(newView(data, hiddenTables(allowLean, s.lean)...))
	if s.err == nil {
		s.hb, s.err = newHBFace(data, false)
	}
	if s.err == nil && s.lean {
		s.hb.lean, s.hb.upem = true, int32(s.font.Upem())
		s.hb.bitmaps = newColorBitmaps(data, tables, s.font.Upem())
	}
}

// hiddenTables are the tables go-text's parser is not shown (newView):
// none for a full open (the tests' reference), the layout tables for
// every other, the glyph data too for a lean one.
func hiddenTables(allowLean, lean bool) [][]string {
	switch {
	case lean:
		return [][]string{layoutTables, glyphTables}
	case allowLean:
		return [][]string{layoutTables}
	}
	return nil
}

// parseFont parses one SFNT font, turning parser panics into errors.
func parseFont(res font.Resource) (f *font.Font, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("font parser panicked: %v", p)
		}
	}()
	face, err := font.ParseTTF(res)
	if err != nil {
		return nil, err
	}
	return face.Font, nil
}

// session is the per-goroutine state of shaping and drawing: the line
// wrapper, the rasteriser and the go-text faces (glyph extents and
// outlines). *font.Face is not safe for concurrent use, so each session
// owns its faces; the registry pools sessions.
type session struct {
	wrap   shaping.LineWrapper
	raster vector.Rasterizer
	faces  map[*font.Font]*sessionFace
	ops    []paintOp // paint's scratch, kept between uses
}

type sessionFace struct {
	face *font.Face
	wght float32
	vars string
}

// face returns the session's face for a loaded font source, with the
// variable-font weight set.
func (s *session) face(ref faceRef) *font.Face {
	f := ref.src.font
	sf := s.faces[f]
	if sf == nil {
		sf = &sessionFace{face: font.NewFace(f)}
		s.faces[f] = sf
	}
	if sf.wght != ref.wght || sf.vars != ref.vars {
		if vs := variations(ref); len(vs) == 0 {
			sf.face.SetCoords(nil)
		} else {
			sf.face.SetVariations(vs)
		}
		sf.wght, sf.vars = ref.wght, ref.vars
	}
	return sf.face
}

// bitmapPNG is a colour bitmap glyph's PNG data: go-text's, or read from
// the mapping for a lean source.
func (s *session) bitmapPNG(ref faceRef, gid font.GID) ([]byte, bool) {
	if ref.src.lean {
		if b := ref.src.hb.bitmaps; b != nil {
			_, png, ok := b.glyph(gid)
			return png, ok
		}
		return nil, false
	}
	bm, ok := s.face(ref).GlyphDataBitmap(gid)
	return bm.Data, ok && bm.Format == font.PNG
}

// outline is a glyph's outline in font units: go-text's, or HarfBuzz's
// for a lean source.
func (s *session) outline(ref faceRef, gid uint32) (font.GlyphOutline, bool) {
	if ref.src.lean {
		return ref.src.hb.outline(font.GID(gid), ref.src.hb.upem)
	}
	o, ok := s.face(ref).GlyphData(font.GID(gid)).(font.GlyphOutline)
	return o, ok
}

func (r *Registry) session() *session {
	select {
	case s := <-r.sessions:
		return s
	default:
		return &session{faces: map[*font.Font]*sessionFace{}}
	}
}

func (r *Registry) release(s *session) {
	select {
	case r.sessions <- s:
	default:
	}
}
