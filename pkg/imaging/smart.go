package imaging

import (
	"context"
	_ "embed" // the face cascade
	"image"

	pigo "github.com/esimov/pigo/core"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/vips"
)

// facefinderCascade is pigo's frontal-face cascade (MIT, see
// facefinder.LICENSE), embedded so the binary needs no module cache.
//
//go:embed facefinder.cascade
var facefinderCascade []byte

// faceScore is the least pigo detection score taken as a face. Scores of
// real faces in the sample photos are far above it; at 5–10 the cascade
// "finds" faces in motorcycle wheels and cat fur (docs/IMAGES.md).
const faceScore = 20

// faceSide is the longer side faces are searched at: pigo's cost grows with
// the pixel count, and faces that matter for a crop are not tiny.
const faceSide = 640

// faceFinder detects frontal faces. pigo's classifier is read-only after
// unpacking, so one is shared by all goroutines.
type faceFinder struct{ p *pigo.Pigo }

func newFaceFinder() *faceFinder {
	p, err := pigo.NewPigo().Unpack(facefinderCascade)
	if err != nil {
		panic("imaging: embedded face cascade is corrupt: " + err.Error())
	}
	return &faceFinder{p: p}
}

// find returns the boxes of faces in img scoring at least faceScore.
func (f *faceFinder) find(img *image.RGBA) []image.Rectangle {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	step := max(float64(max(w, h))/faceSide, 1)
	gw, gh := int(float64(w)/step), int(float64(h)/step)
	if gw < 24 || gh < 24 {
		return nil
	}
	gray := make([]uint8, gw*gh)
	for y := range gh {
		sy := int(float64(y) * step)
		for x := range gw {
			sx := int(float64(x) * step)
			p := img.Pix[sy*img.Stride+4*sx:]
			gray[y*gw+x] = uint8((299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2])) / 1000)
		}
	}
	dets := f.p.RunCascade(pigo.CascadeParams{
		MinSize:     24,
		MaxSize:     min(gw, gh),
		ShiftFactor: 0.1,
		ScaleFactor: 1.1,
		ImageParams: pigo.ImageParams{Pixels: gray, Rows: gh, Cols: gw, Dim: gw},
	}, 0)
	dets = f.p.ClusterDetections(dets, 0.2)
	var faces []image.Rectangle
	for _, d := range dets {
		if d.Q < faceScore {
			continue
		}
		r := float64(d.Scale) / 2
		faces = append(faces, image.Rect(
			int((float64(d.Col)-r)*step), int((float64(d.Row)-r)*step),
			int((float64(d.Col)+r)*step), int((float64(d.Row)+r)*step)))
	}
	return faces
}

// strategy is a way to pick the subject a smart crop keeps.
type strategy int

// The strategies measured in docs/IMAGES.md; Loader uses strategyDefault.
const (
	// strategyAttention is libvips' attention: edges, skin, saturation.
	strategyAttention strategy = iota
	// strategyMask centres on the segmentation mask's bounding box.
	strategyMask
	// strategyFaces centres on the faces, else uses attention.
	strategyFaces
	// strategyFacesMask centres on the faces, else on the segmentation
	// mask, else uses attention.
	strategyFacesMask
	// strategyFacesAttentionInMask centres on the faces, else on libvips'
	// attention point with the window kept on the segmented subject: inside
	// the mask's bounding box where the box is larger than the window,
	// around it where it is smaller.
	strategyFacesAttentionInMask
	// strategyFacesAttentionMassInMask is strategyFacesAttentionInMask
	// with one more rule where the subject is larger than the window: the
	// subject's centre of mass stays in the window's middle third, so
	// attention cannot pull the window onto the subject's edge.
	strategyFacesAttentionMassInMask

	strategyDefault = strategyFacesAttentionMassInMask
)

// windowBy chooses, by strategy s, the w×h window of the cover-scaled
// image full that keeps the subject. mask is the segmentation mask when the
// background was removed (nil otherwise; computed here if s needs it).
func (l *Loader) windowBy(ctx context.Context, s strategy, full *image.RGBA, mask *image.Alpha, w, h int) (image.Rectangle, error) {
	cw, ch := full.Rect.Dx(), full.Rect.Dy()
	if s != strategyAttention && s != strategyMask {
		if faces := l.faces.find(full); len(faces) > 0 {
			u := faces[0]
			for _, f := range faces[1:] {
				u = u.Union(f)
			}
			return windowAround(centre(u), cw, ch, w, h), nil
		}
	}
	if s != strategyAttention && s != strategyFaces && l.o.BackgroundRemover != nil {
		if mask == nil {
			var err error
			if mask, err = l.o.BackgroundRemover.Mask(ctx, full); err != nil {
				if ctxErr := ctx.Err(); ctxErr != nil {
					return image.Rectangle{}, ctxErr
				}
				return image.Rectangle{}, failure.Wrap(failure.Internal, err, "smart crop segmentation")
			}
		}
		box, ok := maskBox(mask)
		if ok && (s == strategyFacesAttentionInMask || s == strategyFacesAttentionMassInMask) {
			c, err := vips.Attention(full, w, h)
			if err != nil {
				return image.Rectangle{}, failure.Wrap(failure.Internal, err, "smart crop attention")
			}
			// The box is where alpha passes one half; the subject's soft
			// edge reaches a little further.
			box = box.Inset(-max(w, h) / 25).Intersect(full.Rect)
			window := windowAround(c, cw, ch, w, h)
			if s == strategyFacesAttentionMassInMask {
				window = keepMassInMiddle(window, box, massCentre(mask))
			}
			return keepOn(window, box), nil
		}
		if ok {
			return windowAround(centre(box), cw, ch, w, h), nil
		}
	}
	c, err := vips.Attention(full, w, h)
	if err != nil {
		return image.Rectangle{}, failure.Wrap(failure.Internal, err, "smart crop attention")
	}
	return windowAround(c, cw, ch, w, h), nil
}

func centre(r image.Rectangle) image.Point {
	return image.Pt((r.Min.X+r.Max.X)/2, (r.Min.Y+r.Max.Y)/2)
}

// maskBox is the bounding box of the mask's confident foreground (alpha at
// least one half); false when the model found nothing.
func maskBox(m *image.Alpha) (image.Rectangle, bool) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	x0, y0, x1, y1 := w, h, -1, -1
	for y := range h {
		row := m.Pix[y*m.Stride : y*m.Stride+w]
		for x, a := range row {
			if a >= 128 {
				x0, x1 = min(x0, x), max(x1, x)
				y0, y1 = min(y0, y), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return image.Rectangle{}, false
	}
	return image.Rect(x0, y0, x1+1, y1+1), true
}

// massCentre is the alpha-weighted centre of the mask. The mask must have
// some foreground (maskBox reported true).
func massCentre(m *image.Alpha) image.Point {
	var sx, sy, sum uint64
	for y := range m.Rect.Dy() {
		row := m.Pix[y*m.Stride : y*m.Stride+m.Rect.Dx()]
		var rs uint64
		for x, a := range row {
			sx += uint64(a) * uint64(x)
			rs += uint64(a)
		}
		sy += rs * uint64(y)
		sum += rs
	}
	return image.Pt(int(sx/sum), int(sy/sum))
}

// keepMassInMiddle moves window, along each axis where the subject box is
// larger than the window, so that the subject's centre of mass c lies in
// the window's middle third. Where the box is smaller keepOn contains it
// whole, and the window is left alone.
func keepMassInMiddle(window, box image.Rectangle, c image.Point) image.Rectangle {
	shift := func(lo, hi, blo, bhi, c int) int {
		n := hi - lo
		if n >= bhi-blo {
			return 0
		}
		return min(max(lo, c-2*n/3), c-n/3) - lo
	}
	return window.Add(image.Pt(
		shift(window.Min.X, window.Max.X, box.Min.X, box.Max.X, c.X),
		shift(window.Min.Y, window.Max.Y, box.Min.Y, box.Max.Y, c.Y)))
}

// keepOn moves window along each axis so it stays on the subject box:
// inside it where the box is larger than the window, around it where it is
// smaller. The window never leaves the image, since box is inside it.
func keepOn(window, box image.Rectangle) image.Rectangle {
	shift := func(lo, hi, blo, bhi int) int {
		if hi-lo >= bhi-blo { // window larger: contain the box
			return min(max(lo, bhi-(hi-lo)), blo) - lo
		}
		return min(max(lo, blo), bhi-(hi-lo)) - lo // box larger: stay inside
	}
	return window.Add(image.Pt(
		shift(window.Min.X, window.Max.X, box.Min.X, box.Max.X),
		shift(window.Min.Y, window.Max.Y, box.Min.Y, box.Max.Y)))
}
