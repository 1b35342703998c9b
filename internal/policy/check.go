package policy

import (
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// AreaBounds is a named area of a partner's rules and its bounding box
// in degrees (West > East when the box crosses the antimeridian).
type AreaBounds struct {
	Name                     string
	West, South, East, North float64
}

func boundsOf(as []*area) []AreaBounds {
	out := make([]AreaBounds, 0, len(as))
	for _, a := range as {
		b := a.bounds
		out = append(out, AreaBounds{Name: a.name, West: b.MinLon, South: b.MinLat, East: b.MaxLon, North: b.MaxLat})
	}
	return out
}

// IncludeAreas returns the partner's include areas with their bounding
// boxes, in the order of the file (none: everywhere).
func (pt *Partner) IncludeAreas() []AreaBounds {
	if !pt.Known() {
		return nil
	}
	return boundsOf(pt.include)
}

// ExcludeAreas returns the partner's exclude areas with their bounding
// boxes, in the order of the file.
func (pt *Partner) ExcludeAreas() []AreaBounds {
	if !pt.Known() {
		return nil
	}
	return boundsOf(pt.exclude)
}

// centre returns the middle of the box (across the antimeridian when it
// crosses it).
func (b AreaBounds) centre() geo.Point {
	e := b.East
	if b.West > e {
		e += 360
	}
	return geo.Point{Lat: (b.South + b.North) / 2, Lon: geo.NormalizeLon((b.West + e) / 2)}
}

// Sample is one decision of Samples: a local position of a vessel at a
// place, and what the partner's policy decides for it.
type Sample struct {
	What     string // "cargo vessel (type 70) at the centre of include area ior"
	Vessel   Vessel
	Lat, Lon float64
	Decision Decision
}

// Sample vessels: Liberian-flagged (MID 636), so that flag rules on the
// common flags of the region do not hide the ship-type rules.
var sampleVessels = []struct {
	what string
	v    Vessel
}{
	{"cargo vessel (type 70)", Vessel{MMSI: 636012345, ShipType: 70}},
	{"tanker (type 80)", Vessel{MMSI: 636012346, ShipType: 80}},
	{"fishing vessel (type 30)", Vessel{MMSI: 636012347, ShipType: 30}},
	{"military vessel (type 35)", Vessel{MMSI: 636012348, ShipType: 35}},
	{"law enforcement vessel (type 55)", Vessel{MMSI: 636012349, ShipType: 55}},
	{"vessel of unknown type (no static report yet)", Vessel{MMSI: 636012350}},
}

// Samples returns sample decisions of the partner's position rules, for
// "tidewatch policy check": a cargo vessel at the centre of the bounding
// box of each include and exclude area (or at 0°N 30°W when there are no
// areas), and vessels of several types (cargo, tanker, fishing, military,
// law enforcement, unknown) at the first of those places. The positions
// are local data (no relay), at time 0.
func (pt *Partner) Samples() []Sample {
	type place struct {
		what string
		p    geo.Point
	}
	var places []place
	for _, a := range pt.IncludeAreas() {
		places = append(places, place{"at the centre of include area " + a.Name, a.centre()})
	}
	for _, a := range pt.ExcludeAreas() {
		places = append(places, place{"at the centre of exclude area " + a.Name, a.centre()})
	}
	if len(pt.IncludeAreas()) == 0 {
		places = append(places, place{"in the open Atlantic", geo.Point{Lat: 0, Lon: -30}})
	}
	var out []Sample
	add := func(what string, v Vessel, at place) {
		pos := vessel.Position{MMSI: v.MMSI, Lat: at.p.Lat, Lon: at.p.Lon}
		_, _, d := pt.Position(pos, v, "", 0)
		out = append(out, Sample{What: what + " " + at.what, Vessel: v, Lat: at.p.Lat, Lon: at.p.Lon, Decision: d})
	}
	for _, at := range places {
		add(sampleVessels[0].what, sampleVessels[0].v, at)
	}
	for _, sv := range sampleVessels[1:] {
		add(sv.what, sv.v, places[0])
	}
	return out
}
