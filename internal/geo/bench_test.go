package geo_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// The land-mask benchmarks look up real AIS positions (the NOAA file: US
// coasts, rivers and ports, two thirds of them on 1:10m land, most near a
// coastline: the hard case) and uniformly random points (70% at sea, most
// in cells far from any coast: the common case for a world-wide feed).
//
//	go test -run '^$' -bench 'LandMask|Distance|Build' -benchmem ./internal/geo/

func benchPoints(b *testing.B) map[string][]geo.Point {
	fixes := readTracks(b, trackPath("noaa_us_coast_20220103.csv.gz"), false)
	noaa := make([]geo.Point, len(fixes))
	for i, f := range fixes {
		noaa[i] = f.Pos
	}
	rng := rand.New(rand.NewPCG(11, 11))
	uniform := make([]geo.Point, 1<<16)
	for i := range uniform {
		uniform[i] = geo.Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
	}
	return map[string][]geo.Point{"noaa": noaa, "uniform": uniform}
}

func BenchmarkLandMaskOnLand(b *testing.B) {
	points := benchPoints(b)
	masks := []struct {
		name string
		m    *geo.LandMask
	}{{"10m", loadMask10m(b)}, {"50m", loadMask50m(b)}}
	for _, m := range masks {
		for _, set := range []string{"noaa", "uniform"} {
			pts := points[set]
			b.Run(m.name+"/"+set, func(b *testing.B) {
				b.ReportAllocs()
				i, land := 0, 0
				for b.Loop() {
					if m.m.OnLand(pts[i]) {
						land++
					}
					if i++; i == len(pts) {
						i = 0
					}
				}
				_ = land
			})
		}
	}
}

func BenchmarkDistance(b *testing.B) {
	b.ReportAllocs()
	p, q := london, newYork
	s := 0.0
	for b.Loop() {
		s += geo.Distance(p, q)
		p.Lon += 1e-9
	}
	_ = s
}

func BenchmarkBearing(b *testing.B) {
	b.ReportAllocs()
	p, q := london, newYork
	s := 0.0
	for b.Loop() {
		s += geo.Bearing(p, q)
		p.Lon += 1e-9
	}
	_ = s
}

func BenchmarkClosestApproach(b *testing.B) {
	b.ReportAllocs()
	a, c := geo.Point{Lat: 51.9, Lon: 3.9}, geo.Point{Lat: 51.95, Lon: 3.95}
	bb := geo.Destination(a, 60, 20e3)
	s := 0.0
	for b.Loop() {
		f, d := geo.ClosestApproach(a, bb, c)
		s += f + d
		c.Lon += 1e-9
	}
	_ = s
}

// BenchmarkIndexBuild measures NewIndex over Natural Earth 1:10m land
// (4,048 polygons, 409,000 vertices), parsing excluded.
func BenchmarkIndexBuild(b *testing.B) {
	land := loadLand10m(b)
	b.ReportAllocs()
	var idx *geo.Index
	for b.Loop() {
		var err error
		if idx, err = geo.NewIndex(land, geo.IndexOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	s := idx.Stats()
	b.ReportMetric(float64(s.Bytes)/(1<<20), "MiB")
	b.ReportMetric(float64(s.Mixed)/float64(s.Columns*s.Rows)*100, "%mixed")
}

// BenchmarkReadGeoJSON measures reading Natural Earth 1:10m land (2.8 MB
// gzip, 9.6 MB of JSON).
func BenchmarkReadGeoJSON(b *testing.B) {
	data, err := os.ReadFile("../../testdata/geo/land/ne_land_10m.geojson.gz")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := geo.ReadGeoJSON(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDefaultLand measures building the embedded 1:50m mask, parsing
// included: the start-up cost of a server without a land file.
func BenchmarkDefaultLand(b *testing.B) {
	b.ReportAllocs()
	var m *geo.LandMask
	for b.Loop() {
		var err error
		if m, err = geo.DefaultLand(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Index().Stats().Bytes)/(1<<20), "MiB")
}
