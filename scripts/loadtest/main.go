// Command loadtest drives a running Strata API with concurrent clients for
// a fixed time (or a fixed number of requests), cycling through request
// files, and reports status counts, latency percentiles and the server's
// resident memory (sampled from /proc/<pid>/status).
//
//	go run ./scripts/loadtest -url http://127.0.0.1:8080 -key KEY -pid PID \
//	    -c 50 -d 60s testdata/load/*.json
//
// With -get PATH it GETs one path instead (a signed template image URL)
// over -c keep-alive connections, closed loop or, with -rate, open loop at
// a fixed offered rate measured from each request's scheduled time (see
// getLoad), and prints latency percentiles and the answers' statuses and
// Cache-Status values (scripts/bench-cache.sh):
//
//	go run ./scripts/loadtest -url http://127.0.0.1:8080 -get "$SIGNED" \
//	    -c 50 -d 10s -rate 2000 -H 'If-None-Match: "…"'
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "API base URL")
	key := flag.String("key", os.Getenv("STRATA_KEY"), "API key")
	pid := flag.Int("pid", 0, "server process id, for RSS sampling (0: none)")
	clients := flag.Int("c", 50, "concurrent clients")
	duration := flag.Duration("d", 60*time.Second, "how long to run (ignored with -n)")
	total := flag.Int("n", 0, "stop after this many requests (0: run for -d)")
	every := flag.Int("rss-every", 0, "with -n: print RSS after every this many requests")
	timeout := flag.Duration("timeout", 60*time.Second, "client timeout; a short one makes clients that hang up mid-render")
	allow := flag.String("allow", "", "comma-separated statuses ≥ 500 (or -1: no answer) that do not fail the run")
	settle := flag.Duration("settle", 0, "after the run, wait this long and report the server's RSS as settled_rss_mb")
	source := flag.String("source", "", "local address to send from (e.g. 127.0.0.2: another client address on loopback)")
	noCache := flag.Bool("no-cache", false, "send Cache-Control: no-cache, so every request renders")
	gen := flag.String("gen-hostile", "", "write the hostile request bodies into this directory and exit")
	get := flag.String("get", "", "GET this path and query (e.g. a signed image URL) instead of POSTing request files")
	rate := flag.Float64("rate", 0, "with -get: offered requests a second over all connections (0: closed loop)")
	var headers headerList
	flag.Var(&headers, "H", "with -get: a request header line, \"Name: value\" (repeatable)")
	flag.Parse()
	if *get != "" {
		res, err := getLoad{base: *url, path: *get, headers: headers, conns: *clients, rate: *rate, dur: *duration}.run()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		printJSON(os.Stdout, res)
		if res.Errors > 0 {
			os.Exit(1)
		}
		return
	}
	if *gen != "" {
		if err := writeHostile(*gen); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	var bodies [][]byte
	for _, f := range flag.Args() {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		bodies = append(bodies, b)
	}
	if len(bodies) == 0 {
		fmt.Fprintln(os.Stderr, "give request files")
		os.Exit(2)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: *clients}
	if *source != "" {
		transport.DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(*source)}}).DialContext
	}
	client := &http.Client{Timeout: *timeout, Transport: transport}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		statuses  = map[int]int{}
		sent      atomic.Int64
		peakRSS   atomic.Int64
	)
	deadline := time.Now().Add(*duration)
	stopRSS := make(chan struct{})
	go func() {
		for {
			if r := rss(*pid); r > peakRSS.Load() {
				peakRSS.Store(r)
			}
			select {
			case <-stopRSS:
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := c; ; i += *clients {
				n := sent.Add(1)
				if (*total > 0 && n > int64(*total)) || (*total == 0 && time.Now().After(deadline)) {
					return
				}
				if *every > 0 && n%int64(*every) == 0 {
					fmt.Printf("after %d requests: rss %.1f MB\n", n, float64(rss(*pid))/1e6)
				}
				req, _ := http.NewRequest(http.MethodPost, *url+"/image-generation/v1/generate", bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Authorization", "Bearer "+*key)
				req.Header.Set("Content-Type", "application/json")
				if *noCache {
					req.Header.Set("Cache-Control", "no-cache")
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				status := -1
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				d := time.Since(t0)
				mu.Lock()
				latencies = append(latencies, d)
				statuses[status]++
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	close(stopRSS)
	elapsed := time.Since(start)
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	out := map[string]any{
		"requests": len(latencies), "seconds": elapsed.Seconds(), "rps": float64(len(latencies)) / elapsed.Seconds(),
		"statuses": statuses, "p50_ms": pct(0.5), "p90_ms": pct(0.9), "p99_ms": pct(0.99), "max_ms": pct(1),
		"peak_rss_mb": float64(peakRSS.Load()) / 1e6, "end_rss_mb": float64(rss(*pid)) / 1e6,
	}
	if *settle > 0 {
		time.Sleep(*settle)
		out["settled_rss_mb"] = float64(rss(*pid)) / 1e6
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
	allowed := map[int]bool{}
	for _, a := range strings.Split(*allow, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(a)); err == nil {
			allowed[n] = true
		}
	}
	for s := range statuses {
		if (s >= 500 || s < 0) && !allowed[s] {
			os.Exit(1)
		}
	}
}

// headerList collects repeated -H flags.
type headerList []string

func (h *headerList) String() string { return strings.Join(*h, "; ") }

func (h *headerList) Set(v string) error {
	if !strings.Contains(v, ":") {
		return fmt.Errorf("%q: want \"Name: value\"", v)
	}
	*h = append(*h, v)
	return nil
}

// rss returns the resident set size of pid in bytes (0 if unknown).
func rss(pid int) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
