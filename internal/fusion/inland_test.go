package fusion

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// TestInlandExact: the land check with the cache of inland cells gives
// exactly the answers of the eight probes, for the default margin and a
// wide one, on the real NOAA day's positions (the Great Lakes and rivers
// are land in the coarse mask), points up to 5 km round them, and random
// points over the globe, from a cold cache and a warm one; and the cache
// answers a share of them.
func TestInlandExact(t *testing.T) {
	land, err := geo.DefaultLand()
	if err != nil {
		t.Fatal(err)
	}
	rows := aistest.ReadTracks(t, aistest.TrackPath(t, "noaa_us_coast_20220103.csv.gz"))
	rng := rand.New(rand.NewPCG(3, 3))
	var pts []geo.Point
	for _, r := range rows {
		pts = append(pts, geo.Point{Lat: r.Lat, Lon: r.Lon},
			geo.Point{Lat: r.Lat + (rng.Float64()-0.5)*0.09, Lon: r.Lon + (rng.Float64()-0.5)*0.09})
	}
	for range 50000 {
		pts = append(pts, geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180})
	}
	for _, margin := range []float64{0, 10000} { // 0: the default (2 km)
		cached := NewPicture(Config{Land: land, LandMargin: margin})
		probed := NewPicture(Config{Land: land, LandMargin: margin})
		probed.cfg.inland = nil
		if cached.cfg.inland == nil {
			t.Fatal("no inland cache over the default land mask")
		}
		onLand := 0
		for pass := range 2 {
			for _, pt := range pts {
				got, want := cached.onLand(pt), probed.onLand(pt)
				if got != want {
					t.Fatalf("margin %v, pass %d: onLand(%v) = %v with the inland cache; %v probed", margin, pass, pt, got, want)
				}
				if want {
					onLand++
				}
			}
		}
		hits := cached.cfg.inland.hits.Load()
		t.Logf("margin %v: %d lookups, %d on land past the margin, %d from inland cells (%d cells classified)",
			margin, 2*len(pts), onLand, hits, cached.cfg.inland.misses.Load())
		if hits == 0 || hits > int64(onLand) {
			t.Errorf("margin %v: %d answered from inland cells of %d on land", margin, hits, onLand)
		}
	}
}
