package fusion

import (
	"math"
	"sync"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/mmsitable"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Outcome says what a report meant for the picture, and so what the caller
// must persist.
type Outcome uint8

const (
	// Ignored: the observation is of no kind the picture knows; nothing
	// to store.
	Ignored Outcome = iota
	// Stored: a position to store, Result.Position, with the flags fusion
	// set. Flagged positions are stored too; they never become the
	// vessel's latest position.
	Stored
	// Duplicate: the same report is already stored (heard by another
	// receiver, or twice from one). Store only its provenance: the report
	// of Result.MMSI at Result.Time was also heard by Result.Source.
	Duplicate
	// Static: static data changed; Result.Changed says which fields.
	// Store the observation's Static.
	Static
	// StaticSame: static data that changed nothing (a repeat, or older
	// than what the picture holds); nothing to store.
	StaticSame
	// Station: a base station or aid to navigation report,
	// Result.Position, to store; Result.Changed says which static fields
	// of an aid to navigation changed.
	Station
)

var outcomeNames = [...]string{"ignored", "stored", "duplicate", "static", "static_same", "station"}

// String returns a short snake_case name of o ("stored", "duplicate", ...).
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "invalid"
}

// Result is what Apply decided about one observation.
type Result struct {
	Outcome Outcome
	MMSI    vessel.MMSI
	// Time is the time of the report; for Duplicate, the time of the
	// stored report it repeats.
	Time vessel.Time
	// Source is the observation's source (for Duplicate, the receiver to
	// add to the stored report's provenance).
	Source string
	// Position is the position to store, for Stored and Station, with
	// Flags set by fusion (the observation's own flags are replaced).
	Position vessel.Position
	// Changed lists the static fields that changed, for Static and
	// Station.
	Changed vessel.StaticFields
	// Swapped is set when this report made another of the vessel's
	// tracks its main one (see FlagIdentityConflict): the latest position
	// moved to it. Reports of that track stored earlier keep their flags.
	Swapped bool
	// Episode is the identity episode the report's track is in (Seq 0:
	// none), and EpisodeChange what the report did to it: the event layer
	// raises one identity event per episode from these. Position.Track is
	// the report's track.
	Episode       Episode
	EpisodeChange EpisodeChange
}

// State is a copy of the live state of one vessel.
type State struct {
	MMSI  vessel.MMSI
	Class vessel.Class
	// Flag is the flag state from the MMSI's MID; HasFlag is false when
	// the MMSI has no allocated MID.
	Flag    vessel.Country
	HasFlag bool
	// Position is the latest good (unflagged but for FlagLate) position,
	// to 1e-7 degree; Located is false when there is none yet.
	Position vessel.Position
	Located  bool
	// LastHeard is the time of the latest report of any kind, good,
	// flagged or duplicate.
	LastHeard vessel.Time
	// Static is the merged static data, StaticTimes when each field was
	// last updated.
	Static      vessel.Static
	StaticTimes vessel.FieldTimes
	// Positions counts the positions stored (good and flagged), Flagged
	// those with a bad flag, Duplicates the duplicates recognised.
	Positions, Flagged, Duplicates int
	// Conflict is set while the MMSI is in an active identity conflict:
	// another track with at least two consistent reports, heard since the
	// main track began, and either confirmed with its last report within
	// Config.ConflictWindow of LastHeard, or tentative and keeping up with
	// the main track (its last report at most twice the dedup window
	// older). Alt is that track's latest position (the most recent such
	// track's). Episode says whether the conflict is confirmed.
	Conflict bool
	Alt      vessel.Position
	// Track is the id of the main track (Position.Track), Confirmed
	// whether it is confirmed (see Config.ConfirmReports).
	Track     uint8
	Confirmed bool
	// Tracks lists every track hypothesis of the MMSI with its latest
	// position, main first, when there is more than one (nil otherwise):
	// the map draws a symbol per confirmed track of a shared identity.
	Tracks []TrackState
	// Episode is the MMSI's open or last identity episode (Seq 0: none).
	Episode Episode
}

// TrackState is one track hypothesis of an MMSI.
type TrackState struct {
	ID        uint8
	Confirmed bool
	Main      bool
	Reports   int // reports joined (saturating at 65535)
	First     vessel.Time
	Position  vessel.Position // the latest, Track set to ID
}

// StationState is a copy of the live state of a base station or aid to
// navigation.
type StationState struct {
	MMSI vessel.MMSI
	Kind vessel.Kind // KindBaseStation or KindAidToNav
	// Position is the latest good position; Located is false when there
	// is none yet.
	Position    vessel.Position
	Located     bool
	LastHeard   vessel.Time
	Static      vessel.Static // aids to navigation only
	StaticTimes vessel.FieldTimes
	Reports     int
}

// Stats counts what Apply decided, over the picture's lifetime.
type Stats struct {
	Vessels, Stations int // current sizes of the picture
	// Outcomes counts results by Outcome: Outcomes[Stored] and so on.
	Outcomes [6]uint64
	// Flags counts stored positions by flag: Flags[i] those with flag
	// 1<<i (Flags[0] FlagInvalidMMSI, ...). See Stats.Flag.
	Flags [16]uint64
	// Swaps counts tracks that became main.
	Swaps uint64
	// Episodes counts identity episodes opened; Clock reports flagged
	// FlagClock (per receiver: Picture.Receivers).
	Episodes, Clock uint64
}

// Flag returns how many stored positions had flag f (a single flag).
func (s *Stats) Flag(f vessel.Flags) uint64 {
	for i := range s.Flags {
		if f == 1<<i {
			return s.Flags[i]
		}
	}
	return 0
}

func (s *Stats) add(o *Stats) {
	for i := range s.Outcomes {
		s.Outcomes[i] += o.Outcomes[i]
	}
	for i := range s.Flags {
		s.Flags[i] += o.Flags[i]
	}
	s.Swaps += o.Swaps
	s.Episodes += o.Episodes
	s.Clock += o.Clock
}

func (s *Stats) count(r *Result) {
	s.Outcomes[r.Outcome]++
	if r.Outcome == Stored || r.Outcome == Station {
		for f := r.Position.Flags; f != 0; f &= f - 1 {
			s.Flags[trailingZeros(f)]++
		}
	}
	if r.Swapped {
		s.Swaps++
	}
	if r.EpisodeChange == EpisodeOpened {
		s.Episodes++
	}
}

func trailingZeros(f vessel.Flags) int {
	n := 0
	for f&1 == 0 {
		f >>= 1
		n++
	}
	return n
}

const nShards = 64

// shard holds the vessels and stations whose MMSI hashes to it, under one
// lock. The padding keeps neighbouring shards' locks off one cache line.
type shard struct {
	mu       sync.Mutex
	vessels  mmsitable.Table[vessel.MMSI, track] // looked up first for every report (issue 17: a map was a tenth of the pipeline's profile)
	stations map[vessel.MMSI]*station
	stats    Stats
	now      vessel.Time // the latest reading of Config.Now
	_        [64]byte
}

// station is the live state of a base station or aid to navigation.
type station struct {
	kind    vessel.Kind
	pos     vessel.Position
	located bool
	heard   vessel.Time
	static  *staticData
	reports uint32
}

// Picture is the live picture: one state per vessel, one per station. It
// is safe for concurrent use: the state is sharded by MMSI, one lock per
// shard, and Apply holds one lock for the time of one report. Reads copy.
type Picture struct {
	cfg    config
	shards [nShards]shard
	clocks clocks
}

// NewPicture returns an empty picture.
func NewPicture(cfg Config) *Picture {
	p := &Picture{cfg: cfg.resolve()}
	for i := range p.shards {
		p.shards[i].stations = make(map[vessel.MMSI]*station)
	}
	return p
}

func (p *Picture) shard(m vessel.MMSI) *shard {
	return &p.shards[(uint32(m)*0x9E3779B9)>>(32-6)]
}

// Apply fuses one observation into the picture and says what to store. It
// never drops a report: implausible positions are stored with flags. It is
// safe for concurrent use; reports of one MMSI are best applied in arrival
// order (the pipeline's MMSI sharding keeps it), though any order is
// correct.
func (p *Picture) Apply(o *vessel.Observation) Result {
	switch o.Kind {
	case vessel.KindPosition:
		return p.applyPosition(&o.Position)
	case vessel.KindStatic:
		return p.applyStatic(&o.Static)
	case vessel.KindBaseStation, vessel.KindAidToNav:
		return p.applyStation(o)
	}
	r := Result{MMSI: o.MMSI(), Time: o.Time()}
	sh := p.shard(r.MMSI)
	sh.mu.Lock()
	sh.stats.count(&r)
	sh.mu.Unlock()
	return r
}

// LandCache returns the counters of the cache of land lookups (zero
// when Config.Land is not a *geo.LandMask).
func (p *Picture) LandCache() geo.CellCacheStats {
	if p.cfg.landCache == nil {
		return geo.CellCacheStats{}
	}
	return p.cfg.landCache.Stats()
}

// onLand reports whether pt is on land and further than the margin from
// the sea. Only positions on land pay for the probes round them.
func (p *Picture) onLand(pt geo.Point) bool {
	land := p.cfg.land
	if land == nil || !land.OnLand(pt) {
		return false
	}
	if p.cfg.margin <= 0 || p.cfg.inland != nil && p.cfg.inland.inland(pt) {
		return true
	}
	for b := 0.0; b < 360; b += 45 {
		if !land.OnLand(geo.Destination(pt, b, p.cfg.margin)) {
			return false
		}
	}
	return true
}

func (p *Picture) maxSpeed(m vessel.MMSI) float64 {
	if m.Class() == vessel.ClassSARAircraft {
		return p.cfg.maxAirSpeed
	}
	return p.cfg.maxSpeed
}

// trackAlloc is a track with room for its first hypothesis in the same
// allocation: most vessels have one track, and its ring then sits next to
// the rest of the vessel's state in memory.
type trackAlloc struct {
	t track
	h [1]hyp
}

func (sh *shard) track(m vessel.MMSI) *track {
	t := sh.vessels.Get(m)
	if t == nil {
		a := &trackAlloc{t: track{primary: -1}}
		t = &a.t
		t.hyps = a.h[:0:1]
		sh.vessels.Put(m, t)
	}
	return t
}

// nullIsland reports whether pos is at 0,0: the position a GNSS receiver
// without a fix (or a transponder never configured) sends. No vessel is
// there: it is a position "not available" in disguise.
func nullIsland(pos *vessel.Position) bool {
	return math.Abs(pos.Lat) < 1e-6 && math.Abs(pos.Lon) < 1e-6
}

func (p *Picture) applyPosition(pos *vessel.Position) Result {
	r := Result{Outcome: Stored, MMSI: pos.MMSI, Time: pos.Time, Source: pos.Source, Position: *pos}
	r.Position.Track, r.Position.Episode = 0, 0
	var flags vessel.Flags
	if !pos.MMSI.Valid() {
		flags |= vessel.FlagInvalidMMSI
	}
	if !pos.HasPosition() || nullIsland(pos) {
		flags |= vessel.FlagNoPosition
	}
	speed := p.maxSpeed(pos.MMSI)

	sh := p.shard(pos.MMSI)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// The clock is read only for a report newer than the last reading
	// allows (clocks go forward): a live feed reads it about once per
	// tolerance per shard, a replay of old data once.
	if p.cfg.future >= 0 && pos.Time > sh.now+p.cfg.future {
		sh.now = max(sh.now, vessel.TimeOf(p.cfg.now()))
		if pos.Time > sh.now+p.cfg.future {
			flags |= vessel.FlagFuture
		}
	}
	t := sh.track(pos.MMSI)

	if flags&(vessel.FlagNoPosition|vessel.FlagFuture) == vessel.FlagNoPosition {
		t.heard = max(t.heard, pos.Time)
	}
	if flags&vessel.FlagNoPosition != 0 {
		t.positions++
		t.flagged++
		r.Position.Flags = flags
		sh.stats.count(&r)
		return r
	}
	e := entryOf(pos)
	if k, ok := t.duplicate(&e, p.cfg.dedup); ok {
		t.dups++
		r = Result{Outcome: Duplicate, MMSI: pos.MMSI, Time: k.t, Source: pos.Source}
		sh.stats.count(&r)
		return r
	}
	// after the duplicates: a report heard again pays no land lookup
	if p.onLand(geo.Point{Lat: pos.Lat, Lon: pos.Lon}) {
		flags |= vessel.FlagOnLand
	}
	if flags&vessel.FlagFuture == 0 && pos.Source != "" && p.clockFault(t, &e, speed, pos.Source, pos.MMSI) {
		flags |= vessel.FlagClock
		sh.stats.Clock++
	}
	if flags&(vessel.FlagFuture|vessel.FlagClock) == 0 {
		t.heard = max(t.heard, pos.Time)
		flags |= p.assign(t, &e, speed, &r, pos.Source)
	}
	e.flags = uint8(flags)
	t.positions++
	if flags&vessel.Bad != 0 {
		t.flagged++
		if flags&(vessel.FlagTeleport|vessel.FlagIdentityConflict) == 0 {
			// Not in any track: kept for dedup only.
			t.addBad(e)
		}
	}
	r.Position.Flags = flags
	sh.stats.count(&r)
	return r
}

// fit says how well e fits between prev and next (either nil): the larger
// of the distances to them over what the vessel could cover, at most 1
// when both are reachable.
func (p *Picture) fit(prev, e, next *entry, speed float64) (float64, bool) {
	worst := 0.0
	for _, n := range [2]*entry{prev, next} {
		if n == nil {
			continue
		}
		lim := p.cfg.slack + speed*float64(absT(n.t-e.t))
		d := geo.Distance(n.point(), e.point())
		if d > lim {
			return 0, false
		}
		if lim > 0 {
			worst = max(worst, d/lim)
		}
	}
	return worst, true
}

// assign puts e, a position with no bad flag yet, into the track
// hypothesis of t that can reach it, or a new tentative one, and returns
// the flags it earns; r gets the track id, swap and episode. The caller
// holds the shard's lock.
func (p *Picture) assign(t *track, e *entry, speed float64, r *Result, src string) vessel.Flags {
	p.prune(t, e.t, r)
	best, bestScore, bestConfirmed := -1, 0.0, false
	for i := range t.hyps {
		h := &t.hyps[i]
		prev, next := h.neighbours(e)
		score, ok := p.fit(prev, e, next, speed)
		if !ok {
			continue
		}
		if best < 0 || h.confirmed && !bestConfirmed || h.confirmed == bestConfirmed && score < bestScore {
			best, bestScore, bestConfirmed = i, score, h.confirmed
		}
	}
	var flags vessel.Flags
	if best < 0 {
		// Reachable from no track: a new, tentative one.
		if len(t.hyps) > 0 {
			flags = vessel.FlagTeleport
			if last, ok := t.latest(); ok && e.t < last.t {
				flags |= vessel.FlagLate
			}
		}
		best = p.newHyp(t, e, src)
		if t.primary < 0 {
			t.primary = int8(best)
		}
	} else {
		h := &t.hyps[best]
		if e.t < h.latest().t {
			flags |= vessel.FlagLate
		} else {
			h.src = src
		}
		h.addGood(*e)
		h.first = min(h.first, e.t)
		if h.n < math.MaxUint16 {
			h.n++
		}
		if !h.confirmed && h.n >= p.cfg.confirmN && h.latest().t-h.first >= p.cfg.confirmSpan {
			h.confirmed = true
		}
	}
	h := &t.hyps[best]
	// A track takes over with its newest report, so that the latest
	// state is never a report stored flagged.
	if best != int(t.primary) && e.t >= h.latest().t && p.better(h, t.main()) {
		t.primary = int8(best)
		r.Swapped = true
		flags &^= vessel.FlagTeleport
	}
	if best != int(t.primary) {
		if flags&vessel.FlagTeleport == 0 {
			flags |= vessel.FlagIdentityConflict
		}
	} else {
		flags &^= vessel.FlagIdentityConflict
	}
	r.Position.Track = h.id
	if h.confirmed && len(t.hyps) > 1 {
		p.episode(t, h, e.t, r.MMSI, r)
	}
	if t.ep != nil && t.ep.Open && t.ep.has(h.id) {
		r.Episode = t.ep.export()
		r.Position.Episode = t.ep.Seq
	}
	return flags
}

// better reports whether h should be the main track instead of cur.
func (p *Picture) better(h, cur *hyp) bool {
	if cur == nil {
		return true
	}
	if h.confirmed != cur.confirmed {
		return h.confirmed
	}
	wh, wc := p.cfg.weigh(h.src), p.cfg.weigh(cur.src)
	if wh < wc {
		return false // a lighter source's track never displaces a heavier one's
	}
	hl, cl := h.latest().t, cur.latest().t
	if h.confirmed {
		// Both confirmed: the main track has fallen silent while h goes on.
		return hl-cl >= p.cfg.confirmSpan
	}
	// Both tentative (a vessel's first minutes): h has shown itself
	// consistent (two reports against a main track of one, else three),
	// and is heavier, or the main track has been silent since h began and
	// has no more reports than h (a burst of bad fixes in a vessel's first
	// minutes does not take over).
	need := min(uint16(3), p.cfg.confirmN)
	if cur.n <= 1 {
		need = 2
	}
	return h.n >= need && (wh > wc || cl < h.first && h.n >= cur.n)
}

// newHyp adds a tentative hypothesis with e as its first report and
// returns its index. When t has MaxTracks, the stalest tentative one
// (else the stalest one that is not the main one) is replaced.
func (p *Picture) newHyp(t *track, e *entry, src string) int {
	t.nextID++
	if t.nextID == 0 {
		t.nextID = 1
	}
	h := hyp{src: src, first: e.t, n: 1, id: t.nextID}
	h.addGood(*e)
	if len(t.hyps) < p.cfg.maxTracks {
		t.hyps = append(t.hyps, h)
		return len(t.hyps) - 1
	}
	victim := -1
	for pass := range 2 {
		for i := range t.hyps {
			g := &t.hyps[i]
			if i == int(t.primary) || pass == 0 && g.confirmed {
				continue
			}
			if victim < 0 || g.latest().t < t.hyps[victim].latest().t {
				victim = i
			}
		}
		if victim >= 0 {
			break
		}
	}
	t.hyps[victim] = h
	return victim
}

// prune forgets the tracks other than the main one that have been silent
// for the conflict window at time now, and ends an episode left with
// fewer than two tracks.
func (p *Picture) prune(t *track, now vessel.Time, r *Result) {
	if len(t.hyps) < 2 {
		return
	}
	keep := t.hyps[:0]
	primary := t.primary
	var gone vessel.Time // the last report of a forgotten track of the episode
	for i := range t.hyps {
		h := t.hyps[i]
		// A tentative track must be confirmed by reports that follow
		// each other: one silent for twice the confirmation span is
		// forgotten, or it would gather unrelated bad fixes over hours.
		window := p.cfg.conflictWindow
		if !h.confirmed {
			window = min(window, 2*p.cfg.confirmSpan)
		}
		if i != int(t.primary) && now-h.latest().t > window {
			if i < int(t.primary) {
				primary--
			}
			if t.ep != nil && t.ep.Open && t.ep.has(h.id) {
				gone = max(gone, h.latest().t)
			}
			continue
		}
		keep = append(keep, h)
	}
	clear(t.hyps[len(keep):])
	t.hyps, t.primary = keep, primary
	if t.ep == nil || !t.ep.Open {
		return
	}
	n := 0
	for i := range t.hyps {
		if t.hyps[i].confirmed && t.ep.has(t.hyps[i].id) {
			n++
		}
	}
	if n < 2 {
		t.ep.Open = false
		if gone != 0 {
			t.ep.End = gone
		}
		r.EpisodeChange = EpisodeClosed
		r.Episode = t.ep.export()
	}
}
