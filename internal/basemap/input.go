package basemap

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/geojson"
)

// ErrInput is returned, wrapped in an *InputError, for input that is not
// what Read* expects.
var ErrInput = errors.New("basemap: bad input")

// InputError tells where input was bad: Line is the CSV line (1-based),
// 0 for GeoJSON.
type InputError struct {
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("basemap: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("basemap: %v", e.Err)
}

func (e *InputError) Unwrap() []error { return []error{ErrInput, e.Err} }

// ReadGeoJSON reads a GeoJSON FeatureCollection, gzip-compressed or not,
// and keeps of each feature's properties only those named in keep (all
// when keep is nil), renamed by keep's values ("name": "name").
func ReadGeoJSON(r io.Reader, keep map[string]string) ([]*geojson.Feature, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &InputError{Err: err}
		}
		defer zr.Close()
		in = zr
	}
	raw, err := io.ReadAll(in)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	var out []*geojson.Feature
	for _, f := range fc.Features {
		if f == nil || f.Geometry == nil {
			continue
		}
		if keep != nil {
			props := geojson.Properties{}
			for from, to := range keep {
				if v, ok := f.Properties[from]; ok && v != nil {
					props[to] = v
				}
			}
			f.Properties = props
		}
		out = append(out, f)
	}
	return out, nil
}

// ReadGeoJSONWithin reads a GeoJSON FeatureCollection (gzip-compressed
// or not) one feature at a time and keeps of each feature the parts
// inside the bounds in within, clipped to each bound, with the properties
// as ReadGeoJSON keeps them. Memory follows the largest feature and what
// is kept, not the file: it reads a detailed land of the whole world
// (OpenStreetMap's, 168 MB) for a few harbours.
func ReadGeoJSONWithin(r io.Reader, keep map[string]string, within []orb.Bound) ([]*geojson.Feature, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, &InputError{Err: err}
		}
		defer zr.Close()
		in = zr
	}
	dec := json.NewDecoder(in)
	// Find the "features" array of the top-level object.
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, &InputError{Err: fmt.Errorf("not a GeoJSON object (%v)", err)}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, &InputError{Err: err}
		}
		if tok == json.Delim('}') {
			return nil, &InputError{Err: errors.New("no features")}
		}
		if key, _ := tok.(string); key == "features" {
			break
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, &InputError{Err: err}
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, &InputError{Err: fmt.Errorf("features is not an array (%v)", err)}
	}
	var out []*geojson.Feature
	for dec.More() {
		var f geojson.Feature
		if err := dec.Decode(&f); err != nil {
			return nil, &InputError{Err: fmt.Errorf("feature %d: %w", len(out), err)}
		}
		if f.Geometry == nil {
			continue
		}
		fb := f.Geometry.Bound()
		for _, b := range within {
			if !fb.Intersects(b) {
				continue
			}
			g := clip.Geometry(b, f.Geometry)
			if g == nil {
				continue
			}
			nf := geojson.NewFeature(g)
			if keep == nil {
				nf.Properties = f.Properties.Clone()
			} else {
				for from, to := range keep {
					if v, ok := f.Properties[from]; ok && v != nil {
						nf.Properties[to] = v
					}
				}
			}
			out = append(out, nf)
		}
	}
	return out, nil
}

// ReadPointsCSV reads points from a CSV file with a header row naming
// the columns latitude, longitude and nameCol; each point gets the
// property "name" from nameCol. Rows whose position is not a number or
// out of range are left out and counted in rejected (the GFW list has one
// at longitude 1001); the error is for input that is not such a CSV.
func ReadPointsCSV(r io.Reader, nameCol string) (points []*geojson.Feature, rejected int, err error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, 0, &InputError{Line: 1, Err: err}
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	lat, okLat := col["latitude"]
	lon, okLon := col["longitude"]
	name, okName := col[nameCol]
	if !okLat || !okLon || !okName {
		return nil, 0, &InputError{Line: 1, Err: fmt.Errorf("want columns latitude, longitude and %s, have %v", nameCol, head)}
	}
	var out []*geojson.Feature
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, rejected, nil
		}
		if err != nil {
			return nil, rejected, &InputError{Line: line, Err: err}
		}
		y, err1 := strconv.ParseFloat(strings.TrimSpace(rec[lat]), 64)
		x, err2 := strconv.ParseFloat(strings.TrimSpace(rec[lon]), 64)
		if err1 != nil || err2 != nil || !(y >= -90 && y <= 90 && x >= -180 && x <= 180) {
			rejected++
			continue
		}
		f := geojson.NewFeature(orb.Point{x, y})
		f.Properties = geojson.Properties{"name": strings.Clone(rec[name])}
		out = append(out, f)
	}
}
