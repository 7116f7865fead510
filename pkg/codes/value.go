package codes

import (
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// CheckBarcodeValue reports whether value can be encoded in format, as a
// failure.Invalid stating the rule. The rules live in schema (validation
// applies them before anything is drawn); Barcode re-checks them so a
// value that bypassed validation is still a 400, never a panic.
func CheckBarcodeValue(format schema.BarcodeFormat, value string) error {
	if err := schema.CheckBarcodeValue(format, value); err != nil {
		return failure.New(failure.Invalid, "%s", err.Error())
	}
	return nil
}
