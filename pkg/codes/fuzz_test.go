package codes

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// FuzzCheckBarcodeValue feeds untrusted values to the value rules: they
// never panic, a rejection is a 400, and an accepted value draws at its
// minimum size and reads back with gozxing.
func FuzzCheckBarcodeValue(f *testing.F) {
	for _, c := range scanCases {
		if c.format != formatQR {
			f.Add(string(c.format), c.value)
		}
	}
	f.Fuzz(func(t *testing.T, format, value string) {
		bf := schema.BarcodeFormat(format)
		err := CheckBarcodeValue(bf, value)
		if err != nil {
			require.Equal(t, failure.Invalid, failure.KindOf(err))
			_, err = Barcode(bf, value, 10000, 100, black, white)
			require.Equal(t, failure.Invalid, failure.KindOf(err), "drawing rejects what validation rejects")
			return
		}
		w, h, err := BarcodeMinSize(bf, value)
		require.NoError(t, err)
		img, err := Barcode(bf, value, w, h, black, white)
		require.NoError(t, err)
		text, err := decodeGozxing(img, bf)
		if _, wrong := schema.EANCheckDigitWrong(bf, value); wrong {
			require.Error(t, err, "a wrong check digit is drawn as given, which readers refuse")
			return
		}
		require.NoError(t, err)
		require.Equal(t, expectedText(bf, value), text)
	})
}

// FuzzQR checks that any value either draws at its minimum size or is
// refused as a 400, never a panic.
func FuzzQR(f *testing.F) {
	for _, c := range scanCases {
		if c.format == formatQR {
			f.Add(c.value, c.level)
		}
	}
	f.Fuzz(func(t *testing.T, value, level string) {
		n, err := QRMinSize(value, level)
		if err != nil {
			require.Equal(t, failure.Invalid, failure.KindOf(err))
			return
		}
		img, err := QR(value, level, n, n, black, white)
		require.NoError(t, err)
		require.Equal(t, n, img.Bounds().Dx())
	})
}
