package redistest

import (
	"context"
	"testing"
)

func TestStartServerIsTheTestsOwn(t *testing.T) {
	rdb := ClientOf(t, StartServer(t, "--maxmemory-policy", "allkeys-lru"))
	ctx := context.Background()
	if got := rdb.ConfigGet(ctx, "maxmemory-policy").Val()["maxmemory-policy"]; got != "allkeys-lru" {
		t.Fatalf("maxmemory-policy %q: the arguments did not reach the server", got)
	}
	if got := rdb.ConfigGet(ctx, "appendonly").Val()["appendonly"]; got != "no" {
		t.Fatalf("appendonly %q, want no", got)
	}
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Fatalf("a new server holds %d keys", n)
	}
	before := CommandTime(t, rdb)
	for range 200 {
		rdb.Set(ctx, "k", "v", 0)
	}
	if CommandTime(t, rdb) <= before {
		t.Fatal("CommandTime did not grow with 200 SETs")
	}
	if Info(t, rdb, "server", "tcp_port") == "" || ServerCPU(t, rdb) <= 0 {
		t.Fatal("INFO fields missing")
	}
}
