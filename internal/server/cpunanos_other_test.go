//go:build !unix

package server

// cpuNanos is 0 where the process's CPU time is not read (BenchmarkLiveRate
// then reports no cpu-ns/msg).
func cpuNanos() int64 { return 0 }
