package geo_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

func TestOnLand(t *testing.T) {
	tests := []struct {
		name    string
		p       geo.Point
		land10m bool
		land50m bool
	}{
		{"mid-Atlantic", geo.Point{Lat: 30, Lon: -40}, false, false},
		{"equatorial Pacific", geo.Point{Lat: 0, Lon: -150}, false, false},
		{"Indian Ocean", geo.Point{Lat: -30, Lon: 80}, false, false},
		{"Southern Ocean", geo.Point{Lat: -60, Lon: 0}, false, false},
		{"Arctic Ocean", geo.Point{Lat: 85, Lon: 0}, false, false},
		{"north pole", geo.Point{Lat: 90, Lon: 0}, false, false},
		{"North Sea off Rotterdam", geo.Point{Lat: 51.99, Lon: 3.9}, false, false},
		{"New York Upper Bay", geo.Point{Lat: 40.68, Lon: -74.04}, false, false},
		{"San Francisco Bay", geo.Point{Lat: 37.81, Lon: -122.36}, false, false},
		{"Singapore Strait", geo.Point{Lat: 1.26, Lon: 103.8}, false, false},
		{"Caspian Sea (the one hole in the data)", geo.Point{Lat: 42, Lon: 50.5}, false, false},
		{"Sydney Harbour (1:10m only)", geo.Point{Lat: -33.85, Lon: 151.25}, false, true},
		{"Paris", geo.Point{Lat: 48.8566, Lon: 2.3522}, true, true},
		{"Denver", geo.Point{Lat: 39.7392, Lon: -104.9903}, true, true},
		{"Ulaanbaatar", geo.Point{Lat: 47.8864, Lon: 106.9057}, true, true},
		{"Greenland ice sheet", geo.Point{Lat: 72, Lon: -40}, true, true},
		{"Lake Baikal (lakes are land in Natural Earth)", geo.Point{Lat: 53.5, Lon: 108}, true, true},
		{"Rotterdam, Nieuwe Waterweg (not resolved)", geo.Point{Lat: 51.95, Lon: 4.05}, true, true},
		{"Chukotka, west of 180", geo.Point{Lat: 66, Lon: -175}, true, true},
		{"Wrangel Island, east of 180", geo.Point{Lat: 71.25, Lon: 179.9}, true, true},
		{"Wrangel Island, west of 180", geo.Point{Lat: 71.25, Lon: -179.9}, true, true},
		{"Taveuni, west of 180", geo.Point{Lat: -16.8, Lon: -179.99}, true, true},
		{"Taveuni's coast, 1:10m", geo.Point{Lat: -16.8, Lon: 179.99}, false, true},
		{"Antarctica on 180", geo.Point{Lat: -85, Lon: 180}, true, true},
		{"near the south pole", geo.Point{Lat: -89.9, Lon: 45}, true, true},
		{"south pole", geo.Point{Lat: -90, Lon: 0}, true, true},
	}
	m10, m50 := loadMask10m(t), loadMask50m(t)
	for _, tt := range tests {
		if got := m10.OnLand(tt.p); got != tt.land10m {
			t.Errorf("%s: 1:10m OnLand(%v) = %v; want %v", tt.name, tt.p, got, tt.land10m)
		}
		if got := m50.OnLand(tt.p); got != tt.land50m {
			t.Errorf("%s: 1:50m OnLand(%v) = %v; want %v", tt.name, tt.p, got, tt.land50m)
		}
	}
}

// TestDefaultLandVs10m compares the embedded 1:50m mask with 1:10m on
// random points: they differ only along coasts.
func TestDefaultLandVs10m(t *testing.T) {
	m10, m50 := loadMask10m(t), loadMask50m(t)
	rng := rand.New(rand.NewPCG(10, 10))
	const n = 100000
	differ := 0
	for range n {
		p := geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		if m10.OnLand(p) != m50.OnLand(p) {
			differ++
		}
	}
	t.Logf("1:50m and 1:10m differ on %d of %d random points", differ, n)
	if differ > n/200 {
		t.Errorf("1:50m and 1:10m differ on %d of %d random points; want under 0.5%%", differ, n)
	}
}

// seaWithin reports whether the mask has sea within d metres of p, probing
// 16 bearings at d/4, d/2 and d.
func seaWithin(m *geo.LandMask, p geo.Point, d float64) bool {
	for _, f := range []float64{0.25, 0.5, 1} {
		for b := 0.0; b < 360; b += 22.5 {
			if !m.OnLand(geo.Destination(p, b, d*f)) {
				return true
			}
		}
	}
	return false
}

// TestRealPositionsOnLand measures how many real AIS positions fall on
// Natural Earth 1:10m land, what a "position on land" flag built on it
// alone would raise.
//
// In the NOAA file (US coastal waters, 2022-01-03) it is two thirds of all
// positions, not a few percent: much of the US AIS traffic is on rivers
// (the Mississippi from New Orleans to Baton Rouge, the Houston Ship
// Channel, the Columbia), in ports and marinas, in Puget Sound's inlets and
// on the Great Lakes, and Natural Earth land covers lakes and rivers and
// does not resolve harbours. A quarter of those positions have sea within
// 1 km, another quarter within 5 km; a quarter are more than 20 km from the
// sea (rivers, lakes). Ships making over 15 knots, which are at sea or in
// dredged channels, are on land 4.7% of the time: that is the few percent
// the flag sees where the traffic is at sea. So the flag needs a margin of
// a few kilometres and a layer of inland waters; OnLand alone flags water.
func TestRealPositionsOnLand(t *testing.T) {
	m := loadMask10m(t)
	fixes := readTracks(t, trackPath("noaa_us_coast_20220103.csv.gz"), false)
	var land, within1, within5, within20, moored, mooredLand, fast, fastLand int
	for _, f := range fixes {
		on := m.OnLand(f.Pos)
		if f.Status == 5 {
			moored++
			if on {
				mooredLand++
			}
		}
		if f.SOG > 15 { // ships at speed: mostly at sea
			fast++
			if on {
				fastLand++
			}
		}
		if !on {
			continue
		}
		land++
		switch {
		case seaWithin(m, f.Pos, 1e3):
			within1++
		case seaWithin(m, f.Pos, 5e3):
			within5++
		case seaWithin(m, f.Pos, 20e3):
			within20++
		}
	}
	pct := func(n, of int) float64 { return 100 * float64(n) / float64(of) }
	t.Logf("NOAA: %d of %d positions on 1:10m land (%.1f%%); moored: %.1f%% of %d; over 15 knots: %.1f%% of %d",
		land, len(fixes), pct(land, len(fixes)), pct(mooredLand, moored), moored, pct(fastLand, fast), fast)
	t.Logf("NOAA positions on land with sea within 1 km: %d, 1-5 km: %d, 5-20 km: %d, farther: %d", within1, within5, within20, land-within1-within5-within20)
	if fastLand*20 > fast || mooredLand*2 < moored {
		t.Errorf("NOAA: %d of %d fast ships and %d of %d moored ones on land; want under 5%% and over half", fastLand, fast, mooredLand, moored)
	}
	// Exact: the index answers exactly as the polygons do.
	if len(fixes) != 99999 || land != 66884 || within1 != 18129 || within5 != 18802 || within20 != 12904 {
		t.Errorf("NOAA: %d rows, %d on land (%d, %d, %d within 1, 5, 20 km); want 99999, 66884 (18129, 18802, 12904)",
			len(fixes), land, within1, within5, within20)
	}

	dma := readTracks(t, trackPath("dma_stream_20100611_from_nmea.csv.gz"), false)
	dmaLand := 0
	for _, f := range dma {
		if m.OnLand(f.Pos) {
			dmaLand++
		}
	}
	t.Logf("DMA stream: %d of %d positions on 1:10m land (%.1f%%)", dmaLand, len(dma), pct(dmaLand, len(dma)))
	if dmaLand != 551 {
		t.Errorf("DMA stream: %d positions on land; want 551", dmaLand)
	}
}

// TestAucklandOnLand reads the Auckland tracks from the shared workspace:
// they have no licence, so they are not in the repository and the test
// skips without them.
func TestAucklandOnLand(t *testing.T) {
	fixes := readTracks(t, sharedTracks+"/"+aucklandTracks, true)
	m := loadMask10m(t)
	land := 0
	for _, f := range fixes {
		if m.OnLand(f.Pos) {
			land++
		}
	}
	// Waitematā Harbour and the ferry berths are not resolved at 1:10m.
	t.Logf("Auckland: %d of %d positions on 1:10m land (%.1f%%)", land, len(fixes), 100*float64(land)/float64(len(fixes)))
	if land != 16445 {
		t.Errorf("Auckland: %d positions on land; want 16445", land)
	}
}
