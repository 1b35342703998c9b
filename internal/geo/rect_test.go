package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

func TestRectContains(t *testing.T) {
	box := geo.Rect{MinLat: 10, MinLon: 20, MaxLat: 30, MaxLon: 40}
	pacific := geo.Rect{MinLat: -20, MinLon: 170, MaxLat: -10, MaxLon: -170} // crosses 180
	east := geo.Rect{MinLat: 0, MinLon: 170, MaxLat: 10, MaxLon: 180}
	west := geo.Rect{MinLat: 0, MinLon: -180, MaxLat: 10, MaxLon: -170}
	polar := geo.Rect{MinLat: 80, MinLon: -180, MaxLat: 90, MaxLon: 180}
	tests := []struct {
		r    geo.Rect
		p    geo.Point
		want bool
	}{
		{box, geo.Point{Lat: 20, Lon: 30}, true},
		{box, geo.Point{Lat: 10, Lon: 20}, true}, // corner
		{box, geo.Point{Lat: 30, Lon: 40}, true}, // corner
		{box, geo.Point{Lat: 9.99, Lon: 30}, false},
		{box, geo.Point{Lat: 20, Lon: 40.01}, false},
		{box, geo.Point{Lat: 20, Lon: 390}, true}, // 390 = 30
		{pacific, geo.Point{Lat: -15, Lon: 175}, true},
		{pacific, geo.Point{Lat: -15, Lon: -175}, true},
		{pacific, geo.Point{Lat: -15, Lon: 180}, true},
		{pacific, geo.Point{Lat: -15, Lon: -180}, true},
		{pacific, geo.Point{Lat: -15, Lon: 0}, false},
		{pacific, geo.Point{Lat: -15, Lon: 169}, false},
		{pacific, geo.Point{Lat: -15, Lon: -169}, false},
		{east, geo.Point{Lat: 5, Lon: 180}, true},
		{east, geo.Point{Lat: 5, Lon: -180}, true}, // the same meridian
		{west, geo.Point{Lat: 5, Lon: 180}, true},
		{polar, geo.Point{Lat: 90, Lon: 45}, true},
		{polar, geo.Point{Lat: 85, Lon: -180}, true},
		{polar, geo.Point{Lat: 79, Lon: 0}, false},
		{box, geo.Point{Lat: math.NaN(), Lon: 30}, false},
		{polar, geo.Point{Lat: 85, Lon: math.NaN()}, false},
	}
	for _, tt := range tests {
		if got := tt.r.Contains(tt.p); got != tt.want {
			t.Errorf("%+v.Contains(%v) = %v; want %v", tt.r, tt.p, got, tt.want)
		}
	}
}

func TestRectIntersects(t *testing.T) {
	r := func(minLat, minLon, maxLat, maxLon float64) geo.Rect {
		return geo.Rect{MinLat: minLat, MinLon: minLon, MaxLat: maxLat, MaxLon: maxLon}
	}
	tests := []struct {
		a, b geo.Rect
		want bool
	}{
		{r(0, 0, 10, 10), r(5, 5, 15, 15), true},
		{r(0, 0, 10, 10), r(10, 10, 20, 20), true}, // touching corners
		{r(0, 0, 10, 10), r(11, 0, 20, 10), false}, // latitudes apart
		{r(0, 0, 10, 10), r(0, 11, 10, 20), false}, // longitudes apart
		{r(0, 0, 10, 10), r(2, 2, 3, 3), true},     // inside
		{r(0, 170, 10, -170), r(0, 175, 10, 176), true},
		{r(0, 170, 10, -170), r(0, -175, 10, -174), true},
		{r(0, 170, 10, -170), r(0, -169, 10, 169), false}, // the complement, from the other side
		{r(0, 170, 10, -170), r(0, -170, 10, 0), true},    // touching at -170
		{r(0, 170, 10, -170), r(0, 160, 10, -160), true},  // both cross
		{r(0, 170, 10, 180), r(0, -180, 10, -170), true},  // 180 and -180 meet
		{r(0, -180, 10, 180), r(0, 33, 10, 34), true},     // every longitude
		{r(0, 170, 10, -170), r(0, 0, 10, 10), false},
	}
	for _, tt := range tests {
		if got := tt.a.Intersects(tt.b); got != tt.want {
			t.Errorf("%+v.Intersects(%+v) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
		if got := tt.b.Intersects(tt.a); got != tt.want {
			t.Errorf("%+v.Intersects(%+v) = %v; want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestRectUnion(t *testing.T) {
	r := func(minLat, minLon, maxLat, maxLon float64) geo.Rect {
		return geo.Rect{MinLat: minLat, MinLon: minLon, MaxLat: maxLat, MaxLon: maxLon}
	}
	tests := []struct{ a, b, want geo.Rect }{
		{r(0, 0, 1, 1), r(2, 2, 3, 3), r(0, 0, 3, 3)},
		{r(0, 0, 1, 1), r(0, 0.2, 1, 0.5), r(0, 0, 1, 1)},
		{r(0, 170, 1, 175), r(0, -175, 1, -170), r(0, 170, 1, -170)}, // shorter across 180
		{r(0, -10, 1, 0), r(0, 100, 1, 110), r(0, -10, 1, 110)},
		{r(0, 170, 1, -170), r(0, 160, 1, 175), r(0, 160, 1, -170)},
		{r(0, 0, 1, 1), r(0, -180, 1, 180), r(0, -180, 1, 180)},
		{r(0, 170, 1, 180), r(0, -180, 1, -170), r(0, 170, 1, -170)},
	}
	for _, tt := range tests {
		if got := tt.a.Union(tt.b); got != tt.want {
			t.Errorf("%+v.Union(%+v) = %+v; want %+v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRectAround(t *testing.T) {
	tests := []struct {
		name     string
		p        geo.Point
		radius   float64
		crossing bool // MinLon > MaxLon
		allLon   bool
	}{
		{"mid-latitude", geo.Point{Lat: 45, Lon: 10}, 50e3, false, false},
		{"east of the antimeridian", geo.Point{Lat: -17, Lon: 179.9}, 50e3, true, false},
		{"west of the antimeridian", geo.Point{Lat: 65, Lon: -179.9}, 50e3, true, false},
		{"on the antimeridian", geo.Point{Lat: 0, Lon: 180}, 1e3, true, false},
		{"reaching the north pole", geo.Point{Lat: 89.9, Lon: 30}, 20e3, false, true},
		{"reaching the south pole", geo.Point{Lat: -89.5, Lon: -30}, 60e3, false, true},
		{"high latitude, wide", geo.Point{Lat: 85, Lon: 0}, 500e3, false, false},
		{"zero radius", geo.Point{Lat: 10, Lon: 10}, 0, false, false},
		{"whole Earth", geo.Point{Lat: 10, Lon: 10}, 30000e3, false, true},
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for _, tt := range tests {
		b := geo.RectAround(tt.p, tt.radius)
		if b.CrossesAntimeridian() != tt.crossing || (b.MinLon == -180 && b.MaxLon == 180) != tt.allLon {
			t.Errorf("%s: RectAround(%v, %v) = %+v", tt.name, tt.p, tt.radius, b)
		}
		checkAround(t, b, tt.p, tt.radius, rng)
	}
	// Random centres and radii up to 2,000 km.
	for range 2000 {
		p := geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		radius := rng.Float64() * 2000e3
		checkAround(t, geo.RectAround(p, radius), p, radius, rng)
	}
}

// checkAround checks that b holds random points within radius of p and that
// it is tight: points just beyond radius due north, south, and at the
// widest longitude fall outside unless the box spans all longitudes.
func checkAround(t *testing.T, b geo.Rect, p geo.Point, radius float64, rng *rand.Rand) {
	t.Helper()
	for range 200 {
		q := geo.Destination(p, rng.Float64()*360, radius*(1-1e-9)*math.Sqrt(rng.Float64()))
		if !b.Contains(q) {
			t.Fatalf("RectAround(%v, %v) = %+v does not contain %v at %v m", p, radius, b, q, geo.Distance(p, q))
		}
	}
	if radius <= 0 || radius > 5000e3 {
		return
	}
	for _, bearing := range []float64{0, 180} {
		q := geo.Destination(p, bearing, radius*1.001)
		if math.Abs(q.Lat) < 89.9 && b.Contains(q) && !(b.MinLon == -180 && b.MaxLon == 180) {
			t.Fatalf("RectAround(%v, %v) = %+v contains %v beyond the radius", p, radius, b, q)
		}
	}
	if !(b.MinLon == -180 && b.MaxLon == 180) {
		// The circle reaches the box's east and west edges.
		widest := 0.0
		for i := range 3600 {
			q := geo.Destination(p, float64(i)/10, radius)
			widest = max(widest, math.Abs(geo.NormalizeLon(q.Lon-p.Lon)))
		}
		half := geo.NormalizeLon(b.MaxLon-b.MinLon+360) / 2
		if half <= 0 {
			half += 180
		}
		if !near(widest, half, 1e-3) {
			t.Fatalf("RectAround(%v, %v) = %+v: half width %v; the circle reaches %v", p, radius, b, half, widest)
		}
	}
}
