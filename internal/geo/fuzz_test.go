package geo_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// fuzzLimits keeps fuzz inputs cheap, and so quick to minimise.
var fuzzLimits = geo.GeoJSONLimits{MaxBytes: 64 << 10, MaxFeatures: 1000, MaxPoints: 4000}

// FuzzReadGeoJSON checks that ReadGeoJSONLimits never panics, that errors
// wrap a sentinel, that what it accepts obeys the documented rules, and
// that an Index built over the result answers exactly as
// MultiPolygon.Contains at the vertices, at edge midpoints and between
// vertices: a differential test of the index on arbitrary geometry.
func FuzzReadGeoJSON(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Polygon","coordinates":` + squareHole + `}},{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[` + square + `]}}]}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[170,-10],[-170,-10],[-170,10],[170,10],[170,-10]]]}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[-180,-70],[-90,-70],[0,-70],[90,-70],[180,-70],[-180,-70]]]}`))
	f.Add([]byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":null}`))
	f.Add([]byte(`{"type":"LineString","coordinates":[[0,0],[1,1]]}`))
	f.Add([]byte(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`))
	f.Add([]byte(`{"type":"MultiPolygon","coordinates":[[[[0,0,1],[1e0,0],[1,91],[0,0]]]]}`))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"))
	// A real coastline (feature 19 of the 1:10m land, 181 vertices), plain
	// and compressed.
	if land, err := geo.Land10m(); err == nil {
		doc := []byte(`{"type":"Polygon","coordinates":` + ringsJSON(land[19][0]) + `}`)
		f.Add(doc)
		f.Add(gzipBytes(f, doc))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		fs, err := geo.ReadGeoJSONLimits(bytes.NewReader(in), fuzzLimits)
		if err != nil {
			if !errors.Is(err, geo.ErrGeoJSON) && !errors.Is(err, geo.ErrUnsupportedGeometry) && !errors.Is(err, geo.ErrTooLarge) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if len(fs) > fuzzLimits.MaxFeatures {
			t.Fatalf("%d features", len(fs))
		}
		items := make([]geo.MultiPolygon, len(fs))
		var probes []geo.Point
		for i, f := range fs {
			items[i] = f.Geometry
			for _, pg := range f.Geometry {
				for _, r := range append([]geo.Ring{pg.Outer}, pg.Holes...) {
					if len(r) < 4 || r[0] != r[len(r)-1] {
						t.Fatalf("feature %d: ring of %d points, closed %v", i, len(r), r[0] == r[len(r)-1])
					}
					for k, p := range r {
						if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -540 && p.Lon <= 540) {
							t.Fatalf("feature %d: vertex %v out of range", i, p)
						}
						q := r[(k+1)%len(r)]
						probes = append(probes, p,
							geo.Point{Lat: (p.Lat + q.Lat) / 2, Lon: (p.Lon + q.Lon) / 2},
							geo.Point{Lat: p.Lat*0.3 + q.Lat*0.7 + 1e-7, Lon: p.Lon*0.3 + q.Lon*0.7 - 1e-7},
							geo.Point{Lat: (p.Lat + r[0].Lat) / 2, Lon: (p.Lon + r[0].Lon) / 2})
					}
				}
			}
		}
		idx, err := geo.NewIndex(items, geo.IndexOptions{})
		if err != nil {
			t.Fatalf("NewIndex on accepted GeoJSON: %v", err)
		}
		for _, p := range probes[:min(len(probes), 400)] {
			var want []int
			for i, mp := range items {
				if mp.Contains(p) {
					want = append(want, i)
				}
			}
			if got := idx.Containing(p); !slices.Equal(got, want) {
				t.Fatalf("Containing(%v) = %v; Contains says %v", p, got, want)
			}
		}
	})
}

// ringsJSON writes a polygon's rings as GeoJSON coordinates.
func ringsJSON(pg geo.Polygon) string {
	var b []byte
	b = append(b, '[')
	for i, r := range append([]geo.Ring{pg.Outer}, pg.Holes...) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for k, p := range r {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = append(b, []byte(formatFloat(p.Lon)+","+formatFloat(p.Lat))...)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return string(append(b, ']'))
}
