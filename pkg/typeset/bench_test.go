package typeset

import (
	"context"
	"testing"

	"github.com/strata-render/strata/pkg/schema"
)

// BenchmarkDrawSocialCardText draws the three text layers of the social
// card (pkg/render's BenchmarkSocialCard) with warm caches: typesetting
// alone, no compositing or encoding.
func BenchmarkDrawSocialCardText(b *testing.B) {
	r := testRegistry(b)
	title := text("Strata renders social cards with real shaping, fallback fonts and emoji 🎉", "Inter", 48)
	title.Weight = schema.Bold
	sub := text("Bidi, line breaking and auto-scale included — measured, not guessed.", "Inter", 24)
	foot := text("strata.example.com · November 2026", "Inter", 20)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range []struct {
			t    *schema.Text
			w, h int
		}{{title, 1040, 140}, {sub, 1040, 40}, {foot, 1040, 30}} {
			if _, err := r.Draw(ctx, l.t, nil, l.w, l.h); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAutoScaleLongTitle: a long title auto-scaled into a small box
// (shaped once, then a binary search of wraps).
func BenchmarkAutoScaleLongTitle(b *testing.B) {
	r := testRegistry(b)
	tx := text("An unusually long headline that has to shrink quite a lot before it fits into its box", "Poppins", 200)
	tx.AutoScale = true
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.Draw(ctx, tx, nil, 500, 160); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAutoScaleLongWord: a title whose long compound breaks between
// graphemes at the size where the text first fits, so auto-scale keeps
// shrinking until the word is whole.
func BenchmarkAutoScaleLongWord(b *testing.B) {
	r := testRegistry(b)
	tx := text("Donaudampfschifffahrtsgesellschaftskapitän announces new routes", "Inter", 96)
	tx.AutoScale, tx.Weight = true, schema.Bold
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.Draw(ctx, tx, nil, 500, 160); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShapeUncached is shaping a mixed-script line with no cache.
func BenchmarkShapeUncached(b *testing.B) {
	r := testRegistry(b)
	ss := r.session()
	defer r.release(ss)
	runes := []rune("Hello مرحبا 日本語 हिन्दी 🎉 world")
	line := styledLine{runes: runes, styles: make([]uint8, len(runes))}
	st := style{family: "Inter", weight: 400}
	for b.Loop() {
		r.shapeUncached(ss, st, line)
	}
}
