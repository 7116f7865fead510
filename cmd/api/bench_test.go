package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/imageurl"
	"github.com/strata-render/strata/pkg/redistest"
)

// timedGET GETs url and returns how long the answer took; a status other
// than 200 or 304 is an error of the benchmark.
func timedGET(b *testing.B, client *http.Client, url string, header ...string) time.Duration {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotModified {
		b.Errorf("status %d", resp.StatusCode)
	}
	return d
}

// reportLatency reports the p50 and p99 of lat.
func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkThousandGETsOneRender: 1,000 GETs of one new signed URL from
// 50 clients, spread over two API processes sharing the cache Redis,
// make exactly one render (strata_render_cache_misses_total); it fails
// otherwise. Reported: the latency of the 1,000 (the first ones wait for
// the render) and the renders per 1,000.
func BenchmarkThousandGETsOneRender(b *testing.B) {
	redistest.Client(b, 4)
	quiet := func(c *config.Config) { c.LogLevel = "error" }
	a, z := startTemplateMain(b, 4, quiet), startTemplateMain(b, 4, quiet)
	call(b, http.MethodDelete, a+"/image-generation/v1/templates/thousand", e2eKey, "")
	resp, body := call(b, http.MethodPut, a+"/image-generation/v1/templates/thousand", e2eKey, cardTemplate)
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("PUT: %d %s", resp.StatusCode, body)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var lat []time.Duration
	run := 0
	for b.Loop() {
		run++
		signed, err := imageurl.Sign(e2eKey, "thousand", "png", imageurl.Options{Version: 1}, []string{"title.text=Run " + strconv.Itoa(run)})
		if err != nil {
			b.Fatal(err)
		}
		before := metric(b, "strata_render_cache_misses_total", a, z)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for c := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					base := a
					if (c+i)%2 == 1 {
						base = z
					}
					d := timedGET(b, client, base+signed)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if renders := metric(b, "strata_render_cache_misses_total", a, z) - before; renders != 1 {
			b.Fatalf("1,000 GETs of one URL made %d renders, want 1", renders)
		}
	}
	b.ReportMetric(1, "renders/1000-GETs")
	reportLatency(b, lat)
}

// BenchmarkTemplateImageHitHandler: one cache hit of a signed URL through
// the API's whole handler stack (logging, signature, template read from
// Redis, memo, render cache), without the network: the server's own time
// per hit, one at a time.
func BenchmarkTemplateImageHitHandler(b *testing.B) {
	redistest.Client(b, 3)
	m := runMain(b, templateConfig(3, func(c *config.Config) { c.LogLevel = "error" }))
	h := m.http.Handler
	put := httptest.NewRequest(http.MethodPut, "/image-generation/v1/templates/bench-handler", strings.NewReader(cardTemplate))
	put.Header.Set("Authorization", "Bearer "+e2eKey)
	h.ServeHTTP(httptest.NewRecorder(), put)
	signed, err := imageurl.Sign(e2eKey, "bench-handler", "png", imageurl.Options{}, []string{"title.text=Handler"})
	if err != nil {
		b.Fatal(err)
	}
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, signed, nil))
		return w
	}
	get() // fill
	for b.Loop() {
		if w := get(); w.Code != http.StatusOK || w.Header().Get("Cache-Status") != "strata; hit" {
			b.Fatalf("status %d, %s", w.Code, w.Header().Get("Cache-Status"))
		}
	}
}

// BenchmarkTemplateImageMissCost measures what the render cache adds to a
// render it does not hold. Each op renders the 1200x630 social card
// through a server's whole handler stack (no network), with titles no
// earlier op used (the same length every time), on two servers in this
// process, A and B, back to back, alternating which goes first, so that
// the machine's load drifts over both alike. A has the cache off. B is,
// per sub-benchmark:
//
//   - cache=off: the cache off too, an A/A run: the method's own noise;
//   - cache=full: the cache on, as it runs for good: its in-process LRU
//     (2 MB) and its shared Redis (16 MB, allkeys-lru) full and evicting,
//     so memory is recycled as in a server that has run for a while;
//   - cache=filling: the cache on with the default LRU size (256 MB) and
//     a shared Redis without a cap, both filling: every miss's image takes
//     memory neither process has touched before (page faults), as in the
//     first hours of a new server.
//
// On the last two B's ops are real misses (look and lock, render, keep,
// answer, store). The shared Redis is one of the benchmark's own
// (redistest.StartServer), so its INFO counts the cache's traffic and
// nothing else. clients=1 renders one at a time (every Redis round trip
// finds the process idle); clients=4 renders four at once on each side
// (two per core: round trips overlap other renders, as on a busy server).
// Reported: a-ms and b-ms (wall, to the last answer), per render a-cpu-ms
// and b-cpu-ms (this process's CPU time; B's includes its store to Redis,
// after the answer), redis-cpu-us (the cache Redis's CPU per miss, its
// idle timers included), redis-cmd-us (of which running the commands,
// INFO commandstats) and redis-idle-us (of which the share its timers
// take at rest, measured before the runs), and the differences as a percentage of A:
// extra-ms-%, extra-cpu-% and extra-cpu-redis-% (the cache Redis's CPU
// counted in). Medians and confidence intervals over runs:
//
//	go test ./cmd/api -run '^$' -bench MissCost -count 10 -benchtime 50x > miss.txt
//	benchstat -col /cache miss.txt
func BenchmarkTemplateImageMissCost(b *testing.B) {
	redistest.Client(b, 2)
	quiet := func(c *config.Config) { c.LogLevel = "error" }
	off := func(c *config.Config) { c.CacheMaxBytes = 0 }
	fullURL := redistest.StartServer(b, "--maxmemory", "16mb", "--maxmemory-policy", "allkeys-lru")
	fillingURL := redistest.StartServer(b, "--maxmemory-policy", "allkeys-lru")
	cacheAt := func(url string, lru int64) func(*config.Config) {
		return func(c *config.Config) { c.CacheRedisURL, c.CacheMaxBytes = url, lru }
	}
	a := runMain(b, templateConfig(2, quiet, off))
	sides := []struct {
		name string
		m    *Main
		want string
		url  string
	}{
		{"off", runMain(b, templateConfig(2, quiet, off)), "", ""},
		{"full", runMain(b, templateConfig(2, quiet, cacheAt(fullURL, 2<<20))), "strata; fwd=miss", fullURL},
		{"filling", runMain(b, templateConfig(2, quiet, cacheAt(fillingURL, 256<<20))), "strata; fwd=miss", fillingURL},
	}
	card, err := os.ReadFile("../../scripts/bench-cache/card.json") // make bench-cache's card
	if err != nil {
		b.Fatal(err)
	}
	put := httptest.NewRequest(http.MethodPut, "/image-generation/v1/templates/miss-cost", bytes.NewReader(card))
	put.Header.Set("Authorization", "Bearer "+e2eKey)
	w := httptest.NewRecorder()
	a.http.Handler.ServeHTTP(w, put)
	if w.Code != http.StatusCreated && w.Code != http.StatusOK {
		b.Fatalf("PUT: %d %s", w.Code, w.Body)
	}
	version, _ := strconv.Atoi(regexp.MustCompile(`"version":(\d+)`).FindStringSubmatch(w.Body.String())[1])
	// render GETs n new signed URLs from m at once and returns the time
	// to the last answer and the CPU time until the cache (if any) has
	// stored them.
	render := func(m *Main, want string, n int) (wall, cpu time.Duration) {
		reqs := make([]*http.Request, n)
		for j := range reqs {
			title := fmt.Sprintf("title.text=Launch %09d", missSeq.Add(1))
			signed, err := imageurl.Sign(e2eKey, "miss-cost", "png", imageurl.Options{Version: version}, []string{title})
			if err != nil {
				b.Fatal(err)
			}
			reqs[j] = httptest.NewRequest(http.MethodGet, signed, nil)
		}
		ws := make([]*httptest.ResponseRecorder, n)
		var wg sync.WaitGroup
		cpu0, t0 := redistest.ProcessCPU(), time.Now()
		for j := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ws[j] = httptest.NewRecorder()
				m.http.Handler.ServeHTTP(ws[j], reqs[j])
			}()
		}
		wg.Wait()
		wall = time.Since(t0)
		if m.renders != nil {
			m.renders.Flush()
		}
		cpu = redistest.ProcessCPU() - cpu0
		for _, w := range ws {
			if w.Code != http.StatusOK || w.Header().Get("Cache-Status") != want {
				b.Fatalf("status %d, Cache-Status %q, want %q", w.Code, w.Header().Get("Cache-Status"), want)
			}
		}
		return wall, cpu
	}
	// Warm every server (fonts, the template, connections); fill the
	// full side's LRU (about 85 images) and its Redis (filler entries of
	// the card's size) past their caps.
	for range 10 {
		render(a, "", 1)
		render(sides[2].m, sides[2].want, 1)
	}
	for range 120 {
		render(sides[0].m, "", 1)
		render(sides[1].m, sides[1].want, 1)
	}
	full := redistest.ClientOf(b, fullURL)
	filler := make([]byte, 24<<10)
	for i := range 1000 {
		full.Set(context.Background(), "filler:"+strconv.Itoa(i), filler, time.Hour)
	}
	if ev := redistest.Info(b, full, "stats", "evicted_keys"); ev == "0" {
		b.Fatal("the full side's cache Redis evicts nothing")
	}
	// A Redis at rest still spends CPU on its timers (serverCron, hz 10):
	// measured here over a second, it is reported apart per miss.
	idle := map[string]float64{} // CPU seconds per second at rest, by URL
	for _, url := range []string{fullURL, fillingURL} {
		rdb := redistest.ClientOf(b, url)
		c0, t0 := redistest.ServerCPU(b, rdb), time.Now()
		time.Sleep(time.Second)
		idle[url] = float64(redistest.ServerCPU(b, rdb)-c0) / float64(time.Since(t0))
	}
	for _, side := range sides {
		var rdb *redis.Client
		if side.url != "" {
			rdb = redistest.ClientOf(b, side.url)
		}
		for _, clients := range []int{1, 4} {
			b.Run("cache="+side.name+"/clients="+strconv.Itoa(clients), func(b *testing.B) {
				var aWall, aCPU, bWall, bCPU, redisCPU, redisCmd time.Duration
				if rdb != nil {
					redisCPU, redisCmd = -redistest.ServerCPU(b, rdb), -redistest.CommandTime(b, rdb)
				}
				i, t0 := 0, time.Now()
				for b.Loop() {
					i++
					if i%2 == 0 {
						w, c := render(a, "", clients)
						aWall, aCPU = aWall+w, aCPU+c
					}
					w, c := render(side.m, side.want, clients)
					bWall, bCPU = bWall+w, bCPU+c
					if i%2 == 1 {
						w, c := render(a, "", clients)
						aWall, aCPU = aWall+w, aCPU+c
					}
				}
				if rdb != nil {
					redisCPU += redistest.ServerCPU(b, rdb)
					redisCmd += redistest.CommandTime(b, rdb)
				}
				n := float64(b.N)
				ms := func(d time.Duration) float64 { return float64(d) / 1e6 / n }
				per := func(d time.Duration) float64 { return ms(d) / float64(clients) }
				b.ReportMetric(ms(aWall), "a-ms")
				b.ReportMetric(ms(bWall), "b-ms")
				b.ReportMetric(per(aCPU), "a-cpu-ms")
				b.ReportMetric(per(bCPU), "b-cpu-ms")
				b.ReportMetric(per(redisCPU)*1000, "redis-cpu-us")
				b.ReportMetric(per(redisCmd)*1000, "redis-cmd-us")
				b.ReportMetric(per(time.Duration(idle[side.url]*float64(time.Since(t0))))*1000, "redis-idle-us")
				b.ReportMetric(100*float64(bWall-aWall)/float64(aWall), "extra-ms-%")
				b.ReportMetric(100*float64(bCPU-aCPU)/float64(aCPU), "extra-cpu-%")
				b.ReportMetric(100*float64(bCPU+redisCPU-aCPU)/float64(aCPU), "extra-cpu-redis-%")
			})
		}
	}
}

// missSeq numbers the titles of BenchmarkTemplateImageMissCost, so that no
// op of any run repeats an earlier one's cache key.
var missSeq atomic.Int64
