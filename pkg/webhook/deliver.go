package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/strata-render/strata/pkg/fetch"
)

// The Standard Webhooks headers and ours.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
	// UserAgent identifies deliveries; receivers may filter on it.
	UserAgent = "Strata-Webhooks/1"
)

// maxResponseDrain is how much of a receiver's answer is read (and thrown
// away) so the connection can be reused; the rest is cut off.
const maxResponseDrain = 64 << 10

// Delivery is one webhook message: the same ID and Body on every attempt.
type Delivery struct {
	// ID is the webhook-id header, stable across attempts (the receiver's
	// deduplication key), e.g. "msg_<job id>".
	ID string
	// URL is the receiver's https URL.
	URL string
	// Body is the JSON payload (SuccessBody or FailureBody).
	Body []byte
	// Secrets sign the attempt; more than one during a rotation.
	Secrets []Secret
}

// Result classifies one attempt.
type Result int

// The attempt results.
const (
	// Delivered: the receiver answered 2xx.
	Delivered Result = iota + 1
	// Retry: a network error, a timeout, 408, 429 or 5xx; try again later.
	Retry
	// Failed: retrying cannot help (3xx, 4xx other than 408/410/429, an
	// address the guard refuses, a URL that is not https).
	Failed
	// Gone: the receiver answered 410 Gone, asking us to stop at once.
	Gone
)

// Outcome is what one attempt produced.
type Outcome struct {
	Result Result
	// StatusCode is the receiver's HTTP status, 0 when none arrived.
	StatusCode int
	// RetryAfter is the receiver's Retry-After (clamped to MaxRetryAfter),
	// 0 when it sent none.
	RetryAfter time.Duration
	// Err says why the attempt did not deliver, in words safe to show the
	// API client in the job status (never the response body); nil when
	// Delivered.
	Err error
	// Duration is how long the attempt took.
	Duration time.Duration
	// Unresolved: the receiver's host name has no DNS record (NXDOMAIN).
	// Retryable, since a record may just be propagating, but NextDelay
	// gives up after UnresolvedRetries instead of the whole schedule.
	Unresolved bool
}

// UnresolvedRetries is how many retries follow an attempt whose host did
// not resolve, while it still does not: one, after the schedule's first
// delay (5 s).
const UnresolvedRetries = 1

// Retryable reports whether another attempt may succeed.
func (o Outcome) Retryable() bool { return o.Result == Retry }

// Sender makes single delivery attempts. The queue layer decides when
// to make the next one (Schedule.NextDelay). It is safe for concurrent use.
type Sender struct {
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
}

// NewSender returns a Sender posting through client — which must be
// the SSRF-guarded, redirect-refusing client from fetch.Client.HTTPClient —
// with timeout bounding each attempt (0 means 10 s).
func NewSender(client *http.Client, timeout time.Duration) *Sender {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Sender{client: client, timeout: timeout, now: time.Now}
}

// Timeout is the per-attempt time limit.
func (d *Sender) Timeout() time.Duration { return d.timeout }

// errAttemptTimeout is the cancellation cause of an attempt that ran out of
// its own time.
var errAttemptTimeout = errors.New("webhook attempt timed out")

// Send makes ONE signed POST of dl and classifies the answer. It never
// retries and never sleeps; a cancelled ctx (worker shutdown) yields Retry
// with ctx's error.
func (d *Sender) Send(ctx context.Context, dl Delivery) Outcome {
	start := d.now()
	out := d.attempt(ctx, dl, start)
	out.Duration = d.now().Sub(start)
	return out
}

func (d *Sender) attempt(ctx context.Context, dl Delivery, ts time.Time) Outcome {
	u, err := url.Parse(dl.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return Outcome{Result: Failed, Err: errors.New("the webhook URL is not an https URL")}
	}
	if len(dl.Secrets) == 0 {
		return Outcome{Result: Failed, Err: errors.New("no webhook signing secret is configured")}
	}
	ctx, cancel := context.WithTimeoutCause(ctx, d.timeout, errAttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(dl.Body))
	if err != nil {
		return Outcome{Result: Failed, Err: errors.New("the webhook URL is not valid")}
	}
	req.Header.Set(HeaderID, dl.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(HeaderSignature, SignatureHeader(dl.Secrets, dl.ID, ts, dl.Body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)

	resp, err := d.client.Do(req)
	if err != nil {
		return d.transportOutcome(ctx, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseDrain))
	resp.Body.Close()
	out := Classify(resp.StatusCode)
	out.StatusCode = resp.StatusCode
	if ra, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), d.now()); ok {
		out.RetryAfter = ra
	}
	if out.Result != Delivered {
		out.Err = statusError(resp, out)
	}
	return out
}

// transportOutcome classifies an attempt that got no HTTP response.
func (d *Sender) transportOutcome(ctx context.Context, err error) Outcome {
	var (
		blocked *fetch.BlockedError
		netErr  net.Error
		dnsErr  *net.DNSError
	)
	switch {
	case errors.As(err, &blocked):
		// The address will not become allowed by waiting.
		return Outcome{Result: Failed, Err: errors.New(blocked.Error())}
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return Outcome{Result: Retry, Unresolved: true, Err: fmt.Errorf("the webhook host %s does not resolve (no DNS record)", dnsErr.Name)}
	case errors.Is(context.Cause(ctx), errAttemptTimeout), errors.As(err, &netErr) && netErr.Timeout() && ctx.Err() == nil:
		return Outcome{Result: Retry, Err: fmt.Errorf("timed out after %s", d.timeout)}
	case ctx.Err() != nil:
		return Outcome{Result: Retry, Err: fmt.Errorf("attempt cancelled: %w", ctx.Err())}
	}
	return Outcome{Result: Retry, Err: errors.New(fetch.Explain(err))}
}

// Classify maps a receiver's status code to a Result:
//
//   - 2xx: Delivered.
//   - 410: Gone — the receiver asks us to stop; no retry.
//   - 408, 429 and every 5xx: Retry (transient by definition).
//   - 3xx: Failed. Redirects are never followed (§6: the signed body must
//     not be bounced to another address), and spec/API.md §6 retries only
//     network errors, timeouts, 429 and 5xx. A redirect means the configured
//     URL is not the endpoint; retrying the same URL for a day would only
//     delay telling the client, so the job fails at once naming the
//     Location to configure instead.
//   - any other status (other 4xx, 1xx): Failed — the receiver rejected
//     the request and the same request will be rejected again.
func Classify(status int) Outcome {
	switch {
	case status >= 200 && status <= 299:
		return Outcome{Result: Delivered}
	case status == http.StatusGone:
		return Outcome{Result: Gone}
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return Outcome{Result: Retry}
	default:
		return Outcome{Result: Failed}
	}
}

// statusError describes a non-2xx answer without quoting its body.
func statusError(resp *http.Response, out Outcome) error {
	msg := fmt.Sprintf("the receiver answered status %d", resp.StatusCode)
	switch {
	case out.Result == Gone:
		msg += " (Gone): deliveries to this URL stopped"
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		msg += "; redirects are not followed"
		if loc := resp.Header.Get("Location"); loc != "" && len(loc) <= 512 && !strings.ContainsAny(loc, "\r\n") {
			msg += fmt.Sprintf(", set the webhook URL to the final address (Location: %s)", loc)
		}
	case out.RetryAfter > 0:
		msg += fmt.Sprintf(" (Retry-After %s)", out.RetryAfter)
	}
	return errors.New(msg)
}

// MaxRetryAfter caps a receiver's Retry-After so one header cannot park a
// delivery beyond the retry schedule's reach.
const MaxRetryAfter = time.Hour

// ParseRetryAfter parses a Retry-After value (RFC 9110 §10.2.3): a number
// of seconds or an HTTP date, relative to now. Dates in the past give 0;
// values above MaxRetryAfter are clamped to it. ok is false when v is empty
// or malformed.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(MaxRetryAfter/time.Second) {
			// Too many digits for int64 is still "a very long time".
			return MaxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	switch {
	case d < 0:
		return 0, true
	case d > MaxRetryAfter:
		return MaxRetryAfter, true
	}
	return d.Round(time.Second), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
