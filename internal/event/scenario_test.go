package event_test

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const h = time.Hour

// TestGap: a vessel silent for 8 hours while a neighbour 30 km away keeps
// reporting is a gap; a 4-hour silence is not; two vessels that fall
// silent together far from anyone (a coverage hole) are not.
func TestGap(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 2*h, 2*time.Minute, ocean, 0.1)                                // reports, then silent
	tl.stay(1, 10*h, 12*h, 2*time.Minute, geo.Destination(ocean, 90, 60e3), 0.1) // back, 60 km east
	tl.stay(2, 0, 12*h, 10*time.Minute, geo.Destination(ocean, 0, 30e3), 6)      // the neighbour
	// decoy: a short silence
	tl.stay(3, 0, 2*h, 2*time.Minute, geo.Destination(ocean, 180, 20e3), 3)
	tl.stay(3, 6*h, 12*h, 2*time.Minute, geo.Destination(ocean, 180, 20e3), 3)
	// decoy: a coverage hole: both vessels out there fall silent at once
	tl.stay(4, 0, 2*h, 2*time.Minute, farOcean, 5)
	tl.stay(5, 0, 2*h, 2*time.Minute, geo.Destination(farOcean, 0, 10e3), 5)
	tl.stay(4, 11*h, 12*h, 2*time.Minute, farOcean, 5)
	tl.stay(5, 11*h, 12*h, 2*time.Minute, geo.Destination(farOcean, 0, 10e3), 5)

	m, _ := final(t, newEngine(t, "gfw"), tl.sorted(), at(12*h))
	gaps := ofType(m, event.Gap)
	if len(gaps) != 1 {
		t.Fatalf("gaps = %v; want one, of vessel 1", gaps)
	}
	g := gaps[0]
	if g.Vessels[0] != 1 || g.Start != at(2*h) || g.End != at(10*h) {
		t.Errorf("gap = %v %v-%v; want vessel 1 from 02:00 to 10:00", g.Vessels, g.Start, g.End)
	}
	if d := g.Measures["distance_m"]; math.Abs(d-60e3) > 3e3 {
		t.Errorf("gap distance = %.0f m; want about 60 km", d)
	}
	if v := g.Measures["implied_speed_kn"]; v < 3.5 || v > 4.5 {
		t.Errorf("implied speed = %.2f kn; want about 4 (60 km in 8 h)", v)
	}
}

// TestGapOpensLive: fed live, the gap opens (End 0) when the silence
// reaches 6 hours and closes with the next report, same ID.
func TestGapOpensLive(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, h, 5*time.Minute, ocean, 5)
	tl.stay(2, 0, 9*h, 5*time.Minute, geo.Destination(ocean, 0, 5e3), 5)
	tl.stay(1, 8*h, 9*h, 5*time.Minute, ocean, 5)
	e := newEngine(t, "gfw")
	var opened *event.Event
	for _, p := range tl.sorted() {
		for _, ev := range append(e.Advance(p.Time-1), e.Observe(p)...) {
			if ev.Type == event.Gap && opened == nil {
				if !ev.Open() {
					t.Fatalf("first version of gap is closed: %+v", ev)
				}
				if p.Time < at(7*h) {
					t.Errorf("gap opened at %v, before 6 h of silence", p.Time)
				}
				opened = &ev
			} else if ev.Type == event.Gap {
				if ev.ID != opened.ID || ev.Version != 2 || ev.End != at(8*h) {
					t.Errorf("closing version = %+v; want same ID, version 2, end 08:00", ev)
				}
			}
		}
	}
	if opened == nil {
		t.Fatal("no gap opened")
	}
}

// TestLateReportSplitsGap: a report arriving late, inside a closed gap,
// re-evaluates it: cut into parts still 6 hours long, or retracted.
func TestLateReportSplitsGap(t *testing.T) {
	for _, tc := range []struct {
		name string
		late time.Duration // when the late report was made
		want [][2]time.Duration
	}{
		{"middle: both parts short", 5 * h, nil},
		{"early: the rest stays a gap", 2*h + 30*time.Minute, [][2]time.Duration{{2*h + 30*time.Minute, 10 * h}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tl timeline
			tl.stay(1, 0, 2*h, 5*time.Minute, ocean, 5)
			tl.stay(1, 10*h, 11*h, 5*time.Minute, ocean, 5)
			tl.stay(2, 0, 11*h, 5*time.Minute, geo.Destination(ocean, 0, 5e3), 5)
			ps := tl.sorted()
			ps = append(ps, pos(1, tc.late, ocean, 5)) // arrives after everything
			m, _ := final(t, newEngine(t, "gfw"), ps, at(11*h))
			gaps := ofType(m, event.Gap)
			if len(gaps) != len(tc.want) {
				t.Fatalf("gaps = %+v; want %d", gaps, len(tc.want))
			}
			for i, w := range tc.want {
				if gaps[i].Start != at(w[0]) || gaps[i].End != at(w[1]) || gaps[i].Version != 3 {
					t.Errorf("gap %d = %v-%v v%d; want %v-%v v3", i, gaps[i].Start, gaps[i].End, gaps[i].Version, at(w[0]), at(w[1]))
				}
			}
			if len(m) != 1 {
				t.Errorf("%d events; the late report must revise the gap, not add one: %v", len(m), m)
			}
		})
	}
}

// TestEncounter: two vessels drifting together for 3 hours far from ports
// are an encounter; ships crossing at speed, a 1-hour meeting and two
// vessels at anchor together in port are not.
func TestEncounter(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 3*h, time.Minute, ocean, 0.5)
	tl.stay(2, 30*time.Second, 3*h, 3*time.Minute, geo.Destination(ocean, 90, 150), 0.5)
	// decoy: crossing at 12 knots, passing 100 m apart
	cross := geo.Destination(ocean, 0, 30e3)
	tl.sail(3, 0, 2*h, 10*time.Second, geo.Destination(cross, 270, 12*1852), 90, 12)
	tl.sail(4, 0, 2*h, 10*time.Second, geo.Destination(geo.Destination(cross, 180, 12*1852), 90, 100), 0, 12)
	// decoy: a short meeting
	short := geo.Destination(ocean, 180, 30e3)
	tl.stay(5, 0, h, time.Minute, short, 0.3)
	tl.stay(6, 0, h, time.Minute, geo.Destination(short, 0, 100), 0.3)
	// decoy: two vessels at anchor side by side in port
	tl.stay(7, 0, 5*h, 3*time.Minute, geo.Destination(harbour, 0, 1000), 0)
	tl.stay(8, 0, 5*h, 3*time.Minute, geo.Destination(harbour, 0, 1200), 0)

	m, _ := final(t, newEngine(t, "gfw"), tl.sorted(), at(9*h))
	enc := ofType(m, event.Encounter)
	if len(enc) != 1 {
		t.Fatalf("encounters = %+v; want one, of vessels 1 and 2", enc)
	}
	ev := enc[0]
	if ev.Vessels[0] != 1 || ev.Vessels[1] != 2 {
		t.Errorf("vessels = %v; want [1 2]", ev.Vessels)
	}
	if ev.Start > at(2*time.Minute) || ev.End < at(3*h-3*time.Minute) || ev.Open() {
		t.Errorf("encounter %v-%v; want about 00:00-03:00, closed", ev.Start, ev.End)
	}
	if geo.Distance(geo.Point{Lat: ev.Lat, Lon: ev.Lon}, ocean) > 2000 {
		t.Errorf("encounter at %v,%v; want near %v", ev.Lat, ev.Lon, ocean)
	}
	if ev.Measures["median_speed_kn"] != 0.5 {
		t.Errorf("median speed = %v; want 0.5", ev.Measures["median_speed_kn"])
	}
	// the skylight preset (250 m, 30 minutes) also takes the short meeting
	m, _ = final(t, newEngine(t, "skylight"), tl.sorted(), at(5*h))
	if enc := ofType(m, event.Encounter); len(enc) != 2 {
		t.Errorf("skylight encounters = %d; want 2 (the long and the short meeting)", len(enc))
	}
}

// TestLoitering: a vessel drifting for 2 hours far out at sea loiters;
// a 30-minute stop, a vessel at anchor in port and a vessel waiting 5 km
// off a coast (closer than GFW's 20 nautical miles) do not.
func TestLoitering(t *testing.T) {
	l := testLand(t)
	coast := geo.Point{Lat: 24, Lon: -17}
	for !l.OnLand(coast) {
		coast.Lon += 0.01
	}
	offCoast := geo.Destination(coast, 270, 5e3)

	var tl timeline
	tl.stay(1, 0, 2*h, time.Minute, ocean, 0.8)
	tl.stay(2, 0, 30*time.Minute, time.Minute, geo.Destination(ocean, 0, 50e3), 0.5)     // short stop...
	tl.sail(2, 31*time.Minute, 2*h, time.Minute, geo.Destination(ocean, 0, 50e3), 0, 10) // ...then on
	tl.stay(3, 0, 5*h, 3*time.Minute, geo.Destination(harbour, 90, 500), 0)              // at anchor in port
	tl.stay(4, 0, 3*h, 3*time.Minute, offCoast, 0.5)                                     // near the coast

	m, _ := final(t, newEngine(t, "gfw"), tl.sorted(), at(5*h))
	lo := ofType(m, event.Loitering)
	if len(lo) != 1 || lo[0].Vessels[0] != 1 {
		t.Fatalf("loitering = %+v; want one, vessel 1", lo)
	}
	if lo[0].Start != at(0) || lo[0].End != at(2*h) {
		t.Errorf("loitering %v-%v; want 00:00-02:00", lo[0].Start, lo[0].End)
	}
	if v := lo[0].Measures["average_speed_kn"]; math.Abs(v-0.8) > 0.05 {
		t.Errorf("average speed %v; want 0.8", v)
	}
	// without the shore rule (skylight) the vessel off the coast loiters
	// too; the one at anchor in port still does not
	m, _ = final(t, newEngine(t, "skylight"), tl.sorted(), at(5*h))
	got := map[vessel.MMSI]bool{}
	for _, ev := range ofType(m, event.Loitering) {
		got[ev.Vessels[0]] = true
	}
	if !got[1] || !got[2] || !got[4] || got[3] {
		t.Errorf("skylight loitering vessels = %v; want 1, 2 (15 minutes is enough) and 4, not 3", got)
	}
}

// square returns a zone: a box of side 2·r metres around c.
func square(name string, c geo.Point, r float64) event.Zone {
	b := geo.RectAround(c, r)
	ring := geo.Ring{{Lat: b.MinLat, Lon: b.MinLon}, {Lat: b.MinLat, Lon: b.MaxLon}, {Lat: b.MaxLat, Lon: b.MaxLon}, {Lat: b.MaxLat, Lon: b.MinLon}, {Lat: b.MinLat, Lon: b.MinLon}}
	return event.Zone{Name: name, Area: geo.MultiPolygon{{Outer: ring}}}
}

// TestZones: a vessel crossing a zone enters (the entry event lasts the
// dwell time) and exits; a vessel first heard inside enters at its first
// report; a vessel passing outside does nothing.
func TestZones(t *testing.T) {
	zone := square("box", ocean, 10e3)
	var tl timeline
	tl.sail(1, 0, 3*h, time.Minute, geo.Destination(ocean, 270, 20e3), 90, 10) // 37 km west to east
	tl.stay(2, 0, h, time.Minute, ocean, 0)
	tl.sail(3, 0, 3*h, time.Minute, geo.Destination(ocean, 0, 15e3), 90, 10)

	m, _ := final(t, newEngine(t, "gfw", zone), tl.sorted(), at(3*h))
	entries, exits := ofType(m, event.ZoneEntry), ofType(m, event.ZoneExit)
	if len(entries) != 2 || len(exits) != 1 {
		t.Fatalf("entries %v, exits %v; want 2 and 1", entries, exits)
	}
	for _, ev := range entries {
		if ev.Zone != "box" {
			t.Errorf("zone = %q", ev.Zone)
		}
		switch ev.Vessels[0] {
		case 1:
			// enters after 10 km at 10 kn (32 min), leaves after 30 km (97 min)
			if d := ev.Duration(); d < 60*time.Minute || d > 70*time.Minute {
				t.Errorf("dwell = %v; want about 65 minutes", d)
			}
		case 2:
			if !ev.Open() || ev.Measures["first_report"] != 1 {
				t.Errorf("vessel 2 entry = %+v; want open, first report", ev)
			}
		}
	}
	if exits[0].Vessels[0] != 1 || exits[0].Measures["dwell_s"] < 3600 {
		t.Errorf("exit = %+v", exits[0])
	}
}

// TestTeleport: one report 200 km off the track is a teleport; a vessel
// that reappears 100 km away after 10 hours of silence is not.
func TestTeleport(t *testing.T) {
	var tl timeline
	tl.sail(1, 0, 2*h, time.Minute, ocean, 90, 10)
	tl.ps = append(tl.ps, pos(1, h+30*time.Second, geo.Destination(ocean, 0, 200e3), 10))
	tl.stay(2, 0, h, time.Minute, farOcean, 5)
	tl.stay(2, 11*h, 12*h, time.Minute, geo.Destination(farOcean, 90, 100e3), 5)

	m, _ := final(t, newEngine(t, "gfw"), tl.sorted(), at(12*h))
	tp := ofType(m, event.Teleport)
	if len(tp) != 1 || tp[0].Vessels[0] != 1 {
		t.Fatalf("teleports = %+v; want one, vessel 1", tp)
	}
	if v := tp[0].Measures["implied_speed_kn"]; v < 10000 {
		t.Errorf("implied speed = %v kn; want > 10000 (200 km in 30 s)", v)
	}
	if len(ofType(m, event.IdentityConflict)) != 0 {
		t.Errorf("a single bad fix is not an identity conflict")
	}
}

// TestIdentityConflict: two transmitters with one MMSI, 100 km apart,
// reporting in turn, are an identity conflict; the teleport raised by the
// second one's first report is retracted.
func TestIdentityConflict(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 2*h, 2*time.Minute, ocean, 6)
	tl.stay(1, time.Minute, h, 2*time.Minute, geo.Destination(ocean, 90, 100e3), 6)
	m, all := final(t, newEngine(t, "gfw"), tl.sorted(), at(6*h))
	ic := ofType(m, event.IdentityConflict)
	if len(ic) != 1 {
		t.Fatalf("identity conflicts = %+v; want one", ic)
	}
	if ic[0].Start != at(time.Minute) || ic[0].End != at(59*time.Minute) {
		t.Errorf("conflict %v-%v; want 00:01-00:59", ic[0].Start, ic[0].End)
	}
	if len(ofType(m, event.Teleport)) != 0 {
		t.Errorf("teleports remain: %+v", ofType(m, event.Teleport))
	}
	retracted := 0
	for _, ev := range all {
		if ev.Type == event.Teleport && ev.Retracted {
			retracted++
		}
	}
	if retracted != 1 {
		t.Errorf("retracted teleports = %d; want 1", retracted)
	}
}

// TestPortVisit: a vessel that comes in, stops 4 hours and leaves visits
// the port; one passing through at speed and one stopping for an hour do
// not.
func TestPortVisit(t *testing.T) {
	var tl timeline
	out := geo.Destination(harbour, 180, 20e3)
	tl.sail(1, 0, 55*time.Minute, time.Minute, out, 0, 11)                       // in (19 km)
	tl.stay(1, h, 5*h, 3*time.Minute, geo.Destination(harbour, 180, 500), 0)     // stop
	tl.sail(1, 5*h+3*time.Minute, 6*h, time.Minute, harbour, 180, 11)            // out
	tl.sail(2, 0, 3*h, time.Minute, geo.Destination(harbour, 270, 15e3), 90, 12) // through
	tl.stay(3, 0, h, 3*time.Minute, geo.Destination(harbour, 0, 300), 0)         // short stop...
	tl.sail(3, h+time.Minute, 3*h, time.Minute, harbour, 0, 10)                  // ...then away

	m, _ := final(t, newEngine(t, "gfw"), tl.sorted(), at(6*h))
	pv := ofType(m, event.PortVisit)
	if len(pv) != 1 || pv[0].Vessels[0] != 1 {
		t.Fatalf("port visits = %+v; want one, vessel 1", pv)
	}
	if pv[0].Zone != "TESTPORT" || pv[0].Open() {
		t.Errorf("visit = %+v; want TESTPORT, closed", pv[0])
	}
	if d := pv[0].Duration(); d < 4*h || d > 5*h {
		t.Errorf("visit lasted %v; want between 4 and 5 h (entry at 3 km, exit at 4 km)", d)
	}
}

// TestBatchLiveEquivalence: the same positions fed as one batch, or as a
// live feed with Advance called every few minutes of data time, give the
// same final events.
func TestBatchLiveEquivalence(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 3*h, time.Minute, ocean, 0.5)
	tl.stay(2, 30*time.Second, 3*h, 3*time.Minute, geo.Destination(ocean, 90, 150), 0.5)
	tl.stay(2, 10*h, 11*h, 3*time.Minute, geo.Destination(ocean, 90, 150), 0.5)
	tl.stay(3, 0, 12*h, 10*time.Minute, geo.Destination(ocean, 0, 30e3), 6)
	tl.sail(4, 0, 12*h, time.Minute, geo.Destination(ocean, 270, 20e3), 90, 3)
	zone := square("box", ocean, 10e3)
	ps := tl.sorted()

	batch, _ := final(t, newEngine(t, "gfw", zone), ps, at(12*h))
	live := newEngine(t, "gfw", zone)
	var all []event.Event
	next := ps[0].Time
	for _, p := range ps {
		for next < p.Time {
			all = append(all, live.Advance(next)...)
			next += 7 * 60 * 1000
		}
		all = append(all, live.Observe(p)...)
	}
	all = append(all, live.Flush(at(12*h))...)
	compareFinal(t, batch, latest(t, all))
	if len(batch) < 5 {
		t.Errorf("only %d events: the scenario should have gaps, encounters, loitering and zones", len(batch))
	}
}

func compareFinal(t *testing.T, a, b map[string]event.Event) {
	t.Helper()
	for id, ev := range a {
		other, ok := b[id]
		if !ok {
			t.Errorf("event %s only in the first run: %+v", id, ev)
			continue
		}
		ev.Version, other.Version = 0, 0
		ja, _ := json.Marshal(ev)
		jb, _ := json.Marshal(other)
		if string(ja) != string(jb) {
			t.Errorf("event %s differs:\n%s\n%s", id, ja, jb)
		}
	}
	for id := range b {
		if _, ok := a[id]; !ok {
			t.Errorf("event %s only in the second run: %+v", id, b[id])
		}
	}
}

// TestJSON: the JSON form has the keys the CLI and API promise and reads
// back.
func TestJSON(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 2*h, time.Minute, ocean, 0.8)
	m, _ := final(t, newEngine(t, "gfw"), tl.sorted(), at(5*h))
	ev := ofType(m, event.Loitering)[0]
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "type", "start", "end", "vessels", "lat", "lon", "zone", "preset", "version", "params", "measures", "evidence"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("key %q missing from %s", k, b)
		}
	}
	if raw["start"] != "2024-05-01T00:00:00Z" || raw["end"] != "2024-05-01T02:00:00Z" || raw["type"] != "loitering" {
		t.Errorf("JSON = %s", b)
	}
	var back event.Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip:\n%s\n%s", b, b2)
	}
	ev.End = 0
	b, _ = json.Marshal(ev)
	if json.Unmarshal(b, &raw); raw["end"] != nil {
		t.Errorf("open event end = %v; want null", raw["end"])
	}
}

// TestParseParams: a JSON config overrides only the keys it has.
func TestParseParams(t *testing.T) {
	p, preset, err := event.ParseParams("gfw", []byte(`{"loitering":{"min_shore_distance_m":0},"gap":{"min_duration":"12h"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if preset != "gfw" || p.Loitering.MinShoreDistance != 0 || p.Loitering.MaxSpeed != 2 || p.Gap.MinDuration != event.Duration(12*h) {
		t.Errorf("params = %+v", p)
	}
	if _, _, err := event.ParseParams("gfw", []byte(`{"gap":{"min_duraton":"12h"}}`)); err == nil {
		t.Error("unknown key accepted")
	}
	p, preset, err = event.ParseParams("gfw", []byte(`{"preset":"skylight"}`))
	if err != nil || preset != "skylight" || p.Encounter.MaxDistance != 250 {
		t.Errorf("preset from the document: %v %v %v", preset, p.Encounter.MaxDistance, err)
	}
}

// TestEncounterOutlier: one noisy fix of a vessel 2 km off in the middle
// of a 3-hour encounter does not split it (MaxOutliers 1, both presets);
// with MaxOutliers 0 and no smoothing it does; a real separation still
// ends it, at the last common time within the distance.
func TestEncounterOutlier(t *testing.T) {
	meet := func(leave bool) []vessel.Position {
		var tl timeline
		tl.stay(1, 0, 3*h, time.Minute, ocean, 0.5)
		if leave { // vessel 2 sails away at 02:00
			tl.stay(2, 30*time.Second, 2*h, 3*time.Minute, geo.Destination(ocean, 90, 150), 0.5)
			tl.sail(2, 2*h+3*time.Minute, 3*h, 3*time.Minute, geo.Destination(ocean, 90, 150), 90, 10)
		} else {
			tl.stay(2, 30*time.Second, 3*h, 3*time.Minute, geo.Destination(ocean, 90, 150), 0.5)
		}
		ps := tl.sorted()
		for i, p := range ps {
			if p.MMSI == 1 && p.Time == at(90*time.Minute) {
				q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, 0, 2000)
				ps[i].Lat, ps[i].Lon = q.Lat, q.Lon
			}
		}
		return ps
	}
	strict, _ := event.Preset("skylight") // 30 minutes make an encounter
	strict.Encounter.MaxOutliers = 0
	strict.Encounter.SmoothWindow = 1 // each distance as it is
	strict.Encounter.Grace = 0
	for _, tc := range []struct {
		name   string
		params *event.Params
		preset string
		leave  bool
		want   [][2]time.Duration // encounters, start and end within 5 minutes
	}{
		{"gfw tolerates the outlier", nil, "gfw", false, [][2]time.Duration{{0, 3 * h}}},
		{"skylight tolerates the outlier", nil, "skylight", false, [][2]time.Duration{{0, 3 * h}}},
		{"max_outliers 0 splits", &strict, "", false, [][2]time.Duration{{0, 90 * time.Minute}, {90 * time.Minute, 3 * h}}},
		{"a separation ends it", nil, "gfw", true, [][2]time.Duration{{0, 2 * h}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := event.NewChecked(event.Config{Preset: tc.preset, Params: tc.params, Ports: testPort})
			if err != nil {
				t.Fatal(err)
			}
			m, _ := final(t, e, meet(tc.leave), at(7*h)) // 3 h of silence end it
			enc := ofType(m, event.Encounter)
			slices.SortFunc(enc, func(a, b event.Event) int { return cmp.Compare(a.Start, b.Start) })
			if len(enc) != len(tc.want) {
				t.Fatalf("encounters %d; want %d: %+v", len(enc), len(tc.want), enc)
			}
			for i, w := range tc.want {
				if d := enc[i].Start - at(w[0]); d < -5*minute || d > 5*minute {
					t.Errorf("encounter %d starts %v; want about %v", i, enc[i].Start, at(w[0]))
				}
				if d := enc[i].End - at(w[1]); d < -5*minute || d > 5*minute {
					t.Errorf("encounter %d ends %v; want about %v", i, enc[i].End, at(w[1]))
				}
			}
		})
	}
}

const minute = vessel.Time(60 * 1000)
