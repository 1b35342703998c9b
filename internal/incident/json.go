package incident

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// MaxJSON bounds the JSON form of one record that UnmarshalJSON accepts,
// in bytes. A record within the bounds of Validate encodes to well under
// 1 MiB.
const MaxJSON = 4 << 20

// wire is the JSON form of a record.
type wire struct {
	ID           string          `json:"id,omitempty"`
	Version      int             `json:"version,omitempty"`
	Kind         Kind            `json:"kind"`
	Category     Category        `json:"category"`
	Title        string          `json:"title"`
	Narrative    string          `json:"narrative,omitempty"`
	Start        string          `json:"start"`
	End          string          `json:"end,omitempty"`
	Lat          *float64        `json:"lat,omitempty"`
	Lon          *float64        `json:"lon,omitempty"`
	Area         json.RawMessage `json:"area,omitempty"`
	Vessels      []vessel.MMSI   `json:"vessels,omitempty"`
	Events       []string        `json:"events,omitempty"`
	Source       string          `json:"source,omitempty"`
	Origin       string          `json:"origin,omitempty"`
	TLP          *TLP            `json:"tlp"`
	ReleasableTo []string        `json:"releasable_to,omitempty"`
	Created      string          `json:"created,omitempty"`
	Updated      string          `json:"updated,omitempty"`
	Deleted      bool            `json:"deleted,omitempty"`
}

// MarshalJSON writes the JSON form of the record:
//
//	{"id":"incident--…","version":2,"kind":"incident","category":"piracy_armed_robbery",
//	 "title":"…","narrative":"…","start":"2025-09-03T04:10:00Z","end":"…",
//	 "lat":12.5,"lon":45.1,"area":{"type":"Polygon","coordinates":[…]},
//	 "vessels":[419000123],"events":["gap-…"],"source":"…","origin":"IN-IFC-IOR",
//	 "tlp":"TLP:AMBER","releasable_to":["JP-JCG"],
//	 "created":"…","updated":"…","deleted":true}
//
// Keys are snake_case. Times are RFC 3339 in UTC, with milliseconds when
// they are not zero. "lat" and "lon" appear only with a point, "area"
// (a GeoJSON Polygon, or MultiPolygon for more than one polygon, with
// [lon, lat] positions) only with an area; "end", "created", "updated"
// and "version" only when not zero, lists only when not empty, "deleted"
// only when true. Text is escaped by encoding/json, '<', '>' and '&'
// included, so the form can be embedded in HTML.
func (in Incident) MarshalJSON() ([]byte, error) {
	tlp := in.TLP
	if !tlp.Valid() {
		return nil, fieldErr("tlp", "not a marking: %d", int(tlp))
	}
	w := wire{
		ID: in.ID, Version: in.Version, Kind: in.Kind, Category: in.Category,
		Title: in.Title, Narrative: in.Narrative, Start: timeText(in.Start), End: timeText(in.End),
		Vessels: in.Vessels, Events: in.Events, Source: in.Source, Origin: in.Origin,
		TLP: &tlp, ReleasableTo: in.ReleasableTo,
		Created: timeText(in.Created), Updated: timeText(in.Updated), Deleted: in.Deleted,
	}
	if in.Start == 0 {
		w.Start = ""
	}
	if in.HasPoint {
		lat, lon := in.Lat, in.Lon
		w.Lat, w.Lon = &lat, &lon
	}
	if len(in.Area) > 0 {
		w.Area = appendGeometry(nil, in.Area)
	}
	return json.Marshal(&w)
}

// UnmarshalJSON reads the JSON form written by MarshalJSON. It is strict:
// unknown keys, an unknown kind, category or marking, a missing "tlp" (so
// that a forgotten marking never reads as TLP:CLEAR), "lat" without "lon",
// a time that is not RFC 3339 and an "area" that is not a Polygon or
// MultiPolygon are errors, and so is input over MaxJSON bytes. Times may
// carry any offset and are kept in UTC to the millisecond. Empty lists
// read as nil. It does not call Validate: do so before using the record.
func (in *Incident) UnmarshalJSON(data []byte) error {
	if len(data) > MaxJSON {
		return fmt.Errorf("%w: record of %d bytes, at most %d", ErrTooLarge, len(data), MaxJSON)
	}
	var w wire
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the record", ErrInvalid)
	}
	out := Incident{
		ID: w.ID, Version: w.Version, Title: w.Title, Narrative: w.Narrative,
		Source: w.Source, Origin: w.Origin, Deleted: w.Deleted,
	}
	if !w.Kind.Valid() {
		return fieldErr("kind", "unknown kind %s", quote(string(w.Kind), 40))
	}
	out.Kind = w.Kind
	if !w.Category.Valid() {
		return fieldErr("category", "unknown category %s", quote(string(w.Category), 40))
	}
	out.Category = w.Category
	if w.TLP == nil {
		return fieldErr("tlp", "missing")
	}
	out.TLP = *w.TLP
	for _, t := range []struct {
		name string
		text string
		dst  *vessel.Time
	}{{"start", w.Start, &out.Start}, {"end", w.End, &out.End}, {"created", w.Created, &out.Created}, {"updated", w.Updated, &out.Updated}} {
		if t.text == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.text)
		if err != nil {
			return fieldErr(t.name, "not an RFC 3339 time: %s", quote(t.text, 40))
		}
		*t.dst = vessel.TimeOf(v)
	}
	switch {
	case w.Lat != nil && w.Lon != nil:
		out.Lat, out.Lon, out.HasPoint = *w.Lat, *w.Lon, true
	case w.Lat != nil:
		return fieldErr("lon", "missing with lat")
	case w.Lon != nil:
		return fieldErr("lat", "missing with lon")
	}
	if len(w.Area) > 0 && string(w.Area) != "null" {
		var err error
		if out.Area, err = readGeometry(w.Area); err != nil {
			return err
		}
	}
	if len(w.Vessels) > 0 {
		out.Vessels = w.Vessels
	}
	if len(w.Events) > 0 {
		out.Events = w.Events
	}
	if len(w.ReleasableTo) > 0 {
		out.ReleasableTo = w.ReleasableTo
	}
	*in = out
	return nil
}

// timeText formats t for the JSON form; "" for 0.
func timeText(t vessel.Time) string {
	if t == 0 {
		return ""
	}
	return t.String()
}

// readGeometry reads a GeoJSON Polygon or MultiPolygon with geo's reader.
func readGeometry(raw []byte) (geo.MultiPolygon, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fieldErr("area", "not a GeoJSON geometry: %v", err)
	}
	if head.Type != "Polygon" && head.Type != "MultiPolygon" {
		return nil, fieldErr("area", "a Polygon or MultiPolygon, not %s", quote(head.Type, 40))
	}
	fs, err := geo.ReadGeoJSONLimits(bytes.NewReader(raw), geo.GeoJSONLimits{MaxBytes: MaxJSON, MaxPoints: MaxVertices})
	if err != nil {
		return nil, fieldErr("area", "%v", err)
	}
	if len(fs) != 1 || len(fs[0].Geometry) == 0 {
		return nil, nil
	}
	return fs[0].Geometry, nil
}

// appendGeometry appends a as a GeoJSON geometry: a Polygon for one
// polygon, else a MultiPolygon. Positions are [lon, lat].
func appendGeometry(b []byte, a geo.MultiPolygon) []byte {
	if len(a) == 1 {
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = appendPolygon(b, a[0])
	} else {
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, pg := range a {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPolygon(b, pg)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendPolygon(b []byte, pg geo.Polygon) []byte {
	b = append(b, '[')
	b = appendRing(b, pg.Outer)
	for _, h := range pg.Holes {
		b = append(b, ',')
		b = appendRing(b, h)
	}
	return append(b, ']')
}

func appendRing(b []byte, r geo.Ring) []byte {
	b = append(b, '[')
	for i, p := range r {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = appendFloat(b, p.Lon)
		b = append(b, ',')
		b = appendFloat(b, p.Lat)
		b = append(b, ']')
	}
	return append(b, ']')
}

// appendFloat formats v as encoding/json does (shortest form that reads
// back to the same float64); NaN and infinities, which JSON cannot hold
// and Validate refuses, as 0.
func appendFloat(b []byte, v float64) []byte {
	if v != v || v > 1e308 || v < -1e308 {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
