package contact_test

import (
	"math"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestHarbourIndex(t *testing.T) {
	ix := contact.NewHarbourIndex([]contact.HarbourPoint{
		{Lat: -17.5, Lon: 179.995, RadiusM: 2000},          // astride the antimeridian
		{Lat: 25.0, Lon: 55.0, RadiusM: 1000},              // a berth
		{Lat: 25.2, Lon: 55.2, RadiusM: 1000, Since: 5000}, // an anchorage learned at t=5 s
		{Lat: 89.99, Lon: 0, RadiusM: 5000},                // at the pole: every longitude
		{Lat: math.NaN(), Lon: 0, RadiusM: 1000},           // ignored
	})
	for _, tc := range []struct {
		lat, lon float64
		t        vessel.Time
		want     bool
	}{
		{-17.5, 179.995, 1, true},
		{-17.5, -179.995, 1, true}, // 1 km east, across 180°
		{-17.5, 179.99, 1, true},
		{-17.5, -179.97, 1, false}, // 3.7 km east
		{25.0, 55.005, 1, true},    // 505 m
		{25.0, 55.011, 1, false},   // 1.1 km
		{25.2, 55.2, 4999, false},  // not learned yet
		{25.2, 55.2, 5000, true},
		{89.999, 170, 1, true},
		{0, 0, 1, false},
	} {
		if got := ix.InHarbour(tc.lat, tc.lon, tc.t); got != tc.want {
			t.Errorf("InHarbour(%v, %v, %d) = %v; want %v", tc.lat, tc.lon, tc.t, got, tc.want)
		}
	}
	var none *contact.HarbourIndex
	if none.InHarbour(25, 55, 1) {
		t.Error("a nil index finds a harbour")
	}
}

// TestDarkTargetNotInHarbour runs a small dark craft (no AIS) that works
// for an hour inside a port (a 400 m circle round its berth), then heads
// out to sea, past an AIS ship at anchor nearby, under a radar: with no
// harbours it is alerted at once; with the port among the harbours it is
// alerted only when it is dark outside the port, and its contacts in
// port stay unassociated; with the port an anchorage learned only after
// the hour, as before. A satellite detection in the port opens no
// episode either.
func TestDarkTargetNotInHarbour(t *testing.T) {
	portLat, portLon := toLatLon(0, 0)
	path := func(s float64) (x, y float64) {
		if s < 3600 {
			sn, cs := math.Sincos(2 * math.Pi * s / 600)
			return 400 * cs, 400 * sn
		}
		return 400 + 5*(s-3600), 0 // 10 knots east
	}
	for _, tc := range []struct {
		name      string
		harbours  contact.Harbours
		openAfter float64 // seconds: the episode opens after this and before + 10 min
	}{
		{"no harbours", nil, 0},
		{"port", contact.NewHarbourIndex([]contact.HarbourPoint{{Lat: portLat, Lon: portLon, RadiusM: 2000}}), 3600},
		{"anchorage learned later", contact.NewHarbourIndex([]contact.HarbourPoint{{Lat: portLat, Lon: portLon, RadiusM: 2000, Since: t0 + 7200_000}}), 0},
	} {
		pic := &fixed{reports: []contact.VesselState{aisAt(470000001, -60, 1500, 1500, 0, 0)}}
		a := contact.New(contact.Config{Harbours: tc.harbours}, pic)
		var opened vessel.Time
		inPort, inPortDark := 0, 0
		var cs []contact.Contact
		for s := 0.0; s < 5400; s += 5 {
			x, y := path(s)
			pic.now = t0 + vessel.Time(s*1000)
			cs = a.Radar([]vessel.Detection{radarAt(s, x, y, "7")}, cs[:0])
			if s < 3600 {
				inPort++
				if cs[0].MMSI == 0 {
					inPortDark++
				}
			}
			if cs[0].Episode != "" && opened == 0 {
				opened = cs[0].Time
			}
		}
		a.Flush(t0 + 6*3600_000)
		eps := 0
		for _, e := range a.Episodes(nil) {
			if e.Kind == contact.KindDarkTarget && e.Version == 1 {
				eps++
			}
		}
		at := float64(opened-t0) / 1000
		t.Logf("%s: episode opened at %.0f s; %d in-port contacts, %d unassociated; stats %+v", tc.name, at, inPort, inPortDark, a.Stats())
		if eps != 1 || opened == 0 || at < tc.openAfter || at > tc.openAfter+600 {
			t.Errorf("%s: %d episodes, opened at %.0f s; want one, opened %.0f to %.0f s", tc.name, eps, at, tc.openAfter, tc.openAfter+600)
		}
		if inPortDark != inPort {
			t.Errorf("%s: %d of %d in-port contacts unassociated; want all (no AIS)", tc.name, inPortDark, inPort)
		}
		if (tc.openAfter > 0) != (a.Stats().InHarbour > 0) {
			t.Errorf("%s: Stats.InHarbour = %d", tc.name, a.Stats().InHarbour)
		}
	}
	// A credible satellite detection in the port: no episode; at sea: one.
	h := contact.NewHarbourIndex([]contact.HarbourPoint{{Lat: portLat, Lon: portLon, RadiusM: 2000}})
	a := contact.New(contact.Config{Harbours: h}, &fixed{})
	for i, x := range []float64{300, 20000} {
		lat, lon := toLatLon(x, 0)
		d := vessel.Detection{Time: t0 + vessel.Time(i+1)*1000, Sensor: vessel.SensorSatellite, Source: "sar", Scene: "s" + string(rune('0'+i)),
			Lat: lat, Lon: lon, PosErrM: 50, Has: vessel.HasScore, Score: 0.9}
		cs := a.Satellite([]vessel.Detection{d}, contact.Pass{SAR: true}, nil)
		if got, want := cs[0].Episode != "", x > 2000; got != want || cs[0].MMSI != 0 {
			t.Errorf("satellite detection %.0f m from the port: episode %q, MMSI %v; want an episode %v", x, cs[0].Episode, cs[0].MMSI, want)
		}
	}
	if a.Stats().InHarbour != 1 {
		t.Errorf("Stats.InHarbour = %d; want 1", a.Stats().InHarbour)
	}
}
