//go:build !unix

package fusion_test

import "time"

// cpuNow is not measured here.
func cpuNow() time.Duration { return 0 }
