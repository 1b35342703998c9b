package geo

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// LandMask tells land from sea. It is an Index over land polygons, so
// OnLand costs one byte read for most points and never allocates. A
// LandMask is immutable and safe for concurrent use.
type LandMask struct {
	idx    *Index
	detail []detailLand // WithDetail: answered before idx, first box first
}

// detailLand is a box whose points a detailed land answers for.
type detailLand struct {
	box    Rect
	idx    *Index
	margin float64 // metres
}

// onLand reports whether p is on the detailed land and the points margin
// away from it in eight directions are too.
func (d *detailLand) onLand(p Point) bool {
	if !d.idx.Any(p) {
		return false
	}
	if d.margin > 0 {
		for b := 0.0; b < 360; b += 45 {
			if !d.idx.Any(Destination(p, b, d.margin)) {
				return false
			}
		}
	}
	return true
}

// NewLandMask builds a land mask from land polygons (see NewIndex).
func NewLandMask(land []MultiPolygon, opts IndexOptions) (*LandMask, error) {
	idx, err := NewIndex(land, opts)
	if err != nil {
		return nil, err
	}
	return &LandMask{idx: idx}, nil
}

// ReadLandMask builds a land mask from a GeoJSON document of land polygons
// (plain or gzip-compressed; see ReadGeoJSON), such as Natural Earth's
// ne_10m_land. Every feature's geometry counts as land.
func ReadLandMask(r io.Reader) (*LandMask, error) {
	features, err := ReadGeoJSON(r)
	if err != nil {
		return nil, err
	}
	land := make([]MultiPolygon, len(features))
	for i, f := range features {
		land[i] = f.Geometry
	}
	return NewLandMask(land, IndexOptions{})
}

// OnLand reports whether p is on land: by the detailed land of the
// first WithDetail box that holds p, else by the mask's own land.
func (m *LandMask) OnLand(p Point) bool {
	for i := range m.detail {
		if m.detail[i].box.Contains(p) {
			return m.detail[i].onLand(p)
		}
	}
	return m.idx.Any(p)
}

// Index returns the index behind the mask, whose items are the land
// features in input order. It does not hold the detailed land of
// WithDetail: a mask with detail (Detailed) must be asked with OnLand.
func (m *LandMask) Index() *Index { return m.idx }

// Detailed reports whether the mask has detailed land (WithDetail) for
// some areas, so that its Index alone does not answer for them.
func (m *LandMask) Detailed() bool { return len(m.detail) > 0 }

// WithDetail returns a mask that answers for the points inside box from
// the land polygons given (a detailed coastline, such as OpenStreetMap's,
// clipped to box or not) and elsewhere as m does. A point in box that
// none of land holds is at sea, whatever m says: the detailed land
// replaces m's inside box, so a harbour basin the coarse land fills is
// water. A point in box is on land only when the points margin metres
// away in eight directions are on the detailed land too (0: the point
// alone decides): a ship alongside a quay reports a position metres
// inside the quay's line (its antenna, GNSS error, the map's own error),
// and a narrow channel leaves a margin of kilometres, which a coarse mask
// needs, no water to find. Points near the edge of box whose probes fall
// outside it are judged by the detailed land alone (outside box it has
// none: at sea). m is not changed. Boxes of successive calls are tried in
// the order they were added.
func (m *LandMask) WithDetail(box Rect, land []MultiPolygon, margin float64, opts IndexOptions) (*LandMask, error) {
	if !(box.MinLat <= box.MaxLat) || box.MinLat < -90 || box.MaxLat > 90 || math.IsNaN(box.MinLon) || math.IsNaN(box.MaxLon) {
		return nil, fmt.Errorf("geo: detailed land box %+v is not a box", box)
	}
	if !(margin >= 0) || math.IsInf(margin, 0) {
		return nil, fmt.Errorf("geo: detailed land margin %v m", margin)
	}
	idx, err := NewIndex(land, opts)
	if err != nil {
		return nil, err
	}
	out := &LandMask{idx: m.idx, detail: append(slices.Clip(m.detail), detailLand{box: box, idx: idx, margin: margin})}
	return out, nil
}

// land50m is Natural Earth 1:50m land (version 4.1.0, public domain, via
// the world-atlas 2.0.2 package, ISC), 1,419 polygons and 60,629 vertices,
// as GeoJSON compressed with gzip -9 -n: 517 KB. The provenance is in
// testdata/geo/README.md at the root of the module.
//
//go:embed ne_land_50m.geojson.gz
var land50m string

// DefaultLand builds a land mask from Natural Earth 1:50m land, which is
// compiled into the binary (517 KB), so that a server has a land mask
// without any data file. Each call builds a new mask (about 60 ms; the
// mask holds 3.7 MB): call it once at start-up and share the result.
//
// The 1:50m coastline is generalised to a few kilometres: it does not
// resolve harbours, rivers and narrow channels, and small islands are
// missing. It is good enough to tell an ocean position from an inland one
// (a position hundreds of kilometres inland is an error whatever the
// scale), which is what the mask is for without a data file; where the
// "position on land" check must be right near the coast, load Natural
// Earth 1:10m with ReadLandMask instead (testdata/geo/land/
// ne_land_10m.geojson.gz: 2.8 MB compressed, about 0.4 s to build, 24 MB
// in memory, lookups about as fast). 1:10m is not embedded because it
// would add 2.8 MB to every binary and 0.4 s to every start. Even 1:10m
// counts lakes and rivers as land and does not resolve harbours, so a
// position-on-land check needs a margin of a few kilometres and a layer of
// inland waters (see TestRealPositionsOnLand).
//
// One artefact of the source is removed: Antarctica's 1:50m polygon has a
// hole 0.001° (111 m) round the south pole, left by the projection library
// the data was prepared for; the mask puts the pole on land, as 1:10m does.
func DefaultLand() (*LandMask, error) {
	features, err := ReadGeoJSON(strings.NewReader(land50m))
	if err != nil {
		return nil, fmt.Errorf("geo: embedded land: %w", err)
	}
	land := make([]MultiPolygon, len(features))
	for i, f := range features {
		for _, pg := range f.Geometry {
			pg.Holes = slices.DeleteFunc(pg.Holes, func(h Ring) bool { return h.Bounds().MaxLat < -89.99 })
			land[i] = append(land[i], pg)
		}
	}
	return NewLandMask(land, IndexOptions{})
}

// DefaultLandGeoJSONGzip returns the Natural Earth 1:50m land polygons
// that DefaultLand uses, as gzip-compressed GeoJSON (0.5 MB; 1.5 MB
// uncompressed), for a map's basemap.
func DefaultLandGeoJSONGzip() []byte { return []byte(land50m) }
