package server

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/tidewatch/tidewatch/internal/basemap"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestBrowserDetailedBasemap: a node serves a PMTiles archive built from
// the OpenStreetMap land at 10 m over Singapore's harbour (to zoom 14;
// the embedded 1:50m land to zoom 5), with a ship alongside in Keppel
// Harbour, and e2e/basemap-detail.mjs (Playwright, Debian's Chromium)
// checks at zoom 14 that the map reads the archive by byte ranges, draws
// its detailed land (Sentosa land, the harbour water, the ship on water)
// and saves e2e/artifacts/basemap-detail-keppel-z14.png (ARTIFACTS
// elsewhere).
func TestBrowserDetailedBasemap(t *testing.T) {
	e2e, missing := browser(t)
	if missing != "" {
		t.Skipf("%s missing", missing)
	}
	path := detailLandFile(t)
	if testing.Short() {
		t.Skip("reads 168 MB of GeoJSON (about a minute)")
	}
	harbour := orb.Bound{Min: orb.Point{103.72, 1.22}, Max: orb.Point{103.90, 1.32}}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	detail, err := basemap.ReadGeoJSONWithin(f, map[string]string{}, []orb.Bound{harbour.Pad(0.05)})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	world, err := basemap.ReadGeoJSON(bytes.NewReader(geo.DefaultLandGeoJSONGzip()), map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive := filepath.Join(dir, "harbour.pmtiles")
	out, err := os.Create(archive)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := basemap.Build(out, []basemap.Layer{{Name: "land", MaxZoom: 5, Features: world}, {Name: "land", MinZoom: 6, Features: detail}},
		basemap.Options{MaxZoom: 14, WorldMaxZoom: 5, Detail: []orb.Bound{harbour}}); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}

	cfg := Config{Data: filepath.Join(dir, "data"), Listen: "127.0.0.1:0", AllowAnonymousRead: true, Basemap: archive}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Open(ctx, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	now := vessel.TimeOf(time.Now())
	n.Pipeline().Submit([]vessel.Observation{{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: 563000777, Time: now,
		Lat: 1.2640, Lon: 103.8300, SOG: vessel.SpeedKnots(0), COG: vessel.CourseDegrees(90), Heading: 90, Status: 5, Source: "test"}}})
	waitFor(t, 20*time.Second, "the ship applied", func() bool { return n.Pipeline().Stats().Applied >= 1 })

	artifacts := filepath.Join(e2e, "artifacts")
	if a := os.Getenv("ARTIFACTS"); a != "" {
		artifacts = a
	}
	cmd := exec.Command("node", filepath.Join(e2e, "basemap-detail.mjs"))
	cmd.Env = append(os.Environ(), "BASE_URL=http://"+n.Addr().String(), "ARTIFACTS="+artifacts, "TIMEOUT_MS="+browserWait)
	b, err := cmd.CombinedOutput()
	t.Logf("basemap-detail.mjs:\n%s", b)
	if err != nil {
		t.Errorf("basemap-detail.mjs: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
