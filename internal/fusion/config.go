package fusion

import (
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Land says whether a point is on land. *geo.LandMask satisfies it; a
// Picture looks a *geo.LandMask up through a geo.CellCache of 2^18 cells
// of 0.01° (Picture.LandCache counts its work), except a mask with
// detailed land (geo.LandMask.WithDetail), which it asks directly.
type Land interface {
	OnLand(p geo.Point) bool
}

// Config configures a Picture. The zero value of every field selects the
// documented default.
type Config struct {
	// DedupWindow is how far apart in time two identical reports of one
	// vessel (same position to 1e-6 degree, speed, course, heading and
	// status) may be and still be the same transmission. One transmission
	// heard by several receivers is stamped by each with its own clock,
	// and the stamps disagree by seconds (unsynchronised receiver clocks,
	// whole-second resolution, buffering); satellite and partner feeds
	// stamp later still, often tens of seconds. A real vessel does not
	// send two identical reports that close: a moving vessel's position
	// changes between reports and a moored one reports every three
	// minutes, with GPS noise. Zero means 30 s.
	DedupWindow time.Duration

	// MaxSpeed is the speed, in knots, above which moving between two
	// reports of a vessel is implausible (FlagTeleport). Zero means 60
	// knots: faster than any merchant ship or ferry, slower than the
	// implied speed of any real position error worth flagging.
	MaxSpeed float64
	// MaxAircraftSpeed replaces MaxSpeed for SAR aircraft (MMSI class
	// 111MIDxxx). Zero means 600 knots.
	MaxAircraftSpeed float64
	// Slack is a distance, in metres, that any two reports may be apart
	// regardless of time: GPS noise and the coarse time stamps of
	// receivers make two reports one second apart differ by tens of
	// metres. Zero means 1000 m; a negative value means none.
	Slack float64

	// Land is the land mask for FlagOnLand; nil means no check. Natural
	// Earth land (geo.DefaultLand) counts the Great Lakes, the St
	// Lawrence, the Rhine and every other lake and river as land: a
	// picture that follows inland-waterway traffic passes its own land
	// data, or none.
	Land Land
	// LandMargin is how far, in metres, a position must be from the sea
	// to be flagged on land: a position on land is flagged only if the
	// points LandMargin away in eight directions are on land too. Coarse
	// coastlines do not resolve harbours and estuaries; the margin keeps
	// vessels at berth from being flagged. Zero means 2000 m; a negative
	// value means no margin (the position alone decides).
	LandMargin float64

	// ConflictWindow is how long a confirmed track of one MMSI that is
	// not the main one is kept without a report: after that it is
	// forgotten, and an identity episode left with one track ends. Zero
	// means one hour.
	ConflictWindow time.Duration

	// ConfirmReports and ConfirmSpan say when a track hypothesis is
	// confirmed: it needs ConfirmReports consistent reports spanning at
	// least ConfirmSpan. Until then it is tentative, and a tentative track
	// never takes the latest state from a confirmed one, so a burst of
	// bad fixes, however consistent among themselves, cannot take over a
	// vessel. The first track of an MMSI follows the latest state while
	// no track is confirmed. Zero means 3 reports and 3 minutes.
	ConfirmReports int
	ConfirmSpan    time.Duration
	// MaxTracks bounds the track hypotheses kept per MMSI; when full, the
	// stalest tentative one (else the stalest that is not the main one) is
	// replaced. Zero means 8; at most 64.
	MaxTracks int

	// Now is the clock that says when a report arrived: a report dated
	// after Now() plus FutureTolerance is flagged FlagFuture. It must not
	// go backwards (the picture reads it only when a report is newer than
	// its last reading allows). Nil means time.Now.
	Now func() time.Time
	// FutureTolerance is how far in the future of its arrival a report
	// may be dated (receiver clocks disagree by seconds). Zero means two
	// minutes; a negative value turns the check off.
	FutureTolerance time.Duration
	// ClockTolerance is how far a receiver's time stamps may be off
	// before they are a clock fault (FlagClock): a report older than the
	// vessel's latest by more than this, impossible at its own time but
	// where the vessel is now, or the same report as one already heard
	// this much earlier from a moving vessel. Zero means one minute.
	ClockTolerance time.Duration

	// SourceWeight says how much a source's reports count against other
	// sources' (a partner node's data may count less than the node's own
	// receivers'). It decides whose track the picture follows when one
	// identity reports from two places: another track takes over the
	// main one only if its source weighs at least as much, so a lighter
	// source's reports stay flagged (identity_conflict) against a heavier
	// one's. Nil: every source weighs 1. It is called with the picture's
	// locks held and must be fast and not call back into the picture.
	SourceWeight func(source string) float64
}

// config is Config with the defaults applied and units converted.
type config struct {
	dedup          vessel.Time // milliseconds
	maxSpeed       float64     // metres per millisecond
	maxAirSpeed    float64     // metres per millisecond
	slack          float64     // metres
	land           Land
	landCache      *geo.CellCache // over land when it is a *geo.LandMask
	inland         *inlandCache   // cells inland past the margin, when land is a *geo.LandMask
	margin         float64        // metres, 0 for none
	conflictWindow vessel.Time
	weight         func(source string) float64 // nil: all 1
	confirmN       uint16
	confirmSpan    vessel.Time
	maxTracks      int
	now            func() time.Time
	future         vessel.Time // -1 for no check
	clockTol       vessel.Time
}

// weigh returns the weight of a source (1 without SourceWeight).
func (c *config) weigh(source string) float64 {
	if c.weight == nil {
		return 1
	}
	return c.weight(source)
}

const knot = 1852.0 / 3600 / 1000 // metres per millisecond

func (c Config) resolve() config {
	r := config{
		dedup:          30 * 1000,
		maxSpeed:       60 * knot,
		maxAirSpeed:    600 * knot,
		slack:          1000,
		land:           c.Land,
		margin:         2000,
		conflictWindow: 3600 * 1000,
		weight:         c.SourceWeight,
		confirmN:       3,
		confirmSpan:    180 * 1000,
		maxTracks:      8,
		now:            c.Now,
		future:         120 * 1000,
		clockTol:       60 * 1000,
	}
	if r.now == nil {
		r.now = time.Now
	}
	if c.ConfirmReports > 0 {
		r.confirmN = uint16(min(c.ConfirmReports, 1000))
	}
	if c.ConfirmSpan > 0 {
		r.confirmSpan = vessel.Time(c.ConfirmSpan.Milliseconds())
	}
	if c.MaxTracks > 0 {
		r.maxTracks = min(c.MaxTracks, 64)
	}
	switch {
	case c.FutureTolerance > 0:
		r.future = vessel.Time(c.FutureTolerance.Milliseconds())
	case c.FutureTolerance < 0:
		r.future = -1
	}
	if c.ClockTolerance > 0 {
		r.clockTol = vessel.Time(c.ClockTolerance.Milliseconds())
	}
	if c.DedupWindow > 0 {
		r.dedup = vessel.Time(c.DedupWindow.Milliseconds())
	}
	if c.MaxSpeed > 0 {
		r.maxSpeed = c.MaxSpeed * knot
	}
	if c.MaxAircraftSpeed > 0 {
		r.maxAirSpeed = c.MaxAircraftSpeed * knot
	}
	switch {
	case c.Slack > 0:
		r.slack = c.Slack
	case c.Slack < 0:
		r.slack = 0
	}
	switch {
	case c.LandMargin > 0:
		r.margin = c.LandMargin
	case c.LandMargin < 0:
		r.margin = 0
	}
	if c.ConflictWindow > 0 {
		r.conflictWindow = vessel.Time(c.ConflictWindow.Milliseconds())
	}
	if m, ok := c.Land.(*geo.LandMask); ok && m != nil && !m.Detailed() {
		// ships report from the same places again and again: remember
		// which 0.01° cells are wholly at sea or on land (exact, bounded)
		r.landCache = geo.NewCellCache(m.Index(), 0, 0)
		r.land = r.landCache
		if r.margin > 0 {
			r.inland = newInlandCache(m.Index(), r.margin)
		}
	}
	return r
}
