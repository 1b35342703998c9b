package server

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// End-to-end tests of identity and time integrity: messy feeds through
// fusion, then the event engine, as the pipeline runs them. Each also
// runs the engine on the same fused positions with Track cleared (the
// engine's own single-alt-track model, as before track-aware events)
// and logs both counts.

const idT0 vessel.Time = 1_700_000_000_000

// idReport is one generated report with its ground truth.
type idReport struct {
	p        vessel.Position
	ship     int
	bad      bool        // an injected fault
	trueTime vessel.Time // when it was really made
}

// idMover is one transmitter on a straight course.
type idMover struct {
	mmsi    vessel.MMSI
	start   geo.Point
	course  float64
	knots   float64
	every   vessel.Time
	offset  vessel.Time
	sources []string
}

func (m *idMover) at(t vessel.Time) geo.Point {
	return geo.Destination(m.start, m.course, m.knots*1852/3600*float64(t-idT0)/1000)
}

// idFeed returns every report of the movers over span, by time stamp,
// with 15 m of position noise.
func idFeed(rng *rand.Rand, movers []idMover, span vessel.Time) []idReport {
	var out []idReport
	round := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	for i := range movers {
		m := &movers[i]
		for t := idT0 + m.offset; t < idT0+span; t += m.every {
			pt := geo.Destination(m.at(t), rng.Float64()*360, rng.Float64()*15)
			pos := vessel.Position{MMSI: m.mmsi, Time: t, Lat: round(pt.Lat), Lon: round(pt.Lon),
				SOG: vessel.SpeedKnots(m.knots), COG: vessel.CourseDegrees(m.course)}
			for k, src := range rng.Perm(len(m.sources)) {
				q := pos
				q.Source = m.sources[src]
				q.Time += vessel.Time(k * rng.IntN(2000))
				out = append(out, idReport{p: q, ship: i, trueTime: t})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b idReport) int { return cmp.Compare(a.p.Time, b.p.Time) })
	return out
}

// idShips returns n ships of mmsi base+i within 200 km of c, reporting
// every 10 s.
func idShips(rng *rand.Rand, n int, base vessel.MMSI, c geo.Point, sources ...string) []idMover {
	var ms []idMover
	for i := range n {
		ms = append(ms, idMover{mmsi: base + vessel.MMSI(i), start: geo.Destination(c, rng.Float64()*360, rng.Float64()*200e3),
			course: rng.Float64() * 360, knots: 6 + rng.Float64()*16, every: 10_000,
			offset: vessel.Time(rng.IntN(10_000)), sources: sources})
	}
	return ms
}

// idRun is the outcome of fusing a feed and detecting its events.
type idRun struct {
	fused    []fusion.Result // per report
	opened   int             // identity episodes fusion opened
	final    []event.Event   // latest version of each event, retracted ones too
	counts   map[string]int  // final events per type, not retracted
	legacy   map[string]int  // the same with Track cleared
	episodes map[vessel.MMSI]int
}

func runIdentity(rs []idReport) idRun {
	pic := fusion.NewPicture(fusion.Config{Now: func() time.Time { return (idT0 + 10*86_400_000).Std() }})
	eng := event.New(event.Config{})
	old := event.New(event.Config{})
	latest := map[string]event.Event{}
	oldLatest := map[string]event.Event{}
	run := idRun{episodes: map[vessel.MMSI]int{}}
	var end vessel.Time
	for i := range rs {
		o := vessel.Observation{Kind: vessel.KindPosition, Position: rs[i].p, TimeSource: vessel.TimeTagBlock}
		r := pic.Apply(&o)
		run.fused = append(run.fused, r)
		if r.EpisodeChange == fusion.EpisodeOpened {
			run.opened++
			run.episodes[r.MMSI]++
		}
		if r.Outcome != fusion.Stored {
			continue
		}
		end = max(end, r.Position.Time)
		for _, ev := range eng.Observe(r.Position) {
			latest[ev.ID] = ev
		}
		q := r.Position
		q.Track = 0
		for _, ev := range old.Observe(q) {
			oldLatest[ev.ID] = ev
		}
	}
	for _, ev := range eng.Flush(end) {
		latest[ev.ID] = ev
	}
	for _, ev := range old.Flush(end) {
		oldLatest[ev.ID] = ev
	}
	count := func(m map[string]event.Event) map[string]int {
		c := map[string]int{}
		for _, ev := range m {
			if !ev.Retracted {
				c[ev.Type]++
			}
		}
		return c
	}
	run.counts, run.legacy = count(latest), count(oldLatest)
	for _, ev := range latest {
		run.final = append(run.final, ev)
	}
	slices.SortFunc(run.final, func(a, b event.Event) int { return cmp.Compare(a.ID, b.ID) })
	return run
}

// TestIdentitySharedMMSI: a placeholder MMSI used by four transmitters
// hundreds of km apart for two days, beside a ship of its own: exactly
// one identity event per fusion episode, listing the four tracks, and no
// teleport (the first reports of the later transmitters are retracted).
// When three of them fall silent for six or two hours, the episode
// closes and a second one opens when they return; a 40-minute pause is
// the same episode.
func TestIdentitySharedMMSI(t *testing.T) {
	const m vessel.MMSI = 412000000
	for _, tc := range []struct {
		name     string
		quiet    [2]vessel.Time // transmitters 1-3 silent then
		episodes int
	}{
		{"two days", [2]vessel.Time{}, 1},
		{"silence", [2]vessel.Time{idT0 + 20*3_600_000, idT0 + 26*3_600_000}, 2},
		{"short silence", [2]vessel.Time{idT0 + 20*3_600_000, idT0 + 22*3_600_000}, 2},
		{"pause", [2]vessel.Time{idT0 + 20*3_600_000, idT0 + 20*3_600_000 + 40*60_000}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 1))
			var movers []idMover
			for i, c := range []geo.Point{{Lat: 30, Lon: 122.5}, {Lat: 25, Lon: 120}, {Lat: 35, Lon: 125}, {Lat: 22, Lon: 115}} {
				movers = append(movers, idMover{mmsi: m, start: c, course: float64(i * 80), knots: 5 + float64(i)*3,
					every: vessel.Time(30+i*7) * 1000, offset: vessel.Time(i) * 3000, sources: []string{"rx1"}})
			}
			movers = append(movers, idShips(rng, 1, 413000001, geo.Point{Lat: 30, Lon: 123}, "rx1")...)
			rs := slices.DeleteFunc(idFeed(rng, movers, 2*86_400_000), func(r idReport) bool {
				return r.ship >= 1 && r.ship <= 3 && r.p.Time >= tc.quiet[0] && r.p.Time < tc.quiet[1]
			})
			run := runIdentity(rs)
			t.Logf("%d reports; fusion episodes %d; events before (Track ignored) %v, after %v", len(rs), run.opened, run.legacy, run.counts)
			if run.opened != tc.episodes || run.counts[event.IdentityConflict] != run.opened {
				t.Errorf("%d identity events for %d fusion episodes; want %d, one per episode", run.counts[event.IdentityConflict], run.opened, tc.episodes)
			}
			if n := run.counts[event.Teleport]; n != 0 {
				t.Errorf("%d teleports; want none", n)
			}
			var ids []event.Event
			for _, ev := range run.final {
				switch {
				case ev.Vessels[0] != m && (ev.Type == event.Teleport || ev.Type == event.IdentityConflict):
					t.Errorf("the other ship: %+v", ev)
				case ev.Type == event.IdentityConflict && !ev.Retracted:
					ids = append(ids, ev)
					if ev.Measures["tracks"] != 4 || ev.Measures["distance_m"] < 300e3 {
						t.Errorf("identity event %s: measures %v; want 4 tracks hundreds of km apart", ev.ID, ev.Measures)
					}
					t.Logf("%s v%d end %v %v", ev.ID, ev.Version, ev.End, ev.Reasons)
				}
			}
			slices.SortFunc(ids, func(a, b event.Event) int { return cmp.Compare(a.Start, b.Start) })
			for i, ev := range ids {
				// all but the last are closed, in the silence
				if last := i == len(ids)-1; last != (ev.End == 0) {
					t.Errorf("identity event %s: end %v", ev.ID, ev.End)
				} else if !last && (ev.End < tc.quiet[0]-60_000 || ev.End > tc.quiet[0]) {
					t.Errorf("identity event %s ends at %v; want the last report before the silence (%v)", ev.ID, ev.End, tc.quiet[0])
				}
			}
		})
	}
}

// TestIdentityClockFault: 30 ships heard by two receivers; for two
// minutes rx2 stamps its reports five minutes late (delivered in arrival
// order): no teleport, no identity event.
func TestIdentityClockFault(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rs := idFeed(rng, idShips(rng, 30, 366100000, geo.Point{Lat: 40.4, Lon: -73.8}, "rx1", "rx2"), 3_600_000)
	from, to := idT0+30*60_000, idT0+32*60_000
	shifted := 0
	for i := range rs {
		if rs[i].p.Source == "rx2" && rs[i].trueTime >= from && rs[i].trueTime < to {
			rs[i].p.Time -= 5 * 60_000
			rs[i].bad = true
			shifted++
		}
	}
	slices.SortStableFunc(rs, func(a, b idReport) int { return cmp.Compare(a.trueTime, b.trueTime) })
	run := runIdentity(rs)
	clock := 0
	for _, r := range run.fused {
		if r.Position.Flags&vessel.FlagClock != 0 {
			clock++
		}
	}
	t.Logf("%d reports, %d stamped 5 min late, %d flagged clock; events before (Track ignored) %v, after %v", len(rs), shifted, clock, run.legacy, run.counts)
	if clock == 0 {
		t.Fatalf("no report flagged clock: the scenario does not test anything")
	}
	if run.counts[event.Teleport] != 0 || run.counts[event.IdentityConflict] != 0 {
		t.Errorf("events %v; want no teleport or identity event", run.counts)
	}
}

// TestIdentityBadFixBursts: 40 ships for three hours, each with bursts of
// 1-5 bad fixes (far off, at 0,0, or a consistent spoof 40 km off): at
// most one teleport per burst, no identity event, and each ship's latest
// state on its real track.
func TestIdentityBadFixBursts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	movers := idShips(rng, 40, 366000000, geo.Point{Lat: 36.5, Lon: -123.5}, "rx1")
	rs := idFeed(rng, movers, 3*3_600_000)
	perShip := map[int][]int{}
	for i := range rs {
		perShip[rs[i].ship] = append(perShip[rs[i].ship], i)
	}
	type burst struct{ from, to vessel.Time }
	bursts := map[vessel.MMSI][]burst{}
	kinds := [...]string{"far", "null", "spoof"}
	injected := map[string]int{}
	for s := range movers {
		idx := perShip[s]
		for j := 20 + rng.IntN(40); j < len(idx)-6; j += 40 + rng.IntN(40) {
			n := 1 + rng.IntN(5)
			kind := kinds[rng.IntN(len(kinds))]
			bearing := rng.Float64() * 360
			for k := range n {
				p := &rs[idx[j+k]].p
				switch kind {
				case "far":
					q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, rng.Float64()*360, 100e3+rng.Float64()*900e3)
					p.Lat, p.Lon = q.Lat, q.Lon
				case "null":
					p.Lat, p.Lon = 0, 0
				case "spoof":
					q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, bearing, 40e3)
					p.Lat, p.Lon = q.Lat, q.Lon
				}
				rs[idx[j+k]].bad = true
			}
			injected[kind]++
			bursts[movers[s].mmsi] = append(bursts[movers[s].mmsi], burst{rs[idx[j]].p.Time, rs[idx[j+n-1]].p.Time})
			j += n
		}
	}
	run := runIdentity(rs)
	nb := 0
	for _, b := range bursts {
		nb += len(b)
	}
	t.Logf("%d reports, %d bursts %v; events before (Track ignored) %v, after %v", len(rs), nb, injected, run.legacy, run.counts)
	perBurst := map[burst]int{}
	for _, ev := range run.final {
		if ev.Retracted {
			continue
		}
		switch ev.Type {
		case event.IdentityConflict:
			t.Errorf("identity event %s: a burst of bad fixes is no second transmitter", ev.ID)
		case event.Teleport:
			var in *burst
			for _, b := range bursts[ev.Vessels[0]] {
				if ev.End >= b.from && ev.End <= b.to {
					in = &b
				}
			}
			if in == nil {
				t.Errorf("teleport %s at %v in no burst", ev.ID, ev.End)
				continue
			}
			if perBurst[*in]++; perBurst[*in] > 1 {
				t.Errorf("teleport %s: a second one in the burst of %v", ev.ID, ev.Vessels[0])
			}
		}
	}
	if run.counts[event.Teleport] > nb {
		t.Errorf("%d teleports for %d bursts", run.counts[event.Teleport], nb)
	}
	// the ships' reports after each burst are theirs again: fusion kept
	// them on the main track, unflagged
	for i, r := range run.fused {
		if !rs[i].bad && r.Outcome == fusion.Stored && r.Position.Flags&vessel.Bad != 0 {
			t.Errorf("genuine report %d of ship %d flagged %v", i, rs[i].ship, r.Position.Flags.Names())
		}
	}
}
