package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/queue"
)

// BenchmarkThroughput renders and delivers jobs with 1 and 2 worker
// processes (render concurrency 1 each) on one Redis and reports jobs per
// second. The 2-process number over the 1-process one is the scale-out
// factor recorded in docs/PERFORMANCE.md.
//
// The jobs are queued while the render queue is paused, so the timed part
// is only the workers draining it. The receiver runs in its own process.
// Beside jobs/s it reports where the CPU went, per job: the worker
// processes (worker-cpu-ms/job; worker-cores is how many cores they kept
// busy on average), the receiver, Redis (INFO cpu, which counts every
// client of a shared Redis) and this process; and the connections the
// workers opened to the receiver (keep-alive working: a handful, not one
// per job); and the largest peak RSS of a worker process (what the GC
// setting costs in memory).
func BenchmarkThroughput(b *testing.B) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"card", 1200, 630}, {"poster", 2400, 3000}} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", size.name, workers), func(b *testing.B) {
				throughput(b, workers, size.w, size.h)
			})
		}
	}
}

// throughput queues n jobs of a w×h card, then times their delivery by
// workers worker processes.
func throughput(b *testing.B, workers, w, h int) {
	rdb := redisAt(b, testRedisAddr(b), 15)
	recv := newHookReceiver(b)
	c := submitter(b, rdb)
	var procs []*workerProc
	for range workers {
		procs = append(procs, startWorker(b, "redis://"+testRedisAddr(b)+"/15", recv))
	}
	// Warm-up: each worker loads its fonts and opens connections.
	for i := range 4 * workers {
		submit(b, c, mediumCard(recv.URL(), i, w, h))
	}
	recv.waitJobs(b, 4*workers, 60*time.Second)
	inspector := asynq.NewInspectorFromRedisClient(rdb)
	require.NoError(b, inspector.PauseQueue(queue.QueueRenders))
	// About 5 s of draining for one worker: long enough that a second of
	// the machine's other work does not decide the ratio.
	n := max(100, 1200*1200*630/(w*h))
	for i := range n {
		submit(b, c, mediumCard(recv.URL(), 100+i, w, h))
	}
	before := snapshot(b, rdb, recv, procs)
	b.ResetTimer()
	require.NoError(b, inspector.UnpauseQueue(queue.QueueRenders))
	recv.waitJobs(b, 4*workers+n, 5*time.Minute)
	b.StopTimer()
	after := snapshot(b, rdb, recv, procs)
	elapsed := after.at.Sub(before.at)
	perJob := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n) }
	b.ReportMetric(float64(n)/elapsed.Seconds(), "jobs/s")
	b.ReportMetric(float64(after.workers-before.workers)/float64(elapsed), "worker-cores")
	b.ReportMetric(perJob(after.workers-before.workers), "worker-cpu-ms/job")
	b.ReportMetric(perJob(after.receiver-before.receiver), "recv-cpu-ms/job")
	b.ReportMetric(perJob(after.redis-before.redis), "redis-cpu-ms/job")
	b.ReportMetric(perJob(after.self-before.self), "bench-cpu-ms/job")
	b.ReportMetric(float64(recv.connections()), "conns")
	var rss int
	for _, p := range procs {
		rss = max(rss, peakRSS(b, p.cmd.Process.Pid))
	}
	b.ReportMetric(float64(rss)/1024, "worker-peak-rss-MB")
	if _, total, bad := recv.delivered(); bad != 0 || total != 4*workers+n {
		b.Fatalf("%d deliveries for %d jobs, %d bad", total, 4*workers+n, bad)
	}
}

// cpuSnapshot is the CPU time used so far by each party of a throughput
// run.
type cpuSnapshot struct {
	at                             time.Time
	workers, receiver, redis, self time.Duration
}

func snapshot(t testing.TB, rdb *redis.Client, recv *hookReceiver, procs []*workerProc) cpuSnapshot {
	t.Helper()
	s := cpuSnapshot{at: time.Now(), receiver: processCPU(t, recv.cmd.Process.Pid)}
	for _, p := range procs {
		s.workers += processCPU(t, p.cmd.Process.Pid)
	}
	s.redis, s.self = redisCPU(t, rdb), selfCPU(t)
	return s
}

// processCPU is the user+system CPU time process pid has used, from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 10 ms).
func processCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime (fields 14, 15; this slice starts at field 3)
		n, err := strconv.ParseInt(f, 10, 64)
		require.NoError(t, err)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// peakRSS is process pid's peak resident set so far (VmHWM), in KB.
func peakRSS(t testing.TB, pid int) int {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			require.NoError(t, err)
			return kb
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// mediumCard is a w×h card with a gradient and text: enough CPU per job that
// rendering, not Redis, is what the workers share.
func mediumCard(url string, n, w, h int) string {
	return fmt.Sprintf(`{"dimensions":{"width":%[5]d,"height":%[6]d},"layers":[
	  {"index":0,"type":"gradient","gradient_type":"linear","angle_in_degrees":%[1]d,
	   "position":{"x":0,"y":0},"dimensions":{"width":%[5]d,"height":%[6]d},
	   "colors":[{"hex_color":"#1E3A8A","position":0},{"hex_color":"#9333EA","position":100}]},
	  {"index":1,"type":"text","text":"Job number %[2]d renders **here**","font_name":"Inter","font_size_in_px":64,"text_color":"#FFFFFF",
	   "position":{"x":80,"y":240},"dimensions":{"width":1040,"height":150}}],
	 "output_format":"png","webhook_url":%[3]q}`, n%360, n, url, 0, w, h)
}
