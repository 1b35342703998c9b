// Package export writes the positions history of a tidewatch store in the
// formats analysts open elsewhere: GeoParquet 1.1 (DuckDB, GDAL with
// Arrow, QGIS, GeoPandas), GeoJSON (RFC 7946) and CSV. It owns the
// selection of the positions of a window (Select: a time window, a
// bounding box, MMSIs) and the encoders; the command line (tidewatch
// export) and the HTTP API (/api/v1/export) call it. KML export stays in
// cmd/tidewatch's own writer.
//
// # Usage
//
//	rows, err := export.Select(ctx, db, export.Query{From: from, To: to, BBox: &box})
//	...
//	err = export.WriteGeoParquet(f, rows, export.GeoParquetOptions{})
//
// or, streaming from the store with bounded memory, one row at a time
// (what tidewatch export, the API download and the archive do):
//
//	w := export.NewGeoParquetWriter(f, export.GeoParquetOptions{}) // or NewGeoJSONWriter, NewCSVWriter
//	err := export.Scan(ctx, db, q, w.Write)
//	...
//	err = w.Close()
//
// Scan reads one vessel's track of the window at a time (Prepare finds
// the vessels and counts their positions first, so a window over
// Query.Limit fails before any row); WriteFile writes a file atomically
// while streaming (a temporary file renamed when complete).
//
// # Format
//
// Every format has the same columns, one row per stored position:
//
//	mmsi        int32                the vessel
//	time        timestamp (ms, UTC)  the report's time
//	lat, lon    double               degrees, WGS 84
//	sog, cog    double, null         knots, degrees true; null when not available
//	heading     int32, null          degrees true
//	nav_status  int32, null          AIS navigational status 0-14
//	flags       string               data-quality flags, comma-separated ("" for none)
//	source      string, null         the receiver the report came from
//	name        string, null         the vessel's name, as of the window's end
//	ship_type   int32, null          the AIS ship and cargo type, as of the window's end
//
// A GeoParquet file adds "geometry", the point as little-endian ISO WKB
// (built with github.com/twpayne/go-geom), and "bbox", a struct of
// xmin, ymin, xmax, ymax (doubles; a point's box is the point), and
// carries the "geo" key-value metadata of the GeoParquet 1.1
// specification:
//
//	{"version":"1.1.0","primary_column":"geometry","columns":{"geometry":
//	 {"encoding":"WKB","geometry_types":["Point"],"bbox":[W,S,E,N],
//	  "covering":{"bbox":{"xmin":["bbox","xmin"],"ymin":["bbox","ymin"],
//	   "xmax":["bbox","xmax"],"ymax":["bbox","ymax"]}}}}}
//
// with "crs" omitted (OGC:CRS84, longitude then latitude) and "bbox" left
// out of an empty file. Rows are ordered along a Hilbert curve over their
// extent, then by time (SortSpatially), in row groups of
// DefaultRowGroupRows, zstd-compressed: each row group covers a compact
// area, so a reader with a bbox filter skips most of them by their
// statistics of the bbox column. WriteGeoParquet orders all its rows as
// one; a GeoParquetWriter orders each run of SortRows rows (4 row groups,
// 131,072 rows, by default) and writes it as it fills, so its memory is
// bounded by a run whatever the window: a window of at most one run is
// ordered as a whole. The file is written with
// github.com/parquet-go/parquet-go.
//
// GeoJSON is a FeatureCollection of Points whose properties are the
// columns (time as RFC 3339 with milliseconds) and whose id is
// "MMSI-unixmillis". CSV has a header line (CSVHeader); empty cells are
// absent values. Text from AIS is attacker-controlled: GeoJSON escapes <,
// > and &, and a CSV cell a spreadsheet would run as a formula gets a
// leading apostrophe.
//
// # Concurrency
//
// Select reads the store under its own locks and may run alongside
// writes; the writers are not safe for concurrent use.
package export
