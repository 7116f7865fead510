package lru

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEvictsTheLeastRecentAtTheCap(t *testing.T) {
	c := New[string, string](6, func(v string) int64 { return int64(len(v)) })
	require.Zero(t, c.Put("a", "aa"))
	require.Zero(t, c.Put("b", "bb"))
	require.Zero(t, c.Put("c", "cc"))
	_, ok := c.Get("a") // a is now the most recent; b the least
	require.True(t, ok)
	require.Equal(t, 1, c.Put("d", "dd"))
	_, ok = c.Get("b")
	require.False(t, ok, "b was the least recent")
	for _, k := range []string{"a", "c", "d"} {
		_, ok := c.Get(k)
		require.True(t, ok, k)
	}
	require.Equal(t, int64(6), c.Used())

	require.Equal(t, 2, c.Put("e", "eeee"), "one value can push out several")
	require.Equal(t, 2, c.Len())

	// Replacing a value re-costs it.
	c.Put("e", "e")
	require.Equal(t, int64(3), c.Used())
	// Over the whole cap: not stored, and the old value of the key goes.
	require.Zero(t, c.Put("e", "eeeeeee"))
	_, ok = c.Get("e")
	require.False(t, ok)
	require.Equal(t, int64(2), c.Used())
	c.Remove("d")
	require.Zero(t, c.Len())
	require.Zero(t, c.Used())
}

func TestNilCostCountsEntries(t *testing.T) {
	c := New[int, string](2, nil)
	c.Put(1, "x")
	c.Put(2, "y")
	c.Put(3, "z")
	require.Equal(t, 2, c.Len())
	_, ok := c.Get(1)
	require.False(t, ok)
}
