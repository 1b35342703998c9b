package simulate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// RadarConfig configures NewRadarScenario. The zero value gives the
// default scenario: six hours in the Gulf of Aden from 2026-01-01T00:00Z,
// radar output every 10 s, two SAR passes.
type RadarConfig struct {
	// Start is the first instant; 0 means 2026-01-01T00:00:00Z.
	Start vessel.Time
	// Duration is the length of the scenario; 0 means 6 hours.
	Duration time.Duration
	// Center is the middle of the area, where the patrol ship starts; the
	// zero value means 12.4N 46.0E, in the Gulf of Aden.
	Center geo.Point
	// ScanInterval is how often the radars output their targets; 0 means
	// 10 s.
	ScanInterval time.Duration
	// RelativeBearings makes the patrol ship's TTM bearings relative to its
	// heading (field 4 "R"), which a parser turns into true bearings with
	// the HDT heading. The Detections are the same either way.
	RelativeBearings bool
	// Noise is the radars' measurement noise; the zero value means
	// DefaultRadarNoise().
	Noise RadarNoise
	// SARPasses are the times of the satellite passes after Start; nil
	// means 1h30m and 4h30m.
	SARPasses []time.Duration
}

// RadarNoise is the one-sigma measurement noise of the simulated radars:
// range error RangeM + RangeFrac × range, bearing error BearingDeg.
type RadarNoise struct {
	RangeM     float64
	RangeFrac  float64
	BearingDeg float64
}

// DefaultRadarNoise returns 20 m + 0.5% of range and 0.4° of bearing, a
// marine X-band radar with ARPA tracking.
func DefaultRadarNoise() RadarNoise { return RadarNoise{RangeM: 20, RangeFrac: 0.005, BearingDeg: 0.4} }

// PosErrM returns the one-sigma position error in metres of a plot at
// rangeM: the range and cross-range errors combined.
func (n RadarNoise) PosErrM(rangeM float64) float64 {
	return math.Hypot(n.RangeM+n.RangeFrac*rangeM, rangeM*n.BearingDeg*math.Pi/180)
}

// Role is what a simulated ship does in a RadarScenario.
type Role uint8

const (
	RolePatrol     Role = iota + 1 // the patrol ship carrying the radar (AIS on, own-ship data)
	RoleAnchored                   // one of a tight anchored group, a few hundred metres apart
	RoleConvoy                     // one of a convoy in line, 1 km apart
	RoleTransit                    // a merchant ship crossing the area
	RoleFishing                    // a fishing vessel working slowly, AIS on
	RoleSmallCraft                 // a small fast craft (10 m, 20-28 kn), seen by radar only at short range
	RoleDark                       // a vessel with no AIS at all
	RoleSilent                     // AIS on until Ship.SilentFrom, then silent while the ship sails on
	RoleSpoofer                    // AIS reports a false position: the truth plus Ship.SpoofOffset
)

var roleNames = [...]string{"", "patrol", "anchored", "convoy", "transit", "fishing", "small_craft", "dark", "silent", "spoofer"}

// String returns the role's name ("patrol", "anchored", ...).
func (r Role) String() string {
	if int(r) < len(roleNames) && r > 0 {
		return roleNames[r]
	}
	return "unknown"
}

// FalseAlarm is the Ship index of a report that is no ship at all (radar
// clutter, a SAR false detection).
const FalseAlarm = -1

// Ship is one simulated ship of a RadarScenario, with its true motion.
type Ship struct {
	ID   int // index in RadarScenario.Ships
	Role Role
	// MMSI is the identity its AIS transmits; 0 when it has no AIS
	// (RoleDark, and dark small craft).
	MMSI    vessel.MMSI
	Name    string
	LengthM float64
	// SilentFrom is when its AIS falls silent (RoleSilent); 0 means never.
	SilentFrom vessel.Time
	// SpoofOffset is where its AIS claims to be relative to the truth
	// (RoleSpoofer): Metres at Bearing degrees true.
	SpoofOffset struct{ Metres, Bearing float64 }
	legs        []leg
}

// leg is a stretch of constant course and speed from t0 at p0.
type leg struct {
	t0     vessel.Time
	p0     geo.Point
	course float64 // degrees true
	speed  float64 // knots
}

// At returns the ship's true position, speed (knots) and course (degrees)
// at t. Before its first leg it is at the first leg's start.
func (s *Ship) At(t vessel.Time) (p geo.Point, sogKn, cogDeg float64) {
	i, _ := slices.BinarySearchFunc(s.legs, t, func(l leg, t vessel.Time) int {
		if l.t0 <= t {
			return -1
		}
		return 1
	})
	if i > 0 {
		i--
	}
	l := s.legs[i]
	dt := float64(t-l.t0) / 1000
	if dt < 0 {
		dt = 0
	}
	if l.speed == 0 {
		return l.p0, 0, l.course
	}
	return geo.Destination(l.p0, l.course, l.speed*knot*dt), l.speed, l.course
}

// HasAIS reports whether the ship's AIS transmits at t.
func (s *Ship) HasAIS(t vessel.Time) bool {
	return s.MMSI != 0 && (s.SilentFrom == 0 || t < s.SilentFrom)
}

// RadarSite is a radar: the patrol ship's (Fixed false, its position is
// the ship's) or a fixed coastal or platform site.
type RadarSite struct {
	Name   string // the tag-block source of its sentences and Detection.Source
	Fixed  bool
	Pos    geo.Point // a fixed site's position
	RangeM float64   // instrumented range for ships of 15 m and more
	// SmallRangeM is the range at which it sees craft under 15 m.
	SmallRangeM float64
}

// RadarReport is one radar target report with its ground truth. Det is
// what a parser of the scenario's NMEA output produces for the report (to
// the NMEA resolution: about a metre).
type RadarReport struct {
	Det vessel.Detection
	// Ship is the index in RadarScenario.Ships of the ship seen, or
	// FalseAlarm for clutter.
	Ship int
	// Sentence is "TTM" (the patrol ship) or "TLL" (the fixed site).
	Sentence string
}

// OwnShipFix is the patrol ship's own-ship data at one scan: what its RMC
// and HDT sentences say.
type OwnShipFix struct {
	Time       vessel.Time
	Pos        geo.Point
	SOGKn      float64
	COGDeg     float64
	HeadingDeg float64
}

// RadarScenario is a generated radar and satellite scenario with its
// ground truth: a patrol ship with a radar sailing a racetrack among an
// anchored group, a convoy, transiting and fishing ships, small fast craft,
// dark vessels, a ship whose AIS falls silent and a spoofer; a fixed radar
// site on a platform; and SAR passes over it all. Everything is in memory
// as Go values, sorted by time; WriteRadarNMEA and WriteSARCSV give the
// sensor files.
type RadarScenario struct {
	Config RadarConfig // with defaults applied
	Start  vessel.Time
	End    vessel.Time
	Ships  []Ship
	// Patrol is the index of the patrol ship in Ships.
	Patrol int
	// Radars are the patrol ship's radar (Radars[0]) and the fixed site
	// (Radars[1]).
	Radars []RadarSite
	// AIS holds the AIS reports of the ships that transmit: KindPosition
	// every 10 s under way (30 s for small craft, 3 min at anchor) and
	// KindStatic (name, type, dimensions) every 6 minutes, Source "ais".
	// The spoofer's positions are false; nothing of the silent ship after
	// SilentFrom.
	AIS []vessel.Observation
	// OwnShip is the patrol ship's own-ship data, one fix per scan.
	OwnShip []OwnShipFix
	// Radar holds both radars' target reports in time order.
	Radar []RadarReport
	// Scenes and SAR are the satellite passes and their detections.
	Scenes []SARScene
	SAR    []SatReport
}

// NewRadarScenario generates a scenario, drawing every random choice from
// rng: the same configuration and rng state give the same scenario.
func NewRadarScenario(cfg RadarConfig, rng *rand.Rand) *RadarScenario {
	if cfg.Start == 0 {
		cfg.Start = vessel.TimeOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 6 * time.Hour
	}
	if cfg.Center == (geo.Point{}) {
		cfg.Center = geo.Point{Lat: 12.4, Lon: 46.0}
	}
	if cfg.ScanInterval <= 0 {
		cfg.ScanInterval = 10 * time.Second
	}
	if cfg.Noise == (RadarNoise{}) {
		cfg.Noise = DefaultRadarNoise()
	}
	if cfg.SARPasses == nil {
		cfg.SARPasses = []time.Duration{90 * time.Minute, 270 * time.Minute}
	}
	sc := &RadarScenario{Config: cfg, Start: cfg.Start, End: cfg.Start + vessel.Time(cfg.Duration.Milliseconds())}
	sc.Radars = []RadarSite{
		{Name: "patrol", RangeM: 22000, SmallRangeM: 6000},
		{Name: "site", Fixed: true, Pos: geo.Destination(cfg.Center, 0, 18000), RangeM: 30000, SmallRangeM: 8000},
	}
	sc.fleet(rng)
	sc.aisReports(rng)
	sc.radar(rng)
	sc.sar(rng)
	return sc
}

// fleet places the ships and plans their legs.
func (sc *RadarScenario) fleet(rng *rand.Rand) {
	c := sc.Config.Center
	used := map[vessel.MMSI]bool{}
	mids := []uint32{636, 538, 563, 470, 419, 477, 371, 255}
	mmsi := func() vessel.MMSI {
		for {
			m := vessel.MMSI(mids[rng.IntN(len(mids))]*1_000_000 + 100_000 + uint32(rng.IntN(900_000)))
			if !used[m] {
				used[m] = true
				return m
			}
		}
	}
	add := func(role Role, name string, length float64, ais bool, legs []leg) *Ship {
		s := Ship{ID: len(sc.Ships), Role: role, Name: name, LengthM: length, legs: legs}
		if ais {
			s.MMSI = mmsi()
		}
		sc.Ships = append(sc.Ships, s)
		return &sc.Ships[len(sc.Ships)-1]
	}
	t0 := sc.Start

	// The patrol ship: a racetrack at 10 knots, 30 minutes east, 5 south,
	// 30 west, 5 north.
	sc.Patrol = len(sc.Ships)
	add(RolePatrol, "PATROL 1", 90, true, sc.racetrack(c, 10))

	// A tight anchored group 6 km south-east: five ships within 400 m.
	anch := geo.Destination(c, 120, 6000)
	for i := range 5 {
		p := geo.Destination(anch, float64(i)*72+rng.Float64()*20, 80+rng.Float64()*150)
		add(RoleAnchored, fmt.Sprintf("ANCHOR %d", i+1), 120+rng.Float64()*130, true,
			[]leg{{t0: t0, p0: p, course: rng.Float64() * 360}})
	}
	// A convoy of three, 1 km apart, crossing on 250 at 12 knots.
	head := geo.Destination(c, 70, 28000)
	for i := range 3 {
		p := geo.Destination(head, 70, float64(i)*1000)
		add(RoleConvoy, fmt.Sprintf("CONVOY %d", i+1), 150+rng.Float64()*100, true,
			[]leg{{t0: t0, p0: p, course: 250, speed: 12}})
	}
	// Transits entering from all sides at 10 to 18 knots.
	for i := range 6 {
		from := rng.Float64() * 360
		p := geo.Destination(c, from, 20000+rng.Float64()*15000)
		course := math.Mod(from+180+rng.Float64()*60-30, 360)
		add(RoleTransit, fmt.Sprintf("TRANSIT %d", i+1), 80+rng.Float64()*220, true,
			[]leg{{t0: t0, p0: p, course: course, speed: 10 + rng.Float64()*8}})
	}
	// Fishing vessels with AIS, working at 2 to 4 knots.
	for i := range 3 {
		home := geo.Destination(c, rng.Float64()*360, 8000+rng.Float64()*8000)
		add(RoleFishing, fmt.Sprintf("FISHER %d", i+1), 20+rng.Float64()*20, true,
			sc.wander(rng, home, 3000, 2, 4, 10, 40))
	}
	// Small fast craft: two with Class B AIS, two dark skiffs.
	for i := range 4 {
		home := geo.Destination(c, rng.Float64()*360, 2000+rng.Float64()*4000)
		add(RoleSmallCraft, fmt.Sprintf("SKIFF %d", i+1), 7+rng.Float64()*5, i < 2,
			sc.wander(rng, home, 5000, 20, 28, 5, 20))
	}
	// Dark vessels: a fishing vessel working and a ship loitering.
	for range 2 {
		home := geo.Destination(c, rng.Float64()*360, 9000+rng.Float64()*5000)
		add(RoleDark, "", 25+rng.Float64()*40, false, sc.wander(rng, home, 3000, 2, 5, 10, 40))
	}
	// A ship whose AIS falls silent two hours in, inside radar cover: it
	// crosses slowly near the middle.
	p := geo.Destination(c, 300, 12000)
	s := add(RoleSilent, "SILENT", 70+rng.Float64()*40, true, []leg{{t0: t0, p0: p, course: 120, speed: 3}})
	s.SilentFrom = sc.Start + 2*3600_000
	// A spoofer: its AIS claims a position 8 km from where it is, on a
	// parallel path, inside radar cover.
	p = geo.Destination(c, 220, 7000)
	s = add(RoleSpoofer, "SPOOFER", 50+rng.Float64()*30, true, sc.wander(rng, p, 4000, 4, 7, 20, 60))
	s.SpoofOffset.Metres, s.SpoofOffset.Bearing = 8000, 20
}

// racetrack plans the patrol ship's legs.
func (sc *RadarScenario) racetrack(p geo.Point, kn float64) []leg {
	var legs []leg
	durs := []vessel.Time{30 * 60_000, 5 * 60_000, 30 * 60_000, 5 * 60_000}
	courses := []float64{90, 180, 270, 0}
	for t, i := sc.Start, 0; t <= sc.End; i++ {
		l := leg{t0: t, p0: p, course: courses[i%4], speed: kn}
		legs = append(legs, l)
		d := durs[i%4]
		p = geo.Destination(p, l.course, kn*knot*float64(d)/1000)
		t += d
	}
	return legs
}

// wander plans random legs of minLeg to maxLeg minutes at minKn to maxKn
// that keep within about radius metres of home.
func (sc *RadarScenario) wander(rng *rand.Rand, home geo.Point, radius, minKn, maxKn, minLeg, maxLeg float64) []leg {
	var legs []leg
	p := home
	for t := sc.Start; t <= sc.End; {
		course := rng.Float64() * 360
		if geo.Distance(p, home) > radius {
			course = math.Mod(geo.Bearing(p, home)+rng.Float64()*60-30+360, 360)
		}
		l := leg{t0: t, p0: p, course: course, speed: minKn + rng.Float64()*(maxKn-minKn)}
		legs = append(legs, l)
		d := vessel.Time((minLeg + rng.Float64()*(maxLeg-minLeg)) * 60_000)
		// Shorten the leg so that it ends at most radius beyond home.
		for d > 60_000 && geo.Distance(geo.Destination(p, l.course, l.speed*knot*float64(d)/1000), home) > 1.5*radius {
			d /= 2
		}
		p = geo.Destination(p, l.course, l.speed*knot*float64(d)/1000)
		t += d
	}
	return legs
}

// aisReports generates the AIS observations.
func (sc *RadarScenario) aisReports(rng *rand.Rand) {
	for i := range sc.Ships {
		s := &sc.Ships[i]
		if s.MMSI == 0 {
			continue
		}
		// Stagger the first report.
		nextStatic := sc.Start + vessel.Time(rng.IntN(360_000))
		for t := sc.Start + vessel.Time(rng.IntN(10_000)); t < sc.End; {
			if !s.HasAIS(t) {
				break
			}
			p, sog, cog := s.At(t)
			if s.Role == RoleSpoofer {
				p = geo.Destination(p, s.SpoofOffset.Bearing, s.SpoofOffset.Metres)
			}
			// GNSS noise of a few metres.
			p = geo.Destination(p, rng.Float64()*360, math.Abs(rng.NormFloat64())*5)
			status := vessel.NavStatus(0)
			switch s.Role {
			case RoleAnchored:
				status = 1
			case RoleFishing:
				status = 7
			case RoleSmallCraft:
				status = vessel.NoStatus
			}
			heading := vessel.Heading(math.Mod(math.Round(cog), 360))
			sc.AIS = append(sc.AIS, vessel.Observation{Kind: vessel.KindPosition, TimeSource: vessel.TimeTagBlock,
				Position: vessel.Position{MMSI: s.MMSI, Time: t, Lat: p.Lat, Lon: p.Lon,
					SOG: vessel.SpeedKnots(sog + rng.NormFloat64()*0.1), COG: vessel.CourseDegrees(cog + rng.NormFloat64()),
					Heading: heading, Status: status, Source: "ais"}})
			if t >= nextStatic {
				sc.AIS = append(sc.AIS, vessel.Observation{Kind: vessel.KindStatic, TimeSource: vessel.TimeTagBlock,
					Static: sc.static(s, t)})
				nextStatic += 360_000
			}
			switch {
			case s.Role == RoleAnchored:
				t += 180_000
			case s.Role == RoleSmallCraft:
				t += 30_000
			default:
				t += 10_000
			}
		}
	}
	slices.SortStableFunc(sc.AIS, func(a, b vessel.Observation) int {
		return cmpTime(a.Time(), b.Time())
	})
}

func cmpTime(a, b vessel.Time) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// static returns a ship's static report.
func (sc *RadarScenario) static(s *Ship, t vessel.Time) vessel.Static {
	st := vessel.Static{MMSI: s.MMSI, Time: t, Name: s.Name, Source: "ais",
		Has: vessel.HasName | vessel.HasShipType | vessel.HasDimensions}
	switch s.Role {
	case RolePatrol:
		st.ShipType = 55 // law enforcement
	case RoleFishing:
		st.ShipType = 30
	case RoleSmallCraft:
		st.ShipType = 37 // pleasure craft
	default:
		st.ShipType = 70 // cargo
	}
	st.ToBow = uint16(math.Round(s.LengthM * 0.6))
	st.ToStern = uint16(math.Round(s.LengthM)) - st.ToBow
	st.ToPort, st.ToStarboard = uint16(s.LengthM/12), uint16(s.LengthM/12)
	return st
}

// track is a radar's track of one object.
type track struct {
	num    int // target number, 1-99
	hits   int
	misses int
}

// clutter is a short-lived false track.
type clutter struct {
	pos  geo.Point
	left int // scans it lasts
	tr   track
}

// tracker assigns target numbers the way an ARPA does: the lowest free
// number on acquisition, freed when the track is lost, so numbers recycle.
type tracker struct {
	used   [100]bool
	tracks []track // by ship; num 0 when not tracked
	clut   []clutter
}

func (k *tracker) acquire() int {
	for n := 1; n < len(k.used); n++ {
		if !k.used[n] {
			k.used[n] = true
			return n
		}
	}
	return 0
}

func (k *tracker) release(tr *track) {
	k.used[tr.num] = false
	*tr = track{}
}

// radar generates both radars' reports, scan by scan.
func (sc *RadarScenario) radar(rng *rand.Rand) {
	trackers := make([]tracker, len(sc.Radars))
	for i := range trackers {
		trackers[i].tracks = make([]track, len(sc.Ships))
	}
	step := vessel.Time(sc.Config.ScanInterval.Milliseconds())
	for t := sc.Start; t < sc.End; t += step {
		own, sog, cog := sc.Ships[sc.Patrol].At(t)
		own = quantizeLatLon(own)
		heading := math.Mod(math.Round((cog+2)*10)/10, 360) // the bow is 2° off the course: leeway
		sc.OwnShip = append(sc.OwnShip, OwnShipFix{Time: t, Pos: own, SOGKn: sog, COGDeg: cog, HeadingDeg: heading})
		for ri := range sc.Radars {
			site := &sc.Radars[ri]
			pos := site.Pos
			if !site.Fixed {
				pos = own
			}
			sc.scan(rng, &trackers[ri], ri, pos, t)
		}
	}
}

// scan generates one scan of radar ri at pos.
func (sc *RadarScenario) scan(rng *rand.Rand, k *tracker, ri int, pos geo.Point, t vessel.Time) {
	site := &sc.Radars[ri]
	for i := range sc.Ships {
		if ri == 0 && i == sc.Patrol {
			continue
		}
		s := &sc.Ships[i]
		tr := &k.tracks[i]
		p, sog, cog := s.At(t)
		r := geo.Distance(pos, p)
		maxR, pd := site.RangeM, 0.95
		if s.LengthM < 15 {
			maxR, pd = site.SmallRangeM, 0.8
		}
		if r > maxR || r < 100 || rng.Float64() >= pd {
			if tr.num != 0 {
				tr.misses++
				if tr.misses >= 3 || r > maxR {
					k.release(tr)
				}
			}
			continue
		}
		if tr.num == 0 {
			if tr.num = k.acquire(); tr.num == 0 {
				continue // all 99 numbers in use
			}
		}
		tr.hits++
		tr.misses = 0
		sc.report(rng, ri, pos, t, p, sog, cog, tr, i)
	}
	// Clutter: about one false track every 100 scans, living 1-4 scans.
	if rng.Float64() < 0.01 {
		p := geo.Destination(pos, rng.Float64()*360, 1000+rng.Float64()*9000)
		k.clut = append(k.clut, clutter{pos: p, left: 1 + rng.IntN(4)})
	}
	live := k.clut[:0]
	for _, c := range k.clut {
		if c.tr.num == 0 {
			if c.tr.num = k.acquire(); c.tr.num == 0 {
				continue
			}
		}
		c.tr.hits++
		sc.report(rng, ri, pos, t, c.pos, rng.Float64()*3, rng.Float64()*360, &c.tr, FalseAlarm)
		if c.left--; c.left > 0 {
			live = append(live, c)
		} else {
			k.release(&c.tr)
		}
	}
	k.clut = live
}

// report adds the report of one target, measured with noise.
func (sc *RadarScenario) report(rng *rand.Rand, ri int, pos geo.Point, t vessel.Time, p geo.Point, sog, cog float64, tr *track, ship int) {
	site := &sc.Radars[ri]
	n := sc.Config.Noise
	r := geo.Distance(pos, p)
	b := geo.Bearing(pos, p)
	rm := math.Max(0, r+rng.NormFloat64()*(n.RangeM+n.RangeFrac*r))
	bm := math.Mod(b+rng.NormFloat64()*n.BearingDeg+360, 360)
	// The resolution of the sentences: 0.001 NM, 0.1°.
	rm = math.Round(rm/1.852) * 1.852
	bm = math.Mod(math.Round(bm*10)/10, 360)
	at := geo.Destination(pos, bm, rm)
	d := vessel.Detection{
		Time: t, Sensor: vessel.SensorRadar, Source: site.Name, Target: fmt.Sprintf("%02d", tr.num),
		Scene: site.Name + " " + t.String(), PosErrM: n.PosErrM(rm),
		Has:     vessel.HasMotion | vessel.HasPolar,
		SpeedKn: math.Max(0, math.Round((sog+rng.NormFloat64()*0.3)*10)/10), CourseDeg: math.Mod(math.Round((cog+rng.NormFloat64()*2+360)*10)/10, 360),
		RangeM: rm, BearingDeg: bm, SensorLat: pos.Lat, SensorLon: pos.Lon,
		Status: 'T',
	}
	if tr.hits <= 2 {
		d.Status = 'Q'
	}
	sentence := "TTM"
	if site.Fixed {
		sentence = "TLL"
		at = quantizeLatLon(at)
		d.Has = vessel.HasPolar // TLL carries no motion
		d.SpeedKn, d.CourseDeg = 0, 0
	}
	d.Lat, d.Lon = at.Lat, at.Lon
	sc.Radar = append(sc.Radar, RadarReport{Det: d, Ship: ship, Sentence: sentence})
}

// quantizeLatLon rounds p to the 1e-5 minutes of the NMEA ddmm.mmmmm
// fields.
func quantizeLatLon(p geo.Point) geo.Point {
	q := func(v float64) float64 { return math.Round(v*60e5) / 60e5 }
	return geo.Point{Lat: q(p.Lat), Lon: q(p.Lon)}
}

// WriteRadarNMEA writes the radars' output as NMEA 0183 lines with tag
// blocks (s: the radar's name, c: the Unix time): at every scan the patrol
// ship's $GPRMC and $GPHDT and its $RATTM target reports (bearings true,
// or relative when Config.RelativeBearings), then the fixed site's $RATLL
// reports. Checksums are correct; the AIS traffic is not included.
func (sc *RadarScenario) WriteRadarNMEA(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var b []byte
	k := 0
	for _, f := range sc.OwnShip {
		name := sc.Radars[0].Name
		b = appendRMC(b[:0], name, f)
		b = appendSentence(b, name, f.Time, "GPHDT,"+strconv.FormatFloat(f.HeadingDeg, 'f', 1, 64)+",T")
		for ; k < len(sc.Radar) && sc.Radar[k].Det.Time == f.Time; k++ {
			r := &sc.Radar[k]
			if r.Sentence == "TTM" {
				b = sc.appendTTM(b, r, f)
			} else {
				b = appendTLL(b, r)
			}
		}
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendSentence appends one tagged sentence: body is the sentence
// between '$' and '*'.
func appendSentence(b []byte, source string, t vessel.Time, body string) []byte {
	tag := "s:" + source + ",c:" + strconv.FormatInt(int64(t)/1000, 10)
	b = append(b, '\\')
	b = append(b, tag...)
	b = appendChecksum(b, tag)
	b = append(b, "\\$"...)
	b = append(b, body...)
	b = appendChecksum(b, body)
	return append(b, '\n')
}

func appendChecksum(b []byte, s string) []byte {
	var x byte
	for i := 0; i < len(s); i++ {
		x ^= s[i]
	}
	const hex = "0123456789ABCDEF"
	return append(b, '*', hex[x>>4], hex[x&15])
}

// nmeaLat formats a latitude as "ddmm.mmmmm,N".
func nmeaLat(v float64) string { return nmeaAngle(v, 2, "N", "S") }

// nmeaLon formats a longitude as "dddmm.mmmmm,E".
func nmeaLon(v float64) string { return nmeaAngle(v, 3, "E", "W") }

func nmeaAngle(v float64, digits int, pos, neg string) string {
	h := pos
	if v < 0 {
		h, v = neg, -v
	}
	m := int64(math.Round(v * 60e5)) // 1e-5 minutes
	deg, min := m/6_000_000, m%6_000_000
	return fmt.Sprintf("%0*d%02d.%05d,%s", digits, deg, min/100_000, min%100_000, h)
}

func nmeaClock(t vessel.Time) string {
	s := t.Std()
	return fmt.Sprintf("%02d%02d%02d.%02d", s.Hour(), s.Minute(), s.Second(), s.Nanosecond()/10_000_000)
}

func appendRMC(b []byte, source string, f OwnShipFix) []byte {
	body := fmt.Sprintf("GPRMC,%s,A,%s,%s,%.1f,%.1f,%s,,,A", nmeaClock(f.Time), nmeaLat(f.Pos.Lat), nmeaLon(f.Pos.Lon),
		f.SOGKn, f.COGDeg, f.Time.Std().Format("020106"))
	return appendSentence(b, source, f.Time, body)
}

// appendTTM appends a TTM with the closest point of approach to the own
// ship at f.
func (sc *RadarScenario) appendTTM(b []byte, r *RadarReport, f OwnShipFix) []byte {
	d := &r.Det
	bearing, ref := d.BearingDeg, "T"
	if sc.Config.RelativeBearings {
		bearing, ref = math.Mod(math.Round((d.BearingDeg-f.HeadingDeg+720)*10)/10, 360), "R"
	}
	// CPA in a flat frame around the own ship, metres and m/s.
	rad := math.Pi / 180
	px, py := d.RangeM*math.Sin(d.BearingDeg*rad), d.RangeM*math.Cos(d.BearingDeg*rad)
	vx := d.SpeedKn*knot*math.Sin(d.CourseDeg*rad) - f.SOGKn*knot*math.Sin(f.COGDeg*rad)
	vy := d.SpeedKn*knot*math.Cos(d.CourseDeg*rad) - f.SOGKn*knot*math.Cos(f.COGDeg*rad)
	tcpa, cpa := 0.0, d.RangeM
	if v2 := vx*vx + vy*vy; v2 > 1e-6 {
		tcpa = -(px*vx + py*vy) / v2
		cpa = math.Hypot(px+vx*tcpa, py+vy*tcpa)
	}
	body := fmt.Sprintf("RATTM,%s,%.3f,%.1f,%s,%.1f,%.1f,T,%.3f,%.1f,N,,%c,,%s,A", d.Target, d.RangeM/1852, bearing, ref,
		d.SpeedKn, d.CourseDeg, cpa/1852, tcpa/60, d.Status, nmeaClock(d.Time))
	return appendSentence(b, d.Source, d.Time, body)
}

func appendTLL(b []byte, r *RadarReport) []byte {
	d := &r.Det
	body := fmt.Sprintf("RATLL,%s,%s,%s,,%s,%c,", d.Target, nmeaLat(d.Lat), nmeaLon(d.Lon), nmeaClock(d.Time), d.Status)
	return appendSentence(b, d.Source, d.Time, body)
}
