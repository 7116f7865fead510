package main

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The -get mode reads every answer (200 with a body, 304 without),
// counts statuses and Cache-Status values and sends the given headers.
func TestGetLoadClosedLoop(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		w.Header().Set("Cache-Status", "strata; hit")
		if r.Header.Get("If-None-Match") == `"e"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Length", "5000")
		w.Write(make([]byte, 5000))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		headers []string
		status  int
		body    int64
	}{{nil, 200, 5000}, {[]string{`If-None-Match: "e"`}, 304, 0}} {
		seen.Store(0)
		res, err := getLoad{base: srv.URL, path: "/x?y=1", headers: tc.headers, conns: 4, dur: 200 * time.Millisecond}.run()
		if err != nil {
			t.Fatal(err)
		}
		if res.Errors != 0 || res.Requests == 0 || res.Statuses[tc.status] != res.Requests || int64(res.Requests) != seen.Load() {
			t.Fatalf("%v: %+v, server saw %d", tc.headers, res, seen.Load())
		}
		if res.CacheStatus["strata; hit"] != res.Requests || res.BodyBytes != tc.body || res.Mode != "closed" {
			t.Fatalf("%v: %+v", tc.headers, res)
		}
	}
}

// Open loop, the offered rate is kept, and a server stall is counted
// against every request scheduled during it (latency runs from the
// scheduled send time), not only against the one that met it: one 500 ms
// stall at 200 req/s puts about 80 requests, a fifth of 400, above
// 100 ms, so the p90 sees it. A closed loop would report one slow request.
func TestGetLoadOpenLoopHasNoCoordinatedOmission(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 100 {
			time.Sleep(500 * time.Millisecond)
		}
		w.Header().Set("Content-Length", "0")
	}))
	defer srv.Close()
	res, err := getLoad{base: srv.URL, path: "/", conns: 1, rate: 200, dur: 2 * time.Second}.run()
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != "open" || res.Requests < 380 || res.Requests > 402 {
		t.Fatalf("offered 200/s for 2 s, sent %d: %+v", res.Requests, res)
	}
	if res.P90 < 100 || res.Max < 490 {
		t.Fatalf("the stall is not in the percentiles: %+v", res)
	}
	if res.P50 > 50 {
		t.Fatalf("p50 %.1f ms: the requests outside the stall are fast", res.P50)
	}
	// From the actual send, only the one stalled request is slow (a
	// quarter of a percent): the p99 of the service time leaves out the
	// wait the stall imposed on the sends behind it.
	if res.ServiceP99 <= 0 || res.ServiceP99 > 50 || res.ServiceP50 > res.P50 {
		t.Fatalf("service p50 %.1f / p99 %.1f ms: from the actual send the stall is one request", res.ServiceP50, res.ServiceP99)
	}
}

// Reading an answer allocates nothing once its Cache-Status repeats (the
// generator's own lag is the measurement's floor), and still reads the
// status, the body's length and the header right.
func TestReadResponseAllocatesNothing(t *testing.T) {
	answer := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nCache-Status: strata; hit\r\n\r\nhello" +
		"HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n"
	src := strings.NewReader("")
	r := bufio.NewReaderSize(src, 4096)
	var cache cacheStatus
	read := func() (int, int64) {
		status, n, err := readResponse(r, &cache)
		if err != nil {
			t.Fatal(err)
		}
		return status, n
	}
	src.Reset(answer)
	r.Reset(src)
	if status, n := read(); status != 200 || n != 5 || cache.value != "strata; hit" {
		t.Fatalf("first answer: %d, %d bytes, %q", status, n, cache.value)
	}
	if status, n := read(); status != 304 || n != 0 || cache.value != "" {
		t.Fatalf("second answer: %d, %d bytes, %q", status, n, cache.value)
	}
	hit := answer[:strings.Index(answer, "hello")+5]
	cache.value = "strata; hit"
	allocs := testing.AllocsPerRun(100, func() {
		src.Reset(hit)
		r.Reset(src)
		read()
	})
	if allocs != 0 {
		t.Fatalf("%.0f allocations per answer, want 0", allocs)
	}
	src.Reset("HTTP/1.1 2x0 OK\r\n\r\n")
	r.Reset(src)
	if _, _, err := readResponse(r, &cache); err == nil {
		t.Fatal("a malformed status line was read as an answer")
	}
}
