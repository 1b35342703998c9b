package sensor

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// MaxGeoJSONBytes bounds a GeoJSON input: ReadGeoJSON refuses a larger
// one.
const MaxGeoJSONBytes = 256 << 20

type geoFeature struct {
	Type     string          `json:"type"`
	ID       json.RawMessage `json:"id"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// ReadGeoJSON reads a GeoJSON FeatureCollection (or one Feature) of
// detections and calls emit for each. A feature must be a Point with a
// time property: "time", "timestamp", "datetime" or "detect_timestamp",
// a string in a layout ParseTime reads or a Unix time in seconds
// (milliseconds above 1e11). Optional properties: "length_m", "length" or
// "inferred_length_m" (metres); "score", "presence", "inferred_presence"
// or "confidence" (a number in [0, 1] or HIGH/MEDIUM/LOW); "scene" or
// "scene_id"; the feature id or an "id" or "detect_id" property is the
// Target. Features that are not points or lack a time are counted as
// errors, with Line the feature's number (from 1); the error is ErrRow
// for a document that is not GeoJSON, or the first from rd or emit.
func ReadGeoJSON(rd io.Reader, opt SatOptions, emit func(*vessel.Detection) error) (Stats, error) {
	var st Stats
	data, err := io.ReadAll(io.LimitReader(rd, MaxGeoJSONBytes+1))
	if err != nil {
		return st, err
	}
	if len(data) > MaxGeoJSONBytes {
		return st, &LineError{Line: 1, Err: fmt.Errorf("more than %d bytes: %w", MaxGeoJSONBytes, ErrRow)}
	}
	var doc struct {
		geoFeature
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return st, &LineError{Line: 1, Err: fmt.Errorf("%v: %w", err, ErrRow)}
	}
	feats := doc.Features
	switch doc.Type {
	case "FeatureCollection":
	case "Feature":
		feats = []json.RawMessage{data}
	default:
		return st, &LineError{Line: 1, Err: fmt.Errorf("not a FeatureCollection or Feature: %w", ErrRow)}
	}
	if opt.Source == "" {
		opt.Source = FormatGeoJSON.String()
	}
	if opt.PosErrM == 0 {
		opt.PosErrM = 30
	}
	for i, raw := range feats {
		st.Lines++
		d, err := geoDetection(raw, i+1, &opt)
		if err != nil {
			st.fail(err)
			continue
		}
		st.Detections++
		if err := emit(&d); err != nil {
			return st, err
		}
	}
	return st, nil
}

func prop(p map[string]any, names ...string) any {
	for _, n := range names {
		if v, ok := p[n]; ok && v != nil {
			return v
		}
	}
	return nil
}

func geoDetection(raw json.RawMessage, n int, opt *SatOptions) (vessel.Detection, error) {
	d := vessel.Detection{Sensor: vessel.SensorSatellite, Source: opt.Source, PosErrM: opt.PosErrM}
	var f geoFeature
	if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
		return d, &LineError{Line: n, Err: ErrRow}
	}
	if f.Geometry == nil || f.Geometry.Type != "Point" {
		return d, &LineError{Line: n, Field: "geometry", Err: fmt.Errorf("not a Point: %w", ErrRow)}
	}
	var c []float64
	if err := json.Unmarshal(f.Geometry.Coordinates, &c); err != nil || len(c) < 2 ||
		!(c[0] >= -180 && c[0] <= 180) || !(c[1] >= -90 && c[1] <= 90) {
		return d, fieldError(n, "coordinates", "not a longitude and latitude")
	}
	d.Lon, d.Lat = c[0], c[1]
	switch v := prop(f.Properties, "time", "timestamp", "datetime", "detect_timestamp").(type) {
	case string:
		t, err := ParseTime(v)
		if err != nil {
			return d, fieldError(n, "time", err.Error())
		}
		d.Time = t
	case float64:
		if !(v > 0 && v < 1e14) {
			return d, fieldError(n, "time", "not a Unix time")
		}
		if v > 1e11 {
			d.Time = vessel.Time(v)
		} else {
			d.Time = vessel.Time(math.Round(v * 1000))
		}
	default:
		return d, &LineError{Line: n, Field: "time", Err: ErrNoTime}
	}
	switch v := prop(f.Properties, "length_m", "length", "inferred_length_m").(type) {
	case nil:
	case float64:
		if !(v >= 0 && v <= 1000) {
			return d, fieldError(n, "length", "not a length in metres")
		}
		if v > 0 {
			d.LengthM, d.Has = v, d.Has|vessel.HasLength
		}
	default:
		return d, fieldError(n, "length", "not a number")
	}
	switch v := prop(f.Properties, "score", "presence", "inferred_presence", "confidence").(type) {
	case nil:
	case float64:
		if math.IsNaN(v) {
			return d, fieldError(n, "score", "not a score")
		}
		d.Score, d.Has = math.Min(1, math.Max(0, v)), d.Has|vessel.HasScore
	case string:
		s, ok := score(v)
		if !ok {
			return d, fieldError(n, "score", "not a score")
		}
		d.Score, d.Has = s, d.Has|vessel.HasScore
	default:
		return d, fieldError(n, "score", "not a score")
	}
	if s, ok := prop(f.Properties, "scene", "scene_id").(string); ok {
		d.Scene = s
	}
	d.Target = idString(f.ID)
	if d.Target == "" {
		switch v := prop(f.Properties, "id", "detect_id").(type) {
		case string:
			d.Target = v
		case float64:
			d.Target = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return d, nil
}

// idString returns a GeoJSON id (string or number) as text.
func idString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return ""
}
