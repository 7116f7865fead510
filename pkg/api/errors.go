package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[failure.Kind]int{
	failure.Internal:         http.StatusInternalServerError,
	failure.Invalid:          http.StatusBadRequest,
	failure.Unauthorized:     http.StatusUnauthorized,
	failure.NotFound:         http.StatusNotFound,
	failure.TooLarge:         http.StatusRequestEntityTooLarge,
	failure.Unprocessable:    http.StatusUnprocessableEntity,
	failure.RateLimited:      http.StatusTooManyRequests,
	failure.Unavailable:      http.StatusServiceUnavailable,
	failure.MethodNotAllowed: http.StatusMethodNotAllowed,
	failure.Forbidden:        http.StatusForbidden,
}

// errorBody is the error envelope of spec/API.md §1. Error stays a string:
// the reference's SDKs parse it as one.
type errorBody struct {
	Success bool             `json:"success"`
	Error   string           `json:"error"`
	Details []failure.Detail `json:"details,omitempty"`
}

// handleError is Echo's HTTPErrorHandler: every error leaves through here.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	fe := s.classify(err)
	status := statusOf[fe.Kind]
	if fe.Kind == failure.Internal {
		s.log.ErrorContext(c.Request().Context(), "internal error", "error", err.Error(), "request_id", requestID(c))
	}
	c.Set(ctxErrorKind, fe.Kind)
	body := errorBody{Error: fe.PublicMessage(), Details: fe.Details}
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(status)
	} else {
		err = c.JSON(status, body)
	}
	if err != nil {
		s.log.Warn("writing error response", "error", err.Error())
	}
}

// classify turns any error into a *failure.Error.
func (s *Server) classify(err error) *failure.Error {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	var fe *failure.Error
	switch {
	case errors.As(err, &mbe):
		return failure.New(failure.TooLarge, "The request body is larger than %s, the limit.", schema.FormatBytes(mbe.Limit))
	case errors.As(err, &fe):
		// Classified where it happened, whatever it wraps: a queue that
		// timed out is Unavailable, not a slow render.
		return fe
	case errors.Is(err, context.DeadlineExceeded):
		return core.RenderTimeout(s.limits.RenderTimeout, nil)
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return failure.New(failure.NotFound, "No such endpoint; POST to /image-generation/v1/generate.")
		case http.StatusMethodNotAllowed:
			return &failure.Error{Kind: failure.MethodNotAllowed, Message: "This endpoint does not accept that method."}
		case http.StatusRequestEntityTooLarge:
			return failure.New(failure.TooLarge, "The request body is over the size limit.")
		}
		return failure.Wrap(failure.Internal, err, "http error")
	}
	return failure.As(err)
}

func logLevelFor(kind failure.Kind) slog.Level {
	if kind == failure.Internal {
		return slog.LevelError
	}
	return slog.LevelInfo
}
