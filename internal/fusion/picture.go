package fusion

import (
	"sync"

	"github.com/tidewatch/tidewatch/internal/geo"
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
	// Swapped is set when this report made the vessel's second track its
	// main one (see FlagIdentityConflict): the latest position moved to
	// it. Reports of the second track stored earlier keep their flags.
	Swapped bool
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
	// Conflict is set while the MMSI is in an active identity conflict: a
	// second track with at least two consistent reports, the last within
	// Config.ConflictWindow of LastHeard. Alt is that track's latest
	// position.
	Conflict bool
	Alt      vessel.Position
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
	// Swaps counts second tracks that became main.
	Swaps uint64
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
	vessels  map[vessel.MMSI]*track
	stations map[vessel.MMSI]*station
	stats    Stats
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
}

// NewPicture returns an empty picture.
func NewPicture(cfg Config) *Picture {
	p := &Picture{cfg: cfg.resolve()}
	for i := range p.shards {
		p.shards[i].vessels = make(map[vessel.MMSI]*track)
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

// onLand reports whether pt is on land and further than the margin from
// the sea. Only positions on land pay for the probes round them.
func (p *Picture) onLand(pt geo.Point) bool {
	land := p.cfg.land
	if land == nil || !land.OnLand(pt) {
		return false
	}
	if p.cfg.margin <= 0 {
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

// reachable reports whether one vessel can be at a and at b.
func (p *Picture) reachable(a, b *entry, speed float64) bool {
	dt := float64(absT(a.t - b.t))
	return geo.Distance(a.point(), b.point()) <= p.cfg.slack+speed*dt
}

func (sh *shard) track(m vessel.MMSI) *track {
	t := sh.vessels[m]
	if t == nil {
		t = new(track)
		sh.vessels[m] = t
	}
	return t
}

func (p *Picture) applyPosition(pos *vessel.Position) Result {
	r := Result{Outcome: Stored, MMSI: pos.MMSI, Time: pos.Time, Source: pos.Source, Position: *pos}
	var flags vessel.Flags
	if !pos.MMSI.Valid() {
		flags |= vessel.FlagInvalidMMSI
	}
	if !pos.HasPosition() {
		flags |= vessel.FlagNoPosition
	} else if p.onLand(geo.Point{Lat: pos.Lat, Lon: pos.Lon}) {
		flags |= vessel.FlagOnLand
	}
	speed := p.maxSpeed(pos.MMSI)

	sh := p.shard(pos.MMSI)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	t := sh.track(pos.MMSI)
	t.heard = max(t.heard, pos.Time)

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
	if last, ok := t.latest(); ok && e.t < last.t {
		flags |= vessel.FlagLate
	}
	if flags&vessel.Bad == 0 {
		flags |= p.plausibility(t, &e, speed, &r, pos.Source)
		if r.Swapped {
			// Lateness is now relative to the new main track.
			flags &^= vessel.FlagLate
			if last, _ := t.latest(); e.t < last.t {
				flags |= vessel.FlagLate
			}
		}
	}
	e.flags = uint8(flags)
	t.positions++
	if flags&vessel.Bad != 0 {
		t.flagged++
		t.addBad(e)
	} else if !r.Swapped {
		if flags&vessel.FlagLate == 0 {
			t.src = pos.Source
		}
		t.addGood(e)
	}
	r.Position.Flags = flags
	sh.stats.count(&r)
	return r
}

// plausibility checks e, a position with no bad flag yet, against the
// vessel's main and second tracks and returns the flags it earns. It
// updates the tracks; on a swap it makes e the latest and sets r.Swapped.
func (p *Picture) plausibility(t *track, e *entry, speed float64, r *Result, src string) vessel.Flags {
	prev, next := t.neighbours(e)
	if (prev == nil || p.reachable(prev, e, speed)) && (next == nil || p.reachable(e, next, speed)) {
		if t.mainN < 255 {
			t.mainN++
		}
		return 0
	}
	// Impossible from the main track. Does the second track explain it?
	if t.altN > 0 && absT(e.t-t.alt.t) <= p.cfg.conflictWindow && p.reachable(&t.alt, e, speed) {
		prevAlt := t.alt
		if t.altN < 255 {
			t.altN++
		}
		if e.t >= t.alt.t {
			t.alt, t.altSrc = *e, src
		}
		last, _ := t.latest()
		unconfirmed := t.mainN <= 1
		// A lighter source's track never displaces a heavier one's.
		heavy := p.cfg.weigh(src) >= p.cfg.weigh(t.src)
		if heavy && (unconfirmed || t.altN >= swapAfter && last.t < t.altFirst) {
			p.swap(t, e, &prevAlt, r)
			return 0
		}
		return vessel.FlagIdentityConflict
	}
	// An isolated jump: start a second track at it, unless an active
	// conflict holds the slot.
	if t.altN < 2 || absT(e.t-t.alt.t) > p.cfg.conflictWindow {
		t.alt, t.altN, t.altFirst, t.altSrc = *e, 1, e.t, src
	}
	return vessel.FlagTeleport
}

// swap makes the second track the main one, with e (its newest report)
// the latest position; the old main track's latest becomes the second
// track, so that if its transmitter is heard again the conflict shows.
func (p *Picture) swap(t *track, e, prevAlt *entry, r *Result) {
	old, _ := t.latest()
	oldE := *old
	t.good = [ringGood]entry{}
	t.ngood = 0
	if prevAlt.t != e.t {
		a := *prevAlt
		a.flags = 0
		t.addGood(a)
	}
	e.flags = 0
	t.addGood(*e)
	oldSrc := t.src
	t.src = r.Source
	t.mainN = t.altN
	t.alt, t.altN, t.altFirst, t.altSrc = oldE, 1, oldE.t, oldSrc
	r.Swapped = true
}
