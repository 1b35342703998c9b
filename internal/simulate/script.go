package simulate

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Scripted is a vessel that follows a timeline instead of the behaviour
// of its kind (Config.Script): a story for a demo or a test, such as two
// ships meeting at sea or a ship switching its transponder off.
type Scripted struct {
	// Vessel is its identity and static data; its MMSI is kept out of
	// the rest of the fleet.
	Vessel Vessel
	// Track is where it is when, in time order: it stays at the first
	// waypoint until that waypoint's time, moves in a straight line (in
	// latitude and longitude) from each waypoint to the next, arriving on
	// time, and stays at the last one. A waypoint's Status is the
	// navigational status from it to the next.
	Track []Waypoint
	// Dark are the spans, [From, To), in which its transponder is off:
	// it sends no report, while it keeps moving along Track.
	Dark []Span
	// Destination is the AIS destination of its static reports ("" for
	// none).
	Destination string
}

// Waypoint is a point of a Scripted vessel's track.
type Waypoint struct {
	Time   vessel.Time
	Point  geo.Point
	Status vessel.NavStatus
}

// Span is a time interval [From, To).
type Span struct{ From, To vessel.Time }

// farFuture is the end of the last segment of a scripted track.
const farFuture = vessel.Time(math.MaxInt64 / 4)

// scriptAt sets scripted vessel v on the segment of its track that
// covers t.
func (s *Sim) scriptAt(v int32, t vessel.Time) {
	st := &s.st[v]
	sc := s.script[v]
	tr := sc.Track
	st.phase = phScript
	st.dest = -1
	st.destName = sc.Destination
	st.eta = ""
	if len(tr) == 0 {
		s.stay(v, geo.Point{}, t, farFuture, vessel.NoStatus, false)
		st.phase = phScript
		return
	}
	i := 0
	for i < len(tr) && tr[i].Time <= t {
		i++
	}
	// tr[i-1].Time <= t < tr[i].Time
	switch {
	case i == 0:
		s.stay(v, tr[0].Point, t, tr[0].Time, tr[0].Status, tr[0].Status == 1)
	case i == len(tr):
		w := tr[len(tr)-1]
		s.stay(v, w.Point, t, farFuture, w.Status, w.Status == 1)
	default:
		a, b := tr[i-1], tr[i]
		d := geo.Distance(a.Point, b.Point)
		if d < 1 {
			s.stay(v, a.Point, t, b.Time, a.Status, a.Status == 1)
			break
		}
		st.still, st.anchored, st.status = false, false, a.Status
		st.lat0, st.lon0 = a.Point.Lat, a.Point.Lon
		st.dlat = b.Point.Lat - a.Point.Lat
		st.dlon = geo.NormalizeLon(b.Point.Lon - a.Point.Lon)
		st.t0, st.t1 = a.Time, b.Time
		st.knots = d / (float64(b.Time-a.Time) / 1000) / knot
		st.cog = geo.Bearing(a.Point, b.Point)
	}
	st.phase = phScript
	if st.destName != "" && i < len(tr) {
		st.eta = tr[len(tr)-1].Time.Std().Format("01-02T15:04")
	}
}

// dark reports whether vessel v's transponder is off at t.
func (s *Sim) dark(v int32, t vessel.Time) bool {
	if s.script == nil || s.script[v] == nil {
		return false
	}
	for _, d := range s.script[v].Dark {
		if t >= d.From && t < d.To {
			return true
		}
	}
	return false
}

// Scripted reports whether m is the MMSI of one of the Config.Script
// vessels.
func (s *Sim) Scripted(m vessel.MMSI) bool {
	for _, sc := range s.cfg.Script {
		if sc.Vessel.MMSI == m {
			return true
		}
	}
	return false
}
