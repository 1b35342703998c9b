package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// BenchmarkOpen measures how long a node takes to be ready on a store of
// simulated traffic (10,000 vessels, the static reports that change
// something stored as the recorder stores them, blocks of the default
// 1,048,576 positions): Open by a writer, then what
// recorder.Restore asks (Bounds, and At over the whole history). Per size,
// "rebuild" ignores the snapshot (every block decoded, as before it
// existed) and "snapshot" uses it, side by side in one run. cpu-ms/op is
// the process's CPU time per open, for a machine shared with other work.
//
// Sizes come from TIDEWATCH_BENCH_OPEN (positions, comma-separated, "M"
// for millions; default 1M). Generated stores are kept under
// TIDEWATCH_BENCH_OPEN_DIR when set (reused by later runs), else in a
// temporary directory:
//
//	TIDEWATCH_BENCH_OPEN=5M,50M TIDEWATCH_BENCH_OPEN_DIR=/tmp/twbench \
//	  go test ./internal/store -run '^$' -bench BenchmarkOpen -benchtime 5x
func BenchmarkOpen(b *testing.B) {
	sizes := os.Getenv("TIDEWATCH_BENCH_OPEN")
	if sizes == "" {
		sizes = "1M"
	}
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "M"))
		if err != nil {
			b.Fatalf("TIDEWATCH_BENCH_OPEN: %v", err)
		}
		if strings.HasSuffix(s, "M") {
			n *= 1_000_000
		}
		dir := benchStore(b, n)
		for _, mode := range []string{"rebuild", "snapshot"} {
			b.Run(fmt.Sprintf("positions=%s/%s", s, mode), func(b *testing.B) {
				var vessels int
				var cpu time.Duration
				for b.Loop() {
					c0 := cpuTime()
					db, err := Open(dir, Options{noSnapshot: mode == "rebuild"})
					if err != nil {
						b.Fatal(err)
					}
					_, end, ok := db.Bounds()
					if !ok {
						b.Fatal("empty store")
					}
					list, err := db.At(end, end+1, true)
					if err != nil {
						b.Fatal(err)
					}
					vessels = len(list)
					cpu += cpuTime() - c0
					b.StopTimer()
					if err := db.Close(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				b.ReportMetric(float64(vessels), "vessels")
				// CPU time of the whole process (the garbage collector
				// included) per open: the wall clock of a loaded
				// machine measures the other users too.
				b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// benchStore returns a data directory holding n simulated positions.
func benchStore(b *testing.B, n int) string {
	b.Helper()
	var dir string
	if root := os.Getenv("TIDEWATCH_BENCH_OPEN_DIR"); root != "" {
		dir = filepath.Join(root, fmt.Sprintf("open-%d", n))
		if _, err := os.Stat(filepath.Join(dir, "DONE")); err == nil {
			return dir
		}
		os.RemoveAll(dir)
	} else {
		dir = b.TempDir()
	}
	db, err := Open(dir, Options{Sync: SyncNone})
	if err != nil {
		b.Fatal(err)
	}
	sim := simulate.New(simulate.Config{Vessels: 10000}, rand.New(rand.NewPCG(1, 0)))
	var batch Batch
	type merged struct {
		st    vessel.Static
		times vessel.FieldTimes
	}
	known := map[vessel.MMSI]merged{}
	stored := 0
	errEnough := errors.New("enough")
	start := vessel.Time(1704067200000)
	err = sim.Run(start, start+3650*24*3600_000, func(o *vessel.Observation) error {
		switch o.Kind {
		case vessel.KindPosition:
			if !o.Position.HasPosition() {
				return nil
			}
			batch.AddPosition(&o.Position)
			stored++
		case vessel.KindStatic:
			// As recorder.Record: only a report that changes what
			// the picture knows is stored.
			m := o.Static.MMSI
			cur := known[m]
			if cur.st.Merge(&o.Static, &cur.times) != 0 {
				batch.AddStatic(&o.Static)
			}
			known[m] = cur
		}
		if batch.Len() >= 1<<14 || stored == n {
			if err := db.Write(&batch); err != nil {
				return err
			}
			batch.Reset()
		}
		if stored == n {
			return errEnough
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "DONE"), nil, 0o600)
	return dir
}
