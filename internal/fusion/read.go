package fusion

import (
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func (p *Picture) applyStatic(s *vessel.Static) Result {
	r := Result{Outcome: StaticSame, MMSI: s.MMSI, Time: s.Time, Source: s.Source}
	sh := p.shard(s.MMSI)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t := sh.track(s.MMSI)
	t.heard = max(t.heard, s.Time)
	if t.static == nil {
		t.static = new(staticData)
	}
	if r.Changed = mergeStatic(t.static, s); r.Changed != 0 {
		r.Outcome = Static
	}
	sh.stats.count(&r)
	return r
}

// mergeStatic merges s into d and returns the fields that changed value or
// became known.
func mergeStatic(d *staticData, s *vessel.Static) vessel.StaticFields {
	had := d.s.Has
	changed := d.s.Merge(s, &d.times)
	return changed | d.s.Has&^had
}

func (p *Picture) applyStation(o *vessel.Observation) Result {
	pos := &o.Position
	r := Result{Outcome: Station, MMSI: pos.MMSI, Time: pos.Time, Source: pos.Source, Position: *pos}
	var flags vessel.Flags
	if !pos.MMSI.Valid() {
		flags |= vessel.FlagInvalidMMSI
	}
	if !pos.HasPosition() {
		flags |= vessel.FlagNoPosition
	}
	sh := p.shard(pos.MMSI)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	st := sh.stations[pos.MMSI]
	if st == nil {
		st = &station{kind: o.Kind}
		sh.stations[pos.MMSI] = st
	}
	st.kind = o.Kind
	st.heard = max(st.heard, pos.Time)
	if o.Kind == vessel.KindAidToNav && o.Static.Has != 0 {
		if st.static == nil {
			st.static = new(staticData)
		}
		r.Changed = mergeStatic(st.static, &o.Static)
	}
	if flags == 0 && st.located {
		e, last := entryOf(pos), entryOf(&st.pos)
		if absT(e.t-last.t) <= p.cfg.dedup && samePlace(&e, &last) && r.Changed == 0 {
			r = Result{Outcome: Duplicate, MMSI: pos.MMSI, Time: st.pos.Time, Source: pos.Source}
			sh.stats.count(&r)
			return r
		}
		if pos.Time < st.pos.Time {
			flags |= vessel.FlagLate
		}
	}
	st.reports++
	if flags&(vessel.Bad|vessel.FlagLate) == 0 {
		st.pos, st.located = *pos, true
		st.pos.Flags = 0
	}
	r.Position.Flags = flags
	sh.stats.count(&r)
	return r
}

// Seed restores a vessel or station from the store, for a server that
// restarts: pos is a stored position (ignored unless it has a position and
// no bad flag), st the stored static data and times the time each of its
// fields was last updated. Call it once per vessel with its latest
// position, or once per position with its last few, oldest first, to
// rebuild the ring the late and duplicate checks use. MMSIs of coast
// stations and aids to navigation go to the stations. Seed trusts what it
// is given: no check, no flag, no counter.
func (p *Picture) Seed(pos vessel.Position, st vessel.Static, times vessel.FieldTimes) {
	m := pos.MMSI
	if m == 0 {
		m = st.MMSI
	}
	good := pos.HasPosition() && pos.Flags&vessel.Bad == 0
	sh := p.shard(m)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var heard vessel.Time
	if good {
		heard = pos.Time
	}
	var sd **staticData
	switch c := m.Class(); c {
	case vessel.ClassCoast, vessel.ClassAidToNav:
		s := sh.stations[m]
		if s == nil {
			s = &station{kind: vessel.KindBaseStation}
			if c == vessel.ClassAidToNav {
				s.kind = vessel.KindAidToNav
			}
			sh.stations[m] = s
		}
		if good && (!s.located || pos.Time >= s.pos.Time) {
			s.pos, s.located = pos, true
			s.pos.Flags = 0
		}
		s.heard = max(s.heard, heard)
		sd = &s.static
	default:
		t := sh.track(m)
		if good {
			e := entryOf(&pos)
			h := t.main()
			if h == nil {
				t.nextID++
				t.hyps = append(t.hyps, hyp{first: e.t, id: t.nextID})
				t.primary = int8(len(t.hyps) - 1)
				h = t.main()
			}
			if h.ngood == 0 || e.t >= h.latest().t {
				h.src = pos.Source
			}
			h.addGood(e)
			h.first = min(h.first, e.t)
			if h.n < math.MaxUint16 {
				h.n++
			}
			// The store's positions are trusted: another track must
			// earn its place (see Config.ConfirmReports).
			h.confirmed = true
		}
		t.heard = max(t.heard, heard)
		sd = &t.static
	}
	if st.Has == 0 {
		return
	}
	if *sd == nil {
		*sd = new(staticData)
	}
	for i := range len(times) {
		f := vessel.StaticFields(1 << i)
		if st.Has&f == 0 {
			continue
		}
		u := st
		u.Has, u.Time = f, times[i]
		(*sd).s.Merge(&u, &(*sd).times)
	}
}

// Vessel returns a copy of the state of the vessel m.
func (p *Picture) Vessel(m vessel.MMSI) (State, bool) {
	sh := p.shard(m)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t := sh.vessels.Get(m)
	if t == nil {
		return State{}, false
	}
	return p.state(m, t), true
}

// state copies t; the caller holds its shard's lock.
func (p *Picture) state(m vessel.MMSI, t *track) State {
	s := State{
		MMSI:       m,
		Class:      m.Class(),
		LastHeard:  t.heard,
		Positions:  int(t.positions),
		Flagged:    int(t.flagged),
		Duplicates: int(t.dups),
	}
	s.Flag, s.HasFlag = m.Flag()
	if h := t.main(); h != nil {
		s.Position, s.Located = h.latest().position(m, h.src), true
		s.Position.Track, s.Track, s.Confirmed = h.id, h.id, h.confirmed
	}
	if t.static != nil {
		s.Static, s.StaticTimes = t.static.s, t.static.times
	}
	if len(t.hyps) > 1 {
		s.Tracks = make([]TrackState, 0, len(t.hyps))
		for _, i := range t.order() {
			h := &t.hyps[i]
			ts := TrackState{ID: h.id, Confirmed: h.confirmed, Main: i == int(t.primary), Reports: int(h.n), First: h.first}
			ts.Position = h.latest().position(m, h.src)
			ts.Position.Track = h.id
			s.Tracks = append(s.Tracks, ts)
			// A track silent since before the main one began is no
			// second transmitter (yet); a tentative one counts only
			// while it keeps up with the main one (a burst of bad fixes
			// that has stopped is no conflict).
			main := &t.hyps[t.primary]
			concurrent := h.latest().t >= main.first
			active := t.heard-h.latest().t <= p.cfg.conflictWindow
			if !h.confirmed {
				active = h.latest().t >= main.latest().t-2*p.cfg.dedup
			}
			if !ts.Main && concurrent && active && h.n >= 2 && (!s.Conflict || ts.Position.Time > s.Alt.Time) {
				s.Conflict, s.Alt = true, ts.Position
			}
		}
	}
	if t.ep != nil {
		s.Episode = *t.ep
	}
	return s
}

// Range calls f with a copy of the state of each vessel, in no particular
// order, until f returns false. Each shard is copied under its lock and f
// runs without it, so f may call the picture; the states are consistent per
// vessel, not across vessels.
func (p *Picture) Range(f func(*State) bool) {
	var buf []State
	for i := range p.shards {
		sh := &p.shards[i]
		buf = buf[:0]
		sh.mu.Lock()
		for m, t := range sh.vessels.All() {
			buf = append(buf, p.state(m, t))
		}
		sh.mu.Unlock()
		for j := range buf {
			if !f(&buf[j]) {
				return
			}
		}
	}
}

// Len returns the number of vessels in the picture (stations not counted).
func (p *Picture) Len() int {
	n := 0
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		n += sh.vessels.Len()
		sh.mu.Unlock()
	}
	return n
}

// Stations returns a copy of the state of every base station and aid to
// navigation, sorted by MMSI.
func (p *Picture) Stations() []StationState {
	var out []StationState
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		for m, st := range sh.stations {
			s := StationState{
				MMSI: m, Kind: st.kind, Position: st.pos, Located: st.located,
				LastHeard: st.heard, Reports: int(st.reports),
			}
			if st.static != nil {
				s.Static, s.StaticTimes = st.static.s, st.static.times
			}
			out = append(out, s)
		}
		sh.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b StationState) int { return int(a.MMSI) - int(b.MMSI) })
	return out
}

// Stats returns the counters of the picture.
func (p *Picture) Stats() Stats {
	var s Stats
	for i := range p.shards {
		sh := &p.shards[i]
		sh.mu.Lock()
		s.add(&sh.stats)
		s.Vessels += sh.vessels.Len()
		s.Stations += len(sh.stations)
		sh.mu.Unlock()
	}
	return s
}
