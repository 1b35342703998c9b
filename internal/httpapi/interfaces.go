package httpapi

import (
	"context"
	"net/http"

	"github.com/tidewatch/tidewatch/internal/export"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/store"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The API reads the node's data through the small interfaces below, each
// what a group of handlers needs; the server passes its *store.DB
// (History), its *fusion.Picture (Picture) and an export.Select on its
// store (Config.Export). Their methods must be safe for concurrent use:
// the handlers call them from many requests at once.

// TrackReader reads one vessel's stored history: the track (GET
// /api/v1/vessels/{mmsi}/track, the OGC positions and tracks), the
// receivers that heard each position, the static data as of a moment,
// and the time span of the stored data (the default end of history
// windows). TrackContext stops when ctx is done (the track route's time
// budget). *store.DB satisfies it.
type TrackReader interface {
	Track(m vessel.MMSI, from, to vessel.Time, flagged bool) ([]vessel.Position, error)
	TrackContext(ctx context.Context, m vessel.MMSI, from, to vessel.Time, flagged bool) ([]vessel.Position, error)
	HeardBy(m vessel.MMSI, from, to vessel.Time) (map[vessel.Time][]string, error)
	Static(m vessel.MMSI, t vessel.Time) (s vessel.Static, times vessel.FieldTimes, ok bool)
	Bounds() (from, to vessel.Time, ok bool)
}

// SpaceReader answers the spatial history queries (GET /api/v1/near,
// POST /api/v1/area), stopping when ctx is done. *store.DB satisfies it.
type SpaceReader interface {
	NearContext(ctx context.Context, c geo.Point, radius float64, from, to vessel.Time, opt store.NearOptions) ([]store.Approach, error)
	AreaContext(ctx context.Context, area geo.MultiPolygon, from, to vessel.Time, flagged bool) ([]store.AreaHit, error)
}

// PastPicture is the picture at a past moment (GET /api/v1/vessels?at=,
// the time slider), stopping when ctx is done (the route's time budget).
// *store.DB satisfies it.
type PastPicture interface {
	AtContext(ctx context.Context, t vessel.Time, maxAge vessel.Time, withStaticOnly bool) ([]store.VesselAt, error)
}

// History is everything the API reads from the store (Config.DB).
type History interface {
	TrackReader
	SpaceReader
	PastPicture
}

// Picture is the live picture (GET /api/v1/vessels, one vessel, search,
// the OGC vessels): a vessel, every vessel, the base stations, and the
// version that moves with every applied observation (the cache and ETag
// of the picture). *fusion.Picture satisfies it.
type Picture interface {
	Vessel(m vessel.MMSI) (fusion.State, bool)
	Range(f func(*fusion.State) bool)
	Stations() []fusion.StationState
	Version() uint64
}

// ExportFunc plans an export query (GET /api/v1/export, the OGC
// positions and tracks): export.Prepare on the store, which finds the
// vessels and counts their positions, stopping with ctx's error when ctx
// is done and with export.ErrTooMany beyond q.Limit; the plan's Scan then
// streams the rows ordered by MMSI then time.
type ExportFunc func(ctx context.Context, q export.Query) (*export.Plan, error)

// prepareExport plans q through Config.Export (501 without it).
func (a *api) prepareExport(ctx context.Context, q export.Query) (*export.Plan, error) {
	if a.cfg.Export == nil {
		return nil, errorf(http.StatusNotImplemented, CodeNotImplemented, "this node exports no positions")
	}
	return a.cfg.Export(ctx, q)
}

// selectRows plans q and reads all its rows (the OGC pages, bounded by
// q.Limit).
func (a *api) selectRows(ctx context.Context, q export.Query) ([]export.Row, error) {
	plan, err := a.prepareExport(ctx, q)
	if err != nil {
		return nil, err
	}
	var rows []export.Row
	err = plan.Scan(ctx, func(r *export.Row) error {
		rows = append(rows, *r)
		return nil
	})
	return rows, err
}
