// Package memtest measures, for tests, how far one call raises the
// process's resident memory at its peak: Go heap and C allocations alike
// (libvips, libjpeg, HarfBuzz), which runtime.MemStats cannot see. It
// reads /proc/self/status, so it works on Linux only, and the process's
// other goroutines count too: measure from a test that is not parallel
// (Go runs those while no parallel test of the package runs).
package memtest

/*
#include <malloc.h>
*/
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"testing"
	"time"
)

// Usage is what one measured call cost.
type Usage struct {
	// Growth is the peak resident set during the call minus the resident
	// set right before it, in bytes.
	Growth int64
	// Elapsed is the call's wall time.
	Elapsed time.Duration
}

// String is the usage in MB and milliseconds, for test messages.
func (u Usage) String() string {
	return fmt.Sprintf("%.1f MB in %v", float64(u.Growth)/(1<<20), u.Elapsed.Round(time.Millisecond))
}

// Measure calls fn and reports its peak resident-memory growth. Before the
// call it returns free memory to the operating system (the Go heap's free
// spans and glibc's free blocks), so memory kept from earlier work cannot
// hide what fn allocates, and resets the kernel's high-water mark
// (VmHWM, through /proc/self/clear_refs).
func Measure(fn func()) (Usage, error) {
	debug.FreeOSMemory()
	C.malloc_trim(0)
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return Usage{}, fmt.Errorf("memtest: resetting the peak resident set: %w", err)
	}
	before, err := status("VmRSS:")
	if err != nil {
		return Usage{}, err
	}
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	peak, err := status("VmHWM:")
	if err != nil {
		return Usage{}, err
	}
	return Usage{Growth: peak - before, Elapsed: elapsed}, nil
}

// status reads one kB field of /proc/self/status, in bytes.
func status(field string) (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, fmt.Errorf("memtest: %w", err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte(field)); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("memtest: %s %q: %w", field, v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("memtest: no %s in /proc/self/status", field)
}

// Within calls fn and fails t unless fn returned within d and grew the
// resident set by less than growth bytes at its peak; it logs the usage.
func Within(t testing.TB, d time.Duration, growth int64, fn func()) Usage {
	t.Helper()
	u, err := Measure(fn)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.check(d, growth); err != nil {
		t.Error(err)
	}
	t.Logf("memtest: %v", u)
	return u
}

// check says which bound u is over, if any.
func (u Usage) check(d time.Duration, growth int64) error {
	var errs []error
	if u.Elapsed >= d {
		errs = append(errs, fmt.Errorf("took %v, the bound is %v", u.Elapsed.Round(time.Millisecond), d))
	}
	if u.Growth >= growth {
		errs = append(errs, fmt.Errorf("resident memory grew %.1f MB, the bound is %.0f MB", float64(u.Growth)/(1<<20), float64(growth)/(1<<20)))
	}
	return errors.Join(errs...)
}
