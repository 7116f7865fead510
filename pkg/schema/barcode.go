package schema

import (
	"fmt"
	"strings"
)

// CheckBarcodeValue reports whether value can be encoded in format, with an
// error that states the rule the value breaks.
func CheckBarcodeValue(format BarcodeFormat, value string) error {
	if value == "" {
		return fmt.Errorf("must not be empty")
	}
	switch format {
	case EAN13:
		return checkEAN(value, 12)
	case EAN8:
		return checkEAN(value, 7)
	case ITF:
		if !allDigits(value) || len(value)%2 != 0 {
			return fmt.Errorf("itf needs an even number of digits (got %q)", value)
		}
	case Codabar:
		if len(value) < 2 || !strings.ContainsRune("ABCD", rune(value[0])) || !strings.ContainsRune("ABCD", rune(value[len(value)-1])) {
			return fmt.Errorf("codabar must start and end with A, B, C or D (e.g. A12345B)")
		}
		for _, r := range value[1 : len(value)-1] {
			if !strings.ContainsRune("0123456789-$:/.+", r) {
				return fmt.Errorf("codabar allows only digits and -$:/.+ between its start and stop letters (found %q)", r)
			}
		}
	case Code128:
		for _, r := range value {
			if r < 0x20 || r > 0x7e {
				return fmt.Errorf("code128 allows printable ASCII only (found %q)", r)
			}
		}
	case Code39:
		for _, r := range value {
			if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-.$/+% ", r) {
				return fmt.Errorf("code39 allows upper-case letters, digits, space and -.$/+%% only (found %q)", r)
			}
		}
	}
	return nil
}

func checkEAN(value string, dataDigits int) error {
	name := fmt.Sprintf("ean%d", dataDigits+1)
	if !allDigits(value) || (len(value) != dataDigits && len(value) != dataDigits+1) {
		return fmt.Errorf("%s needs %d or %d digits (got %q)", name, dataDigits, dataDigits+1, value)
	}
	if len(value) == dataDigits+1 {
		want := EANCheckDigit(value[:dataDigits])
		if value[dataDigits] != want {
			return fmt.Errorf("%s's last digit must be the check digit %c, not %c", name, want, value[dataDigits])
		}
	}
	return nil
}

// EANCheckDigit computes the GS1 check digit of an EAN-8 or EAN-13 payload
// (7 or 12 digits).
func EANCheckDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		// Weights alternate 3,1,3,… starting from the rightmost payload digit.
		if (len(digits)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
