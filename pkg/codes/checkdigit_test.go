package codes

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// TestEANWrongCheckDigitDrawsTheDigitsGiven: an EAN value whose last digit
// is not its check digit is drawn as given. zbar (which verifies check
// digits) reads the same symbol with the right digit, and rejects ours;
// the two differ only in the last digit's seven modules, which hold the
// given digit's right-half pattern.
func TestEANWrongCheckDigitDrawsTheDigitsGiven(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		format       schema.BarcodeFormat
		given, right string
	}{
		{schema.EAN13, "9781234567890", "9781234567897"}, // the reference's own placeholder
		{schema.EAN8, "96385070", "96385074"},
	} {
		t.Run(c.given, func(t *testing.T) {
			t.Parallel()
			w, h, err := BarcodeMinSize(c.format, c.given)
			require.NoError(t, err)
			w, h = 3*w, 40
			good, err := Barcode(c.format, c.right, w, h, black, white)
			require.NoError(t, err)
			text, err := decodeZbar(t, good, c.format, c.right, false)
			require.NoError(t, err)
			require.Equal(t, expectedText(c.format, c.right), text)

			bad, err := Barcode(c.format, c.given, w, h, black, white)
			require.NoError(t, err)
			_, err = decodeZbar(t, bad, c.format, c.given, false)
			require.Error(t, err, "zbar must refuse the wrong check digit: a symbol it reads would carry another digit than the one given")

			gb, err := barModules(c.format, c.right)
			require.NoError(t, err)
			bb, err := barModules(c.format, c.given)
			require.NoError(t, err)
			require.Len(t, bb, len(gb))
			n := len(bb)
			require.Equal(t, gb[:n-10], bb[:n-10], "everything before the last digit is unchanged")
			require.Equal(t, gb[n-3:], bb[n-3:], "end guard unchanged")
			require.Equal(t, eanRightCodes[c.given[len(c.given)-1]-'0'], pattern(bb[n-10:n-3]), "the last digit's modules are the digit given")
		})
	}
}

// TestEANRightCodesMatchTheEncoder checks the right-half table against
// the library's encoding of the check digit, for every digit.
func TestEANRightCodesMatchTheEncoder(t *testing.T) {
	t.Parallel()
	seen := map[byte]bool{}
	for last := '0'; last <= '9'; last++ {
		data := "97812345678" + string(last)
		check := schema.EANCheckDigit(data)
		bits, err := barModules(schema.EAN13, data)
		require.NoError(t, err)
		require.Equal(t, eanRightCodes[check-'0'], pattern(bits[len(bits)-10:len(bits)-3]))
		seen[check] = true
	}
	require.Len(t, seen, 10)
}

// pattern writes modules as 1 (bar) and 0 (space).
func pattern(bits []bool) string {
	s := ""
	for _, b := range bits {
		s += map[bool]string{true: "1", false: "0"}[b]
	}
	return s
}
