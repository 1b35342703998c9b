package fusion_test

import (
	"math"
	"testing"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The scenario builder: a timeline of observations of one vessel (or a
// few), each with the outcome and flags Apply must give, and the state the
// picture must end in.

const (
	ship     vessel.MMSI = 419000123 // India
	t0       vessel.Time = 1_700_000_000_000
	knots10              = 10 * 1852.0 / 3600 // metres per second
	sog10                = vessel.Speed(100)
	course90             = vessel.Course(900)
)

var (
	mumbai = geo.Point{Lat: 18.90, Lon: 72.70}  // off Mumbai, at sea
	tokyo  = geo.Point{Lat: 35.45, Lon: 139.80} // Tokyo Bay
)

// opt modifies a position observation.
type opt func(*vessel.Position)

func from(src string) opt      { return func(p *vessel.Position) { p.Source = src } }
func id(m vessel.MMSI) opt     { return func(p *vessel.Position) { p.MMSI = m } }
func speed(s vessel.Speed) opt { return func(p *vessel.Position) { p.SOG = s } }
func moved(bearing, m float64) opt { // displace the position
	return func(p *vessel.Position) {
		q := geo.Destination(geo.Point{Lat: p.Lat, Lon: p.Lon}, bearing, m)
		p.Lat, p.Lon = q.Lat, q.Lon
	}
}

// at is a position of ship at t0+sec seconds at pt.
func at(sec float64, pt geo.Point, opts ...opt) vessel.Observation {
	p := vessel.Position{
		MMSI: ship, Time: t0 + vessel.Time(sec*1000), Lat: pt.Lat, Lon: pt.Lon,
		SOG: sog10, COG: course90, Heading: 90, Status: 0, Source: "rx1",
	}
	for _, o := range opts {
		o(&p)
	}
	return vessel.Observation{Kind: vessel.KindPosition, Position: p, TimeSource: vessel.TimeTagBlock}
}

// along is where a vessel steaming east at 10 knots from start is after sec
// seconds.
func along(start geo.Point, sec float64) geo.Point {
	return geo.Destination(start, 90, knots10*sec)
}

// step is one observation and what Apply must say about it.
type step struct {
	obs   vessel.Observation
	out   fusion.Outcome
	flags vessel.Flags
	// of is, for Duplicate, the second (from t0) of the stored report.
	of float64
	// swapped is whether the report must swap the tracks.
	swapped bool
}

func st(o vessel.Observation, out fusion.Outcome, f vessel.Flags) step {
	return step{obs: o, out: out, flags: f}
}

func dup(o vessel.Observation, of float64) step {
	return step{obs: o, out: fusion.Duplicate, of: of}
}

// final is the state ship must end in.
type final struct {
	located  bool
	sec      float64   // time of the latest position
	pt       geo.Point // the latest position, to 1e-6 degree
	conflict bool
}

type scenario struct {
	name  string
	cfg   fusion.Config
	steps []step
	want  *final
}

func run(t *testing.T, sc scenario) *fusion.Picture {
	t.Helper()
	p := fusion.NewPicture(sc.cfg)
	for i, s := range sc.steps {
		r := p.Apply(&s.obs)
		if r.Outcome != s.out {
			t.Errorf("step %d (t+%gs): outcome %v; want %v", i, sec(s.obs.Time()), r.Outcome, s.out)
			continue
		}
		if (r.Outcome == fusion.Stored || r.Outcome == fusion.Station) && r.Position.Flags != s.flags {
			t.Errorf("step %d (t+%gs): flags %v; want %v", i, sec(s.obs.Time()), r.Position.Flags.Names(), s.flags.Names())
		}
		if r.Outcome == fusion.Duplicate {
			if want := t0 + vessel.Time(s.of*1000); r.Time != want || r.Source != s.obs.Position.Source || r.MMSI != s.obs.MMSI() {
				t.Errorf("step %d: duplicate of %v %v from %q; want of %v %v from %q", i, r.MMSI, r.Time, r.Source, s.obs.MMSI(), want, s.obs.Position.Source)
			}
		}
		if r.Swapped != s.swapped {
			t.Errorf("step %d (t+%gs): swapped %v; want %v", i, sec(s.obs.Time()), r.Swapped, s.swapped)
		}
	}
	if sc.want == nil {
		return p
	}
	v, ok := p.Vessel(ship)
	if !ok {
		t.Fatalf("Vessel(%v) not found", ship)
	}
	w := sc.want
	if v.Located != w.located {
		t.Fatalf("Located = %v; want %v", v.Located, w.located)
	}
	if w.located {
		if got := sec(v.Position.Time); got != w.sec {
			t.Errorf("latest at t+%gs; want t+%gs", got, w.sec)
		}
		if math.Abs(v.Position.Lat-w.pt.Lat) > 1e-6 || math.Abs(v.Position.Lon-w.pt.Lon) > 1e-6 {
			t.Errorf("latest at %v,%v; want %v", v.Position.Lat, v.Position.Lon, w.pt)
		}
		if v.Position.Flags&vessel.Bad != 0 {
			t.Errorf("latest has flags %v", v.Position.Flags.Names())
		}
	}
	if v.Conflict != w.conflict {
		t.Errorf("Conflict = %v; want %v", v.Conflict, w.conflict)
	}
	return p
}

func sec(t vessel.Time) float64 { return float64(t-t0) / 1000 }

func TestScenarios(t *testing.T) {
	m := func(s float64) geo.Point { return along(mumbai, s) }
	k := func(s float64) geo.Point { return along(tokyo, s) }
	north500 := geo.Destination(m(30), 0, 500e3)
	const (
		late     = vessel.FlagLate
		teleport = vessel.FlagTeleport
		conflict = vessel.FlagIdentityConflict
	)
	scenarios := []scenario{{
		name: "duplicates from two receivers",
		steps: []step{
			st(at(0, m(0), from("rx1")), fusion.Stored, 0),
			dup(at(2, m(0), from("rx2")), 0),                 // rx2's clock is 2 s ahead
			dup(at(0, m(0), from("rx1")), 0),                 // rx1 says it twice
			dup(at(-3, m(0), from("sat")), 0),                // another clock behind
			dup(at(0, m(0), from("partner"), speed(101)), 0), // same time and place, rounded differently
			st(at(10, m(10), from("rx1")), fusion.Stored, 0),
			dup(at(25, m(10), from("sat")), 10),            // 15 s late, still the same report
			st(at(5, m(0), speed(0)), fusion.Stored, late), // same place, different speed: a new report
			st(at(70, m(10)), fusion.Stored, 0),            // same report 60 s later: a new one (stopped)
		},
		want: &final{located: true, sec: 70, pt: m(10)},
	}, {
		name: "late reports are inserted and do not move the latest",
		steps: []step{
			st(at(0, m(0)), fusion.Stored, 0),
			st(at(20, m(20)), fusion.Stored, 0),
			st(at(40, m(40)), fusion.Stored, 0),
			st(at(30, m(30)), fusion.Stored, late),
			dup(at(31, m(30), from("rx2")), 30),                                      // dedup against the late one
			st(at(10, k(10)), fusion.Stored, late|teleport),                          // late and impossible between 0 and 20
			st(at(25, geo.Destination(m(20), 0, 5e3)), fusion.Stored, late|teleport), // reachable from 20 s, not 5 km back to 30 s
			st(at(50, m(50)), fusion.Stored, 0),
			st(at(49.5, m(49.5)), fusion.Stored, late), // half a second late is late
		},
		want: &final{located: true, sec: 50, pt: m(50)},
	}, {
		name: "a single 500 km jump is a teleport; the track continues",
		steps: []step{
			st(at(0, m(0)), fusion.Stored, 0),
			st(at(10, m(10)), fusion.Stored, 0),
			st(at(20, m(20)), fusion.Stored, 0),
			st(at(30, north500), fusion.Stored, teleport),
			st(at(40, m(40)), fusion.Stored, 0),
			// GPS jitter: 50 m in one second is not a teleport.
			st(at(50, m(50)), fusion.Stored, 0),
			st(at(51, m(50), moved(0, 50), speed(99)), fusion.Stored, 0),
			st(at(60, m(60)), fusion.Stored, 0),
		},
		want: &final{located: true, sec: 60, pt: m(60)},
	}, {
		name: "two transmitters, Mumbai and Tokyo, one MMSI",
		steps: []step{
			st(at(0, m(0)), fusion.Stored, 0),
			st(at(10, k(10)), fusion.Stored, teleport), // isolated so far
			st(at(20, m(20)), fusion.Stored, 0),
			st(at(30, k(30)), fusion.Stored, conflict), // consistent with Tokyo: a second transmitter
			st(at(40, m(40)), fusion.Stored, 0),
			st(at(50, k(50)), fusion.Stored, conflict),
			st(at(60, m(60)), fusion.Stored, 0),
			st(at(70, k(70)), fusion.Stored, conflict),
			st(at(80, m(80)), fusion.Stored, 0),
		},
		want: &final{located: true, sec: 80, pt: m(80), conflict: true},
	}, {
		name: "a bad first fix is replaced by the track that follows",
		steps: []step{
			st(at(0, tokyo), fusion.Stored, 0), // nothing to compare with yet
			st(at(10, m(10)), fusion.Stored, teleport),
			{obs: at(20, m(20)), out: fusion.Stored, swapped: true},
			st(at(30, m(30)), fusion.Stored, 0),
			st(at(40, m(40)), fusion.Stored, 0),
		},
		want: &final{located: true, sec: 40, pt: m(40)},
	}, {
		name: "an established track that falls silent is replaced; its return is a conflict",
		steps: []step{
			st(at(0, m(0)), fusion.Stored, 0),
			st(at(10, m(10)), fusion.Stored, 0),
			st(at(20, m(20)), fusion.Stored, 0),
			st(at(30, k(30)), fusion.Stored, teleport),
			st(at(40, k(40)), fusion.Stored, conflict),
			{obs: at(50, k(50)), out: fusion.Stored, swapped: true},
			st(at(60, k(60)), fusion.Stored, 0),
			// The old main track is the second one now: its transmitter
			// heard again is a conflict at once.
			st(at(70, m(70)), fusion.Stored, conflict),
			st(at(80, m(80)), fusion.Stored, conflict),
		},
		want: &final{located: true, sec: 60, pt: k(60), conflict: true},
	}, {
		// 0,0 is what a transponder without a fix sends: no position,
		// not even a first fix to be replaced.
		name: "null island is no position",
		steps: []step{
			st(at(0, geo.Point{}), fusion.Stored, vessel.FlagNoPosition),
			st(at(10, m(10)), fusion.Stored, 0),
			st(at(20, geo.Point{}), fusion.Stored, vessel.FlagNoPosition),
			st(at(30, m(30)), fusion.Stored, 0),
		},
		want: &final{located: true, sec: 30, pt: m(30)},
	}, {
		name: "no position updates only the last-heard time",
		steps: []step{
			st(at(0, m(0)), fusion.Stored, 0),
			st(at(10, geo.Point{Lat: 91, Lon: 181}), fusion.Stored, vessel.FlagNoPosition),
			st(at(20, geo.Point{Lat: 91, Lon: 181}, from("rx2")), fusion.Stored, vessel.FlagNoPosition),
		},
		want: &final{located: true, sec: 0, pt: m(0)},
	}, {
		// An invalid MMSI is tracked like any other (often a placeholder
		// shared by several transmitters), and flagged: advisory.
		name: "invalid MMSI",
		steps: []step{
			st(at(0, m(0), id(123456789)), fusion.Stored, vessel.FlagInvalidMMSI),
			dup(at(1, m(0), id(123456789), from("rx2")), 0),
			st(at(10, k(10), id(123456789)), fusion.Stored, vessel.FlagInvalidMMSI|teleport),
			st(at(20, m(20), id(123456789)), fusion.Stored, vessel.FlagInvalidMMSI),
			st(at(0, m(0)), fusion.Stored, 0), // ship itself is unaffected
		},
		want: &final{located: true, sec: 0, pt: m(0)},
	}}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { run(t, sc) })
	}
}

func TestScenarioState(t *testing.T) {
	m := func(s float64) geo.Point { return along(mumbai, s) }
	p := run(t, scenario{steps: []step{
		st(at(0, m(0)), fusion.Stored, 0),
		dup(at(1, m(0), from("rx2")), 0),
		st(at(10, m(10)), fusion.Stored, 0),
		st(at(20, tokyo), fusion.Stored, vessel.FlagTeleport),
		st(at(30, geo.Point{Lat: 91, Lon: 181}), fusion.Stored, vessel.FlagNoPosition),
	}})
	v, _ := p.Vessel(ship)
	if v.Positions != 4 || v.Flagged != 2 || v.Duplicates != 1 {
		t.Errorf("Positions, Flagged, Duplicates = %d, %d, %d; want 4, 2, 1", v.Positions, v.Flagged, v.Duplicates)
	}
	if v.LastHeard != t0+30_000 {
		t.Errorf("LastHeard = %v; want %v", v.LastHeard, t0+30_000)
	}
	if v.Class != vessel.ClassShip || !v.HasFlag || v.Flag.Code != "IN" {
		t.Errorf("Class, Flag = %v, %+v; want ship, IN", v.Class, v.Flag)
	}
	if v.Position.Source != "rx1" || v.Position.MMSI != ship {
		t.Errorf("latest = %+v; want from rx1 of %v", v.Position, ship)
	}
	s := p.Stats()
	if s.Vessels != 1 || s.Outcomes[fusion.Stored] != 4 || s.Outcomes[fusion.Duplicate] != 1 ||
		s.Flag(vessel.FlagTeleport) != 1 || s.Flag(vessel.FlagNoPosition) != 1 || s.Flag(vessel.FlagLate) != 0 {
		t.Errorf("Stats = %+v", s)
	}
	if _, ok := p.Vessel(ship + 1); ok {
		t.Errorf("Vessel(%v) found; want none", ship+1)
	}
}

func TestOnLand(t *testing.T) {
	land, err := geo.DefaultLand()
	if err != nil {
		t.Fatal(err)
	}
	india := geo.Point{Lat: 23.0, Lon: 78.0}    // Madhya Pradesh, 400 km from any sea
	harbour := geo.Point{Lat: 19.0, Lon: 72.87} // Mumbai harbour's east shore: land in 1:50m, sea 300 m off
	if !land.OnLand(harbour) {
		t.Fatalf("test premise: %v is not land in the 1:50m mask", harbour)
	}
	tests := []struct {
		name   string
		margin float64
		pt     geo.Point
		want   vessel.Flags
	}{
		{"central India", 0, india, vessel.FlagOnLand},
		{"Mumbai harbour, 2 km margin", 0, harbour, 0},
		{"Mumbai harbour, no margin", -1, harbour, vessel.FlagOnLand},
		{"at sea", 0, mumbai, 0},
		{"central India, 100 km margin", 100e3, india, vessel.FlagOnLand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, scenario{
				cfg:   fusion.Config{Land: land, LandMargin: tt.margin},
				steps: []step{st(at(0, tt.pt), fusion.Stored, tt.want)},
				// On land is advisory: the position is still the latest.
				want: &final{located: true, pt: tt.pt},
			})
		})
	}
	// A ship in the Suez Canal is on land by the 1:50m mask and keeps its
	// track: on_land does not hide it.
	canal := geo.Point{Lat: 30.0176, Lon: 32.5802} // Ever Given, 2021-03-23
	canal2 := geo.Destination(canal, 160, 300)
	if !land.OnLand(canal) || !land.OnLand(canal2) {
		t.Fatalf("test premise: the canal points are not land in the mask")
	}
	run(t, scenario{
		cfg: fusion.Config{Land: land},
		steps: []step{
			st(at(0, canal), fusion.Stored, vessel.FlagOnLand),
			st(at(60, canal2), fusion.Stored, vessel.FlagOnLand),
		},
		want: &final{located: true, sec: 60, pt: canal2},
	})
	// A bad fix that puts a ship in central India is a teleport as well:
	// it never becomes the latest.
	run(t, scenario{
		cfg: fusion.Config{Land: land},
		steps: []step{
			st(at(0, mumbai), fusion.Stored, 0),
			st(at(10, india), fusion.Stored, vessel.FlagOnLand|vessel.FlagTeleport),
			dup(at(11, india, from("rx2")), 10),
		},
		want: &final{located: true, sec: 0, pt: mumbai},
	})
}

func static(sec float64, s vessel.Static) vessel.Observation {
	s.MMSI, s.Time = ship, t0+vessel.Time(sec*1000)
	return vessel.Observation{Kind: vessel.KindStatic, Static: s}
}

func TestStaticMerge(t *testing.T) {
	partA := vessel.Static{Has: vessel.HasName, Name: "JALA USHA"}
	partB := vessel.Static{Has: vessel.HasCallSign | vessel.HasShipType | vessel.HasDimensions,
		CallSign: "AVRT", ShipType: 70, ToBow: 150, ToStern: 30, ToPort: 12, ToStarboard: 14}
	type5 := vessel.Static{Has: vessel.HasName | vessel.HasCallSign | vessel.HasIMO | vessel.HasShipType |
		vessel.HasDestination | vessel.HasETA | vessel.HasDimensions | vessel.HasDraught,
		Name: "JALA USHA", CallSign: "AVRT", IMO: 9123456, ShipType: 71, Destination: "INBOM",
		ETA: "06-12T08:00", ToBow: 150, ToStern: 30, ToPort: 12, ToStarboard: 14, Draught: 95}
	old := vessel.Static{Has: vessel.HasName | vessel.HasDestination, Name: "OLD NAME", Destination: "SGSIN"}
	tests := []struct {
		obs     vessel.Observation
		out     fusion.Outcome
		changed vessel.StaticFields
	}{
		{static(0, partA), fusion.Static, vessel.HasName},
		{static(10, partB), fusion.Static, vessel.HasCallSign | vessel.HasShipType | vessel.HasDimensions},
		{static(20, type5), fusion.Static, vessel.HasIMO | vessel.HasShipType | vessel.HasDestination | vessel.HasETA | vessel.HasDraught},
		{static(21, type5), fusion.StaticSame, 0}, // heard again
		{static(5, old), fusion.StaticSame, 0},    // older than what we hold
		{static(30, partA), fusion.StaticSame, 0}, // newer but the same
		{static(40, vessel.Static{Has: vessel.HasDestination, Destination: "AEJEA"}), fusion.Static, vessel.HasDestination},
	}
	p := fusion.NewPicture(fusion.Config{})
	for i, tt := range tests {
		r := p.Apply(&tt.obs)
		if r.Outcome != tt.out || r.Changed != tt.changed {
			t.Errorf("step %d: %v changed %b; want %v changed %b", i, r.Outcome, r.Changed, tt.out, tt.changed)
		}
	}
	v, ok := p.Vessel(ship)
	if !ok {
		t.Fatal("no vessel")
	}
	s := v.Static
	if s.Name != "JALA USHA" || s.ShipType != 71 || s.Destination != "AEJEA" || s.IMO != 9123456 || s.Draught != 95 {
		t.Errorf("Static = %+v", s)
	}
	if got, want := v.StaticTimes.Of(vessel.HasName), t0+30_000; got != want {
		t.Errorf("name time %v; want %v", got, want)
	}
	if got, want := v.StaticTimes.Of(vessel.HasDestination), t0+40_000; got != want {
		t.Errorf("destination time %v; want %v", got, want)
	}
	if v.Located {
		t.Errorf("a vessel with static data only is located")
	}
}

func TestStations(t *testing.T) {
	const base, aton vessel.MMSI = 2191000, 992191234 // 002191000 Denmark coast station; 99219xxxx AtoN
	p := fusion.NewPicture(fusion.Config{})
	skagen := geo.Point{Lat: 57.72, Lon: 10.58}
	bs := func(sec float64, src string) *vessel.Observation {
		o := at(sec, skagen, id(base), from(src), speed(vessel.NoSpeed))
		o.Kind = vessel.KindBaseStation
		return &o
	}
	buoy := at(0, geo.Point{Lat: 57.8, Lon: 10.7}, id(aton))
	buoy.Kind = vessel.KindAidToNav
	buoy.Static = vessel.Static{MMSI: aton, Time: t0, Has: vessel.HasName, Name: "SKAGEN REV"}

	checks := []struct {
		obs     *vessel.Observation
		out     fusion.Outcome
		flags   vessel.Flags
		changed vessel.StaticFields
	}{
		{bs(0, "rx1"), fusion.Station, 0, 0},
		{bs(1, "rx2"), fusion.Duplicate, 0, 0},
		{bs(60, "rx1"), fusion.Station, 0, 0},
		{bs(20, "rx1"), fusion.Station, vessel.FlagLate, 0}, // out of the dedup window of 60, older
		{&buoy, fusion.Station, 0, vessel.HasName},
	}
	for i, c := range checks {
		r := p.Apply(c.obs)
		if r.Outcome != c.out || r.Outcome == fusion.Station && (r.Position.Flags != c.flags || r.Changed != c.changed) {
			t.Errorf("step %d: %v flags %v changed %b; want %v %v %b", i, r.Outcome, r.Position.Flags.Names(), r.Changed, c.out, c.flags.Names(), c.changed)
		}
	}
	o := at(0, mumbai)
	p.Apply(&o)
	if p.Len() != 1 {
		t.Errorf("Len = %d; want 1 (stations are kept apart)", p.Len())
	}
	if _, ok := p.Vessel(base); ok {
		t.Errorf("base station found among vessels")
	}
	ss := p.Stations()
	if len(ss) != 2 || ss[0].MMSI != base || ss[1].MMSI != aton {
		t.Fatalf("Stations = %+v; want %v, %v", ss, base, aton)
	}
	if ss[0].Kind != vessel.KindBaseStation || ss[0].Position.Time != t0+60_000 || ss[0].Reports != 3 || !ss[0].Located {
		t.Errorf("base station = %+v", ss[0])
	}
	if ss[1].Kind != vessel.KindAidToNav || ss[1].Static.Name != "SKAGEN REV" {
		t.Errorf("aid to navigation = %+v", ss[1])
	}
	if s := p.Stats(); s.Stations != 2 || s.Vessels != 1 || s.Outcomes[fusion.Station] != 4 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestSeed(t *testing.T) {
	p := fusion.NewPicture(fusion.Config{})
	m := func(s float64) geo.Point { return along(mumbai, s) }
	for _, s := range []float64{0, 10, 20} {
		o := at(s, m(s))
		p.Seed(o.Position, vessel.Static{}, vessel.FieldTimes{})
	}
	var times vessel.FieldTimes
	times[0] = t0 + 20_000 // name
	times[3] = t0 + 5_000  // ship type
	p.Seed(vessel.Position{}, vessel.Static{MMSI: ship, Has: vessel.HasName | vessel.HasShipType, Name: "SEEDED", ShipType: 70}, times)

	v, ok := p.Vessel(ship)
	if !ok || !v.Located || v.Position.Time != t0+20_000 || v.Static.Name != "SEEDED" || v.StaticTimes.Of(vessel.HasShipType) != t0+5_000 {
		t.Fatalf("seeded state = %+v", v)
	}
	steps := []step{
		dup(at(21, m(20), from("rx2")), 20),                                      // the seeded ring dedups
		st(at(15, m(15)), fusion.Stored, vessel.FlagLate),                        // and orders
		st(at(30, tokyo), fusion.Stored, vessel.FlagTeleport),                    // and checks
		st(at(40, along(tokyo, 10)), fusion.Stored, vessel.FlagIdentityConflict), // the seeded track is trusted: no swap
	}
	for i, s := range steps {
		r := p.Apply(&s.obs)
		if r.Outcome != s.out || r.Outcome == fusion.Stored && r.Position.Flags != s.flags {
			t.Errorf("step %d: %v %v; want %v %v", i, r.Outcome, r.Position.Flags.Names(), s.out, s.flags.Names())
		}
	}
	r := p.Apply(&vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{MMSI: ship, Time: t0 + 10_000, Has: vessel.HasShipType | vessel.HasName, ShipType: 80, Name: "OLDER"}})
	if r.Outcome != fusion.Static || r.Changed != vessel.HasShipType {
		t.Errorf("static after seed: %v %b; want static, ship type", r.Outcome, r.Changed)
	}
	p.Seed(at(0, m(0), id(2191000)).Position, vessel.Static{}, vessel.FieldTimes{})
	if ss := p.Stations(); len(ss) != 1 || ss[0].Kind != vessel.KindBaseStation {
		t.Errorf("seeded coast station: %+v", ss)
	}
}

// TestSourceWeights: when one identity reports from two places, a
// lighter source's track (a partner node weighed at 0.5) never takes over
// from a heavier one's; at equal weight the silent track is replaced as
// usual.
func TestSourceWeights(t *testing.T) {
	m := func(s float64) geo.Point { return along(mumbai, s) }
	k := func(s float64) geo.Point { return along(tokyo, s) }
	weights := func(partner float64) func(string) float64 {
		return func(src string) float64 {
			if src == "partner:JP-JCG" {
				return partner
			}
			return 1
		}
	}
	const (
		teleport = vessel.FlagTeleport
		conflict = vessel.FlagIdentityConflict
	)
	jp := from("partner:JP-JCG")
	for _, sc := range []scenario{{
		name: "a lighter partner's track stays flagged",
		cfg:  fusion.Config{SourceWeight: weights(0.5)},
		steps: []step{
			st(at(0, m(0)), fusion.Stored, 0),
			st(at(10, m(10)), fusion.Stored, 0),
			st(at(20, m(20)), fusion.Stored, 0),
			st(at(30, k(30), jp), fusion.Stored, teleport),
			st(at(40, k(40), jp), fusion.Stored, conflict),
			st(at(50, k(50), jp), fusion.Stored, conflict), // would swap at equal weight
			st(at(60, k(60), jp), fusion.Stored, conflict),
		},
		want: &final{located: true, sec: 20, pt: m(20), conflict: true},
	}, {
		name: "a partner of full weight replaces a silent track",
		cfg:  fusion.Config{SourceWeight: weights(1)},
		steps: []step{
			st(at(0, m(0)), fusion.Stored, 0),
			st(at(10, m(10)), fusion.Stored, 0),
			st(at(20, m(20)), fusion.Stored, 0),
			st(at(30, k(30), jp), fusion.Stored, teleport),
			st(at(40, k(40), jp), fusion.Stored, conflict),
			{obs: at(50, k(50), jp), out: fusion.Stored, swapped: true},
			st(at(60, k(60), jp), fusion.Stored, 0),
		},
		want: &final{located: true, sec: 60, pt: k(60)},
	}, {
		name: "a heavier local track replaces a lighter partner's bad first fix",
		cfg:  fusion.Config{SourceWeight: weights(0.5)},
		steps: []step{
			st(at(0, tokyo, jp), fusion.Stored, 0),
			st(at(10, m(10)), fusion.Stored, teleport),
			{obs: at(20, m(20)), out: fusion.Stored, swapped: true},
			st(at(30, m(30)), fusion.Stored, 0),
		},
		want: &final{located: true, sec: 30, pt: m(30)},
	}} {
		t.Run(sc.name, func(t *testing.T) { run(t, sc) })
	}
}
