package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/tidewatch/tidewatch/internal/export"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// houstonRows is the day's positions around Houston: a few thousand real
// rows.
func houstonRows(t testing.TB) []export.Row {
	box := geo.Rect{MinLon: -95.3, MinLat: 29.3, MaxLon: -94.6, MaxLat: 29.9}
	rows, err := export.Select(context.Background(), db, export.Query{From: from, To: to, BBox: &box})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 1000 {
		t.Fatalf("%d rows around Houston; want more than 1000", len(rows))
	}
	return rows
}

func writeText(t *testing.T, path, format string, rows []export.Row) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var w interface {
		Write(*export.Row) error
		Close() error
	}
	if format == "geojson" {
		w = export.NewGeoJSONWriter(f)
	} else {
		w = export.NewCSVWriter(f)
	}
	for i := range rows {
		if err := w.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTextFormatsGoReaders reads the GeoJSON and CSV back with
// encoding/json and encoding/csv: every row, every coordinate.
func TestTextFormatsGoReaders(t *testing.T) {
	rows := houstonRows(t)
	dir := t.TempDir()
	writeText(t, filepath.Join(dir, "p.geojson"), "geojson", rows)
	writeText(t, filepath.Join(dir, "p.csv"), "csv", rows)

	data, err := os.ReadFile(filepath.Join(dir, "p.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Type     string
		Features []struct {
			ID       string
			Geometry struct {
				Type        string
				Coordinates []float64
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		t.Fatalf("GeoJSON: %v", err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != len(rows) {
		t.Fatalf("GeoJSON: %s of %d features; want FeatureCollection of %d", fc.Type, len(fc.Features), len(rows))
	}
	for i, f := range fc.Features {
		r := rows[i]
		if f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) != 2 || f.Geometry.Coordinates[0] != r.Lon ||
			f.Geometry.Coordinates[1] != r.Lat || f.Properties["mmsi"] != float64(r.MMSI) ||
			f.ID != fmt.Sprintf("%d-%d", r.MMSI, r.Time) || f.Properties["time"] != r.Time.Std().Format("2006-01-02T15:04:05.000Z") {
			t.Fatalf("feature %d = %+v; want %+v", i, f, r)
		}
	}

	f, err := os.Open(filepath.Join(dir, "p.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	if len(recs) != len(rows)+1 {
		t.Fatalf("CSV: %d records; want a header and %d", len(recs), len(rows))
	}
	for i, rec := range recs[1:] {
		lat, _ := strconv.ParseFloat(rec[2], 64)
		lon, _ := strconv.ParseFloat(rec[3], 64)
		if rec[0] != rows[i].MMSI.String() || lat != rows[i].Lat || lon != rows[i].Lon {
			t.Fatalf("CSV row %d = %q; want %+v", i, rec, rows[i])
		}
	}
}

// TestTextFormatsOgrinfo reads the GeoJSON and CSV exports with GDAL's
// ogrinfo, the reader under QGIS: the feature count and the extent are
// the rows'. (Debian bookworm's GDAL 3.6 has no Parquet driver, so the
// GeoParquet file is read with DuckDB instead, in TestGeoParquetDuckDB.)
func TestTextFormatsOgrinfo(t *testing.T) {
	ogrinfo := need(t, "ogrinfo", "TIDEWATCH_REQUIRE_OGRINFO")
	rows := houstonRows(t)
	dir := t.TempDir()
	minLon, minLat, maxLon, maxLat := rows[0].Lon, rows[0].Lat, rows[0].Lon, rows[0].Lat
	for _, r := range rows {
		minLon, minLat, maxLon, maxLat = min(minLon, r.Lon), min(minLat, r.Lat), max(maxLon, r.Lon), max(maxLat, r.Lat)
	}
	for _, tc := range []struct {
		format, file string
		args         []string
	}{
		{"geojson", "p.geojson", nil},
		{"csv", "p.csv", []string{"-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-oo", "AUTODETECT_TYPE=YES"}},
	} {
		path := filepath.Join(dir, tc.file)
		writeText(t, path, tc.format, rows)
		args := append([]string{"-ro", "-so", "-al"}, tc.args...)
		cmd := exec.Command(ogrinfo, append(args, path)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ogrinfo %s: %v: %s", tc.format, err, stderr.Bytes())
		}
		m := regexp.MustCompile(`Feature Count: (\d+)`).FindSubmatch(out)
		if m == nil || string(m[1]) != strconv.Itoa(len(rows)) {
			t.Errorf("ogrinfo %s: %s; want Feature Count: %d", tc.format, out, len(rows))
		}
		ext := regexp.MustCompile(`Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)`).FindSubmatch(out)
		if ext == nil {
			t.Errorf("ogrinfo %s: no extent in %s", tc.format, out)
			continue
		}
		var got [4]float64
		for i := range got {
			got[i], _ = strconv.ParseFloat(string(ext[i+1]), 64)
		}
		want := [4]float64{minLon, minLat, maxLon, maxLat}
		for i := range got {
			if d := got[i] - want[i]; d > 1e-6 || d < -1e-6 {
				t.Errorf("ogrinfo %s extent %v; want %v", tc.format, got, want)
				break
			}
		}
		for _, col := range []string{"mmsi", "sog", "name", "ship_type"} {
			if !bytes.Contains(out, []byte("\n"+col+": ")) {
				t.Errorf("ogrinfo %s: no field %s in %s", tc.format, col, out)
			}
		}
	}
}

// BenchmarkExport writes the whole real day (about 100,000 positions) in
// each format and reports rows/s and bytes per row.
func BenchmarkExport(b *testing.B) {
	rows, err := export.Select(context.Background(), db, export.Query{From: from, To: to})
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{"geoparquet", "geojson", "csv"} {
		b.Run(format, func(b *testing.B) {
			var n int64
			for b.Loop() {
				cw := &countWriter{}
				switch format {
				case "geoparquet":
					if err := export.WriteGeoParquet(cw, rows, export.GeoParquetOptions{}); err != nil {
						b.Fatal(err)
					}
				default:
					var w interface {
						Write(*export.Row) error
						Close() error
					} = export.NewGeoJSONWriter(cw)
					if format == "csv" {
						w = export.NewCSVWriter(cw)
					}
					for i := range rows {
						w.Write(&rows[i])
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
				n = cw.n
			}
			b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(n)/float64(len(rows)), "bytes/row")
		})
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
