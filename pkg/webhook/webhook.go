// Package webhook signs and delivers Strata's async results per the
// Standard Webhooks specification (https://www.standardwebhooks.com/,
// spec/API.md §6): one signed POST attempt at a time, a classification of
// its outcome, and the retry schedule the queue layer applies between
// attempts.
//
// Threat model. The receiver must be able to prove a delivery came from
// this Strata and was not altered or replayed: every attempt carries
// webhook-id (stable across the attempts of one delivery, the receiver's
// idempotency key), webhook-timestamp (unix seconds of this attempt, so
// verifiers can reject stale replays; Standard Webhooks verifiers allow
// ±5 min) and webhook-signature, "v1,<base64 HMAC-SHA256 of
// id.timestamp.body>" under each current secret, space-separated so a
// secret can be rotated without a gap. The webhook URL is chosen by an API
// client, so the HTTP client handed to NewSender must be the SSRF-guarded
// one from pkg/fetch (Client.HTTPClient): it refuses private, loopback and
// metadata addresses at dial time and follows no redirects (a redirect could
// otherwise bounce the signed body to an internal address). A slow receiver
// cannot hold a worker: each attempt has its own timeout and reads at most
// a small, discarded response body. Response bodies never reach the job
// status, so a receiver cannot inject text into what the client sees.
// Secrets are never logged: Secret's String method redacts.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// secretPrefix marks a Standard Webhooks secret.
const secretPrefix = "whsec_"

// Key size bounds from the Standard Webhooks specification ("between 24
// bytes (192 bits) and 64 bytes (512 bits)").
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
)

// Secret is a webhook signing key.
type Secret struct {
	key []byte
}

// ParseSecret parses "whsec_<base64>" (standard base64 with padding, as
// every Standard Webhooks library decodes it); the key is the decoded
// bytes and must be 24 to 64 bytes long. Error messages never contain the
// secret.
func ParseSecret(s string) (Secret, error) {
	s = strings.TrimSpace(s)
	enc, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return Secret{}, errors.New(`webhook secret must start with "whsec_"`)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil {
		return Secret{}, errors.New(`webhook secret must be "whsec_" followed by standard base64`)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return Secret{}, fmt.Errorf("webhook secret must decode to %d–%d bytes, got %d (make one with: echo whsec_$(openssl rand -base64 32))",
			MinSecretBytes, MaxSecretBytes, len(key))
	}
	return Secret{key: key}, nil
}

// ParseSecrets parses a list of secrets separated by spaces (several
// while one is rotated out: every delivery is then signed with each).
// An empty list is an error.
func ParseSecrets(list string) ([]Secret, error) {
	var out []Secret
	for _, f := range strings.Fields(list) {
		sec, err := ParseSecret(f)
		if err != nil {
			return nil, err
		}
		out = append(out, sec)
	}
	if len(out) == 0 {
		return nil, errors.New("no webhook secret given")
	}
	return out, nil
}

// String redacts the key so a Secret can be logged by accident safely.
// Nothing formats a Secret today (deadcode lists String as unreachable);
// it stays so that a future log line or %v cannot print the key.
func (s Secret) String() string { return secretPrefix + "[redacted]" }

// Sign returns the Standard Webhooks v1 signature of one attempt:
// "v1," + base64(HMAC-SHA256(key, msgID + "." + unix(ts) + "." + body)).
func Sign(secret Secret, msgID string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, secret.key)
	mac.Write([]byte(msgID))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts.Unix(), 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignatureHeader is the webhook-signature header value: one signature per
// secret, space-separated, so receivers holding either the old or the new
// secret verify during a rotation.
func SignatureHeader(secrets []Secret, msgID string, ts time.Time, body []byte) string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sigs = append(sigs, Sign(s, msgID, ts, body))
	}
	return strings.Join(sigs, " ")
}
