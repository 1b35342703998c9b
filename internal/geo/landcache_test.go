package geo_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// coastalPoints returns the positions of the real NOAA day (ships, most
// of them in harbours and along coasts) and, for each, points up to about
// 2 km around it: where land lookups are hard.
func coastalPoints(tb testing.TB) []geo.Point {
	rows := aistest.ReadTracks(tb, aistest.TrackPath(tb, "noaa_us_coast_20220103.csv.gz"))
	rng := rand.New(rand.NewPCG(4, 4))
	var pts []geo.Point
	for _, r := range rows {
		p := geo.Point{Lat: r.Lat, Lon: r.Lon}
		pts = append(pts, p, geo.Point{Lat: p.Lat + (rng.Float64()-0.5)*0.04, Lon: p.Lon + (rng.Float64()-0.5)*0.04})
	}
	return pts
}

// TestCellCacheExact: the cache gives exactly the index's answers, on
// real ship positions and points around them, random points over the
// globe, the poles and the antimeridian, first from a cold cache and then
// from a warm one, with a table large enough and one so small that cells
// keep replacing each other.
func TestCellCacheExact(t *testing.T) {
	pts := coastalPoints(t)
	rng := rand.New(rand.NewPCG(8, 8))
	for range 100000 {
		pts = append(pts, geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180})
	}
	for _, lat := range []float64{-90, -89.999, -85, -16.8, 0, 66, 71.25, 89.999, 90} {
		for _, lon := range []float64{-180, -179.995, -179.9, 179.9, 179.99, 180, 0, 539, -400} {
			pts = append(pts, geo.Point{Lat: lat, Lon: lon})
		}
	}
	for _, m := range []struct {
		name string
		mask *geo.LandMask
	}{{"1:50m", loadMask50m(t)}, {"1:10m", loadMask10m(t)}} {
		for _, slots := range []int{0, 64} {
			c := geo.NewCellCache(m.mask.Index(), 0, slots)
			land, wrong := 0, 0
			for pass := range 2 {
				for _, p := range pts {
					want := m.mask.OnLand(p)
					if got := c.OnLand(p); got != want {
						if wrong++; wrong <= 5 {
							t.Errorf("%s, %d slots, pass %d: OnLand(%v) = %v; the index says %v", m.name, slots, pass, p, got, want)
						}
					}
					if want {
						land++
					}
				}
			}
			st := c.Stats()
			t.Logf("%s, %d slots: %d lookups, %d on land; %+v", m.name, st.Slots, 2*len(pts), land, st)
			if st.Misses == 0 || st.Misses >= int64(2*len(pts)) {
				t.Errorf("%s, %d slots: %d misses of %d lookups", m.name, slots, st.Misses, 2*len(pts))
			}
			if slots == 64 && st.Replaced == 0 {
				t.Errorf("%s, 64 slots: no cell replaced", m.name)
			}
		}
	}
}

// BenchmarkLandLookup compares, in one run, land lookups in the index
// (the bundled 1:50m land) and through a CellCache, over the real NOAA
// day's positions in time order (as fusion looks them up):
//
//	go test -run '^$' -bench BenchmarkLandLookup -cpu 1 ./internal/geo
func BenchmarkLandLookup(b *testing.B) {
	rows := aistest.ReadTracks(b, aistest.TrackPath(b, "noaa_us_coast_20220103.csv.gz"))
	pts := make([]geo.Point, len(rows))
	for i, r := range rows {
		pts[i] = geo.Point{Lat: r.Lat, Lon: r.Lon}
	}
	m := loadMask50m(b)
	run := func(b *testing.B, any func(geo.Point) bool) {
		n := 0
		start := cpuNow()
		for b.Loop() {
			for _, p := range pts {
				if any(p) {
					n++
				}
			}
		}
		b.ReportMetric(float64(len(pts)*b.N)/b.Elapsed().Seconds(), "lookups/s")
		if cpu := cpuNow() - start; cpu > 0 {
			b.ReportMetric(float64(len(pts)*b.N)/cpu.Seconds(), "lookups/cpu-s")
		}
		_ = n
	}
	b.Run("index", func(b *testing.B) { run(b, m.OnLand) })
	b.Run("cache", func(b *testing.B) {
		c := geo.NewCellCache(m.Index(), 0, 0)
		run(b, c.OnLand)
		b.ReportMetric(float64(c.Stats().Misses), "misses")
	})
}
