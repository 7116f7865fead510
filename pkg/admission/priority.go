package admission

import "runtime"

// HeavyNice is the nice value of the OS thread a heavy render runs on
// (Ticket.Run). The kernel weighs a nice-10 thread at 110 against 1,024
// for a nice-0 one, so while a light render and a heavy one want the same
// core the light one gets about nine tenths of it, and the heavy one
// still about a tenth: it is slowed while light renders run, never held.
const HeavyNice = 10

// Run runs fn, the ticket's render. A light render runs it on the calling
// goroutine. A heavy one runs it on an OS thread of its own at HeavyNice
// (Linux; elsewhere at the default priority): Go code, cgo calls and the
// page faults of its large buffers alike, since the goroutine stays locked
// to that thread. The thread is never unlocked, so it ends with the
// render and no other goroutine runs at its priority (an unprivileged
// process cannot raise a thread's priority back). Goroutines fn starts
// and libvips' own worker threads keep the default priority. A panic in
// fn is raised again in the caller.
//
// The kernel can only favour the light render if it runs on a thread of
// its own, beside the heavy one: with one CPU that needs a GOMAXPROCS of
// at least 2 (SetMinProcs).
func (t *Ticket) Run(fn func()) {
	if !t.Heavy() {
		fn()
		return
	}
	runLowPriority(fn)
}

// runLowPriority runs fn on a new OS thread at HeavyNice and waits for it.
func runLowPriority(fn func()) {
	done := make(chan any, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		lowerThreadPriority(HeavyNice)
		defer func() { done <- recover() }()
		fn()
	}()
	if p := <-done; p != nil {
		panic(p)
	}
}

// SetMinProcs raises GOMAXPROCS to n when the runtime chose fewer (a
// process limited to fewer CPUs by its affinity or cgroup) and the
// operator did not set GOMAXPROCS. With n render slots at most n-1 renders
// are heavy (GateOptions.Heavy), so n Ps leave light renders one that no
// low-priority heavy thread holds, and the kernel can run them first
// (Ticket.Run); with one P they would share it with the heavy render
// turn and turn about, whatever its thread's priority.
func SetMinProcs(n int, getenv func(string) string) {
	if getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < n {
		runtime.GOMAXPROCS(n)
	}
}
