package event

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The track-aware identity model, for reports fusion numbered
// (vessel.Position.Track set): fusion has already decided which
// transmitter each report belongs to, so the engine does not judge
// reachability itself. A report of the main track (no FlagTeleport or
// FlagIdentityConflict) is the vessel's; one of another track is an
// identity report, never a teleport; FlagTeleport (the first report of a
// new tentative track) is a teleport, one per burst (flagged reports
// within teleportBurst of each other extend one event); a track that
// proves to be a second transmitter retracts the teleport that started
// it and joins the vessel's one identity_conflict event.

const (
	// teleportBurst: FlagTeleport reports this near in time to the
	// previous one are the same burst of bad fixes: one teleport.
	teleportBurst vessel.Time = 5 * 60_000
	// identitySpan: a track is a transmitter of its own once it has
	// reported over this span (fusion's default confirmation span), at
	// least Identity.MinReports (and 3) times.
	identitySpan vessel.Time = 3 * 60_000
	// identityWindow: an identity conflict closes when all but one of
	// its tracks have been silent this long (fusion's default
	// ConflictWindow, so that there is one event per fusion episode).
	identityWindow vessel.Time = 3600_000
	// maxIDTracks bounds the tracks remembered per vessel.
	maxIDTracks = 16
	// maxJumps bounds the teleports per vessel that can still be
	// retracted.
	maxJumps = 4
)

// idTrack is what the engine knows of one of fusion's tracks of a vessel.
type idTrack struct {
	id          uint8
	first, last vessel.Time
	at          vessel.Position // its latest report
	n           int
	member      bool           // in the open identity conflict
	ep          vessel.Episode // fusion's episode its latest report in one carried
}

// pendingJump is a teleport that a track's confirmation may retract.
type pendingJump struct {
	ev     *Event
	tracks [4]uint64   // the tracks the burst's reports started, a set
	last   vessel.Time // the burst's latest flagged report
}

func (j *pendingJump) add(id uint8)      { j.tracks[id/64] |= 1 << (id % 64) }
func (j *pendingJump) has(id uint8) bool { return j.tracks[id/64]&(1<<(id%64)) != 0 }

// idTrackOf returns the vessel's record of fusion track id, creating it.
func (tr *track) idTrackOf(id uint8, t vessel.Time) *idTrack {
	for i := range tr.ids {
		if tr.ids[i].id == id {
			return &tr.ids[i]
		}
	}
	if len(tr.ids) >= maxIDTracks {
		// forget the longest silent track that is not in a conflict
		k := -1
		for i := range tr.ids {
			if !tr.ids[i].member && (k < 0 || tr.ids[i].last < tr.ids[k].last) {
				k = i
			}
		}
		if k < 0 {
			k = 0
		}
		tr.ids = slices.Delete(tr.ids, k, k+1)
	}
	tr.ids = append(tr.ids, idTrack{id: id, first: t, last: t})
	return &tr.ids[len(tr.ids)-1]
}

// fused decides a report fusion numbered: whether it is the vessel's
// (main track) report. Identity and teleport events come from here.
func (e *Engine) fused(tr *track, p *vessel.Position) bool {
	e.identityExpire(tr, p.Time)
	flagged := p.Flags & (vessel.FlagTeleport | vessel.FlagIdentityConflict)
	if p.Flags&vessel.Bad&^(vessel.FlagTeleport|vessel.FlagIdentityConflict) != 0 {
		return false
	}
	it := tr.idTrackOf(p.Track, p.Time)
	it.last, it.at = max(it.last, p.Time), *p
	it.n++
	if flagged&vessel.FlagTeleport != 0 && tr.has {
		e.teleportBurstOn(tr, p)
	}
	if e.p.Identity.Enabled {
		if e.inferEp {
			e.identityOnReport(tr, it, p.Time)
		} else {
			e.episodeOnReport(tr, it, p)
		}
	}
	return flagged == 0
}

// episodeOnReport follows fusion's identity episodes (Position.Episode)
// after a report of track it: one identity_conflict per episode, opened
// once two of its tracks have reported in it (so that it lists both),
// joined by each further track, closed when a report of one of its
// tracks no longer carries it (fusion closed it) or a later episode
// begins. Fusion, not the engine, decides which tracks are transmitters.
func (e *Engine) episodeOnReport(tr *track, it *idTrack, p *vessel.Position) {
	s := p.Episode
	if ev := tr.conflict; ev != nil && tr.idMode && (s != tr.epSeq && (s != 0 || it.member)) {
		e.identityClose(tr)
	}
	if s == 0 || s == tr.epSeq && tr.epDone {
		return
	}
	if s != tr.epSeq {
		tr.epSeq, tr.epDone = s, false
	}
	it.ep = s
	if ev := tr.conflict; ev != nil && tr.idMode {
		if !it.member {
			it.member = true
			e.retractJump(tr, it.id)
			e.identityMeasures(tr, ev)
			e.evidence(ev, it.at)
			e.emit(ev) // a new version: one more track
			return
		}
		if n := it.n; n&(n-1) == 0 {
			e.identityMeasures(tr, ev)
			e.emit(ev)
		}
		return
	}
	var members []*idTrack
	for i := range tr.ids {
		if g := &tr.ids[i]; g.ep == s {
			members = append(members, g)
		}
	}
	if len(members) < 2 {
		return
	}
	e.openConflict(tr, members, it.at, int(s))
}

// teleportBurstOn records a FlagTeleport report: a new teleport, or one
// more report of the current burst.
func (e *Engine) teleportBurstOn(tr *track, p *vessel.Position) {
	if !e.p.Teleport.Enabled {
		return
	}
	if n := len(tr.jumps); n > 0 && p.Time-tr.jumps[n-1].last <= teleportBurst && !tr.jumps[n-1].ev.Retracted {
		j := &tr.jumps[n-1]
		j.last = p.Time
		j.add(p.Track)
		j.ev.Measures["reports"]++
		e.evidence(j.ev, *p)
		e.emit(j.ev)
		return
	}
	d := geo.Distance(posPoint(&tr.last), posPoint(p))
	ev := e.newEvent(Teleport, tr.mmsi, 0, -1, p.Time, *p)
	ev.Start, ev.End = tr.last.Time, p.Time
	ev.ID += fmt.Sprintf("-%.5f,%.5f", p.Lat, p.Lon)
	ev.Measures["distance_m"] = d
	ev.Measures["reports"] = 1
	if dt := float64(p.Time-tr.last.Time) / 1000; dt > 0 {
		ev.Measures["implied_speed_kn"] = d / dt / knot
	}
	e.evidence(ev, tr.last, *p)
	e.emit(ev)
	if len(tr.jumps) >= maxJumps {
		tr.jumps = slices.Delete(tr.jumps, 0, 1)
	}
	tr.jumps = append(tr.jumps, pendingJump{ev: ev, last: p.Time})
	tr.jumps[len(tr.jumps)-1].add(p.Track)
}

// established reports whether track it is a transmitter of its own by
// time now: enough reports over identitySpan, heard within identityWindow.
func (e *Engine) established(it *idTrack, now vessel.Time) bool {
	return it.n >= max(e.p.Identity.MinReports, 3) && it.last-it.first >= identitySpan &&
		now-it.last < identityWindow
}

// identityOnReport opens, grows or updates the vessel's identity
// conflict after a report of track it.
func (e *Engine) identityOnReport(tr *track, it *idTrack, now vessel.Time) {
	if ev := tr.conflict; ev != nil && tr.idMode {
		if !it.member && e.established(it, now) {
			it.member = true
			e.retractJump(tr, it.id)
			e.identityMeasures(tr, ev)
			e.evidence(ev, it.at)
			e.emit(ev) // a new version: one more track
			return
		}
		if n := it.n; it.member && n&(n-1) == 0 {
			// a new version when a track's count doubles: versions
			// grow with the logarithm of the reports
			e.identityMeasures(tr, ev)
			e.emit(ev)
		}
		return
	}
	if tr.conflict != nil || !e.established(it, now) {
		return
	}
	// open: it and another established track heard while it was
	var members []*idTrack
	for i := range tr.ids {
		g := &tr.ids[i]
		if e.established(g, now) && g.last >= it.first && it.last >= g.first {
			members = append(members, g)
		}
	}
	if len(members) < 2 {
		return
	}
	e.openConflict(tr, members, it.at, -1)
}

// openConflict opens the vessel's identity event over members (two or
// more tracks heard at once), from the latest of their first reports to
// at, the report that opens it; episode is fusion's episode, -1 when
// inferred. The members' teleports are retracted: they were the tracks'
// jumps.
func (e *Engine) openConflict(tr *track, members []*idTrack, at vessel.Position, episode int) {
	var start vessel.Time
	for _, g := range members {
		g.member = true
		start = max(start, g.first)
		e.retractJump(tr, g.id)
	}
	ev := e.newEvent(IdentityConflict, tr.mmsi, 0, -1, start, at)
	if episode >= 0 {
		ev.Measures["episode"] = float64(episode)
	}
	tr.conflict, tr.idMode = ev, true
	e.identityMeasures(tr, ev)
	for _, g := range members {
		e.evidence(ev, g.at)
	}
	e.emit(ev)
}

// identityMeasures sets the conflict's measures from its tracks: how
// many, reports per track, the greatest distance between their latest
// reports (describe turns them into reasons).
func (e *Engine) identityMeasures(tr *track, ev *Event) {
	n, d := 0, 0.0
	for i := range tr.ids {
		g := &tr.ids[i]
		if !g.member {
			continue
		}
		n++
		ev.Measures["track_"+strconv.Itoa(int(g.id))+"_reports"] = float64(g.n)
		for j := range i {
			if h := &tr.ids[j]; h.member {
				d = max(d, geo.Distance(posPoint(&g.at), posPoint(&h.at)))
			}
		}
	}
	ev.Measures["tracks"] = float64(n)
	ev.Measures["distance_m"] = d
}

// retractJump retracts the teleport that started track id: it was the
// first report of another transmitter, not a jump. (A burst that also
// started other tracks is retracted with it: one of its reports was a
// transmitter.)
func (e *Engine) retractJump(tr *track, id uint8) {
	for i := range tr.jumps {
		if j := &tr.jumps[i]; j.has(id) && !j.ev.Retracted {
			j.ev.Retracted = true
			e.emit(j.ev)
		}
	}
}

// identityDeadline returns when the open conflict ends if nothing more
// is heard: when all but one of its tracks have been silent for
// identityWindow (0 if none is open).
func (e *Engine) identityDeadline(tr *track) vessel.Time {
	if tr.conflict == nil || !tr.idMode {
		return 0
	}
	a, b := memberLasts(tr)
	if !e.inferEp {
		// fusion closes its episode when a report shows the tracks
		// apart; if none comes, all its tracks silent for the window
		return a + identityWindow
	}
	return b + identityWindow
}

// memberLasts returns the latest and second latest reports of the open
// conflict's tracks.
func memberLasts(tr *track) (a, b vessel.Time) {
	for i := range tr.ids {
		if g := &tr.ids[i]; g.member {
			if g.last > a {
				a, b = g.last, a
			} else if g.last > b {
				b = g.last
			}
		}
	}
	return a, b
}

// identityClose closes the open conflict, ending at the last report of
// its second latest track (the tracks were last heard together then).
func (e *Engine) identityClose(tr *track) {
	_, end := memberLasts(tr)
	e.identityMeasures(tr, tr.conflict)
	tr.conflict.End = end
	e.emit(tr.conflict)
	tr.conflict, tr.idMode, tr.epDone = nil, false, true
	for i := range tr.ids {
		tr.ids[i].member = false
	}
}

// identityExpire closes the conflict when all but one of its tracks
// have been silent for identityWindow at now, and forgets the tracks and
// teleport bursts silent for MaxReportGap.
func (e *Engine) identityExpire(tr *track, now vessel.Time) {
	gap := vessel.Time(e.p.MaxReportGap.ms())
	if tr.conflict != nil && tr.idMode && now >= e.identityDeadline(tr) {
		e.identityClose(tr)
	}
	// forget silent tracks, and teleports no track can still retract
	tr.ids = slices.DeleteFunc(tr.ids, func(g idTrack) bool { return !g.member && g.last+gap <= now })
	tr.jumps = slices.DeleteFunc(tr.jumps, func(j pendingJump) bool { return j.last+gap <= now })
}
