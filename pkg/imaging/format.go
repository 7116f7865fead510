package imaging

import (
	"bytes"
	"encoding/binary"
)

// Format is an input image format recognised by its leading bytes.
type Format string

// The accepted input formats (spec/API.md §5 image).
const (
	FormatUnknown Format = ""
	FormatPNG     Format = "png"
	FormatJPEG    Format = "jpeg"
	FormatGIF     Format = "gif"
	FormatWebP    Format = "webp"
	FormatTIFF    Format = "tiff"
	FormatHEIF    Format = "heif" // HEIC and AVIF: both load through libheif
	FormatBMP     Format = "bmp"
	FormatSVG     Format = "svg"
)

// heifBrands are the ISO-BMFF brands of HEIF and AVIF files.
var heifBrands = [][]byte{
	[]byte("heic"), []byte("heix"), []byte("hevc"), []byte("hevx"), []byte("heim"),
	[]byte("heis"), []byte("mif1"), []byte("msf1"), []byte("avif"), []byte("avis"),
}

// Sniff returns the format of data from its leading bytes. Only the formats
// of the contract are recognised; anything else (PDF, PSD, ...) is
// FormatUnknown and never reaches a decoder.
func Sniff(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return FormatJPEG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return FormatGIF
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return FormatWebP
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return FormatTIFF
	case bytes.HasPrefix(data, []byte("BM")) && len(data) >= 26:
		return FormatBMP
	case isHEIF(data):
		return FormatHEIF
	case isSVG(data):
		return FormatSVG
	}
	return FormatUnknown
}

// isHEIF checks for an ISO-BMFF "ftyp" box naming a HEIF or AVIF brand,
// either as the major brand or among the compatible brands.
func isHEIF(data []byte) bool {
	if len(data) < 16 || !bytes.Equal(data[4:8], []byte("ftyp")) {
		return false
	}
	size := int(binary.BigEndian.Uint32(data[:4]))
	if size < 16 || size > len(data) {
		size = min(len(data), 64)
	}
	for off := 8; off+4 <= size; off += 4 {
		if off == 12 { // minor version
			continue
		}
		for _, b := range heifBrands {
			if bytes.Equal(data[off:off+4], b) {
				return true
			}
		}
	}
	return false
}

// isSVG accepts text whose first element, after an optional BOM, XML
// declaration, comments and doctype, is <svg.
func isSVG(data []byte) bool {
	d := data[:min(len(data), 4096)]
	if bytes.IndexByte(d, 0) >= 0 {
		return false
	}
	d = bytes.TrimPrefix(d, []byte("\xef\xbb\xbf"))
	for {
		d = bytes.TrimLeft(d, " \t\r\n")
		switch {
		case bytes.HasPrefix(d, []byte("<?")):
			i := bytes.Index(d, []byte("?>"))
			if i < 0 {
				return false
			}
			d = d[i+2:]
		case bytes.HasPrefix(d, []byte("<!--")):
			i := bytes.Index(d, []byte("-->"))
			if i < 0 {
				return false
			}
			d = d[i+3:]
		case bytes.HasPrefix(d, []byte("<!")):
			i := bytes.IndexByte(d, '>')
			if i < 0 {
				return false
			}
			d = d[i+1:]
		default:
			return len(d) > 4 && bytes.EqualFold(d[:4], []byte("<svg")) &&
				(d[4] == ' ' || d[4] == '>' || d[4] == '\t' || d[4] == '\n' || d[4] == '\r' || d[4] == '/')
		}
	}
}

// gifScreen returns a GIF's logical screen size, which libvips allocates
// for every frame whatever the frames' own sizes.
func gifScreen(data []byte) (w, h int, ok bool) {
	if len(data) < 10 {
		return 0, 0, false
	}
	return int(binary.LittleEndian.Uint16(data[6:8])), int(binary.LittleEndian.Uint16(data[8:10])), true
}
