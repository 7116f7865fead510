// Package assets tells the tests and development tools where the assets
// are: the directory scripts/setup.sh fills with fonts, the emoji font,
// ONNX Runtime, the segmentation model and sample photos. The processes
// read it from their configuration (config.Config.AssetsDir).
package assets

import (
	"os"

	"github.com/strata-render/strata/pkg/config"
)

// Dir returns the assets directory as the processes would see it:
// $STRATA_ASSETS_DIR, else config.DefaultAssetsDir.
func Dir() string {
	if dir := os.Getenv("STRATA_ASSETS_DIR"); dir != "" {
		return dir
	}
	return config.DefaultAssetsDir()
}
