package redistest

import (
	"context"
	"testing"
	"time"

	"github.com/strata-render/strata/pkg/config"
)

// Through a redis-sentinel:// URL, config.NewRedis's client writes to the
// primary; after the primary is killed the sentinels promote a replica and
// the same client writes there, and what was written before is kept.
func TestSentinelFailoverClientFollows(t *testing.T) {
	s := StartSentinels(t, 1)
	ctx := context.Background()
	c, err := config.NewRedis(s.URL(0), config.RedisTuning{DialerRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(ctx, "before", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// WAIT: the key is on the replica before the primary dies.
	if n, err := c.Do(ctx, "WAIT", 1, 1000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT = %d, %v", n, err)
	}
	old := s.Nodes[0]
	s.Kill(old)
	killed := time.Now()
	deadline := killed.Add(30 * time.Second)
	for c.Set(ctx, "after", "1", 0).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("no write succeeded within 30 s of the kill")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("writes resumed %s after the SIGKILL (down-after %s)", time.Since(killed).Round(10*time.Millisecond), DownAfter)
	primary, err := s.Primary(ctx)
	if err != nil || primary != s.Nodes[1] {
		t.Fatalf("primary is %q (%v), want the replica %s", primary, err, s.Nodes[1])
	}
	if v, err := c.Get(ctx, "before").Result(); err != nil || v != "1" {
		t.Fatalf("key written before the failover: %q, %v", v, err)
	}
}
