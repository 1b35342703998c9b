package simulate

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// MessyConfig configures Messy. The zero value gives 100 vessels over
// 48 hours from 2024-06-01 00:00 UTC.
type MessyConfig struct {
	// Vessels is the size of the fleet, at least the 52 scripted vessels
	// (smaller values are raised); the rest are transits. 0 means 100.
	Vessels int
	// Hours is the length of the scenario; 0 means 48. Scripted
	// happenings are placed in the first 48 hours and the meeting still
	// going on at the end in the last three, so shorter runs drop some.
	Hours float64
	// From is the start; 0 means 2024-06-01 00:00 UTC.
	From vessel.Time
}

// Scenario is a messy feed with its ground truth.
type Scenario struct {
	From, To vessel.Time
	// Observations are the reports as delivered, in time order: one
	// static report per vessel at From, then the positions the receivers
	// heard, each with the receiver as Source.
	Observations []vessel.Observation
	// Truth lists what really happened and a detector should report.
	Truth []Truth
	// Quiet lists what must not raise an alert.
	Quiet []Quiet
	// Receivers are the terrestrial receivers and their outages; the
	// satellite source is SatelliteSource.
	Receivers []Receiver
	// Harbour is the centre of the harbour that is in no port list, and
	// HarbourRadius its extent in metres.
	Harbour       geo.Point
	HarbourRadius float64
	// Fleet lists the vessels, with their family (the four transmitters
	// sharing SharedMMSI are four entries).
	Fleet []MessyVessel
	// Faults lists the reports that do not say what their vessel did, by
	// index in Observations: bad fixes (a false position) and the reports
	// of a receiver whose clock was off (a false time). Every other
	// position report is genuine.
	Faults []Fault
}

// Fault is a report of a messy scenario that is not what its vessel did.
type Fault struct {
	// Obs is the report's index in Scenario.Observations.
	Obs int
	// Kind is FaultBadFix or FaultClock.
	Kind string
	// TrueTime is when the report was really made (its time stamp for a
	// bad fix; five minutes after it for a clock fault).
	TrueTime vessel.Time
}

// The kinds of Fault.
const (
	FaultBadFix = "bad_fix" // a burst of 1-5 bad fixes: hundreds of km off, or 0,0
	FaultClock  = "clock"   // stamped by a receiver whose clock was off
)

// SharedMMSI is the placeholder identity the four transmitters of the
// shared-identity family use in a messy scenario.
const SharedMMSI vessel.MMSI = 412000000

// MessyVessel is one vessel of a messy scenario.
type MessyVessel struct {
	MMSI     vessel.MMSI
	ShipType uint8
	Family   string
	Role     string // what it does in its family, for the test log
}

// Truth is one true event. Type is an event type name ("encounter",
// "gap", "loitering"); Vessels is sorted; End is 0 for a happening still
// going on when the data ends.
type Truth struct {
	Family  string
	Type    string
	Vessels []vessel.MMSI
	Start   vessel.Time
	End     vessel.Time
	Note    string
}

// Quiet is something that must not alert: no event of any of Types
// involving one of Vessels (every vessel when nil) that overlaps
// [Start, End] (End 0: to the end of the data), and, when Radius > 0,
// whose position is within Radius metres of Center.
type Quiet struct {
	Family  string
	Types   []string
	Vessels []vessel.MMSI
	Start   vessel.Time
	End     vessel.Time
	Center  geo.Point
	Radius  float64
	Note    string
}

// Receiver is a terrestrial receiver: it hears vessels within Range
// metres of Center, except during its outages.
type Receiver struct {
	Name    string
	Center  geo.Point
	Range   float64
	Outages [][2]vessel.Time
}

// SatelliteSource is the source name of satellite reports in a messy
// scenario.
const SatelliteSource = "sat"

// leg is one piece of a scripted vessel's movement: from a to b over
// [t0, t1) at constant speed, or staying at a (swinging round it within
// swing metres) when b == a.
type leg struct {
	t0, t1   vessel.Time
	a, b     geo.Point
	status   vessel.NavStatus
	swing    float64
	dark     bool // the transponder is off
	interval vessel.Time
}

type actor struct {
	MessyVessel
	legs  []leg
	noise float64 // GNSS noise, metres (standard deviation per axis)
	satP  float64 // satellite detection probability per pass; 0 terrestrial
}

// Messy builds the messy-feed scenario set, drawing every random choice
// from rng: the same configuration and seed give the same scenario. It
// places everything in the open Atlantic around 30°N 40°W, far from the
// bundled ports and land, so that only what the detectors learn from the
// data can explain the harbour. See the package documentation, "Messy
// feeds", for the families.
func Messy(cfg MessyConfig, rng *rand.Rand) *Scenario {
	if cfg.Vessels <= 0 {
		cfg.Vessels = 100
	}
	if cfg.Hours <= 0 {
		cfg.Hours = 48
	}
	if cfg.From == 0 {
		cfg.From = 1717200000000 // 2024-06-01T00:00:00Z
	}
	b := &messyBuilder{rng: rng, from: cfg.From, to: cfg.From + hours(cfg.Hours), next: 235000001}
	s := &Scenario{From: b.from, To: b.to}
	base := geo.Point{Lat: 30, Lon: -40}
	harbour := base
	east := geo.Destination(base, 90, 200e3)
	sat := geo.Destination(base, 180, 400e3)
	s.Harbour, s.HarbourRadius = harbour, 6e3
	s.Receivers = []Receiver{
		{Name: "rx-harbour", Center: harbour, Range: 40e3},
		{Name: "rx-east", Center: east, Range: 120e3, Outages: [][2]vessel.Time{{b.at(25), b.at(28)}}},
	}
	b.harbour(s, harbour)
	b.meetings(s, geo.Destination(east, 0, 30e3))
	b.carrier(s, geo.Destination(east, 200, 60e3))
	b.dark(s, geo.Destination(east, 270, 40e3))
	b.satellite(s, sat)
	b.transits(s, cfg.Vessels-len(b.actors), east)
	// Added after the others so that their reports are the same as
	// before these families existed: they draw from rng last.
	b.shared(s, harbour, east)
	s.Quiet = append(s.Quiet,
		Quiet{Family: "outage", Types: []string{"gap"}, Start: b.at(25), End: b.at(28), Center: east, Radius: 120e3, Note: "rx-east down 25-28 h: no gap in its range"},
		Quiet{Family: "harbour", Types: []string{"encounter", "loitering", "gap"}, Center: harbour, Radius: s.HarbourRadius, Note: "nothing alerts in the harbour"},
	)
	s.Observations = b.generate(s)
	b.clockFault(s, "rx-east", b.at(30), 2*minuteMs, -5*minuteMs)
	b.badFixes(s)
	for _, a := range b.actors {
		s.Fleet = append(s.Fleet, a.MessyVessel)
	}
	for i := range s.Truth {
		slices.Sort(s.Truth[i].Vessels)
	}
	return s
}

type messyBuilder struct {
	rng      *rand.Rand
	from, to vessel.Time
	next     vessel.MMSI
	actors   []*actor
	passes   []vessel.Time // satellite pass starts
}

func (b *messyBuilder) at(h float64) vessel.Time { return b.from + hours(h) }

func (b *messyBuilder) add(family, role string, shipType uint8, noise float64) *actor {
	a := &actor{MessyVessel: MessyVessel{MMSI: b.next, ShipType: shipType, Family: family, Role: role}, noise: noise}
	b.next += 7
	b.actors = append(b.actors, a)
	return a
}

const (
	underWay = vessel.NavStatus(0)
	atAnchor = vessel.NavStatus(1)
	moored   = vessel.NavStatus(5)
	minuteMs = vessel.Time(60_000)
)

// stay keeps a vessel at p from t0 to t1.
func (a *actor) stay(t0, t1 vessel.Time, p geo.Point, status vessel.NavStatus, swing float64) {
	a.legs = append(a.legs, leg{t0: t0, t1: t1, a: p, b: p, status: status, swing: swing, interval: 3 * minuteMs})
}

// sail moves a vessel from p on a bearing at knots from t0 to t1 and
// returns where it ends.
func (a *actor) sail(t0, t1 vessel.Time, p geo.Point, bearing, knots float64) geo.Point {
	q := geo.Destination(p, bearing, knots*1852/3600*float64(t1-t0)/1000)
	a.legs = append(a.legs, leg{t0: t0, t1: t1, a: p, b: q, status: underWay, interval: minuteMs})
	return q
}

// drift moves a vessel slowly (under 2 kn) from p, reporting as a vessel
// at rest does, every 3 minutes.
func (a *actor) drift(t0, t1 vessel.Time, p geo.Point, bearing, knots float64) geo.Point {
	q := a.sail(t0, t1, p, bearing, knots)
	a.legs[len(a.legs)-1].interval = 3 * minuteMs
	return q
}

func (a *actor) dark(t0, t1 vessel.Time) {
	a.legs = append(a.legs, leg{t0: t0, t1: t1, dark: true})
}

// harbour: rafted pairs at berths, ships at anchor, a ferry, vessels
// switching off at the berth. Half report no navigational status, so
// that only the places learned from the data explain them.
func (b *messyBuilder) harbour(s *Scenario, h geo.Point) {
	quietAll := func(a *actor, note string) {
		s.Quiet = append(s.Quiet, Quiet{Family: "harbour", Types: []string{"encounter", "loitering", "gap"}, Vessels: []vessel.MMSI{a.MMSI}, Note: note})
	}
	for i := range 3 {
		berth := geo.Destination(h, 60+float64(i)*40, 400+float64(i)*250)
		st := moored
		if i == 2 {
			st = vessel.NoStatus
		}
		a := b.add("harbour", fmt.Sprintf("rafted %d a", i), []uint8{37, 30, 70}[i], 10)
		c := b.add("harbour", fmt.Sprintf("rafted %d b", i), []uint8{37, 30, 79}[i], 10)
		a.stay(b.from, b.to, berth, st, 5)
		c.stay(b.from, b.to, geo.Destination(berth, 150, 30+b.rng.Float64()*50), st, 5)
		quietAll(a, "rafted at a berth")
		quietAll(c, "rafted at a berth")
	}
	anch := geo.Destination(h, 200, 3e3)
	for i := range 4 {
		st := atAnchor
		if i%2 == 1 {
			st = underWay // a status never updated
		}
		a := b.add("harbour", fmt.Sprintf("at anchor %d", i), 70+uint8(i), 10)
		p := geo.Destination(anch, float64(i)*90, 300+float64(i)*50)
		a.stay(b.from, b.to, p, st, 40)
		quietAll(a, "at anchor")
	}
	// a ferry shuttling between two berths 4 km apart
	f := b.add("harbour", "ferry", 60, 10)
	b1, b2 := geo.Destination(h, 60, 450), geo.Destination(h, 330, 3500)
	brg := geo.Bearing(b1, b2)
	d := geo.Distance(b1, b2)
	for t := b.from; t < b.to; {
		cross := vessel.Time(d / (10 * 1852 / 3600) * 1000)
		t1 := min(t+30*minuteMs, b.to)
		f.stay(t, t1, b1, moored, 5)
		if t1 >= b.to {
			break
		}
		t2 := min(t1+cross, b.to)
		f.sail(t1, t2, b1, brg, 10)
		t3 := min(t2+30*minuteMs, b.to)
		f.stay(t2, t3, b2, moored, 5)
		if t3 >= b.to {
			break
		}
		t = min(t3+cross, b.to)
		f.sail(t3, t, b2, brg+180, 10)
	}
	quietAll(f, "ferry")
	// switching off at the berth: a fishing boat off for 10 h, a pleasure
	// craft off overnight twice
	for i, off := range [][2]float64{{12, 22}, {20, 31}} {
		a := b.add("harbour", fmt.Sprintf("off at berth %d", i), []uint8{30, 37}[i], 10)
		p := geo.Destination(h, 100, 800+float64(i)*60)
		a.stay(b.from, b.at(off[0]), p, moored, 5)
		a.dark(b.at(off[0]), b.at(off[1]))
		a.stay(b.at(off[1]), b.to, p, moored, 5)
		quietAll(a, "switched off at the berth")
	}
}

// meetings: true meetings near the thresholds, decoys on the other side,
// a tow, a tug alongside, and a meeting still going on at the end.
func (b *messyBuilder) meetings(s *Scenario, m geo.Point) {
	noisy := func() float64 { return 60 + b.rng.Float64()*40 }
	// meet makes two vessels come together at c, drift together at sep
	// metres for [t0, t1] hours, and part; it returns the two actors.
	meet := func(family, role string, c geo.Point, t0, t1, sep float64, ta, tb uint8, noise bool, knots float64) (*actor, *actor) {
		na, nb := 10.0, 10.0
		if noise {
			na, nb = noisy(), noisy()
		}
		x := b.add(family, role+" a", ta, na)
		y := b.add(family, role+" b", tb, nb)
		brg := b.rng.Float64() * 360
		for k, v := range []*actor{x, y} {
			off := geo.Destination(c, brg+90, float64(k)*sep)
			start := geo.Destination(off, brg+180+float64(k)*40-20, 20e3)
			arr := b.at(t0)
			v.sail(max(b.from, arr-hours(1.1)), arr, start, geo.Bearing(start, off), geo.Distance(start, off)/1852/1.1)
			end := b.at(min(t1, float64(b.to-b.from)/3600e3))
			if knots < 2 {
				v.drift(arr, end, off, brg, knots)
			} else {
				v.sail(arr, end, off, brg, knots)
			}
			if end < b.to {
				v.sail(end, b.to, geo.Destination(off, brg, knots*1852*(t1-t0)), brg+float64(k)*60-30, 11)
			}
		}
		return x, y
	}
	loiter := func(x, y *actor, t0, t1 float64) {
		for _, v := range []*actor{x, y} {
			s.Truth = append(s.Truth, Truth{Family: v.Family, Type: "loitering", Vessels: []vessel.MMSI{v.MMSI},
				Start: b.at(t0), End: b.at(t1), Note: "slow at sea during " + v.Role[:len(v.Role)-2]})
		}
	}
	x, y := meet("meeting", "noisy meeting 380 m", m, 5, 9, 350+b.rng.Float64()*50, 30, 70, true, 0.6)
	s.Truth = append(s.Truth, Truth{Family: "meeting", Type: "encounter", Vessels: []vessel.MMSI{x.MMSI, y.MMSI}, Start: b.at(5), End: b.at(9), Note: "fishing with carrier 350-400 m apart, 60-100 m noise"})
	loiter(x, y, 5, 9)
	x, y = meet("meeting", "bunkering 200 m", geo.Destination(m, 45, 25e3), 14, 17, 200, 30, 80, false, 0.4)
	s.Truth = append(s.Truth, Truth{Family: "meeting", Type: "encounter", Vessels: []vessel.MMSI{x.MMSI, y.MMSI}, Start: b.at(14), End: b.at(17), Note: "fishing with bunker 200 m apart"})
	loiter(x, y, 14, 17)
	x, y = meet("decoy", "750 m for 3 h", geo.Destination(m, 135, 25e3), 20, 23, 750, 70, 70, true, 0.5)
	s.Quiet = append(s.Quiet, Quiet{Family: "decoy", Types: []string{"encounter"}, Vessels: []vessel.MMSI{x.MMSI, y.MMSI}, Note: "750 m apart for 3 h, 60-100 m noise"})
	loiter(x, y, 20, 23)
	x, y = meet("decoy", "300 m for 1.4 h", geo.Destination(m, 225, 25e3), 30, 31.4, 300, 30, 70, true, 0.5)
	s.Quiet = append(s.Quiet, Quiet{Family: "decoy", Types: []string{"encounter"}, Vessels: []vessel.MMSI{x.MMSI, y.MMSI}, Note: "300 m apart for 1.4 h"})
	loiter(x, y, 30, 31.4)
	x, y = meet("decoy", "tow 200 m at 5 kn", geo.Destination(m, 315, 25e3), 33, 37, 200, 52, 70, false, 5)
	s.Quiet = append(s.Quiet, Quiet{Family: "decoy", Types: []string{"encounter"}, Vessels: []vessel.MMSI{x.MMSI, y.MMSI}, Note: "a tow: 200 m at 5 kn"})
	x, y = meet("decoy", "tug alongside", geo.Destination(m, 0, 40e3), 38, 41, 60, 52, 80, false, 0.5)
	s.Quiet = append(s.Quiet, Quiet{Family: "decoy", Types: []string{"encounter"}, Vessels: []vessel.MMSI{x.MMSI, y.MMSI}, Note: "a tug alongside a tanker for 3 h"})
	loiter(x, y, 38, 41)
	end := float64(b.to-b.from) / 3600e3
	x, y = meet("ongoing", "meeting at the end", geo.Destination(m, 90, 35e3), end-3, end+1, 250, 30, 70, true, 0.5)
	s.Truth = append(s.Truth,
		Truth{Family: "ongoing", Type: "encounter", Vessels: []vessel.MMSI{x.MMSI, y.MMSI}, Start: b.at(end - 3), Note: "still going on when the data ends"})
	for _, v := range []*actor{x, y} {
		s.Truth = append(s.Truth, Truth{Family: "ongoing", Type: "loitering", Vessels: []vessel.MMSI{v.MMSI}, Start: b.at(end - 3), Note: "slow at sea at the end"})
	}
}

// carrier: a reefer drifting alone for 12 hours.
func (b *messyBuilder) carrier(s *Scenario, p geo.Point) {
	a := b.add("carrier", "drifting carrier", 70, 10)
	q := a.sail(b.from, b.at(20), geo.Destination(p, 270, 200e3), 90, 5.4)
	q = a.drift(b.at(20), b.at(32), q, 160, 0.8)
	a.sail(b.at(32), b.to, q, 90, 12)
	s.Truth = append(s.Truth, Truth{Family: "carrier", Type: "loitering", Vessels: []vessel.MMSI{a.MMSI}, Start: b.at(20), End: b.at(32), Note: "drifting 0.8 kn for 12 h"})
}

// dark: a fishing vessel working at 3 kn that switches off for 8 hours
// in the middle of rx-east's range.
func (b *messyBuilder) dark(s *Scenario, p geo.Point) {
	a := b.add("dark", "dark 8 h", 30, 10)
	q := p
	brg := 0.0
	for t := 0.0; t < 48; t += 2 {
		if t == 10 {
			a.dark(b.at(10), b.at(18))
			t = 16
			continue
		}
		q = a.sail(b.at(t), b.at(t+2), q, brg, 3)
		brg = math.Mod(brg+150, 360)
	}
	s.Truth = append(s.Truth, Truth{Family: "dark", Type: "gap", Vessels: []vessel.MMSI{a.MMSI}, Start: b.at(10), End: b.at(18), Note: "transponder off 8 h within coverage"})
}

// satellite: 20 vessels heard only by satellite passes every 90-120
// minutes, each with its own detection probability; one goes dark for
// 16 hours.
func (b *messyBuilder) satellite(s *Scenario, c geo.Point) {
	for t := b.from + vessel.Time(b.rng.Float64()*float64(90*minuteMs)); t < b.to; t += vessel.Time((90 + 30*b.rng.Float64()) * float64(minuteMs)) {
		b.passes = append(b.passes, t)
	}
	for i := range 20 {
		a := b.add("satellite", fmt.Sprintf("satellite %d", i), []uint8{70, 80, 30}[i%3], 10)
		a.satP = 0.6 + 0.35*b.rng.Float64()
		p := geo.Destination(c, b.rng.Float64()*360, b.rng.Float64()*60e3)
		brg := b.rng.Float64() * 360
		if i == 0 {
			a.satP = 0.9
			// a day of passes first, to know how well it is heard
			q := p
			for t := 0.0; t < 24; t += 6 {
				q = a.sail(b.at(t), b.at(t+6), q, brg, 4)
				brg = geo.Bearing(q, c) + 60*b.rng.Float64() - 30
			}
			a.dark(b.at(24), b.at(40))
			a.sail(b.at(40), b.to, geo.Destination(q, brg, 4*1852*16), brg, 4)
			s.Truth = append(s.Truth, Truth{Family: "satellite", Type: "gap", Vessels: []vessel.MMSI{a.MMSI}, Start: b.at(24), End: b.at(40), Note: "dark 16 h under satellite passes (p 0.9)"})
			continue
		}
		// criss-cross the area at 4-8 kn
		kn := 4 + 4*b.rng.Float64()
		for t := 0.0; t < 48; t += 6 {
			p = a.sail(b.at(t), b.at(t+6), p, brg, kn)
			brg = geo.Bearing(p, c) + 60*b.rng.Float64() - 30
		}
		s.Quiet = append(s.Quiet, Quiet{Family: "satellite", Types: []string{"gap"}, Vessels: []vessel.MMSI{a.MMSI}, Note: fmt.Sprintf("heard by satellite, p %.2f", a.satP)})
	}
}

// transits: vessels crossing rx-east's range at 10-16 kn in every
// direction, entering and leaving it.
func (b *messyBuilder) transits(s *Scenario, n int, c geo.Point) {
	for i := range max(n, 0) {
		a := b.add("transit", fmt.Sprintf("transit %d", i), []uint8{70, 80, 60, 71}[i%4], 10)
		kn := 10 + 6*b.rng.Float64()
		brg := b.rng.Float64() * 360
		start := geo.Destination(c, brg+180+40*b.rng.Float64()-20, 160e3)
		t0 := b.at(b.rng.Float64() * 40)
		a.sail(b.from, t0, start, 0, 0)
		a.legs[len(a.legs)-1].dark = true // not yet there
		a.sail(t0, b.to, start, geo.Bearing(start, c)+30*b.rng.Float64()-15, kn)
		s.Quiet = append(s.Quiet, Quiet{Family: "transit", Types: []string{"gap", "encounter", "loitering"}, Vessels: []vessel.MMSI{a.MMSI}, Note: "crossing the receivers' range"})
	}
}

// generate emits the reports each receiver heard, in time order.
func (b *messyBuilder) generate(s *Scenario) []vessel.Observation {
	var out []vessel.Observation
	for _, a := range b.actors {
		out = append(out, vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{
			MMSI: a.MMSI, Time: b.from, Has: vessel.HasShipType, ShipType: a.ShipType, Source: "static"}})
	}
	heard := func(p geo.Point, t vessel.Time) (string, bool) {
		for _, r := range s.Receivers {
			if geo.Distance(p, r.Center) > r.Range {
				continue
			}
			up := true
			for _, o := range r.Outages {
				if t >= o[0] && t < o[1] {
					up = false
				}
			}
			if up && b.rng.Float64() < 0.95 {
				return r.Name, true
			}
		}
		return "", false
	}
	for _, a := range b.actors {
		pass, inPass := -1, false
		for _, l := range a.legs {
			if l.dark || l.interval <= 0 {
				continue
			}
			// each vessel's clock is offset so that reports interleave
			off := vessel.Time(b.rng.IntN(int(l.interval)))
			brg := geo.Bearing(l.a, l.b)
			dist := geo.Distance(l.a, l.b)
			kn := 0.0
			if l.t1 > l.t0 {
				kn = dist / (float64(l.t1-l.t0) / 1000) / (1852.0 / 3600)
			}
			phase := b.rng.Float64() * 2 * math.Pi
			for t := l.t0 + off; t < l.t1 && t < b.to; t += l.interval {
				f := float64(t-l.t0) / float64(l.t1-l.t0)
				p := geo.Interpolate(l.a, l.b, f)
				if l.swing > 0 {
					w := phase + float64(t-b.from)/3600e3*2*math.Pi/6 // a slow swing, 6 h round
					p = geo.Destination(p, w*180/math.Pi, l.swing)
				}
				p = geo.Destination(p, 90, b.rng.NormFloat64()*a.noise)
				p = geo.Destination(p, 0, b.rng.NormFloat64()*a.noise)
				src := SatelliteSource
				if a.satP > 0 {
					for pass+1 < len(b.passes) && b.passes[pass+1] <= t {
						pass++
						inPass = b.rng.Float64() < a.satP
					}
					if pass < 0 || !inPass || t-b.passes[pass] > 10*minuteMs || b.rng.Float64() > 0.3 {
						continue
					}
				} else {
					var ok bool
					if src, ok = heard(p, t); !ok {
						continue
					}
				}
				sog := kn + b.rng.NormFloat64()*0.1
				if l.swing > 0 {
					sog = 0.1 * b.rng.Float64()
				}
				out = append(out, vessel.Observation{Kind: vessel.KindPosition, TimeSource: vessel.TimeReceiver, Position: vessel.Position{
					MMSI: a.MMSI, Time: t, Lat: p.Lat, Lon: p.Lon, SOG: vessel.SpeedKnots(max(sog, 0)),
					COG: vessel.CourseDegrees(math.Mod(brg+360, 360)), Heading: vessel.NoHeading, Status: l.status, Source: src}})
			}
		}
	}
	slices.SortStableFunc(out, func(x, y vessel.Observation) int { return cmp.Compare(x.Time(), y.Time()) })
	return out
}

// shared: a placeholder MMSI (SharedMMSI) used by four transmitters
// hundreds of km apart: one near the harbour for the whole scenario, and
// three in rx-east's range from 2 to 20 h, one of which comes back from 30
// to 40 h. Two identity episodes, 2-20 h and 30-40 h: one identity event
// each, and no teleport.
func (b *messyBuilder) shared(s *Scenario, harbour, east geo.Point) {
	spots := []geo.Point{geo.Destination(harbour, 0, 25e3), geo.Destination(east, 0, 80e3),
		geo.Destination(east, 180, 80e3), geo.Destination(east, 90, 90e3)}
	var ms []vessel.MMSI
	for i, c := range spots {
		a := &actor{MessyVessel: MessyVessel{MMSI: SharedMMSI, ShipType: 30, Family: "shared", Role: fmt.Sprintf("transmitter %d", i)}, noise: 10}
		b.actors = append(b.actors, a)
		ms = append(ms, a.MMSI)
		spans := [][2]float64{{0, 48}}
		if i > 0 {
			spans = [][2]float64{{2, 20}}
		}
		if i == 1 {
			spans = append(spans, [2]float64{30, 40})
		}
		last := 0.0
		for _, sp := range spans {
			if sp[0] > last {
				a.dark(b.at(last), b.at(sp[0]))
			}
			// to and fro along 15 km at 8 kn
			p := geo.Destination(c, 270, 7.4e3)
			brg := 90.0
			for t := sp[0]; t < sp[1]; t++ {
				p = a.sail(b.at(t), b.at(t+1), p, brg, 8)
				brg = 270 - brg + 90
			}
			last = sp[1]
		}
	}
	s.Truth = append(s.Truth,
		Truth{Family: "shared", Type: "identity_conflict", Vessels: ms[:1], Start: b.at(2), End: b.at(20), Note: "412000000 used by four transmitters 100-300 km apart"},
		Truth{Family: "shared", Type: "identity_conflict", Vessels: ms[:1], Start: b.at(30), End: b.at(40), Note: "412000000: a second transmitter back for 10 h"})
	s.Quiet = append(s.Quiet, Quiet{Family: "shared", Types: []string{"teleport"}, Vessels: ms[:1], Note: "a shared identity is no teleport"})
}

// clockFault stamps the reports src heard in [t, t+span) off by offset
// (a receiver clock fault); they stay in the order they arrived in.
func (b *messyBuilder) clockFault(s *Scenario, src string, t, span, offset vessel.Time) {
	var ms []vessel.MMSI
	for i := range s.Observations {
		p := &s.Observations[i].Position
		if s.Observations[i].Kind != vessel.KindPosition || p.Source != src || p.Time < t || p.Time >= t+span {
			continue
		}
		s.Faults = append(s.Faults, Fault{Obs: i, Kind: FaultClock, TrueTime: p.Time})
		p.Time += offset
		if !slices.Contains(ms, p.MMSI) {
			ms = append(ms, p.MMSI)
		}
	}
	slices.Sort(ms)
	s.Quiet = append(s.Quiet, Quiet{Family: "clock", Types: []string{"teleport", "identity_conflict"}, Vessels: ms,
		Start: t + min(offset, 0), End: t + span + max(offset, 0),
		Note: fmt.Sprintf("%s's reports %v-%v stamped %v min off", src, t.Std().Format("15:04"), (t + span).Std().Format("15:04"), offset/minuteMs)})
}

// badFixes gives every fourth transit vessel a burst of 1-5 bad fixes
// every 4 hours while it is heard: random positions 200-2000 km off, one
// burst of each vessel's at 0,0 (what a receiver without a fix sends),
// 5 seconds apart after a genuine report, from the same receiver.
func (b *messyBuilder) badFixes(s *Scenario) {
	victims := map[vessel.MMSI]bool{}
	n := 0
	for _, a := range b.actors {
		if a.Family == "transit" {
			if n%4 == 0 {
				victims[a.MMSI] = true
			}
			n++
		}
	}
	trueTime := func(i int) vessel.Time { return s.Observations[i].Time() }
	clock := map[int]Fault{}
	for _, f := range s.Faults {
		clock[f.Obs] = f
	}
	next := map[vessel.MMSI]vessel.Time{}
	bursts := map[vessel.MMSI]int{}
	var bad []vessel.Observation // in time order: each burst within seconds of a genuine report
	for i, o := range s.Observations {
		p := o.Position
		if _, ok := clock[i]; ok || o.Kind != vessel.KindPosition || !victims[p.MMSI] || p.Time < next[p.MMSI] {
			continue
		}
		if next[p.MMSI] == 0 {
			next[p.MMSI] = p.Time + 30*minuteMs // a track first
			continue
		}
		next[p.MMSI] = p.Time + 4*60*minuteMs
		for j := range 1 + bursts[p.MMSI]%5 {
			q := p
			q.Time += vessel.Time(j+1) * 5000
			if bursts[p.MMSI] == 1 {
				q.Lat, q.Lon = 0, 0
			} else {
				pt := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, b.rng.Float64()*360, 200e3+b.rng.Float64()*1800e3)
				q.Lat, q.Lon = pt.Lat, pt.Lon
			}
			bad = append(bad, vessel.Observation{Kind: vessel.KindPosition, TimeSource: o.TimeSource, Position: q})
		}
		bursts[p.MMSI]++
	}
	slices.SortStableFunc(bad, func(x, y vessel.Observation) int { return cmp.Compare(x.Time(), y.Time()) })
	// merge by the time each report was made
	out := make([]vessel.Observation, 0, len(s.Observations)+len(bad))
	var faults []Fault
	k := 0
	for i, o := range s.Observations {
		t := trueTime(i)
		if f, ok := clock[i]; ok {
			t = f.TrueTime
		}
		for ; k < len(bad) && bad[k].Time() < t; k++ {
			faults = append(faults, Fault{Obs: len(out), Kind: FaultBadFix, TrueTime: bad[k].Time()})
			out = append(out, bad[k])
		}
		if f, ok := clock[i]; ok {
			f.Obs = len(out)
			faults = append(faults, f)
		}
		out = append(out, o)
	}
	for ; k < len(bad); k++ {
		faults = append(faults, Fault{Obs: len(out), Kind: FaultBadFix, TrueTime: bad[k].Time()})
		out = append(out, bad[k])
	}
	s.Observations, s.Faults = out, faults
}
