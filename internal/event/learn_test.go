package event_test

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestLearnedAnchorage: three vessels stopping in one place in no port
// list make it an anchorage; two vessels moored side by side there next
// day, a loitering vessel and a vessel switching off there raise
// nothing, as a new engine given the saved anchorages knows it from the
// start; an engine neither given nor learning it raises all three. Two vessels stopping elsewhere teach nothing (MinVessels 3).
func TestLearnedAnchorage(t *testing.T) {
	place := ocean
	var day1 timeline
	for i := range 3 {
		day1.stay(vessel.MMSI(10+i), time.Duration(i)*h, time.Duration(i)*h+2*h, 3*time.Minute, geo.Destination(place, float64(i)*120, 200), 0)
	}
	other := geo.Destination(ocean, 90, 50e3)
	day1.stay(20, 0, 3*h, 3*time.Minute, other, 0)
	day1.stay(21, 0, 3*h, 3*time.Minute, geo.Destination(other, 0, 100), 0)
	e := event.New(event.Config{Ports: testPort, Land: testLand(t)})
	final(t, e, day1.sorted(), at(6*h))
	as := e.Anchorages()
	if len(as) == 0 {
		t.Fatal("no anchorage learned from three vessels stopped in one place")
	}
	for _, a := range as {
		if d := geo.Distance(geo.Point{Lat: a.Lat, Lon: a.Lon}, place); d > 2e3 {
			t.Errorf("anchorage at %.4f,%.4f, %.0f m from where the vessels stopped", a.Lat, a.Lon, d)
		}
		if a.Vessels < 3 {
			t.Errorf("anchorage of %d vessels; want 3", a.Vessels)
		}
	}
	// KnownAnchorages keeps when each was learned: after the third vessel
	// had stopped 30 min (from 02:00), before the end of the day's data.
	known := e.KnownAnchorages()
	if len(known) != len(as) {
		t.Fatalf("%d known anchorages; %d saved", len(known), len(as))
	}
	for i, a := range known {
		if a.Lat != as[i].Lat || a.Lon != as[i].Lon || a.Since < at(2*h+30*time.Minute) || a.Since > at(5*h) {
			t.Errorf("known anchorage %+v; want %+v learned between 02:30 and 05:00", a, as[i])
		}
	}

	// day 2, a new engine with what the first learned: a pair rafted
	// 50 m apart for 4 hours (no status), a vessel slow there for 3 h, a
	// vessel switching off there for 10 h while a neighbour reports
	var day2 timeline
	day2.stay(30, 0, 4*h, 3*time.Minute, place, 0.1)
	day2.stay(31, time.Minute, 4*h, 3*time.Minute, geo.Destination(place, 0, 50), 0.1)
	day2.stay(32, 0, 3*h, 3*time.Minute, geo.Destination(place, 90, 300), 0.5)
	day2.stay(33, 0, time.Hour, 3*time.Minute, geo.Destination(place, 180, 300), 0)
	day2.stay(33, 11*h, 12*h, 3*time.Minute, geo.Destination(place, 180, 300), 0)
	day2.stay(34, 0, 12*h, 10*time.Minute, geo.Destination(place, 0, 20e3), 6)
	blob := event.MarshalAnchorages(as)
	loaded, err := event.UnmarshalAnchorages(blob)
	if err != nil {
		t.Fatal(err)
	}
	e2 := event.New(event.Config{Ports: testPort, Land: testLand(t), Anchorages: loaded})
	if k := e2.KnownAnchorages(); len(k) != len(as) || k[0].Since != 0 {
		t.Errorf("given anchorages known as %+v; want the %d saved, known from the start (Since 0)", k, len(as))
	}
	m, _ := final(t, e2, day2.sorted(), at(12*h))
	for _, typ := range []string{event.Encounter, event.Loitering, event.Gap} {
		if evs := ofType(m, typ); len(evs) > 0 {
			t.Errorf("%d %s events at the learned anchorage: %+v", len(evs), typ, evs[0])
		}
	}
	// without it, and without learning (day 2 alone would teach it), the
	// same day raises them
	off, _ := event.Preset("gfw")
	off.Anchorages.Enabled = false
	m, _ = final(t, event.New(event.Config{Params: &off, Ports: testPort, Land: testLand(t)}), day2.sorted(), at(12*h))
	for _, typ := range []string{event.Encounter, event.Loitering, event.Gap} {
		if len(ofType(m, typ)) == 0 {
			t.Errorf("no %s event without the learned anchorage; the test shows nothing", typ)
		}
	}
}

// TestAnchoragesFile: the anchorages file round-trips, and every
// truncation, a flipped bit, a wrong version or an impossible position is
// ErrAnchorages.
func TestAnchoragesFile(t *testing.T) {
	as := []event.Anchorage{{Lat: -36.889, Lon: 174.989, Vessels: 7}, {Lat: 30, Lon: -40, Vessels: 3}}
	b := event.MarshalAnchorages(as)
	got, err := event.UnmarshalAnchorages(b)
	if err != nil || len(got) != 2 || got[0] != as[0] || got[1] != as[1] {
		t.Fatalf("round trip = %v, %v; want %v", got, err, as)
	}
	if got, err := event.UnmarshalAnchorages(event.MarshalAnchorages(nil)); err != nil || len(got) != 0 {
		t.Errorf("empty file = %v, %v", got, err)
	}
	for n := range len(b) {
		if _, err := event.UnmarshalAnchorages(b[:n]); !errors.Is(err, event.ErrAnchorages) {
			t.Errorf("truncated to %d bytes: err %v; want ErrAnchorages", n, err)
		}
	}
	for i := range len(b) * 8 {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		if _, err := event.UnmarshalAnchorages(c); !errors.Is(err, event.ErrAnchorages) {
			t.Errorf("bit %d flipped: err %v; want ErrAnchorages", i, err)
		}
	}
	bad := event.MarshalAnchorages([]event.Anchorage{{Lat: math.NaN(), Lon: 0}})
	if _, err := event.UnmarshalAnchorages(bad); !errors.Is(err, event.ErrAnchorages) {
		t.Errorf("NaN latitude: err %v; want ErrAnchorages", err)
	}
}

// FuzzAnchorages: the anchorages decoder never panics, and what it
// accepts encodes back to the same bytes.
func FuzzAnchorages(f *testing.F) {
	f.Add(event.MarshalAnchorages([]event.Anchorage{{Lat: 1, Lon: 2, Vessels: 3}}))
	f.Add([]byte("TWAN\x01\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		as, err := event.UnmarshalAnchorages(b)
		if err != nil {
			return
		}
		if !bytes.Equal(event.MarshalAnchorages(as), b) {
			t.Errorf("accepted %x, which encodes back differently", b)
		}
	})
}

// TestEncounterCategories: by default a tug alongside a ship is not an
// encounter; the transshipment preset keeps a fishing vessel with a
// carrier and drops two cargo ships; both presets keep the fishing
// vessel's meeting; severity and reasons say why.
func TestEncounterCategories(t *testing.T) {
	var tl timeline
	meet := func(a, b vessel.MMSI, p geo.Point) {
		tl.stay(a, 0, 3*h, time.Minute, p, 0.5)
		tl.stay(b, 30*time.Second, 3*h, 3*time.Minute, geo.Destination(p, 90, 150), 0.5)
	}
	meet(1, 2, ocean)                             // fishing + cargo (a carrier)
	meet(3, 4, geo.Destination(ocean, 0, 30e3))   // tug + tanker
	meet(5, 6, geo.Destination(ocean, 180, 30e3)) // cargo + cargo
	types := map[vessel.MMSI]uint8{1: 30, 2: 70, 3: 52, 4: 80, 5: 70, 6: 71}
	for _, tc := range []struct {
		preset string
		want   [][2]vessel.MMSI
	}{
		{"gfw", [][2]vessel.MMSI{{1, 2}, {5, 6}}},
		{"transshipment", [][2]vessel.MMSI{{1, 2}}},
	} {
		e := newEngine(t, tc.preset)
		for m, st := range types {
			e.ObserveStatic(vessel.Static{MMSI: m, Has: vessel.HasShipType, ShipType: st})
		}
		m, _ := final(t, e, tl.sorted(), at(7*h))
		enc := ofType(m, event.Encounter)
		if len(enc) != len(tc.want) {
			t.Fatalf("%s: %d encounters %v; want %v", tc.preset, len(enc), enc, tc.want)
		}
		for i, w := range tc.want {
			ev := enc[i]
			if ev.Vessels[0] != w[0] || ev.Vessels[1] != w[1] {
				t.Errorf("%s: encounter %v; want %v", tc.preset, ev.Vessels, w)
			}
			if len(ev.Reasons) == 0 || ev.Severity <= 0 || ev.Severity > 1 {
				t.Errorf("%s: severity %v, reasons %q", tc.preset, ev.Severity, ev.Reasons)
			}
		}
		if enc[0].Severity <= 0.7 || !contains(enc[0].Reasons, "a fishing vessel with a carrier or bunker vessel") {
			t.Errorf("%s: fishing with carrier scored %.2f %q; want above 0.7 with the reason", tc.preset, enc[0].Severity, enc[0].Reasons)
		}
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// TestEncounterGrows: an open encounter is published again as it grows,
// at most every UpdateEvery (10 minutes), with its duration measured.
func TestEncounterGrows(t *testing.T) {
	var tl timeline
	tl.stay(1, 0, 6*h, time.Minute, ocean, 0.5)
	tl.stay(2, 30*time.Second, 6*h, 3*time.Minute, geo.Destination(ocean, 90, 150), 0.5)
	e := newEngine(t, "gfw")
	var versions []event.Event
	for _, p := range tl.sorted() {
		for _, ev := range e.Observe(p) {
			if ev.Type == event.Encounter {
				versions = append(versions, ev)
			}
		}
	}
	if len(versions) < 20 {
		t.Fatalf("%d versions of a 6-hour encounter; want one about every 10 minutes after the first 2 hours", len(versions))
	}
	for i := 1; i < len(versions); i++ {
		a, b := versions[i-1].Measures["duration_s"], versions[i].Measures["duration_s"]
		if b-a < 600 {
			t.Errorf("version %d after %.0f s of growth; want at least 600", versions[i].Version, b-a)
		}
	}
	if d := versions[len(versions)-1].Measures["duration_s"]; d < 5.7*3600 {
		t.Errorf("last open version measures %.1f h; want nearly 6", d/3600)
	}
}

// TestLearnedAnchorageInvalidMMSI: a vessel with an invalid MMSI (fusion
// flags it; it makes no event) still counts among the vessels stopping at
// a place, so two vessels and a boat with a placeholder MMSI make an
// anchorage; without the boat, two vessels make none.
func TestLearnedAnchorageInvalidMMSI(t *testing.T) {
	for _, boat := range []bool{true, false} {
		var tl timeline
		for i := range 2 {
			tl.stay(vessel.MMSI(10+i), time.Duration(i)*h, time.Duration(i)*h+2*h, 3*time.Minute, geo.Destination(ocean, float64(i)*120, 200), 0)
		}
		if boat {
			tl.stay(111111111, 0, 2*h, 3*time.Minute, geo.Destination(ocean, 240, 200), 0)
		}
		ps := tl.sorted()
		for i := range ps {
			if ps[i].MMSI == 111111111 {
				ps[i].Flags |= vessel.FlagInvalidMMSI
			}
		}
		e := event.New(event.Config{Ports: testPort, Land: testLand(t)})
		m, _ := final(t, e, ps, at(6*h))
		if got := len(e.Anchorages()) > 0; got != boat {
			t.Errorf("with the boat %v: anchorages %v", boat, e.Anchorages())
		}
		for _, ev := range m {
			if ev.Vessels[0] == 111111111 {
				t.Errorf("an event of the invalid MMSI: %+v", ev)
			}
		}
		if st := e.Stats(); boat && st.Stoppers != 1 {
			t.Errorf("%d stoppers followed; want 1", st.Stoppers)
		}
	}
}
