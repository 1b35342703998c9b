package geo_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// star returns a star-shaped ring of n vertices around c, with radii
// between 0.5 and 1 times radius metres. Near the antimeridian it crosses
// it; around a pole it encloses the pole.
func star(rng *rand.Rand, c geo.Point, radius float64, n int) geo.Ring {
	r := make(geo.Ring, 0, n+1)
	for i := range n {
		r = append(r, geo.Destination(c, float64(i)*360/float64(n), radius*(0.5+0.5*rng.Float64())))
	}
	return append(r, r[0])
}

// randomZones returns n overlapping zones of one to three star polygons,
// some with a hole, scattered over the whole Earth, and the centres used.
func randomZones(rng *rand.Rand, n int) ([]geo.MultiPolygon, []geo.Point) {
	var zones []geo.MultiPolygon
	var centres []geo.Point
	for range n {
		var mp geo.MultiPolygon
		for range 1 + rng.IntN(3) {
			c := geo.Point{Lat: rng.Float64()*170 - 85, Lon: rng.Float64()*360 - 180}
			if rng.IntN(8) == 0 { // near the antimeridian
				c.Lon = 179 + rng.Float64()*2
			}
			if rng.IntN(16) == 0 { // round a pole
				c.Lat = math.Copysign(87, c.Lat)
			}
			radius := 50e3 + rng.Float64()*1500e3
			pg := geo.Polygon{Outer: star(rng, c, radius, 5+rng.IntN(60))}
			if rng.IntN(3) == 0 {
				pg.Holes = []geo.Ring{star(rng, c, radius*0.2, 5+rng.IntN(10))}
			}
			mp = append(mp, pg)
			centres = append(centres, c)
		}
		zones = append(zones, mp)
	}
	return zones, centres
}

// TestIndexContaining checks Containing against MultiPolygon.Contains for
// overlapping random zones, across the antimeridian and round the poles,
// with the automatic cell size, tiny cells (long walks between cells) and
// huge ones.
func TestIndexContaining(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	zones, centres := randomZones(rng, 60)
	points := make([]geo.Point, 0, 20000)
	for range 10000 {
		points = append(points, geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180})
		c := centres[rng.IntN(len(centres))]
		points = append(points, geo.Destination(c, rng.Float64()*360, rng.Float64()*1500e3))
	}
	want := make([][]int, len(points))
	for k, p := range points {
		for i, z := range zones {
			if z.Contains(p) {
				want[k] = append(want[k], i)
			}
		}
	}
	for _, size := range []float64{0, 0.2, 7} {
		idx, err := geo.NewIndex(zones, geo.IndexOptions{CellSize: size})
		if err != nil {
			t.Fatal(err)
		}
		multi := 0
		for k, p := range points {
			got := idx.Containing(p)
			if !slices.Equal(got, want[k]) {
				t.Fatalf("cell size %v: Containing(%v) = %v; want %v", size, p, got, want[k])
			}
			if idx.Any(p) != (len(want[k]) > 0) {
				t.Fatalf("cell size %v: Any(%v) = %v; want %v", size, p, idx.Any(p), len(want[k]) > 0)
			}
			if len(got) > 1 {
				multi++
			}
		}
		if multi == 0 {
			t.Fatalf("no point in two zones: the test does not exercise overlaps")
		}
		t.Logf("cell size %v: %+v; %d points in several zones", size, idx.Stats(), multi)
	}
}

func TestIndexEmpty(t *testing.T) {
	for _, items := range [][]geo.MultiPolygon{nil, {nil}, {{geo.Polygon{}}}, {{geo.Polygon{Outer: ring(0, 0, 1, 1, 0, 0)}}}} {
		idx, err := geo.NewIndex(items, geo.IndexOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if idx.Any(geo.Point{}) || len(idx.Containing(geo.Point{Lat: 0.5, Lon: 0.5})) != 0 || idx.Len() != len(items) {
			t.Errorf("index over %v finds something", items)
		}
	}
}

func TestIndexInvalid(t *testing.T) {
	tests := []struct {
		name  string
		items []geo.MultiPolygon
		opts  geo.IndexOptions
	}{
		{"latitude beyond 90", []geo.MultiPolygon{{{Outer: ring(0, 0, 1, 91, 2, 0, 0, 0)}}}, geo.IndexOptions{}},
		{"NaN", []geo.MultiPolygon{{{Outer: ring(0, 0, math.NaN(), 1, 2, 0, 0, 0)}}}, geo.IndexOptions{}},
		{"infinite longitude", []geo.MultiPolygon{{{Outer: ring(0, 0, math.Inf(1), 1, 2, 0, 0, 0)}}}, geo.IndexOptions{}},
		{"bad hole", []geo.MultiPolygon{{{Outer: unitSquare.Outer, Holes: []geo.Ring{ring(0, -100, 1, 1, 0, 1)}}}}, geo.IndexOptions{}},
		{"negative cell size", []geo.MultiPolygon{{unitSquare}}, geo.IndexOptions{CellSize: -1}},
		{"NaN cell size", []geo.MultiPolygon{{unitSquare}}, geo.IndexOptions{CellSize: math.NaN()}},
	}
	for _, tt := range tests {
		_, err := geo.NewIndex(tt.items, tt.opts)
		if !errors.Is(err, geo.ErrInvalidGeometry) {
			t.Errorf("%s: NewIndex error %v; want ErrInvalidGeometry", tt.name, err)
		}
	}
	// A tiny cell size is bounded rather than refused.
	idx, err := geo.NewIndex([]geo.MultiPolygon{{squareWithHole}}, geo.IndexOptions{CellSize: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if s := idx.Stats(); s.Columns*s.Rows > 1<<22 || !idx.Any(geo.Point{Lat: 1, Lon: 1}) || idx.Any(geo.Point{Lat: 5, Lon: 5}) {
		t.Errorf("tiny cells: %+v", s)
	}
}

// TestIndexAllocs checks that Any and AppendContaining into a slice with
// room do not allocate, on land, at sea and near coasts.
func TestIndexAllocs(t *testing.T) {
	m := loadMask10m(t)
	idx := m.Index()
	points := []geo.Point{
		{Lat: 48.8566, Lon: 2.3522},   // Paris
		{Lat: 30, Lon: -40},           // Atlantic
		{Lat: 40.6840, Lon: -74.0442}, // New York harbour: a mixed cell
		{Lat: -90, Lon: 0},
		{Lat: math.NaN(), Lon: 0},
	}
	dst := make([]int, 0, 16)
	for _, p := range points {
		if n := testing.AllocsPerRun(100, func() { idx.Any(p) }); n != 0 {
			t.Errorf("Any(%v): %v allocations", p, n)
		}
		if n := testing.AllocsPerRun(100, func() { dst = idx.AppendContaining(dst[:0], p) }); n != 0 {
			t.Errorf("AppendContaining(%v): %v allocations", p, n)
		}
	}
}

// TestIndexPathological checks that hostile geometry cannot make NewIndex
// slow or huge: a polygon of thousands of random edges across the world,
// and thousands of overlapping polygons covering it.
func TestIndexPathological(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	var r geo.Ring
	for range 5000 {
		r = append(r, geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180})
	}
	scribble := []geo.MultiPolygon{{{Outer: r}}}
	idx, err := geo.NewIndex(scribble, geo.IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := idx.Stats()
	t.Logf("5,000 random edges: %+v", s)
	if s.Bytes > 128<<20 {
		t.Errorf("index of %d bytes", s.Bytes)
	}
	for range 200 {
		p := geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		if got, want := idx.Any(p), scribble[0].Contains(p); got != want {
			t.Fatalf("Any(%v) = %v; Contains %v", p, got, want)
		}
	}

	var many []geo.MultiPolygon
	for range 3000 {
		many = append(many, geo.MultiPolygon{equatorBand})
	}
	if _, err := geo.NewIndex(many, geo.IndexOptions{CellSize: 0.5}); !errors.Is(err, geo.ErrInvalidGeometry) {
		t.Errorf("3,000 overlapping bands: error %v; want ErrInvalidGeometry", err)
	}
}
