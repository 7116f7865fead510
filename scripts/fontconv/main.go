// Command fontconv turns web fonts (WOFF2, WOFF) into plain SFNT (TTF/OTF)
// files for the assets dir, and checks that go-text can read a font.
//
// Usage:
//
//	fontconv -o OUT.ttf IN.woff2
//	    Convert IN to SFNT and write OUT (atomically). The result is parsed
//	    back with go-text before it is written. (Merging unicode-range subsets
//	    such as latin + latin-ext is not supported: tdewolff/font's Merge
//	    refuses subsets that share code points through composite glyphs.)
//	fontconv check FILE [RUNE ...]
//	    Parse FILE with go-text and print its glyph count, variation axes,
//	    colour tables and, for each rune given as U+XXXX, the kind of glyph
//	    data go-text returns (outline, bitmap, color, svg).
//
// It is a build tool of scripts/setup.sh, not part of the service.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	gotext "github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/font/opentype/tables"
	"github.com/tdewolff/font"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "fontconv:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "check" {
		if len(args) < 2 {
			return errors.New("usage: fontconv check FILE [U+XXXX ...]")
		}
		return check(stdout, args[1], args[2:])
	}
	fs := flag.NewFlagSet("fontconv", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "output SFNT file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("usage: fontconv -o OUT.ttf IN.woff2")
	}
	if fs.NArg() != 1 {
		return errors.New("usage: fontconv -o OUT.ttf IN.woff2")
	}
	b, err := toSFNT(fs.Arg(0))
	if err != nil {
		return err
	}
	if _, err := parse(b); err != nil {
		return fmt.Errorf("%s: converted font does not load: %w", *out, err)
	}
	return writeAtomic(*out, b)
}

func toSFNT(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := font.ToSFNT(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func parse(b []byte) (*gotext.Face, error) {
	return gotext.ParseTTF(bytes.NewReader(b))
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".fontconv-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func check(w io.Writer, path string, runes []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ld, err := ot.NewLoader(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	face, err := parse(b)
	if err != nil {
		return fmt.Errorf("%s: go-text cannot load it: %w", path, err)
	}
	var colour []string
	for _, t := range []string{"COLR", "CPAL", "CBDT", "CBLC", "sbix", "SVG "} {
		if ld.HasTable(ot.MustNewTag(t)) {
			colour = append(colour, strings.TrimSpace(t))
		}
	}
	if face.COLR != nil {
		colour = append(colour, "(COLRv1 parsed)")
	}
	var axes []string
	if raw, err := ld.RawTable(ot.MustNewTag("fvar")); err == nil {
		if fvar, _, err := tables.ParseFvar(raw); err == nil {
			for _, a := range fvar.FvarRecords.Axis {
				axes = append(axes, fmt.Sprintf("%s %g..%g", a.Tag, a.Minimum, a.Maximum))
			}
		}
	}
	fmt.Fprintf(w, "%s: loads in go-text; tables %d; upem %d; axes [%s]; colour tables [%s]\n",
		path, len(ld.Tables()), face.Upem(), strings.Join(axes, ", "), strings.Join(colour, " "))
	for _, r := range runes {
		hex, ok := strings.CutPrefix(strings.ToUpper(r), "U+")
		v, err := strconv.ParseUint(hex, 16, 32)
		if !ok || err != nil {
			return fmt.Errorf("rune %q: want U+XXXX", r)
		}
		gid, ok := face.NominalGlyph(rune(v))
		if !ok {
			fmt.Fprintf(w, "  U+%04X: no glyph\n", v)
			continue
		}
		kind := "none"
		switch d := face.GlyphData(gid).(type) {
		case gotext.GlyphOutline:
			kind = fmt.Sprintf("outline (%d segments)", len(d.Segments))
		case gotext.GlyphBitmap:
			kind = fmt.Sprintf("bitmap %dx%d format %d", d.Width, d.Height, d.Format)
		case gotext.GlyphColor:
			kind = "color (COLR)"
		case gotext.GlyphSVG:
			kind = "svg"
		}
		fmt.Fprintf(w, "  U+%04X: glyph %d, %s\n", v, gid, kind)
	}
	return nil
}
