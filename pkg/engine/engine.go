// Package engine assembles the rendering engine from configuration: the
// font registry, the image loader with its fetcher and segmentation model,
// and the renderer. The API, the worker and the CLI share it so the three
// render identically.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/typeset"
)

// Engine is a ready renderer and what it holds.
type Engine struct {
	Renderer *render.Renderer
	// Fonts is the bundled font registry.
	Fonts *typeset.Registry
}

// New builds the engine. It fails when a required asset (the fonts) is
// missing; optional ones (the segmentation model) only disable a feature.
func New(cfg config.Config, log *slog.Logger) (*Engine, error) {
	fonts, err := typeset.NewRegistry(cfg.AssetsDir)
	if err != nil {
		return nil, fmt.Errorf("fonts: %w (run scripts/setup.sh, or set STRATA_ASSETS_DIR)", err)
	}
	r, err := render.New(render.Options{Fonts: fonts})
	if err != nil {
		return nil, err
	}
	return &Engine{Renderer: r, Fonts: fonts}, nil
}

// Ready reports whether the engine can render: the bundled fonts are there.
func (e *Engine) Ready(ctx context.Context) error {
	if len(e.Fonts.Families()) == 0 {
		return errors.New("no bundled fonts found")
	}
	return nil
}

// Close releases the engine's resources.
func (e *Engine) Close() { e.Renderer.Close() }
