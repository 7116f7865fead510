// Command redisreplay replays a captured Redis command mix to find how many
// jobs a second one Redis primary serves before it saturates.
//
// Its input is the output of `redis-cli MONITOR` while BenchmarkJobCost
// (cmd/worker) ran (scripts/redis-replay.sh captures it). From the commands
// of the benchmark's measured window it counts each top-level command
// per job (an EVALSHA counts per script), loads the captured scripts (EVAL,
// SCRIPT LOAD) into
// the target Redis, and measures the mix two ways:
//
//   - redis-benchmark, once per command shape, with the arguments of one
//     captured instance (NUL bytes, which argv cannot carry, become 0x01:
//     same sizes). Jobs/s at saturation = 1 / Σ (calls per job / ops/s).
//     Repeating one instance can take a cheaper path than the real
//     sequence (an enqueue of an existing id returns early), hence:
//
//   - the captured sequence itself, byte for byte, in its recorded order,
//     pipelined on -copies connections (one database each, so the copies'
//     ids do not collide): jobs/s = copies × jobs / wall time, with
//     Redis's own CPU per job (INFO cpu) beside it.
//
//     go run ./scripts/redisreplay -capture mon.txt -jobs 500 -addr 127.0.0.1:6322
package main

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// entry is one command MONITOR printed: its arguments and whether a script
// ran it.
type entry struct {
	lua  bool
	args []string
}

func main() {
	capture := flag.String("capture", "", "redis-cli MONITOR output of a BenchmarkJobCost run")
	jobs := flag.Int("jobs", 500, "jobs in the capture's measured window (BenchmarkJobCost's n)")
	addr := flag.String("addr", "127.0.0.1:6322", "the Redis to replay against (it is flushed)")
	n := flag.Int("n", 100000, "redis-benchmark requests per command shape")
	clients := flag.Int("c", 50, "redis-benchmark clients")
	pipeline := flag.Int("P", 1, "commands per round trip (redis-benchmark and the sequence replay); Strata sends one")
	copies := flag.Int("copies", 128, "concurrent copies of the captured sequence (one database each: start Redis with more --databases)")
	flag.Parse()
	if err := run(*capture, *jobs, *addr, *n, *clients, *pipeline, *copies); err != nil {
		fmt.Fprintln(os.Stderr, "redisreplay:", err)
		os.Exit(1)
	}
}

func run(capture string, jobs int, addr string, n, clients, pipeline, copies int) error {
	entries, err := readCapture(capture)
	if err != nil {
		return err
	}
	scripts := map[string]string{} // sha1 → body, from the EVALs and SCRIPT LOADs of the whole capture
	for _, e := range entries {
		switch {
		case e.lua || len(e.args) < 2:
		case strings.EqualFold(e.args[0], "eval"):
			scripts[sha(e.args[1])] = e.args[1]
		case len(e.args) == 3 && strings.EqualFold(e.args[0], "script") && strings.EqualFold(e.args[1], "load"):
			scripts[sha(e.args[2])] = e.args[2]
		}
	}
	window := measured(entries)
	if len(window) == 0 {
		return errors.New("no commands between two INFO cpu in the capture (is it a BenchmarkJobCost run?)")
	}
	shapes, order, inner := mix(window)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := reset(ctx, rdb, scripts, copies); err != nil {
		return err
	}

	top := len(window) - inner
	fmt.Printf("capture: %d commands sent and %d run by scripts for %d jobs (%.1f + %.1f per job)\n",
		top, inner, jobs, float64(top)/float64(jobs), float64(inner)/float64(jobs))
	fmt.Printf("\n%-44s %8s %10s %8s %11s %10s\n", "command (one captured instance)", "per job", "ops/s", "µs/job", "Redis µs/op", "Redis busy")
	var secPerJob, cpuPerJob float64
	var skipped []string
	for _, name := range order {
		s := shapes[name]
		if strings.EqualFold(s.args[0], "evalsha") && scripts[s.args[1]] == "" {
			return fmt.Errorf("%s: the capture holds no EVAL or SCRIPT LOAD of this script (start MONITOR before the first job)", name)
		}
		perJob := float64(s.calls) / float64(jobs)
		cpu0, err := redisCPU(ctx, rdb)
		if err != nil {
			return err
		}
		rps, err := benchmark(addr, s.args, n, clients, pipeline)
		if errors.Is(err, errReply) { // needs the state the sequence left: only the replay below has it
			skipped = append(skipped, name)
			fmt.Printf("%-44s %8.2f %10s %8s  (%v)\n", name, perJob, "—", "—", err)
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		cpu1, err := redisCPU(ctx, rdb)
		if err != nil {
			return err
		}
		cpuOp := (cpu1 - cpu0) / float64(n)
		secPerJob += perJob / rps
		cpuPerJob += perJob * cpuOp
		fmt.Printf("%-44s %8.2f %10.0f %8.1f %11.1f %10.2f\n", name, perJob, rps, 1e6*perJob/rps, 1e6*cpuOp, cpuOp*rps)
	}
	if len(skipped) == 0 {
		fmt.Printf("redis-benchmark, weighted: %.0f jobs/s at saturation (%.0f µs per job; Redis CPU %.0f µs per job)\n",
			1/secPerJob, 1e6*secPerJob, 1e6*cpuPerJob)
	} else {
		fmt.Printf("redis-benchmark, weighted, repeatable commands only (%d of %d shapes cannot repeat one instance): %.0f µs per job, Redis CPU %.0f µs per job\n",
			len(skipped), len(order), 1e6*secPerJob, 1e6*cpuPerJob)
	}

	if err := reset(ctx, rdb, scripts, copies); err != nil {
		return err
	}
	cpu0, err := redisCPU(ctx, rdb)
	if err != nil {
		return err
	}
	wall, errs, err := replay(ctx, addr, window, copies, pipeline)
	if err != nil {
		return err
	}
	cpu1, err := redisCPU(ctx, rdb)
	if err != nil {
		return err
	}
	total := float64(copies * jobs)
	// Redis saturated means its one thread was busy the whole time (≈ 1 core).
	fmt.Printf("sequence replay, %d copies, pipeline %d: %.0f jobs/s (%.0f commands sent/s), Redis CPU %.0f µs per job, Redis busy %.2f cores, %d error replies\n",
		copies, pipeline, total/wall.Seconds(), float64(copies*(len(window)-inner))/wall.Seconds(),
		1e6*(cpu1-cpu0)/total, (cpu1-cpu0)/wall.Seconds(), errs)
	return nil
}

// readCapture parses redis-cli MONITOR output.
func readCapture(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		e, ok, err := parseLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// parseLine reads one MONITOR line, `<time> [<db> <client>] "arg" "arg"…`;
// ok is false for lines that are not commands (the leading OK).
func parseLine(line string) (e entry, ok bool, err error) {
	open := strings.IndexByte(line, '[')
	end := strings.IndexByte(line, ']')
	if open < 0 || end < open {
		return entry{}, false, nil
	}
	e.lua = strings.HasSuffix(line[open:end], " lua")
	rest := line[end+1:]
	for {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		arg, tail, err := unquote(rest)
		if err != nil {
			return entry{}, false, fmt.Errorf("%q: %w", line, err)
		}
		e.args = append(e.args, arg)
		rest = tail
	}
	return e, len(e.args) > 0, nil
}

// unquote reads one argument as Redis quotes it (sdscatrepr): "…" with \\,
// \", \n, \r, \t, \a, \b and \xHH escapes; it returns the rest of s.
func unquote(s string) (arg, rest string, err error) {
	if s[0] != '"' {
		return "", "", errors.New("argument does not start with a quote")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], nil
		case c != '\\':
			b.WriteByte(c)
		case i+1 >= len(s):
			return "", "", errors.New("unfinished escape")
		default:
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'x':
				if i+2 >= len(s) {
					return "", "", errors.New("short \\x escape")
				}
				v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				if err != nil {
					return "", "", fmt.Errorf("bad \\x escape: %w", err)
				}
				b.WriteByte(byte(v))
				i += 2
			default:
				b.WriteByte(s[i])
			}
		}
	}
	return "", "", errors.New("unterminated argument")
}

// measured is the benchmark's measured window: the commands between the
// first and the last INFO cpu (BenchmarkJobCost reads Redis's CPU just
// before its first submit and just after the last delivery; MONITOR does
// not show its CONFIG RESETSTAT), without INFO itself.
func measured(all []entry) []entry {
	first, last := -1, -1
	for i, e := range all {
		if !e.lua && len(e.args) > 1 && strings.EqualFold(e.args[0], "info") && strings.EqualFold(e.args[1], "cpu") {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	var out []entry
	for _, e := range all[first+1 : max(last, first+1)] {
		if strings.EqualFold(e.args[0], "info") {
			continue
		}
		out = append(out, e)
	}
	return out
}

// shape is one kind of top-level command: how often it ran and the
// arguments of its first run.
type shape struct {
	calls int
	args  []string
}

// mix counts the window's top-level commands by shape (the command, and for
// EVALSHA/EVAL the script); order is by calls, most first. Script calls are
// counted in inner, and dropped from the returned sequence's shapes.
func mix(window []entry) (shapes map[string]*shape, order []string, inner int) {
	shapes = map[string]*shape{}
	for i, e := range window {
		if e.lua {
			inner++
			continue
		}
		name, args := strings.ToUpper(e.args[0]), e.args
		if (name == "EVALSHA" || name == "EVAL") && len(args) > 1 {
			if name == "EVAL" { // measured as the EVALSHA it stands for
				args = append([]string{"EVALSHA", sha(args[1])}, args[2:]...)
			}
			name = "EVALSHA " + args[1][:10] + " (" + scriptCalls(window[i+1:]) + ")"
		}
		s := shapes[name]
		if s == nil {
			s = &shape{args: args}
			shapes[name] = s
			order = append(order, name)
		}
		s.calls++
	}
	sort.SliceStable(order, func(i, j int) bool { return shapes[order[i]].calls > shapes[order[j]].calls })
	return shapes, order, inner
}

// scriptCalls names the commands a script ran: the lua entries that follow
// it, up to the next top-level command.
func scriptCalls(next []entry) string {
	var names []string
	for _, e := range next {
		if !e.lua || len(names) == 4 {
			break
		}
		names = append(names, strings.ToLower(e.args[0]))
	}
	if len(names) == 0 {
		return "no calls"
	}
	return strings.Join(names, ",") + "…"
}

// reset flushes the target and loads the captured scripts.
func reset(ctx context.Context, rdb *redis.Client, scripts map[string]string, dbs int) error {
	if err := rdb.FlushAll(ctx).Err(); err != nil {
		return fmt.Errorf("flushing the replay Redis: %w", err)
	}
	for want, body := range scripts {
		got, err := rdb.ScriptLoad(ctx, body).Result()
		if err != nil {
			return fmt.Errorf("loading script %s: %w", want, err)
		}
		if got != want {
			return fmt.Errorf("script %s loaded as %s", want, got)
		}
	}
	return rdb.ConfigResetStat(ctx).Err()
}

// errReply is a redis-benchmark run stopped by an error reply: the command
// cannot be repeated on its own (an acknowledgement of a task no longer
// active).
var errReply = errors.New("error reply on repetition")

// benchmark runs redis-benchmark on one command and returns its requests/s.
func benchmark(addr string, args []string, n, clients, pipeline int) (float64, error) {
	host, port, _ := strings.Cut(addr, ":")
	argv := []string{"-h", host, "-p", port, "-n", strconv.Itoa(n), "-c", strconv.Itoa(clients),
		"-P", strconv.Itoa(pipeline), "--csv"}
	for _, a := range args {
		argv = append(argv, strings.ReplaceAll(a, "\x00", "\x01"))
	}
	cmd := exec.Command("redis-benchmark", argv...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && strings.Contains(stderr.String(), "Error from server") {
		return 0, fmt.Errorf("%w: %s", errReply, strings.TrimSpace(stderr.String()))
	}
	if err != nil {
		return 0, fmt.Errorf("redis-benchmark: %w: %s%s", err, stderr.String(), out)
	}
	// The CSV's last line: "name","rps" and six latencies; the name may hold
	// anything, so count from the end.
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := lines[len(lines)-1]
	fields := strings.Split(last, ",")
	if len(fields) < 8 {
		return 0, fmt.Errorf("redis-benchmark printed %q", last)
	}
	return strconv.ParseFloat(strings.Trim(fields[len(fields)-7], "\""), 64)
}

// replay sends the window's top-level commands, in order, on copies
// connections at once (database i+1 each), pipeline commands a round trip.
func replay(ctx context.Context, addr string, window []entry, copies, pipeline int) (time.Duration, int, error) {
	var wg sync.WaitGroup
	errs := make([]int, copies)
	fails := make([]error, copies)
	start := time.Now()
	for c := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, DB: c + 1, PoolSize: 1})
			defer rdb.Close()
			pipe := rdb.Pipeline()
			flush := func() {
				cmds, err := pipe.Exec(ctx)
				if err != nil && !errors.Is(err, redis.Nil) {
					for _, cmd := range cmds {
						if e := cmd.Err(); e != nil && !errors.Is(e, redis.Nil) {
							errs[c]++
						}
					}
				}
			}
			queued := 0
			for _, e := range window {
				if e.lua {
					continue
				}
				args := make([]any, len(e.args))
				for i, a := range e.args {
					args[i] = a
				}
				pipe.Do(ctx, args...)
				if queued++; queued == pipeline {
					flush()
					queued = 0
				}
			}
			if queued > 0 {
				flush()
			}
			fails[c] = ctx.Err()
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	total := 0
	for c := range copies {
		if fails[c] != nil {
			return 0, 0, fails[c]
		}
		total += errs[c]
	}
	return wall, total, nil
}

// redisCPU is Redis's CPU seconds so far (INFO cpu, user + system).
func redisCPU(ctx context.Context, rdb *redis.Client) (float64, error) {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, err
	}
	var sec float64
	for _, line := range strings.Split(info, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, err
			}
			sec += f
		}
	}
	return sec, nil
}

// sha is a script's SHA-1, as EVALSHA names it.
func sha(body string) string {
	h := sha1.Sum([]byte(body))
	return hex.EncodeToString(h[:])
}
