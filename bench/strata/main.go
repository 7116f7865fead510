// Command strata-bench renders one benchmark design (a request JSON file
// under bench/designs) in-process through the same engine the API uses, for
// the side-by-side comparison that scripts/bench-peers.sh runs
// (bench/compare.js drives it).
//
// Modes:
//
//	-mode serve    read JSON commands on stdin, one per line, answer one
//	               JSON line each (the protocol bench/peers/runner.js
//	               speaks too):
//	                 {"cmd":"lat","n":30,"budget_ms":2500}  serial renders on one thread
//	                 {"cmd":"tput","ms":2500,"conc":2}      renders in conc goroutines (each
//	                                                        of a request decoded before timing)
//	                 {"cmd":"save","path":"out.png"}        write one render
//	                 {"cmd":"quit"}
//	-mode once     render once, write -out if set, print the time since the
//	               main package initialised (ms_since_init, cold start) and
//	               the marks of the cold path (cold.go); -stages warms the
//	               first render's text stages one by one first
//	-mode cold     run -mode once -runs times (plain and -stages) and print
//	               the cold path's breakdown, medians (cold.go); -against
//	               another build alternates with it run by run
//	-mode profile  render for -seconds (in -conc goroutines, default 1)
//	               with a CPU profile (-cpuprofile), an allocation profile
//	               (-memprofile) and blocking/mutex profiles (-blockprofile)
//
// -wire-images: while engine.New's renderer refuses image layers (it has
// no image loader wired), the harness builds the renderer itself with the
// same fonts and pkg/imaging's loader, so image designs render for real;
// replies then carry a "note" saying so.
//
// A design may hold the placeholders "@PRODUCT_JPEG@" and "@PHOTO_JPEG@" as
// an image's base64; they are replaced by the base64 of the -image and
// -photo files before decoding.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/strata-render/strata/pkg/config"
	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/imaging"
	"github.com/strata-render/strata/pkg/render"
	"github.com/strata-render/strata/pkg/schema"
)

// The placeholders replaced by the base64 of the -image and -photo files.
const (
	placeholder      = "@PRODUCT_JPEG@"
	photoPlaceholder = "@PHOTO_JPEG@"
)

// started is when the main package initialised: after every imported
// package's init (libvips' vips_init among them, ≈ 20 ms); exec, dynamic
// linking and those inits come before it (-mode cold measures them).
var started = time.Now()

func main() {
	design := flag.String("design", "", "request JSON file (bench/designs/<name>.json)")
	imagePath := flag.String("image", "", "file whose base64 replaces "+placeholder)
	photoPath := flag.String("photo", "", "file whose base64 replaces "+photoPlaceholder)
	mode := flag.String("mode", "serve", "serve, once, cold or profile")
	stages := flag.Bool("stages", false, "once: warm the first render's text stages (faces, shaping, glyphs) one by one, each timed")
	runs := flag.Int("runs", 11, "cold: runs of -mode once of each kind")
	against := flag.String("against", "", "cold: another build of this harness whose runs alternate with this one's, in a second column")
	out := flag.String("out", "", "once: write the rendered image here")
	seconds := flag.Float64("seconds", 5, "profile: how long to render")
	cpuProfile := flag.String("cpuprofile", "", "profile, once: CPU profile file (once: of main init → the PNG written, at 4 kHz; merge many with go tool pprof)")
	memProfile := flag.String("memprofile", "", "profile: allocation profile file")
	blockProfile := flag.String("blockprofile", "", "profile: blocking and mutex-contention profile file (with -conc 2)")
	conc := flag.Int("conc", 1, "profile: renders in parallel (GOMAXPROCS too)")
	wireImages := flag.Bool("wire-images", false, "when engine.New's renderer refuses image layers, build one with pkg/imaging's loader")
	flag.Parse()
	p := profileOptions{cpu: *cpuProfile, mem: *memProfile, block: *blockProfile, conc: max(*conc, 1),
		d: time.Duration(*seconds * float64(time.Second))}
	images := map[string]string{placeholder: *imagePath, photoPlaceholder: *photoPath}
	if *mode == "cold" {
		if err := coldStart(os.Stdout, max(*runs, 1), childArgs(), *against); err != nil {
			fmt.Fprintln(os.Stderr, "strata-bench:", err)
			os.Exit(1)
		}
		return
	}
	if *mode == "once" {
		if err := once(*design, images, *out, *cpuProfile, *stages); err != nil {
			fmt.Fprintln(os.Stderr, "strata-bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*design, images, *mode, *out, *wireImages, p); err != nil {
		fmt.Fprintln(os.Stderr, "strata-bench:", err)
		os.Exit(1)
	}
}

// profileOptions configure -mode profile.
type profileOptions struct {
	cpu, mem, block string
	conc            int
	d               time.Duration
}

func run(design string, images map[string]string, mode, out string, wireImages bool, p profileOptions) error {
	body, cfg, err := loadDesign(design, images)
	if err != nil {
		return err
	}
	eng, err := engine.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer eng.Close()
	b := &bench{body: body, limits: cfg.Limits, r: eng.Renderer}
	if wireImages {
		if _, err := b.render(); err != nil && strings.Contains(err.Error(), "image layers are not") {
			r, err := render.New(render.Options{Fonts: eng.Fonts,
				Images: imaging.NewLoader(imaging.Options{MaxPixels: cfg.Limits.MaxImagePixels, MaxBytes: cfg.Limits.MaxFileBytes})})
			if err != nil {
				return err
			}
			b.r = r
			b.note = "renderer built with pkg/imaging's loader: engine.New does not wire one yet"
		}
	}
	switch mode {
	case "profile":
		return b.profile(p)
	case "serve":
		return b.serve(os.Stdin, os.Stdout)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// loadDesign is the design's body (loadBody) and the service's
// configuration from the environment, as the engine is built from.
func loadDesign(design string, images map[string]string) ([]byte, config.Config, error) {
	body, err := loadBody(design, images)
	if err != nil {
		return nil, config.Config{}, err
	}
	cfg, err := config.LoadConfigFromEnv()
	return body, cfg, err
}

// loadBody reads the design and substitutes the image placeholders:
// images maps each placeholder to the file whose base64 replaces it.
func loadBody(design string, images map[string]string) ([]byte, error) {
	if design == "" {
		return nil, fmt.Errorf("-design is required")
	}
	body, err := os.ReadFile(design)
	if err != nil {
		return nil, err
	}
	for _, ph := range []string{placeholder, photoPlaceholder} {
		if !bytes.Contains(body, []byte(ph)) {
			continue
		}
		flagName := map[string]string{placeholder: "-image", photoPlaceholder: "-photo"}[ph]
		if images[ph] == "" {
			return nil, fmt.Errorf("%s needs %s for %s", design, flagName, ph)
		}
		img, err := os.ReadFile(images[ph])
		if err != nil {
			return nil, err
		}
		body = bytes.ReplaceAll(body, []byte(ph), []byte(base64.StdEncoding.EncodeToString(img)))
	}
	return body, nil
}

// bench renders one design.
type bench struct {
	body   []byte
	limits schema.Limits
	r      *render.Renderer
	// note says how the renderer differs from engine.New's, if it does.
	note string
}

// decode parses the request body as the API does.
func (b *bench) decode() (*schema.Request, error) { return schema.Decode(b.body, b.limits) }

// render decodes and renders once.
func (b *bench) render() (core.Result, error) {
	req, err := b.decode()
	if err != nil {
		return core.Result{}, err
	}
	return b.renderRequest(req)
}

// renderRequest renders a decoded request.
func (b *bench) renderRequest(req *schema.Request) (core.Result, error) {
	return b.r.Render(context.Background(), req)
}

// command is one line of the serve protocol.
type command struct {
	Cmd      string  `json:"cmd"`
	N        int     `json:"n"`
	BudgetMS float64 `json:"budget_ms"`
	MS       float64 `json:"ms"`
	Conc     int     `json:"conc"`
	Procs    int     `json:"procs"`
	Path     string  `json:"path"`
}

// serve answers commands until quit or EOF.
func (b *bench) serve(in io.Reader, out io.Writer) error {
	enc := json.NewEncoder(out)
	sc := bufio.NewScanner(in)
	if err := enc.Encode(map[string]any{"ready": true, "pid": os.Getpid(), "note": b.note}); err != nil {
		return err
	}
	for sc.Scan() {
		var c command
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return fmt.Errorf("bad command %q: %w", sc.Text(), err)
		}
		var reply any
		switch c.Cmd {
		case "lat":
			reply = b.latency(c.N, time.Duration(c.BudgetMS*float64(time.Millisecond)), c.Procs)
		case "tput":
			reply = b.throughput(time.Duration(c.MS*float64(time.Millisecond)), max(c.Conc, 1))
		case "save":
			res, err := b.render()
			if err == nil {
				err = os.WriteFile(c.Path, res.Data, 0o644)
			}
			reply = withError(map[string]any{"bytes": len(res.Data)}, err)
		case "quit":
			return nil
		default:
			reply = map[string]any{"error": "unknown command " + c.Cmd}
		}
		if err := enc.Encode(reply); err != nil {
			return err
		}
	}
	return sc.Err()
}

// latency renders serially, one request in flight, with GOMAXPROCS procs
// (the machine's cores when procs ≤ 0, as the API runs; 1 pins the render
// to one thread, so the PNG encode never splits over a spare core) up to n
// times or until the budget is spent (but at least three when n allows),
// timing Render only; the request is decoded before the clock starts, and
// the decode is timed on its own.
func (b *bench) latency(n int, budget time.Duration, procs int) map[string]any {
	if procs <= 0 {
		procs = runtime.NumCPU()
	}
	prev := runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(prev)
	var times, decodes []float64
	size := 0
	start := time.Now()
	for i := 0; i < n && (i < 3 || time.Since(start) < budget); i++ {
		t0 := time.Now()
		req, err := b.decode()
		if err != nil {
			return withError(nil, err)
		}
		t1 := time.Now()
		res, err := b.renderRequest(req)
		if err != nil {
			return withError(nil, err)
		}
		decodes = append(decodes, ms(t1.Sub(t0)))
		times = append(times, ms(time.Since(t1)))
		size = len(res.Data)
	}
	return map[string]any{"ms": times, "decode_ms": median(decodes), "bytes": size, "procs": runtime.GOMAXPROCS(0)}
}

// throughput renders in conc goroutines (GOMAXPROCS = conc) for d and
// reports how many renders finished. Each goroutine decodes the request
// once, before the clock starts, and renders it again and again: the
// renders are timed as the latency's are, and as the peers' are (each
// renders its parsed design, image bytes already decoded from base64).
// Rendering a request leaves it as it was (TestRenderLeavesTheRequest).
// The decode is timed on its own (decode_ms, the slowest goroutine's).
func (b *bench) throughput(d time.Duration, conc int) map[string]any {
	prev := runtime.GOMAXPROCS(conc)
	defer runtime.GOMAXPROCS(prev)
	reqs := make([]*schema.Request, conc)
	var decode time.Duration
	for i := range reqs {
		t0 := time.Now()
		req, err := b.decode()
		if err != nil {
			return withError(nil, err)
		}
		decode = max(decode, time.Since(t0))
		reqs[i] = req
	}
	var count atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	cpu0 := cpuTime()
	var wg sync.WaitGroup
	for _, req := range reqs {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if _, err := b.renderRequest(req); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	if err, _ := firstErr.Load().(error); err != nil {
		return withError(nil, err)
	}
	return map[string]any{"renders": count.Load(), "elapsed_ms": ms(elapsed), "cpu_ms": ms(cpu), "decode_ms": ms(decode)}
}

// profile renders in p.conc goroutines (GOMAXPROCS = p.conc) for p.d
// under the CPU profiler, then writes the allocation profile and, when
// asked, the blocking and mutex profiles (one file each, suffixed).
func (b *bench) profile(p profileOptions) error {
	runtime.GOMAXPROCS(p.conc)
	runtime.MemProfileRate = 64 << 10
	if p.block != "" {
		runtime.SetBlockProfileRate(int(100 * time.Microsecond))
		runtime.SetMutexProfileFraction(1)
	}
	for range 3 { // warm caches before profiling
		if _, err := b.render(); err != nil {
			return err
		}
	}
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	var n atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	cpu0 := cpuTime()
	var wg sync.WaitGroup
	for range p.conc {
		wg.Go(func() {
			for time.Since(start) < p.d {
				if _, err := b.render(); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	if p.cpu != "" {
		pprof.StopCPUProfile()
	}
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	for _, w := range []struct{ path, name string }{{p.mem, "allocs"}, {p.block, "block"}, {p.block + ".mutex", "mutex"}} {
		if w.path == "" || w.path == ".mutex" {
			continue
		}
		if err := writeProfile(w.path, w.name); err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"renders": n.Load(), "elapsed_ms": ms(elapsed), "cpu_ms": ms(cpu), "conc": p.conc,
		"ms_per_render": ms(elapsed) * float64(p.conc) / float64(n.Load())})
}

// writeProfile writes the named runtime profile to path.
func writeProfile(path, name string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup(name).WriteTo(f, 0)
}

// cpuTime is the CPU time (user + system) the process has used, all
// threads included (libvips' too).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// withError adds err's text to m (nil m starts a new map).
func withError(m map[string]any, err error) map[string]any {
	if m == nil {
		m = map[string]any{}
	}
	if err != nil {
		m["error"] = err.Error()
	}
	return m
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// median is the middle of xs (0 for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
