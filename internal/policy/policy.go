package policy

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Policy is a parsed policy file: this node's name and one Partner per
// partner node. It is immutable once parsed and safe for concurrent use.
type Policy struct {
	node     string
	partners map[string]*Partner
	names    []string // sorted
	src      fileOut
}

// fileOut is the file as parsed, for MarshalJSON.
type fileOut struct {
	Version  int                    `json:"version"`
	Comment  string                 `json:"comment,omitempty"`
	Node     string                 `json:"node"`
	Areas    map[string]areaJSON    `json:"areas,omitempty"`
	Partners map[string]partnerJSON `json:"partners"`
}

// Node returns the name of this node, the file's "node".
func (p *Policy) Node() string {
	if p == nil {
		return ""
	}
	return p.node
}

// Partner returns the policy for the named partner node. It is never nil:
// a partner the file does not name (or any partner of a nil Policy) gets
// the deny-all policy, whose every decision is "default deny".
func (p *Policy) Partner(name string) *Partner {
	if p != nil {
		if pt, ok := p.partners[name]; ok {
			return pt
		}
	}
	return &Partner{name: name}
}

// Partners returns the names of the partners the file names, sorted.
func (p *Policy) Partners() []string {
	if p == nil {
		return nil
	}
	return slices.Clone(p.names)
}

// MarshalJSON writes the policy in the file format, normalised (keys
// sorted, defaults left out). Parse accepts what it writes and gives the
// same decisions.
func (p *Policy) MarshalJSON() ([]byte, error) {
	return json.Marshal(p.src)
}

// Kind is a kind of data exchanged with partners.
type Kind string

// The kinds of data.
const (
	KindPosition   Kind = "position"   // vessel.Position
	KindStatic     Kind = "static"     // vessel.Static
	KindEvent      Kind = "event"      // event.Event
	KindIncident   Kind = "incident"   // incident.Incident of kind incident
	KindAssessment Kind = "assessment" // incident.Incident of kind assessment
)

const (
	kindPosition = iota
	kindStatic
	kindEvent
	kindIncident
	kindAssessment
	kindContact // share.contacts: not a Kind of the links (contacts leave by CoT only)
	numKinds
)

func kindIndex(k Kind) int {
	switch k {
	case KindPosition:
		return kindPosition
	case KindStatic:
		return kindStatic
	case KindEvent:
		return kindEvent
	case KindIncident:
		return kindIncident
	case KindAssessment:
		return kindAssessment
	}
	return -1
}

// Vessel is what the caller knows of a vessel from the picture.
type Vessel struct {
	MMSI     vessel.MMSI
	ShipType int    // AIS ship and cargo type, 0 = unknown
	Flag     string // ISO 3166-1 alpha-2 from the MID, "" unknown
}

// Decision is the outcome of a policy check.
type Decision struct {
	Allow bool
	// Rule names the rule that decided, for the audit log:
	// "<partner>.<field>" for the rules of the file (the field as in the
	// file, e.g. "JP-JCG.exclude_vessels.mmsi", "JP-JCG.include_areas",
	// "JP-JCG.share.positions" when sharing is allowed), "default deny"
	// for a partner the file does not name, "loop" for data going back
	// to where it came from, "tlp red" for a RED record, and
	// "<partner>.input" for input the policy cannot judge (a position
	// that is not one, a vessel that does not match the report).
	Rule string
}

// Partner is the policy for one partner node: what may be sent to it and
// what is accepted from it. Its zero value, and the Partner returned for
// an unknown name, deny everything. It is immutable and safe for
// concurrent use.
type Partner struct {
	name, node string
	known      bool
	rules      [numRules]string

	share  [numKinds]bool
	events []string // event types shared
	// contacts: the sensors whose dark contacts are shared, by
	// vessel.Sensor (share.contacts).
	contacts [3]bool
	include  []*area // none: everywhere
	exclude  []*area
	inV      *vesselRule // nil: every vessel
	exV      *vesselRule // nil: none excluded
	// withholdUnknown: exV excludes ship types, and a vessel whose type
	// is not known yet is withheld until it is (unknown_type).
	withholdUnknown bool
	grid            grid
	delay           vessel.Time // milliseconds
	ceiling         incident.TLP

	relay     bool
	maxHops   int
	keepZones bool

	accept [numKinds]bool
	weight float64
	ignore bool
}

// The rules a decision can name, and their fields in the file.
const (
	ruleSharePositions = iota
	ruleShareStatic
	ruleShareEvents
	ruleShareIncidents
	ruleShareAssessments
	ruleShareContacts
	ruleRelay
	ruleMaxHops
	ruleIncludeAreas
	ruleExcludeAreas
	ruleInMMSI
	ruleInFlags
	ruleInTypes
	ruleInClasses
	ruleExMMSI
	ruleExFlags
	ruleExTypes
	ruleExClasses
	ruleUnknownType
	ruleTLPCeiling
	ruleReleasableTo
	ruleAccept
	ruleIgnore
	ruleInput
	numRules
)

var ruleFields = [numRules]string{
	ruleSharePositions:   "share.positions",
	ruleShareStatic:      "share.static",
	ruleShareEvents:      "share.events",
	ruleShareIncidents:   "share.incidents",
	ruleShareAssessments: "share.assessments",
	ruleShareContacts:    "share.contacts",
	ruleRelay:            "relay",
	ruleMaxHops:          "max_hops",
	ruleIncludeAreas:     "include_areas",
	ruleExcludeAreas:     "exclude_areas",
	ruleInMMSI:           "include_vessels.mmsi",
	ruleInFlags:          "include_vessels.flags",
	ruleInTypes:          "include_vessels.ship_types",
	ruleInClasses:        "include_vessels.classes",
	ruleExMMSI:           "exclude_vessels.mmsi",
	ruleExFlags:          "exclude_vessels.flags",
	ruleExTypes:          "exclude_vessels.ship_types",
	ruleExClasses:        "exclude_vessels.classes",
	ruleUnknownType:      "unknown_type",
	ruleTLPCeiling:       "tlp_ceiling",
	ruleReleasableTo:     "releasable_to",
	ruleAccept:           "accept",
	ruleIgnore:           "ignore",
	ruleInput:            "input",
}

// The values of a partner's "unknown_type": what is done with a vessel
// whose ship type is not known (yet) when exclude_vessels.ship_types is
// given.
const (
	// UnknownWithhold (the default) sends nothing of the vessel until its
	// type is known and passes.
	UnknownWithhold = "withhold"
	// UnknownShare judges the vessel by its other criteria, as a vessel of
	// type 0.
	UnknownShare = "share"
)

// Rule names that do not belong to one partner's entry.
const (
	RuleDefaultDeny = "default deny"
	RuleLoop        = "loop"
	RuleRed         = "tlp red"
)

var shareRule = [numKinds]int{ruleSharePositions, ruleShareStatic, ruleShareEvents, ruleShareIncidents, ruleShareAssessments, ruleShareContacts}

// Name returns the partner's name.
func (pt *Partner) Name() string {
	if pt == nil {
		return ""
	}
	return pt.name
}

// Known reports whether the policy file names this partner. An unknown
// partner is denied everything.
func (pt *Partner) Known() bool { return pt != nil && pt.known }

// Delay returns the configured delay of positions and events.
func (pt *Partner) Delay() vessel.Time {
	if !pt.Known() {
		return 0
	}
	return pt.delay
}

func (pt *Partner) deny(rule int) Decision  { return Decision{Rule: pt.rules[rule]} }
func (pt *Partner) allow(rule int) Decision { return Decision{Allow: true, Rule: pt.rules[rule]} }

// area is one entry of "areas": a box or a (multi)polygon.
type area struct {
	name   string
	rect   *geo.Rect // a bbox area
	mp     geo.MultiPolygon
	idx    *geo.Index
	bounds geo.Rect
}

func (a *area) contains(p geo.Point) bool {
	if a.rect != nil {
		return a.rect.Contains(p)
	}
	return a.idx.Any(p)
}

// vertices returns the vertices of the area's boundary.
func (a *area) vertices() []geo.Point {
	if a.rect != nil {
		r := a.rect
		return []geo.Point{{Lat: r.MinLat, Lon: r.MinLon}, {Lat: r.MinLat, Lon: r.MaxLon}, {Lat: r.MaxLat, Lon: r.MinLon}, {Lat: r.MaxLat, Lon: r.MaxLon}}
	}
	var out []geo.Point
	for _, pg := range a.mp {
		out = append(out, pg.Outer...)
	}
	return out
}

func anyContains(as []*area, p geo.Point) bool {
	for _, a := range as {
		if a.contains(p) {
			return true
		}
	}
	return false
}

// pointRule checks one point against the area rules: it must be in an
// include area when there are any, and in no exclude area.
func (pt *Partner) pointRule(p geo.Point) (int, bool) {
	if len(pt.include) > 0 && !anyContains(pt.include, p) {
		return ruleIncludeAreas, false
	}
	if anyContains(pt.exclude, p) {
		return ruleExcludeAreas, false
	}
	return 0, true
}

// vesselRule is an include_vessels or exclude_vessels block.
type vesselRule struct {
	mmsi       map[vessel.MMSI]struct{} // nil: not a criterion
	flags      []string                 // nil: not a criterion
	types      *[256]bool               // nil: not a criterion
	classes    uint32                   // bit per vessel.Class
	hasClasses bool
}

// shipType returns t as an AIS type, 0 (unknown) when out of range.
func shipType(t int) int {
	if t < 0 || t > 255 {
		return 0
	}
	return t
}

func upper2(s string) string {
	if len(s) == 2 && (s[0] >= 'a' && s[0] <= 'z' || s[1] >= 'a' && s[1] <= 'z') {
		b := []byte(s)
		for i, c := range b {
			if c >= 'a' && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		}
		return string(b)
	}
	return s
}

// vesselFlags returns the flags a vessel may be said to fly: the
// caller's, and the one its MMSI's MID gives, "" for those unknown.
func vesselFlags(v Vessel) (claimed, mid string) {
	claimed = upper2(v.Flag)
	if c, ok := v.MMSI.Flag(); ok {
		mid = c.Code
	}
	return claimed, mid
}

// vesselRule checks a vessel against include_vessels and
// exclude_vessels. Exclusions are checked first and always win.
func (pt *Partner) vesselRule(v Vessel) (int, bool) {
	claimed, mid := vesselFlags(v)
	t := shipType(v.ShipType)
	class := v.MMSI.Class()
	if ex := pt.exV; ex != nil {
		if _, ok := ex.mmsi[v.MMSI]; ok {
			return ruleExMMSI, false
		}
		if ex.flags != nil && (claimed != "" && slices.Contains(ex.flags, claimed) || mid != "" && slices.Contains(ex.flags, mid)) {
			return ruleExFlags, false
		}
		if ex.types != nil && ex.types[t] {
			return ruleExTypes, false
		}
		if ex.hasClasses && ex.classes&(1<<class) != 0 {
			return ruleExClasses, false
		}
	}
	if in := pt.inV; in != nil {
		if in.mmsi != nil {
			if _, ok := in.mmsi[v.MMSI]; !ok {
				return ruleInMMSI, false
			}
		}
		if in.flags != nil {
			// Every flag the vessel is said to fly must be listed, and
			// it must be said to fly one.
			if claimed == "" && mid == "" ||
				claimed != "" && !slices.Contains(in.flags, claimed) ||
				mid != "" && !slices.Contains(in.flags, mid) {
				return ruleInFlags, false
			}
		}
		if in.types != nil && !in.types[t] {
			return ruleInTypes, false
		}
		if in.hasClasses && in.classes&(1<<class) == 0 {
			return ruleInClasses, false
		}
	}
	if t == 0 && pt.withholdUnknown {
		// Its type may be one of those excluded: wait for it.
		return ruleUnknownType, false
	}
	return 0, true
}

// metresPerDegree is the length of a degree of latitude on the sphere
// of geo.EarthRadius.
const metresPerDegree = geo.EarthRadius * math.Pi / 180

// grid rounds positions to about precision_m metres (see the package
// documentation for the method).
type grid struct {
	step float64 // degrees of latitude per row; 0: no rounding
}

func newGrid(metres float64) grid {
	if metres <= 0 {
		return grid{}
	}
	rows := math.Ceil(180 / (metres / metresPerDegree))
	return grid{step: 180 / rows}
}

// round moves (lat, lon) to the nearest node of the grid. lat must be in
// [-90, 90] and lon finite.
func (g grid) round(lat, lon float64) (float64, float64) {
	if g.step == 0 {
		return lat, lon
	}
	rlat := math.Round((lat+90)/g.step)*g.step - 90
	rlat = max(-90, min(90, rlat))
	e := math.Abs(rlat) - g.step/2 // the row's edge nearest the equator
	if e < 0 {
		e = 0
	}
	cells := math.Ceil(360 / (g.step / math.Cos(e*math.Pi/180)))
	dlon := 360 / cells
	rlon := math.Round((geo.NormalizeLon(lon)+180)/dlon)*dlon - 180
	if rlon >= 180 {
		rlon -= 360
	}
	return rlat, rlon
}

// Round returns the point as the partner would receive it: rounded to the
// precision_m grid (unchanged when there is none).
func (pt *Partner) Round(lat, lon float64) (float64, float64) {
	if !pt.Known() {
		return lat, lon
	}
	return pt.grid.round(lat, lon)
}

// validPoint reports whether lat/lon is a usable position.
func validPoint(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}
