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

	"github.com/labstack/echo/v4"

	"github.com/strata-render/strata/pkg/admission"
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
	body, err := readAll(r.Body, r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		// The connection broke or stalled mid-body: the client is gone.
		return nil, fmt.Errorf("%w: %w", errClientGone, err)
	}
	return body, nil
}

// readAll reads r to its end into a buffer of the declared length n (when
// known), so a large body costs its size once, not io.ReadAll's doublings
// (up to twice the size, half of it garbage), which the body budget
// (admitBody) would not see.
func readAll(r io.Reader, n int64) ([]byte, error) {
	if n <= 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	// A body longer than it declared: net/http reports it as an error.
	if _, err := r.Read(make([]byte, 1)); err != io.EOF {
		if err == nil {
			err = errors.New("body longer than its Content-Length")
		}
		return nil, err
	}
	return buf, nil
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
		if err := s.checkWebhookHost(c.Request().Context(), req.WebhookURL); err != nil {
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
		return s.renderSync(c.Request().Context(), c.Get(ctxKeyID).(string), req)
	}
	// Cache-Control: no-cache (or Pragma: no-cache) asks for a fresh render.
	rh := c.Request().Header
	bypass := strings.Contains(strings.ToLower(rh.Get("Cache-Control")), "no-cache") || strings.Contains(strings.ToLower(rh.Get("Pragma")), "no-cache")
	res, status, err := s.cache.Get(c.Request().Context(), key, bypass,
		func(ctx context.Context) (core.Result, error) {
			return s.renderSync(ctx, c.Get(ctxKeyID).(string), req)
		})
	if err != nil {
		return core.Result{}, err
	}
	c.Response().Header().Set("Cache-Status", status)
	return res, nil
}

// renderSync renders req within a render slot and the render timeout. The
// slot is charged with the render's estimated memory (render.EstimateBytes)
// and taken fairly across keys (admission.Gate); a heavy one runs at a
// lower thread priority (atPriority). A render stuck in a C call
// past its deadline is abandoned (core.RenderWithin): the client gets its
// 422 on time, and the slot comes back when the call ends.
func (s *Server) renderSync(parent context.Context, keyID string, req *schema.Request) (core.Result, error) {
	cost, err := render.CheckMemory(req, s.renderBytes)
	if err != nil {
		return core.Result{}, err
	}
	t, err := s.gate.Acquire(parent, keyID, cost, s.wait)
	if errors.Is(err, admission.ErrBusy) {
		s.metrics.rejected.WithLabelValues("busy").Inc()
		return core.Result{}, errBusy
	}
	if err != nil {
		return core.Result{}, err
	}
	s.metrics.inFlight.Inc()
	return core.RenderWithin(parent, atPriority{s.renderer, t}, req, s.limits.RenderTimeout, func() {
		s.metrics.inFlight.Dec()
		if t.Heavy() {
			// Before the bytes go back: the next heavy render is
			// admitted against memory really returned.
			render.ReleaseMemory()
		}
		t.Release()
	})
}

// atPriority renders at its ticket's priority: a heavy render on a
// low-priority thread of its own, so light ones run first on a shared
// core (admission.Ticket.Run).
type atPriority struct {
	core.Renderer
	t *admission.Ticket
}

func (a atPriority) Render(ctx context.Context, req *schema.Request) (res core.Result, err error) {
	a.t.Run(func() { res, err = a.Renderer.Render(ctx, req) })
	return res, err
}

var errBusy = failure.New(failure.Unavailable, "The server is at capacity; retry in a few seconds.")

// errClientGone marks a request whose client went away before it was
// answered: logged and counted with status 499, never as a 500.
var errClientGone = errors.New("client closed the connection")

// admitBody charges a request's body, twice its size (the bytes and what
// decoding makes of them, base64 files above all), against the bytes in
// flight before a byte of it is read; over the budget it answers 503 with
// Retry-After at once, so refused requests hold no memory. A body of
// unknown length is charged as the largest allowed.
func (s *Server) admitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			return next(c)
		}
		n := r.ContentLength
		if n < 0 || n > s.limits.MaxBodyBytes {
			n = s.limits.MaxBodyBytes
		}
		release, ok := s.bodies.TryAcquire(2 * n)
		if !ok {
			s.metrics.rejected.WithLabelValues("memory").Inc()
			return errBodiesBusy
		}
		defer release()
		return next(c)
	}
}

var errBodiesBusy = failure.New(failure.Unavailable, "The server is reading too many large requests at once; retry in a few seconds.")

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

// checkWebhookHost refuses, at submit, a webhook_url that deliveries
// could never reach: a literal address they may not connect to (loopback,
// private, link-local, metadata…: pkg/fetch's rules; 400) unless private
// networks are allowed, or a host name DNS says does not exist (422; a
// lookup that times out or fails otherwise lets it through, for the
// delivery's retries). Names are still judged at dial time, since their
// addresses can change.
func (s *Server) checkWebhookHost(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // schema has already refused it
	}
	addr, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		if err := s.webhookHosts.Check(ctx, u.Hostname()); err != nil {
			msg := fmt.Sprintf("has a host, %s, with no DNS record: no delivery could reach it; check the spelling or create the record first", u.Hostname())
			return &failure.Error{Kind: failure.Unprocessable, Message: "webhook_url " + msg + ".", Cause: err,
				Details: []failure.Detail{{Path: "webhook_url", Message: msg}}}
		}
		return nil
	}
	why := fetch.Restriction(addr)
	if why == "" || s.allowPrivate {
		return nil
	}
	msg := fmt.Sprintf("must not point at %s (%s): webhooks are delivered only to public addresses unless the server sets STRATA_ALLOW_PRIVATE_NETWORKS=true", addr, why)
	return &failure.Error{Kind: failure.Invalid, Message: "webhook_url " + msg + ".",
		Details: []failure.Detail{{Path: "webhook_url", Message: msg}}}
}
