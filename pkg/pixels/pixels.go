// Package pixels is the pixel memory the renderer and its encoders share:
// pooled scratch slices (canvases, PNG scanlines, compressed output,
// DEFLATE tokens: a few megabytes per render that would otherwise be
// garbage after every render) and the hand-over of a premultiplied canvas
// to an encoder as packed RGB (DropAlpha, FlattenWhite) or straight-alpha
// RGBA (Unpremultiply).
package pixels

import (
	"image"
	"sync"
	"unsafe"
)

// Pool is a pool of []T. The zero Pool is ready to use.
type Pool[T any] struct{ pool sync.Pool }

// Get returns a slice of length n whose contents are whatever its last
// user left.
func (b *Pool[T]) Get(n int) []T {
	if p, ok := b.pool.Get().(*[]T); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]T, n)
}

// Put gives s back for another Get.
func (b *Pool[T]) Put(s []T) { b.pool.Put(&s) }

// FlattenWhite writes img composited over opaque white as packed RGB. In
// premultiplied alpha that is c + (255 − a) per channel, which cannot carry
// (c ≤ a), so one add per pixel does all three channels.
func FlattenWhite(dst []byte, img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	_ = dst[w*h*3-1]
	for y := 0; y < h; y++ {
		src := unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[y*img.Stride])), w)
		d := unsafe.Pointer(&dst[y*w*3])
		for x, p := range src[:w-1] {
			// Four bytes stored at a three-byte stride, as in DropAlpha.
			*(*uint32)(unsafe.Add(d, x*3)) = p + (255-p>>24)*0x010101
		}
		p := src[w-1]
		p += (255 - p>>24) * 0x010101
		o := y*w*3 + (w-1)*3
		dst[o], dst[o+1], dst[o+2] = uint8(p), uint8(p>>8), uint8(p>>16)
	}
}

// DropAlpha writes img as packed RGB rows, stride bytes apart in dst, if
// every pixel is opaque and reports whether it was; it stops at the first
// translucent pixel. Bytes between rows are left alone.
func DropAlpha(dst []byte, stride int, img *image.RGBA) bool {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return true
	}
	_ = dst[(h-1)*stride+w*3-1]
	const opaque2 = 0xFF000000FF000000
	for y := 0; y < h; y++ {
		row := unsafe.Pointer(&img.Pix[y*img.Stride])
		d := unsafe.Pointer(&dst[y*stride])
		// Four pixels (16 bytes) at a time become 12: one 8-byte and one
		// 4-byte store (unaligned: fine on amd64 and arm64).
		x := 0
		for ; x+4 <= w; x += 4 {
			q0 := *(*uint64)(unsafe.Add(row, 4*x))
			q1 := *(*uint64)(unsafe.Add(row, 4*x+8))
			if q0&q1&opaque2 != opaque2 {
				return false
			}
			lo := q0&0xFFFFFF | q0>>8&0xFFFFFF000000 | q1<<48
			hi := uint32(q1>>16)&0xFF | uint32(q1>>24)&0xFFFFFF00
			*(*uint64)(unsafe.Add(d, 3*x)) = lo
			*(*uint32)(unsafe.Add(d, 3*x+8)) = hi
		}
		// The rest pixel by pixel: each stored as four bytes at a
		// three-byte stride, the fourth overwritten by the next pixel; the
		// row's last pixel byte by byte so nothing lands past the row.
		src := unsafe.Slice((*uint32)(row), w)
		for ; x < w-1; x++ {
			p := src[x]
			if p < 0xFF000000 {
				return false
			}
			*(*uint32)(unsafe.Add(d, x*3)) = p
		}
		if x == w-1 {
			p := src[x]
			if p < 0xFF000000 {
				return false
			}
			o := y*stride + x*3
			dst[o], dst[o+1], dst[o+2] = uint8(p), uint8(p>>8), uint8(p>>16)
		}
	}
	return true
}

// unpremul[a] is 255·2¹⁶/a rounded, so c·255/a ≈ (c·unpremul[a] + 2¹⁵) >> 16.
var unpremul = func() (t [256]uint32) {
	for a := 1; a < 256; a++ {
		t[a] = uint32((255<<16 + a/2) / a)
	}
	return t
}()

// Unpremultiply writes img as packed straight-alpha RGBA rows, stride
// bytes apart in dst.
func Unpremultiply(dst []byte, stride int, img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	if w == 0 || h == 0 {
		return
	}
	_ = dst[(h-1)*stride+w*4-1]
	for y := 0; y < h; y++ {
		src := unsafe.Slice((*uint32)(unsafe.Pointer(&img.Pix[y*img.Stride])), w)
		d := unsafe.Slice((*uint32)(unsafe.Pointer(&dst[y*stride])), w)
		for x, p := range src {
			a := p >> 24
			if a == 255 || a == 0 {
				d[x] = p // opaque, or transparent black (premultiplied: all 0)
				continue
			}
			k := unpremul[a]
			r := min(((p&0xFF)*k+1<<15)>>16, 255)
			g := min(((p>>8&0xFF)*k+1<<15)>>16, 255)
			b := min(((p>>16&0xFF)*k+1<<15)>>16, 255)
			d[x] = r | g<<8 | b<<16 | a<<24
		}
	}
}
