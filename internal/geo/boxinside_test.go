package geo_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// TestBoxInside: a box BoxInside says is inside holds only points the
// index finds inside (a grid of points over it, its corners and edges
// included), on boxes of 0.001° to 0.5° round real coastal ship
// positions and at random over the globe; and it says so for some of
// them (deep inland), so the shortcut is used.
func TestBoxInside(t *testing.T) {
	mask := loadMask50m(t)
	idx := mask.Index()
	rng := rand.New(rand.NewPCG(9, 9))
	centres := coastalPoints(t)
	for range 20000 {
		centres = append(centres, geo.Point{Lat: rng.Float64()*170 - 85, Lon: rng.Float64()*358 - 179})
	}
	inside, checked := 0, 0
	for i, c := range centres {
		if i%7 != 0 {
			continue // the coastal set is large; every seventh is enough
		}
		half := []float64{0.0005, 0.01, 0.05, 0.25}[i%4]
		minLon, minLat, maxLon, maxLat := c.Lon-half, c.Lat-half, c.Lon+half, c.Lat+half
		if minLon < -180 || maxLon > 180 {
			continue
		}
		checked++
		if !idx.BoxInside(minLon, minLat, maxLon, maxLat) {
			continue
		}
		inside++
		const n = 6
		for a := range n + 1 {
			for b := range n + 1 {
				p := geo.Point{Lat: minLat + (maxLat-minLat)*float64(a)/n, Lon: minLon + (maxLon-minLon)*float64(b)/n}
				if !idx.Any(p) {
					t.Fatalf("BoxInside(%v, %v, %v, %v) = true; but %v is not inside", minLon, minLat, maxLon, maxLat, p)
				}
			}
		}
	}
	t.Logf("%d of %d boxes inside", inside, checked)
	if inside == 0 || inside == checked {
		t.Errorf("%d of %d boxes inside; want some, not all", inside, checked)
	}
	if idx.BoxInside(10, 50, 9, 51) || idx.BoxInside(10, 51, 11, 50) {
		t.Error("an empty box (min above max) is inside")
	}
}
