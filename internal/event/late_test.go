package event_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// singleTypes are the event types of single-vessel detectors.
var singleTypes = []string{event.Gap, event.Loitering, event.ZoneEntry, event.ZoneExit, event.Teleport, event.IdentityConflict, event.PortVisit}

// allScenarios is every scenario of scenario_test.go on one timeline,
// with distinct MMSIs, and the zone they use.
func allScenarios() ([]vessel.Position, []event.Zone) {
	var tl timeline
	// gap, with a neighbour heard meanwhile
	tl.stay(101, 0, 2*h, 2*time.Minute, ocean, 0.1)
	tl.stay(101, 10*h, 12*h, 2*time.Minute, geo.Destination(ocean, 90, 60e3), 0.1)
	tl.stay(102, 0, 12*h, 10*time.Minute, geo.Destination(ocean, 0, 30e3), 6)
	tl.stay(103, 0, 2*h, 2*time.Minute, geo.Destination(ocean, 180, 20e3), 3)
	tl.stay(103, 6*h, 12*h, 2*time.Minute, geo.Destination(ocean, 180, 20e3), 3)
	// encounter
	tl.stay(201, 0, 3*h, time.Minute, geo.Destination(ocean, 200, 60e3), 0.5)
	tl.stay(202, 30*time.Second, 3*h, 3*time.Minute, geo.Destination(geo.Destination(ocean, 200, 60e3), 90, 150), 0.5)
	// loitering, and a short stop
	tl.stay(301, 0, 2*h, time.Minute, geo.Destination(ocean, 250, 90e3), 0.8)
	tl.stay(302, 0, 30*time.Minute, time.Minute, geo.Destination(ocean, 0, 50e3), 0.5)
	tl.sail(302, 31*time.Minute, 2*h, time.Minute, geo.Destination(ocean, 0, 50e3), 0, 10)
	// zones: crossing, first heard inside, passing outside
	zc := geo.Destination(ocean, 300, 120e3)
	tl.sail(401, 0, 3*h, time.Minute, geo.Destination(zc, 270, 20e3), 90, 10)
	tl.stay(402, 0, h, time.Minute, zc, 0)
	tl.sail(403, 0, 3*h, time.Minute, geo.Destination(zc, 0, 15e3), 90, 10)
	// a teleport
	tl.sail(501, 0, 2*h, time.Minute, farOcean, 90, 10)
	tl.ps = append(tl.ps, pos(501, h+30*time.Second, geo.Destination(farOcean, 0, 200e3), 10))
	// an identity conflict
	ic := geo.Destination(farOcean, 180, 300e3)
	tl.stay(601, 0, 2*h, 2*time.Minute, ic, 6)
	tl.stay(601, time.Minute, h, 2*time.Minute, geo.Destination(ic, 90, 100e3), 6)
	// a port visit, a vessel passing through
	out := geo.Destination(harbour, 180, 20e3)
	tl.sail(701, 0, 55*time.Minute, time.Minute, out, 0, 11)
	tl.stay(701, h, 5*h, 3*time.Minute, geo.Destination(harbour, 180, 500), 0)
	tl.sail(701, 5*h+3*time.Minute, 6*h, time.Minute, harbour, 180, 11)
	tl.sail(702, 0, 3*h, time.Minute, geo.Destination(harbour, 270, 15e3), 90, 12)
	return tl.sorted(), []event.Zone{square("box", zc, 10e3)}
}

// simulated returns hours of simulated traffic with GNSS jumps, and zones
// round some of its positions.
func simulated(t testing.TB, vessels int, hours int) ([]vessel.Position, []event.Zone) {
	sim := simulate.New(simulate.Config{Vessels: vessels, Rate: 0.2, Land: testLand(t), Noise: simulate.Noise{Jump: 0.002}}, rand.New(rand.NewPCG(7, 7)))
	start := vessel.TimeOf(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC))
	var ps []vessel.Position
	err := sim.Run(start, start+vessel.Time(hours)*3600_000, func(o *vessel.Observation) error {
		if o.Kind == vessel.KindPosition && o.Position.HasPosition() {
			ps = append(ps, o.Position)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(ps, func(a, b vessel.Position) int { return cmp.Compare(a.Time, b.Time) })
	rng := rand.New(rand.NewPCG(3, 4))
	var zones []event.Zone
	for i := range 40 {
		p := ps[rng.IntN(len(ps))]
		zones = append(zones, square(fmt.Sprintf("z%d", i), geo.Point{Lat: p.Lat, Lon: p.Lon}, 2e3+rng.Float64()*8e3))
	}
	return ps, zones
}

// delayed returns ps in the order a feed delivers them when a fraction of
// reports arrive between minDelay and maxDelay after their time.
func delayed(ps []vessel.Position, fraction float64, minDelay, maxDelay time.Duration, seed uint64) []vessel.Position {
	rng := rand.New(rand.NewPCG(seed, 1))
	type arrival struct {
		at vessel.Time
		p  vessel.Position
	}
	as := make([]arrival, len(ps))
	for i, p := range ps {
		as[i] = arrival{p.Time, p}
		if rng.Float64() < fraction {
			d := minDelay + time.Duration(rng.Int64N(int64(maxDelay-minDelay)))
			as[i].at += vessel.Time(d.Milliseconds())
		}
	}
	slices.SortStableFunc(as, func(a, b arrival) int { return cmp.Compare(a.at, b.at) })
	out := make([]vessel.Position, len(as))
	for i, a := range as {
		out[i] = a.p
	}
	return out
}

// happening is what the comparison of two runs looks at.
type happening struct {
	typ        string
	vessels    string
	zone       string
	start, end vessel.Time
}

func (h happening) String() string {
	return fmt.Sprintf("%s %s %q %v-%v", h.typ, h.vessels, h.zone, h.start.Std().Format("15:04:05"), h.end.Std().Format("15:04:05"))
}

// happenings returns the live (latest, not retracted) events of the given
// types, as a sorted list.
func happenings(m map[string]event.Event, types []string) []happening {
	var out []happening
	for _, ev := range m {
		if ev.Retracted || !slices.Contains(types, ev.Type) {
			continue
		}
		out = append(out, happening{ev.Type, fmt.Sprint(ev.Vessels), ev.Zone, ev.Start, ev.End})
	}
	slices.SortFunc(out, compareHappening)
	return out
}

func compareHappening(a, b happening) int {
	return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.vessels, b.vessels), strings.Compare(a.zone, b.zone), cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end))
}

// diffHappenings reports the happenings only in a or only in b.
// checkSameHappenings fails t for every happening of the in-order run (a)
// missing from the run with late reports (b), and the other way round.
func checkSameHappenings(t *testing.T, a, b []happening) {
	t.Helper()
	onlyA, onlyB := diffHappenings(a, b)
	for _, x := range onlyA {
		t.Errorf("only in time order: %v", x)
	}
	for _, x := range onlyB {
		t.Errorf("only with late reports: %v", x)
	}
}

func diffHappenings(a, b []happening) (onlyA, onlyB []happening) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && compareHappening(a[i], b[j]) < 0:
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || compareHappening(b[j], a[i]) < 0:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

// checkNoDuplicates fails if two live events of one vessel, type and zone
// overlap in time: one happening published twice.
func checkNoDuplicates(t *testing.T, m map[string]event.Event) {
	t.Helper()
	hs := happenings(m, []string{event.Gap, event.Loitering, event.ZoneEntry, event.PortVisit, event.IdentityConflict})
	for i := 1; i < len(hs); i++ {
		a, b := hs[i-1], hs[i]
		if a.typ == b.typ && a.vessels == b.vessels && a.zone == b.zone && (a.end == 0 || b.start < a.end) {
			t.Errorf("two live events for one happening: %v and %v", a, b)
		}
	}
}

// TestLateEquivalence: a data set fed in time order, and fed with a
// fraction of its reports delivered late (beyond any reorder window, up
// to 90 minutes after their time), ends with the same live single-vessel
// events: each late report replays its vessel's history, and the events
// it changes are revised (same ID, next version) or retracted instead of
// duplicated.
//
// Gaps are compared too. Their coverage rule reads other vessels'
// reports, so a delayed report of a neighbour could in principle change
// whether a borderline gap opens after it was judged; these data sets
// have no such borderline gap. Encounters are not compared: pairs are
// not replayed (see Engine).
func TestLateEquivalence(t *testing.T) {
	scen, scenZones := allScenarios()
	simPs, simZones := simulated(t, 300, 30)
	type dataset struct {
		name  string
		ps    []vessel.Position
		zones []event.Zone
		ports []event.Port
	}
	sets := []dataset{
		{"scenarios", scen, scenZones, testPort},
		{"simulated", simPs, simZones, ports()},
	}
	sets = append(sets, dataset{"messy", messyPositions(), nil, ports()})
	for _, name := range []string{"boston_201401.csv.gz", "auckland_hauraki_20170907_09.csv.gz"} {
		sets = append(sets, dataset{name, nil, nil, ports()})
	}
	for _, ds := range sets {
		for _, preset := range []string{"gfw", "skylight"} {
			t.Run(ds.name+"/"+preset, func(t *testing.T) {
				ps := ds.ps
				if ps == nil {
					ps = realPositions(t, ds.name)
				}
				end := ps[len(ps)-1].Time + 3600_000
				run := func(ps []vessel.Position) (map[string]event.Event, event.Stats) {
					// a history long enough for every delay (the default
					// keeps 128 to 256 reports, 20 to 40 minutes of a
					// vessel under way at this rate)
					e, err := event.NewChecked(event.Config{Preset: preset, Ports: ds.ports, Land: testLand(t), Zones: ds.zones, HistoryReports: 4096, Replay: event.ReplayAlways})
					if err != nil {
						t.Fatal(err)
					}
					m, _ := final(t, e, ps, end)
					return m, e.Stats()
				}
				inOrder, _ := run(ps)
				late, st := run(delayed(ps, 0.05, 5*time.Minute, 90*time.Minute, 9))
				if st.Replayed == 0 || st.Replayed != st.Late {
					t.Errorf("%d late reports, %d replayed; want all replayed", st.Late, st.Replayed)
				}
				a, b := happenings(inOrder, singleTypes), happenings(late, singleTypes)
				checkSameHappenings(t, a, b)
				checkNoDuplicates(t, late)
				ea, eb := happenings(inOrder, []string{event.Encounter}), happenings(late, []string{event.Encounter})
				oa, ob := diffHappenings(ea, eb)
				t.Logf("encounters (not replayed): %d in time order, %d with late reports, %d and %d differ", len(ea), len(eb), len(oa), len(ob))
				counts := map[string]int{}
				for _, x := range a {
					counts[x.typ]++
				}
				t.Logf("%d positions, %d late (%d replayed); %d single-vessel events %v", len(ps), st.Late, st.Replayed, len(a), counts)
			})
		}
	}
}

// TestLateReportRevisesLoitering: a fast report delivered after the rest
// splits a loitering run: the event keeps its ID and gets a new version
// ending before the late report, and the rest is a new event.
func TestLateReportRevisesLoitering(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 3*h, 2*time.Minute, ocean, 0.5)
	ps := tl.sorted()
	e, err := event.NewChecked(event.Config{Ports: testPort, Land: testLand(t), Replay: event.ReplayAlways})
	if err != nil {
		t.Fatal(err)
	}
	var all []event.Event
	for _, p := range ps {
		all = append(all, e.Observe(p)...)
	}
	before := latest(t, all)
	lo := ofType(before, event.Loitering)
	if len(lo) != 1 {
		t.Fatalf("before the late report: loitering %+v; want one", lo)
	}
	fast := pos(1, 90*time.Minute+time.Minute, geo.Destination(ocean, 45, 700), 10)
	revised := e.Observe(fast)
	all = append(all, revised...)
	all = append(all, e.Flush(at(3*h))...)
	m := latest(t, all)
	lo2 := ofType(m, event.Loitering)
	if len(lo2) != 2 {
		t.Fatalf("after the late report: loitering %+v; want two", lo2)
	}
	first, second := lo2[0], lo2[1]
	if first.Start > second.Start {
		first, second = second, first
	}
	if first.ID != lo[0].ID || first.Version != lo[0].Version+1 || first.End != at(90*time.Minute) {
		t.Errorf("first part %s v%d %v-%v; want %s v%d ending 01:30", first.ID, first.Version, first.Start, first.End, lo[0].ID, lo[0].Version+1)
	}
	if second.Version != 1 || second.Start != at(92*time.Minute) {
		t.Errorf("second part %s v%d from %v; want a new event from 01:32", second.ID, second.Version, second.Start)
	}
	if len(revised) != 2 {
		t.Errorf("the late report emitted %d versions; want 2 (the revision and the new event): %+v", len(revised), revised)
	}
	if st := e.Stats(); st.Late != 1 || st.Replayed != 1 || st.Events[event.Loitering] != 2 {
		t.Errorf("stats %+v; want 1 late, 1 replayed, 2 loitering events", st)
	}
	// the same report again changes nothing
	if evs := e.Observe(fast); len(evs) != 0 {
		t.Errorf("the late report again: %+v", evs)
	}
}

// TestReplayAuto: by default nothing is recorded until the first late
// report, which only re-evaluates gaps; the next late report replays.
func TestReplayAuto(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 6*h, 2*time.Minute, ocean, 0.5)
	ps := tl.sorted()
	e := newEngine(t, "gfw")
	var all []event.Event
	for _, p := range ps[:len(ps)/2] { // to 03:00
		all = append(all, e.Observe(p)...)
	}
	all = append(all, e.Observe(pos(1, 91*time.Minute, geo.Destination(ocean, 45, 700), 10))...)
	if st := e.Stats(); st.Late != 1 || st.Replayed != 0 {
		t.Errorf("first late report: stats %+v; want 1 late, none replayed", st)
	}
	for _, p := range ps[len(ps)/2:] {
		all = append(all, e.Observe(p)...)
	}
	drift := 0.5 * 1852 * 4.5 // metres drifted by 04:30
	all = append(all, e.Observe(pos(1, 4*h+31*time.Minute, geo.Destination(ocean, 45, drift+300), 10))...)
	all = append(all, e.Flush(at(6*h))...)
	if st := e.Stats(); st.Late != 2 || st.Replayed != 1 {
		t.Errorf("second late report: stats %+v; want 2 late, 1 replayed", st)
	}
	lo := ofType(latest(t, all), event.Loitering)
	if len(lo) != 2 || lo[0].End != at(4*h+30*time.Minute) && lo[1].End != at(4*h+30*time.Minute) {
		t.Errorf("loitering %+v; want two, split at 04:31 (the first late report at 01:31 came before any history)", lo)
	}
}

// lateCoverage builds the timeline of the late-coverage tests: vessel 1
// reports for 2 hours, falls silent and, unless silentToEnd, is back at
// 10 h; vessel 2, 5 km away, reports all along (its reports from 2 h to
// 9 h are the coverage of vessel 1's silence); vessel 3, far away, keeps
// the clock moving. It returns the reports in time order, and as they
// arrive when vessel 2's receiver feed is held up: its reports of 2 h to
// 9 h come after everyone's up to 9 h (gap judged at 8 h), or never
// (lost).
func lateCoverage(silentToEnd, lost bool) (inOrder, arrival []vessel.Position) {
	var tl timeline
	end := 11 * h
	if silentToEnd {
		end = 20 * h
	}
	tl.stay(1, 0, 2*h, 5*time.Minute, ocean, 5)
	if !silentToEnd {
		tl.stay(1, 10*h, end, 5*time.Minute, geo.Destination(ocean, 90, 40e3), 5)
	}
	tl.stay(2, 0, end, 5*time.Minute, geo.Destination(ocean, 0, 5e3), 5)
	tl.stay(3, 0, end, 5*time.Minute, farOcean, 5)
	inOrder = tl.sorted()
	held := func(p vessel.Position) bool { return p.MMSI == 2 && p.Time > at(2*h) && p.Time <= at(9*h) }
	for _, p := range inOrder {
		if p.Time <= at(9*h) && !held(p) {
			arrival = append(arrival, p)
		}
	}
	if !lost {
		for _, p := range inOrder {
			if held(p) {
				arrival = append(arrival, p)
			}
		}
	}
	for _, p := range inOrder {
		if p.Time > at(9*h) {
			arrival = append(arrival, p)
		}
	}
	return inOrder, arrival
}

// TestLateCoverageRejudgesGap: a silence judged uncovered because the
// reports of the vessels around it had not come yet is judged again
// when they come late, within the late window: the gap is raised as the
// same event the data in time order gives, whether the vessel comes back
// before the window ends (judged at its return) or stays silent (judged
// when the window ends). When the covering reports never come, no gap.
func TestLateCoverageRejudgesGap(t *testing.T) {
	for _, tc := range []struct {
		name              string
		silentToEnd, lost bool
		want              int // gaps
	}{
		{"late, vessel back", false, false, 1},
		{"late, vessel silent", true, false, 1},
		{"never, vessel back", false, true, 0},
		{"never, vessel silent", true, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inOrder, arrival := lateCoverage(tc.silentToEnd, tc.lost)
			end := inOrder[len(inOrder)-1].Time
			ref, _ := final(t, newEngine(t, "gfw"), inOrder, end)
			got, _ := final(t, newEngine(t, "gfw"), arrival, end)
			gaps := ofType(got, event.Gap)
			if len(gaps) != tc.want {
				t.Fatalf("gaps %+v; want %d", gaps, tc.want)
			}
			if tc.want == 0 {
				return
			}
			g := gaps[0]
			wantEnd := at(10 * h)
			if tc.silentToEnd {
				wantEnd = 0 // still silent: open
			}
			if g.Vessels[0] != 1 || g.Start != at(2*h) || g.End != wantEnd {
				t.Errorf("gap of %v %v-%v; want vessel 1 from 02:00 to %v", g.Vessels, g.Start, g.End, wantEnd)
			}
			// The same event as the data in time order gives.
			r := ofType(ref, event.Gap)
			if len(r) != 1 || r[0].ID != g.ID || r[0].End != g.End || r[0].Measures["coverage_fraction"] != g.Measures["coverage_fraction"] || r[0].Severity != g.Severity {
				t.Errorf("gap %+v; the data in time order gives %+v", g, r)
			}
		})
	}
}

// TestLateFillsBothGrids: on real traffic with 5% of the reports
// delivered 5 to 90 minutes late, the engine ends with the same activity
// grid and the same receiver grid (which receiver heard which cell, and
// in which buckets each receiver heard anyone) as with the reports in
// time order. The sources are the vessels' MMSIs modulo 3 (the files
// name no receiver), so that a late report's receiver matters.
func TestLateFillsBothGrids(t *testing.T) {
	for _, name := range []string{"boston_201401.csv.gz", "auckland_hauraki_20170907_09.csv.gz"} {
		t.Run(name, func(t *testing.T) {
			ps := realPositions(t, name)
			for i := range ps {
				ps[i].Source = fmt.Sprintf("rx-%d", ps[i].MMSI%3)
			}
			arrival := delayed(ps, 0.05, 5*time.Minute, 90*time.Minute, 11)
			for _, preset := range []string{"gfw", "skylight"} {
				run := func(ps []vessel.Position) (*event.Engine, event.Stats) {
					e, err := event.NewChecked(event.Config{Preset: preset, Ports: ports()})
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range ps {
						e.Observe(p)
					}
					return e, e.Stats()
				}
				inOrder, _ := run(ps)
				late, st := run(arrival)
				if st.Late == 0 {
					t.Fatalf("%s: no late report", preset)
				}
				wantAct, gotAct := inOrder.ActivityGrid(), late.ActivityGrid()
				wantCells, wantHeard := inOrder.ReceiverGrid()
				gotCells, gotHeard := late.ReceiverGrid()
				if len(wantCells) == 0 || len(wantAct) == 0 {
					t.Fatalf("%s: empty grids (%d receiver cells, %d activity cells)", preset, len(wantCells), len(wantAct))
				}
				diff := func(what string, want, got map[int64][]string) {
					n := 0
					for k, w := range want {
						if g := got[k]; !slices.Equal(w, g) {
							if n++; n <= 3 {
								t.Errorf("%s: %s cell %d: %v with late reports; %v in time order", preset, what, k, g, w)
							}
						}
					}
					for k, g := range got {
						if _, ok := want[k]; !ok {
							if n++; n <= 3 {
								t.Errorf("%s: %s cell %d: %v with late reports, none in time order", preset, what, k, g)
							}
						}
					}
					if n > 0 {
						t.Errorf("%s: %s: %d of %d cells differ", preset, what, n, len(want))
					}
				}
				diff("receiver grid", wantCells, gotCells)
				diff("activity grid", strs(wantAct), strs(gotAct))
				diff("receivers heard", byIndex(wantHeard), byIndex(gotHeard))
				t.Logf("%s: %d positions, %d late; %d receiver cells, %d activity cells", preset, len(ps), st.Late, len(wantCells), len(wantAct))
			}
		})
	}
}

// strs turns bucket lists into strings, to compare them as diff does.
func strs(m map[int64][]int64) map[int64][]string {
	out := make(map[int64][]string, len(m))
	for k, bs := range m {
		for _, b := range bs {
			out[k] = append(out[k], fmt.Sprint(b))
		}
	}
	return out
}

// byIndex keys the buckets each source heard by the source's place in
// the sorted names.
func byIndex(m map[string][]int64) map[int64][]string {
	names := make([]string, 0, len(m))
	for s := range m {
		names = append(names, s)
	}
	slices.Sort(names)
	out := make(map[int64][]string, len(m))
	for i, s := range names {
		out[int64(i)] = append([]string{s}, strs(map[int64][]int64{0: m[s]})[0]...)
	}
	return out
}

// TestBacklogGapWaitsForItsReceiver: the engine's time is moved on (a
// node's wall clock, another input that is current) while one
// receiver's feed is still working through a backlog, past the deadline
// of a silence in it: the silence is not judged uncovered on the part of
// the backlog that is in, but when the receiver's reports of those hours
// have come, and the gap opens then, before the vessel is back, as the
// same event the data in time order gives. (TestDemo's story gap under
// load: the history backlog behind the radar story's live AIS.) A
// receiver whose reports never come leaves the silence judged uncovered
// once the late window has passed: no gap.
func TestBacklogGapWaitsForItsReceiver(t *testing.T) {
	inOrder, _ := lateCoverage(false, false)
	end := inOrder[len(inOrder)-1].Time
	ref, _ := final(t, newEngine(t, "gfw"), inOrder, end)
	want := ofType(ref, event.Gap)
	if len(want) != 1 {
		t.Fatalf("in time order: gaps %+v; want 1", want)
	}
	for _, tc := range []struct {
		name string
		lost bool // the backlog from 2 h 30 never comes
	}{{"backlog comes", false}, {"backlog lost", true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, "gfw")
			var all []event.Event
			i := 0
			feed := func(upto time.Duration) {
				for ; i < len(inOrder) && inOrder[i].Time <= at(upto); i++ {
					if !tc.lost || inOrder[i].Time <= at(2*h+30*time.Minute) || inOrder[i].Time > at(10*h) {
						all = append(all, e.Observe(inOrder[i])...)
					}
				}
			}
			feed(2*h + 30*time.Minute) // vessel 1 silent from 2 h
			// the clock: 9 h, past the silence's deadline (8 h)
			all = append(all, e.Advance(at(9*h))...)
			all = append(all, e.Advance(at(9*h+time.Minute))...)
			if gaps := ofType(latest(t, all), event.Gap); len(gaps) != 0 {
				t.Fatalf("gap %+v raised before the receiver's reports of the silence came", gaps)
			}
			feed(9*h + 5*time.Minute) // the backlog: everyone's reports up to now
			all = append(all, e.Advance(at(9*h+5*time.Minute))...)
			gaps := ofType(latest(t, all), event.Gap)
			if tc.lost {
				all = append(all, e.Advance(at(8*h+6*h))...) // the late window passed
				feed(11 * h)
				all = append(all, e.Flush(end)...)
				if gaps := ofType(latest(t, all), event.Gap); len(gaps) != 0 {
					t.Errorf("gaps %+v with the coverage never heard; want none", gaps)
				}
				return
			}
			if len(gaps) != 1 {
				t.Fatalf("after the backlog, before vessel 1 is back at 10 h: gaps %+v; want 1", gaps)
			}
			feed(11 * h)
			all = append(all, e.Flush(end)...)
			gaps = ofType(latest(t, all), event.Gap)
			if len(gaps) != 1 || gaps[0].ID != want[0].ID || gaps[0].Start != want[0].Start || gaps[0].End != want[0].End ||
				gaps[0].Measures["coverage_fraction"] != want[0].Measures["coverage_fraction"] {
				t.Errorf("gaps %+v; the data in time order gives %+v", gaps, want)
			}
		})
	}
}
