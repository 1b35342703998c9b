package simulate

import (
	"math"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// A vessel's life is a chain of activities: staying (moored or at anchor)
// until a time, or moving along a path of waypoints at sea. When one ends,
// plan chooses the next from the vessel's kind and phase. A path's legs are
// great circles, cut into pieces of at most subLeg metres that are moved
// linearly in latitude and longitude, so that a position costs a few
// multiplications.

type phase uint8

const (
	phMoored   phase = iota // at a berth
	phVoyage                // port to port
	phAnchored              // at the destination's anchorage
	phBerthing              // anchorage to berth
	phOut                   // to a fishing ground or job
	phLoiter                // fishing, assisting or cruising about
	phReturn                // back to the home port
	phLane                  // along an ocean lane
	phLaneWait              // at anchor off the lane's end
	phScript                // following a Scripted timeline
)

type waypoint struct {
	p  geo.Point
	kn float64 // speed on the leg that ends here
}

const knot = 1852.0 / 3600 // metres per second

type state struct {
	// The current segment: the position moves linearly from (lat0, lon0)
	// by (dlat, dlon) between t0 and t1 (staying: dlat = dlon = 0).
	lat0, lon0, dlat, dlon float64
	t0, t1                 vessel.Time
	knots                  float64 // ground speed
	cog                    float64 // course, degrees
	still                  bool
	anchored               bool
	secLat                 float64 // 1/cos(latitude) while still
	status                 vessel.NavStatus

	// Moving along path: leg from path[leg] to path[leg+1], piece subK of
	// subN, from subA to subB.
	path       []waypoint
	leg        int
	subK, subN int
	subA, subB geo.Point

	phase     phase
	at        int32  // port the vessel is at or left last
	dest      int32  // destination port, -1 when none
	eta       string // ETA at dest, "MM-DDTHH:MM"
	destName  string // destination when dest is -1 (a lane's end, a script's)
	laneRev   bool   // sailing the lane from its To end to its From end
	anchor    bool   // anchor before berthing at dest
	loiterEnd vessel.Time
	centre    geo.Point // fishing ground or job

	cruise    float64 // cruising speed, knots
	hdg       float64 // heading while still
	hdgOff    float64 // heading minus course under way (leeway, current)
	swing     float64 // phase of the swing at anchor, radians
	noHeading bool    // Class B without a heading sensor

	nextPos, nextStatic vessel.Time
}

// params are the per-kind timings of plan, in hours and knots.
type params struct {
	mooredMin, mooredMax float64 // hours at the berth
	outMin, outMax       float64 // km to the ground or job (excursions)
	loiterMin, loiterMax float64 // hours loitering
	loiterKnMin          float64
	loiterKnMax          float64
	loiterRadius         float64 // km round the ground
	loiterStatus         vessel.NavStatus
}

var kindParams = [numKinds]params{
	Cargo:     {mooredMin: 6, mooredMax: 36},
	Tanker:    {mooredMin: 8, mooredMax: 40},
	Passenger: {mooredMin: 1.0 / 3, mooredMax: 1, outMin: 5, outMax: 20, loiterMin: 0.5, loiterMax: 2, loiterKnMin: 8, loiterKnMax: 14, loiterRadius: 10},
	Fishing:   {mooredMin: 4, mooredMax: 48, outMin: 20, outMax: 120, loiterMin: 6, loiterMax: 72, loiterKnMin: 2, loiterKnMax: 5, loiterRadius: 15, loiterStatus: 7},
	Tug:       {mooredMin: 1, mooredMax: 8, outMin: 2, outMax: 15, loiterMin: 0.5, loiterMax: 2, loiterKnMin: 1, loiterKnMax: 4, loiterRadius: 3},
	Pleasure:  {mooredMin: 8, mooredMax: 60, outMin: 3, outMax: 20, loiterMin: 1, loiterMax: 5, loiterKnMin: 3, loiterKnMax: 7, loiterRadius: 10},
	Other:     {mooredMin: 1, mooredMax: 12, outMin: 3, outMax: 30, loiterMin: 0.3, loiterMax: 3, loiterKnMin: 3, loiterKnMax: 10, loiterRadius: 8},
}

func hours(h float64) vessel.Time { return vessel.Time(h * 3600_000) }

func (s *Sim) uniform(a, b float64) float64 { return a + (b-a)*s.rng.Float64() }

// initState places vessel v in its home port at a random time before from
// and lives its activities forward to from.
func (s *Sim) initState(v int32, from vessel.Time) {
	st := &s.st[v]
	f := &s.fleet[v]
	p := &profiles[f.Kind]
	*st = state{at: s.home[v], dest: -1}
	st.cruise = s.uniform(p.minKn, p.maxKn)
	if f.Kind == Passenger && s.other[v] < 0 && f.ShipType == 60 {
		st.cruise = s.uniform(15, 21) // a cruise ship
	}
	if f.ShipType == 40 {
		st.cruise = s.uniform(25, 35) // high-speed craft
	}
	st.hdgOff = s.rng.NormFloat64() * 2
	st.swing = s.rng.Float64() * 2 * math.Pi
	st.noHeading = f.ClassB && s.rng.IntN(2) == 0
	if s.script != nil && s.script[v] != nil {
		st.cog = 0
		s.scriptAt(v, from)
		return
	}
	if s.vlane != nil && s.vlane[v] >= 0 {
		// Anywhere along the lane, either way, or waiting at an end.
		rev := s.rng.IntN(2) == 0
		if s.rng.Float64() < 0.05 {
			s.laneWait(v, from, rev, from+hours(s.uniform(0, 8)))
			return
		}
		s.sailLane(v, from, rev, s.rng.Float64())
		return
	}
	start := from - vessel.Time(s.rng.Float64()*float64(hours(72)))
	st.cog = s.rng.Float64() * 360
	s.moor(v, start, s.berth(st.at))
	s.advance(v, from)
}

// Ships sail a lane laneOffset, 2×laneOffset or 3×laneOffset metres to
// the right of its axis (TestLanesAtSea checks them all).
const (
	laneOffset  = 1500.0
	laneOffsets = 3
)

// sailLane sets vessel v off at t along its lane (from its From end, or
// its To end when rev), frac of the way along it.
func (s *Sim) sailLane(v int32, t vessel.Time, rev bool, frac float64) {
	st := &s.st[v]
	l := &s.lanes[s.vlane[v]]
	ps := l.Points
	if rev {
		ps = make([]geo.Point, len(l.Points))
		for i, p := range l.Points {
			ps[len(ps)-1-i] = p
		}
	}
	ps = offsetPath(ps, laneOffset*float64(1+s.rng.IntN(laneOffsets)))
	d := frac * s.laneLen[s.vlane[v]]
	i := 0
	for ; i < len(ps)-2; i++ {
		leg := geo.Distance(ps[i], ps[i+1])
		if d < leg {
			break
		}
		d -= leg
	}
	leg := geo.Distance(ps[i], ps[i+1])
	start := ps[i]
	if leg > 0 && d > 0 {
		start = geo.Interpolate(ps[i], ps[i+1], min(d/leg, 1))
	}
	path := make([]waypoint, 0, len(ps)-i+1)
	path = append(path, waypoint{start, 0})
	for _, p := range ps[i+1:] {
		path = append(path, waypoint{p, st.cruise})
	}
	st.phase = phLane
	st.laneRev = rev
	st.dest = -1
	st.destName = l.To
	if rev {
		st.destName = l.From
	}
	var secs float64
	for j := 1; j < len(path); j++ {
		secs += geo.Distance(path[j-1].p, path[j].p) / (path[j].kn * knot)
	}
	st.eta = (t + vessel.Time(secs*1000)).Std().Format("01-02T15:04")
	s.move(v, path, t, 0)
}

// laneWait keeps vessel v at anchor near the end of its lane it reached
// (the To end unless rev) until until, when it sails the lane back.
func (s *Sim) laneWait(v int32, t vessel.Time, rev bool, until vessel.Time) {
	st := &s.st[v]
	l := &s.lanes[s.vlane[v]]
	end := l.Points[len(l.Points)-1]
	if rev {
		end = l.Points[0]
	}
	// An anchorage with a clear line to the lane's end: the way back
	// starts there.
	p, _ := s.w.nearby(s.rng, end, 1000, 6000, 500)
	st.phase = phLaneWait
	st.laneRev = rev
	st.destName = ""
	s.stay(v, p, t, until, 1, true)
}

// advance lives vessel v's activities forward until its segment covers t.
func (s *Sim) advance(v int32, t vessel.Time) {
	st := &s.st[v]
	for st.t1 <= t {
		s.next(v)
	}
}

// next moves vessel v to its next segment, at st.t1.
func (s *Sim) next(v int32) {
	st := &s.st[v]
	t := st.t1
	if st.phase == phScript {
		s.scriptAt(v, t)
		return
	}
	if st.still {
		s.plan(v, t)
		return
	}
	st.subK++
	st.subA = st.subB
	switch {
	case st.subK < st.subN:
		s.startPiece(v, t)
	case st.leg+2 < len(st.path):
		st.leg++
		s.startLeg(v, t)
	default:
		s.plan(v, t)
	}
}

// stay keeps vessel v at p from t to until.
func (s *Sim) stay(v int32, p geo.Point, t, until vessel.Time, status vessel.NavStatus, anchored bool) {
	st := &s.st[v]
	st.still, st.anchored, st.status = true, anchored, status
	st.lat0, st.lon0, st.dlat, st.dlon = p.Lat, p.Lon, 0, 0
	st.t0, st.t1 = t, max(until, t+1)
	st.knots = 0
	st.hdg = st.cog // as it arrived
	st.secLat = 1 / math.Cos(p.Lat*math.Pi/180)
}

// wrap reduces x, which is at most one turn out, to [0, n).
func wrap(x, n int) int {
	if x < 0 {
		return x + n
	}
	if x >= n {
		return x - n
	}
	return x
}

// move sets vessel v off along path at t.
func (s *Sim) move(v int32, path []waypoint, t vessel.Time, status vessel.NavStatus) {
	st := &s.st[v]
	st.still, st.anchored, st.status = false, false, status
	st.path, st.leg = path, 0
	s.startLeg(v, t)
}

func (s *Sim) startLeg(v int32, t vessel.Time) {
	st := &s.st[v]
	a, b := st.path[st.leg].p, st.path[st.leg+1].p
	st.subN = max(1, int(math.Ceil(geo.Distance(a, b)/subLeg)))
	st.subK = 0
	st.subA = a
	s.startPiece(v, t)
}

func (s *Sim) startPiece(v int32, t vessel.Time) {
	st := &s.st[v]
	end := st.path[st.leg+1]
	b := end.p
	if st.subK+1 < st.subN {
		b = geo.Interpolate(st.path[st.leg].p, b, float64(st.subK+1)/float64(st.subN))
	}
	a := st.subA
	st.subB = b
	d := geo.Distance(a, b)
	st.knots = end.kn
	st.lat0, st.lon0 = a.Lat, a.Lon
	st.dlat = b.Lat - a.Lat
	st.dlon = geo.NormalizeLon(b.Lon - a.Lon)
	st.t0 = t
	st.t1 = t + max(vessel.Time(d/(end.kn*knot)*1000), 1)
	if d > 0 {
		st.cog = geo.Bearing(a, b)
	}
}

// here returns vessel v's position on its segment at t.
func (s *Sim) here(v int32, t vessel.Time) geo.Point {
	st := &s.st[v]
	if st.dlat == 0 && st.dlon == 0 {
		return geo.Point{Lat: st.lat0, Lon: st.lon0}
	}
	f := float64(t-st.t0) / float64(st.t1-st.t0)
	lon := st.lon0 + f*st.dlon
	if lon >= 180 {
		lon -= 360
	} else if lon < -180 {
		lon += 360
	}
	return geo.Point{Lat: st.lat0 + f*st.dlat, Lon: lon}
}

// fix writes the report of vessel v at t (its segment covers t) into p.
func (s *Sim) fix(v int32, t vessel.Time, p *vessel.Position) {
	st := &s.st[v]
	f := &s.fleet[v]
	pt := s.here(v, t)
	if st.still {
		// GNSS noise of a few metres; at anchor, the swing round the
		// anchor with wind and tide (40 m, a turn in six hours).
		north, east := s.rng.NormFloat64()*2, s.rng.NormFloat64()*2
		if st.anchored {
			a := st.swing + 2*math.Pi*float64(t)/float64(hours(6))
			north += 40 * math.Cos(a)
			east += 40 * math.Sin(a)
		}
		pt.Lat += north / 111195
		pt.Lon += east / 111195 * st.secLat
		p.SOG = 0
		if st.anchored {
			p.SOG = vessel.Speed(s.rng.IntN(3))
		}
		p.COG = vessel.Course(s.rng.IntN(3600))
		p.Heading = vessel.Heading(int(st.hdg) % 360)
	} else {
		// The conversions of vessel.SpeedKnots and CourseDegrees, for
		// values known to be in range.
		p.SOG = vessel.Speed(min(max(st.knots*10+s.rng.NormFloat64(), 0)+0.5, 1022))
		p.COG = vessel.Course(wrap(int(st.cog*10+s.rng.NormFloat64()*5+0.5), 3600))
		p.Heading = vessel.Heading(wrap(int(st.cog+st.hdgOff+s.rng.NormFloat64()+0.5), 360))
	}
	p.Lat, p.Lon = pt.Lat, pt.Lon
	p.Status = st.status
	if f.ClassB {
		p.Status = vessel.NoStatus
		if st.noHeading {
			p.Heading = vessel.NoHeading
		}
	}
}

// berth returns a berth within 400 m of port i's sea point.
func (s *Sim) berth(i int32) geo.Point {
	sea := s.w.ports[i].sea
	q := geo.Destination(sea, s.rng.Float64()*360, s.rng.Float64()*400)
	if s.w.land.OnLand(q) {
		return sea
	}
	return q
}

// moor keeps vessel v at berth p of port st.at from t, for its kind's
// time.
func (s *Sim) moor(v int32, t vessel.Time, p geo.Point) {
	st := &s.st[v]
	k := s.fleet[v].Kind
	pp := &kindParams[k]
	until := t + hours(s.uniform(pp.mooredMin, pp.mooredMax))
	if k == Passenger && s.other[v] >= 0 {
		// Ferries lie up at night, local time.
		local := math.Mod(float64(t)/3600_000+s.w.ports[st.at].sea.Lon/15, 24)
		if local < 0 {
			local += 24
		}
		if local >= 23 || local < 5 {
			wait := math.Mod(29-local, 24) // hours to 05:00
			until = t + hours(wait+s.uniform(0, 1.5))
		}
	}
	st.phase = phMoored
	st.dest = -1
	s.stay(v, p, t, until, 5, false)
}

// plan starts vessel v's next activity at t, when its current one ends.
func (s *Sim) plan(v int32, t vessel.Time) {
	st := &s.st[v]
	k := s.fleet[v].Kind
	here := s.here(v, t)
	switch st.phase {
	case phMoored:
		switch {
		case k == Cargo || k == Tanker || k == Passenger && s.other[v] < 0 && s.fleet[v].ShipType == 60:
			s.voyage(v, t, here)
		case k == Passenger && s.other[v] >= 0:
			s.ferry(v, t, here)
		default:
			s.excursion(v, t, here)
		}
	case phVoyage:
		if st.anchor {
			st.phase = phAnchored
			s.stay(v, here, t, t+hours(s.uniform(2, 30)), 1, true)
			return
		}
		st.at = st.dest
		s.moor(v, t, here)
	case phAnchored:
		st.phase = phBerthing
		sea := s.w.ports[st.dest].sea
		s.move(v, []waypoint{{here, 0}, {sea, 6}, {s.berth(st.dest), 4}}, t, 0)
	case phBerthing:
		st.at = st.dest
		s.moor(v, t, here)
	case phOut:
		st.phase = phLoiter
		pp := &kindParams[k]
		st.loiterEnd = t + hours(s.uniform(pp.loiterMin, pp.loiterMax))
		s.loiter(v, t, here)
	case phLoiter:
		if t < st.loiterEnd {
			s.loiter(v, t, here)
			return
		}
		st.phase = phReturn
		sea := s.w.ports[st.at].sea
		path := []waypoint{{here, 0}}
		if r := s.w.route(here, sea); r != nil {
			for _, p := range r[1:] {
				path = append(path, waypoint{p, st.cruise})
			}
		} else {
			path = append(path, waypoint{st.centre, st.cruise}, waypoint{sea, st.cruise})
		}
		path = append(path, waypoint{s.berth(st.at), 4})
		s.move(v, path, t, 0)
	case phReturn:
		s.moor(v, t, here)
	case phLane:
		s.laneWait(v, t, st.laneRev, t+hours(s.uniform(2, 12)))
	case phLaneWait:
		// Back to the lane's end, then along the lane the other way.
		rev := !st.laneRev
		s.sailLane(v, t, rev, 0)
		if len(st.path) > 0 && st.path[0].p != here {
			path := append([]waypoint{{here, 0}}, st.path...)
			path[1].kn = 8
			s.move(v, path, t, 0)
		}
	}
}

// voyage sends a merchant ship from its berth to another port, to anchor
// there first four times in ten.
func (s *Sim) voyage(v int32, t vessel.Time, here geo.Point) {
	st := &s.st[v]
	dest := s.w.destination(s.rng, st.at, minVoyage, maxVoyage)
	if dest < 0 {
		s.stay(v, here, t, t+hours(s.uniform(6, 24)), 5, false)
		return
	}
	route := s.w.portRoute(st.at, dest)
	path := make([]waypoint, 0, len(route)+3)
	path = append(path, waypoint{here, 0}, waypoint{route[0], 6})
	for _, p := range route[1:] {
		path = append(path, waypoint{p, st.cruise})
	}
	st.anchor = false
	if s.rng.Float64() < 0.4 {
		if a, ok := s.w.nearby(s.rng, route[len(route)-1], 3000, 9000, 1000); ok {
			path = append(path, waypoint{a, 8})
			st.anchor = true
		}
	}
	if !st.anchor {
		path = append(path, waypoint{s.berth(dest), 4})
	}
	s.depart(v, t, dest, path)
}

// ferry sends a ferry across to the other end of its route.
func (s *Sim) ferry(v int32, t vessel.Time, here geo.Point) {
	st := &s.st[v]
	dest := s.other[v]
	if st.at == dest {
		dest = s.home[v]
	}
	route := s.w.portRoute(st.at, dest)
	path := []waypoint{{here, 0}, {route[0], 6}}
	for _, p := range route[1:] {
		path = append(path, waypoint{p, st.cruise})
	}
	path = append(path, waypoint{s.berth(dest), 6})
	st.anchor = false
	s.depart(v, t, dest, path)
}

// depart starts a voyage to port dest along path, with its ETA.
func (s *Sim) depart(v int32, t vessel.Time, dest int32, path []waypoint) {
	st := &s.st[v]
	var secs float64
	for i := 1; i < len(path); i++ {
		secs += geo.Distance(path[i-1].p, path[i].p) / (path[i].kn * knot)
	}
	st.phase = phVoyage
	st.dest = dest
	st.eta = (t + vessel.Time(secs*1000)).Std().Format("01-02T15:04")
	s.move(v, path, t, 0)
}

// excursion sends a fishing vessel, tug, pleasure craft or service vessel
// out of its home port to a ground, where it loiters before coming back.
func (s *Sim) excursion(v int32, t vessel.Time, here geo.Point) {
	st := &s.st[v]
	pp := &kindParams[s.fleet[v].Kind]
	sea := s.w.ports[st.at].sea
	ground, ok := s.w.nearby(s.rng, sea, pp.outMin*1000, pp.outMax*1000, 1000)
	if !ok {
		ground, ok = s.w.nearby(s.rng, sea, 1000, pp.outMin*1000, 500)
	}
	if !ok {
		s.stay(v, here, t, t+hours(s.uniform(pp.mooredMin, pp.mooredMax)), 5, false)
		return
	}
	st.centre = ground
	st.phase = phOut
	s.move(v, []waypoint{{here, 0}, {sea, 6}, {ground, st.cruise}}, t, 0)
}

// loiter moves vessel v on a short random leg round its ground.
func (s *Sim) loiter(v int32, t vessel.Time, here geo.Point) {
	st := &s.st[v]
	pp := &kindParams[s.fleet[v].Kind]
	kn := s.uniform(pp.loiterKnMin, pp.loiterKnMax)
	from := here
	if geo.Distance(here, st.centre) > pp.loiterRadius*1000 {
		from = st.centre // head back towards the middle of the ground
	}
	q, ok := s.w.nearby(s.rng, from, 500, pp.loiterRadius*500, 300)
	if !ok || !s.w.clear(here, q) {
		q = st.centre
		if !s.w.clear(here, q) {
			// Nowhere to go: drift on the spot for a while.
			s.stay(v, here, t, t+hours(0.5), pp.loiterStatus, false)
			st.knots = 0
			return
		}
	}
	s.move(v, []waypoint{{here, 0}, {q, kn}}, t, pp.loiterStatus)
}
