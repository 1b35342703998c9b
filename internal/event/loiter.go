package event

import (
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// loiterRun is a vessel's current run of slow reports.
type loiterRun struct {
	active     bool
	checkedBad bool
	first      vessel.Position
	last       vessel.Position
	n          int     // reports with a known speed
	sumSpeed   float64 // knots
	sumLat     float64
	sumDLon    float64 // longitudes relative to first, antimeridian-safe
	npos       int
	nextCheck  vessel.Time
	ev         *Event
}

func (r *loiterRun) mean() geo.Point {
	return geo.Point{Lat: r.sumLat / float64(r.npos), Lon: geo.NormalizeLon(r.first.Lon + r.sumDLon/float64(r.npos))}
}

// loiterOnReport follows a vessel's slow runs: a run is a sequence of
// reports each slower than MaxSpeed (so the average is too), broken by a
// faster report or by MaxReportGap of silence. A run becomes a loitering
// event when it has lasted MinDuration and its mean position is farther
// than MinPortDistance from ports and anchorages and MinShoreDistance from
// land; the event opens then (start = the run's first report) and closes
// at the run's last report. Reports of unknown speed extend a run without
// counting in the average.
func (e *Engine) loiterOnReport(tr *track, p *vessel.Position, pt geo.Point, speed float64) {
	lp := &e.p.Loitering
	if !lp.Enabled {
		return
	}
	r := &tr.loit
	if speed >= lp.MaxSpeed || lp.ExcludeMoored && p.Status == vessel.NavStatus(5) {
		e.endLoiter(tr)
		return
	}
	if speed < 0 && !r.active {
		return
	}
	if !r.active {
		*r = loiterRun{active: true, first: *p}
	}
	r.last = *p
	if speed >= 0 {
		r.n++
		r.sumSpeed += speed
	}
	r.npos++
	r.sumLat += p.Lat
	r.sumDLon += geo.NormalizeLon(p.Lon - r.first.Lon)
	min := vessel.Time(lp.MinDuration.ms())
	if r.ev == nil && p.Time-r.first.Time >= min && p.Time >= r.nextCheck {
		if e.loiterPlace(r) {
			r.ev = e.newEvent(Loitering, tr.mmsi, 0, -1, r.first.Time, r.first)
			e.loiterMeasures(r)
			e.evidence(r.ev, r.first, *p)
			e.emit(r.ev)
		} else {
			r.nextCheck = p.Time + min // look again when it has moved on
		}
	}
}

// loiterPlace checks the run's mean position against ports and shore.
func (e *Engine) loiterPlace(r *loiterRun) bool {
	m := r.mean()
	lp := &e.p.Loitering
	if lp.MinPortDistance > 0 {
		if i, _ := e.nearestPort(m, lp.MinPortDistance); i >= 0 {
			return false
		}
		if e.learnedNear(m, lp.MinPortDistance, r.last.Time) {
			return false
		}
	}
	if e.shore != nil && e.shore.distance(m) < lp.MinShoreDistance {
		return false
	}
	return true
}

func (e *Engine) loiterMeasures(r *loiterRun) {
	ev := r.ev
	m := r.mean()
	ev.Lat, ev.Lon = m.Lat, m.Lon
	if r.n > 0 {
		ev.Measures["average_speed_kn"] = r.sumSpeed / float64(r.n)
	}
	ev.Measures["reports"] = float64(r.npos)
	ev.Measures["duration_s"] = float64(r.last.Time-r.first.Time) / 1000
	if e.shore != nil {
		ev.Measures["shore_distance_m"] = e.shore.distance(m)
	}
}

// endLoiter ends the vessel's slow run, closing its event.
func (e *Engine) endLoiter(tr *track) {
	r := &tr.loit
	if !r.active {
		return
	}
	if r.ev == nil && r.last.Time-r.first.Time >= vessel.Time(e.p.Loitering.MinDuration.ms()) && e.loiterPlace(r) {
		r.ev = e.newEvent(Loitering, tr.mmsi, 0, -1, r.first.Time, r.first)
		e.evidence(r.ev, r.first)
	}
	if ev := r.ev; ev != nil {
		ev.End = r.last.Time
		e.loiterMeasures(r)
		if !e.loiterPlace(r) {
			ev.Retracted = true // an anchorage learned since
		}
		e.evidence(ev, r.last)
		e.emit(ev)
	}
	*r = loiterRun{}
}
