package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/core"
	"github.com/strata-render/strata/pkg/dnstest"
)

func lookupFrom(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(lookupFrom(nil))
	require.NoError(t, err)
	require.Equal(t, ":8080", c.ListenAddr)
	require.Equal(t, "redis://127.0.0.1:6379/0", c.RedisURL)
	require.False(t, c.AllowPrivateNetworks)
	require.Equal(t, 8192, c.Limits.MaxSide)
	require.Contains(t, c.AssetsDir, ".cache/strata")
}

func TestLoadOverrides(t *testing.T) {
	t.Parallel()
	c, err := Load(lookupFrom(map[string]string{
		"STRATA_LISTEN_ADDR":            "127.0.0.1:9000",
		"STRATA_API_KEYS":               "key-aaaaaaaaaaaaaaaa, key-bbbbbbbbbbbbbbbb:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"STRATA_ALLOW_PRIVATE_NETWORKS": "true",
		"STRATA_MAX_CANVAS_SIDE":        "4096",
		"STRATA_RENDER_TIMEOUT":         "5s",
		"STRATA_KEY_RATE_LIMITS":        "key-aaaaaaaaaaaaaaaa=120/10,key-bbbbbbbbbbbbbbbb=30",
	}))
	require.NoError(t, err)
	require.Equal(t, map[string][2]int{"key-aaaaaaaaaaaaaaaa": {120, 10}, "key-bbbbbbbbbbbbbbbb": {30, 60}}, c.KeyRateLimits)
	require.Equal(t, "127.0.0.1:9000", c.ListenAddr)
	require.Equal(t, map[string]string{"key-aaaaaaaaaaaaaaaa": "", "key-bbbbbbbbbbbbbbbb": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, c.APIKeys)
	require.True(t, c.AllowPrivateNetworks)
	require.Equal(t, 4096, c.Limits.MaxSide)
	require.Equal(t, 5*time.Second, c.Limits.RenderTimeout)
}

func TestLoadReportsEveryBadVariable(t *testing.T) {
	t.Parallel()
	_, err := Load(lookupFrom(map[string]string{
		"STRATA_ALLOW_PRIVATE_NETWORKS": "maybe",
		"STRATA_MAX_CANVAS_SIDE":        "-3",
		"STRATA_RENDER_TIMEOUT":         "soon",
		"STRATA_WEBHOOK_SECRET":         "plain",
		"STRATA_API_KEYS":               "short",
		"STRATA_LOG_LEVEL":              "loud",
		"STRATA_KEY_RATE_LIMITS":        "nonsense",
	}))
	require.Error(t, err)
	for _, name := range []string{"STRATA_ALLOW_PRIVATE_NETWORKS", "STRATA_MAX_CANVAS_SIDE", "STRATA_RENDER_TIMEOUT", "STRATA_WEBHOOK_SECRET", "STRATA_API_KEYS", "STRATA_LOG_LEVEL", "STRATA_KEY_RATE_LIMITS"} {
		require.Contains(t, err.Error(), name)
	}
}

func TestLoadWorkerVariables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr []string
	}{
		{name: "defaults", env: nil, check: func(t *testing.T, c Config) {
			require.Equal(t, 20, c.DeliveryConcurrency)
			require.Equal(t, ":9090", c.WorkerMetricsAddr)
			require.Equal(t, 48*time.Hour, c.ResultTTL)
			require.Equal(t, 7*24*time.Hour, c.JobTTL)
			require.Equal(t, 10*time.Second, c.WebhookTimeout)
			require.Equal(t, 1.0, c.WebhookRetryScale)
			require.Zero(t, c.RedisWaitReplicas)
		}},
		{name: "overrides", env: map[string]string{
			"STRATA_DELIVERY_CONCURRENCY": "8", "STRATA_WORKER_METRICS_ADDR": "", "STRATA_RESULT_TTL": "1h",
			"STRATA_JOB_TTL": "24h", "STRATA_WEBHOOK_TIMEOUT": "3s", "STRATA_WEBHOOK_RETRY_SCALE": "0.001",
			"STRATA_REDIS_WAIT_REPLICAS": "1",
		}, check: func(t *testing.T, c Config) {
			require.Equal(t, 1, c.RedisWaitReplicas)
			require.Equal(t, 8, c.DeliveryConcurrency)
			require.Empty(t, c.WorkerMetricsAddr, "an empty address turns metrics off")
			require.Equal(t, time.Hour, c.ResultTTL)
			require.Equal(t, 24*time.Hour, c.JobTTL)
			require.Equal(t, 3*time.Second, c.WebhookTimeout)
			require.Equal(t, 0.001, c.WebhookRetryScale)
		}},
		{name: "bad values are all reported", env: map[string]string{
			"STRATA_DELIVERY_CONCURRENCY": "0", "STRATA_RESULT_TTL": "forever", "STRATA_WEBHOOK_TIMEOUT": "-1s",
			"STRATA_WEBHOOK_RETRY_SCALE": "0", "STRATA_REDIS_WAIT_REPLICAS": "-1",
		}, wantErr: []string{"STRATA_DELIVERY_CONCURRENCY", "STRATA_RESULT_TTL", "STRATA_WEBHOOK_TIMEOUT", "STRATA_WEBHOOK_RETRY_SCALE", "STRATA_REDIS_WAIT_REPLICAS"}},
		{name: "NaN is not a number here", env: map[string]string{
			"STRATA_WEBHOOK_RETRY_SCALE": "NaN", "STRATA_MAX_CANVAS_MEGAPIXELS": "NaN",
		}, wantErr: []string{"STRATA_WEBHOOK_RETRY_SCALE", "STRATA_MAX_CANVAS_MEGAPIXELS"}},
		{name: "infinite megapixels", env: map[string]string{"STRATA_MAX_CANVAS_MEGAPIXELS": "+Inf"},
			wantErr: []string{"STRATA_MAX_CANVAS_MEGAPIXELS"}},
		{name: "two secrets during a rotation", env: map[string]string{
			"STRATA_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw  whsec_dGhpcyBpcyBhIHNlY3JldCBrZXkgZm9yIHRlc3Rz",
			"STRATA_API_KEYS":       "key-aaaaaaaaaaaaaaaa:whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_dGhpcyBpcyBhIHNlY3JldCBrZXkgZm9yIHRlc3Rz",
		}, check: func(t *testing.T, c Config) {
			require.Len(t, c.WebhookSecrets[core.KeyID("key-aaaaaaaaaaaaaaaa")], 2)
			require.Len(t, strings.Fields(c.APIKeys["key-aaaaaaaaaaaaaaaa"]), 2)
		}},
		{name: "a bad secret among two", env: map[string]string{
			"STRATA_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw nope",
		}, wantErr: []string{"STRATA_WEBHOOK_SECRET"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(lookupFrom(tc.env))
			if tc.wantErr != nil {
				require.Error(t, err)
				for _, name := range tc.wantErr {
					require.Contains(t, err.Error(), name)
				}
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestLoadStorageVariables(t *testing.T) {
	t.Parallel()
	c, err := Load(lookupFrom(nil))
	require.NoError(t, err)
	require.Nil(t, c.Storage)
	require.Equal(t, 16<<20, c.StoragePartSize)
	require.Equal(t, 4, c.StorageRetries)

	path := filepath.Join(t.TempDir(), "storage.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"destinations":[{"api_keys":["key-aaaaaaaaaaaaaaaa"],"endpoint":"http://127.0.0.1:8333",
		"region":"us-east-1","access_key_id":"a","secret_access_key":"b","buckets":["renders"],"path_style":true}]}`), 0o600))
	c, err = Load(lookupFrom(map[string]string{"STRATA_STORAGE_FILE": path, "STRATA_STORAGE_PART_SIZE": "8388608", "STRATA_STORAGE_RETRIES": "0"}))
	require.NoError(t, err)
	require.Equal(t, []string{"renders"}, c.Storage.Destinations[0].Buckets)
	require.Equal(t, 8<<20, c.StoragePartSize)
	require.Equal(t, 0, c.StorageRetries)

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"destinations":[{"endpoint":"s3"}]}`), 0o600))
	_, err = Load(lookupFrom(map[string]string{"STRATA_STORAGE_FILE": bad, "STRATA_STORAGE_PART_SIZE": "1000", "STRATA_STORAGE_RETRIES": "-1"}))
	require.Error(t, err)
	for _, want := range []string{"STRATA_STORAGE_FILE: " + bad + ": destinations[0].endpoint", "STRATA_STORAGE_PART_SIZE", "STRATA_STORAGE_RETRIES"} {
		require.Contains(t, err.Error(), want)
	}
	_, err = Load(lookupFrom(map[string]string{"STRATA_STORAGE_FILE": "/nonexistent/storage.json"}))
	require.ErrorContains(t, err, "STRATA_STORAGE_FILE")
}

func TestTemplateAndCacheVariables(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	dir := t.TempDir()
	c, err := Load(env(map[string]string{"STRATA_TEMPLATES_DIR": dir, "STRATA_CACHE_REDIS_URL": "redis://cache:6379/0",
		"STRATA_CACHE_MAX_BYTES": "0", "STRATA_CACHE_MAX_ENTRY_BYTES": "1000", "STRATA_CACHE_TTL": "1h", "STRATA_CACHE_ASSET_TTL": "30s"}))
	require.NoError(t, err)
	require.Equal(t, dir, c.TemplatesDir)
	require.Equal(t, "redis://cache:6379/0", c.CacheRedisURL)
	require.Equal(t, int64(0), c.CacheMaxBytes)
	require.Equal(t, int64(1000), c.CacheMaxEntryBytes)
	require.Equal(t, time.Hour, c.CacheTTL)
	require.Equal(t, 30*time.Second, c.CacheAssetTTL)

	_, err = Load(env(map[string]string{"STRATA_TEMPLATES_DIR": dir + "/missing", "STRATA_CACHE_MAX_BYTES": "-1",
		"STRATA_CACHE_MAX_ENTRY_BYTES": "0", "STRATA_CACHE_TTL": "soon", "STRATA_CACHE_ASSET_TTL": "-1s",
		"STRATA_REDIS_URL": "redis://r:6379/0", "STRATA_CACHE_REDIS_URL": "redis://r/1"}))
	require.Error(t, err)
	for _, name := range []string{"STRATA_TEMPLATES_DIR", "STRATA_CACHE_MAX_BYTES", "STRATA_CACHE_MAX_ENTRY_BYTES", "STRATA_CACHE_TTL", "STRATA_CACHE_ASSET_TTL", "STRATA_CACHE_REDIS_URL"} {
		require.Contains(t, err.Error(), name)
	}
}

func TestMemoryLimit(t *testing.T) {
	t.Parallel()
	c, err := Load(lookupFrom(nil))
	require.NoError(t, err)
	require.Equal(t, int64(DefaultMemoryLimit), c.MemoryLimit)
	for v, want := range map[string]int64{"2GiB": 2 << 30, "1500MB": 1500e6, "3 GiB": 3 << 30, "1073741824": 1 << 30} {
		c, err := Load(lookupFrom(map[string]string{"STRATA_MEMORY_LIMIT": v}))
		require.NoError(t, err, v)
		require.Equal(t, want, c.MemoryLimit, v)
	}
	for _, v := range []string{"lots", "100MiB", "-1GiB", "9999999999GiB", "2TB"} {
		_, err := Load(lookupFrom(map[string]string{"STRATA_MEMORY_LIMIT": v}))
		require.ErrorContains(t, err, "STRATA_MEMORY_LIMIT", v)
	}
}

// STRATA_DNS_SERVER gives a resolver that asks that server (a real one on
// loopback here) for every name; unset, the system's resolver (nil).
func TestDNSServer(t *testing.T) {
	t.Parallel()
	c, err := Load(lookupFrom(nil))
	require.NoError(t, err)
	require.Nil(t, c.Resolver())
	dns := dnstest.Start(t, dnstest.Records(map[string][]string{"hooks.example.com": {"93.184.215.14"}}))
	c, err = Load(lookupFrom(map[string]string{"STRATA_DNS_SERVER": dns.Addr()}))
	require.NoError(t, err)
	addrs, err := c.Resolver().LookupNetIP(context.Background(), "ip4", "hooks.example.com")
	require.NoError(t, err)
	require.Equal(t, "93.184.215.14", addrs[0].Unmap().String())
	for _, v := range []string{"10.0.0.2", "10.0.0.2:", "[::1"} {
		_, err := Load(lookupFrom(map[string]string{"STRATA_DNS_SERVER": v}))
		require.ErrorContains(t, err, "STRATA_DNS_SERVER", v)
	}
}

// Webhook secrets are parsed once, at Load: a key's own secret, else the
// default; MissingWebhookSecrets names the keys left with neither.
func TestWebhookSecrets(t *testing.T) {
	t.Parallel()
	const keyA, keyB, own, def = "key-aaaaaaaaaaaaaaaa", "key-bbbbbbbbbbbbbbbb",
		"whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	tests := []struct {
		name    string
		env     map[string]string
		want    map[string]int // key → number of secrets
		missing string
	}{
		{name: "own secret and default", env: map[string]string{"STRATA_API_KEYS": keyA + "," + keyB + ":" + own, "STRATA_WEBHOOK_SECRET": def},
			want: map[string]int{keyA: 1, keyB: 1}},
		{name: "rotation: two default secrets", env: map[string]string{"STRATA_API_KEYS": keyA, "STRATA_WEBHOOK_SECRET": def + " " + own},
			want: map[string]int{keyA: 2}},
		{name: "no secret at all", env: map[string]string{"STRATA_API_KEYS": keyA + "," + keyB + ":" + own},
			want: map[string]int{keyA: 0, keyB: 1}, missing: core.KeyID(keyA)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(lookupFrom(tc.env))
			require.NoError(t, err)
			for key, n := range tc.want {
				require.Len(t, c.WebhookSecrets[core.KeyID(key)], n)
			}
			if tc.missing == "" {
				require.NoError(t, c.MissingWebhookSecrets())
				return
			}
			require.ErrorContains(t, c.MissingWebhookSecrets(), tc.missing)
			require.NotContains(t, c.MissingWebhookSecrets().Error(), keyA, "the key itself never appears")
		})
	}
	_, err := Load(lookupFrom(map[string]string{"STRATA_API_KEYS": keyA + ":whsec_!!"}))
	require.ErrorContains(t, err, "STRATA_API_KEYS")
	require.NotContains(t, err.Error(), "whsec_!!", "secrets never appear in errors")
}
