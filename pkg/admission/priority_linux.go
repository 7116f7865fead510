package admission

import "golang.org/x/sys/unix"

// lowerThreadPriority sets the calling OS thread's nice value. A failure
// (a sandbox that forbids it) leaves the thread at the default priority.
func lowerThreadPriority(nice int) {
	_ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), nice)
}
