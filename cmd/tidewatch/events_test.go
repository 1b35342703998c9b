package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
)

// eventsScenario writes a track CSV (tidewatch's own layout) with a
// vessel drifting 2 hours far out at sea (loitering), a vessel crossing a
// zone, and two vessels moored at offshore platforms (status 5, so not
// loitering), one of them silent for 8 hours while the other reports (not
// a gap since issue 13: silent moored and back where it was, it stayed at
// its berth), and the zone as GeoJSON. The drifting and crossing vessels fall
// silent for good at 02:00 and 03:00: the drifting one's gap is still open
// at 12:00; the crossing one left for where nobody was ever heard.
func eventsScenario(t *testing.T) (csvPath, zonesPath string) {
	t.Helper()
	dir := t.TempDir()
	t0 := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	ocean := geo.Point{Lat: 30, Lon: -40}
	type row struct {
		mmsi   int
		t      time.Time
		p      geo.Point
		sog    float64
		status string
	}
	var rows []row
	for d := time.Duration(0); d <= 12*time.Hour; d += time.Minute {
		if d <= 2*time.Hour {
			rows = append(rows, row{366000001, t0.Add(d), geo.Destination(ocean, 45, 0.8*1852/3600*d.Seconds()), 0.8, ""})
		}
		if d <= 3*time.Hour {
			start := geo.Destination(ocean, 270, 20e3)
			rows = append(rows, row{366000002, t0.Add(d), geo.Destination(start, 90, 10*1852/3600*d.Seconds()), 10, ""})
		}
		if d%(10*time.Minute) == 0 {
			rows = append(rows, row{366000003, t0.Add(d), geo.Destination(ocean, 0, 30e3), 0, "5"})
		}
		if d <= time.Hour || d >= 9*time.Hour {
			rows = append(rows, row{366000004, t0.Add(d), geo.Destination(ocean, 180, 40e3), 0, "5"})
		}
	}
	var b strings.Builder
	b.WriteString("mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%d,%s,%.6f,%.6f,%.1f,,,%s,,\n", r.mmsi, r.t.Format(time.RFC3339), r.p.Lat, r.p.Lon, r.sog, r.status)
	}
	csvPath = filepath.Join(dir, "tracks.csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	box := geo.RectAround(ocean, 10e3)
	zones := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Box <1>"},
	"geometry":{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}}]}`,
		box.MinLon, box.MinLat, box.MaxLon, box.MaxLat)
	zonesPath = filepath.Join(dir, "zones.geojson")
	if err := os.WriteFile(zonesPath, []byte(zones), 0o644); err != nil {
		t.Fatal(err)
	}
	return csvPath, zonesPath
}

type eventLine struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Start   string    `json:"start"`
	End     *string   `json:"end"`
	Vessels []float64 `json:"vessels"`
	Lat     *float64  `json:"lat"`
	Lon     *float64  `json:"lon"`
	Zone    *string   `json:"zone"`
}

func parseEvents(t *testing.T, out []byte) []eventLine {
	t.Helper()
	var evs []eventLine
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var ev eventLine
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("line %s: %v", line, err)
		}
		if ev.Lat == nil || ev.Lon == nil || ev.Zone == nil || ev.Vessels == nil || ev.Start == "" {
			t.Errorf("line lacks a key: %s", line)
		}
		evs = append(evs, ev)
	}
	return evs
}

func summarize(evs []eventLine) map[string][]string {
	m := map[string][]string{}
	for _, ev := range evs {
		end := "open"
		if ev.End != nil {
			end = *ev.End
		}
		m[ev.Type] = append(m[ev.Type], fmt.Sprintf("%v %s %s %s", ev.Vessels, ev.Start, end, *ev.Zone))
	}
	return m
}

func TestEventsFiles(t *testing.T) {
	csvPath, zonesPath := eventsScenario(t)
	var out, errb bytes.Buffer
	if err := runEvents(context.Background(), []string{"--zones", zonesPath, csvPath}, nil, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	got := summarize(parseEvents(t, out.Bytes()))
	want := map[string][]string{
		"loitering":  {"[3.66000001e+08] 2024-05-01T00:00:00Z 2024-05-01T02:00:00Z "},
		"zone_entry": {"[3.66000001e+08] 2024-05-01T00:00:00Z open Box <1>", "[3.66000002e+08] 2024-05-01T00:34:00Z 2024-05-01T01:41:00Z Box <1>"},
		"zone_exit":  {"[3.66000002e+08] 2024-05-01T01:41:00Z 2024-05-01T01:41:00Z Box <1>"},
		// the crossing vessel fell silent heading at 10 kn where no
		// receiver ever heard anyone: it left coverage, not a gap
		"gap": {"[3.66000001e+08] 2024-05-01T02:00:00Z open "},
	}
	for typ, w := range want {
		if strings.Join(got[typ], "|") != strings.Join(w, "|") {
			t.Errorf("%s events = %q; want %q", typ, got[typ], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("event types = %v; want only %v", got, want)
	}
	if !strings.Contains(out.String(), `"zone":"Box \u003c1\u003e"`) {
		t.Errorf("zone names must be escaped: %s", out.String())
	}
	if !strings.Contains(errb.String(), "loitering=1") {
		t.Errorf("summary = %q", errb.String())
	}

	// skylight with a config file that switches loitering off
	cfg := filepath.Join(t.TempDir(), "cfg.json")
	os.WriteFile(cfg, []byte(`{"loitering":{"enabled":false}}`), 0o644)
	out.Reset()
	if err := runEvents(context.Background(), []string{"--preset", "skylight", "--config", cfg, csvPath}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	got = summarize(parseEvents(t, out.Bytes()))
	if len(got["loitering"]) != 0 || len(got["gap"]) != 1 || len(got["zone_entry"]) != 0 {
		t.Errorf("with loitering off and no zones: %v", got)
	}
	if !strings.Contains(out.String(), `"preset":"skylight"`) {
		t.Errorf("preset not skylight: %s", out.String())
	}

	// mistakes are usage errors
	for _, args := range [][]string{{"--preset", "nope", csvPath}, {"--config", zonesPath, csvPath}} {
		if err := runEvents(context.Background(), args, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("runEvents(%q) succeeded", args)
		}
	}
}

// TestEventsStore: ingest the scenario into a store and ask the store for
// events: the same events as from the file.
func TestEventsStore(t *testing.T) {
	csvPath, zonesPath := eventsScenario(t)
	dir := t.TempDir()
	if err := runIngest(context.Background(), []string{"--data", dir, csvPath}, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var fromFile, fromStore bytes.Buffer
	if err := runEvents(context.Background(), []string{"--zones", zonesPath, csvPath}, nil, &fromFile, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := runEvents(context.Background(), []string{"--zones", zonesPath, "--data", dir, "--from", "2024-05-01", "--to", "2024-05-01T12:00:00Z"}, nil, &fromStore, io.Discard); err != nil {
		t.Fatal(err)
	}
	a, b := summarize(parseEvents(t, fromFile.Bytes())), summarize(parseEvents(t, fromStore.Bytes()))
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("from the file:\n%v\nfrom the store:\n%v", a, b)
	}
	// a window that leaves out the silence's end leaves the gap open
	fromStore.Reset()
	if err := runEvents(context.Background(), []string{"--data", dir, "--from", "2024-05-01", "--to", "2024-05-01T08:00:00Z"}, nil, &fromStore, io.Discard); err != nil {
		t.Fatal(err)
	}
	if g := summarize(parseEvents(t, fromStore.Bytes()))["gap"]; len(g) != 2 || !strings.Contains(g[0], "3.66000004e+08") || !strings.Contains(g[0], "open") {
		t.Errorf("gaps up to 08:00 = %v; want 366000004's open, and 366000001's", g)
	}
}
