package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"unicode/utf8"
)

// A record is one output object (a vessel, a point, an approach): an
// ordered list of fields, so that JSON keys and CSV columns come out in a
// fixed order.
type record []field

type fieldKind uint8

const (
	kNull fieldKind = iota
	kString
	kInt
	kFloat
	kBool
	kStrings
)

type field struct {
	key  string
	kind fieldKind
	s    string
	i    int64
	f    float64
	prec int // decimals for floats
	b    bool
	ss   []string
}

func str(k, v string) field                { return field{key: k, kind: kString, s: v} }
func num(k string, v int64) field          { return field{key: k, kind: kInt, i: v} }
func flt(k string, v float64, p int) field { return field{key: k, kind: kFloat, f: v, prec: p} }
func boolean(k string, v bool) field       { return field{key: k, kind: kBool, b: v} }
func strs(k string, v []string) field      { return field{key: k, kind: kStrings, ss: v} }
func null(k string) field                  { return field{key: k} }

// optStr is a string field, null when empty.
func optStr(k, v string) field {
	if v == "" {
		return null(k)
	}
	return str(k, v)
}

func (r record) get(k string) (field, bool) {
	for _, f := range r {
		if f.key == k {
			return f, true
		}
	}
	return field{}, false
}

// formats accepted by --format.
var formats = []string{"jsonl", "csv", "geojson", "kml"}

func validFormat(f string) bool {
	for _, v := range formats {
		if v == f {
			return true
		}
	}
	return false
}

// writer writes records in one of the output formats. Strings from AIS
// are attacker-controlled: they are JSON-escaped, CSV-quoted (and guarded
// against spreadsheet formula injection) and XML-escaped.
type writer struct {
	w      *bufio.Writer
	format string
	n      int
	header []string
	// line, for geojson: also draw the points as one LineString feature
	// (a track).
	line   bool
	coords [][2]float64
	times  []string // the points' times, for the LineString's "times"
	buf    []byte
}

func newWriter(w io.Writer, format string) *writer {
	return &writer{w: bufio.NewWriterSize(w, 64<<10), format: format}
}

func (w *writer) write(r record) error {
	defer func() { w.n++ }()
	switch w.format {
	case "csv":
		return w.csv(r)
	case "geojson":
		return w.geojson(r)
	case "kml":
		return w.kml(r)
	default:
		w.buf = appendJSONObject(w.buf[:0], r)
		w.buf = append(w.buf, '\n')
		_, err := w.w.Write(w.buf)
		return err
	}
}

func appendJSONObject(b []byte, r record) []byte {
	b = append(b, '{')
	for i, f := range r {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		b = appendJSONValue(b, f)
	}
	return append(b, '}')
}

func appendJSONValue(b []byte, f field) []byte {
	switch f.kind {
	case kString:
		return appendJSONString(b, f.s)
	case kInt:
		return strconv.AppendInt(b, f.i, 10)
	case kFloat:
		if math.IsNaN(f.f) || math.IsInf(f.f, 0) {
			return append(b, "null"...)
		}
		return appendFloat(b, f.f, f.prec)
	case kBool:
		return strconv.AppendBool(b, f.b)
	case kStrings:
		b = append(b, '[')
		for i, s := range f.ss {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

// appendFloat formats v with at most prec decimals, without trailing
// zeros.
func appendFloat(b []byte, v float64, prec int) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	if prec > 0 {
		i := len(b)
		for i > start && b[i-1] == '0' {
			i--
		}
		if i > start && b[i-1] == '.' {
			i--
		}
		b = b[:i]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

func (w *writer) csv(r record) error {
	if w.n == 0 {
		for i, f := range r {
			if i > 0 {
				w.w.WriteByte(',')
			}
			w.w.WriteString(f.key)
			w.header = append(w.header, f.key)
		}
		w.w.WriteByte('\n')
	}
	b := w.buf[:0]
	for i, f := range r {
		if i > 0 {
			b = append(b, ',')
		}
		switch f.kind {
		case kString:
			b = appendCSVString(b, f.s)
		case kStrings:
			b = appendCSVString(b, strings.Join(f.ss, ";"))
		case kNull:
		default:
			b = appendJSONValue(b, f)
		}
	}
	b = append(b, '\n')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

// appendCSVString quotes s as RFC 4180 requires, and prefixes a cell that
// a spreadsheet would run as a formula (=, +, -, @, tab, CR) with an
// apostrophe.
func appendCSVString(b []byte, s string) []byte {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		s = "'" + s
	}
	if !strings.ContainsAny(s, ",\"\n\r") && s == strings.TrimSpace(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

func latLon(r record) (lat, lon float64, ok bool) {
	la, ok1 := r.get("lat")
	lo, ok2 := r.get("lon")
	if !ok1 || !ok2 || la.kind != kFloat || lo.kind != kFloat {
		return 0, 0, false
	}
	return la.f, lo.f, true
}

func (w *writer) geojson(r record) error {
	if w.n == 0 {
		w.w.WriteString(`{"type":"FeatureCollection","features":[`)
	} else {
		w.w.WriteByte(',')
	}
	w.w.WriteByte('\n')
	b := append(w.buf[:0], `{"type":"Feature","geometry":`...)
	if lat, lon, ok := latLon(r); ok {
		b = append(b, `{"type":"Point","coordinates":[`...)
		b = appendFloat(b, lon, 6)
		b = append(b, ',')
		b = appendFloat(b, lat, 6)
		b = append(b, "]}"...)
		if w.line {
			w.coords = append(w.coords, [2]float64{lon, lat})
			t, _ := r.get("time")
			w.times = append(w.times, t.s)
		}
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"properties":`...)
	b = appendJSONObject(b, r)
	b = append(b, '}')
	w.buf = b
	_, err := w.w.Write(b)
	return err
}

func (w *writer) kml(r record) error {
	if w.n == 0 {
		w.w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<kml xmlns="http://www.opengis.net/kml/2.2"><Document>` + "\n")
	}
	name := ""
	if f, ok := r.get("name"); ok && f.kind == kString && f.s != "" {
		name = f.s
	} else if f, ok := r.get("mmsi"); ok {
		name = string(appendJSONValue(nil, f))
	}
	if f, ok := r.get("time"); ok && f.kind == kString && w.line {
		name += " " + f.s
	}
	fmt.Fprintf(w.w, "<Placemark><name>%s</name>", xmlEscape(name))
	if f, ok := r.get("time"); ok && f.kind == kString {
		fmt.Fprintf(w.w, "<TimeStamp><when>%s</when></TimeStamp>", xmlEscape(f.s))
	}
	w.w.WriteString("<ExtendedData>")
	for _, f := range r {
		v := string(appendJSONValue(nil, f))
		if f.kind == kString {
			v = f.s
		}
		fmt.Fprintf(w.w, `<Data name="%s"><value>%s</value></Data>`, xmlEscape(f.key), xmlEscape(v))
	}
	w.w.WriteString("</ExtendedData>")
	if lat, lon, ok := latLon(r); ok {
		fmt.Fprintf(w.w, "<Point><coordinates>%s,%s</coordinates></Point>", appendFloat(nil, lon, 6), appendFloat(nil, lat, 6))
		if w.line {
			w.coords = append(w.coords, [2]float64{lon, lat})
		}
	}
	_, err := w.w.WriteString("</Placemark>\n")
	return err
}

func xmlEscape(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			sb.WriteString("&lt;")
		case '>':
			sb.WriteString("&gt;")
		case '&':
			sb.WriteString("&amp;")
		case '"':
			sb.WriteString("&quot;")
		case '\'':
			sb.WriteString("&apos;")
		default:
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				continue // not allowed in XML 1.0
			}
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// close ends the document and flushes.
func (w *writer) close(lineProps record) error {
	switch w.format {
	case "geojson":
		if w.n == 0 {
			w.w.WriteString(`{"type":"FeatureCollection","features":[`)
		}
		if w.line && len(w.coords) > 1 {
			if w.n > 0 {
				w.w.WriteByte(',')
			}
			b := []byte("\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[")
			for i, c := range w.coords {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, '[')
				b = appendFloat(b, c[0], 6)
				b = append(b, ',')
				b = appendFloat(b, c[1], 6)
				b = append(b, ']')
			}
			b = append(b, "]},\"properties\":"...)
			// "times": the time of each vertex, in order (the GeoJSON
			// convention of track tools for a LineString's timestamps).
			b = appendJSONObject(b, append(lineProps[:len(lineProps):len(lineProps)], strs("times", w.times)))
			b = append(b, '}')
			w.w.Write(b)
		}
		w.w.WriteString("\n]}\n")
	case "kml":
		if w.n == 0 {
			w.w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<kml xmlns="http://www.opengis.net/kml/2.2"><Document>` + "\n")
		}
		if w.line && len(w.coords) > 1 {
			w.w.WriteString("<Placemark><name>track</name><LineString><coordinates>")
			for _, c := range w.coords {
				fmt.Fprintf(w.w, "%s,%s ", appendFloat(nil, c[0], 6), appendFloat(nil, c[1], 6))
			}
			w.w.WriteString("</coordinates></LineString></Placemark>\n")
		}
		w.w.WriteString("</Document></kml>\n")
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

var _ = json.Valid

// appendJSONString appends s as a JSON string. Besides what JSON requires,
// <, > and & are escaped (\u003c...) so the text is inert if pasted into
// HTML, and invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, "\\ufffd"...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&15])
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}
