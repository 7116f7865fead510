package webhook

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"
)

// svixVector is the published Standard Webhooks / Svix test vector.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustSecret(t testing.TB, s string) Secret {
	t.Helper()
	sec, err := ParseSecret(s)
	require.NoError(t, err)
	return sec
}

// newSecret makes a valid secret whose key is n copies of b.
func newSecret(t testing.TB, b byte, n int) Secret {
	t.Helper()
	return mustSecret(t, "whsec_"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, n)))
}

func signedHeaders(id string, ts time.Time, sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h
}

func TestSignKnownVector(t *testing.T) {
	t.Parallel()
	got := Sign(mustSecret(t, vectorSecret), vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	require.Equal(t, vectorSignature, got)
}

// TestSignOfficialVerifier: the spec's official Go library must accept
// what we sign (with the timestamp check on) and compute the same value.
func TestSignOfficialVerifier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret Secret
		id     string
		body   string
	}{
		{name: "spec secret, success payload", secret: mustSecret(t, vectorSecret), id: "msg_1", body: `{"success":true,"api":"image_generation","job_id":"job_1","data":{"buffer":"iVBORw0KGgo=","mime_type":"image/png"}}`},
		{name: "64-byte key, failure payload", secret: newSecret(t, 0xfe, 64), id: "msg_2", body: `{"success":false,"api":"image_generation","job_id":"job_2","error":{"message":"layers[0]: bad font"}}`},
		{name: "empty body", secret: newSecret(t, 'k', 24), id: "msg_3", body: ""},
		{name: "unicode body", secret: newSecret(t, 0, 32), id: "msg_4", body: `{"m":"مرحبا 👋"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := time.Now()
			sig := Sign(tt.secret, tt.id, ts, []byte(tt.body))
			wh, err := standardwebhooks.NewWebhook(tt.secret.Encode())
			require.NoError(t, err)
			require.NoError(t, wh.Verify([]byte(tt.body), signedHeaders(tt.id, ts, sig)))
			theirs, err := wh.Sign(tt.id, ts, []byte(tt.body))
			require.NoError(t, err)
			require.Equal(t, theirs, sig)
			require.Error(t, wh.Verify([]byte(tt.body+" "), signedHeaders(tt.id, ts, sig)), "a changed body must not verify")
			require.Error(t, wh.Verify([]byte(tt.body), signedHeaders(tt.id+"x", ts, sig)), "a changed id must not verify")
		})
	}
}

// TestSignatureHeaderRotation: during a rotation the header carries one
// signature per secret and a receiver holding either secret verifies.
func TestSignatureHeaderRotation(t *testing.T) {
	t.Parallel()
	oldS, newS, other := newSecret(t, 'o', 32), newSecret(t, 'n', 32), newSecret(t, 'x', 32)
	ts := time.Now()
	body := []byte(`{"success":true}`)
	header := SignatureHeader([]Secret{newS, oldS}, "msg_rot", ts, body)
	require.Len(t, strings.Split(header, " "), 2)
	require.True(t, strings.HasPrefix(header, "v1,"))

	tests := []struct {
		name   string
		secret Secret
		ok     bool
	}{
		{name: "receiver with the new secret", secret: newS, ok: true},
		{name: "receiver with the old secret", secret: oldS, ok: true},
		{name: "receiver with another secret", secret: other, ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wh, err := standardwebhooks.NewWebhook(tt.secret.Encode())
			require.NoError(t, err)
			err = wh.Verify(body, signedHeaders("msg_rot", ts, header))
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, standardwebhooks.ErrNoMatchingSignature)
			}
		})
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString([]byte(strings.Repeat("s", n))) }
	tests := []struct {
		name    string
		in      string
		keyLen  int
		wantErr string
	}{
		{name: "spec example", in: vectorSecret, keyLen: 24},
		{name: "32 bytes", in: "whsec_" + b64(32), keyLen: 32},
		{name: "64 bytes", in: "whsec_" + b64(64), keyLen: 64},
		{name: "surrounding whitespace", in: " whsec_" + b64(32) + "\n", keyLen: 32},
		{name: "no prefix", in: b64(32), wantErr: `must start with "whsec_"`},
		{name: "wrong prefix case", in: "WHSEC_" + b64(32), wantErr: `must start with "whsec_"`},
		{name: "not base64", in: "whsec_not*base64*at*all*not*base64*", wantErr: "standard base64"},
		{name: "url-safe alphabet", in: "whsec_" + strings.NewReplacer("+", "-", "/", "_").Replace(base64.StdEncoding.EncodeToString(make([]byte, 30))+"-_-_"), wantErr: "standard base64"},
		{name: "missing padding", in: "whsec_" + strings.TrimRight(b64(25), "="), wantErr: "standard base64"},
		{name: "too short", in: "whsec_" + b64(16), wantErr: "24–64 bytes, got 16"},
		{name: "too long", in: "whsec_" + b64(65), wantErr: "24–64 bytes, got 65"},
		{name: "empty", in: "whsec_", wantErr: "got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseSecret(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				if len(tt.in) > len("whsec_") {
					require.NotContains(t, err.Error(), strings.TrimPrefix(strings.TrimSpace(tt.in), "whsec_"), "the secret leaked into the error")
				}
				return
			}
			require.NoError(t, err)
			require.Len(t, s.key, tt.keyLen)
			require.Equal(t, strings.TrimSpace(tt.in), s.Encode())
		})
	}
}

func TestSecretRedacts(t *testing.T) {
	t.Parallel()
	const enc = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	s, err := ParseSecret(enc)
	require.NoError(t, err)
	require.Equal(t, "whsec_[redacted]", s.String())
	require.NotContains(t, fmt.Sprint(s), enc[6:])
}

func TestParseSecrets(t *testing.T) {
	t.Parallel()
	const a, b = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_dGhpcyBpcyBhIHNlY3JldCBrZXkgZm9yIHRlc3Rz"
	secs, err := ParseSecrets("  " + a + "   " + b + " ")
	require.NoError(t, err)
	require.Len(t, secs, 2)
	_, err = ParseSecrets(a + " nope")
	require.ErrorContains(t, err, "whsec_")
	_, err = ParseSecrets("  ")
	require.ErrorContains(t, err, "no webhook secret")
}

// Encode returns the secret in its "whsec_<base64>" form, as the
// receiver is handed it (the verifier of the tests takes it).
func (s Secret) Encode() string {
	return secretPrefix + base64.StdEncoding.EncodeToString(s.key)
}
