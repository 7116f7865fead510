package fetch

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-render/strata/pkg/schema"
)

// Record's Sum follows the fetched bytes: the same bodies give the same
// Sum in any order, another body another Sum, nothing fetched "".
func TestDigestsFollowTheFetchedBytes(t *testing.T) {
	t.Parallel()
	var version atomic.Int32
	srv := startServer(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(append([]byte(r.URL.Path), byte(version.Load())))
	})
	c := New(Options{AllowPrivate: true})
	base := "http://127.0.0.1:" + srv.port()
	sum := func(paths ...string) string {
		ctx, d := Record(context.Background())
		for _, p := range paths {
			_, err := c.Get(ctx, base+p, schema.FetchOptions{})
			require.NoError(t, err)
		}
		return d.Sum()
	}
	_, d := Record(context.Background())
	require.Empty(t, d.Sum(), "nothing fetched")
	ab := sum("/a", "/b")
	require.Len(t, ab, 43)
	require.Equal(t, ab, sum("/b", "/a"), "order does not matter")
	require.NotEqual(t, ab, sum("/a"))
	version.Store(1)
	require.NotEqual(t, ab, sum("/a", "/b"), "new bytes at the same URLs")

	// Without Record, Get records nothing (and needs no recorder).
	_, err := c.Get(context.Background(), base+"/a", schema.FetchOptions{})
	require.NoError(t, err)
}
