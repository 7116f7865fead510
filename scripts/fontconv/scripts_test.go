package main

// Tests of the scripts beside this tool (scripts/setup.sh's manifest and --check,
// scripts/ensure-redis.sh): they live here because scripts/ has no Go package of its own.

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestManifest(t *testing.T) {
	f, err := os.Open("../assets.tsv")
	require.NoError(t, err)
	defer f.Close()

	sha512 := regexp.MustCompile(`^sha512-[A-Za-z0-9+/]{86}==$`)
	sha256 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	names := map[string]bool{}
	fileDests := map[string]bool{}
	families := 0
	sc := bufio.NewScanner(f)
	header := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if !header {
			require.Equal(t, "name\tsource\tintegrity\tkind\textract\tdest\tsha256\tbytes", line)
			header = true
			continue
		}
		c := strings.Split(line, "\t")
		require.Len(t, c, 8, line)
		name, source, integrity, kind, extract, dest, sum, size := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
		require.False(t, names[name], "duplicate name %s", name)
		names[name] = true
		_, err := strconv.ParseInt(size, 10, 64)
		require.NoError(t, err, "bytes of %s", name)
		switch {
		case strings.HasPrefix(source, "npm:"):
			require.Regexp(t, `^npm:(@[a-z0-9-]+/)?[a-z0-9.-]+@\d+\.\d+\.\d+$`, source, "exact npm version for %s", name)
			require.Regexp(t, sha512, integrity, name)
		case strings.HasPrefix(source, "deb:"):
			require.Regexp(t, `^deb:[a-z0-9.+-]+=[A-Za-z0-9.+~:-]+$`, source, "pinned Debian version for %s", name)
			require.Regexp(t, `^sha256:[0-9a-f]{64}$`, integrity, name)
		default:
			t.Fatalf("%s: unknown source %s", name, source)
		}
		switch kind {
		case "font-ttf", "font-woff2":
			families++
			require.Equal(t, "fonts/"+name, dest)
		case "woff2-file":
			require.Regexp(t, `^fonts/[A-Za-z0-9]+/[A-Za-z0-9-]+\.ttf$`, dest)
		case "file":
			require.Regexp(t, sha256, sum, "a file row pins the file's sha256: %s", name)
			require.NotEmpty(t, extract)
			require.False(t, fileDests[dest], "two rows write %s", dest)
			fileDests[dest] = true
		default:
			t.Fatalf("%s: unknown kind %s", name, kind)
		}
		require.False(t, strings.Contains(dest, ".."), dest)
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 99, families, "font families")
	for _, d := range []string{"emoji/NotoColorEmoji.ttf", "onnxruntime/libonnxruntime.so.1", "models/u2netp.onnx",
		"samples/astronaut.png", "samples/coffee.png", "samples/chelsea.png", "samples/rocket.jpg", "samples/motorcycle_left.png"} {
		require.True(t, fileDests[d], "manifest provides %s", d)
	}
}

func TestSetupCheck(t *testing.T) {
	cmd := exec.Command("bash", "../setup.sh", "--check")
	cmd.Env = append(os.Environ(), "STRATA_ASSETS_DIR="+assetsDir(t))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "assets incomplete: run scripts/setup.sh\n%s", out)
	require.Contains(t, string(out), "fonts: 99 families")
	require.Contains(t, string(out), "assets complete")
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func ensureRedis(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{"../ensure-redis.sh"}, args...)...)
	cmd.Env = append(os.Environ(), "REDIS_URL=")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), &scriptError{err: ee, stderr: string(ee.Stderr)}
	}
	return strings.TrimSpace(string(out)), err
}

type scriptError struct {
	err    error
	stderr string
}

func (e *scriptError) Error() string { return e.err.Error() + ": " + e.stderr }

func redisCLI(t *testing.T, port int, args ...string) string {
	t.Helper()
	out, err := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(port)}, args...)...).CombinedOutput()
	require.NoError(t, err, string(out))
	return strings.TrimSpace(string(out))
}

func TestEnsureRedis(t *testing.T) {
	_, err := exec.LookPath("redis-server")
	require.NoError(t, err, "redis-server missing: run scripts/setup.sh")
	port := freePort(t)
	p := strconv.Itoa(port)
	dir, err := filepath.Abs(filepath.Join("..", "..", ".run", "redis-"+p))
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = ensureRedis(t, "stop", p)
		_ = os.RemoveAll(dir)
	})

	tests := []struct {
		name  string
		args  []string
		want  string
		check func(t *testing.T)
	}{
		{name: "starts one on a free port", args: []string{p}, want: "redis://127.0.0.1:" + p, check: func(t *testing.T) {
			require.Equal(t, "PONG", redisCLI(t, port, "ping"))
			require.FileExists(t, filepath.Join(dir, "redis.pid"))
			require.Equal(t, "yes", strings.Fields(strings.ReplaceAll(redisCLI(t, port, "config", "get", "appendonly"), "\n", " "))[1])
			require.Equal(t, "OK", redisCLI(t, port, "set", "durable", "yes"))
		}},
		{name: "reuses the one that answers", args: []string{"redis://localhost:" + p + "/2"}, want: "redis://localhost:" + p + "/2"},
		{name: "stop stops it", args: []string{"stop", p}, check: func(t *testing.T) {
			_, err := net.DialTimeout("tcp", "127.0.0.1:"+p, time.Second)
			require.Error(t, err, "nothing listens after stop")
		}},
		{name: "stop again is a no-op", args: []string{"stop", p}},
		{name: "restart keeps the data", args: []string{"127.0.0.1:" + p}, want: "redis://127.0.0.1:" + p, check: func(t *testing.T) {
			require.Equal(t, "yes", redisCLI(t, port, "get", "durable"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ensureRedis(t, tc.args...)
			require.NoError(t, err)
			require.Equal(t, tc.want, out)
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

func TestEnsureRedisRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "bad port", args: []string{"redis://127.0.0.1:99999"}, want: "bad port"},
		{name: "too many arguments", args: []string{"1", "2"}, want: "usage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ensureRedis(t, tc.args...)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
