package render

import (
	"encoding/binary"
	"image"
	"image/color"
	"math"
	"unsafe"

	"github.com/strata-render/strata/pkg/schema"
)

// This file is the compositor every layer type goes through: the rounded
// corner mask, opacity, rotation about the box centre and the source-over
// blend. All images are premultiplied RGBA, so blending and resampling are
// plain weighted sums.

// clampRadii scales the four radii down together when adjacent radii
// overflow a side, as CSS Backgrounds 3 §5.5 does: f = min(side / sum of
// the two radii on that side) over the four sides, applied when f < 1.
func clampRadii(c schema.Corners, w, h float64) schema.Corners {
	f := 1.0
	for _, s := range [...]struct{ side, a, b float64 }{
		{w, c.TopLeft, c.TopRight},
		{w, c.BottomLeft, c.BottomRight},
		{h, c.TopLeft, c.BottomLeft},
		{h, c.TopRight, c.BottomRight},
	} {
		if sum := s.a + s.b; sum > 0 && s.side/sum < f {
			f = s.side / sum
		}
	}
	if f < 1 {
		c.TopLeft *= f
		c.TopRight *= f
		c.BottomRight *= f
		c.BottomLeft *= f
	}
	return c
}

// applyCorners multiplies img by the anti-aliased coverage of its rounded
// corners. Only the r×r squares at the corners are touched.
func applyCorners(img *image.RGBA, radii schema.Corners) {
	if radii.IsZero() {
		return
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	c := clampRadii(radii, float64(w), float64(h))
	// flipX/flipY mirror the top-left corner's table onto the others.
	for _, k := range [...]struct {
		r            float64
		flipX, flipY bool
	}{
		{c.TopLeft, false, false},
		{c.TopRight, true, false},
		{c.BottomRight, true, true},
		{c.BottomLeft, false, true},
	} {
		if k.r <= 0 {
			continue
		}
		cov := cornerCoverage(k.r)
		n := int(math.Ceil(k.r))
		for j := 0; j < n && j < h; j++ {
			y := j
			if k.flipY {
				y = h - 1 - j
			}
			row := img.Pix[y*img.Stride:]
			for i := 0; i < n && i < w; i++ {
				a := cov[j*n+i]
				if a == 255 {
					continue
				}
				x := i
				if k.flipX {
					x = w - 1 - i
				}
				p := row[x*4 : x*4+4 : x*4+4]
				p[0] = mul255(p[0], a)
				p[1] = mul255(p[1], a)
				p[2] = mul255(p[2], a)
				p[3] = mul255(p[3], a)
			}
		}
	}
}

// compositeSolid blends a w×h box of the uniform premultiplied colour c at
// (x, y), with rounded corners and opacity (0..1), straight into dst. It
// gives the same pixels as drawing the box with drawSolid and blending it
// with applyCorners and compositeAligned, except that pixels inside hide
// (in dst's coordinates; empty for none) may be left as they were: a
// later opaque layer paints over them (hiddenBy).
func compositeSolid(dst *image.RGBA, c color.RGBA, x, y, w, h int, radii schema.Corners, opacity float64, hide image.Rectangle) {
	clip := image.Rect(x, y, x+w, y+h).Intersect(dst.Rect)
	if clip.Empty() {
		return
	}
	op := uint32(math.Round(opacity * 255))
	p := mulPacked(uint32(c.R)|uint32(c.G)<<8|uint32(c.B)<<16|uint32(c.A)<<24, op)
	if p == 0 {
		return
	}
	// Corner tables: n×n coverage at each corner, indexed from the corner.
	type corner struct {
		n   int
		cov []uint8
	}
	// Only the corners whose rows dst holds (a band of the canvas may
	// hold none): a table costs more than many rows of fill.
	var tl, tr, br, bl corner
	if !radii.IsZero() {
		k := clampRadii(radii, float64(w), float64(h))
		mk := func(r float64, rows bool) corner {
			if r <= 0 || !rows {
				return corner{}
			}
			return corner{int(math.Ceil(r)), cornerCoverage(r)}
		}
		top := clip.Min.Y-y < int(math.Ceil(max(k.TopLeft, k.TopRight)))
		bottom := y+h-clip.Max.Y < int(math.Ceil(max(k.BottomLeft, k.BottomRight)))
		tl, tr = mk(k.TopLeft, top), mk(k.TopRight, top)
		br, bl = mk(k.BottomRight, bottom), mk(k.BottomLeft, bottom)
	}
	// cov is the coverage of box pixel (i, j).
	cov := func(i, j int) uint32 {
		a := uint32(255)
		if j < tl.n && i < tl.n {
			a = a * uint32(tl.cov[j*tl.n+i]) / 255
		}
		if ri := w - 1 - i; j < tr.n && ri < tr.n {
			a = a * uint32(tr.cov[j*tr.n+ri]) / 255
		}
		if ri, bj := w-1-i, h-1-j; bj < br.n && ri < br.n {
			a = a * uint32(br.cov[bj*br.n+ri]) / 255
		}
		if bj := h - 1 - j; bj < bl.n && i < bl.n {
			a = a * uint32(bl.cov[bj*bl.n+i]) / 255
		}
		return a
	}
	pa := p >> 24
	// Corner columns: box columns [0, left) and [w-right, w) need coverage
	// on corner rows.
	left, right := max(tl.n, bl.n), max(tr.n, br.n)
	for py := clip.Min.Y; py < clip.Max.Y; py++ {
		j := py - y
		off := (py-dst.Rect.Min.Y)*dst.Stride + (clip.Min.X-dst.Rect.Min.X)*4
		row := unsafe.Slice((*uint32)(unsafe.Pointer(&dst.Pix[off])), clip.Dx())
		// mid is the part of the row with full coverage, in row indices.
		mid0, mid1 := 0, len(row)
		if j < max(tl.n, tr.n) || h-1-j < max(bl.n, br.n) {
			mid0 = min(max(left-(clip.Min.X-x), 0), len(row))
			mid1 = max(min(w-right-(clip.Min.X-x), len(row)), mid0)
			for _, k := range [2][2]int{{0, mid0}, {mid1, len(row)}} {
				for i := k[0]; i < k[1]; i++ {
					q := p
					if a := cov(clip.Min.X-x+i, j); a != 255 {
						q = mulPacked(p, a)
					}
					row[i] = q + mulPacked(row[i], 255-q>>24)
				}
			}
		}
		spans := [2][2]int{{mid0, mid1}}
		if py >= hide.Min.Y && py < hide.Max.Y {
			// The part of the row under hide is skipped.
			h0 := min(max(hide.Min.X-clip.Min.X, mid0), mid1)
			h1 := min(max(hide.Max.X-clip.Min.X, h0), mid1)
			spans = [2][2]int{{mid0, h0}, {h1, mid1}}
		}
		for _, sp := range spans {
			mid := row[sp[0]:sp[1]]
			if pa == 255 {
				fillPixels(mid, p)
				continue
			}
			k := 255 - pa
			for i, d := range mid {
				mid[i] = p + mulPacked(d, k)
			}
		}
	}
}

// solidBox is where a layer drawn by the solid fast path (drawLayer)
// lands in a w×h destination at the origin, and its clamped radii; ok is
// false for any other layer.
func solidBox(l *schema.Layer, w, h int) (box image.Rectangle, radii schema.Corners, ok bool) {
	if l.Type != schema.TypeSolidColor || len(l.Solid.AngledEdges) > 0 || math.Mod(l.Rotation, 360) != 0 || l.Effects != nil || !(l.Opacity > 0) {
		return image.Rectangle{}, schema.Corners{}, false
	}
	x, y := 0.0, 0.0
	if p := l.Position; p != nil {
		x, y = p.X, p.Y
	}
	if !(math.Abs(x) < farAway && math.Abs(y) < farAway) {
		return image.Rectangle{}, schema.Corners{}, false
	}
	bw, bh := w, h
	if s := l.Size; s != nil {
		bw, bh = s.Width, s.Height
	}
	if bw <= 0 || bh <= 0 {
		return image.Rectangle{}, schema.Corners{}, false
	}
	ix, iy := int(math.Round(x)), int(math.Round(y))
	return image.Rect(ix, iy, ix+bw, iy+bh), clampRadii(l.Radii, float64(bw), float64(bh)), true
}

// hiddenBy returns, for each layer of a sorted list drawn onto a w×h
// canvas, a rectangle of the canvas that a later layer is sure to paint
// over with opaque colour before anything reads it: the fully covered rows
// of the next opaque solid-colour layer (full opacity, unrotated, no
// effects), when every layer between the two is itself a solid colour
// (which only blends; a text layer's contrast report, a blend mode or a
// backdrop blur read what is under them). Only solid layers use it
// (compositeSolid's hide): the certificate's two frames skip the 2000×1414
// canvas they would each have filled first.
func hiddenBy(layers []*schema.Layer, w, h int) []image.Rectangle {
	out := make([]image.Rectangle, len(layers))
	var next image.Rectangle // the occluder for the layers before the current one
	for i := len(layers) - 1; i >= 0; i-- {
		l := layers[i]
		box, radii, ok := solidBox(l, w, h)
		if !ok {
			next = image.Rectangle{}
			continue
		}
		out[i] = next
		if l.Solid.Color.A == 255 && l.Opacity >= 100 {
			top := int(math.Ceil(max(radii.TopLeft, radii.TopRight)))
			bottom := int(math.Ceil(max(radii.BottomLeft, radii.BottomRight)))
			next = image.Rect(box.Min.X, box.Min.Y+top, box.Max.X, box.Max.Y-bottom).Intersect(image.Rect(0, 0, w, h))
		}
	}
	return out
}

// fillPixels sets every pixel of row to p: a few stores, then copies of
// what is already filled, doubling each time (memmove runs several times
// faster than one 32-bit store per pixel on wide rows).
func fillPixels(row []uint32, p uint32) {
	n := min(len(row), 16)
	for i := range n {
		row[i] = p
	}
	for n < len(row) {
		n += copy(row[n:], row[:n])
	}
}

// cornerCoverage returns, for the n×n pixels (n = ceil(r)) at a top-left
// corner of radius r, the fraction of each pixel inside the rounded corner
// as 0..255. Each pixel is integrated over 16 columns, exactly in y.
func cornerCoverage(r float64) []uint8 {
	n := int(math.Ceil(r))
	cov := make([]uint8, n*n)
	const cols = 16
	r2 := r * r
	for j := 0; j < n; j++ {
		y0 := float64(j)
		for i := 0; i < n; i++ {
			x0 := float64(i)
			// Whole pixel inside (its corner nearest the circle's edge, the
			// top-left one, is inside) or wholly outside (its bottom-right
			// corner is outside, or the pixel lies beyond the corner square).
			if dx, dy := r-x0, r-y0; dx*dx+dy*dy <= r2 {
				cov[j*n+i] = 255
				continue
			}
			if dx, dy := r-x0-1, r-y0-1; dx > 0 && dy > 0 && dx*dx+dy*dy >= r2 {
				continue
			}
			sum := 0.0
			for s := 0; s < cols; s++ {
				// The circle's centre is at (r, r); the column at sx is inside
				// for y ≥ top.
				dx := r - (x0 + (float64(s)+0.5)/cols)
				if dx >= r {
					continue
				}
				top := math.Inf(-1)
				if dx > 0 {
					top = r - math.Sqrt(r2-dx*dx)
				}
				if v := y0 + 1 - top; v >= 1 {
					sum++
				} else if v > 0 {
					sum += v
				}
			}
			cov[j*n+i] = uint8(math.Round(sum / cols * 255))
		}
	}
	return cov
}

// mul255 returns a·b/255 rounded.
func mul255(a, b uint8) uint8 {
	x := uint32(a)*uint32(b) + 128
	return uint8((x + x>>8) >> 8)
}

// composite blends src source-over onto dst with its top-left corner at
// (x, y) in dst's coordinates, multiplied by opacity (0..1) and rotated by
// rotation degrees clockwise about its centre. The result is clipped by
// dst's bounds only.
func composite(dst, src *image.RGBA, x, y, rotation, opacity float64) {
	op := uint32(math.Round(opacity * 256))
	rot := math.Mod(rotation, 360)
	if rot == 0 {
		compositeAligned(dst, src, int(math.Round(x)), int(math.Round(y)), uint32(math.Round(opacity*255)))
		return
	}
	compositeRotated(dst, src, x, y, rot, op)
}

// compositeAligned blends an unrotated src at the integer offset (x, y);
// op is the opacity in 0..255.
func compositeAligned(dst, src *image.RGBA, x, y int, op uint32) {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	r := image.Rect(x, y, x+sw, y+sh).Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	for py := r.Min.Y; py < r.Max.Y; py++ {
		so := (py-y)*src.Stride + (r.Min.X-x)*4
		do := (py-dst.Rect.Min.Y)*dst.Stride + (r.Min.X-dst.Rect.Min.X)*4
		n := r.Dx() * 4
		blendRow(dst.Pix[do:do+n:do+n], src.Pix[so:so+n:so+n], op)
	}
}

// blendRow blends a row of premultiplied pixels source-over, the source
// scaled by op/255. Pixels are handled as packed little-endian words, two
// channels per multiply, with every division by 255 rounded exactly.
func blendRow(d, s []uint8, op uint32) {
	n := min(len(d), len(s)) / 4
	if n == 0 {
		return
	}
	dw := unsafe.Slice((*uint32)(unsafe.Pointer(&d[0])), n)
	sw := unsafe.Slice((*uint32)(unsafe.Pointer(&s[0])), n)
	if op >= 255 {
		for i := 0; i < n; {
			p := sw[i]
			sa := p >> 24
			if sa == 255 {
				// Copy the whole run of opaque pixels at once.
				j := i + 1
				for j < n && sw[j]>>24 == 255 {
					j++
				}
				copy(dw[i:j], sw[i:j])
				i = j
				continue
			}
			if sa != 0 {
				dw[i] = p + mulPacked(dw[i], 255-sa)
			}
			i++
		}
		return
	}
	for i, p := range sw {
		if p == 0 {
			continue
		}
		p = mulPacked(p, op)
		dw[i] = p + mulPacked(dw[i], 255-p>>24)
	}
}

// mulPacked returns the four channels of a packed pixel times k/255,
// rounded, k ≤ 255 (two 16-bit lanes per multiply).
func mulPacked(p, k uint32) uint32 {
	rb := (p&0x00FF00FF)*k + 0x00800080
	rb = (rb + rb>>8&0x00FF00FF) >> 8 & 0x00FF00FF
	ga := (p>>8&0x00FF00FF)*k + 0x00800080
	ga = (ga + ga>>8&0x00FF00FF) & 0xFF00FF00
	return rb | ga
}

// blendPixel blends one source pixel given in 8.8 fixed point (0..255·256,
// premultiplied) over the premultiplied pixel d.
func blendPixel(d []uint8, r, g, b, a uint32) {
	a = (a + 128) >> 8
	if a == 0 {
		return
	}
	k := 255 - a
	d[0] = uint8((r+128)>>8 + div255(uint32(d[0])*k))
	d[1] = uint8((g+128)>>8 + div255(uint32(d[1])*k))
	d[2] = uint8((b+128)>>8 + div255(uint32(d[2])*k))
	d[3] = uint8(a + div255(uint32(d[3])*k))
}

// div255 returns x/255 rounded for x ≤ 255·255.
func div255(x uint32) uint32 {
	x += 128
	return (x + x>>8) >> 8
}

// compositeRotated blends src rotated by deg degrees clockwise about its
// centre, the unrotated box's top-left at (x, y). Every destination pixel
// centre inside the rotated box (grown by one pixel) is mapped back into
// src and sampled bilinearly, with transparent pixels outside src, so the
// rotated edges come out anti-aliased.
func compositeRotated(dst, src *image.RGBA, x, y, deg float64, op uint32) {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	rad := deg * math.Pi / 180
	sin, cos := math.Sincos(rad)
	// Snap values that are exact in degrees (90, 180, …) so quarter turns
	// sample pixel centres exactly.
	sin, cos = snapUnit(sin), snapUnit(cos)
	cx, cy := x+float64(sw)/2, y+float64(sh)/2
	hw := (math.Abs(cos)*float64(sw) + math.Abs(sin)*float64(sh)) / 2
	hh := (math.Abs(sin)*float64(sw) + math.Abs(cos)*float64(sh)) / 2
	if cos == 0 {
		// A quarter turn of a box whose sides differ by an odd number would
		// put the rotated box's corner on a half pixel and blur every edge
		// (2-px barcode modules stopped scanning); snap it onto the grid.
		cx = math.Round(cx-hw) + hw
		cy = math.Round(cy-hh) + hh
	}
	r := image.Rect(
		int(math.Floor(cx-hw))-1, int(math.Floor(cy-hh))-1,
		int(math.Ceil(cx+hw))+1, int(math.Ceil(cy+hh))+1,
	).Intersect(dst.Rect)
	if r.Empty() {
		return
	}
	// Inverse rotation: a destination offset (dx, dy) from the centre comes
	// from (dx·cos + dy·sin, −dx·sin + dy·cos) in src, relative to src's
	// centre. Sample coordinates are in src pixel-centre space.
	scx, scy := float64(sw)/2-0.5, float64(sh)/2-0.5
	fw, fh := float64(sw), float64(sh)
	for py := r.Min.Y; py < r.Max.Y; py++ {
		dy := float64(py) + 0.5 - cy
		dx := float64(r.Min.X) + 0.5 - cx
		u := dx*cos + dy*sin + scx
		v := -dx*sin + dy*cos + scy
		// Clip the row to where (u, v) stays within (-1, sw)×(-1, sh).
		lo, hi := 0.0, float64(r.Dx())
		lo, hi = clipSpan(u, cos, -1, fw, lo, hi)
		lo, hi = clipSpan(v, -sin, -1, fh, lo, hi)
		if lo >= hi {
			continue
		}
		i0 := int(math.Ceil(lo))
		i1 := int(math.Ceil(hi))
		drow := dst.Pix[(py-dst.Rect.Min.Y)*dst.Stride:]
		for i := i0; i < i1; i++ {
			fu := u + float64(i)*cos
			fv := v - float64(i)*sin
			sr, sg, sb, sa := sampleBilinear(src, fu, fv)
			if sa == 0 {
				continue
			}
			// sample returns 8.8 fixed point; scale by op (0..256).
			sr, sg, sb, sa = sr*op>>8, sg*op>>8, sb*op>>8, sa*op>>8
			px := r.Min.X + i - dst.Rect.Min.X
			blendPixel(drow[px*4:px*4+4:px*4+4], sr, sg, sb, sa)
		}
	}
}

// clipSpan narrows [lo, hi) to the steps t where start + t·step lies
// strictly inside (min, max).
func clipSpan(start, step, min, max, lo, hi float64) (float64, float64) {
	if math.Abs(step) < 1e-12 {
		if start <= min || start >= max {
			return 0, 0
		}
		return lo, hi
	}
	t0 := (min - start) / step
	t1 := (max - start) / step
	if t0 > t1 {
		t0, t1 = t1, t0
	}
	// Open interval: nudge so the boundary itself is excluded.
	return math.Max(lo, t0+1e-9), math.Min(hi, t1)
}

// snapUnit rounds values within 1e-12 of -1, 0 or 1.
func snapUnit(v float64) float64 {
	for _, k := range [...]float64{-1, 0, 1} {
		if math.Abs(v-k) < 1e-12 {
			return k
		}
	}
	return v
}

// sampleBilinear samples src at (u, v) in pixel-centre coordinates with
// transparent pixels outside, returning premultiplied channels in 8.8 fixed
// point (0..255·256).
func sampleBilinear(src *image.RGBA, u, v float64) (r, g, b, a uint32) {
	// u, v ≥ −1 here, so truncating u+1 floors it.
	x0, y0 := int(u+1)-1, int(v+1)-1
	fx := uint32((u - float64(x0)) * 256)
	fy := uint32((v - float64(y0)) * 256)
	w := src.Rect.Dx()
	h := src.Rect.Dy()
	if x0 >= 0 && y0 >= 0 && x0+1 < w && y0+1 < h {
		// Interior: all four neighbours exist.
		i := y0*src.Stride + x0*4
		row0 := src.Pix[i : i+8 : i+8]
		row1 := src.Pix[i+src.Stride : i+src.Stride+8 : i+src.Stride+8]
		p00 := binary.LittleEndian.Uint32(row0)
		p10 := binary.LittleEndian.Uint32(row0[4:])
		p01 := binary.LittleEndian.Uint32(row1)
		p11 := binary.LittleEndian.Uint32(row1[4:])
		if p00 == p10 && p00 == p01 && p00 == p11 {
			// Uniform neighbourhood: no weighting needed.
			return (p00 & 0xFF) << 8, (p00 >> 8 & 0xFF) << 8, (p00 >> 16 & 0xFF) << 8, (p00 >> 24) << 8
		}
		w00, w10, w01, w11 := (256-fx)*(256-fy), fx*(256-fy), (256-fx)*fy, fx*fy
		ch := func(shift uint32) uint32 {
			return ((p00>>shift&0xFF)*w00 + (p10>>shift&0xFF)*w10 + (p01>>shift&0xFF)*w01 + (p11>>shift&0xFF)*w11 + 128) >> 8
		}
		return ch(0), ch(8), ch(16), ch(24)
	}
	var acc [4]uint32
	add := func(x, y int, wt uint32) {
		if wt == 0 || x < 0 || y < 0 || x >= w || y >= h {
			return
		}
		p := src.Pix[y*src.Stride+x*4 : y*src.Stride+x*4+4 : y*src.Stride+x*4+4]
		acc[0] += uint32(p[0]) * wt
		acc[1] += uint32(p[1]) * wt
		acc[2] += uint32(p[2]) * wt
		acc[3] += uint32(p[3]) * wt
	}
	add(x0, y0, (256-fx)*(256-fy))
	add(x0+1, y0, fx*(256-fy))
	add(x0, y0+1, (256-fx)*fy)
	add(x0+1, y0+1, fx*fy)
	// Weights sum to 65536; shift to 8.8.
	return (acc[0] + 128) >> 8, (acc[1] + 128) >> 8, (acc[2] + 128) >> 8, (acc[3] + 128) >> 8
}
