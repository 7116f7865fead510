package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// hostileReader streams n bytes of a JSON string without holding them.
type hostileReader struct {
	n, sent  int
	declared bool // send a Content-Length
}

func (r *hostileReader) Read(p []byte) (int, error) {
	if r.sent >= r.n {
		return 0, io.EOF
	}
	k := min(len(p), r.n-r.sent)
	for i := range p[:k] {
		p[i] = 'a'
	}
	if r.sent == 0 && k > 0 {
		copy(p, `{"x":"`)
	}
	r.sent += k
	return k, nil
}

// Every hostile request is answered with a 4xx quickly, and the process
// keeps serving.
func TestHostileRequests(t *testing.T) {
	base := startMain(t)
	layer := `{"index":0,"type":"solid-color","hex_color":"#fff"}`
	nested := strings.Repeat(`{"type":"layout","layers":[`, 40) + strings.Repeat(`]}`, 40)
	rng := rand.New(rand.NewSource(1))
	junk := make([]byte, 4096)
	rng.Read(junk)
	text := func(s string) string {
		return `{"dimensions":{"width":100,"height":50},"layers":[{"index":0,"type":"text","text":` + s +
			`,"font_name":"Inter","font_size_in_px":12,"text_color":"#000","position":{"x":0,"y":0},"dimensions":{"width":100,"height":50}}]}`
	}
	cases := []struct {
		name   string
		body   io.Reader
		status int
	}{
		{"truncated at depth 1", strings.NewReader(`{"dimensions":{"width":1,`), 400},
		{"truncated at depth 4", strings.NewReader(`{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"layout","layers":[{"type":`), 400},
		{"bad token deep inside", strings.NewReader(`{"dimensions":{"width":1,"height":1},"layers":[{"index":0,"type":"layout","layers":[{"type":"text","text":tru}]}]}`), 400},
		{"array nested 100000 deep", strings.NewReader(strings.Repeat("[", 100000) + strings.Repeat("]", 100000)), 400},
		{"huge number", strings.NewReader(`{"dimensions":{"width":1e999999,"height":1},"layers":[` + layer + `]}`), 400},
		{"huge integer", strings.NewReader(`{"dimensions":{"width":123456789012345678901234567890,"height":1},"layers":[` + layer + `]}`), 400},
		{"NaN-like", strings.NewReader(`{"dimensions":{"width":NaN,"height":1},"layers":[` + layer + `]}`), 400},
		{"infinity-like", strings.NewReader(`{"dimensions":{"width":Infinity,"height":1},"layers":[` + layer + `]}`), 400},
		{"10000 layers", strings.NewReader(`{"dimensions":{"width":10,"height":10},"layers":[` + strings.Repeat(layer+",", 9999) + layer + `]}`), 400},
		{"layouts nested 40 deep", strings.NewReader(`{"dimensions":{"width":10,"height":10},"layers":[{"index":0,` + nested[1:] + `]}`), 400},
		{"100 MB body", &hostileReader{n: 100 << 20, declared: true}, 413},
		{"100 MB body without a length", &hostileReader{n: 100 << 20}, 413},
		{"binary junk", bytes.NewReader(junk), 400},
		{"invalid UTF-8 in text", strings.NewReader(text("\"caf\xe9 \xff\xfe\"")), 400},
		{"lone surrogate escape in text", strings.NewReader(text(`"\ud800 x"`)), 200},
		{"hostile font bytes", strings.NewReader(`{"dimensions":{"width":10,"height":10},"layers":[` + layer + `],"fonts":[{"name":"Evil","weight":"regular","style":"normal","buffer":"` +
			base64.StdEncoding.EncodeToString(append([]byte("\x00\x01\x00\x00\x00\x10\x00\x80"), junk...)) + `"}]}`), 422},
		{"woff2 header with junk", strings.NewReader(`{"dimensions":{"width":10,"height":10},"layers":[` + layer + `],"fonts":[{"name":"Evil","weight":"regular","style":"normal","buffer":"` +
			base64.StdEncoding.EncodeToString(append([]byte("wOF2\x00\x01\x00\x00"), junk...)) + `"}]}`), 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, base+"/image-generation/v1/generate", tc.body)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+e2eKey)
			if hr, ok := tc.body.(*hostileReader); ok && hr.declared {
				req.ContentLength = int64(hr.n)
			}
			start := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if tc.status == 413 && err != nil {
				// The server may close the connection while the client is still sending.
				return
			}
			require.NoError(t, err)
			defer resp.Body.Close()
			var out map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
			require.Equal(t, tc.status, resp.StatusCode, "%v", out)
			require.Less(t, time.Since(start), 5*time.Second)
			if tc.status != 200 {
				require.IsType(t, "", out["error"])
			}
		})
	}
	// Still alive and rendering.
	status, out := generate(t, base, `{"dimensions":{"width":4,"height":4},"layers":[`+layer+`]}`)
	require.Equal(t, http.StatusOK, status, fmt.Sprint(out))
}
