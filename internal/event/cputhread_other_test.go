//go:build !linux

package event

import "time"

// threadCPUTime is not measured here.
func threadCPUTime() time.Duration { return 0 }
