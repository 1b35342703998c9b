//go:build !unix

package geo_test

import "time"

// cpuNow is not measured here.
func cpuNow() time.Duration { return 0 }
