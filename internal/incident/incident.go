package incident

import (
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TLP is a Traffic Light Protocol 2.0 marking. The values are ordered from
// least to most restricted, so a ceiling is a comparison: a record marked m
// may go where the ceiling c allows when m <= c.
type TLP int

// The TLP 2.0 markings, least restricted first.
const (
	TLPClear       TLP = iota // disclosure is not limited
	TLPGreen                  // the community, not public channels
	TLPAmber                  // the recipient's organisation and its clients, need to know
	TLPAmberStrict            // the recipient's organisation only
	TLPRed                    // named recipients only: never leaves this node
)

// Kind says whether a record is an incident or a risk assessment.
type Kind string

// The kinds of record.
const (
	KindIncident   Kind = "incident"   // something that happened, at a time and place
	KindAssessment Kind = "assessment" // a risk for an area and period
)

// Category is what an incident is about: the categories of IFC-IOR's
// monthly maritime security updates, plus natural disaster/HADR and other.
type Category string

// The categories.
const (
	Piracy         Category = "piracy_armed_robbery"     // piracy and armed robbery against ships
	Smuggling      Category = "contraband_smuggling"     // drugs, arms, wildlife, fuel, other contraband
	IUUFishing     Category = "iuu_fishing"              // illegal, unreported and unregulated fishing
	Migration      Category = "irregular_migration"      // irregular human migration
	MaritimeIncid  Category = "maritime_incident"        // collisions, groundings, search and rescue
	SecurityThreat Category = "maritime_security_threat" // hybrid threats, terrorism
	Pollution      Category = "environmental_pollution"  // oil spills, dumping
	Disaster       Category = "natural_disaster_hadr"    // natural disasters, humanitarian aid and disaster relief
	Other          Category = "other"
)

// Incident is an incident report or a risk assessment. Records are
// versioned: an edit keeps the ID and bumps Version; the latest version
// is the truth.
type Incident struct {
	ID       string // stable identifier, "incident--<uuid>" style
	Version  int    // 1 for the first version
	Kind     Kind
	Category Category
	Title    string
	// Narrative is free text written by an analyst or received from a
	// partner: untrusted, escaped wherever it is shown.
	Narrative string
	// Start and End bound an incident's time (End 0 for a moment or an
	// ongoing incident) or an assessment's period.
	Start, End vessel.Time
	// Lat and Lon place an incident at a point; HasPoint says they are set.
	Lat, Lon float64
	HasPoint bool
	// Area is the area of an assessment, or of an incident that has one;
	// empty when the record has only a point.
	Area geo.MultiPolygon
	// Vessels and Events link the MMSIs and event IDs involved.
	Vessels []vessel.MMSI
	Events  []string
	// Source says who reported it ("IN-IFC watch officer", "MRCC Mumbai").
	Source string
	// Origin names the node the record was created on; it is kept when
	// a partner's record is received.
	Origin string
	// TLP marks how far the record may travel; ReleasableTo names the
	// partner nodes it may be released to in addition to what the marking
	// and the partner's policy require (AMBER and AMBER+STRICT records go
	// only to partners on this list).
	TLP          TLP
	ReleasableTo []string
	// Created and Updated are when the first and this version were
	// written.
	Created, Updated vessel.Time
	// Deleted marks a version that withdraws the record.
	Deleted bool
}
