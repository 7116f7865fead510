package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name the sentinels of StartSentinels know their
// primary by.
const SentinelMaster = "strata"

// Sentinels is a real Redis Sentinel deployment on loopback for one test:
// a primary, replicas and three sentinels (quorum 2), each its own
// redis-server or redis-sentinel process on a free port, all killed at the
// test's cleanup. The sentinels call a primary down after DownAfter.
type Sentinels struct {
	// Addrs are the sentinels' host:port.
	Addrs []string
	// Nodes are the data nodes' host:port, the first started as primary.
	Nodes []string

	t     testing.TB
	dir   string
	procs map[string]*exec.Cmd
}

// DownAfter is the sentinels' down-after-milliseconds: short, so a test's
// failover takes seconds (production deployments use 5–30 s).
const DownAfter = time.Second

// StartSentinels starts a primary, `replicas` replicas and three sentinels
// and returns once the replicas are in sync and every sentinel knows every
// replica and the other sentinels. It fails the test when redis-server or
// redis-sentinel is missing (scripts/setup.sh installs both).
func StartSentinels(t testing.TB, replicas int) *Sentinels {
	t.Helper()
	for _, bin := range []string{"redis-server", "redis-sentinel"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found: run scripts/setup.sh (apt packages redis-server, redis-sentinel)", bin)
		}
	}
	s := newProcesses(t)
	for i := 0; i <= replicas; i++ {
		addr := freeAddr(t)
		s.Nodes = append(s.Nodes, addr)
		args := []string{"--bind", "127.0.0.1", "--port", port(addr), "--save", "", "--appendonly", "no",
			"--dir", s.nodeDir(addr), "--maxmemory-policy", "noeviction"}
		if i > 0 {
			args = append(args, "--replicaof", "127.0.0.1", port(s.Nodes[0]))
		}
		s.start(addr, "redis-server", args...)
	}
	for i := range s.Nodes[1:] {
		s.waitFor("replica "+s.Nodes[i+1]+" in sync", func(ctx context.Context) bool {
			c := redis.NewClient(&redis.Options{Addr: s.Nodes[i+1]})
			defer c.Close()
			info, err := c.Info(ctx, "replication").Result()
			return err == nil && strings.Contains(info, "master_link_status:up")
		})
	}
	for range 3 {
		addr := freeAddr(t)
		s.Addrs = append(s.Addrs, addr)
		conf := filepath.Join(s.dir, "sentinel-"+port(addr)+".conf")
		body := fmt.Sprintf("bind 127.0.0.1\nport %s\ndir %s\nsentinel monitor %s 127.0.0.1 %s 2\n"+
			"sentinel down-after-milliseconds %s %d\nsentinel failover-timeout %s 10000\nsentinel parallel-syncs %s 1\n",
			port(addr), s.dir, SentinelMaster, port(s.Nodes[0]), SentinelMaster, DownAfter.Milliseconds(), SentinelMaster, SentinelMaster)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		s.start(addr, "redis-sentinel", conf)
	}
	for _, a := range s.Addrs {
		s.waitFor("sentinel "+a+" to know the replicas and the other sentinels", func(ctx context.Context) bool {
			c := redis.NewSentinelClient(&redis.Options{Addr: a})
			defer c.Close()
			reps, err1 := c.Replicas(ctx, SentinelMaster).Result()
			sens, err2 := c.Sentinels(ctx, SentinelMaster).Result()
			return err1 == nil && err2 == nil && len(reps) == replicas && len(sens) == 2
		})
	}
	return s
}

// URL is the STRATA_REDIS_URL of database db through the sentinels.
func (s *Sentinels) URL(db int) string {
	return "redis-sentinel://" + strings.Join(s.Addrs, ",") + "/" + SentinelMaster + "/" + strconv.Itoa(db)
}

// Primary is the address the sentinels currently name as primary.
func (s *Sentinels) Primary(ctx context.Context) (string, error) {
	c := redis.NewSentinelClient(&redis.Options{Addr: s.Addrs[0]})
	defer c.Close()
	addr, err := c.GetMasterAddrByName(ctx, SentinelMaster).Result()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(addr[0], addr[1]), nil
}

// Kill kills the data node at addr with SIGKILL: no shutdown, no last
// write, as a lost host.
func (s *Sentinels) Kill(addr string) {
	p := s.procs[addr]
	if p == nil {
		s.t.Fatalf("no Redis process at %s", addr)
	}
	_ = p.Process.Kill()
	_ = p.Wait()
	delete(s.procs, addr)
}

// Client returns a client on database db of the data node at addr,
// closed at the test's cleanup.
func (s *Sentinels) Client(addr string, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
	s.t.Cleanup(func() { c.Close() })
	return c
}

func (s *Sentinels) nodeDir(addr string) string {
	d := filepath.Join(s.dir, "node-"+port(addr))
	if err := os.MkdirAll(d, 0o700); err != nil {
		s.t.Fatal(err)
	}
	return d
}

// newProcesses returns a Sentinels holding no process yet, whose
// processes are killed at t's cleanup.
func newProcesses(t testing.TB) *Sentinels {
	s := &Sentinels{t: t, dir: t.TempDir(), procs: map[string]*exec.Cmd{}}
	t.Cleanup(func() {
		for _, p := range s.procs {
			_ = p.Process.Kill()
			_ = p.Wait()
		}
	})
	return s
}

// StartServer starts a redis-server of the test's own on a free loopback
// port, without persistence and with args added (say "--maxmemory",
// "8mb", "--maxmemory-policy", "allkeys-lru" for a cache Redis), killed at
// the test's cleanup, and returns its URL (database 0). Unlike URL's Redis,
// which other tests and processes share, its INFO counts only the test's
// own traffic.
func StartServer(t testing.TB, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server not found: run scripts/setup.sh (apt package redis-server)")
	}
	s := newProcesses(t)
	addr := freeAddr(t)
	s.start(addr, "redis-server", append([]string{"--bind", "127.0.0.1", "--port", port(addr), "--save", "", "--appendonly", "no",
		"--dir", s.nodeDir(addr)}, args...)...)
	return "redis://" + addr + "/0"
}

// start runs bin with args as the process serving addr and waits until it
// answers PING.
func (s *Sentinels) start(addr, bin string, args ...string) {
	cmd := exec.Command(bin, args...)
	out, err := os.Create(filepath.Join(s.dir, bin+"-"+port(addr)+".log"))
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting %s: %v", bin, err)
	}
	out.Close()
	s.procs[addr] = cmd
	s.waitFor(bin+" at "+addr, func(ctx context.Context) bool {
		c := redis.NewClient(&redis.Options{Addr: addr, DialerRetries: 1})
		defer c.Close()
		return c.Ping(ctx).Err() == nil
	})
}

// waitFor polls ok for up to 30 s.
func (s *Sentinels) waitFor(what string, ok func(context.Context) bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		done := ok(ctx)
		cancel()
		if done {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("waited 30 s for %s (logs in %s)", what, s.dir)
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
