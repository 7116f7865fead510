package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelScheme starts a STRATA_REDIS_URL naming Redis Sentinels instead
// of one Redis:
//
//	redis-sentinel://[[user]:password@]host:port[,host:port…]/master[/db][?sentinel_password=…&sentinel_username=…]
//
// The user and password are the primary's (and its replicas'); the
// sentinels' own credentials, when they have any, go in the query.
const SentinelScheme = "redis-sentinel"

// maxSentinels bounds the host list of a sentinel URL; real deployments
// run three or five.
const maxSentinels = 16

// ParseRedisURL parses a STRATA_REDIS_URL: redis://, rediss:// and
// unix:// as go-redis reads them (redis.ParseURL), returned as plain
// options; or a redis-sentinel:// URL (SentinelScheme), returned as
// failover options. Exactly one of the two is non-nil without an error.
// NewRedis builds the client from them.
func ParseRedisURL(raw string) (*redis.Options, *redis.FailoverOptions, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, nil, errors.New("must be a URL such as redis://host:6379/0 or redis-sentinel://host:26379,host:26380/mymaster/0")
	}
	if scheme != SentinelScheme {
		o, err := redis.ParseURL(raw)
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error quotes the whole URL, password included
		}
		if err != nil {
			return nil, nil, err
		}
		return o, nil, nil
	}
	o, err := parseSentinelURL(rest)
	return nil, o, err
}

// parseSentinelURL parses what follows "redis-sentinel://".
func parseSentinelURL(rest string) (*redis.FailoverOptions, error) {
	o := &redis.FailoverOptions{}
	rest, query, _ := strings.Cut(rest, "?")
	authority, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		user, pass, hasPass := strings.Cut(authority[:at], ":")
		var err error
		if o.Username, err = url.PathUnescape(user); err != nil {
			return nil, fmt.Errorf("user: %v", err)
		}
		if hasPass {
			if o.Password, err = url.PathUnescape(pass); err != nil {
				return nil, fmt.Errorf("password: %v", err)
			}
		}
		authority = authority[at+1:]
	}
	hosts := strings.Split(authority, ",")
	if len(hosts) > maxSentinels {
		return nil, fmt.Errorf("%d sentinels: at most %d", len(hosts), maxSentinels)
	}
	for i, h := range hosts {
		host, port, err := net.SplitHostPort(h)
		if err != nil || host == "" {
			return nil, fmt.Errorf("sentinel #%d %q: must be host:port", i+1, h)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("sentinel #%d %q: port must be 1 to 65535", i+1, h)
		}
		o.SentinelAddrs = append(o.SentinelAddrs, h)
	}
	master, db, hasDB := strings.Cut(path, "/")
	if master == "" {
		return nil, errors.New("names no master: add its name after the sentinels, as in redis-sentinel://host:26379/mymaster/0")
	}
	var err error
	if o.MasterName, err = url.PathUnescape(master); err != nil {
		return nil, fmt.Errorf("master name: %v", err)
	}
	if hasDB {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 || n > 15 || db != strconv.Itoa(n) {
			return nil, fmt.Errorf("database %q: must be 0 to 15", db)
		}
		o.DB = n
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("query: %v", err)
	}
	for k, v := range q {
		switch k {
		case "sentinel_password":
			o.SentinelPassword = v[len(v)-1]
		case "sentinel_username":
			o.SentinelUsername = v[len(v)-1]
		case "dial_timeout":
			d, err := time.ParseDuration(v[len(v)-1])
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("dial_timeout=%q: must be a positive duration such as 1s", v[len(v)-1])
			}
			o.DialTimeout = d
		default:
			return nil, fmt.Errorf("unknown parameter %q: sentinel URLs take sentinel_password, sentinel_username and dial_timeout", k)
		}
	}
	return o, nil
}

// RedisTuning overrides go-redis's connection defaults; a zero field
// keeps go-redis's own value.
type RedisTuning struct {
	// DialerRetries replaces go-redis's five dial attempts per connection.
	DialerRetries int
	// DialTimeout, ReadTimeout and WriteTimeout bound one dial, one read
	// and one write.
	DialTimeout, ReadTimeout, WriteTimeout time.Duration
}

// NewRedis returns a client for a STRATA_REDIS_URL (ParseRedisURL): a
// plain client for one Redis, or a failover client for sentinels, which
// asks them for the current primary and follows a failover. Both are a
// *redis.Client, so every Redis user (queue, job store, rate limiter,
// templates, render cache, redisbatch) takes either unchanged.
func NewRedis(raw string, t RedisTuning) (*redis.Client, error) {
	plain, failover, err := ParseRedisURL(raw)
	if err != nil {
		return nil, err
	}
	if failover != nil {
		setIf(&failover.DialerRetries, t.DialerRetries)
		setIf(&failover.DialTimeout, t.DialTimeout)
		setIf(&failover.ReadTimeout, t.ReadTimeout)
		setIf(&failover.WriteTimeout, t.WriteTimeout)
		return redis.NewFailoverClient(failover), nil
	}
	setIf(&plain.DialerRetries, t.DialerRetries)
	setIf(&plain.DialTimeout, t.DialTimeout)
	setIf(&plain.ReadTimeout, t.ReadTimeout)
	setIf(&plain.WriteTimeout, t.WriteTimeout)
	return redis.NewClient(plain), nil
}

// setIf sets *dst to v unless v is zero.
func setIf[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}
