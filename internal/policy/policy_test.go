package policy_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Vessels of the example policy's world.
var (
	cargoPA  = policy.Vessel{MMSI: 351234000, ShipType: 70, Flag: "PA"} // Panama cargo ship
	tankerLR = policy.Vessel{MMSI: 636012345, ShipType: 84, Flag: "LR"} // Liberian tanker
	cargoIN  = policy.Vessel{MMSI: 419555000, ShipType: 71, Flag: "IN"} // Indian cargo ship
	navyIN   = policy.Vessel{MMSI: 419000001, ShipType: 70, Flag: "IN"} // Indian Navy unit on the list, broadcasting "cargo"
	warship  = policy.Vessel{MMSI: 412000999, ShipType: 35, Flag: "CN"} // a military ship type
	lawEnf   = policy.Vessel{MMSI: 431000777, ShipType: 55, Flag: "JP"}
	unknownT = policy.Vessel{MMSI: 538000111, ShipType: 0, Flag: "MH"}  // type not known yet
	sarAir   = policy.Vessel{MMSI: 111419001, ShipType: 0, Flag: "IN"}  // SAR aircraft
	aton     = policy.Vessel{MMSI: 994191234, ShipType: 0, Flag: "IN"}  // aid to navigation
	fishLK   = policy.Vessel{MMSI: 417000123, ShipType: 30, Flag: "LK"} // Sri Lankan fishing vessel
)

// Places.
var (
	arabianSea = geo.Point{Lat: 15.0, Lon: 65.0}   // in the IOR
	offColombo = geo.Point{Lat: 6.5, Lon: 79.5}    // IOR and Sri Lanka approaches
	karwar     = geo.Point{Lat: 14.8, Lon: 74.2}   // excluded naval base
	portBlair  = geo.Point{Lat: 11.65, Lon: 92.7}  // excluded (MultiPolygon)
	southChina = geo.Point{Lat: 15.0, Lon: 115.0}  // outside the IOR
	atlantic   = geo.Point{Lat: -10.0, Lon: -20.0} // outside everything
)

var t0 = vessel.TimeOf(time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))

func loadExample(t testing.TB) *policy.Policy {
	t.Helper()
	p, err := policy.Load(filepath.Join("testdata", "in-ifc.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pos(v policy.Vessel, at geo.Point) vessel.Position {
	return vessel.Position{MMSI: v.MMSI, Time: t0, Lat: at.Lat, Lon: at.Lon, SOG: vessel.SpeedKnots(12),
		COG: vessel.CourseDegrees(90), Heading: 90, Status: 0, Source: "radar-karwar-2"}
}

func TestLoadExample(t *testing.T) {
	p := loadExample(t)
	if got, want := p.Partners(), []string{"JP-JCG", "LK-MRCC"}; !slices.Equal(got, want) {
		t.Errorf("Partners() = %v; want %v", got, want)
	}
	if p.Node() != "IN-IFC" {
		t.Errorf("Node() = %q", p.Node())
	}
	if !p.Partner("JP-JCG").Known() || p.Partner("CN-MSA").Known() {
		t.Error("Known wrong")
	}
	if p.Partner("CN-MSA") == nil {
		t.Error("Partner of an unknown name is nil")
	}
	if got := p.Partner("LK-MRCC").Delay(); got != vessel.Time(time.Hour/time.Millisecond) {
		t.Errorf("LK-MRCC delay = %v", got)
	}
}

func TestPosition(t *testing.T) {
	p := loadExample(t)
	tests := []struct {
		name    string
		partner string
		v       policy.Vessel
		at      geo.Point
		origin  string
		hops    int
		allow   bool
		rule    string
	}{
		{"cargo in IOR", "JP-JCG", cargoPA, arabianSea, "", 0, true, "JP-JCG.share.positions"},
		{"local with node name", "JP-JCG", cargoPA, arabianSea, "IN-IFC", 0, true, "JP-JCG.share.positions"},
		{"unknown partner", "CN-MSA", cargoPA, arabianSea, "", 0, false, "default deny"},
		{"empty partner name", "", cargoPA, arabianSea, "", 0, false, "default deny"},
		{"outside include area", "JP-JCG", cargoPA, southChina, "", 0, false, "JP-JCG.include_areas"},
		{"outside everything", "JP-JCG", cargoPA, atlantic, "", 0, false, "JP-JCG.include_areas"},
		{"exclude bbox wins over include", "JP-JCG", cargoPA, karwar, "", 0, false, "JP-JCG.exclude_areas"},
		{"exclude multipolygon", "JP-JCG", cargoPA, portBlair, "", 0, false, "JP-JCG.exclude_areas"},
		{"navy by MMSI though typed cargo", "JP-JCG", navyIN, arabianSea, "", 0, false, "JP-JCG.exclude_vessels.mmsi"},
		{"military type", "JP-JCG", warship, arabianSea, "", 0, false, "JP-JCG.exclude_vessels.ship_types"},
		{"law enforcement type", "JP-JCG", lawEnf, arabianSea, "", 0, false, "JP-JCG.exclude_vessels.ship_types"},
		{"SAR aircraft class", "JP-JCG", sarAir, arabianSea, "", 0, false, "JP-JCG.exclude_vessels.classes"},
		{"aid to navigation class", "JP-JCG", aton, arabianSea, "", 0, false, "JP-JCG.exclude_vessels.classes"},
		{"unknown type, exclude-by-type", "JP-JCG", unknownT, arabianSea, "", 0, false, "JP-JCG.unknown_type"},
		{"unknown type, include-by-type", "LK-MRCC", unknownT, offColombo, "", 0, false, "LK-MRCC.include_vessels.ship_types"},
		{"fishing, included by category", "LK-MRCC", fishLK, offColombo, "", 0, true, "LK-MRCC.share.positions"},
		{"tanker, included by range", "LK-MRCC", tankerLR, offColombo, "", 0, true, "LK-MRCC.share.positions"},
		{"included type, excluded flag", "LK-MRCC", cargoIN, offColombo, "", 0, false, "LK-MRCC.exclude_vessels.flags"},
		{"flag from MID when caller has none", "LK-MRCC", policy.Vessel{MMSI: cargoIN.MMSI, ShipType: 71}, offColombo, "", 0, false, "LK-MRCC.exclude_vessels.flags"},
		{"MID flag excluded though caller says PA", "LK-MRCC", policy.Vessel{MMSI: cargoIN.MMSI, ShipType: 71, Flag: "PA"}, offColombo, "", 0, false, "LK-MRCC.exclude_vessels.flags"},
		{"lower-case claimed flag", "LK-MRCC", policy.Vessel{MMSI: 351234000, ShipType: 71, Flag: "in"}, offColombo, "", 0, false, "LK-MRCC.exclude_vessels.flags"},
		{"type out of range is unknown", "LK-MRCC", policy.Vessel{MMSI: 351234000, ShipType: 1070}, offColombo, "", 0, false, "LK-MRCC.include_vessels.ship_types"},
		{"narrow partner, outside its box", "LK-MRCC", cargoPA, arabianSea, "", 0, false, "LK-MRCC.include_areas"},
		{"back to its origin", "JP-JCG", cargoPA, arabianSea, "JP-JCG", 1, false, "loop"},
		{"own data came back", "JP-JCG", cargoPA, arabianSea, "IN-IFC", 2, false, "loop"},
		{"relay off", "JP-JCG", cargoPA, arabianSea, "AU-MBC", 1, false, "JP-JCG.relay"},
		{"relay off, narrow partner", "LK-MRCC", cargoPA, offColombo, "JP-JCG", 1, false, "LK-MRCC.relay"},
		{"hops exhausted before relay", "JP-JCG", cargoPA, arabianSea, "AU-MBC", 2, false, "JP-JCG.max_hops"},
		{"negative hops", "JP-JCG", cargoPA, arabianSea, "", -1, false, "JP-JCG.input"},
		{"local data with hops", "JP-JCG", cargoPA, arabianSea, "", 1, false, "JP-JCG.input"},
		{"foreign data with no hops", "JP-JCG", cargoPA, arabianSea, "AU-MBC", 0, false, "JP-JCG.input"},
		{"huge hops", "JP-JCG", cargoPA, arabianSea, "", math.MaxInt, false, "JP-JCG.input"},
		{"NaN position", "JP-JCG", cargoPA, geo.Point{Lat: math.NaN(), Lon: 65}, "", 0, false, "JP-JCG.input"},
		{"not available 91/181", "JP-JCG", cargoPA, geo.Point{Lat: 91, Lon: 181}, "", 0, false, "JP-JCG.input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := pos(tt.v, tt.at)
			out, _, d := p.Partner(tt.partner).Position(in, tt.v, tt.origin, tt.hops)
			if d.Allow != tt.allow || d.Rule != tt.rule {
				t.Fatalf("Position = %+v; want allow=%v rule %q", d, tt.allow, tt.rule)
			}
			if !d.Allow && out != (vessel.Position{}) {
				t.Errorf("denied, yet returned %+v", out)
			}
			if d.Allow && out.Source != "" {
				t.Errorf("Source %q left in the shared copy", out.Source)
			}
		})
	}
}

// The vessel the caller describes must be the one of the report.
func TestPositionVesselMismatch(t *testing.T) {
	p := loadExample(t)
	_, _, d := p.Partner("JP-JCG").Position(pos(navyIN, arabianSea), cargoPA, "", 0)
	if d.Allow || d.Rule != "JP-JCG.input" {
		t.Errorf("mismatched vessel: %+v", d)
	}
}

func TestRelayAndHops(t *testing.T) {
	const file = `{"version":1,"node":"A","partners":{
	  "B":{"share":{"positions":true},"relay":true},
	  "C":{"share":{"positions":true},"relay":true,"max_hops":3},
	  "D":{"share":{"positions":true},"max_hops":1}}}`
	p, err := policy.Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	v := cargoPA
	tests := []struct {
		partner, origin string
		hops            int
		allow           bool
		rule            string
	}{
		{"B", "", 0, true, "B.share.positions"},
		{"B", "C", 1, true, "B.share.positions"}, // C's data relayed to B: 2 hops
		{"B", "C", 2, false, "B.max_hops"},       // already relayed once
		{"C", "X", 2, true, "C.share.positions"}, // max_hops 3
		{"C", "X", 3, false, "C.max_hops"},
		{"B", "B", 1, false, "loop"}, // A→B→A
		{"C", "A", 2, false, "loop"}, // A→B→C→A, come back to A, offered to C
		{"B", "A", 2, false, "loop"},
		{"D", "", 0, true, "D.share.positions"},
		{"D", "C", 1, false, "D.max_hops"},
	}
	for _, tt := range tests {
		_, _, d := p.Partner(tt.partner).Position(pos(v, arabianSea), v, tt.origin, tt.hops)
		if d.Allow != tt.allow || d.Rule != tt.rule {
			t.Errorf("to %s from %q hops %d: %+v; want %v %q", tt.partner, tt.origin, tt.hops, d, tt.allow, tt.rule)
		}
	}
}

func TestDelay(t *testing.T) {
	p := loadExample(t)
	in := pos(fishLK, offColombo)
	_, nb, d := p.Partner("LK-MRCC").Position(in, fishLK, "", 0)
	if !d.Allow {
		t.Fatal(d)
	}
	if want := in.Time + vessel.Time(time.Hour/time.Millisecond); nb != want {
		t.Errorf("notBefore = %v; want %v", nb, want)
	}
	_, nb, d = p.Partner("JP-JCG").Position(in, fishLK, "", 0)
	if !d.Allow || nb != 0 {
		t.Errorf("no delay: notBefore = %v, %+v; want 0", nb, d)
	}
}

func TestPrecision(t *testing.T) {
	p := loadExample(t)
	in := pos(fishLK, geo.Point{Lat: 6.512345, Lon: 79.498765})
	out, _, d := p.Partner("LK-MRCC").Position(in, fishLK, "", 0)
	if !d.Allow {
		t.Fatal(d)
	}
	if out.Lat == in.Lat || out.Lon == in.Lon {
		t.Errorf("not rounded: %v,%v", out.Lat, out.Lon)
	}
	dist := geo.Distance(geo.Point{Lat: in.Lat, Lon: in.Lon}, geo.Point{Lat: out.Lat, Lon: out.Lon})
	if dist > 1000*math.Sqrt2/2 {
		t.Errorf("moved %.0f m, more than 707 m", dist)
	}
	// Everything but the position and source is kept.
	want := in
	want.Lat, want.Lon, want.Source = out.Lat, out.Lon, ""
	if out != want {
		t.Errorf("Position changed more than lat/lon/source: %+v; want %+v", out, want)
	}
	// JP-JCG has no precision: exact.
	out, _, _ = p.Partner("JP-JCG").Position(in, fishLK, "", 0)
	if out.Lat != in.Lat || out.Lon != in.Lon {
		t.Errorf("JP-JCG rounded: %v,%v", out.Lat, out.Lon)
	}
}

// A point just inside an include edge whose rounded copy falls outside
// does not leave.
func TestRoundedOutsideIncludeDenied(t *testing.T) {
	const file = `{"version":1,"node":"A","areas":{"box":{"bbox":[10,10,10.5,10.5]}},
	  "partners":{"B":{"share":{"positions":true},"include_areas":["box"],"precision_m":20000}}}`
	p, err := policy.Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	b := p.Partner("B")
	var in, out int
	for lat := 10.0; lat <= 10.5; lat += 0.01 {
		v := policy.Vessel{MMSI: 351234000}
		o, _, d := b.Position(vessel.Position{MMSI: v.MMSI, Lat: lat, Lon: 10.25}, v, "", 0)
		if !d.Allow {
			if d.Rule != "B.include_areas" {
				t.Errorf("lat %v: %+v", lat, d)
			}
			out++
			continue
		}
		in++
		if o.Lat < 10 || o.Lat > 10.5 {
			t.Errorf("lat %v left as %v, outside the box", lat, o.Lat)
		}
	}
	if in == 0 || out == 0 {
		t.Errorf("%d allowed, %d denied: want some of both", in, out)
	}
}

func TestRoundBoundedError(t *testing.T) {
	for _, prec := range []float64{1, 10, 100, 1000, 5000, 20000} {
		file := `{"version":1,"node":"A","partners":{"B":{"share":{"positions":true},"precision_m":` + ftoa(prec) + `}}}`
		p, err := policy.Parse([]byte(file))
		if err != nil {
			t.Fatal(err)
		}
		b := p.Partner("B")
		worst := 0.0
		for lat := -90.0; lat <= 90; lat += 0.0731 {
			for lon := -180.0; lon < 180; lon += 7.13 {
				rl, rn := b.Round(lat, lon)
				d := geo.Distance(geo.Point{Lat: lat, Lon: lon}, geo.Point{Lat: rl, Lon: rn})
				worst = max(worst, d)
				if !(rl >= -90 && rl <= 90 && rn >= -180 && rn < 180) {
					t.Fatalf("precision %v: Round(%v, %v) = %v, %v out of range", prec, lat, lon, rl, rn)
				}
				if a, b2 := b.Round(rl, rn); a != rl || b2 != rn {
					t.Fatalf("precision %v: rounding %v,%v again gives %v,%v", prec, rl, rn, a, b2)
				}
			}
		}
		if bound := prec * math.Sqrt2 / 2 * 1.001; worst > bound {
			t.Errorf("precision %v m: worst error %.3f m, bound %.3f m", prec, worst, bound)
		}
		if worst < prec/4 {
			t.Errorf("precision %v m: worst error %.3f m: hardly rounded", prec, worst)
		}
	}
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func TestStatic(t *testing.T) {
	p := loadExample(t)
	s := vessel.Static{MMSI: cargoPA.MMSI, Time: t0, Has: vessel.HasName | vessel.HasShipType, Name: "EVER GIVEN", ShipType: 70, Source: "ais-mumbai"}
	out, d := p.Partner("JP-JCG").Static(s, cargoPA, "", 0)
	if !d.Allow || d.Rule != "JP-JCG.share.static" || out.Name != "EVER GIVEN" || out.Source != "" {
		t.Errorf("cargo static: %+v %+v", out, d)
	}
	// LK-MRCC does not get static data.
	if _, d := p.Partner("LK-MRCC").Static(s, cargoPA, "", 0); d.Allow || d.Rule != "LK-MRCC.share.static" {
		t.Errorf("LK-MRCC static: %+v", d)
	}
	// The report says military though the picture did not know the type.
	s2 := s
	s2.ShipType = 35
	if _, d := p.Partner("JP-JCG").Static(s2, policy.Vessel{MMSI: cargoPA.MMSI}, "", 0); d.Allow || d.Rule != "JP-JCG.exclude_vessels.ship_types" {
		t.Errorf("static saying military: %+v", d)
	}
	if _, d := p.Partner("JP-JCG").Static(vessel.Static{MMSI: navyIN.MMSI, Name: "INS X"}, navyIN, "", 0); d.Allow {
		t.Errorf("navy static shared: %+v", d)
	}
	if _, d := p.Partner("JP-JCG").Static(s, navyIN, "", 0); d.Allow || d.Rule != "JP-JCG.input" {
		t.Errorf("mismatched static: %+v", d)
	}
}

func encounter(a, b policy.Vessel, at geo.Point) event.Event {
	return event.Event{
		ID: "encounter-" + a.MMSI.String() + "-" + b.MMSI.String() + "-1740830400000", Type: event.Encounter,
		Start: t0, End: t0 + 3*3600*1000, Lat: at.Lat, Lon: at.Lon,
		Vessels: []vessel.MMSI{a.MMSI, b.MMSI}, Zone: "Colombo anchorage", Preset: "gfw",
		Params:   map[string]float64{"max_distance": 500},
		Measures: map[string]float64{"duration": 10800, "median_distance": 120},
		Evidence: []vessel.Position{
			{MMSI: a.MMSI, Time: t0, Lat: at.Lat, Lon: at.Lon, Source: "sat-1"},
			{MMSI: b.MMSI, Time: t0 + 3*3600*1000, Lat: at.Lat + 0.001, Lon: at.Lon, Source: "sat-2"},
		},
		Version: 2,
	}
}

func TestEvent(t *testing.T) {
	p := loadExample(t)
	hour := vessel.Time(time.Hour / time.Millisecond)
	tests := []struct {
		name    string
		partner string
		ev      event.Event
		vs      []policy.Vessel
		allow   bool
		rule    string
		nEvid   int
	}{
		{"two cargo ships", "JP-JCG", encounter(cargoPA, tankerLR, arabianSea), []policy.Vessel{cargoPA, tankerLR}, true, "JP-JCG.share.events", 2},
		{"one navy vessel denies all", "JP-JCG", encounter(cargoPA, navyIN, arabianSea), []policy.Vessel{cargoPA, navyIN}, false, "JP-JCG.exclude_vessels.mmsi", 0},
		{"one warship denies all", "JP-JCG", encounter(warship, tankerLR, arabianSea), []policy.Vessel{warship, tankerLR}, false, "JP-JCG.exclude_vessels.ship_types", 0},
		{"vessel missing from vs, include-by-type", "LK-MRCC", encounter(fishLK, tankerLR, offColombo), []policy.Vessel{fishLK}, false, "LK-MRCC.include_vessels.ship_types", 0},
		{"narrow partner", "LK-MRCC", encounter(fishLK, tankerLR, offColombo), []policy.Vessel{fishLK, tankerLR}, true, "LK-MRCC.share.events", 2},
		{"type not shared", "LK-MRCC", func() event.Event { e := encounter(fishLK, tankerLR, offColombo); e.Type = event.Loitering; return e }(), []policy.Vessel{fishLK, tankerLR}, false, "LK-MRCC.share.events", 0},
		{"type never shared", "JP-JCG", func() event.Event { e := encounter(cargoPA, tankerLR, arabianSea); e.Type = event.PortVisit; return e }(), []policy.Vessel{cargoPA, tankerLR}, false, "JP-JCG.share.events", 0},
		{"event in excluded area", "JP-JCG", encounter(cargoPA, tankerLR, karwar), []policy.Vessel{cargoPA, tankerLR}, false, "JP-JCG.exclude_areas", 0},
		{"event outside include", "JP-JCG", encounter(cargoPA, tankerLR, southChina), []policy.Vessel{cargoPA, tankerLR}, false, "JP-JCG.include_areas", 0},
		{"no vessels", "JP-JCG", func() event.Event { e := encounter(cargoPA, tankerLR, arabianSea); e.Vessels = nil; return e }(), nil, false, "JP-JCG.input", 0},
		{"evidence in excluded area removed", "JP-JCG", func() event.Event {
			e := encounter(cargoPA, tankerLR, arabianSea)
			e.Evidence[1].Lat, e.Evidence[1].Lon = karwar.Lat, karwar.Lon
			return e
		}(), []policy.Vessel{cargoPA, tankerLR}, true, "JP-JCG.share.events", 1},
		{"evidence outside include removed", "JP-JCG", func() event.Event {
			e := encounter(cargoPA, tankerLR, arabianSea)
			e.Evidence[0].Lat, e.Evidence[0].Lon = southChina.Lat, southChina.Lon
			return e
		}(), []policy.Vessel{cargoPA, tankerLR}, true, "JP-JCG.share.events", 1},
		{"evidence of a vessel not in the event, excluded", "JP-JCG", func() event.Event {
			e := encounter(cargoPA, tankerLR, arabianSea)
			e.Evidence = append(e.Evidence, vessel.Position{MMSI: navyIN.MMSI, Time: t0, Lat: arabianSea.Lat, Lon: arabianSea.Lon})
			return e
		}(), []policy.Vessel{cargoPA, tankerLR, navyIN}, true, "JP-JCG.share.events", 2},
		{"retracted judged alike", "JP-JCG", func() event.Event { e := encounter(cargoPA, tankerLR, arabianSea); e.Retracted = true; return e }(), []policy.Vessel{cargoPA, tankerLR}, true, "JP-JCG.share.events", 2},
		{"loop", "JP-JCG", encounter(cargoPA, tankerLR, arabianSea), []policy.Vessel{cargoPA, tankerLR}, false, "loop", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin, hops := "", 0
			if tt.rule == "loop" {
				origin, hops = tt.partner, 1
			}
			in := tt.ev
			evidence := slices.Clone(in.Evidence)
			out, nb, d := p.Partner(tt.partner).Event(in, tt.vs, origin, hops)
			if d.Allow != tt.allow || d.Rule != tt.rule {
				t.Fatalf("Event = %+v; want %v %q", d, tt.allow, tt.rule)
			}
			if !slices.Equal(in.Evidence, evidence) {
				t.Error("input evidence modified")
			}
			if !d.Allow {
				if out.ID != "" || out.Evidence != nil {
					t.Errorf("denied, yet returned %+v", out)
				}
				return
			}
			if len(out.Evidence) != tt.nEvid {
				t.Errorf("%d evidence positions; want %d", len(out.Evidence), tt.nEvid)
			}
			for _, e := range out.Evidence {
				if e.Source != "" || e.MMSI == navyIN.MMSI {
					t.Errorf("evidence %+v leaked", e)
				}
			}
			if out.Zone != "" {
				t.Errorf("zone name %q kept", out.Zone)
			}
			if out.Params["max_distance"] != 500 || out.Measures["duration"] != 10800 {
				t.Errorf("params/measures lost: %v %v", out.Params, out.Measures)
			}
			if tt.partner == "LK-MRCC" {
				if want := max(in.End, in.Start) + hour; nb != want {
					t.Errorf("notBefore %v; want %v", nb, want)
				}
				if out.Lat == in.Lat && out.Lon == in.Lon {
					t.Error("event position not rounded")
				}
				for i, e := range out.Evidence {
					if rl, rn := p.Partner(tt.partner).Round(e.Lat, e.Lon); rl != e.Lat || rn != e.Lon || e == in.Evidence[i] {
						t.Errorf("evidence %d not rounded: %+v", i, e)
					}
				}
			} else if nb != 0 {
				t.Errorf("notBefore %v without delay", nb)
			}
			out.Measures["duration"] = 0
			if in.Measures["duration"] != 10800 {
				t.Error("Measures shared with the input")
			}
		})
	}
}

func record(tlp incident.TLP, to ...string) incident.Incident {
	return incident.Incident{
		ID: "incident--7d1c", Version: 1, Kind: incident.KindIncident, Category: incident.Piracy,
		Title: "Attempted boarding", Narrative: "Skiff approached", Start: t0,
		Lat: arabianSea.Lat, Lon: arabianSea.Lon, HasPoint: true,
		Vessels: []vessel.MMSI{cargoPA.MMSI, navyIN.MMSI},
		Events:  []string{"encounter-351234000-636012345-1740830400000", "encounter-351234000-419000001-1740830400000", "gap-351234000-z3-1740830400000", "port_visit-351234000-z1-1740830400000", "not-an-id", "gap-35123400-1740830400000", "AU-MBC/gap-351234000-1740830400000", "a/b/gap-351234000-1740830400000"},
		Source:  "IN-IFC watch officer", Origin: "IN-IFC", TLP: tlp, ReleasableTo: to,
		Created: t0, Updated: t0,
	}
}

func TestIncident(t *testing.T) {
	p := loadExample(t)
	tests := []struct {
		name    string
		partner string
		in      incident.Incident
		allow   bool
		rule    string
	}{
		{"CLEAR", "JP-JCG", record(incident.TLPClear), true, "JP-JCG.share.incidents"},
		{"GREEN", "JP-JCG", record(incident.TLPGreen), true, "JP-JCG.share.incidents"},
		{"GREEN with a list not naming the partner", "JP-JCG", record(incident.TLPGreen, "LK-MRCC"), true, "JP-JCG.share.incidents"},
		{"AMBER, partner listed", "JP-JCG", record(incident.TLPAmber, "AU-MBC", "JP-JCG"), true, "JP-JCG.share.incidents"},
		{"AMBER, partner not listed", "JP-JCG", record(incident.TLPAmber, "AU-MBC"), false, "JP-JCG.releasable_to"},
		{"AMBER, no list", "JP-JCG", record(incident.TLPAmber), false, "JP-JCG.releasable_to"},
		{"AMBER+STRICT above ceiling AMBER", "JP-JCG", record(incident.TLPAmberStrict, "JP-JCG"), false, "JP-JCG.tlp_ceiling"},
		{"RED, even listed", "JP-JCG", record(incident.TLPRed, "JP-JCG"), false, "tlp red"},
		{"AMBER above default-like ceiling GREEN", "LK-MRCC", func() incident.Incident {
			r := record(incident.TLPAmber, "LK-MRCC")
			r.Lat, r.Lon = offColombo.Lat, offColombo.Lon
			return r
		}(), false, "LK-MRCC.tlp_ceiling"},
		{"marking out of range", "JP-JCG", record(incident.TLP(9)), false, "JP-JCG.input"},
		{"negative marking", "JP-JCG", record(incident.TLP(-1)), false, "JP-JCG.input"},
		{"assessment not shared to LK", "LK-MRCC", func() incident.Incident {
			r := record(incident.TLPClear)
			r.Kind = incident.KindAssessment
			return r
		}(), false, "LK-MRCC.share.assessments"},
		{"unknown kind", "JP-JCG", func() incident.Incident { r := record(incident.TLPClear); r.Kind = "rumour"; return r }(), false, "JP-JCG.input"},
		{"point in excluded area", "JP-JCG", func() incident.Incident {
			r := record(incident.TLPClear)
			r.Lat, r.Lon = karwar.Lat, karwar.Lon
			return r
		}(), false, "JP-JCG.exclude_areas"},
		{"point outside include", "JP-JCG", func() incident.Incident {
			r := record(incident.TLPClear)
			r.Lat, r.Lon = southChina.Lat, southChina.Lon
			return r
		}(), false, "JP-JCG.include_areas"},
		{"no place, include areas", "JP-JCG", func() incident.Incident { r := record(incident.TLPClear); r.HasPoint = false; return r }(), false, "JP-JCG.include_areas"},
		{"deleted version passes", "JP-JCG", func() incident.Incident { r := record(incident.TLPGreen); r.Deleted, r.Version = true, 3; return r }(), true, "JP-JCG.share.incidents"},
		{"deleted RED stays", "JP-JCG", func() incident.Incident { r := record(incident.TLPRed); r.Deleted = true; return r }(), false, "tlp red"},
		{"unknown partner", "CN-MSA", record(incident.TLPClear), false, "default deny"},
		{"partner's own record", "JP-JCG", func() incident.Incident { r := record(incident.TLPClear); r.Origin = "JP-JCG"; return r }(), false, "loop"},
		{"third node's record, relay off", "JP-JCG", func() incident.Incident { r := record(incident.TLPClear); r.Origin = "AU-MBC"; return r }(), false, "JP-JCG.relay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, d := p.Partner(tt.partner).IncidentWithVessels(tt.in, []policy.Vessel{cargoPA, tankerLR, navyIN}, "", 0)
			if d.Allow != tt.allow || d.Rule != tt.rule {
				t.Fatalf("Incident = %+v; want %v %q", d, tt.allow, tt.rule)
			}
			if !d.Allow {
				if out.ID != "" {
					t.Errorf("denied, yet returned %+v", out)
				}
				return
			}
			if out.Deleted != tt.in.Deleted || out.ID != tt.in.ID || out.Title != tt.in.Title {
				t.Errorf("record changed: %+v", out)
			}
			if !slices.Equal(out.Vessels, []vessel.MMSI{cargoPA.MMSI}) {
				t.Errorf("linked vessels %v; want the navy unit removed", out.Vessels)
			}
			// The encounter with the navy unit, the port visit (a type not
			// shared) and the malformed IDs are dropped.
			if want := []string{"encounter-351234000-636012345-1740830400000", "gap-351234000-z3-1740830400000", "AU-MBC/gap-351234000-1740830400000"}; !slices.Equal(out.Events, want) {
				t.Errorf("linked events %v; want %v", out.Events, want)
			}
		})
	}
}

func TestIncidentRoundedAndCopied(t *testing.T) {
	const file = `{"version":1,"node":"A","partners":{"B":{"share":{"incidents":true},"precision_m":5000}}}`
	p, err := policy.Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	in := record(incident.TLPClear)
	in.Origin = "A"
	in.Lat, in.Lon = 15.123456, 65.654321
	out, d := p.Partner("B").Incident(in, "", 0)
	if !d.Allow {
		t.Fatal(d)
	}
	if out.Lat == in.Lat || geo.Distance(geo.Point{Lat: in.Lat, Lon: in.Lon}, geo.Point{Lat: out.Lat, Lon: out.Lon}) > 5000*0.71 {
		t.Errorf("point %v,%v not rounded within bound", out.Lat, out.Lon)
	}
	out.Vessels[0] = 1
	if in.Vessels[0] != cargoPA.MMSI {
		t.Error("Vessels shared with the input")
	}
}

func TestAssessmentArea(t *testing.T) {
	p := loadExample(t)
	sq := func(w, s, e, n float64) geo.MultiPolygon {
		return geo.MultiPolygon{{Outer: geo.Ring{{Lat: s, Lon: w}, {Lat: s, Lon: e}, {Lat: n, Lon: e}, {Lat: n, Lon: w}, {Lat: s, Lon: w}}}}
	}
	tests := []struct {
		name  string
		area  geo.MultiPolygon
		allow bool
		rule  string
	}{
		{"Gulf of Aden", sq(43, 11, 51, 15), true, "JP-JCG.share.assessments"},
		{"straddles the IOR edge", sq(100, 0, 120, 10), true, "JP-JCG.share.assessments"},
		{"contains all of the IOR", sq(0, -60, 170, 50), false, "JP-JCG.exclude_areas"}, // holds Karwar too
		{"South China Sea", sq(110, 5, 120, 20), false, "JP-JCG.include_areas"},
		{"near Karwar", sq(73.5, 14.5, 74.1, 15.5), false, "JP-JCG.exclude_areas"},
		{"round Port Blair", sq(92, 11, 93, 12), false, "JP-JCG.exclude_areas"},
		{"bad vertex", geo.MultiPolygon{{Outer: geo.Ring{{Lat: 95, Lon: 60}, {Lat: 10, Lon: 61}, {Lat: 11, Lon: 60}}}}, false, "JP-JCG.input"},
	}
	for _, tt := range tests {
		r := record(incident.TLPGreen)
		r.Kind, r.HasPoint, r.Area = incident.KindAssessment, false, tt.area
		out, d := p.Partner("JP-JCG").Incident(r, "", 0)
		if d.Allow != tt.allow || d.Rule != tt.rule {
			t.Errorf("%s: %+v; want %v %q", tt.name, d, tt.allow, tt.rule)
			continue
		}
		if d.Allow {
			out.Area[0].Outer[0].Lat = -1
			if r.Area[0].Outer[0].Lat == -1 {
				t.Errorf("%s: area shared with the input", tt.name)
			}
		}
	}
}

func TestInbound(t *testing.T) {
	const file = `{"version":1,"node":"A","partners":{
	  "B":{"accept":["position","event"],"weight":0.5},
	  "C":{"accept":["position"],"ignore":true},
	  "D":{"share":{"positions":true}}}}`
	p, err := policy.Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		partner string
		kind    policy.Kind
		origin  string
		hops    int
		allow   bool
		rule    string
	}{
		{"B", policy.KindPosition, "B", 1, true, "B.accept"},
		{"B", policy.KindEvent, "B", 1, true, "B.accept"},
		{"B", policy.KindStatic, "B", 1, false, "B.accept"},
		{"B", policy.KindIncident, "B", 1, false, "B.accept"},
		{"B", "gossip", "B", 1, false, "B.accept"},
		{"B", policy.KindPosition, "E", 2, true, "B.accept"},
		{"B", policy.KindPosition, "E", 3, false, "B.max_hops"},
		{"B", policy.KindPosition, "E", 1, false, "B.input"},
		{"B", policy.KindPosition, "A", 2, false, "loop"},
		{"B", policy.KindPosition, "B", 0, false, "B.input"},
		{"C", policy.KindPosition, "C", 1, false, "C.ignore"},
		{"D", policy.KindPosition, "D", 1, false, "D.accept"}, // accepts nothing by default
		{"Z", policy.KindPosition, "Z", 1, false, "default deny"},
	}
	for _, tt := range tests {
		d := p.Partner(tt.partner).Inbound(tt.kind, tt.origin, tt.hops)
		if d.Allow != tt.allow || d.Rule != tt.rule {
			t.Errorf("%s %s from %q hops %d: %+v; want %v %q", tt.partner, tt.kind, tt.origin, tt.hops, d, tt.allow, tt.rule)
		}
	}
	if d := p.Partner("B").Accept(policy.KindPosition); !d.Allow {
		t.Errorf("Accept: %+v", d)
	}
	for name, want := range map[string]float64{"B": 0.5, "C": 0, "D": 1, "Z": 0} {
		if got := p.Partner(name).Weight(); got != want {
			t.Errorf("%s Weight() = %v; want %v", name, got, want)
		}
	}
}

// The zero Partner, a nil Policy and a policy with no partners deny
// everything.
func TestFailClosed(t *testing.T) {
	empty, err := policy.Parse([]byte(`{"version":1,"node":"A","partners":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	nothing, err := policy.Parse([]byte(`{"version":1,"node":"A","partners":{"B":{}}}`))
	if err != nil {
		t.Fatal(err)
	}
	var nilPolicy *policy.Policy
	var nilPartner *policy.Partner
	for name, pt := range map[string]*policy.Partner{
		"zero": {}, "nil policy": nilPolicy.Partner("B"), "empty": empty.Partner("B"), "nil": nilPartner,
		"no share": nothing.Partner("B"),
	} {
		if _, _, d := pt.Position(pos(cargoPA, arabianSea), cargoPA, "", 0); d.Allow {
			t.Errorf("%s: position allowed", name)
		}
		if _, d := pt.Static(vessel.Static{MMSI: cargoPA.MMSI}, cargoPA, "", 0); d.Allow {
			t.Errorf("%s: static allowed", name)
		}
		if _, _, d := pt.Event(encounter(cargoPA, tankerLR, arabianSea), nil, "", 0); d.Allow {
			t.Errorf("%s: event allowed", name)
		}
		if _, d := pt.Incident(record(incident.TLPClear), "", 0); d.Allow {
			t.Errorf("%s: incident allowed", name)
		}
		if d := pt.Accept(policy.KindPosition); d.Allow {
			t.Errorf("%s: accepted", name)
		}
	}
	if d := nothing.Partner("B").Accept(policy.KindPosition); d.Rule != "B.accept" {
		t.Errorf("rule %q", d.Rule)
	}
}

func TestParseErrors(t *testing.T) {
	base := func(partner string) string {
		return `{"version":1,"node":"IN-IFC","areas":{"a":{"bbox":[60,0,70,10]}},"partners":{"JP-JCG":` + partner + `}}`
	}
	tests := []struct {
		name     string
		file     string
		sentinel error
		partner  string
		field    string
	}{
		{"not JSON", `{`, policy.ErrSyntax, "", ""},
		{"trailing data", `{"version":1,"node":"A","partners":{}} {}`, policy.ErrSyntax, "", ""},
		{"duplicate partner", `{"version":1,"node":"A","partners":{"B":{},"B":{}}}`, policy.ErrSyntax, "", ""},
		{"duplicate key in partner", base(`{"relay":true,"relay":false}`), policy.ErrSyntax, "", ""},
		{"too deep", strings.Repeat("[", 100) + strings.Repeat("]", 100), policy.ErrSyntax, "", ""},
		{"no version", `{"node":"A","partners":{}}`, policy.ErrVersion, "", "version"},
		{"version 2", `{"version":2,"node":"A","partners":{}}`, policy.ErrVersion, "", "version"},
		{"unknown top key", `{"version":1,"node":"A","partners":{},"sharing":{}}`, policy.ErrInvalid, "", ""},
		{"version as string", `{"version":"1","node":"A","partners":{}}`, policy.ErrInvalid, "", ""},
		{"no node", `{"version":1,"partners":{}}`, policy.ErrInvalid, "", "node"},
		{"bad partner name", `{"version":1,"node":"A","partners":{"B C":{}}}`, policy.ErrInvalid, "B C", ""},
		{"partner named as node", `{"version":1,"node":"A","partners":{"A":{}}}`, policy.ErrInvalid, "A", ""},
		{"unknown partner key", base(`{"shares":{}}`), policy.ErrInvalid, "JP-JCG", ""},
		{"unknown share key", base(`{"share":{"tracks":true}}`), policy.ErrInvalid, "JP-JCG", ""},
		{"wrong type", base(`{"relay":"yes"}`), policy.ErrInvalid, "JP-JCG", ""},
		{"unknown event type", base(`{"share":{"events":["collision"]}}`), policy.ErrInvalid, "JP-JCG", "share.events[0]"},
		{"all with others", base(`{"share":{"events":["all","gap"]}}`), policy.ErrInvalid, "JP-JCG", "share.events[0]"},
		{"event type twice", base(`{"share":{"events":["gap","gap"]}}`), policy.ErrInvalid, "JP-JCG", "share.events[1]"},
		{"unknown area", base(`{"include_areas":["b"]}`), policy.ErrInvalid, "JP-JCG", "include_areas[0]"},
		{"empty include list", base(`{"include_areas":[]}`), policy.ErrInvalid, "JP-JCG", "include_areas"},
		{"unknown category", base(`{"exclude_vessels":{"ship_types":["navy"]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.ship_types[0]"},
		{"ship type 256", base(`{"exclude_vessels":{"ship_types":[256]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.ship_types[0]"},
		{"ship type 3.5", base(`{"exclude_vessels":{"ship_types":[35, 3.5]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.ship_types[1]"},
		{"bad range", base(`{"include_vessels":{"ship_types":["89-80"]}}`), policy.ErrInvalid, "JP-JCG", "include_vessels.ship_types[0]"},
		{"ship type object", base(`{"include_vessels":{"ship_types":[{}]}}`), policy.ErrInvalid, "JP-JCG", "include_vessels.ship_types[0]"},
		{"unknown class", base(`{"exclude_vessels":{"classes":["submarine"]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.classes[0]"},
		{"unknown flag", base(`{"exclude_vessels":{"flags":["JA"]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.flags[0]"},
		{"lower-case flag", base(`{"exclude_vessels":{"flags":["in"]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.flags[0]"},
		{"MMSI too long", base(`{"exclude_vessels":{"mmsi":[1234567890]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.mmsi[0]"},
		{"MMSI zero", base(`{"exclude_vessels":{"mmsi":[0]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.mmsi[0]"},
		{"MMSI negative", base(`{"exclude_vessels":{"mmsi":[-1]}}`), policy.ErrInvalid, "JP-JCG", ""},
		{"empty vessels block", base(`{"exclude_vessels":{}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels."},
		{"empty mmsi list", base(`{"exclude_vessels":{"mmsi":[]}}`), policy.ErrInvalid, "JP-JCG", "exclude_vessels.mmsi"},
		{"negative precision", base(`{"precision_m":-5}`), policy.ErrInvalid, "JP-JCG", "precision_m"},
		{"tiny precision", base(`{"precision_m":0.5}`), policy.ErrInvalid, "JP-JCG", "precision_m"},
		{"huge precision", base(`{"precision_m":1e9}`), policy.ErrInvalid, "JP-JCG", "precision_m"},
		{"bad duration", base(`{"delay":"an hour"}`), policy.ErrInvalid, "JP-JCG", "delay"},
		{"negative duration", base(`{"delay":"-1h"}`), policy.ErrInvalid, "JP-JCG", "delay"},
		{"bad TLP", base(`{"tlp_ceiling":"YELLOW"}`), policy.ErrInvalid, "JP-JCG", "tlp_ceiling"},
		{"RED ceiling", base(`{"tlp_ceiling":"RED"}`), policy.ErrInvalid, "JP-JCG", "tlp_ceiling"},
		{"max_hops 0", base(`{"max_hops":0}`), policy.ErrInvalid, "JP-JCG", "max_hops"},
		{"unknown accept kind", base(`{"accept":["rumour"]}`), policy.ErrInvalid, "JP-JCG", "accept[0]"},
		{"weight 0", base(`{"weight":0}`), policy.ErrInvalid, "JP-JCG", "weight"},
		{"weight 2", base(`{"weight":2}`), policy.ErrInvalid, "JP-JCG", "weight"},
		{"bbox 3 numbers", `{"version":1,"node":"A","areas":{"a":{"bbox":[1,2,3]}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.bbox"},
		{"bbox south > north", `{"version":1,"node":"A","areas":{"a":{"bbox":[1,20,3,10]}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.bbox"},
		{"bbox lon 200", `{"version":1,"node":"A","areas":{"a":{"bbox":[1,2,200,10]}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.bbox"},
		{"bbox and geometry", `{"version":1,"node":"A","areas":{"a":{"bbox":[1,2,3,4],"geometry":{"type":"Polygon","coordinates":[]}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a"},
		{"neither", `{"version":1,"node":"A","areas":{"a":{}},"partners":{}}`, policy.ErrInvalid, "", "areas.a"},
		{"point geometry", `{"version":1,"node":"A","areas":{"a":{"geometry":{"type":"Point","coordinates":[1,2]}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.geometry"},
		{"feature, not geometry", `{"version":1,"node":"A","areas":{"a":{"geometry":{"type":"Feature","geometry":null}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.geometry"},
		{"open ring", `{"version":1,"node":"A","areas":{"a":{"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.geometry"},
		{"latitude 95", `{"version":1,"node":"A","areas":{"a":{"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.geometry"},
		{"edge spanning 200 degrees", `{"version":1,"node":"A","areas":{"a":{"geometry":{"type":"Polygon","coordinates":[[[-100,-10],[100,-10],[100,10],[-100,10],[-100,-10]]]}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.geometry.coordinates[0][1]"},
		{"unsplit antimeridian edge", `{"version":1,"node":"A","areas":{"a":{"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[170,0],[-170,0],[-170,5],[170,5],[170,0]]]]}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.geometry.coordinates[1][0][1]"},
		{"empty polygon", `{"version":1,"node":"A","areas":{"a":{"geometry":{"type":"MultiPolygon","coordinates":[]}}},"partners":{}}`, policy.ErrInvalid, "", "areas.a.geometry"},
		{"too large", `{"version":1,"comment":"` + strings.Repeat("x", policy.MaxFileBytes) + `"}`, policy.ErrTooLarge, "", ""},
		{"long comment", `{"version":1,"node":"A","comment":"` + strings.Repeat("x", 5000) + `","partners":{}}`, policy.ErrTooLarge, "", "comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(tt.file))
			if err == nil {
				t.Fatalf("Parse succeeded: %v", p.Partners())
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("error %v; want it to wrap %v", err, tt.sentinel)
			}
			var ce *policy.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			if ce.Partner != tt.partner || (tt.field != "" && ce.Field != tt.field) {
				t.Errorf("error names partner %q field %q; want %q %q (%v)", ce.Partner, ce.Field, tt.partner, tt.field, err)
			}
			if !strings.HasPrefix(err.Error(), "policy: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := policy.Load(filepath.Join(t.TempDir(), "missing.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"node":"A","partners":{"B":{"delay":"soon"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = policy.Load(path)
	var ce *policy.ConfigError
	if !errors.As(err, &ce) || ce.Partner != "B" || !strings.Contains(err.Error(), path) {
		t.Errorf("bad file: %v", err)
	}
}

func TestParseTLP(t *testing.T) {
	for in, want := range map[string]incident.TLP{"CLEAR": incident.TLPClear, "tlp:green": incident.TLPGreen, "TLP:AMBER": incident.TLPAmber,
		"amber+strict": incident.TLPAmberStrict, "RED": incident.TLPRed} {
		if got, err := policy.ParseTLP(in); err != nil || got != want {
			t.Errorf("ParseTLP(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "WHITE", "AMBER STRICT", "TLP:"} {
		if _, err := policy.ParseTLP(in); !errors.Is(err, policy.ErrInvalid) {
			t.Errorf("ParseTLP(%q): %v; want ErrInvalid", in, err)
		}
	}
}

func TestShipTypeNamesAndRanges(t *testing.T) {
	const file = `{"version":1,"node":"A","partners":{"B":{"share":{"positions":true},
	  "include_vessels":{"ship_types":["tanker", 30, "60-62", "unknown"]}}}}`
	p, err := policy.Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	b := p.Partner("B")
	for typ := 0; typ < 256; typ++ {
		want := typ >= 80 && typ <= 89 || typ == 30 || typ >= 60 && typ <= 62 || vessel.ShipCategory(uint8(typ)) == vessel.CategoryUnknown
		v := policy.Vessel{MMSI: 351234000, ShipType: typ}
		_, _, d := b.Position(pos(v, arabianSea), v, "", 0)
		if d.Allow != want {
			t.Errorf("type %d: allow %v; want %v", typ, d.Allow, want)
		}
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	p := loadExample(t)
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := policy.Parse(b)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, b)
	}
	b2, _ := q.MarshalJSON()
	if string(b) != string(b2) {
		t.Errorf("not stable:\n%s\n%s", b, b2)
	}
	for _, name := range p.Partners() {
		for _, v := range []policy.Vessel{cargoPA, navyIN, fishLK, unknownT} {
			for _, at := range []geo.Point{arabianSea, offColombo, karwar, portBlair} {
				o1, n1, d1 := p.Partner(name).Position(pos(v, at), v, "", 0)
				o2, n2, d2 := q.Partner(name).Position(pos(v, at), v, "", 0)
				if o1 != o2 || n1 != n2 || d1 != d2 {
					t.Errorf("%s %v %v: %v %v", name, v, at, d1, d2)
				}
			}
		}
	}
}

// TestWideEdges checks the rule on polygon edges: an exclude area written
// as a polygon from -100° to 100° is refused (it used to be read the short
// way round and exclude nothing between -100° and 100°), the error names
// the rule and the vertex, and the explicit ways across the antimeridian
// (split at ±180°, or longitudes beyond 180°) and a bbox of the same
// extent work as written.
func TestWideEdges(t *testing.T) {
	file := func(geometry string) string {
		return `{"version":1,"node":"IN-IFC","areas":{"x":` + geometry + `},
		"partners":{"JP-JCG":{"share":{"positions":true},"exclude_areas":["x"]}}}`
	}
	_, err := policy.Parse([]byte(file(`{"geometry":{"type":"Polygon","coordinates":[[[-100,-60],[100,-60],[100,60],[-100,60],[-100,-60]]]}}`)))
	if err == nil {
		t.Fatal("a polygon with 200°-wide edges was accepted")
	}
	for _, want := range []string{"areas.x.geometry.coordinates[0][1]", "vertex 0 [-100, -60]", "vertex 1 [100, -60]", "spans 200°", "at most 180°"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	pos := func(lat, lon float64) vessel.Position {
		return vessel.Position{MMSI: 636012345, Time: 1, Lat: lat, Lon: lon}
	}
	tests := []struct {
		name, area string
		lat, lon   float64
		excluded   bool
	}{
		{"bbox -100..100, inside", `{"bbox":[-100,-60,100,60]}`, 10, 0, true},
		{"bbox -100..100, at 99", `{"bbox":[-100,-60,100,60]}`, 10, 99, true},
		{"bbox -100..100, across the antimeridian", `{"bbox":[-100,-60,100,60]}`, 10, 179, false},
		{"polygon with a vertex at 0, inside", `{"geometry":{"type":"Polygon","coordinates":[[[-100,-60],[0,-60],[100,-60],[100,60],[0,60],[-100,60],[-100,-60]]]}}`, 10, 50, true},
		{"polygon with a vertex at 0, outside", `{"geometry":{"type":"Polygon","coordinates":[[[-100,-60],[0,-60],[100,-60],[100,60],[0,60],[-100,60],[-100,-60]]]}}`, 10, -150, false},
		{"beyond 180, east of the antimeridian", `{"geometry":{"type":"Polygon","coordinates":[[[170,0],[190,0],[190,5],[170,5],[170,0]]]}}`, 2, -175, true},
		{"beyond 180, at 0", `{"geometry":{"type":"Polygon","coordinates":[[[170,0],[190,0],[190,5],[170,5],[170,0]]]}}`, 2, 0, false},
		{"split at 180, west part", `{"geometry":{"type":"MultiPolygon","coordinates":[[[[170,0],[180,0],[180,5],[170,5],[170,0]]],[[[-180,0],[-170,0],[-170,5],[-180,5],[-180,0]]]]}}`, 2, 175, true},
		{"split at 180, east part", `{"geometry":{"type":"MultiPolygon","coordinates":[[[[170,0],[180,0],[180,5],[170,5],[170,0]]],[[[-180,0],[-170,0],[-170,5],[-180,5],[-180,0]]]]}}`, 2, -175, true},
		{"split at 180, outside", `{"geometry":{"type":"MultiPolygon","coordinates":[[[[170,0],[180,0],[180,5],[170,5],[170,0]]],[[[-180,0],[-170,0],[-170,5],[-180,5],[-180,0]]]]}}`, 2, -160, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := policy.Parse([]byte(file(tt.area)))
			if err != nil {
				t.Fatal(err)
			}
			_, _, d := p.Partner("JP-JCG").Position(pos(tt.lat, tt.lon), policy.Vessel{MMSI: 636012345, ShipType: 70}, "", 0)
			if d.Allow == tt.excluded {
				t.Errorf("position (%v, %v): %+v; want excluded %v", tt.lat, tt.lon, d, tt.excluded)
			}
			if tt.excluded && d.Rule != "JP-JCG.exclude_areas" {
				t.Errorf("rule %q", d.Rule)
			}
		})
	}
}
