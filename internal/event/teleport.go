package event

import (
	"fmt"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// reachable reports whether a vessel could go from a to b in the time
// between them: at most Slack + MaxSpeed × Δt apart.
func (e *Engine) reachable(a, b *vessel.Position) (bool, float64) {
	dt := float64(b.Time - a.Time)
	if dt < 0 {
		dt = -dt
	}
	d := geo.Distance(posPoint(a), posPoint(b))
	return d <= e.p.Teleport.Slack+e.p.Teleport.MaxSpeed*knot*dt/1000, d
}

// plausible decides whether report p belongs to the vessel's main track.
// A report no vessel could reach from the main track is a teleport and
// starts a second hypothesis, the alt track; a later report reachable from
// the alt track but not the main one, while the main track keeps
// reporting too, is a second transmitter: an identity conflict (and the
// teleport that started the alt track is retracted, since it was the
// first report of that transmitter, not a jump). When only the alt track
// goes on (three consistent reports, the main one silent), it becomes the
// main track. Fusion's flags, when present, decide instead of the test:
// FlagTeleport makes p a teleport, FlagIdentityConflict an alt-track
// report.
//
// Reports fusion numbered (Track set) are decided by fused instead.
func (e *Engine) plausible(tr *track, p *vessel.Position) bool {
	if p.Track != 0 {
		return e.fused(tr, p)
	}
	if !tr.has {
		return p.Flags&vessel.Bad == 0
	}
	if !e.p.Teleport.Enabled && !e.p.Identity.Enabled {
		return p.Flags&vessel.Bad == 0
	}
	if tr.hasAlt && p.Time-tr.alt.Time > vessel.Time(e.p.MaxReportGap.ms()) {
		e.dropAlt(tr)
	}
	flagged := p.Flags & (vessel.FlagTeleport | vessel.FlagIdentityConflict)
	okMain, dMain := e.reachable(&tr.last, p)
	if flagged == 0 && okMain {
		if tr.hasAlt {
			tr.mainSince++
		}
		return true
	}
	okAlt := false
	if tr.hasAlt {
		okAlt, _ = e.reachable(&tr.alt, p)
	}
	if flagged == vessel.FlagIdentityConflict || flagged == 0 && okAlt {
		if !tr.hasAlt {
			tr.hasAlt, tr.alt, tr.altN, tr.mainSince = true, *p, 1, 0
			return false
		}
		tr.alt = *p
		tr.altN++
		switch {
		case tr.mainSince > 0 && tr.altN >= e.p.Identity.MinReports && e.p.Identity.Enabled:
			e.conflictOnReport(tr, p)
		case tr.mainSince == 0 && tr.altN >= 3 && tr.conflict == nil && flagged == 0:
			// the main track fell silent: the alt one is the vessel
			tr.hasAlt, tr.jump = false, nil
			tr.last = *p
			return true
		}
		return false
	}
	if flagged&vessel.FlagTeleport == 0 && p.Flags&vessel.Bad != 0 {
		return false
	}
	// a teleport: p is reachable from neither track
	if e.p.Teleport.Enabled {
		ev := e.newEvent(Teleport, tr.mmsi, 0, -1, p.Time, *p)
		ev.Start, ev.End = tr.last.Time, p.Time
		// several jumps in one millisecond (an MMSI shared by many
		// transmitters) differ by where they jump to
		ev.ID += fmt.Sprintf("-%.5f,%.5f", p.Lat, p.Lon)
		ev.Measures["distance_m"] = dMain
		if dt := float64(p.Time-tr.last.Time) / 1000; dt > 0 {
			ev.Measures["implied_speed_kn"] = dMain / dt / knot
		}
		e.evidence(ev, tr.last, *p)
		e.emit(ev)
		tr.jump = ev
	}
	if tr.conflict == nil {
		tr.hasAlt, tr.alt, tr.altN, tr.mainSince = true, *p, 1, 0
	}
	return false
}

// conflictOnReport opens or extends the identity conflict of a vessel
// whose alt track reported p.
func (e *Engine) conflictOnReport(tr *track, p *vessel.Position) {
	if tr.conflict == nil {
		start := p.Time
		if tr.jump != nil {
			start = tr.jump.End
			tr.jump.Retracted = true
			e.emit(tr.jump)
			tr.jump = nil
		}
		ev := e.newEvent(IdentityConflict, tr.mmsi, 0, -1, start, *p)
		ev.Measures["distance_m"] = geo.Distance(posPoint(&tr.last), posPoint(p))
		e.evidence(ev, tr.last, *p)
		tr.conflict = ev
		ev.Measures["alt_reports"] = float64(tr.altN)
		e.emit(ev)
		return
	}
	tr.conflict.Measures["alt_reports"] = float64(tr.altN)
	e.evidence(tr.conflict, *p)
}

// dropAlt forgets the alt track after silence, ending its conflict at its
// last report.
func (e *Engine) dropAlt(tr *track) {
	if ev := tr.conflict; ev != nil {
		ev.End = tr.alt.Time
		ev.Measures["alt_reports"] = float64(tr.altN)
		e.emit(ev)
		tr.conflict = nil
	}
	tr.hasAlt, tr.jump, tr.altN, tr.mainSince = false, nil, 0, 0
}
