package export_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/export"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// wkbPoint is the little-endian ISO WKB of a 2D point, built by hand here
// as an independent check of the library's encoding.
func wkbPoint(lon, lat float64) string {
	b := []byte{1, 1, 0, 0, 0}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(lon))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(lat))
	return strings.ToUpper(hex.EncodeToString(b))
}

// duckdbOut is what e2e/formats/geoparquet.mjs prints.
type duckdbOut struct {
	Count   int               `json:"count"`
	KV      map[string]string `json:"kv"`
	Columns []struct {
		Name, Type string
	} `json:"columns"`
	RowGroups []struct {
		Rows                   int
		XMin, XMax, YMin, YMax float64
	} `json:"row_groups"`
	Rows [][]any  `json:"rows"`
	WKB  []string `json:"wkb"`
}

// readWithDuckDB reads file with DuckDB through the node script.
func readWithDuckDB(t *testing.T, file string) duckdbOut {
	t.Helper()
	node := need(t, "node", "TIDEWATCH_REQUIRE_DUCKDB")
	dir, err := filepath.Abs("../../e2e/formats")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		if os.Getenv("TIDEWATCH_REQUIRE_DUCKDB") != "" {
			t.Fatalf("@duckdb/node-api required but not installed: %v", err)
		}
		t.Skip("@duckdb/node-api not installed (bash e2e/formats/install.sh)")
	}
	cmd := exec.Command(node, filepath.Join(dir, "geoparquet.mjs"), file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v: %s", err, stderr.Bytes())
	}
	var d duckdbOut
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("duckdb output: %v", err)
	}
	return d
}

// TestGeoParquetDuckDB exports the whole real day and reads it back with
// DuckDB: the row count is the store's, the "geo" metadata is GeoParquet
// 1.1, every row's WKB, bbox and columns equal the stored position, and
// the row groups are spatially compact.
func TestGeoParquetDuckDB(t *testing.T) {
	rows, err := export.Select(context.Background(), db, export.Query{From: from, To: to, Flagged: true})
	if err != nil {
		t.Fatal(err)
	}
	if st := db.Stats(); int64(len(rows)) != st.Positions {
		t.Fatalf("Select with flagged = %d rows; the store holds %d positions", len(rows), st.Positions)
	}
	for _, tc := range []struct {
		name  string
		write func(f *os.File) error
	}{
		// The rows in memory, ordered as a whole.
		{"whole", func(f *os.File) error {
			return export.WriteGeoParquet(f, slices.Clone(rows), export.GeoParquetOptions{})
		}},
		// Streamed from the store in runs of 32,768 rows (4 row groups
		// of 8,192 each), as tidewatch export writes a large window.
		{"streamed", func(f *os.File) error {
			w := export.NewGeoParquetWriter(f, export.GeoParquetOptions{RowGroupRows: 8192, SortRows: 32768})
			if err := export.Scan(context.Background(), db, export.Query{From: from, To: to, Flagged: true}, w.Write); err != nil {
				return err
			}
			return w.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "day.parquet")
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.write(f); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			checkDuckDB(t, file, slices.Clone(rows))
		})
	}
}

// checkDuckDB reads file with DuckDB and checks it holds want.
func checkDuckDB(t *testing.T, file string, want []export.Row) {
	d := readWithDuckDB(t, file)
	if d.Count != len(want) || len(d.Rows) != len(want) || len(d.WKB) != len(want) {
		t.Fatalf("DuckDB counts %d rows (read %d, %d WKB); want %d", d.Count, len(d.Rows), len(d.WKB), len(want))
	}

	// The geo metadata, key by key, as the specification defines it.
	var meta struct {
		Version       string `json:"version"`
		PrimaryColumn string `json:"primary_column"`
		Columns       map[string]struct {
			Encoding      string               `json:"encoding"`
			GeometryTypes []string             `json:"geometry_types"`
			BBox          []float64            `json:"bbox"`
			CRS           json.RawMessage      `json:"crs"`
			Covering      map[string][2]string `json:"-"`
			RawCovering   struct {
				BBox map[string][]string `json:"bbox"`
			} `json:"covering"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(d.KV["geo"]), &meta); err != nil {
		t.Fatalf("geo metadata %q: %v", d.KV["geo"], err)
	}
	if meta.Version != "1.1.0" || meta.PrimaryColumn != "geometry" || len(meta.Columns) != 1 {
		t.Errorf("geo metadata %s: want version 1.1.0, primary_column geometry, one column", d.KV["geo"])
	}
	g := meta.Columns["geometry"]
	if g.Encoding != "WKB" || !slices.Equal(g.GeometryTypes, []string{"Point"}) || g.CRS != nil {
		t.Errorf("geometry column metadata %+v: want WKB, [Point], crs omitted (OGC:CRS84)", g)
	}
	for _, k := range []string{"xmin", "ymin", "xmax", "ymax"} {
		if got := g.RawCovering.BBox[k]; !slices.Equal(got, []string{"bbox", k}) {
			t.Errorf("covering.bbox.%s = %q; want [bbox %s]", k, got, k)
		}
	}
	wantBox := []float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, r := range want {
		wantBox = []float64{min(wantBox[0], r.Lon), min(wantBox[1], r.Lat), max(wantBox[2], r.Lon), max(wantBox[3], r.Lat)}
	}
	if !slices.Equal(g.BBox, wantBox) {
		t.Errorf("geo bbox = %v; want %v", g.BBox, wantBox)
	}

	// The columns and their types as DuckDB reads them.
	types := map[string]string{}
	for _, c := range d.Columns {
		types[c.Name] = c.Type
	}
	for name, typ := range map[string]string{"mmsi": "INTEGER", "time": "TIMESTAMP WITH TIME ZONE", "lat": "DOUBLE",
		"lon": "DOUBLE", "sog": "DOUBLE", "cog": "DOUBLE", "heading": "INTEGER", "nav_status": "INTEGER",
		"flags": "VARCHAR", "source": "VARCHAR", "name": "VARCHAR", "ship_type": "INTEGER", "geometry": "GEOMETRY('OGC:CRS84')",
		"bbox": "STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)"} {
		if types[name] != typ {
			t.Errorf("column %s is %q in DuckDB; want %q", name, types[name], typ)
		}
	}

	// Every row, in (mmsi, time) order as the script sorts them.
	slices.SortStableFunc(want, func(a, b export.Row) int {
		if a.MMSI != b.MMSI {
			return int(a.MMSI) - int(b.MMSI)
		}
		if a.Time != b.Time {
			return int(a.Time - b.Time)
		}
		if a.Lat != b.Lat {
			return map[bool]int{true: -1, false: 1}[a.Lat < b.Lat]
		}
		return map[bool]int{true: -1, false: 1}[a.Lon < b.Lon]
	})
	bad := 0
	for i, got := range d.Rows {
		w := want[i]
		sog, sogOK := w.SOG.Knots()
		exp := []any{float64(w.MMSI), float64(w.Time), w.Lat, w.Lon, wkt(w.Lon, w.Lat), w.Lon, w.Lat, w.Lon, w.Lat}
		gotHead := got[:9]
		if !equalJSON(gotHead, exp) || d.WKB[i] != wkbPoint(w.Lon, w.Lat) || (sogOK != (got[9] != nil)) || (sogOK && got[9] != sog) {
			if bad++; bad <= 5 {
				t.Errorf("row %d: DuckDB reads %v, WKB %s; want %v, WKB %s (sog %v %v)", i, got, d.WKB[i], exp, wkbPoint(w.Lon, w.Lat), sog, sogOK)
			}
		}
		if w.Name != "" && got[15] != w.Name {
			if bad++; bad <= 5 {
				t.Errorf("row %d: name %v; want %q", i, got[15], w.Name)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d rows differ", bad, len(d.Rows))
	}

	// Row groups: several, and a reader looking for the positions in a
	// small box (half a degree around a real position, every 1000th) reads
	// only some of them by their bbox statistics.
	if len(d.RowGroups) < 2 {
		t.Fatalf("%d row groups; want several for %d rows", len(d.RowGroups), len(want))
	}
	var read, asked int
	for i := 0; i < len(want); i += 1000 {
		c := want[i]
		for _, rg := range d.RowGroups {
			if rg.XMin <= c.Lon+0.25 && rg.XMax >= c.Lon-0.25 && rg.YMin <= c.Lat+0.25 && rg.YMax >= c.Lat-0.25 {
				read++
			}
		}
		asked++
	}
	frac := float64(read) / float64(asked*len(d.RowGroups))
	t.Logf("%d rows in %d row groups; a 0.5° box reads %.0f%% of them on average", len(want), len(d.RowGroups), 100*frac)
	if frac > 0.75 {
		t.Errorf("a 0.5° box reads %.0f%% of the row groups: not spatially sorted", 100*frac)
	}
}

// wkt is the WKT DuckDB writes for a point.
func wkt(lon, lat float64) string {
	return "POINT (" + strconv.FormatFloat(lon, 'f', -1, 64) + " " + strconv.FormatFloat(lat, 'f', -1, 64) + ")"
}

func equalJSON(got []any, want []any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// TestSelectFilters checks the bbox and MMSI filters against the whole
// day filtered here.
func TestSelectFilters(t *testing.T) {
	ctx := context.Background()
	all, err := export.Select(ctx, db, export.Query{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	houston := geo.Rect{MinLon: -95.3, MinLat: 29.3, MaxLon: -94.6, MaxLat: 29.9}
	var inBox int
	counts := map[vessel.MMSI]int{}
	for _, r := range all {
		if houston.Contains(geo.Point{Lat: r.Lat, Lon: r.Lon}) {
			inBox++
		}
		counts[r.MMSI]++
	}
	got, err := export.Select(ctx, db, export.Query{From: from, To: to, BBox: &houston})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != inBox || inBox == 0 {
		t.Errorf("bbox %v: %d rows; %d of the day's are inside", houston, len(got), inBox)
	}
	// A box across the antimeridian: 170°E eastwards to 150°W, Hawaii
	// inside.
	across := geo.Rect{MinLon: 170, MinLat: 10, MaxLon: -150, MaxLat: 30}
	inAcross := 0
	for _, r := range all {
		if r.Lon >= 170 || r.Lon <= -150 {
			if r.Lat >= 10 && r.Lat <= 30 {
				inAcross++
			}
		}
	}
	got, err = export.Select(ctx, db, export.Query{From: from, To: to, BBox: &across})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != inAcross || inAcross == 0 {
		t.Errorf("bbox across the antimeridian %v: %d rows; %d of the day's are inside", across, len(got), inAcross)
	}

	var m vessel.MMSI
	for mm, n := range counts {
		if n > counts[m] {
			m = mm
		}
	}
	got, err = export.Select(ctx, db, export.Query{From: from, To: to, MMSIs: []vessel.MMSI{m}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != counts[m] {
		t.Errorf("mmsi %d: %d rows; want %d", m, len(got), counts[m])
	}
	mid := from + (to-from)/2
	got, err = export.Select(ctx, db, export.Query{From: mid, To: to})
	if err != nil {
		t.Fatal(err)
	}
	var later int
	for _, r := range all {
		if r.Time >= mid {
			later++
		}
	}
	if len(got) != later || later == 0 || later == len(all) {
		t.Errorf("from %v: %d rows; want %d of %d", mid, len(got), later, len(all))
	}
	if _, err := export.Select(ctx, db, export.Query{From: from, To: to, Limit: 1000}); err == nil {
		t.Errorf("limit 1000 on %d rows: no error", len(all))
	}
}
