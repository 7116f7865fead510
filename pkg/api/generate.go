package api

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/fetch"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/rendercache"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

type imageData struct {
	Buffer   string `json:"buffer"`
	MimeType string `json:"mime_type"`
	// Warnings is the render report, [] when nothing went wrong (our
	// extension; the reference's SDKs ignore fields they do not know).
	Warnings []warning.Warning `json:"warnings"`
}

type successBody struct {
	Success bool      `json:"success"`
	Data    imageData `json:"data"`
}

type acceptedBody struct {
	Success bool   `json:"success"`
	Async   bool   `json:"async"`
	Message string `json:"message"`
	JobID   string `json:"job_id"`
}

// generate handles POST /generate and /render: sync renders answer 200
// with the image; requests with a webhook_url are queued (201).
func (s *Server) generate(c echo.Context) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	req, err := schema.Decode(body, s.limits)
	if err != nil {
		return err
	}
	return s.respond(c, req, body)
}

// readBody reads the request body within MaxBodyBytes.
func (s *Server) readBody(c echo.Context) ([]byte, error) {
	r := c.Request()
	if r.ContentLength > s.limits.MaxBodyBytes {
		// Refuse a declared oversize body before reading any of it.
		return nil, &http.MaxBytesError{Limit: s.limits.MaxBodyBytes}
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, s.limits.MaxBodyBytes)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, failure.Wrap(failure.Invalid, err, "The request body could not be read.")
	}
	return body, nil
}

// respond answers a validated request in the /generate envelope: queued
// (201) with a webhook_url, else rendered (200). body is the request's
// JSON, which the worker decodes again.
func (s *Server) respond(c echo.Context, req *schema.Request, body []byte) error {
	// A destination this key may not write is refused before any work.
	if err := s.storage.Check(c.Get(ctxKeyID).(string), req.Storage); err != nil {
		return err
	}
	if req.WebhookURL != "" {
		if err := s.checkWebhookHost(req.WebhookURL); err != nil {
			return err
		}
		return s.submit(c, req, body)
	}
	res, err := s.renderCached(c, req)
	if err != nil {
		return err
	}
	if req.Storage != nil {
		// After the render slot is free: the upload waits on the network.
		return s.store(c, req.Storage, res)
	}
	return c.JSON(http.StatusOK, successBody{
		Success: true,
		Data:    imageData{Buffer: base64.StdEncoding.EncodeToString(res.Data), MimeType: res.MimeType, Warnings: warning.OrEmpty(res.Warnings)},
	})
}

// renderCached renders req through the render cache, when there is one,
// and says what happened in a Cache-Status header (RFC 9211).
func (s *Server) renderCached(c echo.Context, req *schema.Request) (core.Result, error) {
	key := ""
	if s.cache != nil {
		key = rendercache.Key(s.rendererVersion, req)
	}
	return s.renderKeyed(c, req, key)
}

// renderKeyed is renderCached with the cache key already known.
func (s *Server) renderKeyed(c echo.Context, req *schema.Request, key string) (core.Result, error) {
	if s.cache == nil {
		return s.renderSync(c.Request().Context(), req)
	}
	// Cache-Control: no-cache (or Pragma: no-cache) asks for a fresh render.
	rh := c.Request().Header
	bypass := strings.Contains(strings.ToLower(rh.Get("Cache-Control")), "no-cache") || strings.Contains(strings.ToLower(rh.Get("Pragma")), "no-cache")
	res, status, err := s.cache.Get(c.Request().Context(), key, bypass,
		func(ctx context.Context) (core.Result, error) { return s.renderSync(ctx, req) })
	if err != nil {
		return core.Result{}, err
	}
	c.Response().Header().Set("Cache-Status", status)
	return res, nil
}

// renderSync renders req within a render slot and the render timeout.
func (s *Server) renderSync(parent context.Context, req *schema.Request) (core.Result, error) {
	if err := s.acquire(parent); err != nil {
		return core.Result{}, err
	}
	defer s.release()
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	return core.RenderWithin(parent, s.renderer, req, s.limits.RenderTimeout)
}

// acquire takes a render slot, waiting up to s.wait; at capacity the
// client gets 503 with Retry-After so memory stays bounded under any load.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) release() { <-s.slots }

var errBusy = failure.New(failure.Unavailable, "The server is at capacity; retry in a few seconds.")

func (s *Server) submit(c echo.Context, req *schema.Request, body []byte) error {
	if s.async == nil {
		return failure.New(failure.Unavailable, "Async rendering is not available on this server: the queue is not configured.")
	}
	idem := c.Request().Header.Get("Idempotency-Key")
	if len(idem) > 255 {
		return &failure.Error{Kind: failure.Invalid, Message: "The Idempotency-Key header must be at most 255 characters.",
			Details: []failure.Detail{{Path: "headers.Idempotency-Key", Message: "must be at most 255 characters"}}}
	}
	// A code whose box is too small fails every render: say so now (the
	// same 422 a sync render gives) instead of queueing a certain failure.
	if err := render.CheckCodeBoxes(req); err != nil {
		return err
	}
	id, err := s.async.Submit(c.Request().Context(), core.Submission{
		KeyID: c.Get(ctxKeyID).(string), IdempotencyKey: idem, Request: req, Body: body,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, acceptedBody{
		Success: true, Async: true, JobID: id,
		Message: "Request accepted. Results will be delivered to the provided webhook URL.",
	})
}

func (s *Server) jobStatus(c echo.Context) error {
	job, err := s.async.Job(c.Request().Context(), c.Get(ctxKeyID).(string), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"success": true, "data": job})
}

// checkWebhookHost refuses, at submit, a webhook_url whose host is a
// literal address that deliveries may not reach (loopback, private,
// link-local, metadata…: pkg/fetch's rules), unless private networks are
// allowed. Such a job could only fail at delivery. Host names are still
// judged at dial time, since their addresses can change.
func (s *Server) checkWebhookHost(raw string) error {
	if s.allowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil // schema has already refused it
	}
	addr, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil // a host name
	}
	why := fetch.Restriction(addr)
	if why == "" {
		return nil
	}
	msg := fmt.Sprintf("must not point at %s (%s): webhooks are delivered only to public addresses unless the server sets STRATA_ALLOW_PRIVATE_NETWORKS=true", addr, why)
	return &failure.Error{Kind: failure.Invalid, Message: "webhook_url " + msg + ".",
		Details: []failure.Detail{{Path: "webhook_url", Message: msg}}}
}
