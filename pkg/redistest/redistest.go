// Package redistest connects tests to the real Redis that `make test`
// provides (STRATA_TEST_REDIS_URL, else 127.0.0.1:6379), on a database of
// the caller's choosing, flushed before the test. Each test package uses
// its own database number so packages can run in parallel.
package redistest

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// URL is the Redis the tests use.
func URL() string {
	if url := os.Getenv("STRATA_TEST_REDIS_URL"); url != "" {
		return url
	}
	return "redis://127.0.0.1:6379/0"
}

// Client returns a client on database db, flushed, closed at cleanup. It
// fails the test when no Redis answers.
func Client(t testing.TB, db int) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(URL())
	if err != nil {
		t.Fatalf("STRATA_TEST_REDIS_URL: %v", err)
	}
	opts.DB = db
	rdb := redis.NewClient(opts)
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("no Redis at %s (%v): run scripts/ensure-redis.sh or make test", URL(), err)
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("flushing Redis db %d: %v", db, err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// ServerCPU is the user and system CPU time the Redis server behind rdb has
// used (INFO cpu). Benchmarks report its difference per op, which stays
// meaningful when the wall time includes waiting for a shared core.
func ServerCPU(t testing.TB, rdb *redis.Client) time.Duration {
	t.Helper()
	sys, _ := strconv.ParseFloat(Info(t, rdb, "cpu", "used_cpu_sys"), 64)
	user, _ := strconv.ParseFloat(Info(t, rdb, "cpu", "used_cpu_user"), 64)
	return time.Duration((sys + user) * float64(time.Second))
}

// ProcessCPU is this process's user and system CPU time, the client-side
// counterpart of ServerCPU.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CommandTime is the time the Redis server behind rdb has spent running
// commands since its statistics were last reset (INFO commandstats: the
// sum of usec over every command). Against ServerCPU it tells the
// commands' own work from the rest of the server's CPU (reading and
// writing sockets, memory faults, timers).
func CommandTime(t testing.TB, rdb *redis.Client) time.Duration {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatalf("redis INFO commandstats: %v", err)
	}
	var usec int64
	for _, line := range strings.Split(info, "\n") {
		_, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(line, "cmdstat_") {
			continue
		}
		for _, f := range strings.Split(stats, ",") {
			if v, ok := strings.CutPrefix(f, "usec="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				usec += n
			}
		}
	}
	return time.Duration(usec) * time.Microsecond
}

// ClientOf returns a client of the Redis at url (say one of StartServer),
// closed at cleanup, without flushing anything.
func ClientOf(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// Info is one field of a section of the INFO of the Redis behind rdb
// ("" when it has no such field).
func Info(t testing.TB, rdb *redis.Client, section, field string) string {
	t.Helper()
	info, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatalf("redis INFO %s: %v", section, err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}
