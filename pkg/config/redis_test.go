package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRedisURLPlain(t *testing.T) {
	plain, failover, err := ParseRedisURL("redis://:pw@10.0.0.5:6390/3")
	require.NoError(t, err)
	require.Nil(t, failover)
	require.Equal(t, "10.0.0.5:6390", plain.Addr)
	require.Equal(t, 3, plain.DB)
	require.Equal(t, "pw", plain.Password)

	plain, _, err = ParseRedisURL("unix:///run/redis.sock?db=2")
	require.NoError(t, err)
	require.Equal(t, "unix", plain.Network)
	require.Equal(t, 2, plain.DB)
}

func TestParseRedisURLSentinel(t *testing.T) {
	_, o, err := ParseRedisURL("redis-sentinel://app:s%40cret@s1:26379,s2:26380,[::1]:26381/my%20master/4?sentinel_password=sp&sentinel_username=su&dial_timeout=2s")
	require.NoError(t, err)
	require.Equal(t, []string{"s1:26379", "s2:26380", "[::1]:26381"}, o.SentinelAddrs)
	require.Equal(t, "my master", o.MasterName)
	require.Equal(t, 4, o.DB)
	require.Equal(t, "app", o.Username)
	require.Equal(t, "s@cret", o.Password)
	require.Equal(t, "sp", o.SentinelPassword)
	require.Equal(t, "su", o.SentinelUsername)
	require.Equal(t, "2s", o.DialTimeout.String())

	_, o, err = ParseRedisURL("redis-sentinel://127.0.0.1:26379/mymaster")
	require.NoError(t, err)
	require.Equal(t, 0, o.DB)
	require.Empty(t, o.Password)
}

// TestParseRedisURLErrors: every rule has its refusal, and no message
// repeats the password.
func TestParseRedisURLErrors(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"127.0.0.1:6379", "must be a URL"},
		{"http://:hunter2@x:1/0", "invalid URL scheme"},
		{"redis://:hunter2@x:6379/abc", "invalid database number"},
		{"redis-sentinel://:hunter2@/mymaster", `sentinel #1 "": must be host:port`},
		{"redis-sentinel://s1/mymaster", `sentinel #1 "s1": must be host:port`},
		{"redis-sentinel://s1:26379,:26380/mymaster", `sentinel #2 ":26380": must be host:port`},
		{"redis-sentinel://s1:0/mymaster", "port must be 1 to 65535"},
		{"redis-sentinel://s1:http/mymaster", "port must be 1 to 65535"},
		{"redis-sentinel://s1:26379", "names no master"},
		{"redis-sentinel://s1:26379/", "names no master"},
		{"redis-sentinel://s1:26379/m/16", `database "16": must be 0 to 15`},
		{"redis-sentinel://s1:26379/m/01", `database "01": must be 0 to 15`},
		{"redis-sentinel://s1:26379/m/x", `database "x"`},
		{"redis-sentinel://s1:26379/m/%zz", `database "%zz"`},
		{"redis-sentinel://s1:26379/%zz/0", "master name"},
		{"redis-sentinel://:%zz@s1:26379/m", "password"},
		{"redis-sentinel://%zz:hunter2@s1:26379/m", "user"},
		{"redis-sentinel://s1:26379/m?db=2", `unknown parameter "db"`},
		{"redis-sentinel://s1:26379/m?dial_timeout=-1s", `dial_timeout="-1s"`},
		{"redis-sentinel://s1:26379/m?x=%zz", "query"},
		{"redis-sentinel://" + strings.Repeat("s:1,", 16) + "s:1/m", "17 sentinels: at most 16"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, _, err := ParseRedisURL(tc.url)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.NotContains(t, err.Error(), "hunter2")
		})
	}
}

func TestLoadRefusesBadRedisURL(t *testing.T) {
	_, err := Load(func(k string) (string, bool) {
		if k == "STRATA_REDIS_URL" {
			return "redis-sentinel://s1:26379", true
		}
		return "", false
	})
	require.ErrorContains(t, err, "STRATA_REDIS_URL: names no master")
}

func TestNewRedisKinds(t *testing.T) {
	c, err := NewRedis("redis-sentinel://127.0.0.1:26379/mymaster/0", RedisTuning{DialerRetries: 1, ReadTimeout: time.Second})
	require.NoError(t, err)
	// go-redis's failover client is a *redis.Client with this marker
	// address, dialing whichever primary the sentinels name.
	require.Equal(t, "FailoverClient", c.Options().Addr)
	require.Equal(t, 1, c.Options().DialerRetries)
	require.Equal(t, time.Second, c.Options().ReadTimeout)
	c.Close()
	c, err = NewRedis("redis://127.0.0.1:6379/0", RedisTuning{})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:6379", c.Options().Addr)
	require.Equal(t, 5, c.Options().DialerRetries, "zero keeps go-redis's default")
	c.Close()
}

// FuzzParseRedisURL: any string is refused with an error or parsed into
// options naming at least one address, and a sentinel URL always names
// its master and a database in range.
func FuzzParseRedisURL(f *testing.F) {
	for _, s := range []string{"redis://127.0.0.1:6379/0", "rediss://u:p@h:1/2", "unix:///tmp/r.sock",
		"redis-sentinel://a:1,b:2/m/3?sentinel_password=x", "redis-sentinel://u:p@[::1]:1/m", "redis-sentinel://a:1/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plain, failover, err := ParseRedisURL(s)
		if err != nil {
			require.Nil(t, plain)
			require.Nil(t, failover)
			return
		}
		require.True(t, (plain == nil) != (failover == nil))
		if failover != nil {
			require.NotEmpty(t, failover.MasterName)
			require.NotEmpty(t, failover.SentinelAddrs)
			require.LessOrEqual(t, len(failover.SentinelAddrs), maxSentinels)
			require.True(t, failover.DB >= 0 && failover.DB <= 15)
		}
	})
}
