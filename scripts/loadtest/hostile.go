package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeHostile writes the hostile scenario's request bodies into dir:
// each is refused or bounded by a limit of docs/RELIABILITY.md.
func writeHostile(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	image := func(data []byte) string {
		return `{"dimensions":{"width":800,"height":600},"layers":[{"index":0,"type":"image","file":{"type":"base64","base64":"` +
			base64.StdEncoding.EncodeToString(data) + `"},"position":{"x":0,"y":0},"dimensions":{"width":800,"height":600}}]}`
	}
	big := `"dimensions":{"width":8192,"height":6100}`
	grad := `{"index":0,"type":"gradient","gradient_type":"linear","colors":[{"hex_color":"#0F172A","position":0},{"hex_color":"#3B82F6","position":100}],"position":{"x":0,"y":0},"dimensions":{"width":8192,"height":6100}}`
	rot := `{"index":1,"type":"solid-color","hex_color":"#FF000080","rotation_in_degrees":45,"position":{"x":0,"y":0},"dimensions":{"width":16384,"height":12200}}`
	bodies := map[string]string{
		// 25 MB of junk posing as an image: read, decoded, refused (422).
		"junk-25mb.json": image(bytes.Repeat([]byte("not an image "), 25<<20/13*3/4)),
		// A 1-bit BMP declaring 100000×1000: over the side cap (422).
		"bmp-side.json": image(bmp1(100000, 1000)),
		// An SVG turbulence bomb: 1,000 octaves (422 from its bytes).
		"svg-octaves.json": image([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><filter id="f"><feTurbulence baseFrequency="0.05" numOctaves="1000"/></filter><rect width="800" height="600" filter="url(#f)"/></svg>`)),
		// The largest canvas with a rotated layer four canvases big, as
		// AVIF: about 2 GB, admitted alone by the memory budget.
		"largest-avif.json": `{` + big + `,"output_format":"avif","layers":[` + grad + `,` + rot + `]}`,
		// The largest canvas as PNG, twice concurrently in a run.
		"largest-png.json": `{` + big + `,"layers":[` + grad + `]}`,
		// 65,536 characters of text on the largest canvas.
		"text-64k.json": `{` + big + `,"layers":[` + grad + `,{"index":1,"type":"text","text":"` + strings.Repeat("word ", 13107) +
			`","font_name":"Inter","font_size_in_px":40,"text_color":"#FFFFFF","position":{"x":0,"y":0},"dimensions":{"width":8192,"height":6100}}]}`,
	}
	for name, body := range bodies {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// bmp1 is a 1-bit w×h BMP (rows of zero bits), 62 header bytes plus the
// rows, each padded to four bytes.
func bmp1(w, h int) []byte {
	row := (w + 31) / 32 * 4
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("BM")
	le(uint32(62 + row*h))
	le(uint32(0))
	le(uint32(62))
	le(uint32(40))
	le(int32(w))
	le(int32(h))
	le(uint16(1))
	le(uint16(1))
	le(uint32(0))
	le(uint32(row * h))
	le(int32(2835))
	le(int32(2835))
	le(uint32(2))
	le(uint32(0))
	le([]byte{0, 0, 0, 0, 255, 255, 255, 0})
	b.Write(make([]byte, row*h))
	if b.Len() != 62+row*h {
		panic(fmt.Sprint("bmp size ", b.Len()))
	}
	return b.Bytes()
}
