package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Config configures a Sim. The zero value simulates 1000 vessels at the
// AIS reporting rates, without noise, over the embedded 1:50m land mask.
type Config struct {
	// Vessels is the size of the fleet; 0 means 1000.
	Vessels int
	// Rate scales the reporting rates of the AIS rules: every interval is
	// divided by it, so 0.1 gives a tenth of the reports (a Class A
	// vessel under way every 100 s rather than 10 s). 0 means 1.
	Rate float64
	// Noise adds the faults of real feeds; the zero value adds none.
	Noise Noise
	// Land keeps routes, berths and fishing grounds off land; nil means
	// geo.DefaultLand(), loaded by New.
	Land *geo.LandMask
	// Source names the receiver on every position and static report; ""
	// means "sim". Duplicates (see Noise) come from Source + "-2".
	Source string
	// LaneShare is the share of the cargo ships and tankers that sail the
	// ocean shipping lanes (Lanes) end to end instead of port to port; 0
	// means none.
	LaneShare float64
	// Focus weights the fleet towards a region; the zero value weights
	// nothing.
	Focus Focus
	// Script adds vessels that follow a timeline of their own (Scripted)
	// to the fleet of Vessels, after it.
	Script []Scripted
	// HistoryRate, when set, replaces Rate for the reports before
	// HistoryUntil, with no interval longer than 30 minutes for
	// positions and an hour for static reports: a long history costs less
	// to generate and to store at a low rate. Scripted vessels always
	// report at Rate.
	HistoryRate  float64
	HistoryUntil vessel.Time
}

// Focus weights the fleet towards a region: Share of the vessels that
// have a home port get one in Box (the rest one anywhere, Box included),
// and Share of the lane ships sail a lane with a waypoint in Box.
type Focus struct {
	Box   geo.Rect
	Share float64
}

// Noise gives the probability of each fault per position report.
type Noise struct {
	// Duplicate: the report is heard by a second receiver too and emitted
	// again, at the same time, from the second source.
	Duplicate float64
	// Late: the report is delivered late, up to 10 minutes after its time
	// (and so out of time order), as a satellite or store-and-forward feed
	// delivers.
	Late float64
	// Jump: the GNSS position is off by 1 to 50 km for this one report.
	Jump float64
	// NoPosition: the position is "not available" (latitude 91, longitude
	// 181).
	NoPosition float64
}

// DefaultNoise returns the noise of a typical aggregated feed: 2%
// duplicates, 0.5% late reports, 0.05% GNSS jumps and 0.1% reports without
// a position.
func DefaultNoise() Noise {
	return Noise{Duplicate: 0.02, Late: 0.005, Jump: 0.0005, NoPosition: 0.001}
}

func (n Noise) any() bool { return n.Duplicate > 0 || n.Late > 0 || n.Jump > 0 || n.NoPosition > 0 }

// Sim generates the traffic of one fleet. It is not safe for concurrent
// use and starts no goroutines.
type Sim struct {
	cfg   Config
	rng   *rand.Rand
	w     *world
	fleet []Vessel
	home  []int32 // home port of each vessel
	other []int32 // ferry partner port, -1 if none
	st    []state

	queue   queue
	pending []late
	obs     vessel.Observation
	src     string
	src2    string
	noise   bool
	dropped int

	lanes     []Lane
	laneLen   []float64
	focusPort []int32 // ports in Focus.Box
	focusLane []int32 // lanes with a waypoint in Focus.Box
	vlane     []int32 // lane of each vessel, -1 if none; nil without lanes
	script    []*Scripted
}

// late is a report held back to be emitted after its time.
type late struct {
	at  vessel.Time // when to emit
	obs vessel.Observation
}

// New builds a fleet of cfg.Vessels vessels, each with an identity, a home
// port and a behaviour, drawing every random choice from rng. The same
// configuration and rng state give the same fleet and, from Run, the same
// traffic.
//
// New panics if cfg.Land is nil and the embedded land mask cannot be
// loaded, which happens only with a corrupt build.
func New(cfg Config, rng *rand.Rand) *Sim {
	if cfg.Vessels <= 0 {
		cfg.Vessels = 1000
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 1
	}
	if cfg.Source == "" {
		cfg.Source = "sim"
	}
	if cfg.Land == nil {
		land, err := geo.DefaultLand()
		if err != nil {
			panic(fmt.Sprintf("simulate: %v", err))
		}
		cfg.Land = land
	}
	s := &Sim{cfg: cfg, rng: rng, w: newWorld(cfg.Land), src: cfg.Source, src2: cfg.Source + "-2", noise: cfg.Noise.any()}
	used := make(map[vessel.MMSI]bool, cfg.Vessels+len(cfg.Script))
	for _, sc := range cfg.Script {
		used[sc.Vessel.MMSI] = true
	}
	if cfg.Focus.Share > 0 {
		for i, p := range s.w.ports {
			if cfg.Focus.Box.Contains(p.sea) {
				s.focusPort = append(s.focusPort, int32(i))
			}
		}
	}
	if cfg.LaneShare > 0 {
		s.lanes = Lanes()
		for i, l := range s.lanes {
			s.laneLen = append(s.laneLen, laneLength(l.Points))
			for _, p := range l.Points {
				if cfg.Focus.Share > 0 && cfg.Focus.Box.Contains(p) {
					s.focusLane = append(s.focusLane, int32(i))
					break
				}
			}
		}
		s.vlane = make([]int32, 0, cfg.Vessels+len(cfg.Script))
	}
	var cum [numKinds]float64
	total := 0.0
	for k, m := range mix {
		total += m
		cum[k] = total
	}
	for range cfg.Vessels {
		// Kinds in proportion, shuffled by the draw of each vessel.
		k := Kind(0)
		x := rng.Float64() * total
		for k < numKinds-1 && x >= cum[k] {
			k++
		}
		if (k == Cargo || k == Tanker) && cfg.LaneShare > 0 && rng.Float64() < cfg.LaneShare {
			l := s.pickLane()
			v := newVessel(rng, k, "", used)
			v.Lane = s.lanes[l].Name
			v.Home = s.lanes[l].From
			s.fleet = append(s.fleet, v)
			s.home = append(s.home, 0)
			s.other = append(s.other, -1)
			s.vlane = append(s.vlane, l)
			continue
		}
		home, other := s.pickHome(k)
		v := newVessel(rng, k, s.w.ports[home].iso3, used)
		v.Home = s.w.ports[home].label
		s.fleet = append(s.fleet, v)
		s.home = append(s.home, home)
		s.other = append(s.other, other)
		if s.vlane != nil {
			s.vlane = append(s.vlane, -1)
		}
	}
	if len(cfg.Script) > 0 {
		// A copy: the Sim keeps all its state in itself.
		s.cfg.Script = slices.Clone(cfg.Script)
		s.script = make([]*Scripted, len(s.fleet), len(s.fleet)+len(cfg.Script))
		for i := range s.cfg.Script {
			sc := &s.cfg.Script[i]
			s.fleet = append(s.fleet, sc.Vessel)
			s.home = append(s.home, 0)
			s.other = append(s.other, -1)
			s.script = append(s.script, sc)
			if s.vlane != nil {
				s.vlane = append(s.vlane, -1)
			}
		}
	}
	return s
}

// pickLane chooses a lane by weight, from those in the focus region
// Focus.Share of the time.
func (s *Sim) pickLane() int32 {
	focus := len(s.focusLane) > 0 && s.rng.Float64() < s.cfg.Focus.Share
	items := make([]weighted[int32], 0, len(s.lanes))
	for i, l := range s.lanes {
		if !focus || slices.Contains(s.focusLane, int32(i)) {
			items = append(items, weighted[int32]{l.Weight, int32(i)})
		}
	}
	return pick(s.rng, items)
}

// pickHome chooses a home port fit for kind k: one with a voyage out of
// it for merchant ships, one with a partner port for ferries.
func (s *Sim) pickHome(k Kind) (home, other int32) {
	w := s.w
	focus := len(s.focusPort) > 0 && s.rng.Float64() < s.cfg.Focus.Share
	for range 40 {
		if focus {
			home = s.focusPort[s.rng.IntN(len(s.focusPort))]
		} else {
			home = int32(s.rng.IntN(len(w.ports)))
		}
		switch k {
		case Cargo, Tanker:
			if w.destination(s.rng, home, minVoyage, maxVoyage) >= 0 {
				return home, -1
			}
		case Passenger:
			if o := w.destination(s.rng, home, 10e3, 150e3); o >= 0 {
				return home, o
			}
		default:
			return home, -1
		}
	}
	return home, -1
}

// Vessels returns the fleet, in a fixed order (the scripted vessels of
// Config.Script last). The slice belongs to the Sim.
func (s *Sim) Vessels() []Vessel { return s.fleet }

// Run simulates the fleet from from to to (Unix milliseconds, to
// excluded) and calls emit for every report in time order: position
// reports at the AIS rates (see Config.Rate) and a static report (type 5
// for Class A, type 24 for Class B) about every six minutes per vessel.
// With Noise, a late report is emitted after reports later than it, and a
// duplicate right after its original. The Observation passed to emit is
// reused: emit must copy what it keeps. Run stops at the first error emit
// returns and returns it.
//
// Each call places the fleet afresh, in a random phase of its activity at
// from, drawing from the Sim's rng.
func (s *Sim) Run(from, to vessel.Time, emit func(*vessel.Observation) error) error {
	s.start(from)
	for {
		e, ok := s.queue.peek()
		if !ok || e.t >= to {
			break
		}
		s.queue.pop()
		if err := s.flushLate(e.t, emit); err != nil {
			return err
		}
		st := &s.st[e.v]
		var err error
		if st.nextStatic <= st.nextPos {
			err = s.emitStatic(e.v, e.t, emit)
		} else {
			err = s.emitPosition(e.v, e.t, emit)
		}
		if err != nil {
			return err
		}
		s.queue.push(event{t: min(st.nextPos, st.nextStatic), v: e.v})
	}
	// Reports still in flight arrive after the end.
	return s.flushLate(math.MaxInt64, emit)
}

func (s *Sim) start(from vessel.Time) {
	s.st = make([]state, len(s.fleet))
	s.pending = s.pending[:0]
	// Buckets of about a second of reports at rate 1, spanning the longest
	// interval (a static report: 6 minutes and 5%).
	span := s.staticInterval(-1, math.MaxInt64)
	if s.cfg.HistoryRate > 0 {
		span = max(span, s.staticInterval(-1, math.MinInt64))
	}
	s.queue.reset(from, vessel.Time(1000/s.cfg.Rate), span*106/100+3000)
	for i := range s.fleet {
		st := &s.st[i]
		s.initState(int32(i), from)
		st.nextPos = from + vessel.Time(s.rng.Float64()*float64(s.interval(int32(i), from)))
		st.nextStatic = from + vessel.Time(s.rng.Float64()*float64(s.staticInterval(int32(i), from)))
		s.queue.push(event{t: min(st.nextPos, st.nextStatic), v: int32(i)})
	}
}

func (s *Sim) flushLate(t vessel.Time, emit func(*vessel.Observation) error) error {
	for len(s.pending) > 0 && s.pending[0].at <= t {
		o := s.pending[0].obs
		copy(s.pending, s.pending[1:])
		s.pending = s.pending[:len(s.pending)-1]
		if err := emit(&o); err != nil {
			return err
		}
	}
	return nil
}

// rate returns the rate factor of vessel v's reports at t (v -1: any
// vessel not scripted), and whether it is the history's.
func (s *Sim) rate(v int32, t vessel.Time) (float64, bool) {
	if s.cfg.HistoryRate > 0 && t < s.cfg.HistoryUntil && (v < 0 || s.script == nil || s.script[v] == nil) {
		return s.cfg.HistoryRate, true
	}
	return s.cfg.Rate, false
}

// staticInterval is the Class A and B static report interval of vessel v
// at t: 6 minutes, scaled by the rate.
func (s *Sim) staticInterval(v int32, t vessel.Time) vessel.Time {
	r, hist := s.rate(v, t)
	iv := vessel.Time(360_000 / r)
	if hist {
		iv = min(iv, 3_600_000)
	}
	return iv
}

// interval returns the time to vessel v's next position report under the
// AIS rules (ITU-R M.1371 table 1 for Class A; 30 s or 3 min for Class B
// CS), scaled by Config.Rate.
func (s *Sim) interval(v int32, t vessel.Time) vessel.Time {
	st := &s.st[v]
	var sec float64
	kn := st.knots
	switch {
	case s.fleet[v].ClassB && kn <= 2:
		sec = 180
	case s.fleet[v].ClassB:
		sec = 30
	case st.still && kn <= 3:
		sec = 180
	case kn <= 14:
		sec = 10
	case kn <= 23:
		sec = 6
	default:
		sec = 2
	}
	r, hist := s.rate(v, t)
	ms := sec * 1000 / r * (0.95 + 0.1*s.rng.Float64())
	if hist {
		ms = min(ms, 1_800_000)
	}
	return vessel.Time(max(ms, 1))
}

func (s *Sim) emitPosition(v int32, t vessel.Time, emit func(*vessel.Observation) error) error {
	st := &s.st[v]
	if t >= st.t1 {
		s.advance(v, t)
	}
	o := &s.obs
	o.Kind = vessel.KindPosition
	o.TimeSource = vessel.TimeTagBlock
	p := &o.Position
	p.MMSI = s.fleet[v].MMSI
	p.Time = t
	p.Flags = 0
	p.Source = s.src
	s.fix(v, t, p)

	iv := s.interval(v, t)
	st.nextPos = t + iv
	if st.still && st.t1 < st.nextPos && st.t1 > t {
		// The vessel sets off before the next report is due: report soon
		// after, at the new rate.
		st.nextPos = st.t1 + 1 + vessel.Time(s.rng.IntN(int(min(iv, 2000))))
	}
	if h := s.cfg.HistoryUntil; s.cfg.HistoryRate > 0 && t < h && st.nextPos > h {
		// The history ends before the next report: the next comes at the
		// live rate.
		st.nextPos = h + vessel.Time(s.rng.IntN(int(s.interval(v, h))))
	}
	if s.dark(v, t) {
		return nil
	}

	if s.noise {
		n := &s.cfg.Noise
		u := s.rng.Float64()
		dup := s.rng.Float64() < n.Duplicate
		switch {
		case u < n.NoPosition:
			p.Lat, p.Lon = 91, 181
		case u < n.NoPosition+n.Jump:
			q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, s.rng.Float64()*360, 1000+49000*s.rng.Float64())
			p.Lat, p.Lon = q.Lat, q.Lon
		case u < n.NoPosition+n.Jump+n.Late:
			s.holdBack(t+vessel.Time(5000+s.rng.IntN(595_000)), o)
			if dup {
				o.Position.Source = s.src2
				return emit(o)
			}
			return nil
		}
		if err := emit(o); err != nil {
			return err
		}
		if dup {
			p.Source = s.src2
			return emit(o)
		}
		return nil
	}
	return emit(o)
}

// holdBack queues a copy of o to be emitted at at.
func (s *Sim) holdBack(at vessel.Time, o *vessel.Observation) {
	i := len(s.pending)
	s.pending = append(s.pending, late{at: at, obs: *o})
	for i > 0 && s.pending[i-1].at > at {
		s.pending[i], s.pending[i-1] = s.pending[i-1], s.pending[i]
		i--
	}
}

func (s *Sim) emitStatic(v int32, t vessel.Time, emit func(*vessel.Observation) error) error {
	st := &s.st[v]
	st.nextStatic = t + s.staticInterval(v, t)*vessel.Time(95+s.rng.IntN(11))/100
	if h := s.cfg.HistoryUntil; s.cfg.HistoryRate > 0 && t < h && st.nextStatic > h {
		st.nextStatic = h + vessel.Time(s.rng.IntN(int(s.staticInterval(v, h))))
	}
	if s.dark(v, t) {
		return nil
	}
	f := &s.fleet[v]
	o := &s.obs
	o.Kind = vessel.KindStatic
	o.TimeSource = vessel.TimeTagBlock
	o.Static = vessel.Static{
		MMSI: f.MMSI, Time: t, Source: s.src,
		Has:  vessel.HasName | vessel.HasShipType | vessel.HasDimensions,
		Name: f.Name, ShipType: f.ShipType,
		ToBow: f.ToBow, ToStern: f.ToStern, ToPort: f.ToPort, ToStarboard: f.ToStarboard,
	}
	if f.CallSign != "" {
		o.Static.Has |= vessel.HasCallSign
		o.Static.CallSign = f.CallSign
	}
	if !f.ClassB {
		o.Static.Has |= vessel.HasDraught
		o.Static.Draught = f.Draught
		if f.IMO != 0 {
			o.Static.Has |= vessel.HasIMO
			o.Static.IMO = f.IMO
		}
		if st.dest >= 0 || st.destName != "" {
			o.Static.Has |= vessel.HasDestination | vessel.HasETA
			o.Static.Destination = st.destName
			if st.dest >= 0 {
				o.Static.Destination = s.w.ports[st.dest].label
			}
			if len(o.Static.Destination) > 20 {
				o.Static.Destination = o.Static.Destination[:20]
			}
			o.Static.ETA = st.eta
		}
	}
	return emit(o)
}
