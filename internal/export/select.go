package export

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// ErrTooMany is returned by Select when the window holds more positions
// than Query.Limit.
var ErrTooMany = errors.New("export: too many positions")

// Row is one exported position: the stored report and the vessel's name
// and ship type when known.
type Row struct {
	vessel.Position
	Name     string // "" when not known
	ShipType uint8  // 0 when not known
}

// Query selects the positions of an export.
type Query struct {
	// From and To bound the report times, both inclusive.
	From, To vessel.Time
	// BBox, when set, keeps the positions inside it (west > east crosses
	// the antimeridian).
	BBox *geo.Rect
	// MMSIs, when not empty, keeps the positions of these vessels.
	MMSIs []vessel.MMSI
	// Flagged includes positions with data-quality flags.
	Flagged bool
	// Limit, when positive, is the most positions Select returns; a window
	// with more is ErrTooMany.
	Limit int
}

// Select reads the positions of q from db, ordered by MMSI then time.
// The name and ship type of each vessel are its static data as of q.To.
// It stops with ctx's error when ctx is done.
func Select(ctx context.Context, db *store.DB, q Query) ([]Row, error) {
	if q.To < q.From {
		return nil, nil
	}
	area := rectArea(q.BBox)
	hits, err := db.AreaContext(ctx, area, q.From, q.To, q.Flagged)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, h := range hits {
		if len(q.MMSIs) > 0 && !slices.Contains(q.MMSIs, h.MMSI) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if q.Limit > 0 && len(rows)+h.Reports > q.Limit {
			return nil, fmt.Errorf("%w: more than %d in the window", ErrTooMany, q.Limit)
		}
		track, err := db.TrackContext(ctx, h.MMSI, q.From, q.To, q.Flagged)
		if err != nil {
			return nil, err
		}
		st, _, _ := db.Static(h.MMSI, q.To)
		var name string
		var typ uint8
		if st.Has&vessel.HasName != 0 {
			name = st.Name
		}
		if st.Has&vessel.HasShipType != 0 {
			typ = st.ShipType
		}
		for i := range track {
			p := &track[i]
			if !p.HasPosition() || (q.BBox != nil && !q.BBox.Contains(geo.Point{Lat: p.Lat, Lon: p.Lon})) {
				continue
			}
			rows = append(rows, Row{Position: *p, Name: name, ShipType: typ})
		}
	}
	return rows, nil
}

// rectArea is the polygon set of a box (the whole world when nil), with
// no edge longer than 90° of longitude so that none is read the short way
// round, and split at the antimeridian when the box crosses it.
func rectArea(r *geo.Rect) geo.MultiPolygon {
	if r == nil {
		return geo.MultiPolygon{box(-90, 90, -180, 180)}
	}
	if r.CrossesAntimeridian() {
		return geo.MultiPolygon{box(r.MinLat, r.MaxLat, r.MinLon, 180), box(r.MinLat, r.MaxLat, -180, r.MaxLon)}
	}
	return geo.MultiPolygon{box(r.MinLat, r.MaxLat, r.MinLon, r.MaxLon)}
}

func box(south, north, west, east float64) geo.Polygon {
	n := max(1, int(math.Ceil((east-west)/90)))
	var ring geo.Ring
	for i := 0; i <= n; i++ {
		ring = append(ring, geo.Point{Lat: south, Lon: west + (east-west)*float64(i)/float64(n)})
	}
	for i := n; i >= 0; i-- {
		ring = append(ring, geo.Point{Lat: north, Lon: west + (east-west)*float64(i)/float64(n)})
	}
	ring = append(ring, ring[0])
	return geo.Polygon{Outer: ring}
}
