package pdf

import (
	"fmt"
	"strings"
)

// Stop is a colour of a shading at T (0..1): straight RGB and alpha.
// Between stops colour and alpha are interpolated linearly and separately
// (callers wanting premultiplied interpolation add stops in between).
type Stop struct {
	T          float64
	R, G, B, A uint8
}

// Shading is an axial or radial shading stored in the document.
type Shading struct {
	color, alpha string // shading resource names; alpha "" when opaque
	bbox         [4]float64
}

// Axial stores a shading along the line (x0, y0)–(x1, y1), extended past
// both ends with the end colours; bbox bounds where it will be painted.
func (d *Document) Axial(x0, y0, x1, y1 float64, stops []Stop, bbox [4]float64) *Shading {
	return d.shading(fmt.Sprintf("/ShadingType 2 /Coords [%s %s %s %s]", num(x0), num(y0), num(x1), num(y1)), stops, bbox)
}

// Radial stores a shading of circles about (cx, cy) from radius 0 to r,
// extended past r with the last colour.
func (d *Document) Radial(cx, cy, r float64, stops []Stop, bbox [4]float64) *Shading {
	return d.shading(fmt.Sprintf("/ShadingType 3 /Coords [%s %s 0 %s %s %s]", num(cx), num(cy), num(cx), num(cy), num(r)), stops, bbox)
}

func (d *Document) shading(geometry string, stops []Stop, bbox [4]float64) *Shading {
	s := &Shading{bbox: bbox}
	col := func(st Stop) []float64 {
		return []float64{float64(st.R) / 255, float64(st.G) / 255, float64(st.B) / 255}
	}
	alp := func(st Stop) []float64 { return []float64{float64(st.A) / 255} }
	ref := d.add(fmt.Sprintf("<< %s /ColorSpace /DeviceRGB /Extend [true true] /Function %s >>", geometry, function(stops, col)))
	s.color = named(&d.res.shadings, "Sh", ref)
	for _, st := range stops {
		if st.A != 255 {
			ref := d.add(fmt.Sprintf("<< %s /ColorSpace /DeviceGray /Extend [true true] /Function %s >>", geometry, function(stops, alp)))
			s.alpha = named(&d.res.shadings, "Sh", ref)
			break
		}
	}
	return s
}

// function is a PDF function of t in [0, 1] through the stops: constant
// before the first and after the last, linear in between, a hard edge
// where two stops share a position (the later stop wins, as in CSS).
func function(stops []Stop, value func(Stop) []float64) string {
	if len(stops) == 0 {
		return "<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0] /C1 [0 0 0] /N 1 >>"
	}
	first, last := stops[0], stops[len(stops)-1]
	pts := append([]Stop{}, stops...)
	if first.T > 0 {
		f := first
		f.T = 0
		pts = append([]Stop{f}, pts...)
	}
	if last.T < 1 {
		l := last
		l.T = 1
		pts = append(pts, l)
	}
	arr := func(v []float64) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = num(x)
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	var funcs, bounds, encode []string
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		if b.T <= a.T {
			continue // zero width: the hard edge
		}
		if len(funcs) > 0 {
			bounds = append(bounds, num(a.T))
		}
		funcs = append(funcs, fmt.Sprintf("<< /FunctionType 2 /Domain [0 1] /C0 %s /C1 %s /N 1 >>", arr(value(a)), arr(value(b))))
		encode = append(encode, "0 1")
	}
	if len(funcs) == 0 {
		v := arr(value(last))
		return fmt.Sprintf("<< /FunctionType 2 /Domain [0 1] /C0 %s /C1 %s /N 1 >>", v, v)
	}
	if len(funcs) == 1 {
		return funcs[0]
	}
	return fmt.Sprintf("<< /FunctionType 3 /Domain [0 1] /Functions [%s] /Bounds [%s] /Encode [%s] >>",
		strings.Join(funcs, " "), strings.Join(bounds, " "), strings.Join(encode, " "))
}

// PaintShading paints s over the current clipping path (clip to the area
// first); its alpha, if any, is applied through a luminosity soft mask.
func (c *Canvas) PaintShading(s *Shading) {
	c.Save()
	if s.alpha != "" {
		b := s.bbox
		form := c.doc.addStream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [%s %s %s %s] /Group << /S /Transparency /CS /DeviceGray >> /Resources %d 0 R",
			num(b[0]), num(b[1]), num(b[2]), num(b[3]), c.doc.resRef), []byte("/"+s.alpha+" sh\n"))
		gs := c.doc.extGState(fmt.Sprintf("/SMask << /Type /Mask /S /Luminosity /G %d 0 R >>", form))
		fmt.Fprintf(&c.buf, "/%s gs\n", gs)
	}
	fmt.Fprintf(&c.buf, "/%s sh\n", s.color)
	c.Restore()
}
