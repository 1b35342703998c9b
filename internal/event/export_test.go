package event

// CPUTime is cpuTime for the external benchmarks.
var CPUTime = cpuTime

// ThreadCPUTime is threadCPUTime for the external benchmarks.
var ThreadCPUTime = threadCPUTime
