package policy

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// route applies the rules every outbound item passes first: the partner
// is known, the kind is shared, and the item's origin and hop count allow
// sending it to this partner.
func (pt *Partner) route(kind int, origin string, hops int) (Decision, bool) {
	if !pt.Known() {
		return Decision{Rule: RuleDefaultDeny}, false
	}
	if !pt.share[kind] {
		return pt.deny(shareRule[kind]), false
	}
	local := origin == "" || origin == pt.node
	switch {
	case origin == pt.name:
		return Decision{Rule: RuleLoop}, false // never back to where it came from
	case origin == pt.node && hops > 0:
		return Decision{Rule: RuleLoop}, false // our own data, come back round
	case hops < 0, local && hops != 0, !local && hops < 1:
		return pt.deny(ruleInput), false // a hop count that cannot be
	case hops >= pt.maxHops:
		return pt.deny(ruleMaxHops), false // sending adds a hop: hops+1 > max_hops
	case !local && !pt.relay:
		return pt.deny(ruleRelay), false
	}
	return pt.allow(shareRule[kind]), true
}

// placeRule checks a point against the area rules as it is and as it
// would be sent (rounded), and returns the rounded point.
func (pt *Partner) placeRule(lat, lon float64) (rlat, rlon float64, rule int, ok bool) {
	if !validPoint(lat, lon) {
		return 0, 0, ruleInput, false
	}
	if rule, ok := pt.pointRule(geo.Point{Lat: lat, Lon: lon}); !ok {
		return 0, 0, rule, false
	}
	rlat, rlon = pt.grid.round(lat, lon)
	if rlat == lat && rlon == lon {
		return rlat, rlon, 0, true
	}
	if rule, ok := pt.pointRule(geo.Point{Lat: rlat, Lon: rlon}); !ok {
		return 0, 0, rule, false
	}
	return rlat, rlon, 0, true
}

func (pt *Partner) notBefore(t vessel.Time) vessel.Time {
	if pt.delay == 0 {
		return 0
	}
	return t + pt.delay
}

// Position decides whether position p of vessel v, first produced at
// node origin ("" or this node for local data) and carried over hops
// links, may be sent to the partner. When it may, out is the copy to
// send: rounded to precision_m, Source cleared. notBefore is the time
// from which it may leave (p.Time + delay; 0 when there is no delay):
// the sender holds it until then.
//
// The rules, in order: the partner is known; share.positions; relay,
// loop and max_hops; v is the vessel of p; the vessel rules; the area
// rules, for the position as it is and as it is sent.
func (pt *Partner) Position(p vessel.Position, v Vessel, origin string, hops int) (out vessel.Position, notBefore vessel.Time, d Decision) {
	d, ok := pt.route(kindPosition, origin, hops)
	if !ok {
		return vessel.Position{}, 0, d
	}
	if p.MMSI != v.MMSI {
		return vessel.Position{}, 0, pt.deny(ruleInput)
	}
	if rule, ok := pt.vesselRule(v); !ok {
		return vessel.Position{}, 0, pt.deny(rule)
	}
	lat, lon, rule, ok := pt.placeRule(p.Lat, p.Lon)
	if !ok {
		return vessel.Position{}, 0, pt.deny(rule)
	}
	out = p
	out.Lat, out.Lon, out.Source = lat, lon, ""
	return out, pt.notBefore(p.Time), d
}

// Static decides whether static and voyage data s of vessel v may be
// sent to the partner, and returns the copy to send (Source cleared).
// Static data is not delayed and not checked against areas: it says
// nothing of where the vessel is. When s carries a ship type that
// differs from v's, the vessel rules must pass with both.
func (pt *Partner) Static(s vessel.Static, v Vessel, origin string, hops int) (vessel.Static, Decision) {
	d, ok := pt.route(kindStatic, origin, hops)
	if !ok {
		return vessel.Static{}, d
	}
	if s.MMSI != v.MMSI {
		return vessel.Static{}, pt.deny(ruleInput)
	}
	if s.Has&vessel.HasShipType != 0 && shipType(v.ShipType) == 0 {
		// The report says what the picture did not know yet: judge
		// the vessel by it.
		v.ShipType = int(s.ShipType)
	}
	if rule, ok := pt.vesselRule(v); !ok {
		return vessel.Static{}, pt.deny(rule)
	}
	if s.Has&vessel.HasShipType != 0 && int(s.ShipType) != v.ShipType {
		w := v
		w.ShipType = int(s.ShipType)
		if rule, ok := pt.vesselRule(w); !ok {
			return vessel.Static{}, pt.deny(rule)
		}
	}
	s.Source = ""
	return s, d
}

// lookup returns what vs says of m, or a Vessel with only the MMSI (type
// unknown; the flag comes from the MID).
func lookup(vs []Vessel, m vessel.MMSI) Vessel {
	for _, v := range vs {
		if v.MMSI == m {
			return v
		}
	}
	return Vessel{MMSI: m}
}

// Event decides whether event ev may be sent to the partner; vs describes
// its vessels (a vessel missing from vs is judged by its MMSI alone, so
// an include-by-type rule denies it). The rules: the partner is known;
// share.events lists ev.Type; relay, loop and max_hops; the event has
// vessels and every one of them passes the vessel rules (an encounter
// with one excluded vessel is denied entirely); the event's position
// passes the area rules as it is and rounded. The copy sent has its
// position rounded, Zone cleared unless keep_zone_names, and only the
// evidence positions that pass the vessel and area rules, rounded, with
// Source cleared. notBefore is the latest of Start, End and the evidence
// times, plus delay (0 when there is no delay).
func (pt *Partner) Event(ev event.Event, vs []Vessel, origin string, hops int) (event.Event, vessel.Time, Decision) {
	d, ok := pt.route(kindEvent, origin, hops)
	if !ok {
		return event.Event{}, 0, d
	}
	if !slices.Contains(pt.events, ev.Type) {
		return event.Event{}, 0, pt.deny(ruleShareEvents)
	}
	if len(ev.Vessels) == 0 {
		return event.Event{}, 0, pt.deny(ruleInput)
	}
	for _, m := range ev.Vessels {
		if rule, ok := pt.vesselRule(lookup(vs, m)); !ok {
			return event.Event{}, 0, pt.deny(rule)
		}
	}
	lat, lon, rule, ok := pt.placeRule(ev.Lat, ev.Lon)
	if !ok {
		return event.Event{}, 0, pt.deny(rule)
	}
	latest := max(ev.Start, ev.End)
	out := ev
	out.Lat, out.Lon = lat, lon
	out.Vessels = slices.Clone(ev.Vessels)
	if !pt.keepZones {
		out.Zone = ""
	}
	if ev.Measures != nil {
		out.Measures = make(map[string]float64, len(ev.Measures))
		for k, v := range ev.Measures {
			out.Measures[k] = v
		}
	}
	out.Evidence = nil
	for _, p := range ev.Evidence {
		latest = max(latest, p.Time)
		if _, ok := pt.vesselRule(lookup(vs, p.MMSI)); !ok {
			continue
		}
		lat, lon, _, ok := pt.placeRule(p.Lat, p.Lon)
		if !ok {
			continue
		}
		p.Lat, p.Lon, p.Source = lat, lon, ""
		out.Evidence = append(out.Evidence, p)
	}
	return out, pt.notBefore(latest), d
}

// Incident decides whether incident report or risk assessment in may be
// sent to the partner. See IncidentWithVessels; here the linked vessels
// are judged by their MMSIs alone.
func (pt *Partner) Incident(in incident.Incident, origin string, hops int) (incident.Incident, Decision) {
	return pt.IncidentWithVessels(in, nil, origin, hops)
}

// IncidentWithVessels is Incident with what the picture knows of the
// linked vessels. The rules: the partner is known; share.incidents (or
// share.assessments for an assessment); relay, loop and max_hops, for
// the origin given and for the record's own Origin; RED never leaves;
// the marking is at most tlp_ceiling; AMBER and AMBER+STRICT need the
// partner in ReleasableTo; the point (if any) passes the area rules as
// it is and rounded; the area (if any) meets an include area and comes
// near no exclude area (see the package documentation); a record with
// neither point nor area is denied when there are include areas.
//
// The copy sent has the point rounded, only the linked vessels that pass
// the vessel rules, and only the linked event IDs whose type is shared
// and whose vessels pass. Deleted versions are judged like any other, so
// a partner that could receive the record learns of its withdrawal.
func (pt *Partner) IncidentWithVessels(in incident.Incident, vs []Vessel, origin string, hops int) (incident.Incident, Decision) {
	kind := kindIncident
	switch in.Kind {
	case incident.KindIncident:
	case incident.KindAssessment:
		kind = kindAssessment
	default:
		if !pt.Known() {
			return incident.Incident{}, Decision{Rule: RuleDefaultDeny}
		}
		return incident.Incident{}, pt.deny(ruleInput)
	}
	d, ok := pt.route(kind, origin, hops)
	if !ok {
		return incident.Incident{}, d
	}
	if in.Origin != origin && !(in.Origin == "" || in.Origin == pt.node) {
		// The record says it came from elsewhere: it must be allowed to
		// go on from there too.
		if d2, ok := pt.route(kind, in.Origin, max(hops, 1)); !ok {
			return incident.Incident{}, d2
		}
	}
	switch {
	case in.TLP < incident.TLPClear || in.TLP > incident.TLPRed:
		return incident.Incident{}, pt.deny(ruleInput)
	case in.TLP == incident.TLPRed:
		return incident.Incident{}, Decision{Rule: RuleRed}
	case in.TLP > pt.ceiling:
		return incident.Incident{}, pt.deny(ruleTLPCeiling)
	case in.TLP >= incident.TLPAmber && !slices.Contains(in.ReleasableTo, pt.name):
		return incident.Incident{}, pt.deny(ruleReleasableTo)
	}
	out := in
	if in.HasPoint {
		lat, lon, rule, ok := pt.placeRule(in.Lat, in.Lon)
		if !ok {
			return incident.Incident{}, pt.deny(rule)
		}
		out.Lat, out.Lon = lat, lon
	} else {
		out.Lat, out.Lon = 0, 0
	}
	if len(in.Area) > 0 {
		if rule, ok := pt.areaRule(in.Area); !ok {
			return incident.Incident{}, pt.deny(rule)
		}
	} else if !in.HasPoint && len(pt.include) > 0 {
		return incident.Incident{}, pt.deny(ruleIncludeAreas)
	}
	out.Vessels = nil
	for _, m := range in.Vessels {
		if _, ok := pt.vesselRule(lookup(vs, m)); ok {
			out.Vessels = append(out.Vessels, m)
		}
	}
	out.Events = nil
	for _, id := range in.Events {
		if pt.eventLinkOK(id, vs) {
			out.Events = append(out.Events, id)
		}
	}
	out.ReleasableTo = slices.Clone(in.ReleasableTo)
	out.Area = cloneArea(in.Area)
	return out, d
}

// areaRule checks a record's area: it must share a point with an include
// area (when there are any), shown by a vertex of one inside the other,
// and its bounding box must not meet an exclude area's.
func (pt *Partner) areaRule(mp geo.MultiPolygon) (int, bool) {
	var verts []geo.Point
	for _, pg := range mp {
		for _, r := range append([]geo.Ring{pg.Outer}, pg.Holes...) {
			for _, p := range r {
				if !validPoint(p.Lat, p.Lon) {
					return ruleInput, false
				}
			}
		}
		verts = append(verts, pg.Outer...)
	}
	if len(verts) == 0 {
		return ruleInput, false
	}
	b := mp.Bounds()
	for _, a := range pt.exclude {
		if a.bounds.Intersects(b) {
			return ruleExcludeAreas, false
		}
	}
	if len(pt.include) == 0 {
		return 0, true
	}
	for _, a := range pt.include {
		for _, p := range verts {
			if a.contains(p) {
				return 0, true
			}
		}
		for _, p := range a.vertices() {
			if mp.Contains(p) {
				return 0, true
			}
		}
	}
	return ruleIncludeAreas, false
}

// eventLinkOK reports whether an event ID linked from a record may be
// sent: it has the form the event package gives IDs
// ("<type>-<mmsi>[-<mmsi>][-z<n>]-<start>"), its type is shared and its
// vessels pass, optionally after "<origin node>/" (a partner's event).
// IDs of any other form are dropped.
func (pt *Partner) eventLinkOK(id string, vs []Vessel) bool {
	if node, rest, ok := strings.Cut(id, "/"); ok {
		if checkName(node) != nil {
			return false
		}
		id = rest
	}
	parts := strings.Split(id, "-")
	if len(parts) < 3 || len(parts) > 5 || !slices.Contains(pt.events, parts[0]) {
		return false
	}
	if _, err := strconv.ParseInt(parts[len(parts)-1], 10, 64); err != nil {
		return false
	}
	mid := parts[1 : len(parts)-1]
	if n := len(mid); n > 1 && strings.HasPrefix(mid[n-1], "z") {
		if _, err := strconv.Atoi(mid[n-1][1:]); err != nil {
			return false
		}
		mid = mid[:n-1]
	}
	if len(mid) < 1 || len(mid) > 2 {
		return false
	}
	for _, s := range mid {
		m, err := strconv.ParseUint(s, 10, 32)
		if err != nil || len(s) != 9 {
			return false
		}
		if _, ok := pt.vesselRule(lookup(vs, vessel.MMSI(m))); !ok {
			return false
		}
	}
	return true
}

func cloneArea(mp geo.MultiPolygon) geo.MultiPolygon {
	if mp == nil {
		return nil
	}
	out := make(geo.MultiPolygon, len(mp))
	for i, pg := range mp {
		out[i].Outer = slices.Clone(pg.Outer)
		for _, h := range pg.Holes {
			out[i].Holes = append(out[i].Holes, slices.Clone(h))
		}
	}
	return out
}

// Accept decides whether data of the kind received from this partner
// enters the picture: the partner is known, not ignored, and lists the
// kind in "accept". Nothing is accepted by default.
func (pt *Partner) Accept(kind Kind) Decision {
	if !pt.Known() {
		return Decision{Rule: RuleDefaultDeny}
	}
	if pt.ignore {
		return pt.deny(ruleIgnore)
	}
	k := kindIndex(kind)
	if k < 0 || !pt.accept[k] {
		return pt.deny(ruleAccept)
	}
	return pt.allow(ruleAccept)
}

// Inbound is Accept for one item, with its origin node and the links it
// crossed to reach this node (1 when the partner produced it): an item
// that started at this node is a loop, one from another node than the
// partner must have crossed at least two links, and none may have
// crossed more than max_hops.
func (pt *Partner) Inbound(kind Kind, origin string, hops int) Decision {
	d := pt.Accept(kind)
	if !d.Allow {
		return d
	}
	switch {
	case origin == pt.node:
		return Decision{Rule: RuleLoop}
	case hops < 1, origin != pt.name && origin != "" && hops < 2:
		return pt.deny(ruleInput)
	case hops > pt.maxHops:
		return pt.deny(ruleMaxHops)
	}
	return d
}

// Weight returns how much the partner's data counts against other
// sources, in (0, 1]: "weight" in the file, 1 by default, 0 for an unknown
// or ignored partner.
func (pt *Partner) Weight() float64 {
	if !pt.Known() || pt.ignore {
		return 0
	}
	return pt.weight
}

// Contact decides whether a radar or satellite contact that no AIS vessel
// explains (a dark contact; it has no identity, so the vessel rules do not
// apply), first produced at node origin and carried over hops links, may
// be sent to the partner. When it may, out is the copy to send: rounded
// to precision_m, with what would locate or name our sensor removed
// (Source, Target, which names a satellite scene, Scene, the sensor's own
// position, range and bearing, the sensor's label) and the position error at least the rounding's
// (precision_m·√2/2). notBefore is d.Time + delay (0 without a delay).
//
// The rules, in order: the partner is known; share.contacts lists the
// contact's sensor ("P.share.contacts"); relay, loop and max_hops; the
// area rules, for the position as it is and as it is sent.
func (pt *Partner) Contact(d vessel.Detection, origin string, hops int) (out vessel.Detection, notBefore vessel.Time, dec Decision) {
	if !pt.Known() {
		return vessel.Detection{}, 0, Decision{Rule: RuleDefaultDeny}
	}
	if int(d.Sensor) >= len(pt.contacts) || !pt.contacts[d.Sensor] {
		return vessel.Detection{}, 0, pt.deny(ruleShareContacts)
	}
	dec, ok := pt.route(kindContact, origin, hops)
	if !ok {
		return vessel.Detection{}, 0, dec
	}
	lat, lon, rule, ok := pt.placeRule(d.Lat, d.Lon)
	if !ok {
		return vessel.Detection{}, 0, pt.deny(rule)
	}
	out = d
	out.Lat, out.Lon = lat, lon
	out.Source, out.Target, out.Scene, out.Name = "", "", "", ""
	out.RangeM, out.BearingDeg, out.SensorLat, out.SensorLon = 0, 0, 0, 0
	out.Has &^= vessel.HasPolar
	if pt.grid.step > 0 {
		if e := pt.grid.step * metresPerDegree * math.Sqrt2 / 2; !(out.PosErrM >= e) {
			out.PosErrM = e
		}
	}
	return out, pt.notBefore(d.Time), dec
}
