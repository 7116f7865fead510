package admission

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// threadNice is the calling OS thread's nice value (the raw getpriority
// system call answers 20 minus it).
func threadNice(t *testing.T) int {
	t.Helper()
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	require.NoError(t, err)
	return 20 - p
}

// A heavy ticket's render runs on a thread at HeavyNice, which ends with
// it; a light one runs on the caller's thread, at its priority.
func TestHeavyRendersRunOnALowPriorityThread(t *testing.T) {
	g := NewGate(GateOptions{Slots: 2, Bytes: 1000, Heavy: 100})
	heavy, light := acquire(t, g, "a", 300), acquire(t, g, "b", 10)
	defer heavy.Release()
	defer light.Release()
	var heavyNice, lightNice, tid int
	heavy.Run(func() { heavyNice, tid = threadNice(t), unix.Gettid() })
	light.Run(func() { lightNice = threadNice(t) })
	require.Equal(t, HeavyNice, heavyNice)
	require.Equal(t, 0, lightNice)
	// The runtime ends a thread whose goroutine exits locked to it; the
	// process's main thread it parks for good instead. Either way no later
	// goroutine runs at that priority.
	if tid != os.Getpid() {
		require.Eventually(t, func() bool {
			_, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", tid))
			return os.IsNotExist(err)
		}, 5*time.Second, time.Millisecond, "the low-priority thread ends with its render")
	}
	require.PanicsWithValue(t, "boom", func() { heavy.Run(func() { panic("boom") }) }, "a panic reaches the caller")
}

// On one core, a light render running beside a heavy one gets most of
// the core: while the light one does a fixed amount of work, the heavy
// one, spinning on the same CPU, does well under half as much (about a
// tenth at nice 10; as much as the light one at equal priority). The
// measure is a ratio of work within one run, not a time.
func TestLightRenderGetsTheCoreBeforeAHeavyOne(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // each spinner keeps a P
	var cpu unix.CPUSet
	require.NoError(t, unix.SchedGetaffinity(0, &cpu))
	one := -1
	for i := range 1024 {
		if cpu.IsSet(i) {
			one = i
			break
		}
	}
	pin := func() {
		var s unix.CPUSet
		s.Set(one)
		require.NoError(t, unix.SchedSetaffinity(0, &s))
	}
	g := NewGate(GateOptions{Slots: 2, Bytes: 1000, Heavy: 100})
	heavy, light := acquire(t, g, "a", 300), acquire(t, g, "b", 10)
	defer heavy.Release()
	defer light.Release()

	var heavyWork atomic.Int64
	var stop atomic.Bool
	started := make(chan struct{})
	heavyDone := make(chan struct{})
	go func() {
		defer close(heavyDone)
		heavy.Run(func() {
			pin() // this thread ends with the render
			close(started)
			for !stop.Load() {
				spin()
				heavyWork.Add(1)
			}
		})
	}()
	<-started
	const work = 400
	var during int64
	lightDone := make(chan struct{})
	go func() {
		defer close(lightDone)
		runtime.LockOSThread() // never unlocked: the pinned thread ends with the goroutine
		pin()
		light.Run(func() {
			before := heavyWork.Load()
			for range work {
				spin()
			}
			during = heavyWork.Load() - before
		})
	}()
	<-lightDone
	stop.Store(true)
	<-heavyDone
	t.Logf("heavy work units while the light render did %d: %d", work, during)
	require.Less(t, during, int64(work/2))
}

// spin burns about a millisecond of CPU.
func spin() {
	x := uint64(1)
	for i := range 1_000_000 {
		x = x*6364136223846793005 + uint64(i)
	}
	sink.Store(x)
}

var sink atomic.Uint64
