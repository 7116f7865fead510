package imaging

import (
	"bytes"
	"strconv"
)

// MaxSVGOctaves caps feTurbulence's numOctaves. librsvg computes every
// octave over the whole filter region in one call libvips cannot stop
// (its kill flag is checked between tiles, and the filter is one tile):
// measured about 90 ms per octave per megapixel, so a 200-byte SVG with
// 1,000 octaves held a core for 92 s. Each octave adds half the amplitude
// of the one before, so past 8 they change no 8-bit pixel; 10 leaves room.
const MaxSVGOctaves = 10

// svgOctaves returns the largest numOctaves attribute value in an SVG, and
// ok false when one is not a plain number (an entity, say), which could
// hide any value. It scans the bytes without parsing XML: the attribute is
// not a CSS property, so an attribute is the only way to set it.
func svgOctaves(data []byte) (largest float64, ok bool) {
	const name = "numOctaves"
	for {
		i := bytes.Index(data, []byte(name))
		if i < 0 {
			return largest, true
		}
		data = data[i+len(name):]
		rest := bytes.TrimLeft(data, " \t\r\n")
		if len(rest) == 0 || rest[0] != '=' {
			continue // text, or a longer name
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
			return largest, false
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return largest, false
		}
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(rest[1:1+end])), 64)
		if err != nil || v != v { // also NaN
			return largest, false
		}
		largest = max(largest, v)
		data = rest[1+end:]
	}
}
