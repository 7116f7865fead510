package render

/*
#include <malloc.h>
*/
import "C"

import (
	"runtime/debug"
	"sync/atomic"
)

// releasing is set while ReleaseMemory runs, so calls that overlap it
// return at once instead of queueing more collections.
var releasing atomic.Bool

// ReleaseMemory hands memory freed by a large render back to the operating
// system: a collection that returns the Go heap's free spans, and glibc's
// malloc_trim for what libvips freed (glibc keeps freed blocks below its
// raised mmap threshold, up to 32 MB each, in the heap). Without it a
// process stayed at about 1 GB resident after one 50-megapixel render. It
// costs one full collection, so callers use it after heavy renders only.
func ReleaseMemory() {
	if !releasing.CompareAndSwap(false, true) {
		return
	}
	defer releasing.Store(false)
	debug.FreeOSMemory()
	C.malloc_trim(0)
}
