package server

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// BenchmarkClusterEntryTick measures what moving detection's clock after
// each ingest entry costs a cluster node (clusterMember.afterEntry,
// cluster_events.go): a node's pipeline applies the AISHub capture as the
// follower hands it over, one entry of 47 real lines (about 100 ms of the
// global feed) at a time, each waited for, with event detection on and
// following the log's time:
//
//   - none: the entry alone (ApplyEntryThen), no clock tick;
//   - do: the entry, then the tick in a pipeline turn of its own
//     (Pipeline.Do): a second round trip through the pipeline's queue per
//     entry;
//   - then: the tick in the entry's own turn (ApplyEntryThen's then,
//     after the entry's results);
//   - clock: then, and the picture's clock set to the entry's receive
//     time before its reports (ApplyEntryAround, logClock), as
//     clusterMember.apply does.
//
// Each iteration applies one entry; with -benchtime 1813x each applies
// the whole capture once (later passes apply copies fusion refuses as
// duplicates, which costs less). Sub-benchmark interleaved runs the four
// modes on one node, taking turns entry by entry (so the machine's load
// weighs on each alike), and reports each mode's wall time per entry and
// the ratios do/none, then/none and clock/then; the others run one mode each and
// report the process's CPU time per entry (cpu-us/entry) besides ns/op.
//
//	go test ./internal/server -run XXX -bench ClusterEntryTick -benchtime 1813x
func BenchmarkClusterEntryTick(b *testing.B) {
	lines := captureLines(b, "raw/aishub-3min.nmea", 1<<20)
	const per = 47
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var entries []cluster.Batch
	for i := 0; i < len(lines); i += per {
		entries = append(entries, cluster.Batch{Input: "feed", Received: t0.Add(time.Duration(len(entries)) * 100 * time.Millisecond),
			Lines: lines[i:min(i+per, len(lines))]})
	}
	// apply applies entry i with sequence seq in mode.
	apply := func(n *Node, m *clusterMember, obs []vessel.Observation, seq uint64, recv time.Time, mode string) error {
		ctx := context.Background()
		switch mode {
		case "do":
			if err := n.pipe.ApplyEntryThen(ctx, obs, seq, nil); err != nil {
				return err
			}
			return n.pipe.Do(ctx, func() { m.afterEntry(recv) })
		case "then":
			return n.pipe.ApplyEntryThen(ctx, obs, seq, func() { m.afterEntry(recv) })
		case "clock":
			return n.pipe.ApplyEntryAround(ctx, obs, seq, func() { m.clock.set(recv) }, func() { m.afterEntry(recv) })
		}
		return n.pipe.ApplyEntryThen(ctx, obs, seq, nil)
	}
	open := func(b *testing.B) (*Node, *clusterMember, [][]vessel.Observation) {
		n := runNodes(b, clusterConfigs(b, b.TempDir(), false, "a"), false)[0]
		if n.events == nil {
			b.Fatal("the node has no event detection")
		}
		n.events.logTime = true
		// Decoded up front: the entries' decoding is the same in every
		// mode.
		obs := make([][]vessel.Observation, len(entries))
		for i := range entries {
			obs[i] = decodeBatch(entries[i])
		}
		return n, &clusterMember{pipe: n.pipe, core: n.core, events: n.events, clock: newLogClock(time.Now)}, obs
	}
	modes := []string{"none", "do", "then", "clock"}
	// One node, the modes taking turns entry by entry, so that the
	// machine's load weighs on each alike: wall time per entry of each.
	b.Run("interleaved", func(b *testing.B) {
		n, m, obs := open(b)
		var spent [4]time.Duration
		var count [4]int
		seq := uint64(0)
		// Each four entries in a fresh order of the modes (seeded), so
		// that no mode always follows the same one.
		rng := rand.New(rand.NewPCG(1, 2))
		var turn []int
		for b.Loop() {
			i := int(seq) % len(entries)
			if len(turn) == 0 {
				turn = rng.Perm(len(modes))
			}
			k := turn[0]
			turn = turn[1:]
			seq++
			t0 := time.Now()
			if err := apply(n, m, obs[i], seq, entries[i].Received, modes[k]); err != nil {
				b.Fatal(err)
			}
			spent[k] += time.Since(t0)
			count[k]++
		}
		var us [4]float64
		for k, mode := range modes {
			us[k] = float64(spent[k].Microseconds()) / float64(max(count[k], 1))
			b.ReportMetric(us[k], mode+"-us/entry")
		}
		b.ReportMetric(us[1]/us[0], "do/none")
		b.ReportMetric(us[2]/us[0], "then/none")
		b.ReportMetric(us[3]/us[2], "clock/then")
	})
	// The tick's round trip alone (after the capture was applied once):
	// what "do" adds to each entry.
	b.Run("tick-only", func(b *testing.B) {
		n, m, obs := open(b)
		for i := range entries {
			if err := apply(n, m, obs[i], uint64(i+1), entries[i].Received, "none"); err != nil {
				b.Fatal(err)
			}
		}
		ctx := context.Background()
		k := 0
		cpu0 := cpuNanos()
		for b.Loop() {
			recv := entries[len(entries)-1].Received.Add(time.Duration(k) * 100 * time.Millisecond)
			k++
			if err := n.pipe.Do(ctx, func() { m.afterEntry(recv) }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuNanos()-cpu0)/1e3/float64(b.N), "cpu-us/tick")
	})
	// An empty pipeline round trip: the part of the tick's cost that
	// taking it in the entry's own turn saves.
	b.Run("roundtrip-only", func(b *testing.B) {
		n, _, _ := open(b)
		ctx := context.Background()
		cpu0 := cpuNanos()
		for b.Loop() {
			if err := n.pipe.Do(ctx, func() {}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(cpuNanos()-cpu0)/1e3/float64(b.N), "cpu-us/tick")
	})
	// Each mode on its own node: the process's CPU time per entry.
	for _, mode := range modes {
		b.Run(mode, func(b *testing.B) {
			n, m, obs := open(b)
			seq := uint64(0)
			cpu0 := cpuNanos()
			for b.Loop() {
				i := int(seq) % len(entries)
				seq++
				if err := apply(n, m, obs[i], seq, entries[i].Received, mode); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuNanos()-cpu0)/1e3/float64(b.N), "cpu-us/entry")
		})
	}
}
