package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// TestAnchorages checks GET /api/v1/anchorages: the anchorages the node's
// detection knows as GeoJSON points (checked against openapi.json by the
// test server), filtered by bbox, refused without a token, 501 on a node
// without event detection, 400 on a bad box.
func TestAnchorages(t *testing.T) {
	// Anchorages of the Houston Ship Channel and Galveston (learned from
	// the NOAA day of testdata/tracks) and one across the antimeridian.
	learned := time.Date(2022, 1, 3, 14, 5, 0, 0, time.UTC)
	list := []httpapi.Anchorage{
		{ID: 1, Lat: 29.3405, Lon: -94.7242, Vessels: 14, RadiusM: 3000, NearestPort: &httpapi.NearbyPort{Name: "GALVESTON", Country: "USA", DistanceM: 2411.6}},
		{ID: 2, Lat: 29.7331, Lon: -95.0180, Vessels: 6, RadiusM: 3000, Since: learned},
		{ID: 3, Lat: -17.7656, Lon: 179.9, Vessels: 3, RadiusM: 3000},
	}
	srv := newServer(t, func(c *httpapi.Config) {
		c.Anchorages = func() []httpapi.Anchorage { return list }
	})
	type feature struct {
		Type     string `json:"type"`
		Geometry struct {
			Type        string     `json:"type"`
			Coordinates [2]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties struct {
			ID          int      `json:"id"`
			Vessels     int      `json:"vessels"`
			Since       *string  `json:"since"`
			RadiusM     *float64 `json:"radius_m"`
			NearestPort *struct {
				Name      string  `json:"name"`
				Country   string  `json:"country"`
				DistanceM float64 `json:"distance_m"`
			} `json:"nearest_port"`
		} `json:"properties"`
	}
	type collection struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}
	tests := []struct {
		name  string
		query string
		want  []httpapi.Anchorage
	}{
		{"all", "", list},
		{"Galveston Bay", "?bbox=-95.2,29.2,-94.6,29.8", list[:2]},
		{"Morgan's Point only", "?bbox=-95.1,29.7,-94.9,29.8", list[1:2]},
		{"across the antimeridian", "?bbox=179,-18,-179,-17", list[2:]},
		{"none", "?bbox=0,0,1,1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr, body := do(t, "GET", srv.URL+"/api/v1/anchorages"+tt.query, fx.read, nil)
			if code != http.StatusOK {
				t.Fatalf("GET = %d %s; want 200", code, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/geo+json" {
				t.Errorf("Content-Type %q; want application/geo+json", ct)
			}
			var got collection
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%v in %s", err, body)
			}
			if got.Type != "FeatureCollection" || got.Features == nil {
				t.Fatalf("got %s; want a FeatureCollection with a features array", body)
			}
			if len(got.Features) != len(tt.want) {
				t.Fatalf("%d features; want %d: %s", len(got.Features), len(tt.want), body)
			}
			for i, f := range got.Features {
				w := tt.want[i]
				pr := f.Properties
				if f.Type != "Feature" || f.Geometry.Type != "Point" || f.Geometry.Coordinates != [2]float64{w.Lon, w.Lat} || pr.Vessels != w.Vessels || pr.ID != w.ID {
					t.Errorf("feature %d = %+v; want a Point at %v,%v with id %d, %d vessels", i, f, w.Lon, w.Lat, w.ID, w.Vessels)
				}
				if pr.RadiusM == nil || *pr.RadiusM != w.RadiusM {
					t.Errorf("feature %d: radius_m %v; want %v", i, pr.RadiusM, w.RadiusM)
				}
				// since: RFC 3339 when learned by this run, null when known at start
				switch {
				case w.Since.IsZero() && pr.Since != nil:
					t.Errorf("feature %d: since %q; want null", i, *pr.Since)
				case !w.Since.IsZero() && (pr.Since == nil || *pr.Since != "2022-01-03T14:05:00Z"):
					t.Errorf("feature %d: since %v; want 2022-01-03T14:05:00Z", i, pr.Since)
				}
				// the nearest port, its distance rounded to the metre; null when none
				switch np := pr.NearestPort; {
				case w.NearestPort == nil && np != nil:
					t.Errorf("feature %d: nearest_port %+v; want null", i, *np)
				case w.NearestPort != nil && (np == nil || np.Name != "GALVESTON" || np.Country != "USA" || np.DistanceM != 2412):
					t.Errorf("feature %d: nearest_port %+v; want GALVESTON, USA, 2412 m", i, np)
				}
			}
		})
	}

	code, _, body := do(t, "GET", srv.URL+"/api/v1/anchorages", "", nil)
	wantError(t, "anchorages without a token", code, body, http.StatusUnauthorized, "unauthorized", "")
	code, _, body = do(t, "GET", srv.URL+"/api/v1/anchorages?bbox=1,2,3", fx.read, nil)
	wantError(t, "anchorages with a bad box", code, body, http.StatusBadRequest, "bad_parameter", "bbox")

	none := newServer(t, nil)
	code, _, body = do(t, "GET", none.URL+"/api/v1/anchorages", fx.read, nil)
	wantError(t, "anchorages without detection", code, body, http.StatusNotImplemented, "not_implemented", "")
}
