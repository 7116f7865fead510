package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
		"STRATA_API_KEYS":               "key-aaaaaaaaaaaaaaaa, key-bbbbbbbbbbbbbbbb:whsec_c2VjcmV0",
		"STRATA_ALLOW_PRIVATE_NETWORKS": "true",
		"STRATA_MAX_CANVAS_SIDE":        "4096",
		"STRATA_RENDER_TIMEOUT":         "5s",
		"STRATA_KEY_RATE_LIMITS":        "key-aaaaaaaaaaaaaaaa=120/10,key-bbbbbbbbbbbbbbbb=30",
	}))
	require.NoError(t, err)
	require.Equal(t, map[string][2]int{"key-aaaaaaaaaaaaaaaa": {120, 10}, "key-bbbbbbbbbbbbbbbb": {30, 60}}, c.KeyRateLimits)
	require.Equal(t, "127.0.0.1:9000", c.ListenAddr)
	require.Equal(t, map[string]string{"key-aaaaaaaaaaaaaaaa": "", "key-bbbbbbbbbbbbbbbb": "whsec_c2VjcmV0"}, c.APIKeys)
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
