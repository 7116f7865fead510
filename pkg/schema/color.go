package schema

import (
	"errors"
	"image/color"
)

var errBadColor = errors.New("must be a hex colour: #RGB, #RRGGBB or #RRGGBBAA")

// ParseColor parses #RGB, #RRGGBB or #RRGGBBAA (case-insensitive) into a
// non-premultiplied colour.
func ParseColor(s string) (color.NRGBA, error) {
	if len(s) == 0 || s[0] != '#' {
		return color.NRGBA{}, errBadColor
	}
	h := s[1:]
	var digits [8]byte
	for i := 0; i < len(h) && i < len(digits); i++ {
		v, ok := hexDigit(h[i])
		if !ok {
			return color.NRGBA{}, errBadColor
		}
		digits[i] = v
	}
	switch len(h) {
	case 3:
		return color.NRGBA{digits[0] * 17, digits[1] * 17, digits[2] * 17, 255}, nil
	case 6:
		return color.NRGBA{digits[0]<<4 | digits[1], digits[2]<<4 | digits[3], digits[4]<<4 | digits[5], 255}, nil
	case 8:
		return color.NRGBA{digits[0]<<4 | digits[1], digits[2]<<4 | digits[3], digits[4]<<4 | digits[5], digits[6]<<4 | digits[7]}, nil
	}
	return color.NRGBA{}, errBadColor
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
