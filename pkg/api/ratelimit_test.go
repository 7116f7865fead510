package api

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/redistest"

	"github.com/strata-render/strata/pkg/ratelimit"
)

func TestRateLimit429WithHeaders(t *testing.T) {
	rdb := redistest.Client(t, 12)
	srv := newTestServer(t, func(o *Options) {
		o.Rate = RateLimits{Limiter: ratelimit.New(rdb), Default: ratelimit.Limit{PerMinute: 60, Burst: 2}}
	})
	var last *http.Response
	var env envelope
	statuses := []int{}
	for i := 0; i < 3; i++ {
		last, env = post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
		statuses = append(statuses, last.StatusCode)
		require.Equal(t, "2", last.Header.Get("RateLimit-Limit"))
	}
	require.Equal(t, []int{200, 200, 429}, statuses)
	require.Contains(t, env.Error, "Rate limit exceeded")
	retry, err := strconv.Atoi(last.Header.Get("Retry-After"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, retry, 1)
	require.Equal(t, "0", last.Header.Get("RateLimit-Remaining"))
	require.NotEmpty(t, last.Header.Get("RateLimit-Reset"))
}

func TestPerKeyRateLimit(t *testing.T) {
	rdb := redistest.Client(t, 12)
	srv := newTestServer(t, func(o *Options) {
		o.Rate = RateLimits{Limiter: ratelimit.New(rdb), Default: ratelimit.Limit{PerMinute: 60, Burst: 1},
			PerKey: map[string]ratelimit.Limit{core.KeyID(testKey): {PerMinute: 600, Burst: 5}}}
	})
	for i := 0; i < 5; i++ {
		resp, _ := post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "5", resp.Header.Get("RateLimit-Limit"))
	}
}

func TestMetricsEndpoint(t *testing.T) {
	srv := newTestServer(t, nil)
	post(t, srv, "/image-generation/v1/generate", testKey, solidRequest)
	post(t, srv, "/image-generation/v1/generate", testKey, `{`)
	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	text := string(body)
	require.Contains(t, text, `strata_http_requests_total{route="/image-generation/v1/generate",status="200"} 1`)
	require.Contains(t, text, `strata_http_requests_total{route="/image-generation/v1/generate",status="400"} 1`)
	require.Contains(t, text, `strata_rejected_requests_total{reason="invalid"} 1`)
	require.Contains(t, text, "process_resident_memory_bytes")
	require.Contains(t, text, "go_memstats_heap_alloc_bytes")
	require.Contains(t, text, "strata_renders_in_flight 0")
}
