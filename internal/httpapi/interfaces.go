package httpapi

import (
	"context"
	"io"
	"net/http"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The API reads the node's data through the small interfaces below, each
// what a group of handlers needs, and the plain values they return; it
// imports none of the packages that hold the data (store, fusion, export,
// audit). The server passes its components through the adapters of
// package httpapi/bind: bind.History(db), bind.Picture(pic),
// bind.Exporter(db), bind.Audit(log). The methods must be safe for
// concurrent use: the handlers call them from many requests at once.

// TrackReader reads one vessel's stored history: the track (GET
// /api/v1/vessels/{mmsi}/track, the OGC positions and tracks), the
// receivers that heard each position, the static data as of a moment,
// and the time span of the stored data (the default end of history
// windows). TrackContext stops when ctx is done (the track route's time
// budget).
type TrackReader interface {
	Track(m vessel.MMSI, from, to vessel.Time, flagged bool) ([]vessel.Position, error)
	TrackContext(ctx context.Context, m vessel.MMSI, from, to vessel.Time, flagged bool) ([]vessel.Position, error)
	HeardBy(m vessel.MMSI, from, to vessel.Time) (map[vessel.Time][]string, error)
	Static(m vessel.MMSI, t vessel.Time) (s vessel.Static, times vessel.FieldTimes, ok bool)
	Bounds() (from, to vessel.Time, ok bool)
}

// Approach is a vessel's closest approach to a point in a window (GET
// /api/v1/near), as the store finds it.
type Approach struct {
	MMSI     vessel.MMSI
	Time     vessel.Time // when it was closest
	Distance float64     // metres
	Lat, Lon float64     // where it was then
	// Interpolated is true when the closest point lies between two
	// reports rather than on one.
	Interpolated bool
	// Reports is the number of the vessel's reports in the window.
	Reports int
	// Track is the track hypothesis of the report found closest; 0 when
	// unassigned.
	Track uint8
}

// AreaHit is a vessel that reported from inside an area in a window
// (POST /api/v1/area).
type AreaHit struct {
	MMSI        vessel.MMSI
	First, Last vessel.Time // its first and last report inside
	Reports     int         // reports inside the area in the window
	// FirstLat/FirstLon and LastLat/LastLon are the positions of those
	// reports.
	FirstLat, FirstLon, LastLat, LastLon float64
}

// VesselAt is a vessel of the picture at a past moment (GET
// /api/v1/vessels?at=).
type VesselAt struct {
	MMSI vessel.MMSI
	// Position is the last good position at or before the moment, within
	// the maximum age; HasPosition is false if there is none.
	Position    vessel.Position
	HasPosition bool
	// Static is the static data merged from every report up to the
	// moment; Times holds when each field was last updated.
	Static vessel.Static
	Times  vessel.FieldTimes
	// Reports is the number of stored positions in the age window.
	Reports int
}

// SpaceReader answers the spatial history queries (GET /api/v1/near,
// POST /api/v1/area), stopping when ctx is done: the vessels within
// radius metres of c nearest first, and the vessels inside area ordered
// by MMSI, flagged positions left out unless flagged.
type SpaceReader interface {
	NearContext(ctx context.Context, c geo.Point, radius float64, from, to vessel.Time, flagged bool) ([]Approach, error)
	AreaContext(ctx context.Context, area geo.MultiPolygon, from, to vessel.Time, flagged bool) ([]AreaHit, error)
}

// PastPicture is the picture at a past moment (GET /api/v1/vessels?at=,
// the time slider), ordered by MMSI, stopping when ctx is done (the
// route's time budget).
type PastPicture interface {
	AtContext(ctx context.Context, t vessel.Time, maxAge vessel.Time, withStaticOnly bool) ([]VesselAt, error)
}

// History is everything the API reads from the store (Config.DB).
type History interface {
	TrackReader
	SpaceReader
	PastPicture
}

// LiveVessel is a vessel of the live picture as the API reads it.
type LiveVessel struct {
	MMSI vessel.MMSI
	// Position is the latest good position; Located is false when there
	// is none yet.
	Position vessel.Position
	Located  bool
	// LastHeard is the time of the latest report of any kind.
	LastHeard vessel.Time
	// Static is the merged static data.
	Static vessel.Static
	// Conflict is set while the MMSI is in an active identity conflict;
	// Alt is the other track's latest position.
	Conflict bool
	Alt      vessel.Position
	// Positions counts the positions stored (good and flagged), Flagged
	// those with a bad flag, Duplicates the duplicates recognised.
	Positions, Flagged, Duplicates int
}

// Station is a base station or aid to navigation of the live picture.
type Station struct {
	MMSI vessel.MMSI
	// Position is the latest good position; Located is false when there
	// is none yet.
	Position  vessel.Position
	Located   bool
	LastHeard vessel.Time
	Static    vessel.Static // aids to navigation only
	Reports   int
}

// Picture is the live picture (GET /api/v1/vessels, one vessel, search,
// the OGC vessels): a vessel, every vessel (Range may reuse the value it
// passes to f between calls), the base stations, the version that moves
// with every applied observation (the cache and ETag of the picture), and
// the picture's rule for the main track hypothesis among stored positions
// (the track route's main_track).
type Picture interface {
	Vessel(m vessel.MMSI) (LiveVessel, bool)
	Range(f func(*LiveVessel) bool)
	Stations() []Station
	Version() uint64
	MainTrack(pts []vessel.Position) uint8
}

// ExportQuery selects the positions of an export.
type ExportQuery struct {
	// From and To bound the report times, both inclusive.
	From, To vessel.Time
	// BBox, when set, keeps the positions inside it (west > east crosses
	// the antimeridian).
	BBox *geo.Rect
	// MMSIs, when not empty, keeps the positions of these vessels.
	MMSIs []vessel.MMSI
	// Flagged includes positions with data-quality flags.
	Flagged bool
	// Limit, when positive, is the most positions the plan may hold; a
	// window with more is ErrTooMany.
	Limit int
}

// ExportRow is one exported position with the vessel's name and ship type
// as of the end of the window.
type ExportRow struct {
	vessel.Position
	Name     string // "" when not known
	ShipType uint8  // 0 when not known
}

// ExportPlan streams the rows of a planned export, ordered by MMSI then
// time, stopping with ctx's error when ctx is done.
type ExportPlan interface {
	Scan(ctx context.Context, f func(r *ExportRow) error) error
}

// RowWriter writes exported rows in one file format; Close ends the file.
type RowWriter interface {
	Write(r *ExportRow) error
	Close() error
}

// Exporter plans export queries (GET /api/v1/export, the OGC positions
// and tracks) and writes their files. Prepare finds the vessels and
// counts their positions, stopping with ctx's error when ctx is done and
// with an error wrapping ErrTooMany beyond q.Limit. Writer returns the
// writer of format "geoparquet", "geojson" or "csv" on w.
type Exporter interface {
	Prepare(ctx context.Context, q ExportQuery) (ExportPlan, error)
	Writer(format string, w io.Writer) RowWriter
}

// prepareExport plans q through Config.Export (501 without it).
func (a *api) prepareExport(ctx context.Context, q ExportQuery) (ExportPlan, error) {
	if a.cfg.Export == nil {
		return nil, errorf(http.StatusNotImplemented, CodeNotImplemented, "this node exports no positions")
	}
	return a.cfg.Export.Prepare(ctx, q)
}

// selectRows plans q and reads all its rows (the OGC pages, bounded by
// q.Limit).
func (a *api) selectRows(ctx context.Context, q ExportQuery) ([]ExportRow, error) {
	plan, err := a.prepareExport(ctx, q)
	if err != nil {
		return nil, err
	}
	var rows []ExportRow
	err = plan.Scan(ctx, func(r *ExportRow) error {
		rows = append(rows, *r)
		return nil
	})
	return rows, err
}
