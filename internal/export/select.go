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
// It stops with ctx's error when ctx is done. It holds the whole window
// in memory: Scan streams it.
func Select(ctx context.Context, db *store.DB, q Query) ([]Row, error) {
	var rows []Row
	err := Scan(ctx, db, q, func(r *Row) error {
		rows = append(rows, *r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Scan calls f with each position of q, ordered by MMSI then time, as
// Select returns them, holding one vessel's track of the window at a
// time; f must not keep r. With q.Limit, a window holding more than
// q.Limit positions (counted from the store's index before any row) is
// ErrTooMany, and f is not called. Scan stops with ctx's error when ctx is
// done, or with f's error. It is Prepare then Plan.Scan.
func Scan(ctx context.Context, db *store.DB, q Query, f func(r *Row) error) error {
	p, err := Prepare(ctx, db, q)
	if err != nil {
		return err
	}
	return p.Scan(ctx, f)
}

// Plan is a prepared export: the vessels of the window and their
// counts, read from the store's index.
type Plan struct {
	db        *store.DB
	q         Query
	hits      []store.AreaHit
	positions int
}

// Prepare finds the vessels of q and counts their positions: the query
// of the store's index, the heavy part of an export (the HTTP API runs
// it within its budget). With q.Limit, a window holding more positions is
// ErrTooMany.
func Prepare(ctx context.Context, db *store.DB, q Query) (*Plan, error) {
	p := &Plan{db: db, q: q}
	if q.To < q.From {
		return p, nil
	}
	hits, err := db.AreaContext(ctx, rectArea(q.BBox), q.From, q.To, q.Flagged)
	if err != nil {
		return nil, err
	}
	if len(q.MMSIs) > 0 {
		hits = slices.DeleteFunc(hits, func(h store.AreaHit) bool { return !slices.Contains(q.MMSIs, h.MMSI) })
	}
	for _, h := range hits {
		p.positions += h.Reports
	}
	if q.Limit > 0 && p.positions > q.Limit {
		return nil, fmt.Errorf("%w: more than %d in the window", ErrTooMany, q.Limit)
	}
	p.hits = hits
	return p, nil
}

// Positions is the number of positions the plan will write, as the
// store's index counts them.
func (p *Plan) Positions() int { return p.positions }

// Scan reads the plan's positions vessel by vessel and calls f with each
// (see Scan).
func (p *Plan) Scan(ctx context.Context, f func(r *Row) error) error {
	q := p.q
	var row Row
	for _, h := range p.hits {
		if err := ctx.Err(); err != nil {
			return err
		}
		track, err := p.db.TrackContext(ctx, h.MMSI, q.From, q.To, q.Flagged)
		if err != nil {
			return err
		}
		st, _, _ := p.db.Static(h.MMSI, q.To)
		row.Name, row.ShipType = "", 0
		if st.Has&vessel.HasName != 0 {
			row.Name = st.Name
		}
		if st.Has&vessel.HasShipType != 0 {
			row.ShipType = st.ShipType
		}
		for i := range track {
			pos := &track[i]
			if !pos.HasPosition() || (q.BBox != nil && !q.BBox.Contains(geo.Point{Lat: pos.Lat, Lon: pos.Lon})) {
				continue
			}
			row.Position = *pos
			if err := f(&row); err != nil {
				return err
			}
		}
	}
	return nil
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
