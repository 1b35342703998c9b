package event_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// parallel runs the workers on goroutines, as the command does.
func parallel(n int, work func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { work(i) })
	}
	wg.Wait()
}

// sequential is one engine fed the positions in time order (statics
// first) and flushed at end: the reference Reprocess must match.
func sequential(t testing.TB, cfg event.Config, ps []vessel.Position, statics []vessel.Static, end vessel.Time) map[string]event.Event {
	t.Helper()
	m, _ := sequentialStats(t, cfg, ps, statics, end)
	return m
}

// sequentialStats is sequential, with the engine's counts at the end.
func sequentialStats(t testing.TB, cfg event.Config, ps []vessel.Position, statics []vessel.Static, end vessel.Time) (map[string]event.Event, event.Stats) {
	t.Helper()
	e, err := event.NewChecked(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statics {
		e.ObserveStatic(s)
	}
	m := map[string]event.Event{}
	for _, p := range ps {
		for _, ev := range e.Observe(p) {
			m[ev.ID] = ev
		}
	}
	for _, ev := range e.Flush(end) {
		m[ev.ID] = ev
	}
	return m, e.Stats()
}

// sameBytes reports whether got, Reprocess's output, is byte for byte
// the JSON of want's events in order of Start, then ID (what tidewatch
// events prints).
func sameBytes(t *testing.T, what string, want map[string]event.Event, got []event.Event) {
	t.Helper()
	ws := slices.AppendSeq(make([]event.Event, 0, len(want)), maps.Values(want))
	slices.SortFunc(ws, func(a, b event.Event) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID))
	})
	wb, err := json.Marshal(ws)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wb, gb) {
		t.Errorf("%s: the events' JSON differs from one engine's (%d bytes, want %d)", what, len(gb), len(wb))
	}
}

// sameEvents reports the differences between two sets of final events.
func sameEvents(t *testing.T, what string, want map[string]event.Event, got []event.Event) {
	t.Helper()
	bad := 0
	seen := map[string]bool{}
	for _, ev := range got {
		if seen[ev.ID] {
			t.Errorf("%s: event %s twice", what, ev.ID)
		}
		seen[ev.ID] = true
		if w, ok := want[ev.ID]; !ok {
			bad++
			if bad <= 5 {
				t.Errorf("%s: extra event %s %s version %d", what, ev.ID, ev.Type, ev.Version)
			}
		} else if !reflect.DeepEqual(w, ev) {
			bad++
			if bad <= 5 {
				t.Errorf("%s: event %s differs:\n got %+v\nwant %+v", what, ev.ID, ev, w)
			}
		}
	}
	for id, ev := range want {
		if !seen[id] {
			bad++
			if bad <= 5 {
				t.Errorf("%s: missing event %s %s", what, id, ev.Type)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d differences in all", what, bad)
	}
}

// TestReprocessEquivalence: reprocessing with 1, 2 and 4 workers on the
// NOAA day and the Auckland track (2 on the other days and with loose
// thresholds, 2 and 4 on the messy scenario) gives the events of one
// engine — same IDs, versions and content, the same JSON bytes in the
// same order, the same counts — on the real days of the golden file
// (with the bundled ports, the land mask, anchorages learned in a first
// pass and 200 zones over the traffic, gfw or skylight; and with loose
// encounter thresholds that make thousands of pairs) and on the
// messy-feed scenario with its ship types, under two presets.
func TestReprocessEquivalence(t *testing.T) {
	type input struct {
		name    string
		cfg     event.Config
		ps      []vessel.Position
		statics []vessel.Static
		end     vessel.Time
	}
	var ins []input
	for fi, name := range []string{"noaa_us_coast_20220103.csv.gz", "auckland_hauraki_20170907_09.csv.gz", "suez_evergiven_20210320_24.csv.gz",
		"dma_stream_20100611_from_nmea.csv.gz", "global_sat_20211101_from_nmea.csv.gz", "boston_201401.csv.gz"} {
		if !present(name) {
			t.Logf("%s: not in the workspace", name)
			continue
		}
		ps := realPositions(t, name)
		end := ps[len(ps)-1].Time
		learn := event.New(event.Config{Ports: ports(), Land: testLand(t)})
		final(t, learn, ps, end)
		rng := rand.New(rand.NewPCG(uint64(len(ps)), 1))
		var zones []event.Zone
		for i := range 200 {
			p := ps[rng.IntN(len(ps))]
			zones = append(zones, square(fmt.Sprintf("z%d", i), geo.Point{Lat: p.Lat, Lon: p.Lon}, 500+rng.Float64()*5e3))
		}
		preset := event.PresetGFW
		if fi%2 == 1 {
			preset = event.PresetSkylight // loitering without the shore rule, on every other file
		}
		ins = append(ins, input{name + "/" + preset, event.Config{Preset: preset, Ports: ports(), Land: testLand(t),
			Anchorages: learn.Anchorages(), Zones: zones, Reorder: 10 * time.Minute}, ps, nil, end})
		// encounters everywhere, harbours included, and short ones:
		// hundreds of pairs, many of vessels of different shards
		loose, _ := event.Preset(event.PresetGFW)
		loose.Encounter.MinPortDistance, loose.Encounter.MinDuration = 0, event.Duration(10*time.Minute)
		loose.Loitering.MinPortDistance, loose.Loitering.MinDuration = 0, event.Duration(30*time.Minute)
		ins = append(ins, input{name + "/loose", event.Config{Params: &loose, Ports: ports(), Land: testLand(t)}, ps, nil, end})
	}
	s := messyScenario()
	var mps []vessel.Position
	var statics []vessel.Static
	for _, o := range s.Observations {
		switch o.Kind {
		case vessel.KindPosition:
			mps = append(mps, o.Position)
		case vessel.KindStatic:
			statics = append(statics, o.Static)
		}
	}
	for _, preset := range []string{event.PresetGFW, event.PresetTransshipment} {
		ins = append(ins, input{"messy/" + preset, event.Config{Preset: preset, Ports: ports(), Land: testLand(t)}, mps, statics, s.To})
	}
	for _, in := range ins {
		// the reference: one engine over the positions in time order
		ps := sortedByTime(in.ps)
		want, wst := sequentialStats(t, in.cfg, ps, in.statics, in.end)
		types := map[string]int{}
		for _, ev := range want {
			types[ev.Type]++
		}
		// the test is long on a loaded machine: 1 worker (the
		// sequential path through Reprocess), 2 (encounters and a share
		// of the vessels, and the other share) and 4 (encounters and
		// four shares of the vessels) on the NOAA day and the
		// Auckland track with their preset, 2 and 4 on the messy
		// scenario, 2 on the rest (and 2 with tracks in MergeOrder
		// below, on every input)
		workers := []int{2}
		switch {
		case strings.HasSuffix(in.name, "/loose"):
		case strings.HasPrefix(in.name, "noaa"), strings.HasPrefix(in.name, "auckland"):
			workers = []int{1, 2, 4}
		case strings.HasPrefix(in.name, "messy"):
			workers = []int{2, 4}
		}
		for _, n := range workers {
			got, st, err := event.Reprocess(context.Background(), in.cfg, in.ps, in.statics, in.end, event.ReprocessOptions{Workers: n, Run: parallel})
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("%s, %d workers", in.name, n)
			sameEvents(t, what, want, got)
			sameBytes(t, what, want, got)
			if st.Positions != int64(len(in.ps)) {
				t.Errorf("%s: %d positions counted, want %d", what, st.Positions, len(in.ps))
			}
			// the counts of one engine (that one holds reports back
			// for Config.Reorder, which Reprocess need not)
			wst.OutOfOrder, wst.Held = st.OutOfOrder, st.Held
			if !reflect.DeepEqual(st, wst) {
				t.Errorf("%s: counts\n%+v\nwant\n%+v", what, st, wst)
			}
		}
		// as tidewatch events --data gives them: vessels' tracks in one
		// buffer with room between them, in MergeOrder's order
		flat, runs := withRoom(byMMSI(in.ps))
		order := event.MergeOrder(flat, runs, 2, parallel)
		got, _, err := event.Reprocess(context.Background(), in.cfg, flat, in.statics, in.end, event.ReprocessOptions{Workers: 2, Run: parallel, Order: order})
		if err != nil {
			t.Fatal(err)
		}
		sameEvents(t, in.name+", 2 workers, tracks in MergeOrder", want, got)
		t.Logf("%s: %d positions, %d events %v", in.name, len(in.ps), len(want), types)
	}
}

// withRoom puts tracks in one buffer, each followed by a position that is
// in no track (the room a reader leaves), and returns the buffer and the
// tracks' runs in it.
func withRoom(tracks [][]vessel.Position) ([]vessel.Position, [][2]int) {
	var ps []vessel.Position
	var runs [][2]int
	for _, t := range tracks {
		runs = append(runs, [2]int{len(ps), len(ps) + len(t)})
		ps = append(ps, t...)
		ps = append(ps, vessel.Position{MMSI: 999999999, Time: -1 << 40})
	}
	return ps, runs
}

// byMMSI splits positions into their vessels' tracks, in order of MMSI.
func byMMSI(ps []vessel.Position) [][]vessel.Position {
	by := map[vessel.MMSI][]vessel.Position{}
	for _, p := range ps {
		by[p.MMSI] = append(by[p.MMSI], p)
	}
	var tracks [][]vessel.Position
	for _, m := range slices.Sorted(maps.Keys(by)) {
		tracks = append(tracks, by[m])
	}
	return tracks
}

func sortedByTime(ps []vessel.Position) []vessel.Position {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b vessel.Position) int { return cmp.Compare(a.Time, b.Time) })
	return out
}

// BenchmarkReprocess reprocesses history with 1 and 2 workers (the
// bundled ports and the land mask): the real NOAA day with 200 zones, and
// the simulated day of BenchmarkDetect (2,000 vessels, 856,449 positions,
// 1,000 zones; and without zones, as tidewatch events --data runs by
// default, in time order and as --data reads it: the tracks one after
// the other, in MergeOrder's order). It reports positions per second of wall-clock time, per
// CPU-second (the sum over workers, with the garbage collector; and its
// inverse, CPU-nanoseconds per position), and per CPU-second of the
// slowest worker's thread (the rate on an idle machine with a core per
// worker, less the collector's share; on a shared machine wall-clock time
// says little):
//
//	go test -run '^$' -bench BenchmarkReprocess -benchtime 3x ./internal/event
func BenchmarkReprocess(b *testing.B) {
	land := testLand(b)
	noaa := sortedByTime(arrivals(b, false))
	rng := rand.New(rand.NewPCG(1, 1))
	var zones []event.Zone
	for i := range 200 {
		p := noaa[rng.IntN(len(noaa))]
		zones = append(zones, square(fmt.Sprintf("z%d", i), geo.Point{Lat: p.Lat, Lon: p.Lon}, 500+rng.Float64()*5e3))
	}
	d, err := benchSet()
	if err != nil {
		b.Fatal(err)
	}
	// as tidewatch events --data gives them: the vessels' tracks one
	// after the other in one buffer, read in MergeOrder's order
	tracks, runs := withRoom(byMMSI(d.positions))
	order := event.MergeOrder(tracks, runs, 1, nil)
	sets := []struct {
		name  string
		ps    []vessel.Position
		order []uint32
		cfg   event.Config
	}{
		{"noaa", noaa, nil, event.Config{Ports: ports(), Land: land, Zones: zones}},
		{"simulated", sortedByTime(d.positions), nil, event.Config{Ports: ports(), Land: land, Zones: d.zones}},
		// without zones, as tidewatch events --data runs by default
		{"simulated-nozones", sortedByTime(d.positions), nil, event.Config{Ports: ports(), Land: land}},
		{"simulated-nozones-tracks", tracks, order, event.Config{Ports: ports(), Land: land}},
	}
	for _, set := range sets {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/workers=%d", set.name, workers), func(b *testing.B) {
				end := set.ps[len(set.ps)-1].Time
				if set.order != nil {
					end = set.ps[set.order[len(set.order)-1]].Time
				}
				var cpu, critical time.Duration
				perWorker := make([]time.Duration, workers)
				for b.Loop() {
					c0 := event.CPUTime()
					worker := make([]time.Duration, workers)
					// each worker on its own locked thread, timed by the
					// thread's CPU clock: the slowest worker is how long
					// the run takes on an idle machine with a core each
					run := func(n int, work func(i int)) {
						parallel(n, func(i int) {
							runtime.LockOSThread()
							defer runtime.UnlockOSThread()
							t0 := event.ThreadCPUTime()
							// labelled for a profile of one worker:
							// go tool pprof -tagfocus worker=0
							pprof.Do(context.Background(), pprof.Labels("worker", strconv.Itoa(i)), func(context.Context) { work(i) })
							worker[i] = event.ThreadCPUTime() - t0
						})
					}
					if _, _, err := event.Reprocess(context.Background(), set.cfg, set.ps, nil, end, event.ReprocessOptions{Workers: workers, Run: run, Order: set.order}); err != nil {
						b.Fatal(err)
					}
					cpu += event.CPUTime() - c0
					critical += slices.Max(worker)
					for i, w := range worker {
						perWorker[i] += w
					}
				}
				n := float64(len(set.ps) * b.N)
				if set.order != nil {
					n = float64(len(set.order) * b.N)
				}
				b.ReportMetric(n/b.Elapsed().Seconds(), "pos/s")
				if cpu > 0 {
					b.ReportMetric(n/cpu.Seconds(), "pos/cpu-s")
					b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/pos")
				}
				if critical > 0 {
					b.ReportMetric(n/critical.Seconds(), "pos/slowest-worker-cpu-s")
				}
				// each worker's thread CPU: how evenly the work is split
				for i, w := range perWorker {
					b.ReportMetric(float64(w.Nanoseconds())/n, fmt.Sprintf("w%d-cpu-ns/pos", i))
				}
			})
		}
	}
}

// TestLearnAnchorages: the learning-only pass learns the anchorages a full
// engine learns over the same history, and Reprocess with LearnFirst (2
// workers) gives the events of one engine that knows them from the
// start, the way TestRealGolden runs: on the real Auckland days (marinas
// and anchorages in no port list) and the messy scenario's harbour.
func TestLearnAnchorages(t *testing.T) {
	type input struct {
		name    string
		ps      []vessel.Position
		statics []vessel.Static
	}
	var ins []input
	if present("auckland_hauraki_20170907_09.csv.gz") {
		ins = append(ins, input{"auckland", realPositions(t, "auckland_hauraki_20170907_09.csv.gz"), nil})
	}
	var mps []vessel.Position
	var statics []vessel.Static
	for _, o := range messyScenario().Observations {
		switch o.Kind {
		case vessel.KindPosition:
			mps = append(mps, o.Position)
		case vessel.KindStatic:
			statics = append(statics, o.Static)
		}
	}
	ins = append(ins, input{"messy", mps, statics})
	for _, in := range ins {
		cfg := event.Config{Ports: ports(), Land: testLand(t)}
		ps := sortedByTime(in.ps)
		end := ps[len(ps)-1].Time
		full := event.New(cfg)
		for _, s := range in.statics {
			full.ObserveStatic(s)
		}
		final(t, full, ps, end)
		want := full.Anchorages()
		got, err := event.LearnAnchorages(context.Background(), cfg, in.ps, in.statics)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: learned %d anchorages, a full engine %d:\n%v\n%v", in.name, len(got), len(want), got, want)
		}
		if len(want) == 0 {
			t.Errorf("%s: no anchorage learned", in.name)
		}
		evs, _, err := event.Reprocess(context.Background(), cfg, in.ps, in.statics, end, event.ReprocessOptions{Workers: 2, Run: parallel, LearnFirst: true})
		if err != nil {
			t.Fatal(err)
		}
		known := cfg
		known.Anchorages = want
		sameEvents(t, in.name+", learning first", sequential(t, known, ps, in.statics, end), evs)
		t.Logf("%s: %d anchorages, %d events", in.name, len(want), len(evs))
	}
}

// TestMergeTracks: the merge (MergeOrder in 1 to 7 parts on goroutines,
// over tracks in one buffer with room between them, and MergeTracks)
// gives the order of a stable sort of the tracks one after the other, with ties
// within and across tracks, empty tracks, a track out of time order,
// negative times, an outlier far in the future that puts nearly
// everything in one slab, 40,000 positions at three times (a slab
// beginning at the last); and so on the real NOAA day split by vessel.
func TestMergeTracks(t *testing.T) {
	type set struct {
		name   string
		tracks func() [][]vessel.Position
	}
	synthetic := func(spread vessel.Time, outlier bool) func() [][]vessel.Position {
		return func() [][]vessel.Position {
			rng := rand.New(rand.NewPCG(2, uint64(spread)))
			var tracks [][]vessel.Position
			for i := range 300 {
				var tr []vessel.Position
				tm := vessel.Time(-500)
				for k := range rng.IntN(50) {
					tm += vessel.Time(rng.IntN(3)) * spread // ties
					tr = append(tr, vessel.Position{MMSI: vessel.MMSI(i), Time: tm, Lat: float64(k)})
				}
				if i == 7 {
					slices.Reverse(tr)
				}
				if outlier && i == 100 {
					tr = append(tr, vessel.Position{MMSI: vessel.MMSI(i), Time: 1 << 50})
				}
				tracks = append(tracks, tr)
			}
			return tracks
		}
	}
	// 40,000 positions at times 0, 1 and 2: two slabs, the second
	// starting at the last time
	dense := func() [][]vessel.Position {
		tracks := make([][]vessel.Position, 400)
		for i := range tracks {
			for k := range 100 {
				tracks[i] = append(tracks[i], vessel.Position{MMSI: vessel.MMSI(i), Time: vessel.Time(k * 3 / 100), Lat: float64(k)})
			}
		}
		return tracks
	}
	sets := []set{{"ties", synthetic(1, false)}, {"spread", synthetic(1000, false)}, {"outlier", synthetic(1000, true)}, {"dense", dense},
		{"empty", func() [][]vessel.Position { return [][]vessel.Position{nil, {}, nil} }}}
	if present("noaa_us_coast_20220103.csv.gz") {
		sets = append(sets, set{"noaa", func() [][]vessel.Position {
			return byMMSI(realPositions(t, "noaa_us_coast_20220103.csv.gz"))
		}})
	}
	for _, s := range sets {
		tracks := s.tracks()
		var all []vessel.Position
		for _, tr := range tracks {
			all = append(all, tr...)
		}
		want := sortedByTime(all)
		for _, parts := range []int{1, 2, 3, 7} {
			ps, runs := withRoom(tracks)
			order := event.MergeOrder(ps, runs, parts, parallel)
			got := make([]vessel.Position, len(order))
			for k, i := range order {
				got[k] = ps[i]
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s, %d parts: merge of %d positions differs from a stable sort", s.name, parts, len(want))
			}
		}
		if got := event.MergeTracks(slices.Clone(tracks)); !slices.Equal(got, want) {
			t.Errorf("%s: MergeTracks differs from a stable sort", s.name)
		}
	}
}

// BenchmarkMergeTracks compares, in one run, ways to put the simulated
// day's 2,000 vessel tracks (856,449 positions) in time order for
// reprocessing: appending them and sorting stably (what tidewatch events
// did first), MergeTracks (a copy in MergeOrder's order) and MergeOrder,
// the order alone, in 1 and 2 parts:
//
//	go test -run '^$' -bench BenchmarkMergeTracks -cpu 1 ./internal/event
func BenchmarkMergeTracks(b *testing.B) {
	d, err := benchSet()
	if err != nil {
		b.Fatal(err)
	}
	by := map[vessel.MMSI][]vessel.Position{}
	for _, p := range sortedByTime(d.positions) {
		by[p.MMSI] = append(by[p.MMSI], p)
	}
	var tracks [][]vessel.Position
	for _, m := range slices.Sorted(maps.Keys(by)) {
		tracks = append(tracks, by[m])
	}
	b.Run("append-sort", func(b *testing.B) {
		for b.Loop() {
			var ps []vessel.Position
			for _, t := range tracks {
				ps = append(ps, t...)
			}
			slices.SortStableFunc(ps, func(a, b vessel.Position) int { return cmp.Compare(a.Time, b.Time) })
		}
		b.ReportMetric(float64(len(d.positions)*b.N)/b.Elapsed().Seconds(), "pos/s")
	})
	b.Run("merge", func(b *testing.B) {
		for b.Loop() {
			event.MergeTracks(tracks)
		}
		b.ReportMetric(float64(len(d.positions)*b.N)/b.Elapsed().Seconds(), "pos/s")
	})
	ps, runs := withRoom(tracks)
	for _, parts := range []int{1, 2} {
		b.Run(fmt.Sprintf("order/parts=%d", parts), func(b *testing.B) {
			for b.Loop() {
				event.MergeOrder(ps, runs, parts, parallel)
			}
			b.ReportMetric(float64(len(d.positions)*b.N)/b.Elapsed().Seconds(), "pos/s")
		})
	}
}

// TestReprocessShares: with 2 to 6 workers, on the vessels of the real
// NOAA day (10,631 MMSIs), the first worker follows the pairs and every
// vessel's own detectors (gaps, teleports, identity conflicts, zones,
// port visits, loitering) are exactly one worker's, every worker having
// a share: the first about 0.6 of another's (it follows the pairs too),
// the others about equal, so that the silences of a day like this one,
// nearly all of its work, are spread over every worker.
func TestReprocessShares(t *testing.T) {
	seen := map[vessel.MMSI]bool{}
	for _, p := range realPositions(t, "noaa_us_coast_20220103.csv.gz") {
		seen[p.MMSI] = true
	}
	for n := 2; n <= 6; n++ {
		count := make([]int, n)
		for m := range seen {
			pairs, w := event.ReprocessShares(m, n)
			if pairs != 0 {
				t.Fatalf("%d workers: worker %d follows the pairs, want the first", n, pairs)
			}
			if w < 0 || w >= n {
				t.Fatalf("%d workers: vessel %d is in no worker's share", n, m)
			}
			count[w]++
		}
		for i, c := range count {
			want := 1 / (0.6 + float64(n-1))
			if i == 0 {
				want *= 0.6
			}
			if got := float64(c) / float64(len(seen)); math.Abs(got-want) > 0.02 {
				t.Errorf("%d workers: worker %d has %.3f of the %d vessels, want about %.3f", n, i, got, len(seen), want)
			}
		}
		t.Logf("%d workers: vessels per worker %v", n, count)
	}
}

// TestReprocessPairAcrossBorders: pairs of vessels meeting across
// borders — of the encounter detector's grid of slow vessels (a column
// and a row of cells of 500 m, gfw), and across the antimeridian — each
// of two vessels whose local detectors are different workers' with 4
// workers, are each found exactly once by Reprocess with 1, 2 and 4
// workers, as by one engine, byte for byte.
func TestReprocessPairAcrossBorders(t *testing.T) {
	// pairs of vessels whose local detectors are different workers'
	// with 4 workers
	var ms []vessel.MMSI
	for m := vessel.MMSI(366000001); len(ms) < 6; m++ {
		if len(ms)%2 == 1 {
			_, l := event.ReprocessShares(m, 4)
			_, ol := event.ReprocessShares(ms[len(ms)-1], 4)
			if l == ol {
				continue
			}
		}
		ms = append(ms, m)
	}
	cell := 500 / (math.Pi / 180 * geo.EarthRadius) // the slow-vessel grid's cell, degrees
	col := geo.Point{Lat: ocean.Lat, Lon: math.Floor(ocean.Lon/cell) * cell}
	row := geo.Point{Lat: math.Floor(farOcean.Lat/cell) * cell, Lon: farOcean.Lon}
	anti := geo.Point{Lat: -30, Lon: 180}
	var tl timeline
	// side by side across a column border, drifting north along it
	tl.sail(ms[0], 0, 3*h, time.Minute, geo.Destination(col, 270, 120), 0, 0.3)
	tl.sail(ms[1], 20*time.Second, 3*h, 2*time.Minute, geo.Destination(col, 90, 120), 0, 0.3)
	// one above the other across a row border, drifting east along it
	tl.sail(ms[2], 0, 3*h, 3*time.Minute, geo.Destination(row, 180, 100), 90, 0.2)
	tl.sail(ms[3], 40*time.Second, 3*h, time.Minute, geo.Destination(row, 0, 100), 90, 0.2)
	// either side of the antimeridian
	tl.sail(ms[4], 0, 3*h, 2*time.Minute, geo.Destination(anti, 270, 150), 0, 0.4)
	tl.sail(ms[5], 10*time.Second, 3*h, 2*time.Minute, geo.Destination(anti, 90, 150), 0, 0.4)
	for k := 0; k < 6; k += 2 {
		a, b := tl.ps[slices.IndexFunc(tl.ps, func(p vessel.Position) bool { return p.MMSI == ms[k] })],
			tl.ps[slices.IndexFunc(tl.ps, func(p vessel.Position) bool { return p.MMSI == ms[k+1] })]
		if math.Floor(a.Lat/cell) == math.Floor(b.Lat/cell) && math.Floor(geo.NormalizeLon(a.Lon)/cell) == math.Floor(geo.NormalizeLon(b.Lon)/cell) {
			t.Fatalf("vessels %d and %d start in the same cell", ms[k], ms[k+1])
		}
	}
	ps := tl.sorted()
	end := at(8 * h)
	cfg := event.Config{Preset: event.PresetGFW, Ports: testPort, Land: testLand(t)}
	want, _ := sequentialStats(t, cfg, ps, nil, end)
	for _, n := range []int{1, 2, 4} {
		got, _, err := event.Reprocess(context.Background(), cfg, ps, nil, end, event.ReprocessOptions{Workers: n, Run: parallel})
		if err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("%d workers", n)
		sameEvents(t, what, want, got)
		sameBytes(t, what, want, got)
		for k := 0; k < 6; k += 2 {
			found := 0
			for _, ev := range got {
				if ev.Type == event.Encounter && slices.Equal(ev.Vessels, []vessel.MMSI{ms[k], ms[k+1]}) {
					found++
				}
			}
			if found != 1 {
				t.Errorf("%s: the encounter of %d and %d found %d times; want once", what, ms[k], ms[k+1], found)
			}
		}
	}
}
