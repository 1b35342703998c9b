package geo_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// ring builds a ring from lon,lat pairs, the order GeoJSON uses.
func ring(lonlat ...float64) geo.Ring {
	r := make(geo.Ring, 0, len(lonlat)/2)
	for i := 0; i+1 < len(lonlat); i += 2 {
		r = append(r, geo.Point{Lon: lonlat[i], Lat: lonlat[i+1]})
	}
	return r
}

// reversed returns r with its vertices in the opposite order.
func reversed(r geo.Ring) geo.Ring {
	c := slices.Clone(r)
	slices.Reverse(c)
	return c
}

var (
	unitSquare = geo.Polygon{Outer: ring(0, 0, 1, 0, 1, 1, 0, 1, 0, 0)}
	// A 10°×10° square with a 4°×4° square hole in the middle.
	squareWithHole = geo.Polygon{
		Outer: ring(0, 0, 10, 0, 10, 10, 0, 10, 0, 0),
		Holes: []geo.Ring{ring(3, 3, 7, 3, 7, 7, 3, 7, 3, 3)},
	}
	// A "C" open to the east: concave, with a notch between lat 2 and 8.
	cShape = geo.Polygon{Outer: ring(0, 0, 10, 0, 10, 2, 2, 2, 2, 8, 10, 8, 10, 10, 0, 10)}
	// A zone across the antimeridian, unsplit, and the same zone split at
	// 180 (RFC 7946 §3.1.9), and written with longitudes beyond 180 as web
	// maps do.
	pacificZone      = geo.Polygon{Outer: ring(170, -10, -170, -10, -170, 10, 170, 10, 170, -10)}
	pacificSplit     = geo.MultiPolygon{{Outer: ring(170, -10, 180, -10, 180, 10, 170, 10, 170, -10)}, {Outer: ring(-180, -10, -170, -10, -170, 10, -180, 10, -180, -10)}}
	pacificUnwrapped = geo.Polygon{Outer: ring(170, -10, 190, -10, 190, 10, 170, 10, 170, -10)}
	// Rings round a pole, like Antarctica's coast.
	southCap = geo.Polygon{Outer: ring(-180, -70, -90, -70, 0, -70, 90, -70, 180, -70)}
	northCap = geo.Polygon{Outer: ring(180, 75, 90, 75, 0, 75, -90, 75, -180, 75)}
	// A ring round the Earth's south polar region with a polar hole: the
	// band between 60°S and 80°S.
	southBand = geo.Polygon{
		Outer: ring(-180, -60, -60, -60, 60, -60, 180, -60),
		Holes: []geo.Ring{ring(180, -80, 60, -80, -60, -80, -180, -80)},
	}
	// A band round the equator between 10°S and 10°N drawn as a box with
	// intermediate vertices (no edge wider than 180°).
	equatorBand = geo.Polygon{Outer: ring(-180, -10, -90, -10, 0, -10, 90, -10, 180, -10, 180, 10, 90, 10, 0, 10, -90, 10, -180, 10, -180, -10)}
)

func TestPolygonContains(t *testing.T) {
	tests := []struct {
		name string
		pg   geo.Polygon
		p    geo.Point
		want bool
	}{
		{"square inside", unitSquare, geo.Point{Lat: 0.5, Lon: 0.5}, true},
		{"square outside", unitSquare, geo.Point{Lat: 1.5, Lon: 0.5}, false},
		{"square outside west", unitSquare, geo.Point{Lat: 0.5, Lon: -0.5}, false},
		// Boundary points belong to the area north (for north-south edges,
		// east) of the edge.
		{"south edge", unitSquare, geo.Point{Lat: 0, Lon: 0.5}, true},
		{"north edge", unitSquare, geo.Point{Lat: 1, Lon: 0.5}, false},
		{"west edge", unitSquare, geo.Point{Lat: 0.5, Lon: 0}, true},
		{"east edge", unitSquare, geo.Point{Lat: 0.5, Lon: 1}, false},
		{"south-west vertex", unitSquare, geo.Point{Lat: 0, Lon: 0}, true},
		{"north-east vertex", unitSquare, geo.Point{Lat: 1, Lon: 1}, false},
		{"south-east vertex", unitSquare, geo.Point{Lat: 0, Lon: 1}, false},
		{"hole: in the ring", squareWithHole, geo.Point{Lat: 1, Lon: 1}, true},
		{"hole: in the hole", squareWithHole, geo.Point{Lat: 5, Lon: 5}, false},
		{"hole: between hole and edge", squareWithHole, geo.Point{Lat: 5, Lon: 8}, true},
		{"hole: south edge of the hole", squareWithHole, geo.Point{Lat: 3, Lon: 5}, false},
		{"hole: north edge of the hole", squareWithHole, geo.Point{Lat: 7, Lon: 5}, true},
		{"hole: outside", squareWithHole, geo.Point{Lat: 5, Lon: 11}, false},
		{"concave: in the notch", cShape, geo.Point{Lat: 5, Lon: 6}, false},
		{"concave: back of the C", cShape, geo.Point{Lat: 5, Lon: 1}, true},
		{"concave: lower arm", cShape, geo.Point{Lat: 1, Lon: 8}, true},
		{"concave: upper arm", cShape, geo.Point{Lat: 9, Lon: 8}, true},
		{"concave: reflex vertex", cShape, geo.Point{Lat: 2, Lon: 2}, false},
		{"concave: ray through a vertex", cShape, geo.Point{Lat: 1, Lon: 10}, false},
		{"antimeridian: east side", pacificZone, geo.Point{Lat: 0, Lon: 175}, true},
		{"antimeridian: west side", pacificZone, geo.Point{Lat: 0, Lon: -175}, true},
		{"antimeridian: on 180", pacificZone, geo.Point{Lat: 0, Lon: 180}, true},
		{"antimeridian: on -180", pacificZone, geo.Point{Lat: 0, Lon: -180}, true},
		{"antimeridian: 185", pacificZone, geo.Point{Lat: 0, Lon: 185}, true},
		{"antimeridian: east edge as 190", pacificZone, geo.Point{Lat: 0, Lon: 190}, false},
		{"antimeridian: Greenwich", pacificZone, geo.Point{Lat: 0, Lon: 0}, false},
		{"antimeridian: west of the zone", pacificZone, geo.Point{Lat: 0, Lon: 160}, false},
		{"antimeridian: east of the zone", pacificZone, geo.Point{Lat: 0, Lon: -160}, false},
		{"unwrapped: 175", pacificUnwrapped, geo.Point{Lat: 0, Lon: 175}, true},
		{"unwrapped: -175", pacificUnwrapped, geo.Point{Lat: 0, Lon: -175}, true},
		{"unwrapped: Greenwich", pacificUnwrapped, geo.Point{Lat: 0, Lon: 0}, false},
		{"south cap: inside", southCap, geo.Point{Lat: -80, Lon: 45}, true},
		{"south cap: pole", southCap, geo.Point{Lat: -90, Lon: 0}, true},
		{"south cap: on 180", southCap, geo.Point{Lat: -75, Lon: 180}, true},
		{"south cap: outside", southCap, geo.Point{Lat: -60, Lon: 45}, false},
		{"south cap: north pole", southCap, geo.Point{Lat: 90, Lon: 0}, false},
		{"north cap: inside", northCap, geo.Point{Lat: 80, Lon: -100}, true},
		{"north cap: pole", northCap, geo.Point{Lat: 90, Lon: 0}, true},
		{"north cap: outside", northCap, geo.Point{Lat: 70, Lon: -100}, false},
		{"south band: inside", southBand, geo.Point{Lat: -70, Lon: 123}, true},
		{"south band: pole", southBand, geo.Point{Lat: -90, Lon: 0}, false},
		{"south band: north of it", southBand, geo.Point{Lat: -50, Lon: 0}, false},
		{"equator band: Greenwich", equatorBand, geo.Point{Lat: 0, Lon: 0}, true},
		{"equator band: 180", equatorBand, geo.Point{Lat: 5, Lon: 180}, true},
		{"equator band: -180", equatorBand, geo.Point{Lat: -5, Lon: -180}, true},
		{"equator band: north", equatorBand, geo.Point{Lat: 11, Lon: 33}, false},
		{"empty polygon", geo.Polygon{}, geo.Point{}, false},
		{"degenerate ring", geo.Polygon{Outer: ring(0, 0, 1, 1, 0, 0)}, geo.Point{Lat: 0.5, Lon: 0.5}, false},
	}
	for _, tt := range tests {
		if got := tt.pg.Contains(tt.p); got != tt.want {
			t.Errorf("%s: Contains(%v) = %v; want %v", tt.name, tt.p, got, tt.want)
		}
		// Orientation does not matter.
		rev := geo.Polygon{Outer: reversed(tt.pg.Outer)}
		for _, h := range tt.pg.Holes {
			rev.Holes = append(rev.Holes, reversed(h))
		}
		if got := rev.Contains(tt.p); got != tt.want && !onBoundaryCase(tt.name) {
			t.Errorf("%s, reversed: Contains(%v) = %v; want %v", tt.name, tt.p, got, tt.want)
		}
		// The index gives the same answer.
		idx, err := geo.NewIndex([]geo.MultiPolygon{{tt.pg}}, geo.IndexOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := idx.Any(tt.p); got != tt.want {
			t.Errorf("%s: Index.Any(%v) = %v; want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

// onBoundaryCase tells the cases whose point is on an edge: reversing the
// ring may change which side such a point is on by rounding.
func onBoundaryCase(name string) bool {
	return slices.Contains([]string{"south edge", "north edge", "west edge", "east edge"}, name)
}

// TestSharedEdge checks that a point on an edge shared by two polygons is
// in exactly one of them.
func TestSharedEdge(t *testing.T) {
	west := geo.Polygon{Outer: ring(0, 0, 1, 0, 1, 1, 0, 1, 0, 0)}
	east := geo.Polygon{Outer: ring(1, 0, 2, 0, 2, 1, 1, 1, 1, 0)}
	north := geo.Polygon{Outer: ring(0, 1, 1, 1, 1, 2, 0, 2, 0, 1)}
	// (1, 1) is in neither: north-east of it is outside both.
	for _, p := range []geo.Point{{Lat: 0.5, Lon: 1}, {Lat: 0, Lon: 1}} {
		if w, e := west.Contains(p), east.Contains(p); w == e {
			t.Errorf("%v: in west %v, in east %v; want exactly one", p, w, e)
		}
	}
	for _, p := range []geo.Point{{Lat: 1, Lon: 0.5}, {Lat: 1, Lon: 0}} {
		if s, n := west.Contains(p), north.Contains(p); s == n {
			t.Errorf("%v: in south %v, in north %v; want exactly one", p, s, n)
		}
	}
}

// TestAntimeridianForms checks that the unsplit, split and unwrapped forms
// of a zone across the antimeridian agree on random points around it.
func TestAntimeridianForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for range 5000 {
		p := geo.Point{Lat: rng.Float64()*30 - 15, Lon: geo.NormalizeLon(160 + rng.Float64()*40)}
		a, b, c := pacificZone.Contains(p), pacificSplit.Contains(p), pacificUnwrapped.Contains(p)
		want := p.Lat >= -10 && p.Lat < 10 && (p.Lon >= 170 || p.Lon < -170)
		if a != want || b != want || c != want {
			t.Fatalf("%v: unsplit %v, split %v, unwrapped %v; want %v", p, a, b, c, want)
		}
	}
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name string
		got  geo.Rect
		want geo.Rect
	}{
		{"square", unitSquare.Bounds(), geo.Rect{MinLat: 0, MinLon: 0, MaxLat: 1, MaxLon: 1}},
		{"across 180", pacificZone.Bounds(), geo.Rect{MinLat: -10, MinLon: 170, MaxLat: 10, MaxLon: -170}},
		{"unwrapped", pacificUnwrapped.Bounds(), geo.Rect{MinLat: -10, MinLon: 170, MaxLat: 10, MaxLon: -170}},
		{"split", pacificSplit.Bounds(), geo.Rect{MinLat: -10, MinLon: 170, MaxLat: 10, MaxLon: -170}},
		{"south cap", southCap.Bounds(), geo.Rect{MinLat: -90, MinLon: -180, MaxLat: -70, MaxLon: 180}},
		{"north cap", northCap.Bounds(), geo.Rect{MinLat: 75, MinLon: -180, MaxLat: 90, MaxLon: 180}},
		{"equator band", equatorBand.Bounds(), geo.Rect{MinLat: -10, MinLon: -180, MaxLat: 10, MaxLon: 180}},
		{"east edge at 180", geo.Polygon{Outer: ring(170, 0, 180, 0, 180, 1, 170, 0)}.Bounds(), geo.Rect{MinLat: 0, MinLon: 170, MaxLat: 1, MaxLon: 180}},
		{"multipolygon", geo.MultiPolygon{unitSquare, squareWithHole}.Bounds(), geo.Rect{MinLat: 0, MinLon: 0, MaxLat: 10, MaxLon: 10}},
		{"empty", geo.MultiPolygon{}.Bounds(), geo.Rect{}},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: Bounds() = %+v; want %+v", tt.name, tt.got, tt.want)
		}
	}
}
