package event

import (
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// history keeps what a late report needs to re-run a vessel's
// single-vessel detectors: two checkpoints of its detector state (solo)
// and the reports processed since, in time order.
//
// ck[i] is the state right after the report at time at[i]; pos[i] are
// the reports after it (pos[0] ends with the report of ck[1]). pub holds
// the latest published version of the vessel's single-vessel events a
// replay could reproduce: those not ended by ck[0] and those ck[0]
// holds. A late report at or after at[1] replays
// pos[1] from ck[1]; one at or after at[0], pos[0] and pos[1] from ck[0].
// When pos[1] spans Config.History or holds half of
// Config.HistoryReports, segment 1 becomes segment 0 and a new
// checkpoint is taken: the reports a late one can reach always span at
// least History (or HistoryReports/2 reports), and at most twice that.
//
// A new vessel starts with the empty state as checkpoint, placed History
// before its first report, so that a late report older than the first
// one replays too.
type history struct {
	ck  [2]*solo
	at  [2]vessel.Time
	pos [2][]report
	pub map[string]Event

	srcName string // the last Source interned, and its number
	srcNum  uint32
}

// report is a vessel.Position as the history keeps it: without the MMSI
// (the vessel's) and with the Source interned, so that it holds no
// pointer (the garbage collector skips the buffers) and takes 40 bytes.
type report struct {
	time    vessel.Time
	lat     float64
	lon     float64
	sog     vessel.Speed
	cog     vessel.Course
	heading vessel.Heading
	status  vessel.NavStatus
	flags   vessel.Flags
	track   uint8
	source  uint16 // a number below maxSources
	episode vessel.Episode
}

// report returns the history's form of p.
func (e *Engine) report(tr *track, p *vessel.Position) report {
	h := &tr.h
	if p.Source != h.srcName || h.srcNum == 0 && p.Source != "" {
		h.srcName, h.srcNum = p.Source, e.intern(p.Source)
	}
	return report{time: p.Time, lat: p.Lat, lon: p.Lon, sog: p.SOG, cog: p.COG, heading: p.Heading,
		status: p.Status, flags: p.Flags, track: p.Track, source: uint16(h.srcNum), episode: p.Episode}
}

// position returns the position a history report holds.
func (e *Engine) position(tr *track, r *report) vessel.Position {
	return vessel.Position{MMSI: tr.mmsi, Time: r.time, Lat: r.lat, Lon: r.lon, SOG: r.sog, COG: r.cog,
		Heading: r.heading, Status: r.status, Flags: r.flags, Track: r.track, Episode: r.episode, Source: e.sources[r.source]}
}

// maxSources bounds the source names interned for histories; reports of
// later sources are replayed with Source "".
const maxSources = 1 << 16

// intern returns the number of a source name; 0 is "".
func (e *Engine) intern(s string) uint32 {
	if s == "" {
		return 0
	}
	if n, ok := e.sourceNum[s]; ok {
		return n
	}
	if len(e.sources) >= maxSources {
		return 0
	}
	if e.sourceNum == nil {
		e.sourceNum = make(map[string]uint32)
	}
	n := uint32(len(e.sources))
	e.sources = append(e.sources, s)
	e.sourceNum[s] = n
	return n
}

// reset forgets the checkpoints: late reports older than the next report
// only re-evaluate gaps (used when zones change).
func (h *history) reset() {
	h.ck = [2]*solo{}
	h.pos[0], h.pos[1] = h.pos[0][:0], h.pos[1][:0]
	clear(h.pub)
}

// horizon is the time before which the history cannot replay.
func (h *history) horizon() vessel.Time {
	for i := range 2 {
		if h.ck[i] != nil {
			return h.at[i]
		}
	}
	return math.MaxInt64
}

// note records a published version of a single-vessel event.
func (h *history) note(ev *Event) {
	if h.pub == nil {
		h.pub = make(map[string]Event)
	}
	h.pub[ev.ID] = cloneEvent(ev)
}

// inScope reports whether a replay from checkpoint ck, after time at,
// can reproduce a published event: it has not ended by then, or the
// checkpoint holds it.
func inScope(ev *Event, ck *solo, at vessel.Time) bool {
	if ev.End == 0 || ev.End > at {
		return true
	}
	for _, c := range ck.events(nil) {
		if c.ID == ev.ID {
			return true
		}
	}
	return false
}

// record adds an in-order report to the vessel's history, before it is
// processed.
func (e *Engine) record(tr *track, p *vessel.Position) {
	h := &tr.h
	if h.ck[1] == nil {
		if tr.has || h.ck[0] != nil {
			return // after a reset: history restarts after this report
		}
		// checkpoints are never changed (a replay restores a copy): every
		// vessel's history starts from the engine's one fresh state
		if e.fresh == nil {
			s := newSolo()
			e.fresh = &s
		}
		h.ck[1], h.at[1] = e.fresh, p.Time-e.histAge
	}
	s := h.pos[1]
	if p.Time >= tr.seen { // in order (always, but after a report newer than a late one)
		if s == nil {
			// small at first: most vessels' segments hold a few reports,
			// and append grows it; a new vessel's first holds its first
			// report only (the checkpoint after it starts the next)
			n := min(4, e.histLen/2+1)
			if h.ck[1] == e.fresh {
				n = 1
			}
			s = make([]report, 0, n)
		}
		h.pos[1] = append(s, e.report(tr, p))
		return
	}
	h.pos[1] = insertByTime(s, e.report(tr, p))
}

// insertByTime inserts r into s, which is in time order, after the
// reports of the same time.
func insertByTime(s []report, r report) []report {
	i := len(s)
	for i > 0 && s[i-1].time > r.time {
		i--
	}
	return slices.Insert(s, i, r)
}

// checkpoint starts a new history segment after report p when the
// current one is full.
func (e *Engine) checkpoint(tr *track, p *vessel.Position) {
	h := &tr.h
	if h.ck[1] != nil && p.Time-h.at[1] < e.histAge && len(h.pos[1]) < e.histLen/2 {
		return
	}
	h.ck[0], h.at[0] = h.ck[1], h.at[1]
	h.pos[0], h.pos[1] = h.pos[1], h.pos[0][:0]
	if cap(h.pos[1]) < 4 {
		h.pos[1] = nil // a new vessel's first segment's: record makes one with room
	}
	h.ck[1], h.at[1] = snapshot(&tr.solo), p.Time
	if h.ck[0] != nil {
		for id, ev := range h.pub {
			if !inScope(&ev, h.ck[0], h.at[0]) {
				delete(h.pub, id)
			}
		}
	}
}

// snapshot deep-copies single-vessel state.
func snapshot(s *solo) *solo {
	c := *s
	c.passT = s.passT.share()
	c.openGap = cloneEventPtr(s.openGap)
	c.jump = cloneEventPtr(s.jump)
	c.conflict = cloneEventPtr(s.conflict)
	c.ids = slices.Clone(s.ids)
	c.jumps = slices.Clone(s.jumps)
	for i := range c.jumps {
		c.jumps[i].ev = cloneEventPtr(s.jumps[i].ev)
	}
	c.visit = cloneEventPtr(s.visit)
	c.loit.ev = cloneEventPtr(s.loit.ev)
	c.zones = slices.Clone(s.zones)
	c.zoneEv = make([]*Event, len(s.zoneEv))
	for i, ev := range s.zoneEv {
		c.zoneEv[i] = cloneEventPtr(ev)
	}
	return &c
}

func cloneEventPtr(ev *Event) *Event {
	if ev == nil {
		return nil
	}
	c := cloneEvent(ev)
	return &c
}

// events appends the events single-vessel state holds.
func (s *solo) events(dst []*Event) []*Event {
	for _, ev := range []*Event{s.openGap, s.jump, s.conflict, s.visit, s.loit.ev} {
		if ev != nil {
			dst = append(dst, ev)
		}
	}
	for _, j := range s.jumps {
		dst = append(dst, j.ev)
	}
	return append(dst, s.zoneEv...)
}

// replay collects what the single-vessel detectors emit while a vessel's
// history is replayed.
type replay struct {
	evs []*Event // events emitted, in order of first emission
}

func (r *replay) emitted(ev *Event) {
	for i := len(r.evs) - 1; i >= 0; i-- {
		if r.evs[i] == ev {
			return
		}
	}
	r.evs = append(r.evs, ev)
}

// replayLate re-runs the vessel's single-vessel detectors over its
// history with the late report p inserted, and publishes the difference
// (see reconcile). It returns false, doing nothing, when p is older than
// the history.
func (e *Engine) replayLate(tr *track, p *vessel.Position) bool {
	h := &tr.h
	from := -1
	switch {
	case h.ck[1] != nil && p.Time >= h.at[1]:
		from = 1
	case h.ck[0] != nil && p.Time >= h.at[0]:
		from = 0
	default:
		return false
	}
	r := e.report(tr, p)
	for i := from; i < 2; i++ {
		if slices.Contains(h.pos[i], r) {
			return true // a report already processed
		}
	}
	e.stats.Replayed++
	seg := 1
	if p.Time < h.at[1] {
		seg = 0
	}
	h.pos[seg] = insertByTime(h.pos[seg], r)

	// what was published: the events the state holds (as they are, so
	// that changes not yet published do not count as changes), then the
	// published events the replay could reproduce
	var old []Event
	for _, ev := range tr.solo.events(nil) {
		old = append(old, cloneEvent(ev))
	}
	ids := make([]string, 0, len(h.pub))
	for id, ev := range h.pub {
		if inScope(&ev, h.ck[from], h.at[from]) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // deterministic matching
	for _, id := range ids {
		old = append(old, h.pub[id])
	}

	if tr.heapIdx >= 0 {
		e.timers.remove(tr.heapIdx)
	}
	pairs, gaps := tr.pairs, tr.gaps
	tr.pairs, tr.gaps = nil, nil
	tr.solo = *snapshot(h.ck[from])
	// the checkpoint's events are the replay's too, even those it drops
	// without a new version (a teleport forgotten with its alt track)
	e.rep = &replay{evs: tr.solo.events(nil)}
	var ckSrc, ckDst []*Event // events of a new ck[1], and the replay's they copy
	for i := from; i < 2; i++ {
		for k := range h.pos[i] {
			q := e.position(tr, &h.pos[i][k])
			e.replayTimers(tr, q.Time)
			if tr.has && q.Time == tr.last.Time && q.Lat == tr.last.Lat && q.Lon == tr.last.Lon {
				continue // a duplicate, as in process
			}
			e.single(tr, &q)
		}
		if i == 0 {
			h.ck[1] = snapshot(&tr.solo)
			ckSrc, ckDst = tr.solo.events(nil), h.ck[1].events(nil)
		}
	}
	e.replayTimers(tr, e.clock)
	rep := e.rep
	e.rep = nil
	tr.pairs = pairs
	e.reconcile(tr, old, rep)
	for i, ev := range ckDst { // the checkpoint's events under their published IDs
		ev.ID, ev.Version = ckSrc[i].ID, ckSrc[i].Version
	}

	// closed gaps for reports older than the history: those before the
	// checkpoint, then the replay's
	horizon := h.at[from]
	tr.gaps = slices.DeleteFunc(gaps, func(g *Event) bool { return g.End == 0 || g.End > horizon })
	for _, ev := range rep.evs {
		if ev.Type == Gap && ev.End != 0 && !ev.Retracted {
			tr.gaps = append(tr.gaps, ev)
		}
	}
	if n := len(tr.gaps); n > 4 {
		tr.gaps = slices.Delete(tr.gaps, 0, n-4)
	}
	e.schedule(tr)
	return true
}

// replayTimers fires, during a replay, the vessel's timers due at or
// before t, at their deadlines, as the timer heap does live.
func (e *Engine) replayTimers(tr *track, t vessel.Time) {
	for tr.has {
		d := e.nextDeadline(tr)
		if d <= 0 || d > t {
			return
		}
		e.fireSingle(tr, d)
		if e.nextDeadline(tr) == d {
			return // nothing changed: would loop
		}
	}
}

// reconcile publishes the outcome of a replay against what was published
// before (old: the latest version of each event, by ID, first found
// first). Each event of the replay is matched with an old one of the same
// ID or, failing that, of the same type and zone whose time span overlaps
// (a zone_exit spans from its entry to its exit); a matched event keeps
// the old ID and is emitted, as the next version, only if it changed. An
// old event left unmatched is emitted retracted; a replay event left
// unmatched is new. So a happening never has two live events.
func (e *Engine) reconcile(tr *track, old []Event, rep *replay) {
	byID := make(map[string]int, len(old))
	olds := old[:0]
	for _, ev := range old {
		if _, ok := byID[ev.ID]; !ok {
			byID[ev.ID] = len(olds)
			olds = append(olds, ev)
		}
	}
	evs := rep.evs
	for _, ev := range tr.solo.events(nil) {
		if !slices.Contains(evs, ev) {
			evs = append(evs, ev)
		}
	}
	match := make([]int, len(evs))
	taken := make([]bool, len(olds))
	for i, ev := range evs {
		match[i] = -1
		if j, ok := byID[ev.ID]; ok && !taken[j] {
			match[i], taken[j] = j, true
		}
	}
	for i, ev := range evs {
		if match[i] >= 0 || ev.Retracted {
			continue
		}
		for j := range olds {
			if !taken[j] && !olds[j].Retracted && sameHappening(ev, &olds[j]) {
				match[i], taken[j] = j, true
				break
			}
		}
	}

	h := &tr.h
	if h.pub == nil {
		h.pub = make(map[string]Event)
	}
	used := make(map[string]bool, len(evs))
	for i, ev := range evs {
		if j := match[i]; j >= 0 {
			o := &olds[j]
			ev.ID, ev.Version = o.ID, o.Version
			if !sameEvent(ev, o) {
				e.emit(ev)
				h.note(ev)
			}
		} else {
			if ev.Retracted {
				continue // never published
			}
			if _, ok := byID[ev.ID]; ok || used[ev.ID] {
				ev.ID += "-r" + strconv.Itoa(i)
			}
			ev.Version = 0
			e.stats.Events[ev.Type]++
			e.emit(ev)
			h.note(ev)
		}
		used[ev.ID] = true
	}
	for j := range olds {
		if o := &olds[j]; !taken[j] && !o.Retracted {
			o.Retracted = true
			o.Version++
			e.out = append(e.out, cloneEvent(o))
			h.note(o)
		}
	}
}

// span is the time an event covers for matching, open events reaching
// forever.
func span(ev *Event) (vessel.Time, vessel.Time) {
	start, end := ev.Start, ev.End
	if end == 0 {
		end = math.MaxInt64
	}
	if ev.Type == ZoneExit {
		if s, ok := ev.Measures["entry_time_s"]; ok {
			start = vessel.Time(math.Round(s * 1000))
		}
	}
	return start, end
}

// sameHappening reports whether two events of one vessel describe the
// same happening: same type and zone, overlapping spans.
func sameHappening(a, b *Event) bool {
	if a.Type != b.Type || a.Zone != b.Zone {
		return false
	}
	as, ae := span(a)
	bs, be := span(b)
	return as <= be && bs <= ae
}

// sameEvent reports whether two versions of an event say the same.
func sameEvent(a, b *Event) bool {
	return a.Type == b.Type && a.Start == b.Start && a.End == b.End && a.Lat == b.Lat && a.Lon == b.Lon &&
		a.Zone == b.Zone && a.Retracted == b.Retracted && a.Origin == b.Origin &&
		slices.Equal(a.Vessels, b.Vessels) && maps.Equal(a.Measures, b.Measures) && slices.Equal(a.Evidence, b.Evidence) &&
		a.Severity == b.Severity && slices.Equal(a.Reasons, b.Reasons)
}
