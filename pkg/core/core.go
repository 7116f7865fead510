// Package core names what the front ends of Strata share: the rendered
// Result, the Renderer that makes one, the Async interface of the
// background mode with its Submission and JobView, the owner id of an API
// key (KeyID) and the render time limit (RenderWithin).
//
// The request is schema.Request and every error that reaches a client is a
// *failure.Error (its Kind is the error kind); core uses those two small
// packages and nothing else of Strata's but pkg/warning. pkg/api (HTTP),
// pkg/queue (asynq workers) and cmd/strata (the CLI) depend on core, never
// on one another: the worker binary links neither Echo nor the rate limiter.
package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/strata-render/strata/pkg/failure"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/warning"
)

// Result is an encoded image.
type Result struct {
	// Data is the encoded image.
	Data []byte
	// MimeType is the media type of Data, e.g. "image/png".
	MimeType string
	// Width and Height are the image size in pixels.
	Width, Height int
	// Warnings is the render report: what went quietly wrong (nil when
	// nothing did). Collecting them never changes the pixels.
	Warnings []warning.Warning
	// Assets is a digest of every URL the render fetched (images, fonts)
	// and of the bytes it got (fetch.Digests.Sum); "" when it fetched
	// nothing. The pixels are a function of the request and Assets.
	Assets string
}

// Renderer renders a validated request into an encoded image.
type Renderer interface {
	Render(ctx context.Context, req *schema.Request) (Result, error)
}

// Async accepts requests for background rendering and reports on them.
type Async interface {
	// Submit queues a validated request and returns its job id. A repeat
	// with the same key id and idempotency key returns the first job's id.
	Submit(ctx context.Context, s Submission) (jobID string, err error)
	// Job returns the status of a job owned by keyID, or a NotFound error.
	Job(ctx context.Context, keyID, jobID string) (*JobView, error)
}

// Submission is one validated async request.
type Submission struct {
	// KeyID owns the job (KeyID of the API key that sent it).
	KeyID string
	// IdempotencyKey is the client's Idempotency-Key header, "" if none.
	IdempotencyKey string
	// Request is the validated request.
	Request *schema.Request
	// Body is the raw request JSON, kept so the worker decodes exactly
	// what the client sent.
	Body []byte
}

// JobView is the job status of spec/API.md §6.
type JobView struct {
	JobID     string    `json:"job_id"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// KeyID is a stable, non-secret identifier of an API key (a short hash
// prefix): the owner of jobs and templates, the key of per-key settings
// (rate limits, webhook secrets, storage buckets) and the key parameter of
// a signed URL.
func KeyID(key string) string {
	sum := sha256.Sum256([]byte("strata-key:" + key))
	return "key_" + hex.EncodeToString(sum[:6])
}

// RenderWithin renders req with r under the render time limit. A render
// cut off by that limit (and not by ctx) is the Unprocessable error of
// RenderTimeout.
func RenderWithin(ctx context.Context, r Renderer, req *schema.Request, limit time.Duration) (Result, error) {
	rctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	res, err := r.Render(rctx, req)
	if err != nil {
		if rctx.Err() != nil && ctx.Err() == nil {
			return Result{}, RenderTimeout(limit, err)
		}
		return Result{}, err
	}
	return res, nil
}

// RenderTimeout is the error of a render that ran out of its time limit;
// cause (may be nil) is what the render returned when it stopped.
func RenderTimeout(limit time.Duration, cause error) *failure.Error {
	return failure.Wrap(failure.Unprocessable, cause,
		"The render took longer than %s, the limit; simplify the request or use fewer or smaller images.", limit)
}

// NewJobID returns a fresh job id: "job_" and 32 hex digits of
// randomness. Async jobs get one from pkg/queue; a sync render that
// stores its result gets one for the {job_id} of its storage key.
func NewJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "job_" + hex.EncodeToString(b[:])
}

// ValidJobID reports whether id has NewJobID's form.
func ValidJobID(id string) bool {
	h, ok := strings.CutPrefix(id, "job_")
	if !ok || len(h) != 32 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}
