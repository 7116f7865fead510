package typeset

import (
	"strings"
	"testing"

	"github.com/strata-render/strata/pkg/schema"
)

// TestTypographyExtremes draws the typography fields at the ends of
// their ranges: nothing may panic or hang, and the box stays the box.
func TestTypographyExtremes(t *testing.T) {
	long := strings.Repeat("word ", 400)
	for _, f := range []func(*schema.Text){
		func(x *schema.Text) { x.LetterSpacing = -1000 },
		func(x *schema.Text) { x.LetterSpacing = 1000; x.MaxLines = 3 },
		func(x *schema.Text) { x.LineHeight = 0.01; x.MaxLines = 10000 },
		func(x *schema.Text) { x.LineHeight = 10; x.AutoScale = true; x.MaxLines = 1 },
		func(x *schema.Text) { x.Stroke = &schema.TextStroke{Width: 200}; x.FontSize = 300 },
		func(x *schema.Text) { x.MaxLines = 1; x.LetterSpacing = -30; x.Align = schema.AlignRight },
		func(x *schema.Text) { x.MaxLines = 1; x.Text = "…………" },
		func(x *schema.Text) { x.MaxLines = 2; x.Text = "\n\n\n\n" },
	} {
		tx := mod(text(long, "Inter", 24), f)
		img := drawnText(t, tx, 300, 200)
		if img.Rect.Dx() != 300 || img.Rect.Dy() != 200 {
			t.Fatalf("box %v", img.Rect)
		}
	}
}
