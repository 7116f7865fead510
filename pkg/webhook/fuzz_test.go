package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// FuzzParseRetryAfter feeds arbitrary Retry-After values (chosen by the
// receiver) to the parser: it must not panic and must stay within
// [0, MaxRetryAfter].
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "Tue, 24 Nov 2026 12:01:30 GMT", "Tuesday, 24-Nov-26 12:00:10 GMT", "Tue Nov 24 12:00:20 2026", "-1", "1e9", "99999999999999999999999", " 7 "} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if !ok && d != 0 {
			t.Fatalf("%q: not ok but %s", v, d)
		}
		if d < 0 || d > MaxRetryAfter {
			t.Fatalf("%q: %s outside [0, %s]", v, d, MaxRetryAfter)
		}
		if ok && isDigits(strings.TrimSpace(v)) {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n <= 3600 && d != time.Duration(n)*time.Second {
				t.Fatalf("%q: got %s", v, d)
			}
		}
	})
}

// FuzzParseSecret feeds arbitrary configuration strings to ParseSecret:
// no panic, only the documented errors, and every accepted secret signs
// what the official verifier accepts.
func FuzzParseSecret(f *testing.F) {
	for _, s := range []string{vectorSecret, "whsec_", "whsec_====", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", "whsec_" + strings.Repeat("A", 88)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSecret(in)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "webhook secret must") {
				t.Fatalf("unexpected error %q", err)
			}
			return
		}
		if len(s.key) < MinSecretBytes || len(s.key) > MaxSecretBytes {
			t.Fatalf("accepted a %d-byte key", len(s.key))
		}
		ts := time.Now()
		body := []byte(`{"success":true}`)
		wh, err := standardwebhooks.NewWebhook(s.Encode())
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(HeaderID, "msg_f")
		h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		h.Set(HeaderSignature, Sign(s, "msg_f", ts, body))
		if err := wh.Verify(body, h); err != nil {
			t.Fatalf("official verifier rejected: %v", err)
		}
	})
}
