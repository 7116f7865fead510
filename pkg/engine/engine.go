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
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/strata-render/strata/pkg/bgremove"
	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
	"github.com/strata-render/strata/pkg/vips"
	"github.com/strata-render/strata/pkg/warning"
)

// Engine is a ready renderer and what it holds.
type Engine struct {
	Renderer *render.Renderer
	// Fonts is the bundled font registry.
	Fonts *typeset.Registry
	// BackgroundRemover removes backgrounds; nil when the model is not installed.
	BackgroundRemover *bgremove.Remover
	// Fetch is the guarded client for image and font URLs.
	Fetch *fetch.Client
	// LayerLatency is render time by layer type, for /metrics.
	LayerLatency *prometheus.HistogramVec
	// Warnings counts the render report's warnings by code, for /metrics.
	Warnings *prometheus.CounterVec
}

// New builds the engine. It fails when libvips lacks a loader or saver
// Strata calls (vips.Check) or a required asset (the fonts) is missing; an
// optional one (the segmentation model) only disables background removal,
// which then answers 422.
func New(cfg config.Config, log *slog.Logger) (*Engine, error) {
	if err := vips.Check(); err != nil {
		return nil, err
	}
	fonts, err := typeset.NewRegistry(cfg.AssetsDir)
	if err != nil {
		return nil, fmt.Errorf("fonts: %w (run scripts/setup.sh, or set STRATA_ASSETS_DIR)", err)
	}
	e := &Engine{Fonts: fonts, LayerLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "strata_layer_render_duration_seconds",
		Help:    "Time to draw and composite one top-level layer, by layer type.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"layer_type"}), Warnings: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "strata_render_warnings_total",
		Help: "Warnings of successful renders (the render report), by code.",
	}, []string{"code"})}
	e.BackgroundRemover, err = bgremove.New(
		filepath.Join(cfg.AssetsDir, "onnxruntime", "libonnxruntime.so.1"),
		filepath.Join(cfg.AssetsDir, "models", "u2netp.onnx"),
		cfg.SegmentConcurrency)
	if err != nil {
		if !errors.Is(err, bgremove.ErrNotInstalled) {
			return nil, fmt.Errorf("background removal: %w", err)
		}
		log.Warn("background removal disabled", "reason", err.Error())
		e.BackgroundRemover = nil
	}
	fo := fetch.DefaultOptions()
	fo.AllowPrivate = cfg.AllowPrivateNetworks
	fo.Resolver = cfg.Resolver()
	fo.Timeout = cfg.FetchTimeout
	fo.MaxBytes = max(cfg.Limits.MaxFileBytes, cfg.Limits.MaxFontBytes)
	e.Fetch = fetch.New(fo)
	fetchFunc := imaging.FetchWith(e.Fetch)
	e.Renderer, err = render.New(render.Options{
		Fonts: fonts,
		Images: imaging.NewLoader(imaging.Options{
			MaxPixels:         cfg.Limits.MaxImagePixels,
			MaxBytes:          cfg.Limits.MaxFileBytes,
			Fetch:             fetchFunc,
			BackgroundRemover: e.BackgroundRemover,
		}),
		FetchFont:    fetchFunc,
		MaxFontBytes: cfg.Limits.MaxFontBytes,
		ObserveLayer: func(t schema.LayerType, d time.Duration) {
			e.LayerLatency.WithLabelValues(string(t)).Observe(d.Seconds())
		},
		ObserveWarning: func(code warning.Code) { e.Warnings.WithLabelValues(string(code)).Inc() },
	})
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Ready reports whether the engine can render: the bundled fonts are there.
func (e *Engine) Ready(ctx context.Context) error {
	if len(e.Fonts.Families()) == 0 {
		return errors.New("no bundled fonts found")
	}
	return nil
}

// Close releases the engine's resources.
func (e *Engine) Close() {
	if e.BackgroundRemover != nil {
		e.BackgroundRemover.Close()
	}
	if e.Fetch != nil {
		e.Fetch.CloseIdleConnections()
	}
}
