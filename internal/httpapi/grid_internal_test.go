package httpapi

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// randomBox returns a box of random size (a few metres to the whole
// Earth) around a random point, a third of them crossing the
// antimeridian.
func randomBox(r *rand.Rand) geo.Rect {
	size := []float64{0.001, 0.1, 1, 5, 30, 120, 400}[r.IntN(7)] * r.Float64()
	lat := r.Float64()*180 - 90
	lon := r.Float64()*360 - 180
	if r.IntN(3) == 0 {
		lon = 180 - r.Float64()*2*size + size // near 180°
	}
	b := geo.Rect{MinLat: max(lat-size/2, -90), MaxLat: min(lat+size/2, 90)}
	if size >= 360 {
		b.MinLon, b.MaxLon = -180, 180
		return b
	}
	b.MinLon, b.MaxLon = geo.NormalizeLon(lon-size/2), geo.NormalizeLon(lon+size/2)
	if b.MaxLon == -180 {
		b.MaxLon = 180
	}
	return b
}

// TestGridQuery checks the grid against a scan: after random moves (new
// vessels, moves within and across cells, across the antimeridian, to the
// poles, losing the position), every vessel inside a random box is among
// the candidates, each candidate once, and only candidates of cells that
// meet the box.
func TestGridQuery(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 17))
	g := newGrid()
	type pos struct {
		lat, lon float64
		ok       bool
	}
	truth := map[vessel.MMSI]pos{}
	special := []pos{{90, 0, true}, {-90, 179.99, true}, {0, 180, true}, {0, -180, true}, {45, 179.75, true}, {45, -179.75, true}, {10, 10, false}}
	for i := range 20000 {
		m := vessel.MMSI(200000000 + r.IntN(3000))
		p := pos{r.Float64()*180 - 90, r.Float64()*360 - 180, r.IntN(50) != 0}
		if i%10 == 0 {
			p = special[r.IntN(len(special))]
		} else if old, ok := truth[m]; ok && old.ok && r.IntN(2) == 0 {
			p = pos{min(max(old.lat+r.NormFloat64()*0.2, -90), 90), geo.NormalizeLon(old.lon + r.NormFloat64()*0.2), true}
		}
		g.move(m, p.ok, p.lat, p.lon)
		truth[m] = p
	}
	located := 0
	for _, p := range truth {
		if p.ok {
			located++
		}
	}
	if g.len() != located {
		t.Fatalf("grid holds %d vessels; want the %d located", g.len(), located)
	}
	for range 2000 {
		box := randomBox(r)
		got := g.query(box, nil)
		seen := map[vessel.MMSI]bool{}
		for _, m := range got {
			if seen[m] {
				t.Fatalf("query(%+v) returns %v twice", box, m)
			}
			seen[m] = true
			p := truth[m]
			if !p.ok {
				t.Fatalf("query(%+v) returns %v, which has no position", box, m)
			}
			c := cellID(cellRow(p.lat)*gridCols + cellCol(p.lon))
			if !c.rect().Intersects(box) {
				t.Fatalf("query(%+v) returns %v at %v,%v: its cell %+v is outside the box", box, m, p.lat, p.lon, c.rect())
			}
		}
		for m, p := range truth {
			if p.ok && box.Contains(geo.Point{Lat: p.lat, Lon: p.lon}) && !seen[m] {
				t.Fatalf("query(%+v) misses %v at %v,%v", box, m, p.lat, p.lon)
			}
		}
	}
	// Taking every vessel out leaves an empty grid.
	for _, m := range slices.Sorted(func(yield func(vessel.MMSI) bool) {
		for m := range truth {
			if !yield(m) {
				return
			}
		}
	}) {
		g.move(m, false, 0, 0)
	}
	if g.len() != 0 || len(g.cells) != 0 {
		t.Errorf("after removing every vessel: %d vessels in %d cells; want none", g.len(), len(g.cells))
	}
}
