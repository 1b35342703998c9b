package event_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// firstReports returns the first n reports of every vessel of the real
// NOAA day's first hour, in the day's order, and the vessels' number.
func firstReports(tb testing.TB, n int) ([]vessel.Position, int) {
	seen := map[vessel.MMSI]int{}
	var out []vessel.Position
	ps := arrivals(tb, false)
	for _, p := range ps {
		if p.Time-ps[0].Time < 3600_000 && seen[p.MMSI] < n {
			seen[p.MMSI]++
			out = append(out, p)
		}
	}
	return out, len(seen)
}

// BenchmarkNewVessels feeds an engine configured as the live node's
// (Config.Reorder one minute, the bundled ports and the land mask) the
// first report, or the first three, of each vessel of the NOAA day's
// first hour, with the late-report histories kept from
// the start (as a live engine keeps them from its first late report):
// the cost of vessels new to the engine, which on a live feed of global
// traffic are most of the vessels a day brings, many of them seen a few
// times. No timer falls due within the hour (the shortest, a loitering
// or pair's silence, is three hours). It reports heap
// bytes and allocations per vessel (the vessel's state, its history and
// its checkpoints) and process CPU-ns per vessel. Compare with main's
// engine side by side:
//
//	go test -run '^$' -bench BenchmarkNewVessels -benchtime 20x ./internal/event
func BenchmarkNewVessels(b *testing.B) {
	land := testLand(b)
	ports := event.DefaultPorts()
	for _, n := range []int{1, 3} {
		name := "first"
		if n > 1 {
			name = "first3"
		}
		b.Run(name, func(b *testing.B) {
			ps, vessels := firstReports(b, n)
			cfg := event.Config{Ports: ports, Land: land, Reorder: time.Minute, Replay: event.ReplayAlways}
			var cpu time.Duration
			var bytes, allocs uint64
			var ms runtime.MemStats
			events := 0
			for b.Loop() {
				b.StopTimer()
				e := event.New(cfg)
				runtime.GC()
				runtime.ReadMemStats(&ms)
				b0, a0 := ms.TotalAlloc, ms.Mallocs
				c0 := event.CPUTime()
				b.StartTimer()
				events = 0
				for _, p := range ps {
					events += len(e.Observe(p))
				}
				events += len(e.Flush(ps[len(ps)-1].Time))
				b.StopTimer()
				cpu += event.CPUTime() - c0
				runtime.ReadMemStats(&ms)
				bytes += ms.TotalAlloc - b0
				allocs += ms.Mallocs - a0
				b.StartTimer()
			}
			per := float64(vessels * b.N)
			b.ReportMetric(float64(bytes)/per, "B/vessel")
			b.ReportMetric(float64(allocs)/per, "allocs/vessel")
			b.ReportMetric(float64(cpu.Nanoseconds())/per, "cpu-ns/vessel")
			b.ReportMetric(float64(events), "event-versions")
			b.ReportMetric(float64(vessels), "vessels")
		})
	}
}
