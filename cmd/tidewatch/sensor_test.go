package main

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/simulate"
)

// TestDetectionsCommand prints the detections of the sensor package's
// fixtures, one JSON object each, and reports the bad lines on stderr.
func TestDetectionsCommand(t *testing.T) {
	dir := "../../internal/sensor/testdata/"
	code, out, errOut := runCmd(t, "", "detections", "--site", "vts=51.6,1.2", "--time", "2021-05-14T17:40:02Z",
		dir+"radar/own_ship.nmea", dir+"sat/gfw_sar.csv", dir+"sat/xview3_labels.csv", dir+"sat/viirs_vbd.csv", dir+"sat/detections.geojson")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	objs := objects(t, out)
	// 8 radar, 4 GFW, 5 xView3 (every vessel row has a time with --time), 3 VIIRS, 3 GeoJSON.
	if len(objs) != 23 {
		t.Fatalf("%d objects; want 23:\n%s", len(objs), out)
	}
	first := objs[0]
	for k, want := range map[string]any{"time": "2026-03-15T12:00:00Z", "sensor": "radar", "source": "own_ship", "target": "01",
		"name": "TANKER", "status": "T", "speed_kn": 8.5, "course_deg": 200.0, "bearing_deg": 30.0, "range_m": 4630.0} {
		if first[k] != want {
			t.Errorf("first detection %s = %v; want %v", k, first[k], want)
		}
	}
	sat := objs[8]
	if sat["sensor"] != "satellite" || sat["source"] != "gfw-sar" || sat["length_m"] != 38.4 || sat["score"] != 0.973 ||
		math.Abs(sat["lat"].(float64)-14.601208) > 1e-9 {
		t.Errorf("GFW detection %v", sat)
	}
	for _, want := range []string{"own_ship.nmea (radar-nmea): 8 detections, 8 bad lines", "line 11: nmea: checksum mismatch",
		"gfw_sar.csv (gfw-sar): 4 detections, 5 bad lines", "line 7: sensor: malformed row"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	code, _, errOut = runCmd(t, "", "detections", "../../testdata/ais/raw/dma-stream-example.nmea")
	if code != 1 || !strings.Contains(errOut, "not a radar or satellite detection file") {
		t.Errorf("AIS file: exit %d, %s", code, errOut)
	}
}

// TestSimulateRadarDetections writes the simulator's radar and SAR
// scenario and reads it back with detections and ingest.
func TestSimulateRadarDetections(t *testing.T) {
	dir := t.TempDir()
	radar, sar := filepath.Join(dir, "radar.nmea.gz"), filepath.Join(dir, "sar.csv")
	for _, args := range [][]string{{"--format", "radar", "-o", radar}, {"--format", "sar", "-o", sar}} {
		if code, _, errOut := runCmd(t, "", append([]string{"simulate", "--duration", "2h", "--from", "2026-01-01T00:00:00Z"}, args...)...); code != 0 {
			t.Fatalf("simulate %v: exit %d: %s", args, code, errOut)
		}
	}
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: 2 * 3600e9}, rand.New(rand.NewPCG(1, 0x7469646577617463)))
	site := sc.Radars[1].Pos
	code, out, errOut := runCmd(t, "", "detections", "--site", "site="+strconv.FormatFloat(site.Lat, 'f', -1, 64)+","+strconv.FormatFloat(site.Lon, 'f', -1, 64), radar, sar)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	objs := objects(t, out)
	if len(objs) != len(sc.Radar)+len(sc.SAR) {
		t.Fatalf("%d detections; want %d radar and %d SAR", len(objs), len(sc.Radar), len(sc.SAR))
	}
	for i, r := range sc.Radar {
		o := objs[i]
		if o["target"] != r.Det.Target || math.Abs(o["lat"].(float64)-r.Det.Lat) > 2e-5 || math.Abs(o["lon"].(float64)-r.Det.Lon) > 2e-5 {
			t.Fatalf("detection %d = %v; want %+v", i, o, r.Det)
		}
	}
	data := t.TempDir()
	code, _, errOut = runCmd(t, "", "ingest", "--data", data, "--progress", "never", radar, sar)
	if code != 0 || !strings.Contains(errOut, "detections: ") || !strings.Contains(errOut, " radar-nmea, ") {
		t.Errorf("ingest: exit %d: %s", code, errOut)
	}
}
