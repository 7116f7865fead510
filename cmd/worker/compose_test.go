package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/config"
)

func mustConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	return cfg
}

// The compose file loads with the Compose specification's own loader and
// has what operations rely on: Redis with AOF and noeviction, the API, a
// scalable worker, health checks on each, one image built from
// deploy/Dockerfile.
func TestComposeFile(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv([]string{"STRATA_API_KEYS=compose-key-0123456789abcdef", "STRATA_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}),
		cli.WithInterpolation(true))
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"redis", "redis-cache", "api", "worker"}, p.ServiceNames())

	service := func(name string) types.ServiceConfig {
		s, err := p.GetService(name)
		require.NoError(t, err)
		return s
	}
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{name: "every service has a health check", check: func(t *testing.T) {
			for _, n := range []string{"redis", "redis-cache", "api", "worker"} {
				hc := service(n).HealthCheck
				require.NotNil(t, hc, n)
				require.NotEmpty(t, hc.Test, n)
			}
		}},
		{name: "the render cache has its own LRU Redis, never the queue's", check: func(t *testing.T) {
			c := service("redis-cache")
			require.Contains(t, strings.Join(c.Command, " "), "--maxmemory-policy allkeys-lru")
			api := service("api")
			require.Equal(t, "redis://redis-cache:6379/0", *api.Environment["STRATA_CACHE_REDIS_URL"])
			require.NotEqual(t, *api.Environment["STRATA_REDIS_URL"], *api.Environment["STRATA_CACHE_REDIS_URL"])
		}},
		{name: "redis runs deploy/redis.conf with AOF and noeviction", check: func(t *testing.T) {
			r := service("redis")
			require.Contains(t, r.Command, "/usr/local/etc/redis/redis.conf")
			var mounted bool
			for _, v := range r.Volumes {
				if v.Target == "/usr/local/etc/redis/redis.conf" {
					mounted = true
					require.Equal(t, filepath.Join(root, "deploy", "redis.conf"), v.Source)
				}
			}
			require.True(t, mounted)
			conf, err := os.ReadFile(filepath.Join(root, "deploy", "redis.conf"))
			require.NoError(t, err)
			require.Regexp(t, `(?m)^appendonly yes$`, string(conf))
			require.Regexp(t, `(?m)^maxmemory-policy noeviction$`, string(conf))
		}},
		{name: "api and worker build deploy/Dockerfile and wait for a healthy redis", check: func(t *testing.T) {
			for _, n := range []string{"api", "worker"} {
				s := service(n)
				require.NotNil(t, s.Build, n)
				require.Equal(t, "deploy/Dockerfile", s.Build.Dockerfile, n)
				require.Equal(t, types.ServiceConditionHealthy, s.DependsOn["redis"].Condition, n)
				require.Equal(t, "redis://redis:6379/0", *s.Environment["STRATA_REDIS_URL"], n)
				require.Equal(t, "compose-key-0123456789abcdef", *s.Environment["STRATA_API_KEYS"], n)
			}
			require.Equal(t, types.ShellCommand{"strata-api"}, service("api").Command)
			require.Equal(t, types.ShellCommand{"strata-worker"}, service("worker").Command)
		}},
		{name: "the worker scales: no published ports, a grace period over the shutdown timeout", check: func(t *testing.T) {
			w := service("worker")
			require.Empty(t, w.Ports)
			require.Empty(t, w.ContainerName)
			require.NotNil(t, w.StopGracePeriod)
			require.Greater(t, time.Duration(*w.StopGracePeriod), 25*time.Second)
			require.NotEmpty(t, service("api").Ports)
		}},
		{name: "the API also gets a grace period over the shutdown timeout", check: func(t *testing.T) {
			a := service("api")
			require.NotNil(t, a.StopGracePeriod)
			require.Greater(t, time.Duration(*a.StopGracePeriod), 25*time.Second)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.check)
	}
}
