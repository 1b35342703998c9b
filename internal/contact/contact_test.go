package contact_test

import (
	"errors"
	"math"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// fixed is a picture of AIS reports given by hand.
type fixed struct {
	now     vessel.Time
	reports []contact.VesselState // in time order
}

func (f *fixed) latest(m vessel.MMSI, t vessel.Time) (contact.VesselState, bool) {
	var v contact.VesselState
	ok := false
	for _, r := range f.reports {
		if r.MMSI == m && r.Time <= t {
			v, ok = r, true
		}
	}
	return v, ok
}

func (f *fixed) Near(lat, lon, radiusM float64, t vessel.Time, fn func(contact.VesselState) bool) {
	seen := map[vessel.MMSI]bool{}
	for _, r := range f.reports {
		if seen[r.MMSI] {
			continue
		}
		seen[r.MMSI] = true
		v, ok := f.latest(r.MMSI, t)
		x0, y0 := toXY(lat, lon)
		x, y := toXY(v.Lat, v.Lon)
		if ok && math.Hypot(x-x0, y-y0) <= radiusM && !fn(v) {
			return
		}
	}
}

func (f *fixed) Vessel(m vessel.MMSI) (contact.VesselState, bool) { return f.latest(m, f.now) }

func radarAt(s, x, y float64, target string) vessel.Detection {
	lat, lon := toLatLon(x, y)
	return vessel.Detection{Time: t0 + vessel.Time(s*1000), Sensor: vessel.SensorRadar, Source: "r",
		Target: target, Lat: lat, Lon: lon, PosErrM: 30}
}

func aisAt(m vessel.MMSI, s, x, y, sogKn, cogDeg float64) contact.VesselState {
	lat, lon := toLatLon(x, y)
	return contact.VesselState{MMSI: m, Time: t0 + vessel.Time(s*1000), Lat: lat, Lon: lon,
		HasMotion: true, SOGKn: sogKn, COGDeg: cogDeg}
}

func TestInvalidDetections(t *testing.T) {
	good := radarAt(0, 0, 0, "1")
	bad := []struct {
		name string
		edit func(d *vessel.Detection)
	}{
		{"latitude over 90", func(d *vessel.Detection) { d.Lat = 91 }},
		{"NaN longitude", func(d *vessel.Detection) { d.Lon = math.NaN() }},
		{"infinite error", func(d *vessel.Detection) { d.PosErrM = math.Inf(1) }},
		{"no time", func(d *vessel.Detection) { d.Time = 0 }},
		{"negative range", func(d *vessel.Detection) { d.RangeM = -1 }},
		{"satellite in a radar scan", func(d *vessel.Detection) { d.Sensor = vessel.SensorSatellite }},
	}
	pic := &fixed{reports: []contact.VesselState{aisAt(470000001, -5, 0, 0, 0, 0)}}
	a := contact.New(contact.Config{}, pic)
	scan := []vessel.Detection{good}
	for _, b := range bad {
		d := radarAt(0, 5000, 5000, "9")
		b.edit(&d)
		scan = append(scan, d)
	}
	cs := a.Radar(scan, nil)
	if len(cs) != len(scan) {
		t.Fatalf("got %d contacts for %d detections", len(cs), len(scan))
	}
	if cs[0].Err != nil || cs[0].MMSI != 470000001 {
		t.Errorf("good detection next to bad ones: err %v, MMSI %v; want associated with 470000001", cs[0].Err, cs[0].MMSI)
	}
	for i, b := range bad {
		err := cs[i+1].Err
		var de *contact.DetectionError
		if !errors.Is(err, contact.ErrInvalidDetection) || !errors.As(err, &de) || de.Index != i+1 {
			t.Errorf("%s: err %v; want a DetectionError at index %d wrapping ErrInvalidDetection", b.name, err, i+1)
		}
	}
	if st := a.Stats(); st.Rejected != len(bad) || st.Reports != len(scan) {
		t.Errorf("stats %+v; want %d rejected of %d", st, len(bad), len(scan))
	}
}

// TestRecycledTargetNumber: a radar gives the number of a lost target to a
// new one 5 km away; the jump ends the old track instead of dragging the
// identity across.
func TestRecycledTargetNumber(t *testing.T) {
	pic := &fixed{}
	for s := 0.0; s <= 60; s += 10 {
		pic.reports = append(pic.reports, aisAt(470000001, s, 10*kn*s, 0, 10, 90))
	}
	a := contact.New(contact.Config{}, pic)
	var first, second []contact.Contact
	for s := 5.0; s <= 30; s += 5 {
		pic.now = t0 + vessel.Time(s*1000)
		first = a.Radar([]vessel.Detection{radarAt(s, 10*kn*s, 0, "7")}, first)
	}
	for s := 35.0; s <= 60; s += 5 {
		pic.now = t0 + vessel.Time(s*1000)
		second = a.Radar([]vessel.Detection{radarAt(s, 0, 5000, "7")}, second)
	}
	last := first[len(first)-1]
	if last.MMSI != 470000001 || !last.Confirmed {
		t.Errorf("before the jump: MMSI %v confirmed %v; want 470000001 confirmed", last.MMSI, last.Confirmed)
	}
	for _, c := range second {
		if c.Track == last.Track || c.MMSI != 0 {
			t.Errorf("after the jump: track %d (before %d), MMSI %v; want a new track without identity", c.Track, last.Track, c.MMSI)
		}
	}
	if st := a.Stats(); st.Breaks != 1 || st.Tracks != 2 {
		t.Errorf("stats %+v; want 1 break, 2 tracks", st)
	}
}

// TestHeldIdentityDropped: a track holds the identity of a vessel whose
// AIS fell silent, and lets it go when the vessel's AIS resumes somewhere
// the track is not.
func TestHeldIdentityDropped(t *testing.T) {
	const m = 470000001
	pic := &fixed{}
	for s := 0.0; s <= 60; s += 10 {
		pic.reports = append(pic.reports, aisAt(m, s, 10*kn*s, 0, 10, 90))
	}
	pic.reports = append(pic.reports, aisAt(m, 1500, 20000, 20000, 10, 90)) // resumes 28 km away
	a := contact.New(contact.Config{}, pic)
	var cs []contact.Contact
	for s := 5.0; s <= 1600; s += 5 {
		pic.now = t0 + vessel.Time(s*1000)
		cs = a.Radar([]vessel.Detection{radarAt(s, 10*kn*s, 0, "3")}, cs)
	}
	at := func(s float64) contact.Contact { return cs[int(s/5)-1] }
	if c := at(60); c.MMSI != m || c.Held {
		t.Errorf("at 60 s: MMSI %v held %v; want %d by AIS", c.MMSI, c.Held, m)
	}
	if c := at(1200); c.MMSI != m || !c.Held {
		t.Errorf("at 1200 s: MMSI %v held %v; want %d held by radar", c.MMSI, c.Held, m)
	}
	if c := at(1550); c.MMSI != 0 {
		t.Errorf("at 1550 s, after the AIS resumed elsewhere: MMSI %v; want none", c.MMSI)
	}
	if c := at(1200); len(c.Candidates) != 0 || c.Score != 0 {
		t.Errorf("held contact: candidates %v score %v; want none and 0 (the identity comes from the track)", c.Candidates, c.Score)
	}
}

// TestExplainability: a contact lists its candidates best first with
// distances, and the score of its choice is the posterior of the best.
func TestExplainability(t *testing.T) {
	pic := &fixed{reports: []contact.VesselState{
		aisAt(470000001, 0, 0, 0, 0, 0),
		aisAt(470000002, 0, 150, 0, 0, 0),
	}}
	a := contact.New(contact.Config{}, pic)
	pic.now = t0 + 5000
	cs := a.Radar([]vessel.Detection{radarAt(5, 20, 0, "1")}, nil)
	c := cs[0]
	if c.MMSI != 470000001 || len(c.Candidates) != 2 {
		t.Fatalf("contact %+v; want 470000001 with 2 candidates", c)
	}
	best, other := c.Candidates[0], c.Candidates[1]
	if best.MMSI != 470000001 || other.MMSI != 470000002 || !(best.Cost < other.Cost) {
		t.Errorf("candidates %+v; want 470000001 then 470000002 by cost", c.Candidates)
	}
	if math.Abs(best.DistM-20) > 1 || math.Abs(other.DistM-130) > 1 {
		t.Errorf("distances %.1f, %.1f; want 20, 130", best.DistM, other.DistM)
	}
	if c.Score != best.Score || !(c.Score > 0.5 && c.Score < 1) {
		t.Errorf("score %v, best candidate %v; want equal, in (0.5, 1)", c.Score, best.Score)
	}
}
