package webui_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/tidewatch/tidewatch/internal/basemap"
)

// singaporeShips are on water in the Singapore Strait and the Keppel
// approaches (checked against the 1:10m land by the browser test).
var singaporeShips = []*mockVessel{
	{mmsi: "563000001", name: "STRAIT ONE", callsign: "9VAA1", flag: "SG", flagName: "Singapore", category: "cargo", shipType: 70, lat0: 1.215, lon0: 103.85, sog: 0.01, cog: 90},
	{mmsi: "563000002", name: "STRAIT TWO", callsign: "9VAA2", flag: "SG", flagName: "Singapore", category: "tanker", shipType: 80, lat0: 1.19, lon0: 103.78, sog: 0.01, cog: 270},
	{mmsi: "563000003", name: "STRAIT THREE", callsign: "9VAA3", flag: "SG", flagName: "Singapore", category: "tug", shipType: 52, lat0: 1.225, lon0: 103.92, sog: 0, cog: 0},
}

// withBasemap gives the mock a PMTiles basemap built from the shared
// 1:10m land, countries and ports (detailed to zoom 12 over Singapore),
// and three ships in the strait; it returns the handler serving
// /basemap/info and /basemap/tiles.pmtiles in front of next. It skips
// without the shared geography.
func (m *mockAPI) withBasemap(t *testing.T, next http.Handler) http.Handler {
	t.Helper()
	geoDir := "../../../shared/testdata/geo"
	read := func(name string, keep map[string]string) []basemap.Layer {
		f, err := os.Open(filepath.Join(geoDir, name))
		if err != nil {
			t.Skipf("shared geography not here: %v", err)
		}
		defer f.Close()
		fs, err := basemap.ReadGeoJSON(f, keep)
		if err != nil {
			t.Fatal(err)
		}
		return []basemap.Layer{{Features: fs}}
	}
	land := read("land/ne_land_10m.geojson.gz", map[string]string{})[0]
	land.Name = "land"
	pf, err := os.Open(filepath.Join(geoDir, "ports/wpi_ports.csv"))
	if err != nil {
		t.Skipf("shared geography not here: %v", err)
	}
	ports, _, err := basemap.ReadPointsCSV(pf, "label")
	pf.Close()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := basemap.Build(&buf, []basemap.Layer{land, {Name: "ports", MinZoom: 5, Features: ports}}, basemap.Options{
		MaxZoom: 12, WorldMaxZoom: 5, Detail: []orb.Bound{{Min: orb.Point{103.6, 1.1}, Max: orb.Point{104.1, 1.45}}},
	}); err != nil {
		t.Fatal(err)
	}
	archive := buf.Bytes()
	info, err := basemap.Inspect(bytes.NewReader(archive), int64(len(archive)), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range singaporeShips {
		c := *v
		m.vessels = append(m.vessels, &c)
		m.byMMSI[c.mmsi] = &c
	}
	mux := http.NewServeMux()
	mux.Handle("/", next)
	mux.HandleFunc("GET /basemap/info", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			PMTiles string `json:"pmtiles"`
			basemap.Info
		}{"/basemap/tiles.pmtiles", info})
	})
	mod := time.Now()
	mux.HandleFunc("GET /basemap/tiles.pmtiles", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"mock-basemap"`)
		http.ServeContent(w, r, "", mod, bytes.NewReader(archive))
	})
	return mux
}
