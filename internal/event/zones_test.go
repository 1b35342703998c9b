package event_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// zoneRun feeds ps up to time swap, calls SetZones(zones, swap), feeds the
// rest and flushes at end. It returns the events of the swap and the
// final events by ID.
func zoneRun(t *testing.T, e *event.Engine, ps []vessel.Position, swap vessel.Time, zones []event.Zone, end vessel.Time) ([]event.Event, map[string]event.Event) {
	t.Helper()
	var all, swapped []event.Event
	done := false
	for _, p := range ps {
		if !done && p.Time > swap {
			evs, err := e.SetZones(zones, swap)
			if err != nil {
				t.Fatal(err)
			}
			swapped, done = evs, true
			all = append(all, evs...)
		}
		all = append(all, e.Observe(p)...)
	}
	all = append(all, e.Flush(end)...)
	return swapped, latest(t, all)
}

// TestSetZones: zones swapped at run time keep what did not change.
//
// Vessel 1 stays at the centre of the box, vessel 2 stays 8 km east of
// the centre (inside the 10 km box, outside a 5 km one), vessel 3 sails
// east through where a new zone will be.
func TestSetZones(t *testing.T) {
	box := square("box", ocean, 10e3)
	small := square("box", ocean, 5e3)
	east := geo.Destination(ocean, 90, 8e3)
	newZone := square("new", geo.Destination(ocean, 0, 40e3), 10e3)
	var tl timeline
	tl.stay(1, 0, 4*h, 5*time.Minute, ocean, 0)
	tl.stay(2, 0, 4*h, 5*time.Minute, east, 0)
	tl.stay(3, 0, 4*h, 5*time.Minute, geo.Destination(ocean, 0, 40e3), 0)
	ps := tl.sorted()
	swap := at(2*h + time.Minute)
	end := at(4 * h)

	withProps := box
	withProps.Properties = map[string]any{"colour": "red"}

	for _, tc := range []struct {
		name    string
		zones   []event.Zone
		swapped map[vessel.MMSI][]string // events of the swap per vessel: type+mark
		// final zone_entry per vessel: open, or closed at the swap
		open, closed []vessel.MMSI
		// vessels with a zone_entry of the new zone, starting at their
		// first report after the swap
		entered []vessel.MMSI
	}{
		{name: "unchanged", zones: []event.Zone{withProps}, open: []vessel.MMSI{1, 2}},
		{name: "removed", zones: nil,
			swapped: map[vessel.MMSI][]string{1: {"zone_entry zone_removed", "zone_exit zone_removed"}, 2: {"zone_entry zone_removed", "zone_exit zone_removed"}},
			closed:  []vessel.MMSI{1, 2}},
		{name: "shrunk", zones: []event.Zone{small},
			swapped: map[vessel.MMSI][]string{2: {"zone_entry zone_changed", "zone_exit zone_changed"}},
			open:    []vessel.MMSI{1}, closed: []vessel.MMSI{2}},
		{name: "added", zones: []event.Zone{box, newZone}, open: []vessel.MMSI{1, 2}, entered: []vessel.MMSI{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, "gfw", box)
			swapped, m := zoneRun(t, e, ps, swap, tc.zones, end)
			got := map[vessel.MMSI][]string{}
			for _, ev := range swapped {
				mark := ""
				for _, k := range []string{"zone_removed", "zone_changed"} {
					if ev.Measures[k] == 1 {
						mark = k
					}
				}
				if ev.End != swap {
					t.Errorf("swap event %s ends %v; want the swap time %v", ev.ID, ev.End, swap)
				}
				got[ev.Vessels[0]] = append(got[ev.Vessels[0]], ev.Type+" "+mark)
			}
			if len(got) != len(tc.swapped) {
				t.Errorf("swap events %v; want %v", got, tc.swapped)
			}
			for v, want := range tc.swapped {
				if !slices.Equal(got[v], want) {
					t.Errorf("vessel %d swap events %v; want %v", v, got[v], want)
				}
			}
			entries := map[vessel.MMSI][]event.Event{}
			for _, ev := range ofType(m, event.ZoneEntry) {
				entries[ev.Vessels[0]] = append(entries[ev.Vessels[0]], ev)
			}
			for _, v := range tc.open {
				es := entries[v]
				if len(es) < 1 || es[0].Zone != "box" || !es[0].Open() || es[0].Start != at(0) {
					t.Errorf("vessel %d box entries %+v; want one, open since 00:00", v, es)
				}
			}
			for _, v := range tc.closed {
				es := entries[v]
				if len(es) != 1 || es[0].End != swap || es[0].Start != at(0) {
					t.Errorf("vessel %d entries %+v; want one, closed at the swap", v, es)
				}
				if es := ofType(m, event.ZoneExit); len(es) == 0 {
					t.Errorf("no zone exits")
				}
			}
			for _, v := range tc.entered {
				es := entries[v]
				if len(es) != 1 || es[0].Zone != "new" || es[0].Start != at(2*h+5*time.Minute) || es[0].Measures["first_report"] == 1 {
					t.Errorf("vessel %d entries %+v; want one of zone new at 02:05, its first report after the swap", v, es)
				}
			}
			if got := e.Zones(); len(got) != len(tc.zones) {
				t.Errorf("Zones() = %d zones; want %d", len(got), len(tc.zones))
			}
			// nothing else happened: box exits only when the swap made them
			for _, ev := range ofType(m, event.ZoneExit) {
				if ev.End != swap {
					t.Errorf("exit %+v not made by the swap", ev)
				}
			}
		})
	}
}

// TestSetZonesEmptyAndDisabled: an engine created without zones takes
// zones at run time; one with zone events switched off only stores them;
// an invalid zone leaves the engine unchanged.
func TestSetZonesEmptyAndDisabled(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 2*h, 5*time.Minute, ocean, 0)
	ps := tl.sorted()
	swap := at(h)
	box := square("box", ocean, 10e3)

	e := newEngine(t, "gfw")
	_, m := zoneRun(t, e, ps, swap, []event.Zone{box}, at(2*h))
	es := ofType(m, event.ZoneEntry)
	if len(es) != 1 || es[0].Start != at(h+5*time.Minute) || !es[0].Open() {
		t.Errorf("entries %+v; want one, open, from 01:05 (the first report after the swap)", es)
	}

	p, _ := event.Preset("gfw")
	p.Zone.Enabled = false
	off, err := event.NewChecked(event.Config{Params: &p})
	if err != nil {
		t.Fatal(err)
	}
	_, m = zoneRun(t, off, ps, swap, []event.Zone{box}, at(2*h))
	if es := ofType(m, event.ZoneEntry); len(es) != 0 {
		t.Errorf("zones switched off, entries %+v", es)
	}
	if z := off.Zones(); len(z) != 1 || z[0].Name != "box" {
		t.Errorf("Zones() = %+v; want the box, stored", z)
	}

	e = newEngine(t, "gfw", box)
	for _, p := range ps[:5] {
		e.Observe(p)
	}
	bad := event.Zone{Name: "bad", Area: geo.MultiPolygon{{Outer: geo.Ring{{Lat: 200, Lon: 0}, {Lat: 201, Lon: 1}, {Lat: 200, Lon: 1}, {Lat: 200, Lon: 0}}}}}
	evs, err := e.SetZones([]event.Zone{bad}, at(30*time.Minute))
	if err == nil || !errors.Is(err, geo.ErrInvalidGeometry) || len(evs) != 0 {
		t.Fatalf("SetZones(invalid) = %v, %v; want ErrInvalidGeometry and no events", evs, err)
	}
	if z := e.Zones(); len(z) != 1 || z[0].Name != "box" {
		t.Errorf("after a failed SetZones, Zones() = %+v; want the box", z)
	}
	for _, p := range ps[5:] {
		for _, ev := range e.Observe(p) {
			if ev.Type == event.ZoneEntry || ev.Type == event.ZoneExit {
				t.Errorf("after a failed SetZones the vessel inside made zone events: %+v", ev)
			}
		}
	}
}

// TestOriginJSON: Origin is "origin" in JSON, left out when empty, and
// reads back.
func TestOriginJSON(t *testing.T) {
	ev := event.Event{ID: "gap-1-0", Type: event.Gap, Start: at(0), Vessels: []vessel.MMSI{1}, Version: 1}
	b, _ := json.Marshal(ev)
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["origin"]; ok {
		t.Errorf("local event has an origin: %s", b)
	}
	ev.Origin = "node-b"
	b, _ = json.Marshal(ev)
	json.Unmarshal(b, &raw)
	if raw["origin"] != "node-b" {
		t.Errorf("origin = %v in %s; want node-b", raw["origin"], b)
	}
	var back event.Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Origin != "node-b" {
		t.Errorf("read back origin %q", back.Origin)
	}
}

// TestForget: vessels silent for Config.Forget are dropped; one that
// went dark with a gap open closes it when it comes back, with the right
// start and end, and what it left open in a zone closes at its last
// report.
func TestForget(t *testing.T) {
	var tl timeline
	for i := range 500 { // transient traffic: an hour each, then gone
		tl.sail(vessel.MMSI(1000+i), time.Duration(i)*time.Minute, time.Duration(i)*time.Minute+h, 10*time.Minute,
			geo.Destination(farOcean, float64(i%360), 20e3), 90, 10)
	}
	tl.stay(1, 0, 2*h, 5*time.Minute, ocean, 0.1)                           // goes dark inside the box
	tl.stay(2, 0, 12*h, 10*time.Minute, geo.Destination(ocean, 0, 30e3), 6) // the neighbour: coverage
	box := square("box", ocean, 10e3)
	e := newEngine(t, "gfw", box)
	var all []event.Event
	for _, p := range tl.sorted() {
		all = append(all, e.Observe(p)...)
	}
	if st := e.Stats(); st.Vessels != 502 {
		t.Fatalf("followed %d vessels; want 502", st.Vessels)
	}
	all = append(all, e.Advance(at(100*h))...)
	open := 0 // vessels gone dark with a gap open, kept dormant
	for _, g := range ofType(latest(t, all), event.Gap) {
		if g.Open() {
			open++
		}
	}
	st := e.Stats()
	if st.Vessels != 0 || st.Evicted != 502 || st.Dormant != open || open < 1 {
		t.Errorf("after 100 h: %d vessels, %d evicted, %d dormant; want 0, 502, %d (those with an open gap)", st.Vessels, st.Evicted, st.Dormant, open)
	}
	back := pos(1, 101*h, geo.Destination(ocean, 90, 60e3), 5)
	all = append(all, e.Observe(back)...)
	all = append(all, e.Flush(at(101*h))...)
	m := latest(t, all)
	var gaps []event.Event
	for _, g := range ofType(m, event.Gap) {
		if g.Vessels[0] == 1 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) != 1 || gaps[0].Start != at(2*h) || gaps[0].End != at(101*h) || gaps[0].Version != 2 {
		t.Fatalf("vessel 1 gaps %+v; want one, 02:00 to 101:00, version 2", gaps)
	}
	if d := gaps[0].Measures["distance_m"]; d < 55e3 || d > 65e3 {
		t.Errorf("gap distance %.0f m; want about 60 km", d)
	}
	entries := ofType(m, event.ZoneEntry)
	if len(entries) != 1 || entries[0].End != at(2*h) || entries[0].Measures["vessel_forgotten"] != 1 {
		t.Errorf("zone entries %+v; want vessel 1's, closed at its last report, forgotten", entries)
	}
	if st := e.Stats(); st.Vessels != 1 || st.Dormant != open-1 {
		t.Errorf("after the return: %d vessels, %d dormant; want 1, %d", st.Vessels, st.Dormant, open-1)
	}
	// dormant vessels are dropped after 10 × Forget
	e.Advance(at(101*h + 10*72*h))
	if st := e.Stats(); st.Dormant != 0 {
		t.Errorf("after 10 × Forget: %d dormant; want 0", st.Dormant)
	}

	// negative: never forget
	keep, err := event.NewChecked(event.Config{Forget: -1})
	if err != nil {
		t.Fatal(err)
	}
	keep.Observe(pos(5, 0, ocean, 3))
	keep.Advance(at(1000 * h))
	if st := keep.Stats(); st.Vessels != 1 || st.Evicted != 0 {
		t.Errorf("Forget -1: %d vessels, %d evicted; want 1, 0", st.Vessels, st.Evicted)
	}
	if _, err := event.NewChecked(event.Config{Forget: time.Hour}); !errors.Is(err, event.ErrConfig) {
		t.Errorf("Forget shorter than the gap: err %v; want ErrConfig", err)
	}
}
