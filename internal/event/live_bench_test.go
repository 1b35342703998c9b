package event_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// arrivals returns the real NOAA day's positions in the order a live feed
// delivers them: in time order (the file's), or with a third of them
// delayed by up to 20 s, as a lagging receiver or a satellite feed does
// (deterministic).
func arrivals(tb testing.TB, jitter bool) []vessel.Position {
	rows := aistest.ReadTracks(tb, aistest.TrackPath(tb, "noaa_us_coast_20220103.csv.gz"))
	ps := make([]vessel.Position, 0, len(rows))
	for _, r := range rows {
		p := vessel.Position{MMSI: vessel.MMSI(r.MMSI), Time: vessel.TimeOf(r.Time), Lat: r.Lat, Lon: r.Lon,
			SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}
		if !math.IsNaN(r.SOG) {
			p.SOG = vessel.SpeedKnots(r.SOG)
		}
		if !math.IsNaN(r.COG) {
			p.COG = vessel.CourseDegrees(r.COG)
		}
		if r.Status >= 0 {
			p.Status = vessel.NavStatus(r.Status)
		}
		ps = append(ps, p)
	}
	if !jitter {
		return ps
	}
	rng := rand.New(rand.NewPCG(17, 17))
	type arr struct {
		at vessel.Time
		p  vessel.Position
	}
	as := make([]arr, len(ps))
	for i, p := range ps {
		as[i] = arr{at: p.Time, p: p}
		if rng.IntN(3) == 0 {
			as[i].at += vessel.Time(rng.IntN(20000))
		}
	}
	slices.SortStableFunc(as, func(a, b arr) int { return cmp.Compare(a.at, b.at) })
	for i := range as {
		ps[i] = as[i].p
	}
	return ps
}

// BenchmarkLive runs the engine as the live node does (Config.Reorder one
// minute, the bundled ports and the land mask) over the real NOAA day
// (99,999 positions, 10,631 vessels), delivered in time order or with a
// lagging third. Compare with main's engine side by side:
//
//	go test -run '^$' -bench BenchmarkLive -cpu 1 ./internal/event
func BenchmarkLive(b *testing.B) {
	land := testLand(b)
	ports := event.DefaultPorts()
	for _, jitter := range []bool{false, true} {
		name := "inorder"
		if jitter {
			name = "jitter"
		}
		b.Run(name, func(b *testing.B) {
			ps := arrivals(b, jitter)
			cfg := event.Config{Ports: ports, Land: land, Reorder: time.Minute}
			events := 0
			var cpu time.Duration
			for b.Loop() {
				c0 := event.CPUTime()
				e := event.New(cfg)
				events = 0
				for _, p := range ps {
					events += len(e.Observe(p))
				}
				events += len(e.Flush(ps[len(ps)-1].Time))
				cpu += event.CPUTime() - c0
			}
			b.ReportMetric(float64(len(ps)*b.N)/b.Elapsed().Seconds(), "pos/s")
			if cpu > 0 {
				b.ReportMetric(float64(len(ps)*b.N)/cpu.Seconds(), "pos/cpu-s")
			}
			b.ReportMetric(float64(events), "event-versions")
		})
	}
}
