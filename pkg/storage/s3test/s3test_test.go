package s3test

import (
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// A child started by startOnLastingThread outlives the thread of the
// goroutine that asked for it: here that thread ends right after (the
// goroutine exits locked to it, as a low-priority render does), which
// with a plain cmd.Start would have fired Pdeathsig.
func TestStartOnLastingThreadOutlivesTheCallersThread(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	started := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if syscall.Gettid() == syscall.Getpid() {
			// The main thread is parked, not ended: use another one.
			go func() {
				runtime.LockOSThread()
				started <- startOnLastingThread(cmd)
			}()
			return
		}
		started <- startOnLastingThread(cmd)
	}()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("the child died with its caller's thread: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	_ = cmd.Process.Kill()
	<-exited
}
