package event_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var updateState = flag.Bool("update-state", false, "write testdata/engine-state-vN.bin of the current version N (after a format change: bump stateVersion first; never rewrite an older version's)")

// stateCase is an engine configuration and input the state tests run.
type stateCase struct {
	name    string
	file    string
	cfg     func(t *testing.T) event.Config
	late    bool          // delay every 50th report past its vessel's next one (late data, replays)
	zonesAt float64       // change the zones at this fraction of the input (0: never)
	advance int           // Advance to the last report's time every this many reports (a live node's ticks)
	cuts    []float64     // where the state is saved, as fractions of the input
	wantEv  []string      // event types the uninterrupted run must raise (the test is about them)
	reorder time.Duration // Config.Reorder

	replayed bool // the run must replay late reports
	// restarted: the loading engine is given the anchorages the saved
	// one knew (Config.Anchorages), as a node restarting gives back
	// those it saved, learned ones among them; each cut must come after
	// an anchorage was learned
	restarted bool
}

func galveston(t *testing.T) []event.Zone {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "areas", "galveston-bay-north.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	feats, err := geo.ReadGeoJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return event.ZonesFromGeoJSON(feats)
}

func stateCases() []stateCase {
	return []stateCase{
		{
			name: "noaa", file: "noaa_us_coast_20220103.csv.gz", reorder: time.Minute, advance: 500,
			cfg: func(t *testing.T) event.Config {
				return event.Config{Ports: ports(), Land: testLand(t), Reorder: time.Minute, Zones: galveston(t)}
			},
			cuts:   []float64{0.1, 0.5, 0.99},
			wantEv: []string{event.PortVisit, event.ZoneEntry, event.Teleport},
		},
		{
			name: "noaa_late_replay_zones", file: "noaa_us_coast_20220103.csv.gz", late: true, zonesAt: 0.3, advance: 2000,
			cfg: func(t *testing.T) event.Config {
				return event.Config{Ports: ports(), Land: testLand(t), Replay: event.ReplayAlways}
			},
			cuts:     []float64{0.5},
			wantEv:   []string{event.ZoneEntry, event.PortVisit},
			replayed: true,
		},
		{
			name: "auckland", file: "auckland_hauraki_20170907_09.csv.gz", reorder: time.Minute, advance: 300,
			cfg: func(t *testing.T) event.Config {
				return event.Config{Ports: ports(), Land: testLand(t), Reorder: time.Minute, Preset: event.PresetSkylight}
			},
			cuts:   []float64{0.2, 0.5, 0.8},
			wantEv: []string{event.Encounter},
		},
		{
			// anchorages learned in the Hauraki Gulf's marinas before
			// the cuts (TestStateLearnedAnchorages)
			name: "auckland_learned", file: "auckland_hauraki_20170907_09.csv.gz", reorder: time.Minute, advance: 300,
			cfg: func(t *testing.T) event.Config {
				return event.Config{Ports: ports(), Land: testLand(t), Reorder: time.Minute}
			},
			cuts:      []float64{0.5, 0.9},
			wantEv:    []string{event.PortVisit},
			restarted: true,
		},
	}
}

// stateRun feeds ps[from:to] to e as a node does and appends every event
// it returns, each as one line of all its fields.
func stateRun(t *testing.T, e *event.Engine, c stateCase, zones []event.Zone, ps []vessel.Position, from, to int, out *[]string) {
	t.Helper()
	add := func(evs []event.Event) {
		for _, ev := range evs {
			*out = append(*out, fmt.Sprintf("%+v", ev))
		}
	}
	zi := int(c.zonesAt * float64(len(ps)))
	for i := from; i < to; i++ {
		if c.zonesAt > 0 && i == zi {
			evs, err := e.SetZones(zones, ps[i].Time)
			if err != nil {
				t.Fatal(err)
			}
			add(evs)
		}
		add(e.Observe(ps[i]))
		if c.advance > 0 && i%c.advance == c.advance-1 {
			add(e.Advance(ps[i].Time))
		}
	}
}

func statePositions(t *testing.T, c stateCase) ([]vessel.Position, []vessel.Static) {
	t.Helper()
	if !present(c.file) {
		t.Skipf("%s not present", c.file)
	}
	ps, statics := fusedPositions(t, c.file)
	if c.late {
		// every 50th report arrives after its vessel's next one (within
		// 20,000 reports)
		for i := 50; i < len(ps); i += 50 {
			for j := i + 1; j < min(len(ps), i+20000); j++ {
				if ps[j].MMSI == ps[i].MMSI {
					p := ps[i]
					copy(ps[i:j], ps[i+1:j+1])
					ps[j] = p
					break
				}
			}
		}
	}
	return ps, statics
}

// TestStateResumesRealData: an engine fed part of a real day, saved,
// loaded into a new engine and fed the rest emits exactly the events
// (ids, types, start, end, versions, measures, evidence) of one that
// never stopped; the saved engine itself goes on unchanged; a loaded
// engine saves the same bytes it was loaded from.
func TestStateResumesRealData(t *testing.T) {
	for _, c := range stateCases() {
		if !c.restarted {
			t.Run(c.name, func(t *testing.T) { stateResumes(t, c) })
		}
	}
}

// TestStateLearnedAnchorages: an engine that learned anchorages from a
// real feed (the Auckland days: marinas and anchorages in no port list)
// is saved, and a new engine given those anchorages (Config.Anchorages,
// as a restarted node gives back DATA/anchorages.bin) loads the state:
// learned anchorages are state, not configuration. It then knows the
// anchorages the saved one knew, each learned when it was (not from the
// start, as the given ones would be), and emits exactly the events of
// an engine that never stopped. Before, the number of anchorages given
// was part of the configuration's fingerprint: the state was refused
// (ErrStateConfig) and a restarted cluster node's detectors started
// empty.
func TestStateLearnedAnchorages(t *testing.T) {
	for _, c := range stateCases() {
		if c.restarted {
			t.Run(c.name, func(t *testing.T) { stateResumes(t, c) })
		}
	}
}

// stateResumes runs case c: the uninterrupted run, then for each cut a
// run saved there and loaded into a new engine.
func stateResumes(t *testing.T, c stateCase) {
	ps, statics := statePositions(t, c)
	zones := galveston(t)
	cfg := c.cfg(t)
	newEngine := func() *event.Engine {
		e, err := event.NewChecked(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range statics {
			e.ObserveStatic(s)
		}
		return e
	}
	end := ps[len(ps)-1].Time + 24*3600*1000
	var whole []string
	ref := newEngine()
	stateRun(t, ref, c, zones, ps, 0, len(ps), &whole)
	for _, ev := range ref.Flush(end) {
		whole = append(whole, fmt.Sprintf("%+v", ev))
	}
	counts := map[string]int{}
	for _, l := range whole {
		for _, typ := range event.Types() {
			if strings.Contains(l, " Type:"+typ+" ") {
				counts[typ]++
			}
		}
	}
	for _, typ := range c.wantEv {
		if counts[typ] == 0 {
			t.Fatalf("the uninterrupted run raised no %s (%v): the case tests nothing", typ, counts)
		}
	}
	t.Logf("%d positions, %d event versions %v; late %d, replayed %d", len(ps), len(whole), counts, ref.Stats().Late, ref.Stats().Replayed)
	if c.replayed && ref.Stats().Replayed == 0 {
		t.Fatal("no late report replayed: the case tests nothing")
	}
	for _, cut := range c.cuts {
		k := int(cut * float64(len(ps)))
		t.Run(fmt.Sprintf("cut%d", k), func(t *testing.T) {
			var got []string
			a := newEngine()
			stateRun(t, a, c, zones, ps, 0, k, &got)
			t0 := time.Now()
			st, err := a.AppendState(nil)
			if err != nil {
				t.Fatal(err)
			}
			saved := time.Since(t0)
			bcfg := cfg
			if c.restarted {
				bcfg.Anchorages = a.Anchorages()
				if len(bcfg.Anchorages) == 0 {
					t.Fatal("no anchorage learned before the cut: the case shows nothing")
				}
			}
			b, err := event.NewChecked(bcfg)
			if err != nil {
				t.Fatal(err)
			}
			t0 = time.Now()
			if err := b.LoadState(st); err != nil {
				t.Fatal(err)
			}
			if ka, kb := a.KnownAnchorages(), b.KnownAnchorages(); !slices.Equal(ka, kb) {
				t.Errorf("the loaded engine knows the anchorages\n%+v\nthe saved one\n%+v", kb, ka)
			}
			loaded := time.Since(t0)
			again, err := b.AppendState(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, st) {
				t.Errorf("a loaded engine saves %d bytes unlike the %d it was loaded from", len(again), len(st))
			}
			if sa, sb := a.Stats(), b.Stats(); fmt.Sprint(sa) != fmt.Sprint(sb) {
				t.Errorf("stats after loading\n%+v\nwant\n%+v", sb, sa)
			}
			t.Logf("state of %d bytes at report %d of %d (%d held, %d vessels, %d anchorages learned): saved in %v, loaded in %v", len(st), k, len(ps), a.Stats().Held, a.Stats().Vessels, a.Stats().Anchorages, saved, loaded)
			// the saved engine goes on as if not saved
			cont := slices.Clone(got)
			stateRun(t, a, c, zones, ps, k, len(ps), &cont)
			for _, ev := range a.Flush(end) {
				cont = append(cont, fmt.Sprintf("%+v", ev))
			}
			stateRun(t, b, c, zones, ps, k, len(ps), &got)
			for _, ev := range b.Flush(end) {
				got = append(got, fmt.Sprintf("%+v", ev))
			}
			if d := firstDiff(got, whole); d != "" {
				t.Errorf("loaded engine: %s", d)
			}
			if d := firstDiff(cont, whole); d != "" {
				t.Errorf("saved engine going on: %s", d)
			}
		})
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("event version %d of %d differs:\n got %s\nwant %s", i, len(want), got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("%d event versions, want %d", len(got), len(want))
	}
	return ""
}

// stateFixture is the frozen state of format version v
// (testdata/engine-state-v<v>.bin); stateFixtureV1 that of version 1.
func stateFixture(v int) string { return fmt.Sprintf("testdata/engine-state-v%d.bin", v) }

const stateFixtureV1 = "testdata/engine-state-v1.bin"

// fixtureEngine is the engine and input of the frozen state fixture: a
// small hand-made scenario with a held report, an open gap, an encounter,
// a zone and a port visit.
func fixtureEngine(t testing.TB) (*event.Engine, []vessel.Position) {
	t.Helper()
	return fixtureEngineWith(t, nil), fixturePositions()
}

// fixtureEngineWith is fixtureEngine's engine given the anchorages anch
// (Config.Anchorages).
func fixtureEngineWith(t testing.TB, anch []event.Anchorage) *event.Engine {
	t.Helper()
	e, err := event.NewChecked(event.Config{Preset: event.PresetSkylight, Zones: []event.Zone{fixtureZone()}, Reorder: time.Minute,
		Ports: []event.Port{{Name: "HARBOUR", Lat: 10.9, Lon: 10.9}}, Anchorages: anch})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fixtureZone is the fixture's zone, with properties of every JSON kind.
func fixtureZone() event.Zone {
	return event.Zone{Name: "box", Area: geo.MultiPolygon{{Outer: geo.Ring{{Lat: 10, Lon: 10}, {Lat: 10, Lon: 10.5}, {Lat: 10.5, Lon: 10.5}, {Lat: 10.5, Lon: 10}, {Lat: 10, Lon: 10}}}},
		Properties: map[string]any{"name": "box", "n": 2.0, "on": true, "tags": []any{"a"}, "sub": map[string]any{"k": "v"}}}
}

// fixturePositions: two vessels drifting together in the zone, a third
// stopped in port and then silent.
func fixturePositions() []vessel.Position {
	var ps []vessel.Position
	t0 := vessel.Time(1_700_000_000_000)
	for i := range 240 {
		at := t0 + vessel.Time(i)*60_000
		// two vessels drifting together in the zone, one going silent
		ps = append(ps, vessel.Position{MMSI: 211000001, Time: at, Lat: 10.2, Lon: 10.2 + float64(i)*1e-5, SOG: vessel.SpeedKnots(0.5), COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"},
			vessel.Position{MMSI: 211000002, Time: at + 1000, Lat: 10.201, Lon: 10.2 + float64(i)*1e-5, SOG: vessel.SpeedKnots(0.6), COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx2"})
		if i < 60 {
			ps = append(ps, vessel.Position{MMSI: 211000003, Time: at + 2000, Lat: 10.9, Lon: 10.9, SOG: vessel.SpeedKnots(0), COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx1"})
		}
	}
	return ps
}

// TestStateFixture opens the frozen state of every format version (1
// and 2) and checks that the engine it loads into goes on as the one
// that saved it did: loading a state written by earlier code keeps
// working (run with -update-state only after bumping the version: it
// writes the new version's file, never an older one's). Loaded into an
// engine given an anchorage (Config.Anchorages, as a restarted node gives
// back those it learned), the state loads too, and the anchorage is not
// known: the anchorages are the state's (the fixture's engine knew none),
// and the engine goes on exactly as the saved one; kept, the anchorage by
// the drifting pair would have changed its encounter.
func TestStateFixture(t *testing.T) {
	e, ps := fixtureEngine(t)
	half := len(ps) / 2
	var before []event.Event
	for _, p := range ps[:half] {
		before = append(before, e.Observe(p)...)
	}
	if len(before) == 0 {
		t.Fatal("the fixture's first half raised no event")
	}
	if *updateState {
		st, err := e.AppendState(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(stateFixture(event.StateVersion), st, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for _, p := range ps[half:] {
		for _, ev := range e.Observe(p) {
			want = append(want, fmt.Sprintf("%+v", ev))
		}
	}
	end := ps[len(ps)-1].Time + 3600_000
	for _, ev := range e.Flush(end) {
		want = append(want, fmt.Sprintf("%+v", ev))
	}
	if len(want) == 0 {
		t.Fatal("the fixture's second half raised no event")
	}
	given := []event.Anchorage{{Lat: 10.2005, Lon: 10.201, Vessels: 3}}
	for v := 1; v <= event.StateVersion; v++ {
		frozen, err := os.ReadFile(stateFixture(v))
		if err != nil {
			t.Fatal(err)
		}
		for _, anch := range [][]event.Anchorage{nil, given} {
			t.Run(fmt.Sprintf("v%d/given%d", v, len(anch)), func(t *testing.T) {
				l := fixtureEngineWith(t, anch)
				if err := l.LoadState(frozen); err != nil {
					t.Fatalf("LoadState(%s): %v", stateFixture(v), err)
				}
				if s := l.Stats(); s.Vessels != 3 || s.Held == 0 || s.Anchorages != 0 || len(l.KnownAnchorages()) != 0 {
					t.Fatalf("loaded fixture: %d vessels, %d held, %d anchorages %v; want 3, some held, none", s.Vessels, s.Held, s.Anchorages, l.KnownAnchorages())
				}
				var got []string
				for _, p := range ps[half:] {
					for _, ev := range l.Observe(p) {
						got = append(got, fmt.Sprintf("%+v", ev))
					}
				}
				for _, ev := range l.Flush(end) {
					got = append(got, fmt.Sprintf("%+v", ev))
				}
				if d := firstDiff(got, want); d != "" {
					t.Error(d)
				}
			})
		}
	}
	// the test shows something: the given anchorage changes the events
	g := fixtureEngineWith(t, given)
	var got []string
	for _, p := range ps {
		for _, ev := range g.Observe(p) {
			got = append(got, fmt.Sprintf("%+v", ev))
		}
	}
	for _, ev := range g.Flush(end) {
		got = append(got, fmt.Sprintf("%+v", ev))
	}
	var whole []string
	for _, ev := range before {
		whole = append(whole, fmt.Sprintf("%+v", ev))
	}
	if firstDiff(got, append(whole, want...)) == "" {
		t.Error("the fixture raises the same events with the anchorage given: the test shows nothing")
	}
}

// TestStateDamaged: a state cut short, with a flipped byte, of another
// version or configuration, or loaded into a used engine, is a clear
// typed error and leaves the engine as it was.
func TestStateDamaged(t *testing.T) {
	e, ps := fixtureEngine(t)
	for _, p := range ps[:200] {
		e.Observe(p)
	}
	st, err := e.AppendState(nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() *event.Engine { l, _ := fixtureEngine(t); return l }
	flip := func(i int) []byte { b := slices.Clone(st); b[i] ^= 0x40; return b }
	version := slices.Clone(st)
	version[6] = 9
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, event.ErrState},
		{"header only", st[:8], event.ErrState},
		{"cut in the body", st[:len(st)-10], event.ErrState},
		{"a byte changed in the body", flip(len(st) - 20), event.ErrState},
		{"a byte changed in the schema", flip(40), event.ErrState},
		{"magic", flip(0), event.ErrState},
		{"version", version, event.ErrStateVersion},
		{"trailing bytes", append(slices.Clone(st), 0), event.ErrState},
		{"event log", []byte(`{"id":"x"}` + "\n"), event.ErrState},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := fresh()
			err := l.LoadState(tc.b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("LoadState = %v; want %v", err, tc.want)
			}
			var se *event.StateError
			if !errors.As(err, &se) {
				t.Fatalf("LoadState = %T %v; want a *StateError", err, err)
			}
			if s := l.Stats(); s.Vessels != 0 || s.Held != 0 {
				t.Errorf("after the error the engine holds %d vessels", s.Vessels)
			}
		})
	}
	t.Run("other configuration", func(t *testing.T) {
		l := event.New(event.Config{Preset: event.PresetGFW, Reorder: time.Minute})
		if err := l.LoadState(st); !errors.Is(err, event.ErrStateConfig) {
			t.Fatalf("LoadState = %v; want ErrStateConfig", err)
		}
	})
	t.Run("version 1 without anchorages_given", func(t *testing.T) {
		v1 := slices.Clone(st)
		v1[6] = 1 // a version 2 fingerprint under a version 1 header
		if err := fresh().LoadState(v1); !errors.Is(err, event.ErrStateConfig) {
			t.Fatalf("LoadState = %v; want ErrStateConfig", err)
		}
	})
	t.Run("used engine", func(t *testing.T) {
		l := fresh()
		l.Observe(ps[0])
		if err := l.LoadState(st); !errors.Is(err, event.ErrStateUsed) {
			t.Fatalf("LoadState = %v; want ErrStateUsed", err)
		}
	})
}
