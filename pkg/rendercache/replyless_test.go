package rendercache

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/redistest"
)

// A store over the reply-less connection lands in Redis (in the client's
// database: the connection SELECTs it) with the entry's TTL, replacing the
// lock; Redis sends nothing back on it; and after the connection is lost
// the next stores dial again and land.
func TestReplylessStores(t *testing.T) {
	rdb := redistest.Client(t, testDB)
	c := New(Options{Redis: rdb, MaxBytes: 1 << 20, MaxEntryBytes: 1 << 20, TTL: time.Hour, ReplylessStores: true})
	defer c.Close()
	ctx := context.Background()
	miss := func(key string, b byte) {
		t.Helper()
		_, status, err := c.Get(ctx, key, false, counting(image(30000, b), new(atomic.Int32), 0))
		require.NoError(t, err)
		require.Equal(t, StatusMiss, status)
		c.Flush()
	}
	miss("rl-1", 1)
	v, err := rdb.Get(ctx, "strata:rc:rl-1").Bytes()
	require.NoError(t, err)
	e, err := decode(v)
	require.NoError(t, err)
	require.Equal(t, image(30000, 1), e.res)
	ttl, err := rdb.PTTL(ctx, "strata:rc:rl-1").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 59*time.Minute, "the entry replaced the lock, with the entry's TTL")

	// Nothing comes back on the connection: no replies to read.
	cn := c.replyless.cn
	require.NotNil(t, cn)
	cn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	n, err := c.replyless.rd.Read(make([]byte, 1))
	require.Zero(t, n)
	require.True(t, errors.Is(err, os.ErrDeadlineExceeded), "read %d bytes (%v): Redis replies on the store connection", n, err)

	// Redis drops the connection: a store may be lost on it (the write
	// succeeds locally), Flush finds out, and the next store dials again.
	clients, err := rdb.ClientList(ctx).Result()
	require.NoError(t, err)
	require.Contains(t, clients, "addr="+cn.LocalAddr().String())
	require.NoError(t, rdb.Do(ctx, "CLIENT", "KILL", "ADDR", cn.LocalAddr().String()).Err())
	time.Sleep(20 * time.Millisecond)
	miss("rl-2", 2)
	miss("rl-3", 3)
	n3, err := rdb.Exists(ctx, "strata:rc:rl-3").Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n3, "the store after the lost connection lands")
	require.NotSame(t, cn, c.replyless.cn)
	clients, err = rdb.ClientList(ctx).Result()
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(clients, "addr="+c.replyless.cn.LocalAddr().String()))
}
