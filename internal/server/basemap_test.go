package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/tidewatch/tidewatch/internal/basemap"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// testArchive builds a PMTiles archive of the embedded land to zoom 3.
func testArchive(t *testing.T) string {
	t.Helper()
	land, err := basemap.ReadGeoJSON(bytes.NewReader(geo.DefaultLandGeoJSONGzip()), map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	port := geojson.NewFeature(orb.Point{103.85, 1.283})
	port.Properties = geojson.Properties{"name": "KEPPEL"}
	var buf bytes.Buffer
	if _, err := basemap.Build(&buf, []basemap.Layer{{Name: "land", Features: land}, {Name: "ports", Features: []*geojson.Feature{port}}},
		basemap.Options{MaxZoom: 3, WorldMaxZoom: 3}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "basemap.pmtiles")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPMTilesRoutes(t *testing.T) {
	path := testArchive(t)
	want, _ := os.ReadFile(path)
	tiles, info, err := pmtilesHandlers(path)
	if err != nil {
		t.Fatal(err)
	}

	rec := httptest.NewRecorder()
	info.ServeHTTP(rec, httptest.NewRequest("GET", "/basemap/info", nil))
	var got struct {
		PMTiles string   `json:"pmtiles"`
		MaxZoom int      `json:"maxzoom"`
		Layers  []string `json:"layers"`
		Size    int64    `json:"size"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.PMTiles != "/basemap/tiles.pmtiles" || got.MaxZoom != 3 ||
		len(got.Layers) != 2 || got.Size != int64(len(want)) {
		t.Errorf("GET /basemap/info = %d %s (%v)", rec.Code, rec.Body, err)
	}

	// A Range request, as the pmtiles client makes for the header and
	// root directory, gets 206 and those bytes, with an ETag.
	req := httptest.NewRequest("GET", "/basemap/tiles.pmtiles", nil)
	req.Header.Set("Range", "bytes=0-16383")
	rec = httptest.NewRecorder()
	tiles.ServeHTTP(rec, req)
	n := min(16384, len(want))
	if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), want[:n]) || rec.Header().Get("ETag") == "" {
		t.Fatalf("Range 0-16383: %d, %d bytes, ETag %q; want 206, %d bytes", rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), n)
	}
	etag := rec.Header().Get("ETag")
	req = httptest.NewRequest("GET", "/basemap/tiles.pmtiles", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	tiles.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d; want 304", rec.Code)
	}
	rec = httptest.NewRecorder()
	tiles.ServeHTTP(rec, httptest.NewRequest("POST", "/basemap/tiles.pmtiles", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d; want 405", rec.Code)
	}

	// The file replaced by one that is not an archive: 503, not its bytes.
	if err := os.WriteFile(path, []byte("not a PMTiles archive, longer than nothing"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	tiles.ServeHTTP(rec, httptest.NewRequest("GET", "/basemap/tiles.pmtiles", nil))
	if body, _ := io.ReadAll(rec.Body); rec.Code != http.StatusServiceUnavailable || bytes.Contains(body, []byte("longer")) {
		t.Errorf("after replacing the file: %d %q; want 503", rec.Code, body)
	}
}

func TestPMTilesRoutesWithout(t *testing.T) {
	tiles, info, err := pmtilesHandlers("")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	info.ServeHTTP(rec, httptest.NewRequest("GET", "/basemap/info", nil))
	if rec.Code != 200 || rec.Body.String() != "{\"pmtiles\":null}\n" {
		t.Errorf("GET /basemap/info = %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	tiles.ServeHTTP(rec, httptest.NewRequest("GET", "/basemap/tiles.pmtiles", nil))
	if rec.Code != 404 {
		t.Errorf("GET /basemap/tiles.pmtiles = %d; want 404", rec.Code)
	}
	bad := filepath.Join(t.TempDir(), "bad.pmtiles")
	os.WriteFile(bad, bytes.Repeat([]byte{1}, 200), 0o644)
	for _, p := range []string{bad, filepath.Join(t.TempDir(), "missing.pmtiles")} {
		if _, _, err := pmtilesHandlers(p); !errors.Is(err, ErrConfig) {
			t.Errorf("pmtilesHandlers(%s) = %v; want ErrConfig", filepath.Base(p), err)
		}
	}
}
