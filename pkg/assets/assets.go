// Package assets locates the directory that scripts/setup.sh fills with
// fonts, the emoji font, ONNX Runtime, the segmentation model and sample
// photos: $STRATA_ASSETS_DIR, else ~/.cache/strata.
package assets

import (
	"os"
	"path/filepath"
)

// Dir returns the assets directory: $STRATA_ASSETS_DIR, else DefaultDir.
// The tests find their fonts, models and samples through it; the
// processes read STRATA_ASSETS_DIR through pkg/config.
func Dir() string {
	if dir := os.Getenv("STRATA_ASSETS_DIR"); dir != "" {
		return dir
	}
	return DefaultDir()
}

// DefaultDir is ~/.cache/strata, where scripts/setup.sh puts the assets
// unless told otherwise.
func DefaultDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "strata")
}
