//go:build unix

package geo_test

import (
	"syscall"
	"time"
)

// cpuNow is the CPU time the process has used: rates per CPU-second
// compare runs better than wall-clock on a shared machine.
func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
