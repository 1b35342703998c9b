package geo

import (
	"math"
	"math/rand/v2"
	"testing"
)

// stripOracle answers point-in-polygon queries by brute force: the even-odd
// rule over every edge of every polygon that crosses the point's meridian.
// It buckets edges into 0.1° strips of longitude only to be fast enough
// for 100,000 points; it shares nothing with Index but the edges.
type stripOracle struct {
	strips [][]oracleEdge
	odd    []bool
}

type oracleEdge struct {
	edge
	poly int32
}

const oracleStrips = 3600

func newStripOracle(items []MultiPolygon) *stripOracle {
	o := &stripOracle{strips: make([][]oracleEdge, oracleStrips)}
	var edges []edge
	poly := int32(0)
	for _, mp := range items {
		for _, pg := range mp {
			for _, r := range append([]Ring{pg.Outer}, pg.Holes...) {
				in := analyse(r)
				for s := -3.0; s <= 3; s++ {
					edges = r.appendEdges(edges[:0], &in, s*360)
					for _, e := range edges {
						lo := math.Floor((min(e.x1, e.x2) + 180) * oracleStrips / 360)
						hi := math.Floor((max(e.x1, e.x2) + 180) * oracleStrips / 360)
						for k := max(lo, 0); k <= min(hi, oracleStrips-1); k++ {
							o.strips[int(k)] = append(o.strips[int(k)], oracleEdge{e, poly})
						}
					}
				}
			}
			poly++
		}
	}
	o.odd = make([]bool, poly)
	return o
}

// any reports whether some polygon contains p.
func (o *stripOracle) any(p Point) bool {
	x, y := NormalizeLon(p.Lon), p.Lat
	k := min(int(math.Floor((x+180)*oracleStrips/360)), oracleStrips-1)
	var touched []int32
	for _, e := range o.strips[k] {
		if straddles(e.x1, e.x2, x) && crossLat(e.x1, e.y1, e.x2, e.y2, x) > y {
			o.odd[e.poly] = !o.odd[e.poly]
			touched = append(touched, e.poly)
		}
	}
	found := false
	for _, g := range touched {
		found = found || o.odd[g]
		o.odd[g] = false
	}
	return found
}

func readLand(t *testing.T) []MultiPolygon {
	t.Helper()
	land, err := Land10m()
	if err != nil {
		t.Fatal(err)
	}
	return land
}

// TestIndexMatchesBruteForce checks Index.Any against brute force on
// Natural Earth 1:10m land: 100,000 random points, half uniform in latitude
// and longitude, half within 0.1° of a coastline vertex (the hard case:
// mixed cells), then points exactly on vertices and on the grid's cell
// boundaries, where any slip in the conventions would show.
func TestIndexMatchesBruteForce(t *testing.T) {
	land := readLand(t)
	idx, err := NewIndex(land, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	o := newStripOracle(land)
	var vertices []Point
	for _, mp := range land {
		for _, pg := range mp {
			vertices = append(vertices, pg.Outer...)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	check := func(kind string, p Point) bool {
		if got, want := idx.Any(p), o.any(p); got != want {
			t.Errorf("%s point %v: Index.Any = %v, brute force %v", kind, p, got, want)
			return false
		}
		return true
	}
	onLand := 0
	for i := range 100000 {
		var p Point
		if i%2 == 0 {
			p = Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		} else {
			v := vertices[rng.IntN(len(vertices))]
			p = Point{Lat: max(-90, min(90, v.Lat+rng.Float64()*0.2-0.1)), Lon: v.Lon + rng.Float64()*0.2 - 0.1}
		}
		if !check("random", p) {
			return
		}
		if o.any(p) {
			onLand++
		}
	}
	t.Logf("100,000 random points agree; %d on land", onLand)
	for range 20000 {
		v := vertices[rng.IntN(len(vertices))]
		if !check("vertex", v) {
			return
		}
		// A cell corner near the vertex, and points on its edges.
		i, j := idx.col(v.Lon), idx.row(v.Lat)
		cx, cy := idx.x0+float64(i)*idx.size, idx.y0+float64(j)*idx.size
		for _, p := range []Point{{cy, cx}, {cy, v.Lon}, {v.Lat, cx}} {
			if !check("cell boundary", p) {
				return
			}
		}
	}
	// Points at and near the poles and on the antimeridian.
	for _, p := range []Point{{-90, 0}, {-90, 180}, {90, 0}, {-89.99, -180}, {-85, 180}, {-85, -180}, {65.5, 180}, {65.5, -180}, {-16.5, 180}, {-16.5, -180}} {
		check("special", p)
	}
}

// TestOracleMatchesContains checks the brute-force oracle itself against
// MultiPolygon.Contains, which walks the rings without the edge list.
func TestOracleMatchesContains(t *testing.T) {
	land := readLand(t)
	o := newStripOracle(land)
	boxes := make([]Rect, len(land))
	for i, mp := range land {
		boxes[i] = mp.Bounds()
	}
	rng := rand.New(rand.NewPCG(8, 8))
	for range 1500 {
		p := Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		want := false
		for i, mp := range land {
			if boxes[i].Contains(p) && mp.Contains(p) {
				want = true
				break
			}
		}
		if got := o.any(p); got != want {
			t.Fatalf("%v: oracle %v, MultiPolygon.Contains %v", p, got, want)
		}
	}
}
