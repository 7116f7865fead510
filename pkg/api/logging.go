package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/failure"
)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}

// logRequests writes one structured line per request. It logs the key's
// id, never the key, and never a body.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		gone := err != nil && clientGone(c, err)
		switch {
		case gone:
			// Nobody reads an answer: none is written; 499 (nginx's
			// "client closed request") is what logs and metrics record.
			c.Response().Status = statusClientClosed
			c.Set(ctxErrorKind, failure.Invalid)
		case err != nil:
			c.Error(err)
		}
		kind, _ := c.Get(ctxErrorKind).(failure.Kind)
		level := slog.LevelInfo
		if err != nil {
			level = logLevelFor(kind)
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes_in", c.Request().ContentLength),
			slog.Int64("bytes_out", c.Response().Size),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if id, ok := c.Get(ctxKeyID).(string); ok {
			attrs = append(attrs, slog.String("key_id", id))
		}
		switch {
		case gone:
			attrs = append(attrs, slog.String("outcome", "client_closed"))
		case err != nil:
			attrs = append(attrs, slog.String("error_kind", kind.String()))
		}
		s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		s.metrics.observe(c, start, kind, err != nil && !gone)
		if gone {
			s.metrics.rejected.WithLabelValues("client_closed").Inc()
		}
		return nil
	}
}

// statusClientClosed is the status logged for a client that went away.
const statusClientClosed = 499

// clientGone reports whether err ended the request because its client
// went away: mid-body (the read failed) or later (the request's context
// was cancelled, which net/http does when the connection closes).
func clientGone(c echo.Context, err error) bool {
	return errors.Is(err, errClientGone) ||
		errors.Is(c.Request().Context().Err(), context.Canceled) && !c.Response().Committed
}
