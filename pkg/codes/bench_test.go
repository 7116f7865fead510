package codes

import (
	"testing"

	"github.com/strata-render/strata/pkg/schema"
)

func BenchmarkQR(b *testing.B) {
	for b.Loop() {
		if _, err := QR("https://example.com/strata?x=1", "", 400, 400, black, white); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBarcode(b *testing.B) {
	for b.Loop() {
		if _, err := Barcode(schema.Code128, "Strata-128 {ok}", 800, 200, black, white); err != nil {
			b.Fatal(err)
		}
	}
}
