package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

type trackPoint struct {
	Time    string   `json:"time"`
	Lat     float64  `json:"lat"`
	Lon     float64  `json:"lon"`
	SOG     *float64 `json:"sog"`
	Flags   []string `json:"flags"`
	HeardBy []string `json:"heard_by"`
}

type trackResp struct {
	MMSI   uint32       `json:"mmsi"`
	Name   *string      `json:"name"`
	Count  int          `json:"count"`
	Points []trackPoint `json:"points"`
}

func TestTrack(t *testing.T) {
	srv := newServer(t, nil)
	for _, s := range someVessels(5) {
		for _, q := range []struct {
			query    string
			from, to vessel.Time
			flagged  bool
		}{
			{"", -1 << 50, 1 << 50, false},
			{"?from=2022-01-03T00:05:00Z&to=2022-01-03T00:15:00Z", vessel.TimeOf(clock) - 25*60000, vessel.TimeOf(clock) - 15*60000, false},
			{"?flagged=true&format=json", -1 << 50, 1 << 50, true},
		} {
			var got trackResp
			getJSON(t, fmt.Sprintf("%s/api/v1/vessels/%d/track%s", srv.URL, s.MMSI, q.query), &got)
			want, err := fx.db.Track(s.MMSI, q.from, q.to, q.flagged)
			if err != nil {
				t.Fatal(err)
			}
			heard, err := fx.db.HeardBy(s.MMSI, q.from, q.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("%v%s: no track in the store", s.MMSI, q.query)
			}
			if len(got.Points) != len(want) || got.Count != len(want) || got.MMSI != uint32(s.MMSI) {
				t.Fatalf("%v%s: %d points (count %d); want %d", s.MMSI, q.query, len(got.Points), got.Count, len(want))
			}
			if got.Name == nil || *got.Name != s.Static.Name {
				t.Errorf("%v: name %v; want %q", s.MMSI, got.Name, s.Static.Name)
			}
			for i, p := range got.Points {
				w := &want[i]
				wantBy := append([]string{w.Source}, heard[w.Time]...)
				if w.Source == "" {
					wantBy = wantBy[1:]
				}
				if p.Time != w.Time.String() || math.Abs(p.Lat-w.Lat) > 1e-6 || math.Abs(p.Lon-w.Lon) > 1e-6 ||
					!slices.Equal(p.Flags, append([]string{}, w.Flags.Names()...)) || !slices.Equal(p.HeardBy, wantBy) {
					t.Errorf("%v point %d: %+v; want %v %v,%v %v by %v", s.MMSI, i, p, w.Time, w.Lat, w.Lon, w.Flags.Names(), wantBy)
				}
			}
		}

		// GeoJSON: the line, then one point feature per position.
		code, hdr, body := do(t, "GET", fmt.Sprintf("%s/api/v1/vessels/%d/track?format=geojson", srv.URL, s.MMSI), fx.read, nil)
		if code != 200 || hdr.Get("Content-Type") != "application/geo+json" {
			t.Fatalf("geojson: %d %s", code, hdr.Get("Content-Type"))
		}
		var fc struct {
			Type     string `json:"type"`
			Features []struct {
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatal(err)
		}
		want, _ := fx.db.Track(s.MMSI, -1<<50, 1<<50, false)
		var line [][2]float64
		if len(fc.Features) > 0 {
			json.Unmarshal(fc.Features[0].Geometry.Coordinates, &line)
		}
		if fc.Type != "FeatureCollection" || len(fc.Features) != len(want)+1 || fc.Features[0].Geometry.Type != "LineString" || len(line) != len(want) {
			t.Fatalf("geojson of %v: %s with %d features, line of %d; want %d points", s.MMSI, fc.Type, len(fc.Features), len(line), len(want))
		}
		for i, w := range want {
			f := fc.Features[i+1]
			var pt [2]float64
			json.Unmarshal(f.Geometry.Coordinates, &pt)
			if f.Geometry.Type != "Point" || math.Abs(pt[0]-w.Lon) > 1e-6 || math.Abs(pt[1]-w.Lat) > 1e-6 || line[i] != pt || f.Properties["time"] != w.Time.String() {
				t.Errorf("geojson point %d: %s %v %v; want %v,%v at %v", i, f.Geometry.Type, pt, f.Properties["time"], w.Lon, w.Lat, w.Time)
			}
		}
	}
	// A vessel with no track answers an empty track, not an error.
	var empty trackResp
	getJSON(t, srv.URL+"/api/v1/vessels/123456789/track", &empty)
	if len(empty.Points) != 0 || empty.Points == nil {
		t.Errorf("empty track: %+v", empty)
	}
}

type nearResp struct {
	From, To string
	Count    int `json:"count"`
	Results  []struct {
		MMSI         uint32  `json:"mmsi"`
		Name         *string `json:"name"`
		Time         string  `json:"time"`
		DistanceM    float64 `json:"distance_m"`
		Lat, Lon     float64
		Interpolated bool `json:"interpolated"`
		Reports      int  `json:"reports"`
	} `json:"results"`
}

func TestNear(t *testing.T) {
	srv := newServer(t, nil)
	from, to := vessel.TimeOf(clock)-30*60000, vessel.TimeOf(clock)-6*60000
	for _, q := range []struct {
		lat, lon float64
		radius   string
		metres   float64
	}{
		{29.73, -95.02, "5km", 5000},      // Houston ship channel
		{33.74, -118.23, "3nm", 3 * 1852}, // Los Angeles / Long Beach
		{40.68, -74.05, "2000m", 2000},    // New York harbour
	} {
		var got nearResp
		getJSON(t, fmt.Sprintf("%s/api/v1/near?lat=%v&lon=%v&radius=%s&from=%s&to=%s", srv.URL, q.lat, q.lon, q.radius, from, to), &got)
		want, err := fx.db.Near(geo.Point{Lat: q.lat, Lon: q.lon}, q.metres, from, to, store.NearOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Fatalf("near %v,%v: store.Near finds nothing", q.lat, q.lon)
		}
		if len(got.Results) != len(want) || got.Count != len(want) {
			t.Fatalf("near %v,%v: %d results; want %d", q.lat, q.lon, len(got.Results), len(want))
		}
		for i, w := range want {
			g := got.Results[i]
			st, _, _ := fx.db.Static(w.MMSI, to)
			name := ""
			if g.Name != nil {
				name = *g.Name
			}
			if g.MMSI != uint32(w.MMSI) || g.Time != w.Time.String() || math.Abs(g.DistanceM-w.Distance) > 0.05 ||
				math.Abs(g.Lat-w.Lat) > 1e-6 || g.Interpolated != w.Interpolated || g.Reports != w.Reports || name != st.Name {
				t.Errorf("near result %d: %+v; want %+v %q", i, g, w, st.Name)
			}
		}
	}
}

func TestArea(t *testing.T) {
	srv := newServer(t, nil)
	from, to := vessel.TimeOf(clock)-30*60000, vessel.TimeOf(clock)
	// The Houston ship channel and Galveston Bay, as a bare geometry, a
	// Feature, and a MultiPolygon.
	ring := `[[-95.3,29.3],[-94.6,29.3],[-94.6,29.8],[-95.3,29.8],[-95.3,29.3]]`
	bodies := []string{
		`{"type":"Polygon","coordinates":[` + ring + `]}`,
		`{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Polygon","coordinates":[` + ring + `]}}`,
		`{"type":"MultiPolygon","coordinates":[[` + ring + `]]}`,
	}
	area := geo.MultiPolygon{{Outer: geo.Ring{{Lat: 29.3, Lon: -95.3}, {Lat: 29.3, Lon: -94.6}, {Lat: 29.8, Lon: -94.6}, {Lat: 29.8, Lon: -95.3}, {Lat: 29.3, Lon: -95.3}}}}
	want, err := fx.db.Area(area, from, to, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("store.Area finds nothing")
	}
	for _, poly := range bodies {
		body := fmt.Sprintf(`{"polygon":%s,"from":%q,"to":%q}`, poly, from.String(), to.String())
		code, _, data := do(t, "POST", srv.URL+"/api/v1/area", fx.read, strings.NewReader(body))
		if code != 200 {
			t.Fatalf("area: %d %s", code, data)
		}
		var got struct {
			Results []struct {
				MMSI        uint32 `json:"mmsi"`
				First, Last string
				Reports     int     `json:"reports"`
				Lat         float64 `json:"lat"`
				FirstLat    float64 `json:"first_lat"`
			} `json:"results"`
		}
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Results) != len(want) {
			t.Fatalf("area: %d results; want %d", len(got.Results), len(want))
		}
		for i, w := range want {
			g := got.Results[i]
			if g.MMSI != uint32(w.MMSI) || g.First != w.First.String() || g.Last != w.Last.String() || g.Reports != w.Reports ||
				math.Abs(g.Lat-w.LastLat) > 1e-6 || math.Abs(g.FirstLat-w.FirstLat) > 1e-6 {
				t.Errorf("area result %d: %+v; want %+v", i, g, w)
			}
		}
	}

	// Limits: the body size and the vertices.
	big := bytes.Repeat([]byte(" "), 2<<20)
	code, _, data := do(t, "POST", srv.URL+"/api/v1/area", fx.read, bytes.NewReader(append([]byte(`{"polygon":`), big...)))
	wantError(t, "2 MiB body", code, data, http.StatusRequestEntityTooLarge, "too_large", "bytes")
	var sb strings.Builder
	sb.WriteString(`{"polygon":{"type":"Polygon","coordinates":[[`)
	for i := range 20001 {
		a := 2 * math.Pi * float64(i) / 20000
		fmt.Fprintf(&sb, "[%.6f,%.6f],", -95+0.1*math.Cos(a), 29.5+0.1*math.Sin(a))
	}
	sb.WriteString(`[-94.9,29.5]]]}}`)
	code, _, data = do(t, "POST", srv.URL+"/api/v1/area", fx.read, strings.NewReader(sb.String()))
	wantError(t, "20001 vertices", code, data, http.StatusBadRequest, "bad_parameter", "polygon")
}
