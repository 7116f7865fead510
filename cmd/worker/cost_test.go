package main

import (
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/queue"
)

// BenchmarkJobCost measures what one async social-card job costs, on a
// private Redis so its counters are this run's alone: the submit side (the
// API's queue client, in this process), the worker process, and Redis
// (CPU from INFO cpu, commands from INFO commandstats, bytes from INFO
// stats), plus the Redis memory one queued job holds. docs/OPERATIONS.md's
// sizing table is computed from these numbers. It runs twice: as the
// worker runs by default, each render task making its job's first webhook
// attempt itself, and with STRATA_INLINE_DELIVERIES=0, every attempt made
// by a delivery task (what the worker did before).
//
//	go test -run '^$' -bench JobCost -benchtime 1x ./cmd/worker
func BenchmarkJobCost(b *testing.B) {
	b.Run("first-attempt=render-task", func(b *testing.B) { jobCost(b) })
	b.Run("first-attempt=delivery-task", func(b *testing.B) { jobCost(b, "STRATA_INLINE_DELIVERIES=0") })
}

// jobCost is one BenchmarkJobCost run, the worker started with extra env.
func jobCost(b *testing.B, extra ...string) {
	addr := "127.0.0.1:" + strconv.Itoa(freePort(b))
	srv := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strings.Split(addr, ":")[1],
		"--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction")
	require.NoError(b, srv.Start())
	b.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	require.Eventually(b, func() bool { return rdb.Ping(ctx).Err() == nil }, 10*time.Second, 20*time.Millisecond)

	recv := newHookReceiver(b)
	c := submitter(b, rdb)
	w := startWorker(b, "redis://"+addr+"/0", recv, extra...)
	for i := range 8 { // warm-up: fonts, connections, scripts loaded
		submit(b, c, smallCard(recv.URL(), i))
	}
	recv.waitJobs(b, 8, 60*time.Second)
	inspector := asynq.NewInspectorFromRedisClient(rdb)
	require.NoError(b, inspector.PauseQueue(queue.QueueRenders))
	time.Sleep(200 * time.Millisecond)

	const n = 500
	require.NoError(b, rdb.ConfigResetStat(ctx).Err())
	mem0 := infoInt(b, rdb, "memory", "used_memory")
	redis0, self0 := redisCPU(b, rdb), selfCPU(b)
	b.ResetTimer()
	for i := range n {
		submit(b, c, smallCard(recv.URL(), 100+i))
	}
	submitRedis, submitSelf := redisCPU(b, rdb)-redis0, selfCPU(b)-self0
	mem1 := infoInt(b, rdb, "memory", "used_memory")
	submitCmds := commandStats(b, rdb)

	worker0, redis1 := processCPU(b, w.cmd.Process.Pid), redisCPU(b, rdb)
	start := time.Now()
	require.NoError(b, inspector.UnpauseQueue(queue.QueueRenders))
	recv.waitJobs(b, 8+n, 5*time.Minute)
	// Let the idle polls of the drained queue not count: measure at once.
	elapsed := time.Since(start)
	workerCPU, workRedis := processCPU(b, w.cmd.Process.Pid)-worker0, redisCPU(b, rdb)-redis1
	b.StopTimer()
	allCmds := commandStats(b, rdb)
	in, out := infoInt(b, rdb, "stats", "total_net_input_bytes"), infoInt(b, rdb, "stats", "total_net_output_bytes")

	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / n }
	b.ReportMetric(us(submitSelf), "submit-cpu-µs/job")
	b.ReportMetric(us(submitRedis), "submit-redis-cpu-µs/job")
	b.ReportMetric(us(workerCPU), "worker-cpu-µs/job")
	b.ReportMetric(us(workRedis), "worker-redis-cpu-µs/job")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "jobs/s")
	b.ReportMetric(float64(mem1-mem0)/n, "redis-bytes/queued-job")
	b.ReportMetric(float64(in)/n, "redis-in-bytes/job")
	b.ReportMetric(float64(out)/n, "redis-out-bytes/job")
	var submitTotal, allTotal int64
	var names []string
	for k, v := range allCmds {
		allTotal += v
		names = append(names, k)
	}
	for _, v := range submitCmds {
		submitTotal += v
	}
	b.ReportMetric(float64(submitTotal)/n, "submit-cmds/job")
	b.ReportMetric(float64(allTotal)/n, "cmds/job")
	sort.Slice(names, func(i, j int) bool { return allCmds[names[i]] > allCmds[names[j]] })
	var lines []string
	for _, k := range names {
		lines = append(lines, fmt.Sprintf("%s %.2f (submit %.2f)", k, float64(allCmds[k])/n, float64(submitCmds[k])/n))
	}
	b.Logf("Redis calls per job (the drained queue's idle polls included): %s", strings.Join(lines, ", "))
	if _, total, bad := recv.delivered(); bad != 0 || total != 8+n {
		b.Fatalf("%d deliveries for %d jobs, %d bad", total, 8+n, bad)
	}
}

// commandStats is INFO commandstats: calls per command.
func commandStats(t testing.TB, rdb *redis.Client) map[string]int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	require.NoError(t, err)
	out := map[string]int64{}
	for _, line := range strings.Split(info, "\r\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok || name == "info" || name == "config|resetstat" {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		n, err := strconv.ParseInt(calls, 10, 64)
		require.NoError(t, err)
		out[name] = n
	}
	return out
}

// infoInt is one integer field of an INFO section.
func infoInt(t testing.TB, rdb *redis.Client, section, field string) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), section).Result()
	require.NoError(t, err)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return 0
}

// redisCPU is the CPU time Redis has used (INFO cpu, user + system).
func redisCPU(t testing.TB, rdb *redis.Client) time.Duration {
	t.Helper()
	info, err := rdb.Info(context.Background(), "cpu").Result()
	require.NoError(t, err)
	var d time.Duration
	for _, line := range strings.Split(info, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			sec, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			d += time.Duration(sec * float64(time.Second))
		}
	}
	return d
}

// selfCPU is this process's CPU time.
func selfCPU(t testing.TB) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
