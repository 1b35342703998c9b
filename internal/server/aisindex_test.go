package server

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// nearMMSIs returns the MMSIs Near reports, sorted.
func nearMMSIs(ix *aisIndex, lat, lon, r float64, t vessel.Time) []vessel.MMSI {
	var got []vessel.MMSI
	ix.Near(lat, lon, r, t, func(s contact.VesselState) bool { got = append(got, s.MMSI); return true })
	slices.Sort(got)
	return got
}

// TestAISIndexAntimeridian: a contact on one side of 180° finds a vessel
// on the other, and a vessel's move across it is followed.
func TestAISIndexAntimeridian(t *testing.T) {
	ix := newAISIndex()
	ix.put(contact.VesselState{MMSI: 1, Time: 1000, Lat: -17.5, Lon: -179.99})
	ix.put(contact.VesselState{MMSI: 2, Time: 1000, Lat: -17.5, Lon: 179.99})
	ix.put(contact.VesselState{MMSI: 3, Time: 1000, Lat: -17.5, Lon: 179.9}) // about 10 km away
	for _, tc := range []struct {
		lat, lon float64
		want     []vessel.MMSI
	}{
		{-17.5, 179.995, []vessel.MMSI{1, 2}},
		{-17.5, -179.995, []vessel.MMSI{1, 2}},
		{-17.5, 180, []vessel.MMSI{1, 2}},
		{-17.5, -180, []vessel.MMSI{1, 2}},
		{-17.5, 179.91, []vessel.MMSI{3}},
		{-17.5, 0, nil},
	} {
		if got := nearMMSIs(ix, tc.lat, tc.lon, 3000, 2000); !slices.Equal(got, tc.want) {
			t.Errorf("Near(%v, %v, 3 km) = %v; want %v", tc.lat, tc.lon, got, tc.want)
		}
	}
	// Vessel 2 crosses to the west; its old report stays for older scans.
	ix.put(contact.VesselState{MMSI: 2, Time: 5000, Lat: -17.5, Lon: -179.5})
	if got := nearMMSIs(ix, -17.5, 179.995, 3000, 6000); !slices.Equal(got, []vessel.MMSI{1}) {
		t.Errorf("after the move: Near = %v; want [1]", got)
	}
	if got := nearMMSIs(ix, -17.5, -179.5, 3000, 6000); !slices.Equal(got, []vessel.MMSI{2}) {
		t.Errorf("at the new place: Near = %v; want [2]", got)
	}
	if s, ok := ix.Vessel(2); !ok || s.Lon != -179.5 {
		t.Errorf("Vessel(2) = %+v, %v", s, ok)
	}
}

// TestAISIndexMatchesScan compares Near with a scan of every vessel on
// random pictures and queries over the whole globe, the antimeridian and
// the poles included, with vessels moving, lengths arriving and queries
// dated before the newest reports.
func TestAISIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	ix := newAISIndex()
	type rep struct{ hist []contact.VesselState } // all reports, oldest first
	all := map[vessel.MMSI]*rep{}
	randPos := func() (float64, float64) {
		switch rng.IntN(4) {
		case 0: // near the antimeridian
			return rng.Float64()*160 - 80, 179.9 + rng.Float64()*0.2 - 360*float64(rng.IntN(2))
		case 1: // near a pole
			return (89 + rng.Float64()) * float64(1-2*rng.IntN(2)), rng.Float64()*360 - 180
		default: // a small sea, densely used
			return 12 + rng.Float64()*0.5, 45 + rng.Float64()*0.5
		}
	}
	tm := vessel.Time(1_000_000)
	for step := range 20_000 {
		m := vessel.MMSI(200000000 + rng.IntN(3000))
		tm += vessel.Time(rng.IntN(50))
		r := all[m]
		if r == nil {
			r = &rep{}
			all[m] = r
		}
		if rng.IntN(20) == 0 {
			ix.put(contact.VesselState{MMSI: m, LengthM: 50})
			continue
		}
		var lat, lon float64
		if n := len(r.hist); n > 0 && rng.IntN(3) > 0 {
			p := r.hist[n-1]
			lat, lon = p.Lat+rng.NormFloat64()*0.01, p.Lon+rng.NormFloat64()*0.01
			lat = min(max(lat, -90), 90)
			if lon > 180 {
				lon -= 360
			} else if lon < -180 {
				lon += 360
			}
		} else {
			lat, lon = randPos()
		}
		s := contact.VesselState{MMSI: m, Time: tm, Lat: lat, Lon: lon, LengthM: -1}
		ix.put(s)
		r.hist = append(r.hist, s)
		if step%400 != 0 {
			continue
		}
		for range 20 {
			qlat, qlon := randPos()
			if rng.IntN(2) == 0 { // on a vessel
				for _, r := range all {
					if n := len(r.hist); n > 0 {
						qlat, qlon = r.hist[n-1].Lat, r.hist[n-1].Lon
					}
					break
				}
			}
			radius := []float64{500, 3000, 20000, 200000}[rng.IntN(4)]
			qt := tm - vessel.Time(rng.IntN(400))
			var want []vessel.MMSI
			for m, r := range all {
				// The newest report at or before qt among the last
				// aisHistory+1 (what the index keeps).
				hs := r.hist[max(0, len(r.hist)-aisHistory-1):]
				for i := len(hs) - 1; i >= 0; i-- {
					if hs[i].Time <= qt {
						if geo.Distance(geo.Point{Lat: qlat, Lon: qlon}, geo.Point{Lat: hs[i].Lat, Lon: hs[i].Lon}) <= radius {
							want = append(want, m)
						}
						break
					}
				}
			}
			slices.Sort(want)
			got := nearMMSIs(ix, qlat, qlon, radius, qt)
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: Near(%v, %v, %v m, t %d) = %v; want %v", step, qlat, qlon, radius, qt, got, want)
			}
		}
	}
}

// aisStates returns the AIS states the contact tracker takes of the
// benchmark capture (../shared/testdata/ais/bench.nmea.gz) repeated n
// times as new traffic (BenchmarkLiveRate's feed): each good position
// with a place, in the capture's order.
func aisStates(tb testing.TB, n int) []contact.VesselState {
	file := filepath.Join("..", "..", "..", "shared", "testdata", "ais", "bench.nmea.gz")
	var out []contact.VesselState
	for _, o := range repeated(pacedObservations(tb, file, 2*time.Millisecond), n, 4*time.Minute) {
		p := &o.Position
		if o.Kind != vessel.KindPosition || p.Flags&vessel.Bad != 0 || !p.HasPosition() {
			continue
		}
		vs := contact.VesselState{MMSI: p.MMSI, Time: p.Time, Lat: p.Lat, Lon: p.Lon, LengthM: -1}
		if sog, ok := p.SOG.Knots(); ok {
			if cog, ok := p.COG.Degrees(); ok {
				vs.HasMotion, vs.SOGKn, vs.COGDeg = true, sog, cog
			}
		}
		out = append(out, vs)
	}
	if len(out) == 0 {
		tb.Fatal("no AIS states in the capture")
	}
	return out
}

// BenchmarkAISIndexPut measures the contact tracker's AIS index on the
// live benchmark's feed (the capture four times over, each time new
// vessels): "put" fills a fresh index with every state (ns/op and B/op
// per state), "state" writes the filled index as the tracker's state
// file holds it (appendStates and contact.AppendVesselStates, per
// state kept), as the tracker does every contactStateEvery ticks.
func BenchmarkAISIndexPut(b *testing.B) {
	states := aisStates(b, 4)
	b.Run("put", func(b *testing.B) {
		b.ReportAllocs()
		var ix *aisIndex
		for b.Loop() {
			ix = newAISIndex()
			for _, s := range states {
				ix.put(s)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(states)), "ns/state")
		b.ReportMetric(float64(len(ix.byMMSI)), "vessels")
	})
	b.Run("state", func(b *testing.B) {
		b.ReportAllocs()
		ix := newAISIndex()
		for _, s := range states {
			ix.put(s)
		}
		var kept []contact.VesselState
		var buf []byte
		for b.Loop() {
			kept = ix.appendStates(nil)
			buf = contact.AppendVesselStates(buf[:0], kept)
		}
		b.ReportMetric(float64(len(kept)), "states")
		b.ReportMetric(float64(len(buf))/float64(len(kept)), "B/state")
	})
}

// TestAISIndexPagesKeepState: an index of several pages (the capture's
// vessels, four times over) answers Vessel for each as its last put said
// and writes a state that restores an index answering the same.
func TestAISIndexPagesKeepState(t *testing.T) {
	states := aisStates(t, 4)
	ix := newAISIndex()
	last := map[vessel.MMSI]contact.VesselState{}
	for _, s := range states {
		ix.put(s)
		if l, ok := last[s.MMSI]; !ok || s.Time >= l.Time {
			last[s.MMSI] = s
		}
	}
	if len(ix.byMMSI) <= aisPage {
		t.Fatalf("%d vessels: the test needs more than a page (%d)", len(ix.byMMSI), aisPage)
	}
	check := func(name string, ix *aisIndex, want map[vessel.MMSI]contact.VesselState) {
		if len(ix.byMMSI) != len(want) {
			t.Errorf("%s: %d vessels; want %d", name, len(ix.byMMSI), len(want))
		}
		for m, want := range want {
			got, ok := ix.Vessel(m)
			if !ok || got.Time != want.Time || got.Lat != want.Lat || got.Lon != want.Lon {
				t.Fatalf("%s: vessel %d = %+v, %v; want %+v", name, m, got, ok, want)
			}
			if near := nearMMSIs(ix, want.Lat, want.Lon, 1, want.Time); !slices.Contains(near, m) {
				t.Fatalf("%s: vessel %d not near its own last place %v", name, m, near)
			}
		}
	}
	check("filled", ix, last)
	// the state keeps the vessels heard within stateAISHorizon of the
	// newest report
	var newest vessel.Time
	for _, s := range last {
		newest = max(newest, s.Time)
	}
	kept := map[vessel.MMSI]contact.VesselState{}
	for m, s := range last {
		if newest-s.Time <= stateAISHorizon {
			kept[m] = s
		}
	}
	if len(kept) <= aisPage {
		t.Fatalf("%d vessels kept: the test needs more than a page (%d)", len(kept), aisPage)
	}
	state := contact.New(contact.Config{}, ix).AppendState(nil)
	vs, err := contact.VesselStates(contact.AppendVesselStates(state, ix.appendStates(nil)))
	if err != nil {
		t.Fatal(err)
	}
	back := newAISIndex()
	back.restore(vs)
	check("restored", back, kept)
}
