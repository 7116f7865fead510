// Package queue is Strata's async mode (spec/API.md §6) on asynq and Redis.
//
// The API side (Client) validates nothing itself: it receives a request the
// schema has already accepted and, in one Redis round trip, stores its raw
// body S2-compressed under a key with a TTL, records the job and enqueues a
// small render task that only names the job. The worker side (Worker) runs two asynq servers
// in one process, one per queue, so renders (CPU-bound) and webhook
// deliveries (network-bound) never compete for the same slots:
//
//	render:job       load body → schema.Decode → render.Render → the first
//	                 webhook attempt, from the result in memory → done; or,
//	                 when it fails or every inline slot is busy, result kept
//	                 in Redis (TTL) → enqueue webhook:deliver
//	webhook:deliver  load result → build the §6 payload → one webhook.Sender
//	                 .Send (signed) → done, retry later, or give up
//
// A failing receiver never causes a re-render, and a slow one holds no
// render slot: the render pool has goroutines for its first attempts beyond
// the admission gate's render slots. Failures retrying can't fix (failure
// kinds Invalid, TooLarge, Unprocessable) skip the render retries and
// deliver the failure payload at once. Job records (status, attempts, last
// error) live in a Redis hash per job and are readable only with the API
// key that created them. docs/ASYNC.md describes the flow, the keys and the
// states.
package queue

import (
	"time"
)

// Task types and queue names. Renders and deliveries have their own queues
// and their own worker pools.
const (
	TypeRender  = "render:job"
	TypeDeliver = "webhook:deliver"

	QueueRenders    = "renders"
	QueueDeliveries = "deliveries"
)

// Job states, in the order a job moves through them (spec/API.md §6).
const (
	StatusQueued     = "queued"
	StatusRendering  = "rendering"
	StatusDelivering = "delivering"
	StatusDelivered  = "delivered"
	StatusFailed     = "failed"
)

// IdempotencyTTL is how long an Idempotency-Key maps to its job (spec §6).
const IdempotencyTTL = 24 * time.Hour

// RenderRetries is how many times a render that failed for a transient
// reason (an internal error, a worker shutting down) is tried again.
const RenderRetries = 3

// Redis keys. Every key of one job shares the job id.
func jobKey(id string) string    { return "strata:job:" + id }
func bodyKey(id string) string   { return "strata:job:" + id + ":body" }
func resultKey(id string) string { return "strata:job:" + id + ":result" }
func idemKey(keyID, hash string) string {
	return "strata:idem:" + keyID + ":" + hash
}

// taskPayload is the whole payload of both task types: the job names
// everything else, so tasks stay a few dozen bytes however large the
// request.
type taskPayload struct {
	JobID string `json:"job_id"`
}
