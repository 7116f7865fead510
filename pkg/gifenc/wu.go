package gifenc

// Wu's colour quantiser (Xiaolin Wu, "Efficient Statistical Computations
// for Optimal Color Quantization", Graphics Gems II, 1991), written for
// this package: the histogram's colour cube is cut into boxes, each time
// cutting the box of largest variance where the cut most reduces the
// summed squared error, with each box's pixel count, colour sums and sum
// of squares read off cumulative moment tables in constant time.

// moment is one cell of the cumulative tables: over the bins [0, r]×[0,
// g]×[0, b], the pixel count, the straight colour sums and the sum of
// squared colours. One struct per cell keeps a corner lookup to one cache
// line.
type moment struct {
	w, r, g, b int64
	m2         float64
}

// msize is the side of the moment tables: the histogram's plus a zero
// plane at index 0, so bin i is cell i+1 and a box (lo, hi] needs no
// bounds checks.
const msize = side + 1

// cell is the moment table index of cell (r, g, b), 0 ≤ r, g, b ≤ side.
func cell(r, g, b int) int { return (r*msize+g)*msize + b }

// cube is a box of the moment tables: bins (lo, hi] per channel, with its
// variance (0 when it cannot be cut).
type cube struct {
	lo, hi [3]int
	vv     float64
}

// vol is the sum of mo over the box.
func vol(c *cube, mo []moment) moment {
	r0, g0, b0 := c.lo[0], c.lo[1], c.lo[2]
	r1, g1, b1 := c.hi[0], c.hi[1], c.hi[2]
	return combine(
		&mo[cell(r1, g1, b1)], &mo[cell(r1, g1, b0)], &mo[cell(r1, g0, b1)], &mo[cell(r1, g0, b0)],
		&mo[cell(r0, g1, b1)], &mo[cell(r0, g1, b0)], &mo[cell(r0, g0, b1)], &mo[cell(r0, g0, b0)])
}

// combine is a box's sum by inclusion–exclusion of its eight corners
// (a: hi r, hi g, hi b … h: lo r, lo g, lo b, in vol's order).
func combine(a, b, c, d, e, f, g, h *moment) moment {
	return moment{
		w:  a.w - b.w - c.w + d.w - e.w + f.w + g.w - h.w,
		r:  a.r - b.r - c.r + d.r - e.r + f.r + g.r - h.r,
		g:  a.g - b.g - c.g + d.g - e.g + f.g + g.g - h.g,
		b:  a.b - b.b - c.b + d.b - e.b + f.b + g.b - h.b,
		m2: a.m2 - b.m2 - c.m2 + d.m2 - e.m2 + f.m2 + g.m2 - h.m2,
	}
}

// slice is the sum of mo over the part of box c whose coordinate on axis
// is at most pos (lo[axis] < pos ≤ hi[axis]); with pos = lo[axis] it is
// zero.
func slice(c *cube, axis, pos int, mo []moment) moment {
	s := *c
	s.hi[axis] = pos
	return vol(&s, mo)
}

// variance is the box's summed squared error about its mean.
func variance(c *cube, mo []moment) float64 {
	v := vol(c, mo)
	if v.w == 0 {
		return 0
	}
	r, g, b := float64(v.r), float64(v.g), float64(v.b)
	return v.m2 - (r*r+g*g+b*b)/float64(v.w)
}

// spread is the between-part term of a split: |sum|²/count, which the
// best cut maximises over both halves.
func spread(v moment) float64 {
	r, g, b := float64(v.r), float64(v.g), float64(v.b)
	return (r*r + g*g + b*b) / float64(v.w)
}

// maximise finds the cut of c on axis that leaves the least squared
// error, returning the score (negative when no cut leaves pixels on both
// sides) and the cut position.
func maximise(c *cube, axis int, whole moment, mo []moment) (float64, int) {
	best, cut := -1.0, -1
	for pos := c.lo[axis] + 1; pos < c.hi[axis]; pos++ {
		half := slice(c, axis, pos, mo)
		if half.w == 0 {
			continue
		}
		rest := moment{w: whole.w - half.w, r: whole.r - half.r, g: whole.g - half.g, b: whole.b - half.b}
		if rest.w == 0 {
			break // every later cut leaves the rest empty too
		}
		if s := spread(half) + spread(rest); s > best {
			best, cut = s, pos
		}
	}
	return best, cut
}

// cut splits a into a and b along its best axis and reports whether it
// could.
func cut(a, b *cube, mo []moment) bool {
	whole := vol(a, mo)
	bestAxis, bestScore, bestPos := -1, -1.0, 0
	for axis := range 3 {
		if s, pos := maximise(a, axis, whole, mo); pos >= 0 && s > bestScore {
			bestAxis, bestScore, bestPos = axis, s, pos
		}
	}
	if bestAxis < 0 {
		return false
	}
	*b = *a
	a.hi[bestAxis] = bestPos
	b.lo[bestAxis] = bestPos
	return true
}

// volume is the number of bins in the box.
func (c *cube) volume() int {
	return (c.hi[0] - c.lo[0]) * (c.hi[1] - c.lo[1]) * (c.hi[2] - c.lo[2])
}

// wu cuts the whole cube into at most n boxes. The boxes partition the
// cube, so every bin (the dither reaches empty ones) lies in one.
func wu(mo []moment, n int) []cube {
	boxes := make([]cube, 1, n)
	boxes[0] = cube{hi: [3]int{side, side, side}}
	boxes[0].vv = variance(&boxes[0], mo)
	for len(boxes) < n {
		next := -1
		for i := range boxes {
			if boxes[i].vv > 0 && (next < 0 || boxes[i].vv > boxes[next].vv) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		var b cube
		if !cut(&boxes[next], &b, mo) {
			boxes[next].vv = 0
			continue
		}
		for _, c := range []*cube{&boxes[next], &b} {
			c.vv = 0
			if c.volume() > 1 {
				c.vv = variance(c, mo)
			}
		}
		boxes = append(boxes, b)
	}
	return boxes
}
