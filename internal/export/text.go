package export

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
)

// GeoJSONWriter writes rows as a GeoJSON FeatureCollection (RFC 7946) of
// Points, one Feature per position, streaming: memory does not grow with
// the number of rows. Strings are JSON-escaped with <, > and & escaped
// too, since text from AIS is attacker-controlled. It is not safe for
// concurrent use.
type GeoJSONWriter struct {
	w   *bufio.Writer
	b   []byte
	n   int
	err error
}

// NewGeoJSONWriter returns a writer of a FeatureCollection to w. Close
// ends the collection.
func NewGeoJSONWriter(w io.Writer) *GeoJSONWriter {
	return &GeoJSONWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes one position as a Feature.
func (g *GeoJSONWriter) Write(r *Row) error {
	if g.err != nil {
		return g.err
	}
	b := g.b[:0]
	if g.n == 0 {
		b = append(b, `{"type":"FeatureCollection","features":[`...)
	} else {
		b = append(b, ',')
	}
	b = append(b, "\n"...)
	b = AppendFeature(b, r)
	g.b = b
	g.n++
	_, g.err = g.w.Write(b)
	return g.err
}

// Close ends the collection (an empty one if nothing was written) and
// flushes.
func (g *GeoJSONWriter) Close() error {
	if g.err != nil {
		return g.err
	}
	if g.n == 0 {
		g.w.WriteString(`{"type":"FeatureCollection","features":[`)
	}
	g.w.WriteString("\n]}\n")
	return g.w.Flush()
}

// AppendFeature appends r as a GeoJSON Feature with a Point geometry and
// the export's columns as properties ("id" is MMSI-time).
func AppendFeature(b []byte, r *Row) []byte {
	b = append(b, `{"type":"Feature","id":"`...)
	b = strconv.AppendUint(b, uint64(r.MMSI), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(r.Time), 10)
	b = append(b, `","geometry":{"type":"Point","coordinates":[`...)
	b = strconv.AppendFloat(b, r.Lon, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.Lat, 'f', -1, 64)
	b = append(b, `]},"properties":{"mmsi":`...)
	b = strconv.AppendUint(b, uint64(r.MMSI), 10)
	b = append(b, `,"time":"`...)
	b = r.Time.Std().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, `","sog":`...)
	sog, ok := r.SOG.Knots()
	b = appendOptFloat(b, sog, ok)
	b = append(b, `,"cog":`...)
	cog, ok := r.COG.Degrees()
	b = appendOptFloat(b, cog, ok)
	b = append(b, `,"heading":`...)
	h, ok := r.Heading.Degrees()
	b = appendOptInt(b, int64(h), ok)
	b = append(b, `,"nav_status":`...)
	s, ok := r.Status.Value()
	b = appendOptInt(b, int64(s), ok)
	b = append(b, `,"flags":`...)
	b = appendJSONString(b, joinFlags(r.Flags.Names()))
	b = append(b, `,"source":`...)
	b = appendOptString(b, r.Source)
	b = append(b, `,"name":`...)
	b = appendOptString(b, r.Name)
	b = append(b, `,"ship_type":`...)
	b = appendOptInt(b, int64(r.ShipType), r.ShipType != 0)
	return append(b, "}}"...)
}

func appendOptFloat(b []byte, v float64, ok bool) []byte {
	if !ok {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

func appendOptInt(b []byte, v int64, ok bool) []byte {
	if !ok {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, v, 10)
}

func appendOptString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendJSONString appends s as a JSON string; encoding/json escapes <, >
// and & and replaces invalid UTF-8.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// CSVHeader is the header line of WriteCSV, the export's columns with the
// geometry as lat and lon.
const CSVHeader = "mmsi,time,lat,lon,sog,cog,heading,nav_status,flags,source,name,ship_type\n"

// CSVWriter writes rows as CSV (RFC 4180) with CSVHeader's columns; empty
// cells are absent values. A cell a spreadsheet would run as a formula
// (starting with =, +, -, @, tab or CR) gets a leading apostrophe. It is
// not safe for concurrent use.
type CSVWriter struct {
	w   *bufio.Writer
	b   []byte
	n   int
	err error
}

// NewCSVWriter returns a CSV writer to w; Close flushes it.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: bufio.NewWriterSize(w, 64<<10)} }

// Write writes one row (the header before the first).
func (c *CSVWriter) Write(r *Row) error {
	if c.err != nil {
		return c.err
	}
	b := c.b[:0]
	if c.n == 0 {
		b = append(b, CSVHeader...)
	}
	b = strconv.AppendUint(b, uint64(r.MMSI), 10)
	b = append(b, ',')
	b = r.Time.Std().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.Lat, 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, r.Lon, 'f', -1, 64)
	b = append(b, ',')
	if v, ok := r.SOG.Knots(); ok {
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	b = append(b, ',')
	if v, ok := r.COG.Degrees(); ok {
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	b = append(b, ',')
	if v, ok := r.Heading.Degrees(); ok {
		b = strconv.AppendInt(b, int64(v), 10)
	}
	b = append(b, ',')
	if v, ok := r.Status.Value(); ok {
		b = strconv.AppendInt(b, int64(v), 10)
	}
	b = append(b, ',')
	b = appendCSVString(b, joinFlags(r.Flags.Names()))
	b = append(b, ',')
	b = appendCSVString(b, r.Source)
	b = append(b, ',')
	b = appendCSVString(b, r.Name)
	b = append(b, ',')
	if r.ShipType != 0 {
		b = strconv.AppendInt(b, int64(r.ShipType), 10)
	}
	b = append(b, '\n')
	c.b = b
	c.n++
	_, c.err = c.w.Write(b)
	return c.err
}

// Close writes the header if no row was written, and flushes.
func (c *CSVWriter) Close() error {
	if c.err != nil {
		return c.err
	}
	if c.n == 0 {
		c.w.WriteString(CSVHeader)
	}
	return c.w.Flush()
}

// appendCSVString quotes s as RFC 4180 requires when needed, and guards
// a cell a spreadsheet would run as a formula with a leading apostrophe.
func appendCSVString(b []byte, s string) []byte {
	if s == "" {
		return b
	}
	if c := s[0]; c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' {
		s = "'" + s
	}
	quote := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
