package typeset

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"sync"

	"github.com/go-text/typesetting/font"
	"golang.org/x/image/draw"
)

// emojiPresentationBMP lists the BMP code points with the
// Emoji_Presentation property (drawn as colour emoji without FE0F).
var emojiPresentationBMP = map[rune]bool{
	0x231A: true, 0x231B: true, 0x23E9: true, 0x23EA: true, 0x23EB: true, 0x23EC: true,
	0x23F0: true, 0x23F3: true, 0x25FD: true, 0x25FE: true, 0x2614: true, 0x2615: true,
	0x267F: true, 0x2693: true, 0x26A1: true, 0x26AA: true, 0x26AB: true, 0x26BD: true,
	0x26BE: true, 0x26C4: true, 0x26C5: true, 0x26CE: true, 0x26D4: true, 0x26EA: true,
	0x26F2: true, 0x26F3: true, 0x26F5: true, 0x26FA: true, 0x26FD: true, 0x2705: true,
	0x270A: true, 0x270B: true, 0x2728: true, 0x274C: true, 0x274E: true, 0x2753: true,
	0x2754: true, 0x2755: true, 0x2757: true, 0x2795: true, 0x2796: true, 0x2797: true,
	0x27B0: true, 0x27BF: true, 0x2B1B: true, 0x2B1C: true, 0x2B50: true, 0x2B55: true,
}

// isEmojiCluster reports whether a grapheme cluster should be drawn from
// the colour emoji font: an explicit emoji presentation selector (FE0F),
// a keycap (20E3), a regional-indicator flag, a skin-tone modifier, a
// ZWJ sequence, a tag sequence, or a base with the Emoji_Presentation
// property. FE0E (text presentation) keeps the text face.
func isEmojiCluster(c []rune) bool {
	if len(c) == 0 {
		return false
	}
	for _, r := range c {
		if r == 0xFE0E {
			return false
		}
	}
	for _, r := range c {
		switch {
		case r == 0xFE0F, r == 0x20E3:
			return true
		case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators
			return true
		case r >= 0x1F3FB && r <= 0x1F3FF: // skin tones
			return true
		case r >= 0xE0020 && r <= 0xE007F: // tag sequences (subdivision flags)
			return true
		}
	}
	base := c[0]
	if len(c) > 1 && c[1] == 0x200D {
		return base >= 0x1F000 || emojiPresentationBMP[base] || (base >= 0x2600 && base <= 0x27BF)
	}
	return emojiPresentationBMP[base] || (base >= 0x1F000 && base <= 0x1FAFF && !(base >= 0x1F100 && base <= 0x1F1E5))
}

// emojiImage returns the colour bitmap of an emoji glyph scaled to w×h
// pixels, premultiplied, cached per glyph and size.
func (r *Registry) emojiImage(ss *session, ref faceRef, gid font.GID, w, h int) *mask {
	key := maskKey{src: ref.src.id, gid: uint32(gid), size: int32(w)<<16 | int32(h), emoji: true}
	if m, ok := r.emojis.Get(key); ok {
		return m
	}
	m := &mask{w: w, h: h}
	data, ok := ss.bitmapPNG(ref, gid)
	if ok && w > 0 && h > 0 {
		if src, err := decodePNG(data); err == nil {
			dst := image.NewRGBA(image.Rect(0, 0, w, h))
			draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
			m.rgba = dst.Pix
		}
	}
	r.emojis.Put(key, m)
	return m
}

var pngDecoders = sync.Pool{New: func() any { return &bytes.Reader{} }}

func decodePNG(b []byte) (image.Image, error) {
	rd := pngDecoders.Get().(*bytes.Reader)
	defer pngDecoders.Put(rd)
	rd.Reset(b)
	return png.Decode(rd)
}

// emojiBox is where an emoji glyph's bitmap goes, relative to the pen on
// the baseline: the glyph's extents when the font reports them, else a
// square of the advance sitting on the descent.
func emojiBox(xb, yb, gw, gh, adv, size float64) (x0, y0, w, h int) {
	if gw <= 0 || gh >= 0 {
		gw, gh, xb, yb = adv, -adv, 0, adv*0.88
	}
	x0 = int(math.Round(xb))
	y0 = int(math.Round(-yb))
	w = int(math.Round(gw))
	h = int(math.Round(-gh))
	_ = size
	return
}
