package render

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// TestEstimateBytes checks the estimate against the peaks measured at the
// largest canvas (EstimateBytes' doc) and its rules: the largest layer
// counts, formats cost what they measured, boxes are capped.
func TestEstimateBytes(t *testing.T) {
	const mb = 1e6
	decode := func(body string) *schema.Request {
		req, err := schema.Decode([]byte(body), schema.DefaultLimits())
		require.NoError(t, err)
		return req
	}
	big := `"dimensions":{"width":8192,"height":6100}`
	grad := `{"index":0,"type":"gradient","gradient_type":"linear","colors":[{"hex_color":"#000","position":0},{"hex_color":"#fff","position":100}],"position":{"x":0,"y":0},"dimensions":{"width":8192,"height":6100}}`
	rot := `{"index":1,"type":"solid-color","hex_color":"#ff000080","rotation_in_degrees":45,"position":{"x":0,"y":0},"dimensions":{"width":16384,"height":12200}}`
	for _, c := range []struct {
		name     string
		body     string
		min, max int64 // MB
	}{
		{"gradient png", `{` + big + `,"layers":[` + grad + `]}`, 510, 520},
		{"rotated png", `{` + big + `,"layers":[` + grad + `,` + rot + `]}`, 1110, 1125},
		{"rotated webp", `{` + big + `,"output_format":"webp","layers":[` + grad + `,` + rot + `]}`, 1410, 1425},
		{"rotated avif", `{` + big + `,"output_format":"avif","layers":[` + grad + `,` + rot + `]}`, 2010, 2025},
		{"small card", `{"dimensions":{"width":1200,"height":630},"layers":[{"index":0,"type":"solid-color","hex_color":"#000"}]}`, 16, 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := EstimateBytes(decode(c.body)) / mb
			require.GreaterOrEqual(t, got, c.min)
			require.LessOrEqual(t, got, c.max)
		})
	}
	// A layer box is capped at four canvases, however large it says it is.
	huge := decode(`{"dimensions":{"width":1000,"height":1000},"layers":[{"index":0,"type":"solid-color","hex_color":"#000","position":{"x":0,"y":0},"dimensions":{"width":4000,"height":4000}}]}`)
	capped := decode(`{"dimensions":{"width":1000,"height":1000},"layers":[{"index":0,"type":"solid-color","hex_color":"#000","position":{"x":0,"y":0},"dimensions":{"width":2000,"height":2000}}]}`)
	require.Equal(t, EstimateBytes(capped), EstimateBytes(huge))
	// A layout adds its box to its largest child; text costs three boxes.
	layout := decode(`{"dimensions":{"width":1000,"height":1000},"layers":[{"index":0,"type":"layout","position":{"x":0,"y":0},"dimensions":{"width":1000,"height":1000},"layers":[{"type":"text","text":"a","font_name":"Inter","font_size_in_px":20,"text_color":"#000000","dimensions":{"width":1000,"height":1000}}]}]}`)
	require.Equal(t, int64(16<<20+4e6*1.5+4e6*4), EstimateBytes(layout))
}

// FuzzEstimateBytes: for every request that decodes, the estimate is
// positive, at least the fixed part and the canvas, and at most what the
// largest canvas's worst case allows (so admission can always compare it).
func FuzzEstimateBytes(f *testing.F) {
	f.Add(`{"dimensions":{"width":1200,"height":630},"layers":[{"index":0,"type":"solid-color","hex_color":"#000"}]}`)
	f.Add(`{"dimensions":{"width":8192,"height":6100},"output_format":"avif","layers":[{"index":0,"type":"layout","position":{"x":0,"y":0},"dimensions":{"width":32768,"height":24400},"layers":[{"type":"text","text":"a","font_name":"Inter","font_size_in_px":20,"text_color":"#000000","dimensions":{"width":32768,"height":24400}}]}]}`)
	limits := schema.DefaultLimits()
	f.Fuzz(func(t *testing.T, body string) {
		req, err := schema.Decode([]byte(body), limits)
		if err != nil {
			return
		}
		got := EstimateBytes(req)
		canvas := 4 * int64(req.Width) * int64(req.Height)
		if got < 16<<20+canvas {
			t.Fatalf("estimate %d below the canvas %d", got, canvas)
		}
		// Depth-many nested layouts each add a capped box: a generous bound.
		worst := 16<<20 + canvas*6 + int64(limits.MaxDepth+2)*5*16*int64(max(req.Width*req.Height, 1e6))
		if got > worst {
			t.Fatalf("estimate %d over %d", got, worst)
		}
	})
}
