package imaging

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// subjects are regions of the sample photos, in source pixels, determined
// by cropping them out and looking: the astronaut's face (forehead to
// chin), the coffee cup with its rim, the cat's eyes, nose and mouth (a
// tight box measured on a 2× zoom), the rocket from nose cone to base, the
// motorcycle's tank and engine (the whole bike is wider than a 4:5 crop of
// the photo can be).
var subjects = []struct {
	name   string
	file   string
	region image.Rectangle
}{
	{name: "astronaut face", file: "astronaut.png", region: image.Rect(175, 70, 275, 185)},
	{name: "coffee cup", file: "coffee.png", region: image.Rect(172, 18, 410, 300)},
	{name: "chelsea face", file: "chelsea.png", region: image.Rect(135, 85, 342, 270)},
	{name: "rocket", file: "rocket.jpg", region: image.Rect(300, 125, 340, 405)},
	{name: "motorcycle engine", file: "motorcycle_left.png", region: image.Rect(330, 160, 480, 370)},
}

// boxes are the crop shapes: a 4:5 portrait and a 16:9 landscape, the common social-media shapes.
var boxes = []struct {
	name string
	w, h int
}{
	{name: "portrait", w: 400, h: 500},
	{name: "landscape", w: 640, h: 360},
}

// insideFraction is the share of the subject region, scaled as the loader
// scaled the source (rounded outwards), inside the crop window.
func insideFraction(region image.Rectangle, p placement) float64 {
	scaled := image.Rect(
		int(float64(region.Min.X)*p.scale), int(float64(region.Min.Y)*p.scale),
		int(float64(region.Max.X)*p.scale+0.999), int(float64(region.Max.Y)*p.scale+0.999))
	in := scaled.Intersect(p.window)
	return float64(in.Dx()*in.Dy()) / float64(scaled.Dx()*scaled.Dy())
}

func TestSmartCropKeepsSubject(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{BackgroundRemover: testRemover(t)})
	for _, s := range subjects {
		for _, b := range boxes {
			t.Run(s.name+" "+b.name, func(t *testing.T) {
				img := base64Image(sample(t, s.file))
				img.SmartCrop = true
				out, p, err := l.load(context.Background(), "layers[0]", img, b.w, b.h, strategyDefault)
				require.NoError(t, err)
				require.Equal(t, image.Rect(0, 0, b.w, b.h), out.Rect)
				require.Equal(t, 1.0, insideFraction(s.region, p), "subject %v (scale %.3f) not inside window %v", s.region, p.scale, p.window)
			})
		}
	}
}

// TestSmartCropCentreLosesSubject proves the smart-crop test can fail: a
// plain centre crop cuts some of the subjects.
func TestSmartCropCentreLosesSubject(t *testing.T) {
	t.Parallel()
	l := NewLoader(Options{})
	lost := 0
	for _, s := range subjects {
		for _, b := range boxes {
			_, p, err := l.load(context.Background(), "layers[0]", base64Image(sample(t, s.file)), b.w, b.h, strategyDefault)
			require.NoError(t, err)
			if insideFraction(s.region, p) < 1 {
				lost++
			}
		}
	}
	require.Positive(t, lost)
}

// TestSmartCropStrategies measures every strategy on every sample and box
// (the table in docs/IMAGES.md). It takes a while under -race, so it runs
// only with MEASURE_SMARTCROP=1.
func TestSmartCropStrategies(t *testing.T) {
	if os.Getenv("MEASURE_SMARTCROP") == "" {
		t.Skip("set MEASURE_SMARTCROP=1 to measure the smart-crop strategies")
	}
	l := NewLoader(Options{BackgroundRemover: testRemover(t)})
	names := map[strategy]string{strategyAttention: "attention", strategyMask: "mask", strategyFaces: "faces+attention", strategyFacesMask: "faces+mask+attention", strategyFacesAttentionInMask: "faces+attention-kept-on-mask", strategyFacesAttentionMassInMask: "faces+attention-kept-on-mask+mass-in-middle-third"}
	var report strings.Builder
	fmt.Fprintf(&report, "\n| strategy |")
	for _, s := range subjects {
		for _, b := range boxes {
			fmt.Fprintf(&report, " %s %s |", s.file, b.name)
		}
	}
	fmt.Fprintf(&report, " kept |\n")
	for _, st := range []strategy{-1, strategyAttention, strategyMask, strategyFaces, strategyFacesMask, strategyFacesAttentionInMask, strategyFacesAttentionMassInMask} {
		name := names[st]
		if st < 0 {
			name = "centre (no smart crop)"
		}
		fmt.Fprintf(&report, "| %s |", name)
		kept := 0
		for _, s := range subjects {
			for _, b := range boxes {
				img := base64Image(sample(t, s.file))
				img.SmartCrop = st >= 0
				_, p, err := l.load(context.Background(), "layers[0]", img, b.w, b.h, st)
				require.NoError(t, err)
				in := insideFraction(s.region, p)
				if in == 1 {
					kept++
				}
				fmt.Fprintf(&report, " %.0f%% |", math.Floor(100*in))
			}
		}
		fmt.Fprintf(&report, " %d/%d |\n", kept, len(subjects)*len(boxes))
	}
	t.Log(report.String())
}

// TestKeepMassInMiddle: where the subject is larger than the window, the
// window moves until the centre of mass is in its middle third; where the
// subject is smaller, the window is left for keepOn.
func TestKeepMassInMiddle(t *testing.T) {
	t.Parallel()
	box := image.Rect(0, 0, 900, 200) // wider than the window, shorter
	window := image.Rect(500, 40, 800, 340)
	c := image.Pt(300, 100)
	got := keepMassInMiddle(window, box, c)
	require.Equal(t, image.Rect(200, 40, 500, 340), got, "c at the left end of the middle third")
	require.Equal(t, got, keepMassInMiddle(got, box, c), "already there: unchanged")
	got = keepMassInMiddle(image.Rect(0, 0, 300, 300), box, c)
	require.Equal(t, image.Rect(100, 0, 400, 300), got, "c at the right end of the middle third")
}

// TestMassCentre weighs by alpha.
func TestMassCentre(t *testing.T) {
	t.Parallel()
	m := image.NewAlpha(image.Rect(0, 0, 10, 10))
	m.Pix[2*10+1] = 255 // (1, 2)
	m.Pix[8*10+7] = 85  // (7, 8), a third of the weight
	require.Equal(t, image.Pt(2, 3), massCentre(m))
}
