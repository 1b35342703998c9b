package event

import "slices"

// CPUTime is cpuTime for the external benchmarks.
var CPUTime = cpuTime

// ThreadCPUTime is threadCPUTime for the external benchmarks.
var ThreadCPUTime = threadCPUTime

// ActivityGrid is the coverage grid, for the tests: the buckets in which
// anyone was heard, by cell.
func (e *Engine) ActivityGrid() map[int64][]int64 {
	out := make(map[int64][]int64, len(e.cov.cells))
	for k, c := range e.cov.cells {
		for d := range 64 {
			if c.bits&(1<<uint(d)) != 0 {
				out[k] = append(out[k], c.last-int64(d))
			}
		}
	}
	return out
}

// ReceiverGrid is the receiver grid, for the tests: by cell, the names of
// the sources whose bit (source number mod 64) is set; and by source
// name, the buckets in which its bit heard anyone.
func (e *Engine) ReceiverGrid() (cells map[int64][]string, heard map[string][]int64) {
	cells = make(map[int64][]string, len(e.rxCells))
	for k, m := range e.rxCells {
		for n, s := range e.sources {
			if *m&(1<<uint(n%64)) != 0 {
				cells[k] = append(cells[k], s)
			}
		}
		slices.Sort(cells[k])
	}
	heard = make(map[string][]int64)
	for n, s := range e.sources {
		c := &e.rxAlive[n%64]
		for d := range 64 {
			if c.bits&(1<<uint(d)) != 0 {
				heard[s] = append(heard[s], c.last-int64(d))
			}
		}
	}
	return cells, heard
}

// StateVersion is the engine state's format version AppendState writes.
const StateVersion = stateVersion
