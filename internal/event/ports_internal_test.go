package event

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// nearestEvery is nearest without the lower bound, the occupied cells
// and the order by latitude: every port of the cells scanned is
// measured, by index within a cell, the last of equal distances kept.
func (x *portIndex) nearestEvery(p geo.Point, radius float64) (int, float64) {
	best, bestD := -1, radius
	r := geo.RectAround(p, radius)
	r0, r1 := int(math.Floor(r.MinLat/portCell)), int(math.Floor(r.MaxLat/portCell))
	c0, c1 := int(math.Floor(r.MinLon/portCell)), int(math.Floor(r.MaxLon/portCell))
	ncol := int(360 / portCell)
	if c1 < c0 {
		c1 += ncol
	}
	if c1-c0 >= ncol {
		c0, c1 = -ncol/2, ncol/2-1
	}
	for row := r0; row <= r1; row++ {
		for c := c0; c <= c1; c++ {
			col := c
			if col >= ncol/2 {
				col -= ncol
			}
			pts := slices.Clone(x.cells[cellKey(row, col)])
			slices.SortFunc(pts, func(a, b portPt) int { return int(a.i - b.i) })
			for _, q := range pts {
				if d := geo.Distance(p, geo.Point{Lat: q.lat, Lon: q.lon}); d <= bestD {
					best, bestD = int(q.i), d
				}
			}
		}
	}
	return best, bestD
}

// TestNearestPortBound: the nearest port found with the distance bound
// (and the grid of occupied cells) is the one measuring every port gives, near the bundled ports and
// anchorages (at all the radii the detectors use), anywhere at random,
// near the poles and across the antimeridian.
func TestNearestPortBound(t *testing.T) {
	ports := DefaultPorts()
	extra := []Port{{Name: "pole", Lat: 89.99, Lon: 10}, {Name: "date line W", Lat: -16.8, Lon: -179.999}, {Name: "date line E", Lat: -16.8, Lon: 179.999},
		{Name: "twin A", Lat: 12.5, Lon: 60.5}, {Name: "twin B", Lat: 12.5, Lon: 60.5}} // equally near everywhere: the later wins
	x := newPortIndex(append(ports, extra...))
	rng := rand.New(rand.NewPCG(6, 6))
	pts := nearPorts(rng, ports, 15000, 20e3)
	for range 10000 {
		pts = append(pts, geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180})
	}
	for range 500 {
		pts = append(pts, geo.Destination(geo.Point{Lat: 12.5, Lon: 60.5}, rng.Float64()*360, rng.Float64()*20e3))
	}
	for range 1000 {
		pts = append(pts, geo.Point{Lat: 89.9 + rng.Float64()*0.1, Lon: rng.Float64()*360 - 180},
			geo.Point{Lat: -16.8 + rng.Float64()*0.2 - 0.1, Lon: 179.9 + rng.Float64()*0.2})
	}
	found := 0
	for _, p := range pts {
		for _, r := range []float64{3e3, 4e3, 10e3, 15e3, 100e3} {
			i, d := x.nearest(p, r)
			wi, wd := x.nearestEvery(p, r)
			if i != wi || d != wd {
				t.Fatalf("nearest(%v, %v) = %d, %v; measuring every port: %d, %v", p, r, i, d, wi, wd)
			}
			if i >= 0 {
				found++
			}
		}
	}
	if i, _ := x.nearest(geo.Point{Lat: 12.51, Lon: 60.5}, 4e3); i < 0 || x.ports[i].Name != "twin B" {
		t.Errorf("nearest of the twins = %d; want twin B, the later", i)
	}
	if found < 15000 { // every point near a port finds one within 100 km
		t.Errorf("only %d of %d lookups found a port", found, 5*len(pts))
	}
}

// BenchmarkNearestPort compares, in one run, the nearest-port lookup with
// and without the distance bound, at the radius the engine's per-vessel
// cache asks (15 km), around the bundled ports; and at random points
// (mostly open sea, as most reports of a feed) with and without the grid
// of occupied cells (map: every cell scanned looked up in the map):
//
//	go test -run '^$' -bench BenchmarkNearestPort -cpu 1 ./internal/event
func BenchmarkNearestPort(b *testing.B) {
	ports := DefaultPorts()
	x := newPortIndex(ports)
	rng := rand.New(rand.NewPCG(7, 7))
	pts := make([]geo.Point, 10000)
	for i := range pts {
		q := ports[rng.IntN(len(ports))]
		pts[i] = geo.Destination(geo.Point{Lat: q.Lat, Lon: q.Lon}, rng.Float64()*360, rng.Float64()*20e3)
	}
	b.Run("every", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			x.nearestEvery(pts[i%len(pts)], 15e3)
		}
	})
	b.Run("bound", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			x.nearest(pts[i%len(pts)], 15e3)
		}
	})
	sea := make([]geo.Point, 10000)
	for i := range sea {
		sea[i] = geo.Point{Lat: rng.Float64()*140 - 70, Lon: rng.Float64()*360 - 180}
	}
	noOcc := *x
	noOcc.occ = nil
	for _, c := range []struct {
		name string
		x    *portIndex
	}{{"sea-map", &noOcc}, {"sea-occupied", x}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				c.x.nearest(sea[i%len(sea)], 15e3)
			}
		})
	}
}

// TestPortWithinCellCache: portWithin, with the nearest port's distance
// cached per cell (nearCache) and per vessel, answers as a search at
// every call does, for vessels new at each point and for vessels moving
// from point to point, near the bundled ports (at the radii the
// detectors use and the boundary of each: points measured to lie within
// a few hundred metres of it), at random, near the poles and across the
// antimeridian; and the cache keeps to its bound.
func TestPortWithinCellCache(t *testing.T) {
	ports := DefaultPorts()
	e := New(Config{Ports: append(ports, Port{Name: "date line E", Lat: -16.8, Lon: 179.999}, Port{Name: "pole", Lat: 89.99, Lon: 10})})
	rng := rand.New(rand.NewPCG(17, 1))
	pts := nearPorts(rng, ports, 20000, 25e3)
	for range 3000 {
		pts = append(pts, geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180},
			geo.Point{Lat: 89.9 + rng.Float64()*0.1, Lon: rng.Float64()*360 - 180},
			geo.Point{Lat: -16.8 + rng.Float64()*0.2 - 0.1, Lon: 179.9 + rng.Float64()*0.2})
	}
	radii := []float64{e.p.PortVisit.EntryRadius, e.p.PortVisit.ExitRadius, e.p.Encounter.MinPortDistance, e.p.Loitering.MinPortDistance}
	moving := &track{}
	near, decided := 0, 0
	for i, p := range pts {
		_, want := e.ports.nearest(p, e.portCap)
		for _, r := range radii {
			if math.Abs(want-r) < 800 {
				near++ // where the cell's bound cannot decide
			}
			if c, cd, ok := e.portNear.get(p); ok {
				if d := fastDistance(c, p); cd+d <= r || cd-d > r {
					decided++ // the cell's point decides it
				}
			}
			if got := e.portWithin(&track{}, p, r); got != (want <= r) {
				t.Fatalf("point %d %v radius %v: new vessel within = %v; nearest port %v m away", i, p, r, got, want)
			}
			if got := e.portWithin(moving, p, r); got != (want <= r) {
				t.Fatalf("point %d %v radius %v: moving vessel within = %v; nearest port %v m away", i, p, r, got, want)
			}
		}
	}
	if near < 1000 || decided < len(pts) {
		t.Errorf("%d answers near a radius, %d from cached cells: the points do not test the cache", near, decided)
	}
	var c nearCache
	for i := range nearCells + 10 {
		c.put(geo.Point{Lat: float64(i/3000)*nearCell + nearCell/2, Lon: float64(i%3000)*nearCell + nearCell/2}, 1)
	}
	if c.resets != 1 || len(c.m) != 10 {
		t.Errorf("after %d cells: %d resets, %d cells held; want 1, 10", nearCells+10, c.resets, len(c.m))
	}
}

// BenchmarkPortWithin times portWithin for a vessel new at each point
// (as the live feed's new traffic asks it), around the bundled ports at
// the encounters' radius: "search" measures from the port index every
// time (the engine before the cell cache), "cells" with the cell cache
// warm (the points repeat, as a feed's lanes and harbours do). It
// reports the CPU time of the benchmark's thread per lookup (cpu-ns/op),
// which the machine's other work does not inflate as much as ns/op:
//
//	go test -run '^$' -bench BenchmarkPortWithin -cpu 1 ./internal/event
func BenchmarkPortWithin(b *testing.B) {
	ports := DefaultPorts()
	e := New(Config{Ports: ports})
	rng := rand.New(rand.NewPCG(7, 7))
	pts := make([]geo.Point, 10000)
	for i := range pts {
		q := ports[rng.IntN(len(ports))]
		pts[i] = geo.Destination(geo.Point{Lat: q.Lat, Lon: q.Lon}, rng.Float64()*360, rng.Float64()*20e3)
	}
	r := e.p.Encounter.MinPortDistance
	for _, p := range pts { // the cells measured
		e.portWithin(&track{}, p, r)
	}
	for _, cells := range []bool{false, true} {
		name := "search"
		if cells {
			name = "cells"
		}
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			within := 0
			c0 := threadCPUTime()
			for i := 0; b.Loop(); i++ {
				p := pts[i%len(pts)]
				if cells {
					if e.portWithin(&track{}, p, r) {
						within++
					}
				} else if _, d := e.ports.nearest(p, e.portCap); d <= r {
					within++
				}
			}
			b.ReportMetric(float64(threadCPUTime()-c0)/float64(b.N), "cpu-ns/op")
			if within == 0 {
				b.Fatal("no point within the radius")
			}
		})
	}
}

// nearPorts returns n points each within maxDist metres of a port drawn
// at random, in a random direction.
func nearPorts(rng *rand.Rand, ports []Port, n int, maxDist float64) []geo.Point {
	pts := make([]geo.Point, 0, n)
	for range n {
		q := ports[rng.IntN(len(ports))]
		pts = append(pts, geo.Destination(geo.Point{Lat: q.Lat, Lon: q.Lon}, rng.Float64()*360, rng.Float64()*maxDist))
	}
	return pts
}
