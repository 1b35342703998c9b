package simulate_test

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var demoStart = vessel.TimeOf(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))

// TestDemoTraffic runs the demo's traffic over the day before its start
// and its first minute: the fleet is weighted to the Indian Ocean, on the
// open-ocean lanes as well as near ports, every vessel reports, and no
// report is dated after the end of the run.
func TestDemoTraffic(t *testing.T) {
	m := land(t)
	d := simulate.NewDemo(2000, demoStart)
	cfg := d.Config
	cfg.Land = m
	cfg.Rate = 0.5
	s := simulate.New(cfg, rand.New(rand.NewPCG(1, 7)))
	if got, want := len(s.Vessels()), 2004; got != want {
		t.Fatalf("%d vessels; want %d (2000 and the story's 4)", got, want)
	}
	lanes := 0
	for _, v := range s.Vessels() {
		if v.Lane != "" {
			lanes++
		}
	}
	from, to := demoStart-vessel.Time(24*time.Hour/time.Millisecond), demoStart+60_000
	box := simulate.IndianOcean()
	heard := map[vessel.MMSI]bool{}
	inBox := map[vessel.MMSI]bool{}    // reported in the box in the last 30 minutes
	offshore := map[vessel.MMSI]bool{} // ... and 200 km from any lane end
	var ends []geo.Point
	for _, l := range simulate.Lanes() {
		ends = append(ends, l.Points[0], l.Points[len(l.Points)-1])
	}
	var n int
	err := s.Run(from, to, func(o *vessel.Observation) error {
		if o.Time() < from || o.Time() >= to {
			t.Fatalf("report at %v outside [%v, %v)", o.Time(), from, to)
		}
		if o.Kind != vessel.KindPosition {
			return nil
		}
		n++
		p := &o.Position
		heard[p.MMSI] = true
		pt := geo.Point{Lat: p.Lat, Lon: p.Lon}
		if p.Time >= demoStart-30*60_000 && box.Contains(pt) {
			inBox[p.MMSI] = true
			far := true
			for _, e := range ends {
				if geo.Distance(pt, e) < 200e3 {
					far = false
					break
				}
			}
			if far && p.SOG > 80 {
				offshore[p.MMSI] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d positions, %d vessels heard, %d on lanes, %d in the Indian Ocean box, %d of them under way far from lane ends",
		n, len(heard), lanes, len(inBox), len(offshore))
	if len(heard) != len(s.Vessels()) {
		t.Errorf("%d of %d vessels heard in a day", len(heard), len(s.Vessels()))
	}
	if lanes < 300 || lanes > 600 {
		t.Errorf("%d lane ships of 2000; want about a fifth (half the merchant ships)", lanes)
	}
	if len(inBox) < 600 || len(inBox) > 1400 {
		t.Errorf("%d vessels in the Indian Ocean box; want 600 to 1400 of 2004 (weighted, not all)", len(inBox))
	}
	if len(offshore) < 150 {
		t.Errorf("%d vessels under way in the Indian Ocean far from the lanes' ends; want at least 150", len(offshore))
	}
}

// TestDemoStory feeds the demo's traffic to the event engine as the node
// does (the GFW preset, the bundled ports, the demo zone, a reorder
// window of a few seconds) and checks that the story's three happenings
// are detected in the first minute: the encounter of the fisher and the
// reefer, the dark vessel's gap, and the tanker's zone entry.
func TestDemoStory(t *testing.T) {
	m := land(t)
	d := simulate.NewDemo(200, demoStart)
	feats, err := geo.ReadGeoJSON(bytes.NewReader(d.ZoneGeoJSON()))
	if err != nil {
		t.Fatal(err)
	}
	zones := event.ZonesFromGeoJSON(feats)
	if len(zones) != 1 || zones[0].Name != d.Zone {
		t.Fatalf("zones %+v; want one named %q", zones, d.Zone)
	}
	e := event.New(event.Config{Preset: event.PresetGFW, Ports: event.DefaultPorts(), Land: m, Zones: zones, Reorder: 5 * time.Second})
	cfg := d.Config
	cfg.Land = m
	cfg.Rate = 0.5
	s := simulate.New(cfg, rand.New(rand.NewPCG(1, 7)))
	from, to := demoStart-vessel.Time(24*time.Hour/time.Millisecond), demoStart+60_000
	first := map[string]vessel.Time{} // event ID → engine time of first emission
	got := map[string]event.Event{}
	note := func(evs []event.Event, at vessel.Time) {
		for _, ev := range evs {
			if _, ok := first[ev.ID]; !ok {
				first[ev.ID] = at
			}
			got[ev.ID] = ev
		}
	}
	next := from
	err = s.Run(from, to, func(o *vessel.Observation) error {
		switch o.Kind {
		case vessel.KindStatic:
			e.ObserveStatic(o.Static)
		case vessel.KindPosition:
			note(e.Observe(o.Position), o.Time())
		}
		for ; next <= o.Time(); next += 1000 { // the node's commit ticks
			note(e.Advance(next), next)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for ; next <= to; next += 1000 {
		note(e.Advance(next), next)
	}
	for _, tc := range []struct {
		typ     string
		vessels []vessel.MMSI
		zone    string
		due     vessel.Time
	}{
		{event.Encounter, []vessel.MMSI{d.Reefer, d.Fisher}, "", d.EncounterAt},
		{event.Gap, []vessel.MMSI{d.Dark}, "", d.DarkAt},
		{event.ZoneEntry, []vessel.MMSI{d.Tanker}, d.Zone, d.ZoneAt},
	} {
		found := false
		for id, ev := range got {
			if ev.Type != tc.typ || len(ev.Vessels) != len(tc.vessels) || ev.Retracted {
				continue
			}
			same := true
			for i := range ev.Vessels {
				same = same && ev.Vessels[i] == tc.vessels[i]
			}
			if !same || tc.zone != "" && ev.Zone != tc.zone {
				continue
			}
			found = true
			at := first[id]
			t.Logf("%s %v: detected at start%+.0fs, starts at start%+.0fs", tc.typ, ev.Vessels, float64(at-demoStart)/1000, float64(ev.Start-demoStart)/1000)
			if at < demoStart-30_000 || at > demoStart+50_000 {
				t.Errorf("%s %v detected at start%+.0fs; want within the first minute (due at start%+.0fs)",
					tc.typ, ev.Vessels, float64(at-demoStart)/1000, float64(tc.due-demoStart)/1000)
			}
			if ev.Start > at {
				t.Errorf("%s %v starts after it was detected", tc.typ, ev.Vessels)
			}
		}
		if !found {
			t.Errorf("no %s of %v in the first minute; %d events in all", tc.typ, tc.vessels, len(got))
		}
	}
}

// TestHistoryRate checks the cheaper history: before HistoryUntil the
// fleet reports at HistoryRate (a vessel under way every few minutes,
// none silent for more than 30 minutes), the scripted vessels at Rate
// throughout, and from HistoryUntil on every vessel at Rate.
func TestHistoryRate(t *testing.T) {
	d := simulate.NewDemo(300, demoStart)
	cfg := d.Config
	cfg.Land = land(t)
	cfg.Rate = 0.5
	cfg.HistoryRate = 0.01
	cfg.HistoryUntil = demoStart - 3600_000
	s := simulate.New(cfg, rand.New(rand.NewPCG(3, 7)))
	from := demoStart - 6*3600_000
	last := map[vessel.MMSI]vessel.Time{}
	maxGap := map[bool]vessel.Time{} // by before/after HistoryUntil, fleet only
	var before, after int
	err := s.Run(from, demoStart, func(o *vessel.Observation) error {
		if o.Kind != vessel.KindPosition {
			return nil
		}
		m, tm := o.MMSI(), o.Time()
		hist := tm < cfg.HistoryUntil
		if s.Scripted(m) {
			if prev, ok := last[m]; ok && tm-prev > 60_000 && !(m == d.Dark && tm >= d.DarkAt-6*3600_000) {
				t.Errorf("scripted %d: %d ms between reports at %v; want the live rate", m, int64(tm-prev), tm)
			}
		} else {
			if hist {
				before++
			} else {
				after++
			}
			if prev, ok := last[m]; ok && prev >= from+1800_000 && (prev < cfg.HistoryUntil) == hist {
				maxGap[hist] = max(maxGap[hist], tm-prev)
			}
		}
		last[m] = tm
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("fleet: %d reports in the 5 h of history, %d in the last hour; longest silences %d ms and %d ms", before, after, int64(maxGap[true]), int64(maxGap[false]))
	if before > 2*after {
		t.Errorf("%d reports in 5 h at the history rate, %d in 1 h at the live rate; want the history several times sparser", before, after)
	}
	if maxGap[true] > 1800_000+60_000 {
		t.Errorf("a vessel silent for %d ms in the history; want at most 30 minutes", int64(maxGap[true]))
	}
	if maxGap[false] > 12*60_000 {
		t.Errorf("a vessel silent for %d ms after the history; want the live rate (6 minutes moored)", int64(maxGap[false]))
	}
}

// TestScripted checks a scripted vessel's timeline: at each waypoint's
// time it is there, in between on the line, silent in its dark span.
func TestScripted(t *testing.T) {
	a, b := geo.Point{Lat: 10, Lon: 60}, geo.Point{Lat: 10.1, Lon: 60.1}
	sc := simulate.Scripted{
		Vessel: simulate.Vessel{MMSI: 235000001, Kind: simulate.Cargo, Name: "SCRIPT", ShipType: 70},
		Track:  []simulate.Waypoint{{Time: t2024 + 600_000, Point: a}, {Time: t2024 + 3600_000, Point: b}},
		Dark:   []simulate.Span{{From: t2024 + 1800_000, To: t2024 + 2400_000}},
	}
	s := simulate.New(simulate.Config{Vessels: 1, Land: land(t), Script: []simulate.Scripted{sc}}, rand.New(rand.NewPCG(1, 1)))
	n := 0
	err := s.Run(t2024, t2024+4*3600_000, func(o *vessel.Observation) error {
		if o.MMSI() != sc.Vessel.MMSI {
			return nil
		}
		tm := o.Time()
		if tm >= sc.Dark[0].From && tm < sc.Dark[0].To {
			t.Fatalf("report at %v in the dark span", tm)
		}
		if o.Kind != vessel.KindPosition {
			return nil
		}
		n++
		p := geo.Point{Lat: o.Position.Lat, Lon: o.Position.Lon}
		want := a
		switch {
		case tm >= sc.Track[1].Time:
			want = b
		case tm > sc.Track[0].Time:
			f := float64(tm-sc.Track[0].Time) / float64(sc.Track[1].Time-sc.Track[0].Time)
			want = geo.Point{Lat: a.Lat + f*(b.Lat-a.Lat), Lon: a.Lon + f*(b.Lon-a.Lon)}
		}
		if d := geo.Distance(p, want); d > 50 {
			t.Fatalf("at %v: %v, %.0f m from %v on the track", tm, p, d, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("%d reports of the scripted vessel in 4 h", n)
	}
}

// BenchmarkDemoHistory generates what "tidewatch demo" stores at start:
// a day of the demo fleet, the last 30 minutes at the live rate and the
// rest at the history rate.
func BenchmarkDemoHistory(b *testing.B) {
	m := land(b)
	for b.Loop() {
		d := simulate.NewDemo(2000, demoStart)
		cfg := d.Config
		cfg.Land = m
		cfg.Rate = 0.5
		start := time.Now()
		s := simulate.New(cfg, rand.New(rand.NewPCG(1, 7)))
		n := 0
		err := s.Run(demoStart-24*3600_000, demoStart, func(o *vessel.Observation) error {
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/day")
		b.ReportMetric(float64(n), "reports")
	}
}

// TestDemoRadar checks the prepared radar and satellite story: in the
// first minute after start the radars and the satellite each report at
// least one ship without AIS.
func TestDemoRadar(t *testing.T) {
	d := simulate.NewDemo(1, demoStart)
	sc := d.Radar(rand.New(rand.NewPCG(1, 9)))
	dark := map[int]bool{}
	for _, r := range sc.Radar {
		if r.Det.Time < demoStart || r.Det.Time > demoStart+60_000 || r.Ship == simulate.FalseAlarm {
			continue
		}
		if sc.Ships[r.Ship].MMSI == 0 {
			dark[r.Ship] = true
		}
	}
	if len(dark) == 0 {
		t.Errorf("no radar contact without AIS in the first minute (%d radar reports in all)", len(sc.Radar))
	}
	darkSAR := 0
	for _, r := range sc.SAR {
		if r.Det.Time >= demoStart && r.Det.Time <= demoStart+60_000 && r.Ship != simulate.FalseAlarm && sc.Ships[r.Ship].MMSI == 0 {
			darkSAR++
		}
	}
	if darkSAR == 0 {
		t.Errorf("no satellite detection without AIS in the first minute (%d detections in all)", len(sc.SAR))
	}
	for _, s := range sc.Ships {
		for _, m := range []vessel.MMSI{d.Fisher, d.Reefer, d.Dark, d.Tanker} {
			if s.MMSI == m {
				t.Errorf("radar ship %q has the story's MMSI %d", s.Name, m)
			}
		}
	}
}
