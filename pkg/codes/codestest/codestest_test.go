package codestest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

func TestExpected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format schema.BarcodeFormat
		value  string
		want   string
	}{
		{name: "ean13 gains check digit", format: schema.EAN13, value: "400638133393", want: "4006381333931"},
		{name: "ean13 with check digit", format: schema.EAN13, value: "9780306406157", want: "9780306406157"},
		{name: "ean8 gains check digit", format: schema.EAN8, value: "9638507", want: "96385074"},
		{name: "codabar keeps guards", format: schema.Codabar, value: "A12B", want: "A12B"},
		{name: "qr as sent", format: QR, value: "héllo", want: "héllo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Expected(tt.format, tt.value))
		})
	}
}
