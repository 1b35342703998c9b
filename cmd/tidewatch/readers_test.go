package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestEveryReaderBesideWriter: every reading command of issue 11
// (vessels, track, near, area, events --data, contacts --data) works
// while another process holds the data directory as its writer, as serve
// and ingest do: each answers as it did before the writer opened, sees
// what the writer committed since, and never makes the writer fail.
// (TestQueriesBesideWriter covers track and vessels on a smaller store.)
func TestEveryReaderBesideWriter(t *testing.T) {
	dir := ingested(t)
	tmp := t.TempDir()

	// A real report of the README's vessel, from the store itself: the
	// place and time the near, area and contacts queries ask about.
	code, out, stderr := runCmd(t, "", "track", "--data", dir, "351106000")
	pts := objects(t, out)
	if code != 0 || len(pts) < 10 {
		t.Fatalf("track: exit %d, %d points: %s", code, len(pts), stderr)
	}
	mid := pts[len(pts)/2]
	lat, lon, at := mid["lat"].(float64), mid["lon"].(float64), mid["time"].(string)
	tm, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		t.Fatal(err)
	}
	from, to := tm.Add(-30*time.Minute).Format(time.RFC3339), tm.Add(30*time.Minute).Format(time.RFC3339)
	box := filepath.Join(tmp, "box.geojson")
	os.WriteFile(box, fmt.Appendf(nil, `{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}`,
		lon-0.01, lat-0.01, lon+0.01, lat+0.01), 0o600)
	// One satellite detection (Global Fishing Watch's layout) where the
	// vessel reported, at that time: contacts weighs it as a candidate.
	sar := filepath.Join(tmp, "sar.csv")
	os.WriteFile(sar, fmt.Appendf(nil, "scene_id,detect_id,detect_timestamp,detect_lat,detect_lon,inferred_length_m,inferred_presence\n"+
		"scene-1,d1,%s,%f,%f,180,0.99\n", tm.UTC().Format("2006-01-02 15:04:05.000 UTC"), lat, lon), 0o600)

	// A vessel the writer adds while the readers run: in the same hour,
	// 500 m north of the report, inside the box.
	const added = 366999123
	p := vessel.Position{MMSI: added, Time: vessel.TimeOf(tm), Lat: lat + 0.0045, Lon: lon,
		SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus, Source: "rx-writer"}

	queries := []struct {
		name string
		args []string
	}{
		{"vessels", []string{"vessels", "--data", dir, "--at", at}},
		{"track", []string{"track", "--data", dir, "351106000"}},
		{"near", []string{"near", "--data", dir, "--lat", fmt.Sprint(lat), "--lon", fmt.Sprint(lon), "--radius", "2km", "--from", from, "--to", to}},
		{"area", []string{"area", "--data", dir, "--polygon", box, "--from", from, "--to", to}},
		{"events", []string{"events", "--data", dir, "--from", "2022-01-03T00:00:00Z", "--to", "2022-01-04T00:00:00Z", "--workers", "1"}},
		{"contacts", []string{"contacts", "--data", dir, sar}},
	}
	before := map[string][]map[string]any{}
	for _, q := range queries {
		code, out, stderr := runCmd(t, "", q.args...)
		if code != 0 {
			t.Fatalf("%s without a writer: exit %d: %s", q.name, code, stderr)
		}
		before[q.name] = objects(t, out)
	}
	found := func(objs []map[string]any, m float64) bool {
		for _, o := range objs {
			if o["mmsi"] == m {
				return true
			}
		}
		return false
	}
	for _, name := range []string{"near", "area"} {
		if !found(before[name], 351106000) || found(before[name], added) {
			t.Fatalf("%s before the writer: %v; want 351106000 and not %d", name, before[name], added)
		}
	}
	// The stored vessel is a candidate of the detection: contacts read
	// the store.
	if c := before["contacts"]; len(c) != 1 || !found(asObjects(c[0]["candidates"]), 351106000) {
		t.Fatalf("contacts before the writer: %v; want the detection with 351106000 among its candidates", c)
	}
	if len(before["events"]) == 0 {
		t.Fatal("events before the writer: none; want the day's events")
	}

	w, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b store.Batch
	b.AddPosition(&p)
	if err := w.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		code, out, stderr := runCmd(t, "", q.args...)
		if code != 0 {
			t.Errorf("%s beside a writer: exit %d: %s", q.name, code, stderr)
			continue
		}
		got := objects(t, out)
		switch q.name {
		case "near", "area", "vessels":
			// The old answer, plus the vessel the writer committed.
			if !found(got, added) || len(got) != len(before[q.name])+1 {
				t.Errorf("%s beside a writer: %d answers, the added vessel found %v; want the %d from before and %d",
					q.name, len(got), found(got, added), len(before[q.name]), added)
			}
		default:
			if !sameObjects(got, before[q.name]) {
				t.Errorf("%s beside a writer: %d answers differ from the %d without it", q.name, len(got), len(before[q.name]))
			}
		}
	}
	if code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", dmaNMEA); code != 1 || !strings.Contains(stderr, "in use") {
		t.Errorf("a second writer beside the first: exit %d, %s; want exit 1 saying the directory is in use", code, stderr)
	}
	// The writer goes on unharmed and closes clean.
	p.Time += 60_000
	b.Reset()
	b.AddPosition(&p)
	if err := w.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCmd(t, "", "track", "--data", dir, fmt.Sprint(added))
	if code != 0 || len(objects(t, out)) != 2 {
		t.Errorf("track of the added vessel after the writer closed: exit %d, %s %s; want its 2 reports", code, out, stderr)
	}
}

// sameObjects reports whether two decoded outputs are equal, line by line.
func sameObjects(a, b []map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if fmt.Sprint(a[i]) != fmt.Sprint(b[i]) {
			return false
		}
	}
	return true
}

// asObjects returns the objects of a decoded JSON array.
func asObjects(v any) []map[string]any {
	a, _ := v.([]any)
	var out []map[string]any
	for _, e := range a {
		if o, ok := e.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}
