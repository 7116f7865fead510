package main

// The cold path of -mode once, timed: -mode cold starts this binary again
// and again in -mode once and reports medians of where the time went,
// from the exec to the first PNG written (docs/PERFORMANCE.md, "Cold
// start").

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/strata-render/strata/pkg/engine"
	"github.com/strata-render/strata/pkg/schema"
	"github.com/strata-render/strata/pkg/typeset"
	"github.com/strata-render/strata/pkg/vips"
)

// execEnv carries the wall-clock time (Unix ns) at which -mode cold
// started the child, read just before the fork and exec: the child's
// marks are then times since the exec rather than since its main package
// initialised.
const execEnv = "STRATA_BENCH_EXEC_NS"

// clock records named marks of the cold path, each in ms since its
// origin: the exec when the parent passed it, else the main package's
// initialisation.
type clock struct {
	origin time.Time
	marks  []mark
}

// mark is one point of the cold path: ms since the clock's origin.
type mark struct {
	Name string  `json:"name"`
	MS   float64 `json:"ms"`
}

// newClock starts at the exec named by execEnv, or at started, and
// records started as its first mark, "main_init".
func newClock() *clock {
	c := &clock{origin: started}
	if ns, err := strconv.ParseInt(os.Getenv(execEnv), 10, 64); err == nil {
		c.origin = time.Unix(0, ns)
	}
	c.markAt("main_init", started)
	return c
}

// mark records name now.
func (c *clock) mark(name string) { c.markAt(name, time.Now()) }

func (c *clock) markAt(name string, t time.Time) {
	c.marks = append(c.marks, mark{Name: name, MS: ms(t.Sub(c.origin))})
}

// once renders the design once from a cold process, writes it to out if
// set and prints ms_since_init (main's init → the PNG written) and the
// cold path's marks (since the exec, or since main's init). With stages
// the text stages are warmed one by one first (stageFirstRender) and,
// after the PNG is written, a warm render and a second registry scan are
// timed for comparison.
func once(design string, images map[string]string, out, cpuProfile string, stages bool) error {
	c := newClock()
	if cpuProfile != "" {
		stop, err := startColdProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	body, cfg, err := loadDesign(design, images)
	if err != nil {
		return err
	}
	c.mark("config")
	if err := vips.Check(); err != nil {
		return err
	}
	c.mark("vips_check")
	eng, err := engine.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer eng.Close()
	c.mark("engine")
	req, err := schema.Decode(body, cfg.Limits)
	if err != nil {
		return err
	}
	c.mark("decode")
	ctx := context.Background()
	if stages {
		if err := stageFirstRender(ctx, eng.Fonts, req, c); err != nil {
			return err
		}
	}
	res, err := eng.Renderer.Render(ctx, req)
	if err != nil {
		return err
	}
	c.mark("render")
	if out != "" {
		if err := os.WriteFile(out, res.Data, 0o644); err != nil {
			return err
		}
	}
	c.mark("write")
	sinceInit := ms(time.Since(started))
	if stages {
		if err := timeAfterwards(ctx, eng, req, cfg.AssetsDir, c); err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"ms_since_init": sinceInit, "bytes": len(res.Data), "marks": c.marks})
}

// startColdProfile starts a CPU profile at 4 kHz (a cold path is tens of
// ms: 100 Hz would sample it a few times); stop ends it and closes the
// file.
func startColdProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	runtime.SetCPUProfileRate(4000) // before StartCPUProfile, whose own 100 Hz then does not apply
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// timeAfterwards marks, after the first card, a second (warm) render and
// a second registry scan: the cold render's excess over a warm one, and
// the scan's cost within engine.New.
func timeAfterwards(ctx context.Context, eng *engine.Engine, req *schema.Request, assets string, c *clock) error {
	if _, err := eng.Renderer.Render(ctx, req); err != nil {
		return err
	}
	c.mark("after: a warm render")
	if _, err := typeset.NewRegistry(assets); err != nil {
		return err
	}
	c.mark("after: NewRegistry again")
	return nil
}

// childArgs are the flags -mode cold passes on to its children: those
// set on its own command line, but for -mode, -runs, -stages and
// -against.
func childArgs() []string {
	var args []string
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "mode", "runs", "stages", "against":
			return
		}
		args = append(args, "-"+f.Name+"="+f.Value.String())
	})
	return args
}

// stageFirstRender warms the first render's stages one at a time, each
// marked, so the real render that follows only pays for what is left
// (layout, composite, encode): the text layers' faces parsed (a
// one-character text in each layer's font), their lines shaped and wrapped
// (Measure), their glyphs rasterised (DrawInk).
func stageFirstRender(ctx context.Context, fonts *typeset.Registry, req *schema.Request, c *clock) error {
	texts := textLayers(req.Layers)
	stages := []struct {
		name string
		do   func(l *schema.Layer) error
	}{
		{"fonts", func(l *schema.Layer) error {
			one := *l.Text
			one.Text = string([]rune(l.Text.Text)[:1])
			_, _, err := fonts.Measure(ctx, &one, req.Fonts, 0)
			return err
		}},
		{"shape", func(l *schema.Layer) error {
			_, _, err := fonts.Measure(ctx, l.Text, req.Fonts, l.Size.Width)
			return err
		}},
		{"raster", func(l *schema.Layer) error {
			_, err := fonts.DrawInk(ctx, l.Text, req.Fonts, l.Size.Width, l.Size.Height, image.NewRGBA)
			return err
		}},
	}
	for _, st := range stages {
		for _, l := range texts {
			if err := st.do(l); err != nil {
				return fmt.Errorf("%s of %s: %w", st.name, l.Path, err)
			}
		}
		c.mark(st.name)
	}
	return nil
}

// textLayers are the text layers with a box and some text, layout
// children included.
func textLayers(ls []*schema.Layer) []*schema.Layer {
	var out []*schema.Layer
	for _, l := range ls {
		if l.Text != nil && l.Size != nil && l.Size.Width > 0 && l.Size.Height > 0 && l.Text.Text != "" {
			out = append(out, l)
		}
		if l.Layout != nil {
			out = append(out, textLayers(l.Layout.Children)...)
		}
	}
	return out
}

// coldRun is one child's report: its marks, its Go package
// initialisation (GODEBUG=inittrace) and the parent's view of it.
type coldRun struct {
	marks  map[string]float64
	order  []string // the marks' names in the order reported
	inits  initTrace
	exitMS float64 // exec → the child exited, as the parent saw it
}

// initTrace sums GODEBUG=inittrace=1 lines: ms of package init clock,
// in all and for the packages named, and when main's init began (ms
// since the Go runtime started).
type initTrace struct {
	totalMS, mainAtMS float64
	pkgMS             map[string]float64
}

var initLine = regexp.MustCompile(`^init (\S+) @([0-9.]+) ms, ([0-9.]+) ms clock`)

// parseInitTrace reads inittrace lines from r (other lines are skipped);
// pkgMS gets the clock of each package whose path ends in one of named.
func parseInitTrace(r io.Reader, named []string) initTrace {
	t := initTrace{pkgMS: map[string]float64{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := initLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		at, _ := strconv.ParseFloat(m[2], 64)
		clk, _ := strconv.ParseFloat(m[3], 64)
		t.totalMS += clk
		if m[1] == "main" {
			t.mainAtMS = at
		}
		for _, n := range named {
			if strings.HasSuffix(m[1], n) {
				t.pkgMS[n] += clk
			}
		}
	}
	return t
}

// tracedPackages are the package inits reported on their own: bimg's
// calls vips_init (libvips loads its modules, vips-modules-8.x, there),
// pkg/vips's locks the loaders down.
var tracedPackages = []string{"h2non/bimg", "strata/pkg/vips"}

// runChild execs self in -mode once with args, with the exec time and
// GODEBUG=inittrace=1 in its environment.
func runChild(self string, args []string) (coldRun, error) {
	cmd := exec.Command(self, append([]string{"-mode", "once"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	env := append(os.Environ(), "GODEBUG=inittrace=1")
	t0 := time.Now()
	cmd.Env = append(env, execEnv+"="+strconv.FormatInt(t0.UnixNano(), 10))
	if err := cmd.Run(); err != nil {
		return coldRun{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	run := coldRun{exitMS: ms(time.Since(t0)), inits: parseInitTrace(&stderr, tracedPackages), marks: map[string]float64{}}
	var rep struct {
		Marks []mark `json:"marks"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return coldRun{}, fmt.Errorf("child's report %q: %w", stdout.String(), err)
	}
	for _, m := range rep.Marks {
		run.marks[m.Name] = m.MS
		run.order = append(run.order, m.Name)
	}
	return run, nil
}

// phase is one row of the breakdown: a name and its ms in each run.
type phase struct {
	Name string
	MS   []float64
}

// breakdown turns the runs into phases: exec → Go runtime start (the
// dynamic loader and C constructors), the Go package inits (libvips'
// vips_init and lockdown on their own), then each mark's time since the
// one before it (marks after "write" time work done after the first card,
// for comparison), and the totals up to "write". The marks are taken in
// order.
func breakdown(runs []coldRun, order []string) []phase {
	get := func(f func(r coldRun) float64) []float64 {
		out := make([]float64, len(runs))
		for i, r := range runs {
			out[i] = f(r)
		}
		return out
	}
	ps := []phase{
		{"exec → Go runtime start (dynamic linking, C constructors)", get(func(r coldRun) float64 { return r.marks["main_init"] - r.inits.mainAtMS })},
		{"Go package init: bimg (vips_init, libvips modules)", get(func(r coldRun) float64 { return r.inits.pkgMS["h2non/bimg"] })},
		{"Go package init: pkg/vips (lockdown)", get(func(r coldRun) float64 { return r.inits.pkgMS["strata/pkg/vips"] })},
		{"Go package init: the rest and the runtime", get(func(r coldRun) float64 {
			return r.inits.mainAtMS - r.inits.pkgMS["h2non/bimg"] - r.inits.pkgMS["strata/pkg/vips"]
		})},
	}
	for i := 1; i < len(order); i++ {
		prev, cur := order[i-1], order[i]
		ps = append(ps, phase{cur, get(func(r coldRun) float64 { return r.marks[cur] - r.marks[prev] })})
	}
	const last = "write"
	return append(ps,
		phase{"total: Go runtime start → " + last, get(func(r coldRun) float64 { return r.marks[last] - r.marks["main_init"] + r.inits.mainAtMS })},
		phase{"total: main init → " + last + " (ms_since_init)", get(func(r coldRun) float64 { return r.marks[last] - r.marks["main_init"] })},
		phase{"total: exec → " + last, get(func(r coldRun) float64 { return r.marks[last] })},
		phase{"total: exec → exit (parent's clock)", get(func(r coldRun) float64 { return r.exitMS })})
}

// coldStart runs the child n times with args (plain, then with -stages)
// and writes both breakdowns: medians with min and max. With against (the
// path of another build of this harness, e.g. main's) each run of this
// binary is followed by one of that one, and its figures follow in a
// second column: an A/B within one run.
func coldStart(w io.Writer, n int, args []string, against string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bins := []string{self}
	if against != "" {
		bins = append(bins, against)
	}
	for _, staged := range []bool{false, true} {
		a := args
		if staged {
			a = append([]string{"-stages"}, args...)
		}
		runs := make([][]coldRun, len(bins))
		for range n {
			for i, bin := range bins {
				r, err := runChild(bin, a)
				if err != nil {
					return fmt.Errorf("%s: %w", bin, err)
				}
				runs[i] = append(runs[i], r)
			}
		}
		fmt.Fprintf(w, "\n%d runs, stages %v (ms: median [min–max]; %s)\n", n, staged, strings.Join(bins, " | "))
		writeBreakdowns(w, runs)
	}
	return nil
}

// writeBreakdowns writes one row per phase of the first binary's runs,
// each binary's median [min–max] in a column of its own ("—" where a
// binary's runs lack the phase).
func writeBreakdowns(w io.Writer, runs [][]coldRun) {
	cols := make([]map[string]phase, len(runs))
	for i, rs := range runs {
		cols[i] = map[string]phase{}
		for _, p := range breakdown(rs, rs[0].order) {
			cols[i][p.Name] = p
		}
	}
	for _, p := range breakdown(runs[0], runs[0][0].order) {
		fmt.Fprintf(w, "%-62s", p.Name)
		for _, col := range cols {
			if q, ok := col[p.Name]; ok {
				fmt.Fprintf(w, " %7.2f [%.2f–%.2f]", median(q.MS), minOf(q.MS), maxOf(q.MS))
			} else {
				fmt.Fprintf(w, " %7s", "—")
			}
		}
		fmt.Fprintln(w)
	}
}

// minOf is the smallest of xs (not empty).
func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

// maxOf is the largest of xs (not empty).
func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
