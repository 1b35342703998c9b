package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/export"
)

// TestArchive archives the real day hour by hour and reads the directory
// back with DuckDB through a glob: the same positions as an export of the
// window, each in the file of its hour. A second run skips the complete
// hours and writes the partial last one again; a missing hour is written
// again alone.
func TestArchive(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	now := to.Std().Add(48 * time.Hour)
	st, err := export.Archive(ctx, db, export.ArchiveOptions{Dir: dir, From: from, To: to, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := export.Select(ctx, db, export.Query{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	hours := int(to.Std().Truncate(time.Hour).Sub(from.Std().Truncate(time.Hour))/time.Hour) + 1
	if st.Hours != hours || st.Written != hours || st.Partial != 1 || st.Skipped != 0 || st.Rows != len(rows) {
		t.Fatalf("first run %+v; want %d hours written, the last partial, %d rows", st, hours, len(rows))
	}
	last := export.HourPath(dir, to.Std())
	if _, err := os.Stat(last + ".partial"); err != nil {
		t.Errorf("the last hour is not marked partial: %v", err)
	}

	d := readArchive(t, dir)
	if d.Count != len(rows) || len(d.Rows) != len(rows) {
		t.Fatalf("DuckDB reads %d rows (%d listed) from the archive; the window holds %d", d.Count, len(d.Rows), len(rows))
	}
	for _, f := range d.Files {
		rel, _ := filepath.Rel(dir, f.File)
		start, err := time.Parse("2006/01/02/15.parquet", rel)
		if err != nil {
			t.Fatalf("file %s: %v", rel, err)
		}
		lo, hi := float64(start.UnixMilli()), float64(start.Add(time.Hour).UnixMilli())
		if f.MinMS < lo || f.MaxMS >= hi {
			t.Errorf("%s holds times %v..%v; want its hour", rel, f.MinMS, f.MaxMS)
		}
	}
	// Every row, against the window's export in the same order.
	want := map[[4]float64]int{}
	for _, r := range rows {
		want[[4]float64{float64(r.MMSI), float64(r.Time), r.Lat, r.Lon}]++
	}
	for _, r := range d.Rows {
		k := [4]float64{r[0], r[1], r[2], r[3]}
		if want[k] == 0 {
			t.Fatalf("DuckDB reads %v, not a position of the window", r)
		}
		want[k]--
	}

	// Again: only the partial hour is written.
	info := map[string]time.Time{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			info[p] = fi.ModTime()
		}
		return nil
	})
	st, err = export.Archive(ctx, db, export.ArchiveOptions{Dir: dir, From: from, To: to, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 1 || st.Partial != 1 || st.Skipped != hours-1 {
		t.Fatalf("second run %+v; want %d hours skipped, the partial one written", st, hours-1)
	}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && p != last && p != last+".partial" && !fi.ModTime().Equal(info[p]) {
			t.Errorf("%s rewritten by the second run", p)
		}
		return nil
	})

	// A lost hour (the third) is written again, and only it.
	third := export.HourPath(dir, from.Std().Add(2*time.Hour))
	if err := os.Remove(third); err != nil {
		t.Fatal(err)
	}
	var wrote []time.Time
	st, err = export.Archive(ctx, db, export.ArchiveOptions{Dir: dir, From: from, To: to, Now: now,
		Hour: func(h time.Time, rows int, skipped, complete bool) {
			if !skipped {
				wrote = append(wrote, h)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 2 || len(wrote) != 2 || export.HourPath(dir, wrote[0]) != third {
		t.Fatalf("third run %+v wrote %v; want the lost hour and the partial one", st, wrote)
	}
	// Nothing is left but hour files and the partial marker.
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasSuffix(p, ".parquet") && p != last+".partial" {
			t.Errorf("stray file %s", p)
		}
		return nil
	})
}

type archiveOut struct {
	Count int `json:"count"`
	Files []struct {
		File         string
		Rows         int
		MinMS, MaxMS float64 `json:"-"`
		Min          float64 `json:"min_ms"`
		Max          float64 `json:"max_ms"`
	} `json:"files"`
	Rows [][]float64 `json:"rows"`
}

func readArchive(t *testing.T, dir string) archiveOut {
	t.Helper()
	node := need(t, "node", "TIDEWATCH_REQUIRE_DUCKDB")
	e2e, err := filepath.Abs("../../e2e/formats")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e2e, "node_modules", "@duckdb", "node-api")); err != nil {
		if os.Getenv("TIDEWATCH_REQUIRE_DUCKDB") != "" {
			t.Fatalf("@duckdb/node-api required but not installed: %v", err)
		}
		t.Skip("@duckdb/node-api not installed (bash e2e/formats/install.sh)")
	}
	cmd := exec.Command(node, filepath.Join(e2e, "archive.mjs"), filepath.Join(dir, "**", "*.parquet"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v: %s", err, stderr.Bytes())
	}
	var d archiveOut
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	for i := range d.Files {
		d.Files[i].MinMS, d.Files[i].MaxMS = d.Files[i].Min, d.Files[i].Max
	}
	return d
}
