// Package crashtest runs a workload against a [record.MemFS] crashed at
// every crash point, for the in-memory crash tests of the persisted
// formats: it is imported only by _test.go files.
//
// A crash point is a count n of mutating operations (writes, syncs,
// creations, renames, removals, directory syncs: [record.MemFS.Ops]) after
// which the file system crashes. At each point the workload runs again on
// a fresh MemFS, once keeping only what was synced (seed 0) and, for each
// further seed, keeping also a random part of the unsynced writes, the
// last one torn at a random byte. The test's check then reopens the
// state the crash left and asserts what the format promises.
//
// # Usage
//
//	n := crashtest.Run(t, 3, workload, func(p crashtest.Point, after *record.MemFS, acked Acked) {
//		l, err := Open(after, path)
//		if err != nil {
//			t.Fatalf("%v: reopen: %v", p, err)
//		}
//		// everything in acked is in l ...
//	})
package crashtest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// Point is one crash: after N mutating operations, with Seed (0: only
// synced data survives; above 0: the seed of the random torn tail).
type Point struct {
	N, Seed int
}

// String returns "crash after N (seed S)", the prefix of a check's
// failures.
func (p Point) String() string { return fmt.Sprintf("crash after %d (seed %d)", p.N, p.Seed) }

// Run runs workload once on a MemFS that does not crash to count its
// crash points, then, for every point n from 0 to that count and every
// seed below seeds, runs workload on a MemFS that crashes after n
// operations and calls check with the file system the crash left and what
// the workload returned (what it had seen acknowledged before the
// crash). It returns the number of crash points. The workload must stop
// at its first error (after the crash every operation fails).
func Run[T any](t testing.TB, seeds int, workload func(*record.MemFS) T, check func(p Point, after *record.MemFS, acked T)) int {
	t.Helper()
	dry := record.NewMemFS()
	workload(dry)
	ops := dry.Ops()
	if ops == 0 {
		t.Fatal("crashtest: the workload made no mutating operation")
	}
	for n := 0; n <= ops; n++ {
		for seed := range seeds {
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m := record.NewMemFS()
			m.CrashAfter(n, rng)
			acked := workload(m)
			after := m.Crashed()
			if after == nil { // the workload ended before the crash point
				after = m.CrashClone(rng)
			}
			check(Point{N: n, Seed: seed}, after, acked)
			if t.Failed() {
				return n + 1
			}
		}
	}
	return ops + 1
}
