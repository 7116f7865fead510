package memtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var sink []byte

// Measure sees memory the call touches (here 64 MB of Go heap), and a
// call that allocates little grows the resident set little.
func TestMeasure(t *testing.T) {
	u, err := Measure(func() {
		sink = make([]byte, 64<<20)
		for i := 0; i < len(sink); i += 4096 {
			sink[i] = 1
		}
	})
	require.NoError(t, err)
	require.Greater(t, u.Growth, int64(60<<20), "%v", u)
	sink = nil
	u, err = Measure(func() { sink = make([]byte, 16) })
	require.NoError(t, err)
	require.Less(t, u.Growth, int64(8<<20), "%v", u)
}

// A usage over either bound is reported with the bound it broke; one
// under both passes.
func TestCheck(t *testing.T) {
	require.NoError(t, Usage{Growth: 10 << 20, Elapsed: time.Millisecond}.check(time.Second, 50<<20))
	require.ErrorContains(t, Usage{Growth: 60 << 20, Elapsed: time.Millisecond}.check(time.Second, 50<<20), "grew 60.0 MB, the bound is 50 MB")
	require.ErrorContains(t, Usage{Growth: 1, Elapsed: 2 * time.Second}.check(time.Second, 50<<20), "took 2s, the bound is 1s")
	u := Within(t, time.Second, 32<<20, func() { sink = make([]byte, 16) })
	require.Less(t, u.Elapsed, time.Second)
}
