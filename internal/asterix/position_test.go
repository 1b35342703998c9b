package asterix

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// distanceM is the haversine distance on a sphere of the WGS-84 mean radius,
// accurate to 0.5 % — enough to judge kilometre-level agreement.
func distanceM(a, b LatLon) float64 {
	const r = 6371008.8
	p1, p2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dp, dl := p2-p1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

// TestLocateHand checks Site.Locate against positions computed by hand.
func TestLocateHand(t *testing.T) {
	a := 6378137.0
	tests := []struct {
		name             string
		site             Site
		rangeM, theta, h float64
		want             LatLon
		tolM             float64
	}{
		// Along the equator the ellipsoid's section is a circle of radius a:
		// a chord of 111120 m from sea level to sea level subtends
		// 2*asin(c/2a) = 0.998225 deg of longitude.
		{"equator east", Site{}, 111120, 90, 0, LatLon{0, 2 * math.Asin(111120/(2*a)) * 180 / math.Pi}, 0.5},
		{"equator west", Site{}, 111120, 270, 0, LatLon{0, -2 * math.Asin(111120/(2*a)) * 180 / math.Pi}, 0.5},
		// Due north from the equator: a chord c on the meridian, whose radius
		// of curvature there is M = a(1-e²) = 6335439 m; the arc is
		// 2M*asin(c/2M) and 1 deg of latitude near the equator is 110574 m,
		// so 10 km north is 0.090437 deg (to ~1 m, as M grows slowly).
		{"equator north", Site{}, 10000, 0, 0, LatLon{10000.0 / 110574, 0}, 2},
		// Zero range is the site itself when the target is at antenna height.
		{"at site", Site{Lat: 43.5, Lon: 16.4, HeightM: 780}, 1e-3, 45, 780, LatLon{43.5, 16.4}, 0.01},
	}
	for _, tt := range tests {
		got, ok := tt.site.Locate(tt.rangeM, tt.theta, tt.h)
		if !ok {
			t.Errorf("%s: Locate not ok", tt.name)
			continue
		}
		if d := distanceM(got, tt.want); d > tt.tolM {
			t.Errorf("%s: Locate = %+v; want %+v (off by %.2f m)", tt.name, got, tt.want, d)
		}
	}
	// An aircraft at 10 km seen at 10 km slant range is straight above; a
	// range shorter than the height difference is impossible.
	if _, ok := (Site{}).Locate(5000, 0, 10000); ok {
		t.Error("Locate: a 5 km range reached a target 10 km up")
	}
	if _, ok := (Site{}).Locate(0, 0, 0); ok {
		t.Error("Locate: zero range accepted")
	}
	// A higher target at the same slant range is closer in ground distance.
	low, _ := (Site{}).Locate(200000, 90, 0)
	high, _ := (Site{}).Locate(200000, 90, 11000)
	if !(high.Lon < low.Lon) {
		t.Errorf("Locate: target at 11 km (lon %v) not closer than at sea level (lon %v)", high.Lon, low.Lon)
	}
}

// TestLocateAgainstSystemTracks converts the radar plots that the CAT 062
// system tracks carry in I062/340 (radar 25/12) with the radar site that
// radar itself announces in its CAT 034 I120 (cat_034_048.pcap), and
// compares with the tracker's own WGS-84 position I062/105.
//
// The two are not the same measurement: the track position is the
// tracker's estimate at the time of track (I062/070), fused from several
// sensors and smoothed, while I062/340 is the last plot of one radar, taken
// when the antenna swept the aircraft up to one rotation (about 5 s at
// 230 m/s, over 1 km) earlier. Agreement to 2 km at 150 to 190 NM range
// therefore shows the conversion is right (an error in the site, azimuth
// convention or slant-range handling shows as tens of km).
func TestLocateAgainstSystemTracks(t *testing.T) {
	services, _, _, err := decodePcap(t, "cat_034_048.pcap")
	if err != nil {
		t.Fatal(err)
	}
	var site Site
	found := false
	for _, r := range services {
		if src, _ := r.Source(); r.Category == 34 && r.Has(120) && src == (SourceID{25, 12}) {
			site = Site{Lat: r.Cat034.I120.Lat, Lon: r.Cat034.I120.Lon, HeightM: r.Cat034.I120.HeightM}
			found = true
		}
	}
	if !found {
		t.Fatal("no CAT 034 I120 of radar 25/12 in the capture")
	}
	tracks, _, _, err := decodePcap(t, "cat_062_065.pcap")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range tracks {
		p, ok := r.Polar()
		if !ok || p.Radar != (SourceID{25, 12}) {
			continue
		}
		fl, _ := r.FlightLevel()
		got, ok := site.Locate(p.RangeM, p.Azimuth, fl*100*feetToM)
		if !ok {
			t.Fatalf("track %d: Locate failed", r.Cat062.I040)
		}
		want, _ := r.WGS84()
		d := distanceM(got, want)
		t.Logf("track %d: range %.1f NM az %.2f FL%.0f: located %.5f,%.5f; track %.5f,%.5f; %.0f m apart",
			r.Cat062.I040, p.RangeM/metresPerNM, p.Azimuth, fl, got.Lat, got.Lon, want.Lat, want.Lon, d)
		if d > 2000 {
			t.Errorf("track %d: located plot %.0f m from the system track position", r.Cat062.I040, d)
		}
		n++
	}
	if n != 2 {
		t.Errorf("compared %d tracks; want 2", n)
	}
}

// TestLocateAgainstCartesian checks, for every CAT 048 report of radar 25/12
// with I040, I042 and I090, that the radar's own calculated Cartesian
// position I048/042 agrees with the measured polar position in azimuth and
// in (slant) range — the radar tracks in its slant-range plane (I170 TCC=0)
// — and that Locate, from the site the radar announces, puts the target at
// the ground distance that slant range and height imply
// (sqrt(range² - Δh²), flat-earth, within 1 %).
func TestLocateAgainstCartesian(t *testing.T) {
	recs, _, _, err := decodePcap(t, "cat_034_048.pcap")
	if err != nil {
		t.Fatal(err)
	}
	site, n := Site{}, 0
	for _, r := range recs {
		if r.Category == 34 && r.Has(120) {
			site = Site{Lat: r.Cat034.I120.Lat, Lon: r.Cat034.I120.Lon, HeightM: r.Cat034.I120.HeightM}
		}
	}
	for _, r := range recs {
		src, _ := r.Source()
		x, y, okXY := r.Cartesian()
		p, okP := r.Polar()
		fl, okFL := r.FlightLevel()
		if r.Category != 48 || src != (SourceID{25, 12}) || !okXY || !okP || !okFL || r.Cat048.I170.TCC {
			continue
		}
		h := fl * 100 * feetToM
		got, ok := site.Locate(p.RangeM, p.Azimuth, h)
		if !ok {
			t.Fatalf("Locate failed for %+v", p)
		}
		if plane := math.Hypot(x, y); math.Abs(plane-p.RangeM) > 0.01*p.RangeM {
			t.Errorf("track %d: I042 range %.0f m, I040 range %.0f m", r.Cat048.I161, plane, p.RangeM)
		}
		az := math.Atan2(x, y) * 180 / math.Pi
		if d := math.Abs(math.Remainder(az-p.Azimuth, 360)); d > 0.5 {
			t.Errorf("track %d: I042 azimuth %.3f, I040 azimuth %.3f", r.Cat048.I161, az, p.Azimuth)
		}
		dh := h - site.HeightM
		flat := math.Sqrt(p.RangeM*p.RangeM - dh*dh)
		if ground := distanceM(LatLon{site.Lat, site.Lon}, got); math.Abs(ground-flat) > 0.01*flat {
			t.Errorf("track %d: located at %.0f m ground distance; slant range and height give %.0f m", r.Cat048.I161, ground, flat)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d CAT 048 reports of radar 25/12 with I040, I042 and I090", n)
	}
	t.Logf("%d reports compared", n)
}

func TestTimeResolve(t *testing.T) {
	r := Record{Category: 48, present: 1 << 1}
	r.Cat048.I140 = 23*time.Hour + 59*time.Minute + 59*time.Second
	tests := []struct{ ref, want time.Time }{
		{time.Date(2024, 5, 2, 0, 0, 2, 0, time.UTC), time.Date(2024, 5, 1, 23, 59, 59, 0, time.UTC)},
		{time.Date(2024, 5, 1, 23, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 23, 59, 59, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got, ok := r.Time(tt.ref); !ok || !got.Equal(tt.want) {
			t.Errorf("Time(%v) = %v, %v; want %v", tt.ref, got, ok, tt.want)
		}
	}
	r.Cat048.I140 = 10 * time.Second
	ref := time.Date(2024, 5, 1, 23, 59, 50, 0, time.UTC)
	if got, _ := r.Time(ref); !got.Equal(time.Date(2024, 5, 2, 0, 0, 10, 0, time.UTC)) {
		t.Errorf("Time(%v) = %v; want the next day", ref, got)
	}
}

// TestAccessors checks the category-independent view on the first record of
// each recording against the reference decoder's values, converted by hand.
func TestAccessors(t *testing.T) {
	tracks, _, _, err := decodePcap(t, "cat_062_065.pcap")
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %v; want %v", name, got, want)
		}
	}
	r := tracks[0].Record
	src, _ := r.Source()
	tod, _ := r.TimeOfDay()
	track, _ := r.Track()
	code, _ := r.Mode3A()
	fl, _ := r.FlightLevel()
	if src != (SourceID{25, 100}) || tod != 45827*time.Second+398437500*time.Nanosecond || track != 4713 || code.String() != "1275" || fl != 390 {
		t.Errorf("CAT 062: source %v, tod %v, track %d, code %s, FL %v", src, tod, track, code, fl)
	}
	pos, _ := r.WGS84()
	near("lat", pos.Lat, 41.1671233, 1e-7)
	near("lon", pos.Lon, 15.7088667, 1e-7)
	x, y, _ := r.Cartesian()
	near("x", x, -29514.5, 0)
	near("y", y, -507088, 0)
	// I185 228.75, -47.25 m/s: speed hypot = 233.5789 m/s, course
	// atan2(228.75, -47.25) = 101.6707 deg.
	v, _ := r.Velocity()
	near("speed", v.Speed, 233.5789481, 1e-6)
	near("course", v.Course, 101.6707324, 1e-6)
	p, _ := r.Polar()
	near("range", p.RangeM, 147.7265625*1852, 1e-6)
	if p.Radar != (SourceID{25, 12}) {
		t.Errorf("polar radar %v", p.Radar)
	}

	reports, _, _, err := decodePcap(t, "cat_034_048.pcap")
	if err != nil {
		t.Fatal(err)
	}
	r = reports[0].Record
	// I200 434.3994141 kt = 223.4744 m/s at 124.0026855 deg.
	v, _ = r.Velocity()
	near("speed", v.Speed, 434.3994141*1852/3600, 1e-6)
	near("course", v.Course, 124.0026855, 1e-6)
	near("vx", v.VX, v.Speed*math.Sin(124.0026855*math.Pi/180), 1e-5)
	near("vy", v.VY, v.Speed*math.Cos(124.0026855*math.Pi/180), 1e-5)
	if _, ok := r.WGS84(); ok {
		t.Error("CAT 048 WGS84 ok: it needs the site")
	}
	if _, _, ok := r.Cartesian(); ok {
		t.Error("Cartesian ok without I042")
	}
}

// TestLocateMeasureRoundTrip checks Locate against the exact inverse
// geometry: for sites and targets all over the ellipsoid, the point Locate
// returns is seen by Measure at the same range and azimuth (to a
// centimetre), and Locate of what Measure reports is the same point.
func TestLocateMeasureRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 48))
	n := 0
	for range 5000 {
		site := Site{Lat: rng.Float64()*160 - 80, Lon: rng.Float64()*360 - 180, HeightM: rng.Float64() * 1000}
		rangeM := 100 + rng.Float64()*400e3
		theta := rng.Float64() * 360
		h := rng.Float64() * 12000
		p, ok := site.Locate(rangeM, theta, h)
		if !ok {
			continue // the range cannot reach that height
		}
		n++
		r2, th2 := site.Measure(p, h)
		dTheta := math.Abs(math.Remainder(th2-theta, 360)) * math.Pi / 180
		if math.Abs(r2-rangeM) > 0.01 || rangeM*dTheta > 0.01 {
			t.Fatalf("site %+v: Locate(%.3f, %.6f, %.1f) = %+v, measured back as %.3f, %.6f", site, rangeM, theta, h, p, r2, th2)
		}
		q, ok := site.Locate(r2, th2, h)
		if !ok || distanceM(p, q) > 0.01 {
			t.Fatalf("site %+v: Locate(Measure(%+v)) = %+v", site, p, q)
		}
	}
	if n < 4000 {
		t.Errorf("only %d of 5000 cases reachable", n)
	}
}
