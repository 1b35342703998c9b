//go:build linux

package event

import (
	"syscall"
	"time"
)

// threadCPUTime is the CPU time of the calling OS thread (RUSAGE_THREAD):
// with the goroutine locked to its thread, the work of one worker alone,
// whatever else the machine runs.
func threadCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
