package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/store"
)

// TestExport exports the bundled real day in every format and checks
// that each holds the same positions, that --bbox and --mmsi narrow them,
// and logs the file sizes against the store's bytes.
func TestExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", noaaFile); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	db, err := store.Open(dir, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	st := db.Stats()
	db.Close()
	out := t.TempDir()
	sizes := map[string]int64{}
	for _, f := range []string{"day.parquet", "day.geojson", "day.csv", "day.kml"} {
		path := filepath.Join(out, f)
		code, stdout, stderr := runCmd(t, "", "export", "--data", dir, "-o", path)
		if code != 0 || stdout != "" || !strings.Contains(stderr, " positions written to ") {
			t.Fatalf("export -o %s: exit %d, stdout %q, stderr %s", f, code, stdout, stderr)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		sizes[f] = fi.Size()
	}
	t.Logf("%d positions, store %d bytes (%.1f B/position); parquet %d (%.2f× the store), geojson %d (%.1f×), csv %d (%.1f×), kml %d (%.1f×)",
		st.Positions, st.DiskBytes, float64(st.DiskBytes)/float64(st.Positions),
		sizes["day.parquet"], ratio(sizes["day.parquet"], st.DiskBytes), sizes["day.geojson"], ratio(sizes["day.geojson"], st.DiskBytes),
		sizes["day.csv"], ratio(sizes["day.csv"], st.DiskBytes), sizes["day.kml"], ratio(sizes["day.kml"], st.DiskBytes))

	var fc struct {
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties struct {
				MMSI  int64  `json:"mmsi"`
				Flags string `json:"flags"`
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "day.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "day.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	kml, err := os.ReadFile(filepath.Join(out, "day.kml"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(fc.Features)
	if n < 90_000 || int64(n) > st.Positions || len(recs)-1 != n || strings.Count(string(kml), "<Placemark>") != n {
		t.Errorf("geojson %d features, csv %d rows, kml %d placemarks; want the same, of the %d stored positions less flagged ones",
			n, len(recs)-1, strings.Count(string(kml), "<Placemark>"), st.Positions)
	}
	// Advisory flags (late, on_land, invalid_mmsi) stay in tracks; the
	// flags that keep a report out of them must not be exported.
	for _, ft := range fc.Features {
		for _, bad := range []string{"no_position", "teleport", "identity_conflict", "future", "clock"} {
			if strings.Contains(ft.Properties.Flags, bad) {
				t.Fatalf("a position with flags %q exported without --flagged", ft.Properties.Flags)
			}
		}
	}

	// --bbox and --mmsi to standard output.
	code, stdout, stderr := runCmd(t, "", "export", "--data", dir, "--format", "geojson", "--bbox", "-95.3,29.3,-94.6,29.9", "-o", "-")
	if code != 0 {
		t.Fatalf("export --bbox: exit %d: %s", code, stderr)
	}
	var box struct {
		Features []struct {
			Geometry   struct{ Coordinates []float64 }
			Properties struct{ MMSI int64 }
		}
	}
	if err := json.Unmarshal([]byte(stdout), &box); err != nil {
		t.Fatal(err)
	}
	inside := 0
	for _, ft := range fc.Features {
		c := ft.Geometry.Coordinates
		if c[0] >= -95.3 && c[0] <= -94.6 && c[1] >= 29.3 && c[1] <= 29.9 {
			inside++
		}
	}
	if len(box.Features) != inside || inside == 0 {
		t.Errorf("--bbox: %d features; %d of the day's are inside", len(box.Features), inside)
	}
	m := box.Features[0].Properties.MMSI
	code, stdout, stderr = runCmd(t, "", "export", "--data", dir, "--format", "csv", "--mmsi", jsonNum(float64(m)), "-o", "-")
	if code != 0 {
		t.Fatalf("export --mmsi: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")[1:]
	want := 0
	for _, ft := range fc.Features {
		if ft.Properties.MMSI == m {
			want++
		}
	}
	if len(lines) != want || want == 0 {
		t.Errorf("--mmsi %d: %d rows; want %d", m, len(lines), want)
	}

	for _, args := range [][]string{
		{"export", "--data", dir},
		{"export", "--data", dir, "-o", filepath.Join(out, "x.txt")},
		{"export", "--data", dir, "--format", "shp", "-o", "x.shp"},
		{"export", "--data", dir, "--bbox", "1,2,3", "-o", "x.csv"},
		{"export", "--data", dir, "--mmsi", "abc", "-o", "x.csv"},
		{"export", "--data", dir, "--from", "2022-01-04", "--to", "2022-01-03", "-o", "x.csv"},
	} {
		if code, _, _ := runCmd(t, "", args...); code != 2 {
			t.Errorf("%q: exit %d; want 2", args, code)
		}
	}
}

func ratio(a, b int64) float64 { return float64(a) / float64(b) }

// TestExportArchive runs export --archive twice on the real day: the
// first run writes every hour (the last partial), the second only the
// partial one; --archive refuses -o, other formats and filters.
func TestExportArchive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", noaaFile); code != 0 {
		t.Fatalf("ingest: exit %d: %s", code, stderr)
	}
	arch := filepath.Join(t.TempDir(), "archive")
	code, _, stderr := runCmd(t, "", "export", "--data", dir, "--archive", arch)
	if code != 0 || !strings.Contains(stderr, "24 hours archived in "+arch+": 24 written (1 partial), 0 complete already; 99904 positions written") {
		t.Fatalf("first archive: exit %d: %s", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "export", "--data", dir, "--archive", arch)
	if code != 0 || !strings.Contains(stderr, ": 1 written (1 partial), 23 complete already;") {
		t.Fatalf("second archive: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(arch, "2022", "01", "03", "00.parquet")); err != nil {
		t.Error(err)
	}
	for _, args := range [][]string{
		{"--archive", arch, "-o", "x.parquet"},
		{"--archive", arch, "--format", "csv"},
		{"--archive", arch, "--bbox", "1,2,3,4"},
	} {
		if code, _, stderr := runCmd(t, "", append([]string{"export", "--data", dir}, args...)...); code != 2 {
			t.Errorf("export %q: exit %d (%s); want the usage error 2", args, code, stderr)
		}
	}
}
