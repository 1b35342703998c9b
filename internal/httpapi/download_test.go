package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/httpapi"
)

// TestExportDownload downloads the real day's positions: GeoJSON for one
// vessel has the points of its track, a bbox keeps what is inside,
// GeoParquet is a Parquet file, and bad requests get 400 or 401.
func TestExportDownload(t *testing.T) {
	srv := newServer(t, nil)
	var vs struct {
		Vessels []struct {
			MMSI uint32 `json:"mmsi"`
		} `json:"vessels"`
	}
	getJSON(t, srv.URL+"/api/v1/vessels?limit=50", &vs)
	if len(vs.Vessels) == 0 {
		t.Fatal("no vessels")
	}
	window := "from=2022-01-03T00:00:00Z&to=2022-01-04T00:00:00Z"
	checked := 0
	for _, v := range vs.Vessels {
		m := jsonNum(v.MMSI)
		var track struct {
			Count  int `json:"count"`
			Points []struct {
				Lat, Lon float64
			} `json:"points"`
		}
		getJSON(t, srv.URL+"/api/v1/vessels/"+m+"/track?"+window, &track)
		code, hdr, body := do(t, "GET", srv.URL+"/api/v1/export?format=geojson&mmsi="+m+"&"+window, fx.read, nil)
		if code != 200 || hdr.Get("Content-Type") != "application/geo+json" || !strings.HasPrefix(hdr.Get("Content-Disposition"), "attachment; ") {
			t.Fatalf("export %s: %d %s %q", m, code, hdr.Get("Content-Type"), hdr.Get("Content-Disposition"))
		}
		var fc struct {
			Features []struct {
				Properties struct{ MMSI uint32 }
			}
		}
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatal(err)
		}
		if len(fc.Features) != track.Count {
			t.Errorf("export of %s: %d features; its track has %d points", m, len(fc.Features), track.Count)
		}
		for _, f := range fc.Features {
			if f.Properties.MMSI != v.MMSI {
				t.Fatalf("export of %s has a feature of %d", m, f.Properties.MMSI)
			}
		}
		if track.Count > 0 {
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no vessel with a track in the window")
	}

	code, _, body := do(t, "GET", srv.URL+"/api/v1/export?format=csv&bbox=-95.3,29.3,-94.6,29.9&"+window, fx.read, nil)
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if code != 200 || len(lines) < 100 || !strings.HasPrefix(lines[0], "mmsi,time,lat,lon,") {
		t.Fatalf("export csv bbox: %d, %d lines", code, len(lines))
	}

	code, hdr, body := do(t, "GET", srv.URL+"/api/v1/export?format=geoparquet&"+window, fx.read, nil)
	if code != 200 || hdr.Get("Content-Type") != "application/vnd.apache.parquet" ||
		!bytes.HasPrefix(body, []byte("PAR1")) || !bytes.HasSuffix(body, []byte("PAR1")) || !bytes.Contains(body, []byte(`"version":"1.1.0"`)) {
		t.Fatalf("export geoparquet: %d %s, %d bytes", code, hdr.Get("Content-Type"), len(body))
	}

	for _, tc := range []struct {
		query, token string
		code         int
		mention      string
	}{
		{"format=shp", fx.read, http.StatusBadRequest, "format"},
		{"format=csv&bbox=1,2", fx.read, http.StatusBadRequest, "bbox"},
		{"format=csv&mmsi=x", fx.read, http.StatusBadRequest, "mmsi"},
		{"format=csv&from=2021-01-01&to=2022-01-04", fx.read, http.StatusBadRequest, "limit"},
		{"format=csv", "", http.StatusUnauthorized, "token"},
	} {
		code, _, body := do(t, "GET", srv.URL+"/api/v1/export?"+tc.query, tc.token, nil)
		var e apiErr
		json.Unmarshal(body, &e)
		if code != tc.code || !strings.Contains(e.Error.Message, tc.mention) {
			t.Errorf("export?%s = %d %s; want %d mentioning %q", tc.query, code, body, tc.code, tc.mention)
		}
	}
}

func jsonNum(v uint32) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestExportWithoutExporter: a node that gives no Config.Export answers
// the export 501, not a crash.
func TestExportWithoutExporter(t *testing.T) {
	srv := newServer(t, func(c *httpapi.Config) { c.Export = nil })
	code, _, body := do(t, "GET", srv.URL+"/api/v1/export?format=csv", fx.read, nil)
	wantError(t, "export without Config.Export", code, body, http.StatusNotImplemented, "not_implemented", "exports no positions")
}
