// Package redistest connects tests to the real Redis that `make test`
// provides (STRATA_TEST_REDIS_URL, else 127.0.0.1:6379), on a database of
// the caller's choosing, flushed before the test. Each test package uses
// its own database number so packages can run in parallel.
package redistest

import (
	"context"
	"os"
	"testing"

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
