package event

import (
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// portOnReport follows port visits, after GFW: a vessel enters a port when
// within EntryRadius of a port or anchorage point, and leaves when farther
// than ExitRadius from every one; the visit counts when the vessel stopped
// (a report slower than MaxStopSpeed) and stayed MinDuration from entry.
// The event opens then (start = entry) and closes at the first report
// outside. A vessel silent in port stays in port.
//
// The anchorages given in Config.Anchorages (learned by an earlier run,
// or from the whole history first: Anchorage.Since 0) count as ports:
// a learned harbour in no port list makes visits. Those learned during
// the run do not: when one is learned depends on the order the data
// came in, and port visits are replayed for late data.
func (e *Engine) portOnReport(tr *track, p *vessel.Position, pt geo.Point, speed float64) {
	pv := &e.p.PortVisit
	if !pv.Enabled || e.ports == nil && e.startAnch == 0 {
		return
	}
	if !tr.inPort {
		if !e.portWithin(tr, pt, pv.EntryRadius) && !e.startAnchWithin(tr, pt, pv.EntryRadius) {
			return
		}
		tr.visitPort, _ = e.nearestPort(pt, pv.EntryRadius)
		tr.inPort, tr.entry, tr.stopped, tr.visit = true, *p, false, nil
	} else if !e.portWithin(tr, pt, pv.ExitRadius) && !e.startAnchWithin(tr, pt, pv.ExitRadius) {
		ev := tr.visit
		if ev == nil && tr.stopped && p.Time-tr.entry.Time >= vessel.Time(pv.MinDuration.ms()) {
			ev = e.openVisit(tr)
		}
		if ev != nil {
			ev.End = p.Time
			ev.Measures["duration_s"] = float64(ev.End-ev.Start) / 1000
			e.evidence(ev, *p)
			e.emit(ev)
		}
		tr.inPort, tr.visit = false, nil
		return
	}
	if speed >= 0 && speed < pv.MaxStopSpeed && !tr.stopped {
		tr.stopped, tr.stop = true, *p
	}
	if tr.stopped && tr.visit == nil && p.Time-tr.entry.Time >= vessel.Time(pv.MinDuration.ms()) {
		tr.visit = e.openVisit(tr)
		e.evidence(tr.visit, *p)
		e.emit(tr.visit)
	}
}

func (e *Engine) openVisit(tr *track) *Event {
	ev := e.newEvent(PortVisit, tr.mmsi, 0, -1, tr.entry.Time, tr.stop)
	if i := tr.visitPort; i >= 0 {
		q := e.ports.ports[i]
		ev.Zone = q.Name
		ev.Measures["port_lat"], ev.Measures["port_lon"] = q.Lat, q.Lon
		ev.Measures["port_distance_m"] = geo.Distance(posPoint(&tr.stop), geo.Point{Lat: q.Lat, Lon: q.Lon})
		if q.Anchor {
			ev.Measures["anchorage"] = 1
		}
	} else if i, _ := e.learnedNearest(posPoint(&tr.entry), e.p.PortVisit.EntryRadius, atStart); i >= 0 {
		// the learned anchorage nearest the entry (no name: Zone stays
		// empty)
		a := e.learned[i]
		ev.Measures["port_lat"], ev.Measures["port_lon"] = a.Lat, a.Lon
		ev.Measures["port_distance_m"] = geo.Distance(posPoint(&tr.stop), geo.Point{Lat: a.Lat, Lon: a.Lon})
		ev.Measures["anchorage"], ev.Measures["learned"] = 1, 1
	}
	e.evidence(ev, tr.entry, tr.stop)
	return ev
}

// atStart accepts the anchorages known from the start (Config.Anchorages).
func atStart(a *Anchorage) bool { return a.Since == 0 }

// startAnchWithin reports whether an anchorage known from the start is
// within r metres of pt, from the vessel's cached nearest distance when
// that decides it.
func (e *Engine) startAnchWithin(tr *track, pt geo.Point, r float64) bool {
	if e.startAnch == 0 {
		return false
	}
	if tr.acOK {
		d := fastDistance(tr.ac, pt)
		if tr.ad+d <= r {
			return true
		}
		if tr.ad-d > r {
			return false
		}
	}
	_, tr.ad = e.learnedNearest(pt, e.portCap, atStart)
	tr.ac, tr.acOK = pt, true
	return tr.ad <= r
}
