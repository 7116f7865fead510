package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime/debug"
	"slices"
	"time"
)

// getLoad is the -get mode: conns keep-alive connections GET one path
// over and over, written and read by hand so the load generator costs a
// few microseconds a request and measures the server, not itself. A
// request is one prebuilt buffer written as it is; reading an answer
// allocates nothing (see readResponse); the latency records are sized
// for the whole run up front; and the garbage collector is off while the
// connections run, so no GC pause lands in the generator's own lag.
//
// Closed loop (rate 0): each connection sends as soon as its previous
// answer is read; latency is send to last byte. Open loop (rate > 0, in
// requests a second over all connections): connection i sends its k-th
// request at start + (i + k*conns)/rate, and latency runs from that
// scheduled time, not from the actual send, so a slow answer that delays
// the next sends is counted in each of them (no coordinated omission).
type getLoad struct {
	base    string
	path    string
	headers []string
	conns   int
	rate    float64
	dur     time.Duration
}

// getResult is what -get prints, as JSON.
type getResult struct {
	Mode        string         `json:"mode"`
	OfferedRPS  float64        `json:"offered_rps,omitempty"`
	Requests    int            `json:"requests"`
	Seconds     float64        `json:"seconds"`
	RPS         float64        `json:"rps"`
	Statuses    map[int]int    `json:"statuses"`
	CacheStatus map[string]int `json:"cache_status"`
	Errors      int            `json:"errors"`
	P50         float64        `json:"p50_ms"`
	P90         float64        `json:"p90_ms"`
	P99         float64        `json:"p99_ms"`
	P999        float64        `json:"p999_ms"`
	Max         float64        `json:"max_ms"`
	// SendLagP99 is, open loop, how late the generator sent against its
	// schedule (p99): large values mean the generator, not the server,
	// fell behind.
	SendLagP99 float64 `json:"send_lag_p99_ms,omitempty"`
	// ServiceP50 and ServiceP99 are, open loop, the latency from the
	// actual send to the answer's last byte: the server's part (its
	// wait for a core, its handler, the network) and the generator's
	// read, without its lag in sending. Closed loop they are the latency.
	ServiceP50 float64 `json:"service_p50_ms"`
	ServiceP99 float64 `json:"service_p99_ms"`
	BodyBytes  int64   `json:"body_bytes_per_answer"`
}

// connStats is one connection's record, merged at the end.
type connStats struct {
	lat, lag    []time.Duration
	svc         []time.Duration // from the actual send (open loop)
	statuses    map[int]int
	cacheStatus map[string]int
	errors      int
	bodyBytes   int64
}

func (g getLoad) run() (getResult, error) {
	u, err := url.Parse(g.base)
	if err != nil || u.Host == "" {
		return getResult{}, fmt.Errorf("-url %q: want http://host:port", g.base)
	}
	var req bytes.Buffer
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: strata-loadtest\r\n", g.path, u.Host)
	for _, h := range g.headers {
		fmt.Fprintf(&req, "%s\r\n", h)
	}
	req.WriteString("\r\n")
	conns := make([]net.Conn, g.conns)
	for i := range conns {
		if conns[i], err = net.Dial("tcp", u.Host); err != nil {
			return getResult{}, err
		}
		defer conns[i].Close()
	}
	stats := make([]connStats, g.conns)
	done := make(chan struct{}, g.conns)
	// What little the run allocates is freed when it ends; a collection
	// during it would only add its pauses to the send lag.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	start := time.Now().Add(10 * time.Millisecond)
	end := start.Add(g.dur)
	for i := range conns {
		go func() {
			stats[i] = g.drive(conns[i], req.Bytes(), i, start, end)
			done <- struct{}{}
		}()
	}
	for range conns {
		<-done
	}
	elapsed := time.Since(start)
	res := getResult{Mode: "closed", Statuses: map[int]int{}, CacheStatus: map[string]int{}, Seconds: elapsed.Seconds()}
	if g.rate > 0 {
		res.Mode, res.OfferedRPS = "open", g.rate
	}
	var lat, lag, svc []time.Duration
	for _, s := range stats {
		lat, lag, svc = append(lat, s.lat...), append(lag, s.lag...), append(svc, s.svc...)
		for k, v := range s.statuses {
			res.Statuses[k] += v
		}
		for k, v := range s.cacheStatus {
			res.CacheStatus[k] += v
		}
		res.Errors += s.errors
		res.BodyBytes = max(res.BodyBytes, s.bodyBytes)
	}
	res.Requests, res.RPS = len(lat), float64(len(lat))/elapsed.Seconds()
	q := quantiles(lat)
	res.P50, res.P90, res.P99, res.P999, res.Max = q(0.5), q(0.9), q(0.99), q(0.999), q(1)
	res.ServiceP50, res.ServiceP99 = res.P50, res.P99
	if g.rate > 0 {
		res.SendLagP99 = quantiles(lag)(0.99)
		q := quantiles(svc)
		res.ServiceP50, res.ServiceP99 = q(0.5), q(0.99)
	}
	return res, nil
}

// drive runs connection i until end.
func (g getLoad) drive(c net.Conn, req []byte, i int, start, end time.Time) connStats {
	s := connStats{statuses: map[int]int{}, cacheStatus: map[string]int{}}
	r := bufio.NewReaderSize(c, 64<<10)
	var every time.Duration
	expect := 1 << 16 // closed loop: a guess; append grows it past that
	if g.rate > 0 {
		every = time.Duration(float64(g.conns) / g.rate * float64(time.Second))
		expect = int(g.dur/every) + 2
		s.lag = make([]time.Duration, 0, expect)
		s.svc = make([]time.Duration, 0, expect)
	}
	s.lat = make([]time.Duration, 0, expect)
	var cache cacheStatus
	next := start.Add(time.Duration(float64(i) / max(g.rate, 1) * float64(time.Second)))
	for k := 0; ; k++ {
		sched := time.Now()
		if g.rate > 0 {
			sched = next
			next = next.Add(every)
			if d := time.Until(sched); d > 0 {
				time.Sleep(d)
			}
		}
		if sched.After(end) {
			return s
		}
		sent := time.Now()
		if _, err := c.Write(req); err != nil {
			s.errors++
			return s
		}
		status, n, err := readResponse(r, &cache)
		if err != nil {
			s.errors++
			return s
		}
		now := time.Now()
		s.lat = append(s.lat, now.Sub(sched))
		if g.rate > 0 {
			s.lag, s.svc = append(s.lag, sent.Sub(sched)), append(s.svc, now.Sub(sent))
		}
		s.statuses[status]++
		s.cacheStatus[cache.value]++
		s.bodyBytes = n
	}
}

// cacheStatus is the last Cache-Status value a connection read: the
// same header answer after answer is compared, not allocated again.
type cacheStatus struct{ value string }

// set makes v the value, allocating only when it differs from the last.
func (c *cacheStatus) set(v []byte) {
	if string(v) != c.value { // the comparison does not allocate
		c.value = string(v)
	}
}

// readResponse reads one HTTP/1.1 response with a Content-Length (or
// none: a 304) and returns its status and its body's length, and sets
// cache to its Cache-Status header ("" without one). It allocates
// nothing while the answers repeat.
func readResponse(r *bufio.Reader, cache *cacheStatus) (status int, n int64, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, 0, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, 0, fmt.Errorf("not an HTTP response: %q", line)
	}
	for _, d := range line[9:12] {
		if d < '0' || d > '9' {
			return 0, 0, fmt.Errorf("not an HTTP status: %q", line)
		}
		status = status*10 + int(d-'0')
	}
	seen := false
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		h := bytes.TrimRight(line, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, _ := bytes.Cut(h, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if n, err = parseLength(v); err != nil {
				return 0, 0, err
			}
		case bytes.EqualFold(k, []byte("Cache-Status")):
			cache.set(v)
			seen = true
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			return 0, 0, errors.New("chunked answers are not supported by -get")
		}
	}
	if !seen {
		cache.set(nil)
	}
	if status == 304 || status == 204 {
		return status, 0, nil
	}
	_, err = r.Discard(int(n))
	return status, n, err
}

// parseLength parses a Content-Length value without making a string of it.
func parseLength(v []byte) (int64, error) {
	if len(v) == 0 || len(v) > 18 {
		return 0, fmt.Errorf("bad Content-Length %q", v)
	}
	var n int64
	for _, d := range v {
		if d < '0' || d > '9' {
			return 0, fmt.Errorf("bad Content-Length %q", v)
		}
		n = n*10 + int64(d-'0')
	}
	return n, nil
}

// quantiles sorts d and returns its quantile function, in milliseconds.
func quantiles(d []time.Duration) func(float64) float64 {
	slices.Sort(d)
	return func(p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[int(p*float64(len(d)-1))].Nanoseconds()) / 1e6
	}
}

// printJSON writes v indented on w.
func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
