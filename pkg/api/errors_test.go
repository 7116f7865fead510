package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// TestClassify: every error reaches the client as the kind it was given
// where it happened; only a bare deadline (the sync render's) is the
// render time limit.
func TestClassify(t *testing.T) {
	s := &Server{limits: schema.Limits{RenderTimeout: 30 * time.Second}}
	for _, tc := range []struct {
		name    string
		err     error
		kind    failure.Kind
		message string
	}{
		{"render deadline", context.DeadlineExceeded, failure.Unprocessable, "The render took longer than 30s"},
		{"render deadline, wrapped", fmt.Errorf("rendering: %w", context.DeadlineExceeded), failure.Unprocessable, "The render took longer than 30s"},
		// Regression: the queue's Redis call timing out (Redis down) was
		// answered as a slow render, 422, instead of 503.
		{"queue timed out", failure.Wrap(failure.Unavailable, context.DeadlineExceeded, "Async rendering is unavailable right now."),
			failure.Unavailable, "Async rendering is unavailable right now."},
		{"body too large", &http.MaxBytesError{Limit: 32 << 20}, failure.TooLarge, "larger than 32 MB"},
		{"no such route", echo.ErrNotFound, failure.NotFound, "No such endpoint"},
		{"anything else", errors.New("boom"), failure.Internal, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.classify(tc.err)
			require.Equal(t, tc.kind, got.Kind)
			require.Contains(t, got.PublicMessage(), tc.message)
		})
	}
}
