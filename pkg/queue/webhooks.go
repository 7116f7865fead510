package queue

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/strata-render/strata/pkg/api"
	"github.com/strata-render/strata/pkg/webhook"
)

// KeySecrets maps each API key's id (api.KeyID) to the secrets that sign
// its webhooks: the key's own "key:whsec_…" secret from STRATA_API_KEYS,
// else the default (STRATA_WEBHOOK_SECRET). Either may hold several
// space-separated secrets during a rotation. A key left without any secret
// is an error: its webhooks could not be signed.
func KeySecrets(keys map[string]string, defaultSecret string) (map[string][]webhook.Secret, error) {
	parse := func(s string) ([]webhook.Secret, error) {
		var out []webhook.Secret
		for _, f := range strings.Fields(s) {
			sec, err := webhook.ParseSecret(f)
			if err != nil {
				return nil, err
			}
			out = append(out, sec)
		}
		return out, nil
	}
	def, err := parse(defaultSecret)
	if err != nil {
		return nil, fmt.Errorf("STRATA_WEBHOOK_SECRET: %w", err)
	}
	out := make(map[string][]webhook.Secret, len(keys))
	var errs []error
	i := 0
	for key, own := range keys {
		i++
		secs, err := parse(own)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("STRATA_API_KEYS: the secret of key %s: %w", api.KeyID(key), err))
		case len(secs) > 0:
			out[api.KeyID(key)] = secs
		case len(def) > 0:
			out[api.KeyID(key)] = def
		default:
			errs = append(errs, fmt.Errorf("key %s has no webhook secret: set STRATA_WEBHOOK_SECRET or give it one as key:whsec_… in STRATA_API_KEYS", api.KeyID(key)))
		}
	}
	return out, errors.Join(errs...)
}

// WebhooksOptions configure Webhooks.
type WebhooksOptions struct {
	// Secrets maps key ids to signing secrets (KeySecrets).
	Secrets map[string][]webhook.Secret
	// HTTP must be the SSRF-guarded client of fetch.Client.HTTPClient.
	HTTP *http.Client
	// Timeout bounds one attempt.
	Timeout time.Duration
	// RetryScale multiplies webhook.Schedule's delays (1: about a day).
	RetryScale float64
	// Delays, when set, replaces the schedule: Delays[i] is the wait after
	// attempt i+1 failed, and there are len(Delays) retries. For tests.
	Delays []time.Duration
}

// Webhooks is the Deliverer of pkg/webhook: Standard Webhooks signing,
// one attempt per task run, webhook.Schedule between attempts.
type Webhooks struct {
	o WebhooksOptions
	d *webhook.Deliverer
}

var _ Deliverer = (*Webhooks)(nil)

// NewWebhooks returns the webhook Deliverer.
func NewWebhooks(o WebhooksOptions) (*Webhooks, error) {
	if o.HTTP == nil {
		return nil, errors.New("queue: webhooks need the guarded HTTP client of pkg/fetch")
	}
	if o.RetryScale <= 0 {
		o.RetryScale = 1
	}
	return &Webhooks{o: o, d: webhook.NewDeliverer(o.HTTP, o.Timeout)}, nil
}

// Send makes one signed attempt.
func (w *Webhooks) Send(ctx context.Context, keyID, url, webhookID string, body []byte) Attempt {
	secrets := w.o.Secrets[keyID]
	if len(secrets) == 0 {
		return Attempt{Err: errors.New("no webhook signing secret is configured for this API key")}
	}
	out := w.d.Attempt(ctx, webhook.Delivery{ID: webhookID, URL: url, Body: body, Secrets: secrets})
	return Attempt{
		Delivered:  out.Result == webhook.Delivered,
		Retryable:  out.Retryable(),
		RetryAfter: out.RetryAfter,
		Unresolved: out.Unresolved,
		Err:        out.Err,
	}
}

// Retries is how many attempts follow the first.
func (w *Webhooks) Retries() int {
	if w.o.Delays != nil {
		return len(w.o.Delays)
	}
	return webhook.MaxAttempts - 1
}

// AttemptTimeout bounds one attempt.
func (w *Webhooks) AttemptTimeout() time.Duration { return w.d.Timeout() }

// RetryDelay is the delivery pool's asynq RetryDelayFunc: the schedule's
// delay after attempt n+1 (scaled), or the receiver's Retry-After when
// that is longer. A task whose worker died (lease expired) is retried at
// once: the receiver did nothing wrong.
func (w *Webhooks) RetryDelay(n int, err error, _ *asynq.Task) time.Duration {
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return 0
	}
	var d time.Duration
	if w.o.Delays != nil {
		d = w.o.Delays[min(n, len(w.o.Delays)-1)]
	} else {
		d = time.Duration(float64(webhook.Schedule(n+1, nil)) * w.o.RetryScale)
	}
	var re *RetryError
	if errors.As(err, &re) && re.RetryAfter > d {
		// asynq stores the retry time in whole unix seconds, truncated, so
		// a task due at now+2s may run at now+1.1s; one more second keeps
		// the receiver's Retry-After a true lower bound.
		d = re.RetryAfter + time.Second
	}
	return d
}
