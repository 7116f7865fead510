package fetch

import (
	"bytes"
	"encoding/binary"
	"net/http"
)

// Sniff names the media type of b from its leading bytes. It knows the
// image formats the image layer accepts (spec/API.md §5 image) that
// http.DetectContentType does not — AVIF and HEIF (ISO-BMFF "ftyp" brands),
// TIFF, SVG — checks BMP and WebP explicitly, and otherwise defers to
// http.DetectContentType (PNG, JPEG, GIF, …; "application/octet-stream"
// when nothing matches).
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "image/tiff"
	case len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP")):
		return "image/webp"
	case len(b) >= 14 && bytes.HasPrefix(b, []byte("BM")):
		return "image/bmp"
	}
	if t := sniffFtyp(b); t != "" {
		return t
	}
	if isSVG(b) {
		return "image/svg+xml"
	}
	return http.DetectContentType(b)
}

// sniffFtyp reads an ISO base media file's leading "ftyp" box and names
// AVIF (brands avif, avis) or HEIF (heic, heix, mif1, …). Other ftyp files
// (MP4 video) return "".
func sniffFtyp(b []byte) string {
	if len(b) < 16 || !bytes.Equal(b[4:8], []byte("ftyp")) {
		return ""
	}
	size := int(binary.BigEndian.Uint32(b[:4]))
	if size < 16 || size > len(b) {
		size = len(b)
	}
	brands := [][]byte{b[8:12]} // major brand, then compatible brands after the minor version
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, b[i:i+4])
	}
	heif := false
	for _, br := range brands {
		switch string(br) {
		case "avif", "avis":
			return "image/avif"
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			heif = true
		}
	}
	if heif {
		return "image/heif"
	}
	return ""
}

// svgScanLimit bounds how far isSVG looks for the root element past an XML
// prolog, comments and a doctype.
const svgScanLimit = 8 << 10

// isSVG reports whether b is an XML document whose root element is <svg>.
func isSVG(b []byte) bool {
	b = b[:min(len(b), svgScanLimit)]
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		switch {
		case hasPrefixFold(b, "<?xml"):
			b = skipPast(b, "?>")
		case hasPrefixFold(b, "<!--"):
			b = skipPast(b, "-->")
		case hasPrefixFold(b, "<!doctype"):
			b = skipPast(b, ">")
		case hasPrefixFold(b, "<svg"):
			if len(b) == 4 {
				return false
			}
			switch b[4] {
			case ' ', '\t', '\r', '\n', '>', '/':
				return true
			}
			return false
		default:
			return false
		}
		if b == nil {
			return false
		}
	}
}

// skipPast returns b after the first occurrence of end, or nil.
func skipPast(b []byte, end string) []byte {
	i := bytes.Index(b, []byte(end))
	if i < 0 {
		return nil
	}
	return b[i+len(end):]
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}
