package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/admission"
	"github.com/strata-render/strata/pkg/assets"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
)

// largestAVIF is the worst request of docs/RELIABILITY.md's measured table
// (about 2 GB at its peak): the largest canvas as AVIF with a rotated
// solid layer four canvases big, in colour hex (so two of them are two
// renders, not one the render cache coalesces).
func largestAVIF(hex string) string {
	return `{"dimensions":{"width":8192,"height":6100},"output_format":"avif","layers":[` +
		`{"index":0,"type":"gradient","gradient_type":"linear","colors":[{"hex_color":"#0F172A","position":0},{"hex_color":"#3B82F6","position":100}],"position":{"x":0,"y":0},"dimensions":{"width":8192,"height":6100}},` +
		`{"index":1,"type":"solid-color","hex_color":"` + hex + `","rotation_in_degrees":45,"position":{"x":0,"y":0},"dimensions":{"width":16384,"height":12200}}]}`
}

// TestMemoryBudgetHoldsForTwoLargestRenders runs the real strata-api as a
// child process with the smallest STRATA_MEMORY_LIMIT that admits one
// worst-case render (2,905 MiB: two of them admitted together under an
// 8 GiB limit peaked at 3,077 MiB, one alone at 1,956 MiB), four render
// slots (so the
// bytes, not the slots, must hold the second back) and sends two different
// worst-case renders at once. One is rendered; the other waits and is
// rendered after it, or gets the documented 503 with Retry-After after its
// 5 s wait; and the process's peak resident memory (VmHWM) stays under
// the limit. About 15–30 s on the shared 2-core machine: skipped by -short.
func TestMemoryBudgetHoldsForTwoLargestRenders(t *testing.T) {
	if testing.Short() {
		t.Skip("two 50-megapixel AVIF renders in a child process (20–30 s)")
	}
	req, err := schema.Decode([]byte(largestAVIF("#FF000080")), schema.DefaultLimits())
	require.NoError(t, err)
	est := render.EstimateBytes(req)
	// admission.Split leaves renders limit·3/4 − Reserve: the smallest
	// limit (in whole MiB) whose render budget holds one estimate.
	limit := ((est+admission.Reserve)*4/3>>20 + 1) << 20
	_, renders := admission.Split(limit)
	require.GreaterOrEqual(t, renders, est)
	require.Less(t, renders, 2*est, "two must not fit")

	p := startAPIProcess(t, "STRATA_MEMORY_LIMIT="+strconv.FormatInt(limit, 10), "STRATA_RENDER_CONCURRENCY=4")
	type answer struct {
		status     int
		retryAfter string
		body       string
	}
	answers := make([]answer, 2)
	var wg sync.WaitGroup
	for i, hex := range []string{"#FF000080", "#00FF0080"} {
		wg.Go(func() {
			r, err := http.NewRequest(http.MethodPost, p.base+"/image-generation/v1/generate", strings.NewReader(largestAVIF(hex)))
			if err != nil {
				panic(err)
			}
			r.Header.Set("Authorization", "Bearer "+e2eKey)
			r.Header.Set("Content-Type", "application/json")
			resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(r)
			if err != nil {
				answers[i] = answer{body: err.Error()}
				return
			}
			defer resp.Body.Close()
			var out struct {
				Error string `json:"error"`
				Data  struct {
					MimeType string `json:"mime_type"`
				} `json:"data"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			answers[i] = answer{resp.StatusCode, resp.Header.Get("Retry-After"), out.Error + out.Data.MimeType}
		})
	}
	wg.Wait()
	peak := p.peakRSS(t)
	t.Logf("limit %d MiB, estimate %d MiB, peak %d MiB, answers %+v", limit>>20, est>>20, peak>>20, answers)
	ok := 0
	for _, a := range answers {
		switch a.status {
		case http.StatusOK:
			require.Equal(t, "image/avif", a.body)
			ok++
		case http.StatusServiceUnavailable:
			require.Equal(t, "1", a.retryAfter, "a render that waited too long is told when to retry")
		default:
			t.Fatalf("want 200, or 503 after the admission wait; got %+v", a)
		}
	}
	require.GreaterOrEqual(t, ok, 1, "one worst-case render fits the budget")
	require.Less(t, peak, limit, "peak RSS %d MiB over STRATA_MEMORY_LIMIT %d MiB", peak>>20, limit>>20)
}

var (
	apiBinOnce sync.Once
	apiBin     string
	apiBinErr  error
)

// apiBinary builds strata-api once per test process (without -race, so
// the child's memory is what production uses).
func apiBinary(t testing.TB) string {
	t.Helper()
	apiBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "strata-api-test")
		if err != nil {
			apiBinErr = err
			return
		}
		apiBin = filepath.Join(dir, "strata-api")
		out, err := exec.Command("go", "build", "-o", apiBin, ".").CombinedOutput()
		if err != nil {
			apiBinErr = fmt.Errorf("building strata-api: %w\n%s", err, out)
		}
	})
	require.NoError(t, apiBinErr)
	return apiBin
}

// apiProcess is a strata-api child process.
type apiProcess struct {
	cmd  *exec.Cmd
	base string // http://host:port
}

// startAPIProcess starts strata-api with the test key, the test Redis,
// private networks allowed and env (NAME=value) on a free port, and
// returns once it listens. It is stopped with SIGTERM when the test ends.
func startAPIProcess(t testing.TB, env ...string) *apiProcess {
	t.Helper()
	redisURL := os.Getenv("STRATA_TEST_REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	cmd := exec.Command(apiBinary(t))
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"STRATA_ASSETS_DIR=" + assets.Dir(),
		"STRATA_REDIS_URL=" + redisURL,
		"STRATA_API_KEYS=" + e2eKey,
		"STRATA_LISTEN_ADDR=127.0.0.1:0",
		"STRATA_LOG_LEVEL=info",
	}, env...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var (
		mu  sync.Mutex
		log strings.Builder
	)
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line.Addr
			}
			mu.Lock()
			log.Write(sc.Bytes())
			log.WriteByte('\n')
			mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			mu.Lock()
			t.Logf("strata-api log:\n%s", log.String())
			mu.Unlock()
		}
	})
	select {
	case a := <-addr:
		return &apiProcess{cmd: cmd, base: "http://" + a}
	case <-time.After(60 * time.Second):
		t.Fatal("strata-api did not start listening within 60 s")
		return nil
	}
}

// peakRSS is the process's peak resident memory so far (VmHWM), in bytes.
func (p *apiProcess) peakRSS(t testing.TB) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", p.cmd.Process.Pid)
	return 0
}
