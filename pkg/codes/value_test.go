package codes

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

func TestCheckBarcodeValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		format schema.BarcodeFormat
		value  string
		// wantErr is a fragment of the message; "" means valid.
		wantErr string
	}{
		{name: "ean13 12 digits", format: schema.EAN13, value: "400638133393"},
		{name: "ean13 13 digits right check", format: schema.EAN13, value: "4006381333931"},
		{name: "ean13 check digit 0", format: schema.EAN13, value: "0000000000000"},
		{name: "ean13 wrong check digit (drawn as given, with a warning)", format: schema.EAN13, value: "4006381333932"},
		{name: "ean13 11 digits", format: schema.EAN13, value: "40063813339", wantErr: "ean13 needs 12 or 13 digits (0-9), the last being the check digit; got 11 characters"},
		{name: "ean13 14 digits", format: schema.EAN13, value: "40063813339311", wantErr: "got 14 characters"},
		{name: "ean13 letter", format: schema.EAN13, value: "40063813339A", wantErr: `character 12 is 'A'`},
		{name: "ean13 empty", format: schema.EAN13, value: "", wantErr: "ean13 needs 12 or 13 digits"},
		{name: "ean13 full-width digit", format: schema.EAN13, value: "40063813339１", wantErr: "ean13 needs 12 or 13 digits"},
		{name: "ean8 7 digits", format: schema.EAN8, value: "9638507"},
		{name: "ean8 8 digits right check", format: schema.EAN8, value: "96385074"},
		{name: "ean8 wrong check digit (drawn as given, with a warning)", format: schema.EAN8, value: "96385070"},
		{name: "ean8 6 digits", format: schema.EAN8, value: "963850", wantErr: "ean8 needs 7 or 8 digits (0-9), the last being the check digit; got 6 characters"},
		{name: "ean8 9 digits", format: schema.EAN8, value: "963850740", wantErr: "got 9 characters"},
		{name: "ean8 space", format: schema.EAN8, value: "963 507", wantErr: `character 4 is ' '`},
		{name: "itf 2 digits", format: schema.ITF, value: "12"},
		{name: "itf 14 digits", format: schema.ITF, value: "12345678901231"},
		{name: "itf odd", format: schema.ITF, value: "123", wantErr: "itf needs an even number of digits (0-9) and at least 2; got 3 characters"},
		{name: "itf empty", format: schema.ITF, value: "", wantErr: "itf needs an even number of digits"},
		{name: "itf letter", format: schema.ITF, value: "12A4", wantErr: `character 3 is 'A'`},
		{name: "codabar shortest", format: schema.Codabar, value: "A12B"},
		{name: "codabar all characters", format: schema.Codabar, value: "C0123456789-$:/.+D"},
		{name: "codabar same guards", format: schema.Codabar, value: "D99D"},
		{name: "codabar no start", format: schema.Codabar, value: "1234B", wantErr: "codabar needs a start and a stop character from A, B, C or D with at least 2 digits or - $ : / . + between them; the first character is '1'"},
		{name: "codabar no stop", format: schema.Codabar, value: "A1234", wantErr: "the last character is '4'"},
		{name: "codabar lower-case guards", format: schema.Codabar, value: "a12b", wantErr: "the first character is 'a'"},
		{name: "codabar guard inside", format: schema.Codabar, value: "A1B2C", wantErr: "character 3 is 'B'"},
		{name: "codabar letter inside", format: schema.Codabar, value: "A1X2C", wantErr: "character 3 is 'X'"},
		{name: "codabar one data character", format: schema.Codabar, value: "A1B", wantErr: "at least 2 digits"},
		{name: "codabar guards only", format: schema.Codabar, value: "AB", wantErr: "got 2 characters"},
		{name: "codabar empty", format: schema.Codabar, value: "", wantErr: "got 0 characters"},
		{name: "code128 text", format: schema.Code128, value: "Hello, World!"},
		{name: "code128 all printable", format: schema.Code128, value: " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"},
		{name: "code128 80 characters", format: schema.Code128, value: strings.Repeat("x", 80)},
		{name: "code128 81 characters", format: schema.Code128, value: strings.Repeat("x", 81), wantErr: "code128 needs 1 to 80 printable ASCII characters; got 81"},
		{name: "code128 empty", format: schema.Code128, value: "", wantErr: "code128 needs 1 to 80 printable ASCII characters (space to ~); got an empty value"},
		{name: "code128 tab", format: schema.Code128, value: "a\tb", wantErr: `code128 needs printable ASCII characters only (space to ~); character 2 is '\t'`},
		{name: "code128 DEL", format: schema.Code128, value: "ab\x7f", wantErr: `character 3 is '\x7f'`},
		{name: "code128 non-ASCII", format: schema.Code128, value: "caf\u00e9", wantErr: `character 4 is 'é'`},
		{name: "code39 full set", format: schema.Code39, value: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-.$/+% "},
		{name: "code39 lower-case", format: schema.Code39, value: "ABc", wantErr: "code39 allows only upper-case letters A-Z, digits 0-9, - . $ / + % and space; character 3 is 'c'"},
		{name: "code39 asterisk", format: schema.Code39, value: "*AB*", wantErr: `character 1 is '*'`},
		{name: "code39 after multibyte", format: schema.Code39, value: "ÄB", wantErr: `character 1 is 'Ä'`},
		{name: "code39 empty", format: schema.Code39, value: "", wantErr: "code39 needs at least one character"},
		{name: "unknown format", format: "upca", value: "123456789012", wantErr: `unsupported barcode format "upca": use code128, ean13, ean8, code39, itf or codabar`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckBarcodeValue(tt.format, tt.value)
			if tt.wantErr == "" {
				require.NoError(t, err)
				// Every accepted value encodes.
				_, err = barModules(tt.format, tt.value)
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, failure.Invalid, failure.KindOf(err))
			require.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestEANCheckDigit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data string
		want       byte
	}{
		{name: "ean13", data: "400638133393", want: '1'},
		{name: "ean13 isbn", data: "978030640615", want: '7'},
		{name: "ean13 zero sum", data: "000000000000", want: '0'},
		{name: "ean8", data: "9638507", want: '4'},
		{name: "ean8 other", data: "5512345", want: '7'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, string(tt.want), string(schema.EANCheckDigit(tt.data)))
		})
	}
}

// The QR value rules as drawing applies them (qrMatrix).
func TestQRValueRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value, level, wantErr string
	}{
		{name: "default level", value: "hello"},
		{name: "each level", value: "hello", level: "H"},
		{name: "longest byte value at L", value: strings.Repeat("a", 2953), level: "L"},
		{name: "too long at H", value: strings.Repeat("a", 1274), level: "H", wantErr: "qr-code value is too long for error correction H: at most 1273 bytes"},
		{name: "too long at default M", value: strings.Repeat("a", 2332), wantErr: "error correction M: at most 2331 bytes"},
		{name: "empty", value: "", wantErr: "qr-code value must not be empty"},
		{name: "bad level", value: "x", level: "X", wantErr: `qr-code error_correction must be L, M, Q or H, not "X"`},
		{name: "lower-case level", value: "x", level: "m", wantErr: "must be L, M, Q or H"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := qrMatrix(tt.value, tt.level)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, failure.Invalid, failure.KindOf(err))
			require.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// TestQRMatrixCached: the same value and level are encoded once; the
// matrix comes back from the cache without allocating.
func TestQRMatrixCached(t *testing.T) {
	a, err := qrMatrix("https://strata.dev/cached?x=1", "Q")
	require.NoError(t, err)
	b, err := qrMatrix("https://strata.dev/cached?x=1", "Q")
	require.NoError(t, err)
	require.Same(t, &a[0][0], &b[0][0], "the cached matrix")
	other, err := qrMatrix("https://strata.dev/cached?x=1", "L")
	require.NoError(t, err)
	require.NotEqual(t, len(a), 0)
	require.NotSame(t, &a[0][0], &other[0][0], "another level, another matrix")
	allocs := testing.AllocsPerRun(20, func() { _, _ = qrMatrix("https://strata.dev/cached?x=1", "Q") })
	require.LessOrEqual(t, allocs, 1.0)
}
