package geo_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tidewatch/tidewatch/internal/geo"
)

const (
	square     = `[[[0,0],[1,0],[1,1],[0,1],[0,0]]]`
	squareHole = `[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[3,3],[7,3],[7,7],[3,7],[3,3]]]`
)

func TestReadGeoJSON(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		rings [][]int // per feature, per polygon: number of rings
		props []map[string]any
	}{
		{
			name: "feature collection",
			in: `{"type":"FeatureCollection","features":[
				{"type":"Feature","properties":{"name":"A","id":7},"geometry":{"type":"Polygon","coordinates":` + squareHole + `}},
				{"type":"Feature","properties":null,"geometry":{"type":"MultiPolygon","coordinates":[` + square + `,` + squareHole + `]}},
				{"type":"Feature","geometry":null}]}`,
			rings: [][]int{{2}, {1, 2}, nil},
			props: []map[string]any{{"name": "A", "id": 7.0}, nil, nil},
		},
		{
			name:  "feature",
			in:    `{"type":"Feature","properties":{"port":"sydney"},"geometry":{"type":"Polygon","coordinates":` + square + `}}`,
			rings: [][]int{{1}},
			props: []map[string]any{{"port": "sydney"}},
		},
		{"polygon", `{"type":"Polygon","coordinates":` + square + `}`, [][]int{{1}}, []map[string]any{nil}},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[` + square + `]}`, [][]int{{1}}, []map[string]any{nil}},
		{"empty polygon", `{"type":"Polygon","coordinates":[]}`, [][]int{nil}, []map[string]any{nil}},
		{"empty multipolygon part", `{"type":"MultiPolygon","coordinates":[[],` + square + `]}`, [][]int{{1}}, []map[string]any{nil}},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, [][]int{}, []map[string]any{}},
		{"altitude", `{"type":"Polygon","coordinates":[[[0,0,5],[1,0,5,9],[1,1,5],[0,0,5]]]}`, [][]int{{1}}, []map[string]any{nil}},
		{"white space and exponents", " {\"type\" : \"Polygon\",\r\n\t\"coordinates\" : [ [ [ 0 , 0 ] , [ 1e0 , 0 ] , [ 1 , 1 ], [ -0.0 , 0E-3 ] ] ] } ", [][]int{{1}}, []map[string]any{nil}},
		{"longitudes beyond 180", `{"type":"Polygon","coordinates":[[[170,0],[190,0],[190,1],[170,0]]]}`, [][]int{{1}}, []map[string]any{nil}},
		{"foreign members", `{"type":"Feature","id":"z1","bbox":[0,0,1,1],"extra":{"a":[1,2]},"geometry":{"type":"Polygon","bbox":[0,0,1,1],"coordinates":` + square + `},"properties":{}}`, [][]int{{1}}, []map[string]any{{}}},
	}
	for _, tt := range tests {
		for _, gz := range []bool{false, true} {
			in := []byte(tt.in)
			if gz {
				in = gzipBytes(t, in)
			}
			fs, err := geo.ReadGeoJSON(bytes.NewReader(in))
			if err != nil {
				t.Errorf("%s (gzip %v): %v", tt.name, gz, err)
				continue
			}
			if len(fs) != len(tt.rings) {
				t.Errorf("%s: %d features; want %d", tt.name, len(fs), len(tt.rings))
				continue
			}
			for i, f := range fs {
				var rings []int
				for _, pg := range f.Geometry {
					rings = append(rings, 1+len(pg.Holes))
				}
				if !slices.Equal(rings, tt.rings[i]) {
					t.Errorf("%s: feature %d has rings %v; want %v", tt.name, i, rings, tt.rings[i])
				}
				if (f.Properties == nil) != (tt.props[i] == nil) || !maps.Equal(f.Properties, tt.props[i]) {
					t.Errorf("%s: feature %d has properties %v; want %v", tt.name, i, f.Properties, tt.props[i])
				}
			}
		}
	}
	// The coordinates come out as lon,lat → Point{Lat, Lon}.
	fs, err := geo.ReadGeoJSON(strings.NewReader(`{"type":"Polygon","coordinates":[[[10,50],[11,50],[11,51],[10,50]]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := fs[0].Geometry[0].Outer[1]; got != (geo.Point{Lat: 50, Lon: 11}) {
		t.Errorf("second vertex = %v; want 50,11", got)
	}
}

func TestReadGeoJSONErrors(t *testing.T) {
	feature := func(geometry string) string {
		return `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":` + square + `}},{"type":"Feature","geometry":` + geometry + `}]}`
	}
	tests := []struct {
		name    string
		in      string
		want    error
		feature int // index in the *FeatureError, -1 for none
	}{
		{"not JSON", `{"type":`, geo.ErrGeoJSON, -1},
		{"empty input", ``, geo.ErrGeoJSON, -1},
		{"array", `[1,2]`, geo.ErrGeoJSON, -1},
		{"no type", `{"features":[]}`, geo.ErrGeoJSON, -1},
		{"unknown type", `{"type":"Polygonal","coordinates":[]}`, geo.ErrGeoJSON, -1},
		{"type not a string", `{"type":5}`, geo.ErrGeoJSON, -1},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, geo.ErrGeoJSON, -1},
		{"bare point", `{"type":"Point","coordinates":[1,2]}`, geo.ErrUnsupportedGeometry, 0},
		{"bare geometry collection", `{"type":"GeometryCollection","geometries":[]}`, geo.ErrUnsupportedGeometry, 0},
		{"line string feature", feature(`{"type":"LineString","coordinates":[[0,0],[1,1]]}`), geo.ErrUnsupportedGeometry, 1},
		{"lone feature with a point", `{"type":"Feature","geometry":{"type":"Point","coordinates":[0,0]}}`, geo.ErrUnsupportedGeometry, 0},
		{"unknown geometry type", feature(`{"type":"Circle","coordinates":[0,0]}`), geo.ErrUnsupportedGeometry, 1},
		{"geometry without type", feature(`{"coordinates":` + square + `}`), geo.ErrGeoJSON, 1},
		{"geometry not an object", feature(`[1]`), geo.ErrGeoJSON, 1},
		{"member not a feature", `{"type":"FeatureCollection","features":[{"type":"Polygon","coordinates":` + square + `}]}`, geo.ErrGeoJSON, 0},
		{"member not an object", `{"type":"FeatureCollection","features":[7]}`, geo.ErrGeoJSON, 0},
		{"properties not an object", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":[1]}]}`, geo.ErrGeoJSON, 0},
		{"ring not closed", feature(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`), geo.ErrGeoJSON, 1},
		{"ring too short", feature(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`), geo.ErrGeoJSON, 1},
		{"latitude 91", feature(`{"type":"Polygon","coordinates":[[[0,0],[1,91],[1,1],[0,0]]]}`), geo.ErrGeoJSON, 1},
		{"longitude 600", feature(`{"type":"Polygon","coordinates":[[[0,0],[600,1],[1,1],[0,0]]]}`), geo.ErrGeoJSON, 1},
		{"huge number", feature(`{"type":"Polygon","coordinates":[[[0,0],[1e400,1],[1,1],[0,0]]]}`), geo.ErrGeoJSON, 1},
		{"one number", feature(`{"type":"Polygon","coordinates":[[[0,0],[1],[1,1],[0,0]]]}`), geo.ErrGeoJSON, 1},
		{"string coordinate", feature(`{"type":"Polygon","coordinates":[[[0,0],["1",0],[1,1],[0,0]]]}`), geo.ErrGeoJSON, 1},
		{"null coordinate", feature(`{"type":"Polygon","coordinates":[[[0,0],[null,0],[1,1],[0,0]]]}`), geo.ErrGeoJSON, 1},
		{"too shallow", feature(`{"type":"Polygon","coordinates":[[0,0],[1,0],[1,1],[0,0]]}`), geo.ErrGeoJSON, 1},
		{"too deep", feature(`{"type":"Polygon","coordinates":[` + square + `]}`), geo.ErrGeoJSON, 1},
		{"multipolygon too shallow", feature(`{"type":"MultiPolygon","coordinates":` + square + `}`), geo.ErrGeoJSON, 1},
		{"coordinates null", feature(`{"type":"Polygon","coordinates":null}`), geo.ErrGeoJSON, 1},
		{"coordinates missing", feature(`{"type":"MultiPolygon"}`), geo.ErrGeoJSON, 1},
		{"coordinates an object", feature(`{"type":"Polygon","coordinates":{"a":1}}`), geo.ErrGeoJSON, 1},
		{"bad gzip", "\x1f\x8bnot really gzip", geo.ErrGeoJSON, -1},
	}
	for _, tt := range tests {
		_, err := geo.ReadGeoJSON(strings.NewReader(tt.in))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v; want %v", tt.name, err, tt.want)
			continue
		}
		var fe *geo.FeatureError
		switch {
		case tt.feature < 0 && errors.As(err, &fe):
			t.Errorf("%s: error %v is about feature %d; want no feature", tt.name, err, fe.Index)
		case tt.feature >= 0 && !errors.As(err, &fe):
			t.Errorf("%s: error %v (%T) is not a *FeatureError", tt.name, err, err)
		case tt.feature >= 0 && fe.Index != tt.feature:
			t.Errorf("%s: error %v is about feature %d; want %d", tt.name, err, fe.Index, tt.feature)
		}
	}
	// The message names the feature and the problem.
	_, err := geo.ReadGeoJSON(strings.NewReader(feature(`{"type":"LineString","coordinates":[[0,0],[1,1]]}`)))
	if got, want := err.Error(), `feature 1: geo: unsupported geometry type: "LineString"`; got != want {
		t.Errorf("error message %q; want %q", got, want)
	}
	_, err = geo.ReadGeoJSON(strings.NewReader(feature(`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0,0],[1,0],[1,1],[0,1]]]}`)))
	if got, want := err.Error(), `feature 1: geo: invalid GeoJSON: polygon 0 ring 1: not closed`; got != want {
		t.Errorf("error message %q; want %q", got, want)
	}
}

func TestReadGeoJSONLimits(t *testing.T) {
	collection := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":` + square + `}},` +
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":` + square + `}}]}`
	tests := []struct {
		name string
		in   []byte
		lim  geo.GeoJSONLimits
		want error
	}{
		{"bytes", []byte(collection), geo.GeoJSONLimits{MaxBytes: int64(len(collection) - 1)}, geo.ErrTooLarge},
		{"bytes exactly", []byte(collection), geo.GeoJSONLimits{MaxBytes: int64(len(collection))}, nil},
		{"decompressed bytes", gzipBytes(t, append([]byte(collection), bytes.Repeat([]byte(" "), 1<<20)...)), geo.GeoJSONLimits{MaxBytes: 1 << 20}, geo.ErrTooLarge},
		{"features", []byte(collection), geo.GeoJSONLimits{MaxFeatures: 1}, geo.ErrTooLarge},
		{"features exactly", []byte(collection), geo.GeoJSONLimits{MaxFeatures: 2}, nil},
		{"points", []byte(collection), geo.GeoJSONLimits{MaxPoints: 9}, geo.ErrTooLarge},
		{"points exactly", []byte(collection), geo.GeoJSONLimits{MaxPoints: 10}, nil},
	}
	for _, tt := range tests {
		_, err := geo.ReadGeoJSONLimits(bytes.NewReader(tt.in), tt.lim)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: error %v; want %v", tt.name, err, tt.want)
		}
	}
}

// TestReadGeoJSONReadError checks that an error from the reader is
// returned, wrapped.
func TestReadGeoJSONReadError(t *testing.T) {
	boom := errors.New("boom")
	_, err := geo.ReadGeoJSON(io.MultiReader(strings.NewReader(`{"type":`), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Errorf("error %v; want it to wrap %v", err, boom)
	}
}

// TestReadLand10m reads Natural Earth 1:10m land (testdata/geo/README.md).
func TestReadLand10m(t *testing.T) {
	land := loadLand10m(t)
	polygons, holes, vertices := 0, 0, 0
	for _, mp := range land {
		for _, pg := range mp {
			polygons++
			holes += len(pg.Holes)
			vertices += len(pg.Outer)
			for _, h := range pg.Holes {
				vertices += len(h)
			}
		}
	}
	if len(land) != 4048 || polygons != 4048 || holes != 1 || vertices != 408901 {
		t.Errorf("read %d features, %d polygons, %d holes, %d vertices; want 4048, 4048, 1, 408901", len(land), polygons, holes, vertices)
	}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
