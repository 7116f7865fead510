package admission

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func acquire(t *testing.T, g *Gate, key string, cost int64) *Ticket {
	t.Helper()
	tk, err := g.Acquire(context.Background(), key, cost, time.Second)
	require.NoError(t, err)
	return tk
}

// waitAsync starts an Acquire that waits up to a minute and returns the
// channel its ticket arrives on.
func waitAsync(g *Gate, key string, cost int64) <-chan *Ticket {
	ch := make(chan *Ticket, 1)
	go func() {
		tk, _ := g.Acquire(context.Background(), key, cost, time.Minute)
		ch <- tk
	}()
	return ch
}

// waiting blocks until the gate has n waiters.
func waiting(t *testing.T, g *Gate, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return g.Stats().Waiting == n }, 5*time.Second, time.Millisecond)
}

// A freed slot goes to the waiting key with the fewest renders running,
// not to the key that asked first.
func TestGateServesQuietKeyFirst(t *testing.T) {
	g := NewGate(GateOptions{Slots: 2, Bytes: 1000, Heavy: 400})
	a1, a2 := acquire(t, g, "a", 10), acquire(t, g, "a", 10)
	aNext := waitAsync(g, "a", 10)
	waiting(t, g, 1)
	bNext := waitAsync(g, "b", 10)
	waiting(t, g, 2)
	a1.Release()
	b := <-bNext
	require.NotNil(t, b)
	require.Equal(t, Stats{Running: 2, Bytes: 20, Waiting: 1}, g.Stats())
	a2.Release()
	a3 := <-aNext
	require.NotNil(t, a3)
	a3.Release()
	b.Release()
	require.Equal(t, Stats{}, g.Stats())
}

// A heavy render never takes the last free slot, so a light one from
// another key starts at once beside a heavy key's renders.
func TestGateKeepsLastSlotForLight(t *testing.T) {
	g := NewGate(GateOptions{Slots: 2, Bytes: 1000, Heavy: 100})
	heavy := acquire(t, g, "a", 300)
	require.True(t, heavy.Heavy())
	next := waitAsync(g, "a", 300)
	waiting(t, g, 1)
	light := acquire(t, g, "b", 10) // not behind a's waiting heavy render
	require.False(t, light.Heavy())
	light.Release()
	heavy.Release()
	h2 := <-next
	require.NotNil(t, h2)
	h2.Release()
	require.Equal(t, Stats{}, g.Stats())
}

// Estimates are charged against the bytes; a render that does not fit
// waits, gives up with ErrBusy after its wait, and leaves nothing behind.
func TestGateBytesAndBusy(t *testing.T) {
	g := NewGate(GateOptions{Slots: 4, Bytes: 1000, Heavy: 2000})
	big := acquire(t, g, "a", 700)
	_, err := g.Acquire(context.Background(), "b", 400, 20*time.Millisecond)
	require.ErrorIs(t, err, ErrBusy)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = g.Acquire(ctx, "b", 400, time.Minute)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, Stats{Running: 1, Bytes: 700}, g.Stats())
	small := acquire(t, g, "b", 300) // fits beside
	// An estimate over the whole budget is charged as all of it.
	next := waitAsync(g, "c", 5000)
	waiting(t, g, 1)
	big.Release()
	small.Release()
	all := <-next
	require.Equal(t, int64(1000), all.Cost())
	all.Release()
	all.Release() // twice is harmless
	require.Equal(t, Stats{}, g.Stats())
}

// A waiter that gives up lets the one behind it in its key go first.
func TestGateWaiterLeavingUnblocksKey(t *testing.T) {
	g := NewGate(GateOptions{Slots: 2, Bytes: 1000, Heavy: 2000})
	holder := acquire(t, g, "a", 600)
	_, err := g.Acquire(context.Background(), "b", 600, 20*time.Millisecond) // b's head, too big
	require.ErrorIs(t, err, ErrBusy)
	small := acquire(t, g, "b", 100)
	small.Release()
	holder.Release()
	require.Equal(t, Stats{}, g.Stats())
}

func TestBytes(t *testing.T) {
	b := NewBytes(100)
	r1, ok := b.TryAcquire(60)
	require.True(t, ok)
	_, ok = b.TryAcquire(60)
	require.False(t, ok, "over the budget is refused at once")
	r1()
	all, ok := b.TryAcquire(1 << 40) // more than the budget takes all of it
	require.True(t, ok)
	_, ok = b.TryAcquire(1)
	require.False(t, ok)
	all()
	bodies, renders := Split(4 << 30)
	require.Equal(t, int64(1<<30), bodies)
	require.Equal(t, int64(3<<30-Reserve), renders)
	_, renders = Split(512 << 20)
	require.Equal(t, int64(128<<20), renders, "a small limit still leaves renders a quarter")
}
