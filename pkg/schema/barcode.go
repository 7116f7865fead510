package schema

import (
	"errors"
	"fmt"
	"strings"
)

// maxCode128Runes is the longest value github.com/boombuler/barcode encodes
// as Code 128.
const maxCode128Runes = 80

// code39Chars is the Code 39 character set without full-ASCII mode.
const code39Chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-.$/+% "

// codabarData are the characters allowed between codabar's start and stop.
const codabarData = "0123456789-$:/.+"

// codabarGuards are codabar's start and stop characters.
const codabarGuards = "ABCD"

// CheckBarcodeValue reports whether value can be encoded in format. The
// error states the rule that was broken, e.g. "ean13 needs 12 or 13
// digits; the 13th digit must be the check digit 7, not 8". A value it
// accepts always encodes (drawing then fails only on box size). The rules
// are stricter than the symbologies where ordinary readers are: codabar
// needs two data characters, code128 at most 80 (the encoder's maximum).
func CheckBarcodeValue(format BarcodeFormat, value string) error {
	if msg := barcodeRule(format, value); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// barcodeRule returns the broken rule as a sentence, or "" when value is
// valid for format.
func barcodeRule(format BarcodeFormat, value string) string {
	switch format {
	case EAN13:
		return eanRule("ean13", value, 12)
	case EAN8:
		return eanRule("ean8", value, 7)
	case ITF:
		if value == "" || !allDigits(value) || len(value)%2 != 0 {
			return fmt.Sprintf("itf needs an even number of digits (0-9) and at least 2; got %d characters%s",
				len(value), nonDigitNote(value))
		}
	case Codabar:
		return codabarRule(value)
	case Code128:
		if value == "" {
			return "code128 needs 1 to 80 printable ASCII characters (space to ~); got an empty value"
		}
		for i, r := range value {
			if r < 0x20 || r > 0x7e {
				return fmt.Sprintf("code128 needs printable ASCII characters only (space to ~); character %d is %q", runeIndex(value, i)+1, r)
			}
		}
		if len(value) > maxCode128Runes {
			return fmt.Sprintf("code128 needs 1 to 80 printable ASCII characters; got %d", len(value))
		}
	case Code39:
		if value == "" {
			return "code39 needs at least one character: upper-case letters A-Z, digits 0-9, - . $ / + % and space"
		}
		for i, r := range value {
			if !strings.ContainsRune(code39Chars, r) {
				hint := ""
				if up := strings.ToUpper(value); strings.Trim(up, code39Chars) == "" && strings.Count(up, "") == strings.Count(value, "") {
					hint = fmt.Sprintf("; did you mean %q?", truncate(up, 40))
				}
				return fmt.Sprintf("code39 allows only upper-case letters A-Z, digits 0-9, - . $ / + %% and space; character %d is %q%s", runeIndex(value, i)+1, r, hint)
			}
		}
	default:
		return fmt.Sprintf("unsupported barcode format %q: use code128, ean13, ean8, code39, itf or codabar", string(format))
	}
	return ""
}

// eanRule checks an EAN value whose data part has n digits (12 or 7),
// optionally followed by its check digit. A wrong check digit is allowed:
// the reference documents only "12 or 13 digits" and its users send
// placeholders such as 9781234567890; the digits are drawn as given and the
// render report warns (EANCheckDigitWrong).
func eanRule(name, value string, n int) string {
	if !allDigits(value) || (len(value) != n && len(value) != n+1) {
		return fmt.Sprintf("%s needs %d or %d digits (0-9), the last being the check digit; got %d characters%s",
			name, n, n+1, len(value), nonDigitNote(value))
	}
	return ""
}

// EANCheckDigitWrong returns the check digit an EAN-13 or EAN-8 value
// should end in and true when value has its check digit and it is not
// that one; false for any other format or value.
func EANCheckDigitWrong(format BarcodeFormat, value string) (want byte, wrong bool) {
	n := map[BarcodeFormat]int{EAN13: 12, EAN8: 7}[format]
	if n == 0 || len(value) != n+1 || !allDigits(value) {
		return 0, false
	}
	want = EANCheckDigit(value[:n])
	return want, value[n] != want
}

// EANCheckDigit computes the EAN/GTIN check digit of data (7 or 12 digits):
// weights 3,1,3,… from the rightmost data digit.
func EANCheckDigit(data string) byte {
	sum := 0
	for i := len(data) - 1; i >= 0; i-- {
		d := int(data[i] - '0')
		if (len(data)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

// codabarRule checks a codabar value: a start and a stop from A-D with at
// least two of the digits and - $ : / . + between.
func codabarRule(value string) string {
	// At least two data characters: readers with default settings (ZXing,
	// zbar) drop shorter codabar as a probable false positive.
	const rule = "codabar needs a start and a stop character from A, B, C or D with at least 2 digits or - $ : / . + between them"
	if len(value) < 4 {
		return rule + fmt.Sprintf("; got %d characters", len(value))
	}
	if !strings.ContainsRune(codabarGuards, rune(value[0])) {
		return rule + fmt.Sprintf("; the first character is %q", rune(value[0]))
	}
	for i, r := range value[1:] {
		last := i+1 == len(value)-1
		if last {
			if !strings.ContainsRune(codabarGuards, r) {
				return rule + fmt.Sprintf("; the last character is %q", r)
			}
			break
		}
		if !strings.ContainsRune(codabarData, r) {
			return rule + fmt.Sprintf("; character %d is %q", runeIndex(value, i+1)+1, r)
		}
	}
	return ""
}

// allDigits reports whether s is non-empty ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// nonDigitNote names the first non-digit of s, for messages.
func nonDigitNote(s string) string {
	for i, r := range s {
		if r < '0' || r > '9' {
			return fmt.Sprintf(", character %d is %q", runeIndex(s, i)+1, r)
		}
	}
	return ""
}

// runeIndex converts a byte offset in s to a rune index.
func runeIndex(s string, byteOff int) int {
	return len([]rune(s[:byteOff]))
}
