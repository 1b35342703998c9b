package event

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const (
	knot        = 1852.0 / 3600 // metres per second in a knot
	minute      = 60 * 1000     // in vessel.Time units
	speedWindow = 10 * minute   // implied speeds are measured over at least this
)

// Stats counts what an Engine has seen.
type Stats struct {
	Positions  int64            // positions given to Observe
	Ignored    int64            // flagged invalid or without a position
	Late       int64            // older than their vessel's last processed report
	OutOfOrder int64            // held back (Config.Reorder) behind a newer report: sorted, not late
	Held       int              // positions held back (Config.Reorder) now, not yet processed
	Replayed   int64            // late reports that replayed their vessel's history
	Evicted    int64            // vessels forgotten after Config.Forget of silence
	Dormant    int              // forgotten vessels kept to close their open gap
	Anchorages int              // anchorages known (Config.Anchorages and learned)
	Stoppers   int              // vessels with invalid MMSIs followed for their stops (at most 4,096)
	Vessels    int              // vessels followed
	Events     map[string]int64 // events opened, by type
}

// Engine runs every detector over a stream of positions. Batch and live
// use are the same code path: history is fed to Observe in time order and
// ended with Flush; a live feed calls Observe as reports arrive and
// Advance as time passes without them.
//
// Positions should come in roughly time order. With Config.Reorder they
// are held back that long and released in time order. A report older than
// its vessel's last processed one is late: it is counted in the coverage
// grids (activity and receivers, unless flagged vessel.Bad) and, within the vessel's history (Config.History, Config.Replay),
// replays the vessel's single-vessel detectors with the report in its
// place, publishing new versions of the events that changed, retracting
// those that no longer hold and adding new ones; older, it re-evaluates
// the gaps it falls into (splitting, shortening or retracting them, each a
// new version) and is otherwise dropped. Encounters are not replayed. See
// the package documentation, "Late data".
//
// An Engine is not safe for concurrent use; shard vessels over several
// engines only if encounters between shards do not matter.
type Engine struct {
	p       Params
	preset  string
	maxEv   int
	zones   []Zone
	zoneNum []int // stable number of each zone, for event IDs
	nextNum int   // the number the next new zone gets
	zidx    *geo.Index
	ports   *portIndex
	portCap float64
	// nearest port's distance at the first point searched in each cell
	// the vessels were in (portWithin): a cache, not state
	portNear nearCache
	// anchorages of Config.Anchorages (known from the start: port
	// visits); after LoadState, the saved engine's number
	startAnch int
	shore     *shore

	tracks vesselTable
	timers timerHeap
	clock  vessel.Time

	reorder int64
	buf     reorderBuf
	seq     uint64
	maxSeen vessel.Time

	cov   coverage
	slow  slowGrid
	pairs int

	params  map[string]map[string]float64
	scratch []int
	out     []Event
	stats   Stats
	cats    map[vessel.MMSI]vessel.Category // from ObserveStatic

	excludeCat map[vessel.Category]bool // EncounterParams.ExcludeCategories
	learnCells map[int64]*learnCell     // see learn.go
	stoppers   map[vessel.MMSI]*track   // vessels with invalid MMSIs, followed for their stops only
	learned    []Anchorage
	learnGrid  map[int64][]int32
	rxCells    map[int64]*uint64 // receivers that heard each cell, a bit per source number mod 64
	rxAlive    [64]covCell       // when each source (number mod 64) heard anyone
	rxRuns     [64]sourceRuns    // and the runs of buckets it heard (passes)

	// history of late reports; see history.go
	forget vessel.Time // Config.Forget; 0 never
	gone   map[vessel.MMSI]*remnant
	goneQ  []gone // forgotten vessels in the order they went, to expire

	histOn    bool              // histories are kept
	histAuto  bool              // they will be from the first late report (Config.Replay)
	histAge   vessel.Time       // Config.History
	histLen   int               // Config.HistoryReports
	sources   []string          // source names of history reports, by number
	sourceNum map[string]uint32 // and their numbers
	cur       *track            // the vessel whose single-vessel detectors run
	fresh     *solo             // a new vessel's state, the first checkpoint of every history (read only)
	rep       *replay           // the replay in progress, nil if none

	// one engine of several reprocessing history in parallel (see
	// Reprocess and shard.go): the detectors it runs and publishes, for
	// which vessels; nil is all of them
	split     *split
	learnOnly bool // no vessel or pair is its share (LearnAnchorages)

	inferEp bool // Config.InferEpisodes
}

// New returns an engine configured by cfg. It panics if cfg.Params is set
// and invalid (check with Params.Validate) or cfg.Preset is unknown, or if
// a zone cannot be indexed: use NewChecked to get an error instead.
func New(cfg Config) *Engine {
	e, err := NewChecked(cfg)
	if err != nil {
		panic(err)
	}
	return e
}

// NewChecked is New returning configuration errors.
func NewChecked(cfg Config) (*Engine, error) {
	e := &Engine{
		preset:  cfg.Preset,
		inferEp: cfg.InferEpisodes,
		maxEv:   cfg.MaxEvidence,
		zones:   slices.Clone(cfg.Zones),
		stats:   Stats{Events: make(map[string]int64)},
	}
	if cfg.Params != nil {
		e.p = *cfg.Params
		if e.preset == "" {
			e.preset = PresetCustom
		}
	} else {
		p, ok := Preset(cfg.Preset)
		if !ok {
			return nil, fmt.Errorf("%w: unknown preset %q", ErrConfig, cfg.Preset)
		}
		e.p = p
		if e.preset == "" {
			e.preset = PresetGFW
		}
	}
	if err := e.p.Validate(); err != nil {
		return nil, err
	}
	if e.maxEv <= 0 {
		e.maxEv = 8
	}
	idx, err := e.zoneIndex(e.zones)
	if err != nil {
		return nil, err
	}
	e.zidx = idx
	e.zoneNum = make([]int, len(e.zones))
	for i := range e.zoneNum {
		e.zoneNum[i] = i
	}
	e.nextNum = len(e.zones)
	if len(cfg.Ports) > 0 {
		e.ports = newPortIndex(cfg.Ports)
	}
	e.portCap = max(e.p.PortVisit.ExitRadius, e.p.Encounter.MinPortDistance, e.p.Loitering.MinPortDistance) + 5*km
	if cfg.Land != nil && e.p.Loitering.MinShoreDistance > 0 {
		e.shore = &shore{land: cfg.Land, limit: e.p.Loitering.MinShoreDistance, cache: make(map[int64]float32)}
	}
	e.reorder = cfg.Reorder.Milliseconds()
	e.sources = []string{""}
	switch {
	case cfg.Forget == 0:
		e.forget = 72 * 3600 * 1000
	case cfg.Forget > 0:
		e.forget = vessel.Time(cfg.Forget.Milliseconds())
	}
	if e.forget > 0 && (e.forget <= vessel.Time(e.p.MaxReportGap.ms()) || e.p.Gap.Enabled && e.forget <= vessel.Time(e.p.Gap.MinDuration.ms())) {
		return nil, fmt.Errorf("%w: forget %v must be longer than max_report_gap and gap.min_duration", ErrConfig, cfg.Forget)
	}
	if cfg.History >= 0 && cfg.Replay != ReplayOff {
		e.histOn = cfg.Replay == ReplayAlways
		e.histAuto = cfg.Replay == ReplayAuto
		e.histAge = vessel.Time(cfg.History.Milliseconds())
		if cfg.History == 0 {
			e.histAge = 6 * 3600 * 1000
		}
		e.histLen = cfg.HistoryReports
		if e.histLen <= 0 {
			e.histLen = 256
		}
		e.histLen = max(e.histLen, 2)
	}
	e.cov = newCoverage(e.p.Gap)
	e.slow = newSlowGrid(e.p.Encounter.MaxDistance)
	e.params = paramMaps(&e.p)
	e.excludeCat = make(map[vessel.Category]bool)
	for _, c := range e.p.Encounter.ExcludeCategories {
		cat, _ := vessel.ParseCategory(c)
		e.excludeCat[cat] = true
	}
	e.rxCells = make(map[int64]*uint64)
	e.learnCells = make(map[int64]*learnCell)
	e.learnGrid = make(map[int64][]int32)
	for _, a := range cfg.Anchorages {
		a.Since = 0
		i := e.addLearned(a)
		e.startAnch++
		if e.p.Anchorages.Enabled {
			row, col := e.learnKey(geo.Point{Lat: a.Lat, Lon: a.Lon})
			if e.learnCells[cellKey(row, col)] == nil {
				e.learnCells[cellKey(row, col)] = &learnCell{idx: i}
			}
		}
	}
	return e, nil
}

// Params returns the parameters the engine runs with.
func (e *Engine) Params() Params { return e.p }

// Stats returns counts of what the engine has seen.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Vessels = e.tracks.tab().Len()
	s.Dormant = len(e.gone)
	s.OutOfOrder = e.buf.outOfOrder
	s.Held = e.buf.len()
	s.Stoppers = len(e.stoppers)
	s.Events = maps.Clone(e.stats.Events)
	return s
}

// Observe feeds one position and returns the events it opened, changed
// or closed (nil if none). Flagged positions (vessel.Bad) are ignored
// except that fusion's FlagTeleport and FlagIdentityConflict feed the
// teleport and identity-conflict detectors. The returned slice is the
// caller's.
func (e *Engine) Observe(p vessel.Position) []Event {
	e.stats.Positions++
	if p.Flags&(vessel.FlagClock|vessel.FlagFuture) != 0 {
		// its time is wrong: it must not move the engine's clock, be
		// late data, or make any event
		e.stats.Ignored++
		return nil
	}
	if e.reorder <= 0 {
		e.process(&p)
	} else if p.Time < e.clock {
		e.process(&p) // later than the reorder window: late or re-evaluating
	} else {
		e.seq++
		e.buf.push(queued{p: p, seq: e.seq})
		e.maxSeen = max(e.maxSeen, p.Time)
		e.release(e.maxSeen - vessel.Time(e.reorder))
	}
	out := e.out
	e.out = nil
	return out
}

// Advance tells the engine that time has reached now with no further
// report: gaps open, loitering and encounters of silent vessels end.
// With Config.Reorder, positions held back up to now-Reorder are
// released first, and the detectors' time is now-Reorder.
func (e *Engine) Advance(now vessel.Time) []Event {
	if e.reorder > 0 {
		now -= vessel.Time(e.reorder)
		e.release(now)
	}
	e.advance(now)
	out := e.out
	e.out = nil
	return out
}

// Flush processes every position held back and advances time to now (or
// to the last position's time if later). Events still going on stay open
// (End 0): the data ended, not the event.
func (e *Engine) Flush(now vessel.Time) []Event {
	for e.buf.len() > 0 {
		q := e.buf.pop()
		e.process(&q.p)
	}
	e.advance(max(now, e.clock))
	out := e.out
	e.out = nil
	return out
}

func (e *Engine) release(upto vessel.Time) {
	for e.buf.len() > 0 && e.buf.minTime() <= upto {
		q := e.buf.pop()
		e.process(&q.p)
	}
}

// advance fires the timers due at or before now.
func (e *Engine) advance(now vessel.Time) {
	for e.timers.len() > 0 && e.timers.min().deadline <= now {
		tr := e.timers.pop()
		e.fire(tr, tr.deadline)
	}
	for len(e.goneQ) > 0 && e.goneQ[0].at+9*e.forget <= now {
		g := e.goneQ[0]
		e.goneQ = e.goneQ[1:]
		if r := e.gone[g.mmsi]; r != nil && r.at == g.at {
			delete(e.gone, g.mmsi)
		}
	}
	e.clock = max(e.clock, now)
}

// track is the state of one vessel: its single-vessel detector state
// (solo, which the history can checkpoint and replay) and the rest.
type track struct {
	mmsi vessel.MMSI
	mine bool // its gaps, zones, port visits and loitering are this engine's share (Reprocess)
	// its silences are judged here (Reprocess: its gaps are this
	// engine's share, or every engine judges every silence)
	judge bool
	// flags of the parts below, beside the MMSI so that they share its
	// word (the state format lists the fields in its own order)
	pcOK     bool // ports: pc and pd are set
	acOK     bool // anchorages: ac and ad are set
	srcOK    bool // receivers: src and srcN are set
	stopOn   bool // learning anchorages: a stop is going on
	stopDone bool // and was counted
	slowIn   bool // encounters: the vessel is in the slow grid
	solo

	// timer
	deadline vessel.Time
	heapIdx  int

	// coverage cell of the last report
	covKey  int64
	covCell *covCell

	gaps []*Event // recent closed gaps, for late reports before the history

	// ports: cached nearest distance
	pc geo.Point
	pd float64
	// anchorages known from the start (port visits): cached nearest
	// distance
	ac geo.Point
	ad float64

	// receivers: the source of the last report and its coverage cell
	src    string
	srcN   uint32
	rxKey  int64
	rxMask *uint64

	// learning anchorages: the current stop
	stopRef vessel.Position

	// encounters
	slowKey int64
	slowIdx int
	pairs   []*pair

	h history // for late reports: checkpoints and the reports since
}

// solo is the state of a vessel's single-vessel detectors: everything a
// replay of its history restores from a checkpoint.
type solo struct {
	// The flags are together, so that they share words (a vessel and
	// each of its checkpoints hold a solo): the state format lists the
	// fields in its own order (stateFormat), whatever their order here.
	has        bool
	hasPrev    bool // prev is set
	gapChecked bool // gap: the silence since last was judged
	hasAlt     bool // teleport: an alt track is followed
	idMode     bool // identity: see ids
	epDone     bool // identity: see epSeq
	inPort     bool // port visits: see visitPort
	stopped    bool // port visits: see stop
	// identity: fusion's episodes (not InferEpisodes): the latest
	// episode number seen, and whether its event has closed (epDone)
	epSeq vessel.Episode

	last vessel.Position // last good report processed in time order
	prev vessel.Position // the one before, when hasPrev
	seen vessel.Time     // time of the newest report processed, good or not

	// speed
	ref     vessel.Position // start of the implied-speed window
	implied float64         // knots, -1 unknown

	// gap
	gapNext vessel.Time // a sparse vessel's silence is judged again then
	openGap *Event
	heard   covCell     // the buckets (of the coverage grid) in which it was heard
	first   vessel.Time // its first report
	passT   passes      // starts of its latest reception runs, a ring of up to passRing
	passN   int         // runs recorded

	// gap: a silence judged uncovered (gap.go, gapUncovered), by the
	// time of the report it follows: judged once (re-judgeable), and for
	// good
	gapUncov, gapFinal vessel.Time
	// gap: a silence whose judgment waits for its receiver's reports
	// (gap.go, gapPending), by the time of the report it follows
	gapWait vessel.Time

	// teleport and identity conflict
	alt       vessel.Position
	altN      int
	mainSince int
	jump      *Event // the teleport that started the alt track
	conflict  *Event
	// reports fusion numbered (identity.go): its tracks, the teleports
	// they may retract, and whether conflict is the tracks' episode
	// (idMode)
	ids   []idTrack
	jumps []pendingJump

	// zones
	zones  []int32
	zoneEv []*Event

	// port visits
	visitPort int
	entry     vessel.Position
	stop      vessel.Position
	visit     *Event

	loit loiterRun
}

func newSolo() solo { return solo{implied: -1} }

func (e *Engine) trackOf(m vessel.MMSI) *track {
	tr := e.tracks.tab().Get(m)
	if tr == nil {
		tr = &track{mmsi: m, heapIdx: -1, solo: newSolo(), mine: e.ownsVessel(m), judge: e.judgesGaps(m)}
		e.tracks.tab().Put(m, tr)
		if r := e.gone[m]; r != nil { // back after being forgotten
			delete(e.gone, m)
			tr.has, tr.last, tr.seen = true, r.last, r.last.Time
			tr.openGap, tr.gapChecked = r.gap, true
		}
	}
	return tr
}

// process runs one position through the detectors.
func (e *Engine) process(p *vessel.Position) {
	e.advance(p.Time)
	if !p.HasPosition() || p.Flags&(vessel.FlagInvalidMMSI|vessel.FlagNoPosition) != 0 {
		e.stats.Ignored++
		if p.Flags&vessel.FlagInvalidMMSI != 0 && p.HasPosition() && p.Flags&vessel.Bad == 0 {
			e.learnInvalid(p)
		}
		return
	}
	tr := e.trackOf(p.MMSI)
	if tr.has && (p.Time < tr.last.Time || e.histOn && p.Time < tr.seen) {
		e.stats.Late++
		if p.Flags&vessel.Bad == 0 {
			// both grids, as a report in time order fills them
			e.cov.add(p, nil)
			e.rxAdd(nil, p)
		}
		if !e.histOn && e.histAuto {
			e.histOn = true // Config.Replay: from now on
		}
		if e.histOn && e.replayLate(tr, p) {
			return
		}
		e.lateGap(tr, p)
		return
	}
	if tr.has && p.Time == tr.last.Time && p.Lat == tr.last.Lat && p.Lon == tr.last.Lon {
		return // a duplicate
	}
	if p.Flags&vessel.Bad == 0 {
		tr.covCell, tr.covKey = e.cov.add(p, tr)
		e.rxAdd(tr, p)
	}
	if e.histOn {
		e.record(tr, p)
	}
	e.cur = tr
	pt, speed, ok := e.single(tr, p)
	e.cur = nil
	if ok {
		e.encounterOnReport(tr, p, pt, speed)
		e.learnOnReport(tr, p, pt, speed)
	}
	if e.histOn {
		e.checkpoint(tr, p)
	}
	e.schedule(tr)
}

// single runs a report through the single-vessel detectors, and reports
// whether it was plausible (then it is the vessel's last report).
func (e *Engine) single(tr *track, p *vessel.Position) (geo.Point, float64, bool) {
	tr.seen = max(tr.seen, p.Time)
	if !e.plausible(tr, p) {
		return geo.Point{}, 0, false
	}
	speed := e.speedOf(tr, p)
	if tr.has && tr.judge {
		e.gapOnReport(tr, p)
	}
	pt := geo.Point{Lat: p.Lat, Lon: p.Lon}
	if tr.mine {
		// nothing else reads their state: another shard's vessel skips them
		e.zonesOnReport(tr, p, pt)
		e.portOnReport(tr, p, pt, speed)
		e.loiterOnReport(tr, p, pt, speed)
	}
	if tr.has {
		tr.prev, tr.hasPrev = tr.last, true
	}
	e.receptionOnReport(tr, p)
	tr.last, tr.has = *p, true
	tr.gapChecked, tr.gapNext = false, 0
	return pt, speed, true
}

// speedOf returns the vessel's speed in knots at p: its SOG, else the
// speed implied by its movement over at least ten minutes, else -1.
func (e *Engine) speedOf(tr *track, p *vessel.Position) float64 {
	if tr.ref.Time == 0 || p.Time < tr.ref.Time {
		tr.ref = *p
	} else if dt := p.Time - tr.ref.Time; dt >= speedWindow {
		d := geo.Distance(geo.Point{Lat: tr.ref.Lat, Lon: tr.ref.Lon}, geo.Point{Lat: p.Lat, Lon: p.Lon})
		tr.implied = d / (float64(dt) / 1000) / knot
		tr.ref = *p
	}
	if v, ok := p.SOG.Knots(); ok {
		return v
	}
	return tr.implied
}

// schedule makes sure the vessel's timer is queued when something about
// it is pending: the gap check, or an activity to end on silence.
//
// A vessel waiting in the heap keeps its deadline while it reports (the
// timer fires early, finds nothing due and is set again), unless the new
// deadline is earlier (an activity began that silence would end): then
// it moves up. So every timer fires exactly when what it waits for is
// due, which makes detection a function of the vessel's own reports and
// lets a replay of its history (history.go) fire timers at the same
// times.
func (e *Engine) schedule(tr *track) {
	if !tr.has || e.rep != nil {
		return
	}
	d := e.nextDeadline(tr)
	if d <= 0 {
		return
	}
	if tr.heapIdx >= 0 {
		if d < tr.deadline {
			tr.deadline = d
			e.timers.fix(tr.heapIdx)
		}
		return
	}
	tr.deadline = d
	e.timers.push(tr)
}

func (e *Engine) nextDeadline(tr *track) vessel.Time {
	var d vessel.Time
	if e.forget > 0 && e.rep == nil {
		d = tr.seen + e.forget
	}
	if e.p.Gap.Enabled && tr.judge && !tr.gapChecked {
		if g := e.gapDeadline(tr); d == 0 || g < d {
			d = g
		}
	}
	if tr.loit.active || len(tr.pairs) > 0 || tr.hasAlt {
		a := tr.last.Time + vessel.Time(e.p.MaxReportGap.ms())
		if tr.hasAlt {
			a = max(a, tr.alt.Time+vessel.Time(e.p.MaxReportGap.ms()))
		}
		if d == 0 || a < d {
			d = a
		}
	}
	if a := e.identityDeadline(tr); a != 0 && (d == 0 || a < d) {
		d = a
	}
	return d
}

// fire handles a vessel's timer at time now.
func (e *Engine) fire(tr *track, now vessel.Time) {
	gapMs := vessel.Time(e.p.MaxReportGap.ms())
	if now >= tr.last.Time+gapMs {
		for len(tr.pairs) > 0 {
			e.closePair(tr.pairs[0])
		}
	}
	e.cur = tr
	e.fireSingle(tr, now)
	e.cur = nil
	if e.forget > 0 && now >= tr.seen+e.forget {
		e.evict(tr)
		return
	}
	e.schedule(tr)
}

// fireSingle is the single-vessel part of a timer at time now.
func (e *Engine) fireSingle(tr *track, now vessel.Time) {
	gapMs := vessel.Time(e.p.MaxReportGap.ms())
	if now >= tr.last.Time+gapMs {
		e.endLoiter(tr)
	}
	if tr.hasAlt && now >= max(tr.alt.Time, tr.last.Time)+gapMs {
		e.dropAlt(tr)
	}
	if tr.idMode && now >= e.identityDeadline(tr) {
		e.identityExpire(tr, now)
	}
	if e.p.Gap.Enabled && tr.judge && !tr.gapChecked && now >= e.gapDeadline(tr) {
		tr.gapChecked = true
		e.gapOpen(tr, now)
	}
}

func (e *Engine) newEvent(typ string, a, b vessel.MMSI, zone int, start vessel.Time, at vessel.Position) *Event {
	vs := []vessel.MMSI{a}
	if b != 0 {
		if b < a {
			a, b = b, a
		}
		vs = []vessel.MMSI{a, b}
	}
	if e.rep == nil && e.publishes(typ, a, b) {
		e.stats.Events[typ]++
	}
	return &Event{
		ID: eventID(typ, a, b, zone, start), Type: typ, Start: start,
		Lat: at.Lat, Lon: at.Lon, Vessels: vs, Preset: e.preset,
		Params: e.params[typ], Measures: make(map[string]float64),
	}
}

// evidence adds a report to an event's evidence, keeping the first
// MaxEvidence-1 and the latest.
func (e *Engine) evidence(ev *Event, ps ...vessel.Position) {
	for _, p := range ps {
		if len(ev.Evidence) > 0 && ev.Evidence[len(ev.Evidence)-1].Time == p.Time && ev.Evidence[len(ev.Evidence)-1].MMSI == p.MMSI {
			continue
		}
		if len(ev.Evidence) < e.maxEv {
			ev.Evidence = append(ev.Evidence, p)
		} else {
			ev.Evidence[len(ev.Evidence)-1] = p
		}
	}
}

// emit publishes a new version of ev. In a replay it only notes that
// the replay emitted ev; the reconciliation publishes what changed.
func (e *Engine) emit(ev *Event) {
	ev.Version++
	describe(ev)
	if (e.split != nil || e.learnOnly) && !e.publishesEvent(ev) {
		return // another worker's (Reprocess)
	}
	if e.rep != nil {
		e.rep.emitted(ev)
		return
	}
	c := cloneEvent(ev)
	if e.cur != nil && e.histOn && ev.Type != Encounter {
		e.cur.h.note(ev)
	}
	e.out = append(e.out, c)
}

// cloneEvent copies an event with its own Evidence and Measures.
func cloneEvent(ev *Event) Event {
	c := *ev
	c.Evidence = slices.Clone(ev.Evidence)
	c.Measures = maps.Clone(ev.Measures)
	c.Reasons = slices.Clone(ev.Reasons)
	return c
}

// paramMaps builds the Params maps events carry, once per engine.
func paramMaps(p *Params) map[string]map[string]float64 {
	s := func(d Duration) float64 { return float64(d.ms()) / 1000 }
	tp := map[string]float64{"max_speed_kn": p.Teleport.MaxSpeed, "slack_m": p.Teleport.Slack}
	zone := map[string]float64{}
	return map[string]map[string]float64{
		Gap: {"min_duration_s": s(p.Gap.MinDuration), "coverage_radius_m": p.Gap.CoverageRadius,
			"coverage_cell_deg": p.Gap.CoverageCell, "coverage_min_fraction": p.Gap.CoverageMinFraction},
		Encounter: {"max_distance_m": p.Encounter.MaxDistance, "min_duration_s": s(p.Encounter.MinDuration),
			"max_median_speed_kn": p.Encounter.MaxMedianSpeed, "min_port_distance_m": p.Encounter.MinPortDistance,
			"max_extrapolation_s": s(p.Encounter.MaxExtrapolation), "max_outliers": float64(p.Encounter.MaxOutliers)},
		Loitering: {"max_speed_kn": p.Loitering.MaxSpeed, "min_duration_s": s(p.Loitering.MinDuration),
			"min_shore_distance_m": p.Loitering.MinShoreDistance, "min_port_distance_m": p.Loitering.MinPortDistance},
		ZoneEntry:        zone,
		ZoneExit:         zone,
		Teleport:         tp,
		IdentityConflict: {"max_speed_kn": p.Teleport.MaxSpeed, "slack_m": p.Teleport.Slack, "min_reports": float64(p.Identity.MinReports)},
		PortVisit: {"entry_radius_m": p.PortVisit.EntryRadius, "exit_radius_m": p.PortVisit.ExitRadius,
			"max_stop_speed_kn": p.PortVisit.MaxStopSpeed, "min_duration_s": s(p.PortVisit.MinDuration)},
	}
}

// fastDistance is an equirectangular upper estimate of the distance
// between nearby points, for cache bounds.
func fastDistance(a, b geo.Point) float64 {
	dlon := geo.NormalizeLon(b.Lon - a.Lon)
	x := dlon * math.Cos((a.Lat+b.Lat)/2*math.Pi/180)
	y := b.Lat - a.Lat
	return math.Sqrt(x*x+y*y)*(math.Pi/180*geo.EarthRadius)*1.01 + 1
}

// portWithin reports whether a port or anchorage is within r metres of pt,
// from the vessel's cached nearest distance when that decides it.
func (e *Engine) portWithin(tr *track, pt geo.Point, r float64) bool {
	if e.ports == nil {
		return false
	}
	if tr.pcOK {
		d := fastDistance(tr.pc, pt)
		if tr.pd+d <= r {
			return true
		}
		if tr.pd-d > r {
			return false
		}
	}
	// the distance measured at the first point searched in pt's cell
	// decides it as the vessel's own does: a vessel new here, or moved
	// far, often needs no search
	if c, cd, ok := e.portNear.get(pt); ok {
		d := fastDistance(c, pt)
		if cd+d <= r {
			return true
		}
		if cd-d > r {
			return false
		}
	}
	_, tr.pd = e.ports.nearest(pt, e.portCap)
	tr.pc, tr.pcOK = pt, true
	e.portNear.put(pt, tr.pd)
	return tr.pd <= r
}

// nearestPort returns the nearest port within r of pt: its index (-1 when
// none) and distance.
func (e *Engine) nearestPort(pt geo.Point, r float64) (int, float64) {
	if e.ports == nil {
		return -1, r
	}
	return e.ports.nearest(pt, r)
}

func (e *Engine) portName(i int) string {
	if i < 0 {
		return ""
	}
	return e.ports.ports[i].Name
}

func posPoint(p *vessel.Position) geo.Point { return geo.Point{Lat: p.Lat, Lon: p.Lon} }

// remnant is what the engine keeps of a forgotten vessel with an open
// gap: enough to close the gap when it reports again.
type remnant struct {
	last vessel.Position
	gap  *Event
	at   vessel.Time // when it was forgotten
}

// gone is a forgotten vessel in the expiry queue.
type gone struct {
	mmsi vessel.MMSI
	at   vessel.Time // when it was forgotten
}

// evict forgets a vessel silent for Config.Forget, ending what silence
// leaves open (see Config.Forget).
func (e *Engine) evict(tr *track) {
	e.cur = tr
	e.endLoiter(tr)
	e.dropAlt(tr)
	if tr.idMode {
		e.identityExpire(tr, math.MaxInt64) // its tracks all fell silent
	}
	for k, z := range tr.zoneEv {
		e.zoneClose(tr, int(tr.zones[k]), z, tr.last.Time, "vessel_forgotten")
	}
	tr.zones, tr.zoneEv = nil, nil
	if ev := tr.visit; ev != nil {
		ev.End = tr.last.Time
		ev.Measures["duration_s"] = float64(ev.End-ev.Start) / 1000
		ev.Measures["vessel_forgotten"] = 1
		e.emit(ev)
		tr.visit = nil
	}
	e.cur = nil
	for len(tr.pairs) > 0 {
		e.closePair(tr.pairs[0])
	}
	e.slow.remove(tr)
	if tr.heapIdx >= 0 {
		e.timers.remove(tr.heapIdx)
	}
	e.tracks.tab().Delete(tr.mmsi)
	e.stats.Evicted++
	if tr.openGap != nil {
		if e.gone == nil {
			e.gone = make(map[vessel.MMSI]*remnant)
		}
		at := tr.seen + e.forget
		e.gone[tr.mmsi] = &remnant{last: tr.last, gap: tr.openGap, at: at}
		e.goneQ = append(e.goneQ, gone{tr.mmsi, at})
	}
}

// ObserveStatic takes a vessel's static data: its ship type is the
// vessel category the encounter detector judges pairs by (tugs, pilots
// and the like are not encounters; the transshipment preset needs a
// fishing vessel and a carrier or bunker). Other fields are ignored.
func (e *Engine) ObserveStatic(s vessel.Static) {
	if s.Has&vessel.HasShipType == 0 || s.ShipType == 0 {
		return
	}
	if e.cats == nil {
		e.cats = make(map[vessel.MMSI]vessel.Category)
	}
	e.cats[s.MMSI] = vessel.ShipCategory(s.ShipType)
}
