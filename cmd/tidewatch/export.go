package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/export"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const exportUsage = `Usage: tidewatch export [--data DIR] [--format geoparquet|geojson|csv|kml] [--from T] [--to T]
                        [--bbox W,S,E,N] [--mmsi M[,M...]] [--flagged] -o FILE
       tidewatch export [--data DIR] --archive DIR [--from T] [--to T] [--flagged]

Write the stored positions of a window to FILE, one row per position with
mmsi, time, lat, lon, sog, cog, heading, nav_status, flags, source, and the
vessel's name and ship_type when known (as of --to). GeoParquet files follow
GeoParquet 1.1 (WKB points, a bbox covering column, rows sorted spatially
then by time) for DuckDB, QGIS, GDAL and GeoPandas. --format defaults to
the extension of FILE (.parquet, .geojson, .csv, .kml). -o - writes to
standard output. The window defaults to all the stored data; --from and
--to are inclusive. Positions with data-quality flags are left out unless
--flagged. The rows are streamed from the store: memory stays bounded
whatever the window.

--archive DIR writes one GeoParquet file per hour instead,
DIR/YYYY/MM/DD/HH.parquet (UTC), for the hours of the window within the
stored data; DuckDB reads the whole archive with a glob
('DIR/**/*.parquet'). It is idempotent: complete hours already archived
are skipped, and an hour still going on (the last of the stored data, or
the current one) is written as partial, marked by HH.parquet.partial
beside it, and written again by the next run. Every file is written
atomically. Run it from cron to keep an archive of years of history.
` + timeHelp + "\n"

// exportFormats maps file extensions to --format.
var exportFormats = map[string]string{".parquet": "geoparquet", ".geoparquet": "geoparquet",
	".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".kml": "kml"}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := newFlagSet("export", exportUsage, stderr)
	data := dataFlag(fs)
	format := fs.String("format", "", "geoparquet, geojson, csv or kml (default: from the extension of -o)")
	fromS := fs.String("from", "", "start of the window, inclusive (default: the start of the stored data)")
	toS := fs.String("to", "", "end of the window, inclusive (default: the end of the stored data)")
	bboxS := fs.String("bbox", "", "west,south,east,north in degrees")
	mmsiS := fs.String("mmsi", "", "only these vessels: MMSIs separated by commas")
	flagged := fs.Bool("flagged", false, "include positions with data-quality flags")
	out := fs.String("o", "", "the file to write (- for standard output)")
	archive := fs.String("archive", "", "write one GeoParquet file per hour into this directory (DIR/YYYY/MM/DD/HH.parquet)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "unexpected argument %q", pos[0])
	}
	if *archive != "" {
		switch {
		case *out != "":
			return usageError(fs, stderr, "--archive and -o exclude each other")
		case *format != "" && *format != "geoparquet":
			return usageError(fs, stderr, "--archive writes GeoParquet only, not %q", *format)
		case *bboxS != "" || *mmsiS != "":
			return usageError(fs, stderr, "--archive keeps every position: no --bbox or --mmsi")
		}
		*format = "geoparquet"
	} else if *out == "" {
		return usageError(fs, stderr, "-o FILE is required")
	}
	if *format == "" {
		*format = exportFormats[strings.ToLower(filepath.Ext(*out))]
		if *format == "" {
			return usageError(fs, stderr, "--format is required: the extension of %q does not name one", *out)
		}
	}
	switch *format {
	case "geoparquet", "geojson", "csv", "kml":
	default:
		return usageError(fs, stderr, "unknown --format %q (want geoparquet, geojson, csv or kml)", *format)
	}
	q, err := exportQuery(fs, stderr, *bboxS, *mmsiS, *fromS, *toS, *flagged, now)
	if err != nil {
		return err
	}
	db, err := openReadOnly(*data)
	if err != nil {
		return err
	}
	defer db.Close()
	if *archive != "" {
		st, err := export.Archive(ctx, db, export.ArchiveOptions{Dir: *archive, From: q.From, To: q.To, Flagged: q.Flagged, Now: now})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d hours archived in %s: %d written (%d partial), %d complete already; %d positions written\n",
			st.Hours, *archive, st.Written, st.Partial, st.Skipped, st.Rows)
		return nil
	}
	return writeExport(ctx, db, q, *out, *format, stdout, stderr)
}

// exportQuery makes the query of the --bbox, --mmsi, --from, --to and
// --flagged flags; an empty window bound is the start or end of time.
func exportQuery(fs *flag.FlagSet, stderr io.Writer, bboxS, mmsiS, fromS, toS string, flagged bool, now time.Time) (export.Query, error) {
	q := export.Query{Flagged: flagged}
	if bboxS != "" {
		r, err := parseBBox(bboxS)
		if err != nil {
			return q, usageError(fs, stderr, "--bbox: %v", err)
		}
		q.BBox = &r
	}
	if mmsiS != "" {
		for s := range strings.SplitSeq(mmsiS, ",") {
			m, err := parseMMSI(strings.TrimSpace(s))
			if err != nil {
				return q, usageError(fs, stderr, "--mmsi: %v", err)
			}
			q.MMSIs = append(q.MMSIs, m)
		}
	}
	var err error
	q.From, q.To = vessel.Time(math.MinInt64/2), vessel.Time(math.MaxInt64/2)
	if fromS != "" {
		if q.From, err = vessel.ParseTime(fromS, now); err != nil {
			return q, usageError(fs, stderr, "--from: %v", err)
		}
	}
	if toS != "" {
		if q.To, err = vessel.ParseTime(toS, now); err != nil {
			return q, usageError(fs, stderr, "--to: %v", err)
		}
	}
	if q.From > q.To {
		return q, usageError(fs, stderr, "--from %v is after --to %v", q.From, q.To)
	}
	return q, nil
}

// writeExport writes the positions of q in format to out, or to stdout
// for "-", and reports the count on stderr.
func writeExport(ctx context.Context, db *store.DB, q export.Query, out, format string, stdout, stderr io.Writer) error {
	// The rows are streamed from the store to the file (export.Scan):
	// one vessel's track and, for GeoParquet, one run of row groups are
	// in memory at a time, whatever the window.
	var n int
	write := func(w io.Writer) error {
		var err error
		n, err = streamExport(ctx, db, q, w, format)
		return err
	}
	if out == "-" {
		bw := bufio.NewWriterSize(stdout, 256<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	// Atomically: an interrupted export leaves no truncated file under
	// the name.
	if err := export.WriteFile(out, 0o600, write); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	st, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%d positions written to %s (%s, %d bytes)\n", n, out, format, st.Size())
	return nil
}

// streamExport writes the positions of q in format to w as Scan reads
// them, and returns how many it wrote.
func streamExport(ctx context.Context, db *store.DB, q export.Query, w io.Writer, format string) (int, error) {
	n := 0
	switch format {
	case "geoparquet":
		gw := export.NewGeoParquetWriter(w, export.GeoParquetOptions{})
		if err := export.Scan(ctx, db, q, gw.Write); err != nil {
			return 0, err
		}
		return gw.Rows(), gw.Close()
	case "kml":
		kw := newWriter(w, "kml")
		err := export.Scan(ctx, db, q, func(r *export.Row) error {
			n++
			return kw.write(positionRecord(&r.Position, r.Name))
		})
		if err != nil {
			return 0, err
		}
		return n, kw.close(nil)
	}
	var tw interface {
		Write(*export.Row) error
		Close() error
	}
	if format == "csv" {
		tw = export.NewCSVWriter(w)
	} else {
		tw = export.NewGeoJSONWriter(w)
	}
	err := export.Scan(ctx, db, q, func(r *export.Row) error {
		n++
		return tw.Write(r)
	})
	if err != nil {
		return 0, err
	}
	return n, tw.Close()
}
