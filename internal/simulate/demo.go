package simulate

import (
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// IndianOcean is the region the demo's traffic is weighted to: longitude
// 30° to 110° east, latitude 45° south to 30° north.
func IndianOcean() geo.Rect {
	return geo.Rect{MinLat: -45, MinLon: 30, MaxLat: 30, MaxLon: 110}
}

// Demo is the traffic of "tidewatch demo": the fleet weighted to the
// Indian Ocean and its lanes, and a scripted story whose happenings come
// due in the first minute after Start.
type Demo struct {
	// Config is the simulation's configuration: Config.Vessels vessels,
	// LaneShare of the merchant ships on the ocean lanes, Focus on the
	// Indian Ocean, the story's vessels in Script, and the history before
	// the last 30 minutes at HistoryRate 0.01 (a ship under way every 10
	// to 17 minutes, none silent for more than 30). Rate is left to the
	// caller (the demo's is 0.5).
	Config Config
	// Start is the moment the demo starts (its node's clock).
	Start vessel.Time
	// Zone is the demo's watch zone: a name and a closed ring (first
	// point repeated last), in the Strait of Hormuz.
	Zone     string
	ZoneRing []geo.Point
	// The story: a fishing vessel and a reefer meeting at sea in the
	// Arabian Sea (their encounter opens EncounterAt, two hours after
	// they come within 500 m), a fishing vessel 40 km from them that
	// switches its AIS off six hours before DarkAt (the silence is a gap
	// from then) and comes back 40 minutes after, and a tanker bound into
	// the Gulf that enters Zone at ZoneAt.
	Fisher, Reefer, Dark, Tanker vessel.MMSI
	EncounterAt, DarkAt, ZoneAt  vessel.Time
}

// Demo story times, after Start. The detector holds reports back a few
// seconds to order them (the demo's reorder window) and the node commits
// about every second, so each event is listed within a minute.
const (
	demoEncounterAfter = 5_000
	demoDarkAfter      = 12_000
	demoZoneAfter      = 20_000
)

// NewDemo returns the demo's traffic for a fleet of vessels (plus the four
// of the story) starting at start.
func NewDemo(vessels int, start vessel.Time) Demo {
	d := Demo{
		Config: Config{Vessels: vessels, LaneShare: 0.5, Focus: Focus{Box: IndianOcean(), Share: 0.4},
			HistoryRate: 0.01, HistoryUntil: start - 30*60_000},
		Start: start,
		Zone:  "Hormuz watch (demo)",
		ZoneRing: []geo.Point{pt(25.9, 55.9), pt(25.9, 56.9), pt(26.8, 56.9), pt(26.8, 55.9),
			pt(25.9, 55.9)},
		Fisher: 416123450, Reefer: 357812000, Dark: 412345670, Tanker: 538009876,
		EncounterAt: start + demoEncounterAfter,
		DarkAt:      start + demoDarkAfter,
		ZoneAt:      start + demoZoneAfter,
	}
	const (
		minute = 60_000
		hour   = 60 * minute
	)
	h := func(x float64) vessel.Time { return vessel.Time(x * hour) }

	// The encounter: the fisher drifts south-west at 0.4 knots from six
	// hours before; the reefer comes in at 11 knots, closes from 1,200 m
	// to 150 m at about 3 knots (within 500 m at meet), and drifts with
	// it until an hour after the start, then leaves.
	e := pt(14.5, 61.0)
	meet := d.EncounterAt - h(2) - 20_000 // a report within 20 s
	drift0, drift1 := start-h(6), start+h(1)
	driftTo := geo.Destination(e, 225, 0.4*1852*7)
	fisherAt := func(t vessel.Time) geo.Point {
		f := float64(t-drift0) / float64(drift1-drift0)
		return geo.Point{Lat: e.Lat + f*(driftTo.Lat-e.Lat), Lon: e.Lon + f*(driftTo.Lon-e.Lon)}
	}
	ground := geo.Destination(e, 20, 12_000)
	fisher := Scripted{
		Vessel: Vessel{MMSI: d.Fisher, Kind: Fishing, Name: "HAI FENG 718", CallSign: "BK2718", ShipType: 30,
			ToBow: 40, ToStern: 12, ToPort: 5, ToStarboard: 5, Draught: 52},
		Track: []Waypoint{
			{start - h(25), ground, 7},
			{start - h(16), geo.Destination(ground, 250, 9_000), 7},
			{start - h(11), geo.Destination(ground, 160, 6_000), 7},
			{drift0, e, 7},
			{drift1, driftTo, 7},
			{drift1 + h(10), geo.Destination(driftTo, 45, 150_000), 0},
		},
	}
	// The reefer's offset from the fisher: 1,200 m to 150 m on a bearing
	// of 135° from it between t1 and t2, within 500 m at meet.
	const far, near, within = 1200.0, 150.0, 500.0
	dur := vessel.Time(700_000) // 1,050 m in 700 s: 1.5 m/s relative
	t1 := meet - vessel.Time(float64(dur)*(far-within)/(far-near))
	t2 := t1 + dur
	off := func(t vessel.Time, metres float64) geo.Point { return geo.Destination(fisherAt(t), 135, metres) }
	approach := off(t1, far)
	reefer := Scripted{
		Vessel: Vessel{MMSI: d.Reefer, Kind: Cargo, Name: "FROST PIONEER", CallSign: "3FQX7", IMO: 9301237, ShipType: 79,
			ToBow: 110, ToStern: 30, ToPort: 10, ToStarboard: 12, Draught: 88},
		Destination: "PORT LOUIS",
		Track: []Waypoint{
			{t1 - h(26), geo.Destination(approach, 40, 11*1852*26), 0},
			{t1, approach, 0},
			{t2, off(t2, near), 0},
			{drift1, off(drift1, near), 0},
			{drift1 + h(30), geo.Destination(off(drift1, near), 200, 12*1852*30), 0},
		},
	}
	// Going dark: 40 km north-west of the meeting, a fishing vessel
	// works back and forth at 0.8 knots and falls silent at DarkAt - 6 h,
	// heading back over the water it worked; it is heard again 40
	// minutes after DarkAt, a few kilometres on.
	p1 := geo.Destination(e, 315, 40_000)
	p2 := geo.Destination(p1, 90, 8_000)
	leg := h(8_000 / (0.8 * 1852)) // 8 km at 0.8 knots
	silent := d.DarkAt - h(6) + 1
	var dt []Waypoint
	at, here, there := silent-leg/2-8*leg, p1, p2
	for at < d.DarkAt+h(12) {
		dt = append(dt, Waypoint{at, here, 7})
		at += leg
		here, there = there, here
	}
	dark := Scripted{
		Vessel: Vessel{MMSI: d.Dark, Kind: Fishing, Name: "MING YANG 9", CallSign: "BYQM9", ShipType: 30,
			ToBow: 35, ToStern: 10, ToPort: 4, ToStarboard: 4, Draught: 45},
		Track: dt,
		Dark:  []Span{{silent, d.DarkAt + 40*minute}},
	}
	// The zone entry: a tanker on the lane from the Gulf of Oman crosses
	// the zone's southern edge (25.9° N) at ZoneAt, at 12 knots, and
	// anchors off the Gulf's ports.
	const kn = 12 * 1852.0 / 3600 // metres per second
	route := []geo.Point{pt(22.8, 60.1), pt(24.4, 58.6), pt(25.6, 57.1)}
	cross := pt(25.9, 57.1+(56.4-57.1)*(25.9-25.6)/(26.45-25.6))
	after := []geo.Point{pt(26.45, 56.4), pt(26.05, 55.6), pt(26.4, 53.8)}
	track := make([]Waypoint, len(route)+1+len(after))
	track[len(route)] = Waypoint{d.ZoneAt, cross, 0}
	for i, next := len(route)-1, cross; i >= 0; i-- {
		t := track[i+1].Time - vessel.Time(geo.Distance(route[i], next)/kn*1000)
		track[i] = Waypoint{t, route[i], 0}
		next = route[i]
	}
	for i, prev := 0, cross; i < len(after); i++ {
		j := len(route) + 1 + i
		track[j] = Waypoint{track[j-1].Time + vessel.Time(geo.Distance(prev, after[i])/kn*1000), after[i], 0}
		prev = after[i]
	}
	track[len(track)-1].Status = 1
	tanker := Scripted{
		Vessel: Vessel{MMSI: d.Tanker, Kind: Tanker, Name: "GULF SERENITY", CallSign: "V7QA9", IMO: 9412347, ShipType: 80,
			ToBow: 200, ToStern: 50, ToPort: 22, ToStarboard: 22, Draught: 142},
		Destination: "RAS TANURA",
		Track:       track,
	}
	d.Config.Script = []Scripted{fisher, reefer, dark, tanker}
	return d
}

// ZoneGeoJSON returns the demo's zone as a GeoJSON FeatureCollection of
// one Polygon feature named by its "name" property (longitude before
// latitude), as "tidewatch serve --zones" reads.
func (d Demo) ZoneGeoJSON() []byte {
	ring := make([][2]float64, len(d.ZoneRing))
	for i, p := range d.ZoneRing {
		ring[i] = [2]float64{p.Lon, p.Lat}
	}
	type geom struct {
		Type        string         `json:"type"`
		Coordinates [][][2]float64 `json:"coordinates"`
	}
	type feature struct {
		Type       string            `json:"type"`
		Properties map[string]string `json:"properties"`
		Geometry   geom              `json:"geometry"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{"FeatureCollection", []feature{{"Feature", map[string]string{"name": d.Zone}, geom{"Polygon", [][][2]float64{ring}}}}}
	b, err := json.Marshal(fc)
	if err != nil {
		panic("simulate: " + err.Error()) // plain values: cannot fail
	}
	return b
}

// Radar prepares the demo's radar and satellite story, for when the node
// takes those inputs (it does not yet): the scenario of NewRadarScenario
// in the Gulf of Aden (a patrol ship's radar and a fixed site among
// anchored ships, transits, vessels without AIS, a ship whose AIS falls
// silent, a spoofer) from ten minutes before Start for two hours, with
// SAR passes 30 seconds and 90 minutes after Start, so that the radars
// and the first pass report dark contacts, ships no AIS accounts for,
// within the first minute (TestDemoRadar). Its AIS is separate from
// Config's fleet.
func (d Demo) Radar(rng *rand.Rand) *RadarScenario {
	return NewRadarScenario(RadarConfig{Start: d.Start - 10*60_000, Duration: 2 * time.Hour,
		SARPasses: []time.Duration{10*time.Minute + 30*time.Second, 100 * time.Minute}}, rng)
}
