package imaging

import "bytes"

// MaxJPEGScans caps the scans of a JPEG. Every progressive scan is a pass
// over the whole image's coefficients inside libjpeg, which cannot be
// interrupted: 1,000 scans of a 100 MP image took 8-12 s of CPU and 20,000
// held a render for minutes. libjpeg's simple progression writes 10 scans,
// mozjpeg's optimised ones up to about 20; libjpeg-turbo's own tools
// suggest a limit of 500 for untrusted input (djpeg -maxscans), which at
// 100 MP is still 6 s. 100 scans cost at most about 1.2 s at the pixel
// limit.
const MaxJPEGScans = 100

// jpegScans counts the start-of-scan markers of a JPEG, stopping once it
// passes limit. It walks the marker segments and skips each scan's
// entropy-coded data to the next marker (0xFF not followed by 0x00, a
// fill byte or a restart marker), in one pass over the bytes and without
// decoding anything. A malformed file ends the count (its decoder reports
// it).
func jpegScans(data []byte, limit int) int {
	n := 0
	p := 2 // after SOI
	for p+4 <= len(data) && n <= limit {
		if data[p] != 0xff {
			return n
		}
		m := data[p+1]
		switch {
		case m == 0xff: // fill byte before a marker
			p++
			continue
		case m == 0x01 || m >= 0xd0 && m <= 0xd8: // TEM, RSTn, SOI: no length
			p += 2
			continue
		case m == 0xd9: // EOI
			return n
		}
		seg := int(data[p+2])<<8 | int(data[p+3])
		if seg < 2 {
			return n
		}
		p += 2 + seg
		if m != 0xda {
			continue
		}
		n++
		// Entropy-coded data: find the next real marker.
		for p < len(data) {
			i := bytes.IndexByte(data[p:], 0xff)
			if i < 0 {
				return n
			}
			p += i
			if p+1 >= len(data) {
				return n
			}
			if next := data[p+1]; next == 0x00 || next == 0xff || next >= 0xd0 && next <= 0xd7 {
				p++
				if next != 0xff {
					p++
				}
				continue
			}
			break
		}
	}
	return n
}
