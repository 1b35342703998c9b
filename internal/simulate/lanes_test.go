package simulate

import (
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// TestLanesAtSea checks that every lane, sailed either way at each of the
// offsets ships keep from its axis, is clear of the 1:50m land, and that
// its waypoints are at least a kilometre from it.
func TestLanesAtSea(t *testing.T) {
	land, err := geo.DefaultLand()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{land: land}
	for _, l := range Lanes() {
		if len(l.Points) < 2 || l.Weight <= 0 || l.From == "" || l.To == "" {
			t.Errorf("lane %q: %d points, weight %v, ends %q %q", l.Name, len(l.Points), l.Weight, l.From, l.To)
			continue
		}
		for i, p := range l.Points {
			if !w.atSea(p, 1000) {
				t.Errorf("lane %q: waypoint %d %v is within 1 km of land", l.Name, i, p)
			}
		}
		rev := make([]geo.Point, len(l.Points))
		for i, p := range l.Points {
			rev[len(rev)-1-i] = p
		}
		for _, ps := range [][]geo.Point{l.Points, rev} {
			for k := 1; k <= laneOffsets; k++ {
				off := laneOffset * float64(k)
				path := offsetPath(ps, off)
				for i := 1; i < len(path); i++ {
					if !w.clear(path[i-1], path[i]) {
						t.Errorf("lane %q offset %v m: leg %v to %v crosses land", l.Name, off, path[i-1], path[i])
					}
				}
			}
		}
	}
}
