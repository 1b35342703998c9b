//go:build !unix

package main

import "time"

// cpuTime is not measured here: rates per CPU-second are reported as 0.
func cpuTime() time.Duration { return 0 }
