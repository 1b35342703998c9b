package geo

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Feature is a GeoJSON feature with an areal geometry.
type Feature struct {
	// Geometry holds the feature's Polygon (as a MultiPolygon of one) or
	// MultiPolygon. It is empty for a feature whose geometry is null or has
	// no coordinates.
	Geometry MultiPolygon
	// Properties is the feature's "properties" object as decoded by
	// encoding/json (numbers are float64), nil when absent or null.
	Properties map[string]any
}

// GeoJSONLimits bounds what ReadGeoJSONLimits accepts. Zero fields take the
// defaults shown.
type GeoJSONLimits struct {
	MaxBytes    int64 // JSON text, after gzip decompression: 64 MiB
	MaxFeatures int   // features in a FeatureCollection: 1,048,576
	MaxPoints   int   // positions in all geometries together: 8,388,608
}

func (l GeoJSONLimits) withDefaults() GeoJSONLimits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = 64 << 20
	}
	if l.MaxFeatures <= 0 {
		l.MaxFeatures = 1 << 20
	}
	if l.MaxPoints <= 0 {
		l.MaxPoints = 1 << 23
	}
	return l
}

// ReadGeoJSON reads a GeoJSON document (RFC 7946) of areas, with the
// default GeoJSONLimits. See ReadGeoJSONLimits.
func ReadGeoJSON(r io.Reader) ([]Feature, error) {
	return ReadGeoJSONLimits(r, GeoJSONLimits{})
}

// ReadGeoJSONLimits reads a GeoJSON document (RFC 7946): a
// FeatureCollection, a Feature, or a bare Polygon or MultiPolygon (returned
// as one Feature with nil Properties). Gzip-compressed input is recognised
// and decompressed. The input is treated as untrusted: its size, the number
// of features and the number of positions are bounded by lim.
//
// A feature whose geometry is of another type (Point, LineString,
// GeometryCollection...) makes the whole read fail with a *FeatureError
// wrapping ErrUnsupportedGeometry; so does a malformed geometry, wrapping
// ErrGeoJSON. Rings must be closed and have at least four positions;
// latitudes must lie in [-90, 90] and longitudes in [-540, 540] (beyond
// ±180 is accepted because web maps produce it near the antimeridian).
// Positions may carry an altitude, which is dropped. Ring orientation is
// not checked. Other errors wrap ErrGeoJSON or ErrTooLarge; errors from r
// are returned wrapped.
func ReadGeoJSONLimits(r io.Reader, lim GeoJSONLimits) ([]Feature, error) {
	lim = lim.withDefaults()
	data, err := readLimited(r, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	var top struct {
		Type       string            `json:"type"`
		Features   []json.RawMessage `json:"features"`
		Geometry   json.RawMessage   `json:"geometry"`
		Properties map[string]any    `json:"properties"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrGeoJSON, err)
	}
	c := coordReader{maxPoints: lim.MaxPoints}
	switch top.Type {
	case "FeatureCollection":
		if len(top.Features) > lim.MaxFeatures {
			return nil, &detailError{ErrTooLarge, strconv.Itoa(len(top.Features)) + " features"}
		}
		out := make([]Feature, len(top.Features))
		for i, raw := range top.Features {
			var f struct {
				Type       string          `json:"type"`
				Geometry   json.RawMessage `json:"geometry"`
				Properties map[string]any  `json:"properties"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				return nil, &FeatureError{i, fmt.Errorf("%w: %w", ErrGeoJSON, err)}
			}
			if f.Type != "Feature" {
				return nil, &FeatureError{i, &detailError{ErrGeoJSON, fmt.Sprintf("member of features has type %q", f.Type)}}
			}
			g, err := c.geometry(f.Geometry)
			if err != nil {
				return nil, &FeatureError{i, err}
			}
			out[i] = Feature{Geometry: g, Properties: f.Properties}
		}
		return out, nil
	case "Feature":
		g, err := c.geometry(top.Geometry)
		if err != nil {
			return nil, &FeatureError{0, err}
		}
		return []Feature{{Geometry: g, Properties: top.Properties}}, nil
	case "Polygon", "MultiPolygon", "Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection":
		g, err := c.geometry(data)
		if err != nil {
			return nil, &FeatureError{0, err}
		}
		return []Feature{{Geometry: g}}, nil
	case "":
		return nil, &detailError{ErrGeoJSON, "no type member"}
	}
	return nil, &detailError{ErrGeoJSON, fmt.Sprintf("unknown type %q", top.Type)}
}

// readLimited reads all of r, decompressing gzip, up to max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	compressed := false
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %w", ErrGeoJSON, err)
		}
		src, compressed = zr, true
	}
	data, err := io.ReadAll(io.LimitReader(src, max+1))
	if err != nil {
		if compressed {
			return nil, fmt.Errorf("%w: gzip: %w", ErrGeoJSON, err)
		}
		return nil, fmt.Errorf("geo: read GeoJSON: %w", err)
	}
	if int64(len(data)) > max {
		return nil, &detailError{ErrTooLarge, "more than " + strconv.FormatInt(max, 10) + " bytes"}
	}
	return data, nil
}

// coordReader decodes geometries. Its input has been checked to be valid
// JSON by encoding/json; it checks the structure. The first error sticks.
type coordReader struct {
	b         []byte
	i         int
	points    int // positions read so far, all geometries
	maxPoints int
	err       error
	poly      int // position of the polygon being read, for messages
	ring      int // position of the ring being read, for messages
}

// geometry decodes a geometry object: Polygon, MultiPolygon, or null.
func (c *coordReader) geometry(raw json.RawMessage) (MultiPolygon, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("%w: geometry: %w", ErrGeoJSON, err)
	}
	c.b, c.i, c.err, c.poly, c.ring = g.Coordinates, 0, nil, 0, 0
	var mp MultiPolygon
	switch g.Type {
	case "Polygon":
		if pg := c.polygon(); pg.Outer != nil {
			mp = MultiPolygon{pg}
		}
	case "MultiPolygon":
		c.list(func() {
			if pg := c.polygon(); pg.Outer != nil {
				mp = append(mp, pg)
			}
			c.poly++
		})
	case "":
		return nil, &detailError{ErrGeoJSON, "geometry without type"}
	default:
		return nil, &detailError{ErrUnsupportedGeometry, strconv.Quote(g.Type)}
	}
	if c.err == nil && len(g.Coordinates) == 0 {
		c.err = &detailError{ErrGeoJSON, g.Type + " without coordinates"}
	}
	if c.err != nil {
		return nil, c.err
	}
	return mp, nil
}

func (c *coordReader) fail(err error, msg string) {
	if c.err == nil {
		c.err = &detailError{err, fmt.Sprintf("polygon %d ring %d: %s", c.poly, c.ring, msg)}
	}
}

func (c *coordReader) skipSpace() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// list reads a JSON array, calling elem for each element.
func (c *coordReader) list(elem func()) {
	c.skipSpace()
	if c.err != nil {
		return
	}
	if c.i >= len(c.b) || c.b[c.i] != '[' {
		c.fail(ErrGeoJSON, "coordinates: array expected")
		return
	}
	c.i++
	c.skipSpace()
	if c.i < len(c.b) && c.b[c.i] == ']' {
		c.i++
		return
	}
	for c.err == nil {
		elem()
		c.skipSpace()
		if c.err != nil {
			return
		}
		if c.i < len(c.b) && c.b[c.i] == ',' {
			c.i++
			continue
		}
		if c.i < len(c.b) && c.b[c.i] == ']' {
			c.i++
			return
		}
		c.fail(ErrGeoJSON, "coordinates: malformed array")
	}
}

func (c *coordReader) number() float64 {
	c.skipSpace()
	j := c.i
	for j < len(c.b) {
		b := c.b[j]
		if b >= '0' && b <= '9' || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E' {
			j++
			continue
		}
		break
	}
	v, err := strconv.ParseFloat(string(c.b[c.i:j]), 64)
	if err != nil || j == c.i {
		c.fail(ErrGeoJSON, "coordinates: number expected")
		return 0
	}
	c.i = j
	return v
}

func (c *coordReader) position() Point {
	var v [2]float64
	n := 0
	c.list(func() {
		x := c.number()
		if n < 2 {
			v[n] = x
		}
		n++
	})
	if c.err != nil {
		return Point{}
	}
	if n < 2 {
		c.fail(ErrGeoJSON, "position with fewer than two numbers")
		return Point{}
	}
	c.points++
	if c.points > c.maxPoints {
		c.fail(ErrTooLarge, "more than "+strconv.Itoa(c.maxPoints)+" positions")
		return Point{}
	}
	p := Point{Lat: v[1], Lon: v[0]}
	if !(p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -540 && p.Lon <= 540) {
		c.fail(ErrGeoJSON, fmt.Sprintf("position [%v, %v] out of range", v[0], v[1]))
	}
	return p
}

func (c *coordReader) readRing() Ring {
	var r Ring
	c.list(func() { r = append(r, c.position()) })
	if c.err != nil {
		return nil
	}
	if len(r) < 4 {
		c.fail(ErrGeoJSON, strconv.Itoa(len(r))+" positions, want at least 4")
		return nil
	}
	if r[0] != r[len(r)-1] {
		c.fail(ErrGeoJSON, "not closed")
		return nil
	}
	return r
}

// polygon reads a Polygon's coordinates; an empty array gives the zero
// Polygon.
func (c *coordReader) polygon() Polygon {
	var pg Polygon
	c.ring = 0
	c.list(func() {
		r := c.readRing()
		if c.ring == 0 {
			pg.Outer = r
		} else {
			pg.Holes = append(pg.Holes, r)
		}
		c.ring++
	})
	if c.err != nil {
		return Polygon{}
	}
	return pg
}
