package server

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/basemap"
)

// singaporeShips are three moored ships on water in the Singapore Strait
// and the Keppel approaches (MMSIs 5630000NN: basemap.mjs looks for them),
// as AIS position reports at time at.
func singaporeShips(t *testing.T, at time.Time) []byte {
	t.Helper()
	var b []byte
	for i, p := range [][2]float64{{1.215, 103.85}, {1.19, 103.78}, {1.225, 103.92}} {
		pos := &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: uint32(563000001 + i)}, Status: 5, Speed: 0,
			Lon: ais.Lon(p[1] * 600000), Lat: ais.Lat(p[0] * 600000), Course: 900, Heading: 90, Second: ais.Second(at.Second())}
		var err error
		if b, err = ais.AppendNMEA(b, pos, ais.NMEAOptions{Time: at, Source: "rx-sg"}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// singaporeBasemap writes a PMTiles basemap built from the shared 1:10m
// land and the World Port Index (detailed to zoom 12 over Singapore) to
// path, or skips without the shared geography (../shared/testdata/geo,
// read at test time: see its README).
func singaporeBasemap(t *testing.T, path string) {
	t.Helper()
	geoDir := "../../../shared/testdata/geo"
	f, err := os.Open(filepath.Join(geoDir, "land/ne_land_10m.geojson.gz"))
	if err != nil {
		t.Skipf("shared geography not here: %v", err)
	}
	land, err := basemap.ReadGeoJSON(f, map[string]string{})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := basemap.Build(&buf, []basemap.Layer{{Name: "land", Features: land}, {Name: "ports", MinZoom: 5, Features: ports}}, basemap.Options{
		MaxZoom: 12, WorldMaxZoom: 5, Detail: []orb.Bound{{Min: orb.Point{103.6, 1.1}, Max: orb.Point{104.1, 1.45}}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserBasemap runs the basemap's browser test,
// e2e/features/basemap.mjs, against a real node serving a PMTiles
// basemap (Config.Basemap) built from the shared 1:10m land and ports,
// detailed over Singapore, with three ships in its strait sent as AIS
// over TCP. Screenshots go to $TIDEWATCH_ARTIFACTS/features, else to
// e2e/artifacts. It skips as TestBrowserMap does, and without the shared
// geography.
func TestBrowserBasemap(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	e2e, missing := browser(t)
	if missing != "" {
		t.Skipf("%s missing", missing)
	}
	dir := t.TempDir()
	tiles := filepath.Join(dir, "singapore.pmtiles")
	singaporeBasemap(t, tiles)
	tcp := freePort(t)
	node := startNode(t, Options{Config: Config{Data: filepath.Join(dir, "data"), Listen: "127.0.0.1:0", AllowAnonymousRead: true,
		Land: "none", Basemap: tiles, Events: Events{Off: true},
		Inputs: []Input{{Type: "tcp-server", Name: "receivers", Listen: tcp}}}})
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(singaporeShips(t, time.Now().Add(-time.Second))); err != nil {
		t.Fatal(err)
	}
	c.Close()
	api := apiClient(t)
	waitFor(t, 30*time.Second, "the three ships in the picture", func() bool {
		var list struct {
			Vessels []struct{} `json:"vessels"`
		}
		return fetchJSON(api, node.base+"/api/v1/vessels?bbox=103.7,1.1,104,1.3", &list) == nil && len(list.Vessels) == 3
	})
	artifacts := filepath.Join(e2e, "artifacts")
	if a := os.Getenv("TIDEWATCH_ARTIFACTS"); a != "" {
		artifacts = filepath.Join(a, "features")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(e2e, "features", "basemap.mjs"))
	cmd.Env = append(os.Environ(), "BASE_URL="+checkedProxy(t, node.base), "ARTIFACTS="+artifacts, "TIMEOUT_MS="+browserWait)
	out, err := cmd.CombinedOutput()
	t.Logf("basemap.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("basemap.mjs: %v", err)
	}
	node.stop(t)
}
