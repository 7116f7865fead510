//go:build !linux

package admission

// lowerThreadPriority does nothing outside Linux, where a thread's nice
// value is not its own.
func lowerThreadPriority(int) {}
