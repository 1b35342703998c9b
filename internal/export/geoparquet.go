package export

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/parquet-go/parquet-go"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/wkb"
)

// GeoParquetVersion is the version of the GeoParquet specification the
// files follow.
const GeoParquetVersion = "1.1.0"

// DefaultRowGroupRows is the number of rows of a row group unless
// GeoParquetOptions says otherwise: large enough for efficient column
// chunks, small enough that a bbox filter skips most of a day's file.
const DefaultRowGroupRows = 32 * 1024

// GeoParquetOptions tunes WriteGeoParquet. The zero value is the default.
type GeoParquetOptions struct {
	// RowGroupRows is the most rows of one row group (default
	// DefaultRowGroupRows).
	RowGroupRows int
	// SortRows is how many rows a GeoParquetWriter gathers and orders
	// spatially before writing them: its memory bound (default
	// DefaultSortRuns row groups).
	SortRows int
}

// parquetRow is one row of the file: the column names, types and order
// of the format (see the package documentation).
type parquetRow struct {
	MMSI      int32    `parquet:"mmsi"`
	Time      int64    `parquet:"time,timestamp(millisecond:utc)"`
	Lat       float64  `parquet:"lat"`
	Lon       float64  `parquet:"lon"`
	SOG       *float64 `parquet:"sog,optional"`
	COG       *float64 `parquet:"cog,optional"`
	Heading   *int32   `parquet:"heading,optional"`
	NavStatus *int32   `parquet:"nav_status,optional"`
	Flags     string   `parquet:"flags"`
	Source    *string  `parquet:"source,optional"`
	Name      *string  `parquet:"name,optional"`
	ShipType  *int32   `parquet:"ship_type,optional"`
	Geometry  []byte   `parquet:"geometry"`
	BBox      bbox     `parquet:"bbox"`
}

// bbox is the covering column of GeoParquet 1.1: a point's box is the
// point.
type bbox struct {
	XMin float64 `parquet:"xmin"`
	YMin float64 `parquet:"ymin"`
	XMax float64 `parquet:"xmax"`
	YMax float64 `parquet:"ymax"`
}

// geoMetadata is the "geo" key of the file metadata, as the GeoParquet
// 1.1 specification defines it. CRS is omitted: the coordinates are
// longitude, latitude on WGS 84 (OGC:CRS84), the specification's default.
type geoMetadata struct {
	Version       string                   `json:"version"`
	PrimaryColumn string                   `json:"primary_column"`
	Columns       map[string]geoColumnMeta `json:"columns"`
}

type geoColumnMeta struct {
	Encoding      string       `json:"encoding"`
	GeometryTypes []string     `json:"geometry_types"`
	BBox          []float64    `json:"bbox,omitempty"`
	Covering      *geoCovering `json:"covering,omitempty"`
}

type geoCovering struct {
	BBox struct {
		XMin [2]string `json:"xmin"`
		YMin [2]string `json:"ymin"`
		XMax [2]string `json:"xmax"`
		YMax [2]string `json:"ymax"`
	} `json:"bbox"`
}

// geoMetadataBox returns the "geo" metadata of a file whose points span
// b (west, south, east, north; nil for an empty file).
func geoMetadataBox(b []float64) ([]byte, error) {
	col := geoColumnMeta{Encoding: "WKB", GeometryTypes: []string{"Point"}, Covering: &geoCovering{}, BBox: b}
	c := &col.Covering.BBox
	c.XMin, c.YMin, c.XMax, c.YMax = [2]string{"bbox", "xmin"}, [2]string{"bbox", "ymin"}, [2]string{"bbox", "xmax"}, [2]string{"bbox", "ymax"}
	return json.Marshal(geoMetadata{Version: GeoParquetVersion, PrimaryColumn: "geometry",
		Columns: map[string]geoColumnMeta{"geometry": col}})
}

// SortSpatially orders rows by the Hilbert index of their position on a
// 65,536 × 65,536 grid over the rows' extent, then by time and MMSI:
// neighbouring rows are near each other, so each row group covers a small
// area and a reader filtering by bbox skips the others.
func SortSpatially(rows []Row) {
	type keyed struct {
		key uint32
		i   int
	}
	if len(rows) == 0 {
		return
	}
	x0, y0, x1, y1 := rows[0].Lon, rows[0].Lat, rows[0].Lon, rows[0].Lat
	for i := range rows {
		x0, y0 = min(x0, rows[i].Lon), min(y0, rows[i].Lat)
		x1, y1 = max(x1, rows[i].Lon), max(y1, rows[i].Lat)
	}
	// Square cells, so that the curve's locality holds in both directions.
	side := max(x1-x0, y1-y0, 1e-9)
	keys := make([]keyed, len(rows))
	for i := range rows {
		keys[i] = keyed{hilbert((rows[i].Lon-x0)/side, (rows[i].Lat-y0)/side), i}
	}
	slices.SortFunc(keys, func(a, b keyed) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		ra, rb := &rows[a.i], &rows[b.i]
		if c := cmp.Compare(ra.Time, rb.Time); c != 0 {
			return c
		}
		return cmp.Compare(ra.MMSI, rb.MMSI)
	})
	sorted := make([]Row, len(rows))
	for j, k := range keys {
		sorted[j] = rows[k.i]
	}
	copy(rows, sorted)
}

// hilbert is the distance along the Hilbert curve of order 16 of the
// grid cell of (u, v) in the unit square.
func hilbert(u, v float64) uint32 {
	const n = 1 << 16
	x := uint32(min(n-1, max(0, u*n)))
	y := uint32(min(n-1, max(0, v*n)))
	var d uint32
	for s := uint32(n / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		// Rotate the quadrant so the curve continues in it.
		if ry == 0 {
			if rx == 1 {
				x, y = n-1-x, n-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// WriteGeoParquet writes rows to w as a GeoParquet 1.1 file: the columns
// of the package documentation, the point as WKB in "geometry", its
// bounding box in the "bbox" covering column, zstd-compressed, and the
// "geo" file metadata. Rows are sorted in place (SortSpatially) first,
// as a whole however many they are (GeoParquetWriter streams).
func WriteGeoParquet(w io.Writer, rows []Row, opt GeoParquetOptions) error {
	opt.SortRows = max(opt.SortRows, len(rows))
	gw := NewGeoParquetWriter(w, opt)
	for i := range rows {
		if err := gw.Write(&rows[i]); err != nil {
			return err
		}
	}
	return gw.Close()
}

// DefaultSortRuns is how many row groups of rows a GeoParquetWriter
// gathers and orders spatially before writing them, unless
// GeoParquetOptions.SortRows says otherwise.
const DefaultSortRuns = 4

// GeoParquetWriter writes a GeoParquet file row by row with bounded
// memory: it gathers up to SortRows rows (4 row groups by default),
// orders them along a Hilbert curve over their extent then by time
// (SortSpatially), and writes them as row groups; the "geo" metadata,
// with the bbox of every row, is set at Close. A window of at most
// SortRows rows is thus ordered as a whole, a larger one run by run (each
// row group still covers a compact area of its run). It is not safe for
// concurrent use.
type GeoParquetWriter struct {
	pw    *parquet.GenericWriter[parquetRow]
	run   []Row
	max   int
	buf   []parquetRow
	pt    *geom.Point
	box   []float64
	n     int
	err   error
	close bool
}

// NewGeoParquetWriter returns a writer of a GeoParquet file to w.
func NewGeoParquetWriter(w io.Writer, opt GeoParquetOptions) *GeoParquetWriter {
	if opt.RowGroupRows <= 0 {
		opt.RowGroupRows = DefaultRowGroupRows
	}
	if opt.SortRows <= 0 {
		opt.SortRows = DefaultSortRuns * opt.RowGroupRows
	}
	pw := parquet.NewGenericWriter[parquetRow](w,
		parquet.MaxRowsPerRowGroup(int64(opt.RowGroupRows)),
		parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("tidewatch", "", ""))
	return &GeoParquetWriter{pw: pw, max: opt.SortRows, pt: geom.NewPointFlat(geom.XY, []float64{0, 0}),
		buf: make([]parquetRow, 0, 4096)}
}

// Write adds one row (copied: the caller may reuse r).
func (g *GeoParquetWriter) Write(r *Row) error {
	if g.err != nil {
		return g.err
	}
	if g.box == nil {
		g.box = []float64{r.Lon, r.Lat, r.Lon, r.Lat}
	}
	g.box[0], g.box[1] = min(g.box[0], r.Lon), min(g.box[1], r.Lat)
	g.box[2], g.box[3] = max(g.box[2], r.Lon), max(g.box[3], r.Lat)
	g.run = append(g.run, *r)
	if len(g.run) >= g.max {
		g.err = g.flush()
	}
	return g.err
}

// flush orders the gathered rows and writes them.
func (g *GeoParquetWriter) flush() error {
	SortSpatially(g.run)
	for i := range g.run {
		r := &g.run[i]
		pr, err := toParquet(r, g.pt)
		if err != nil {
			return fmt.Errorf("export: row %d (MMSI %d): %w", g.n+i, r.MMSI, err)
		}
		g.buf = append(g.buf, pr)
		if len(g.buf) == cap(g.buf) {
			if _, err := g.pw.Write(g.buf); err != nil {
				return err
			}
			g.buf = g.buf[:0]
		}
	}
	if len(g.buf) > 0 {
		if _, err := g.pw.Write(g.buf); err != nil {
			return err
		}
		g.buf = g.buf[:0]
	}
	g.n += len(g.run)
	clear(g.run) // drop the strings
	g.run = g.run[:0]
	return nil
}

// Rows is the number of rows written so far (gathered rows included).
func (g *GeoParquetWriter) Rows() int { return g.n + len(g.run) }

// Close writes the gathered rows, the "geo" metadata and the footer. It
// does not close the underlying writer.
func (g *GeoParquetWriter) Close() error {
	if g.close {
		return g.err
	}
	g.close = true
	if g.err == nil && len(g.run) > 0 {
		g.err = g.flush()
	}
	if g.err != nil {
		return g.err
	}
	meta, err := geoMetadataBox(g.box)
	if err != nil {
		return err
	}
	g.pw.SetKeyValueMetadata("geo", string(meta))
	g.err = g.pw.Close()
	return g.err
}

func toParquet(r *Row, pt *geom.Point) (parquetRow, error) {
	pr := parquetRow{
		MMSI: int32(r.MMSI), Time: int64(r.Time), Lat: r.Lat, Lon: r.Lon,
		Flags: joinFlags(r.Flags.Names()),
		BBox:  bbox{XMin: r.Lon, YMin: r.Lat, XMax: r.Lon, YMax: r.Lat},
	}
	if v, ok := r.SOG.Knots(); ok {
		pr.SOG = &v
	}
	if v, ok := r.COG.Degrees(); ok {
		pr.COG = &v
	}
	if v, ok := r.Heading.Degrees(); ok {
		h := int32(v)
		pr.Heading = &h
	}
	if v, ok := r.Status.Value(); ok {
		s := int32(v)
		pr.NavStatus = &s
	}
	if r.Source != "" {
		pr.Source = &r.Source
	}
	if r.Name != "" {
		pr.Name = &r.Name
	}
	if r.ShipType != 0 {
		t := int32(r.ShipType)
		pr.ShipType = &t
	}
	if _, err := pt.SetCoords(geom.Coord{r.Lon, r.Lat}); err != nil {
		return pr, err
	}
	g, err := wkb.Marshal(pt, binary.LittleEndian)
	if err != nil {
		return pr, err
	}
	pr.Geometry = g
	return pr, nil
}

// joinFlags joins flag names with commas.
func joinFlags(names []string) string {
	var b []byte
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n...)
	}
	return string(b)
}
