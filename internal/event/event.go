package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// The event types, as they appear in Event.Type and in JSON.
const (
	Gap              = "gap"               // AIS silence while others were heard nearby
	Encounter        = "encounter"         // two vessels together, slow, away from ports
	Loitering        = "loitering"         // one vessel slow for long, away from ports
	ZoneEntry        = "zone_entry"        // a vessel inside a user zone: start = entry, end = exit
	ZoneExit         = "zone_exit"         // the moment a vessel left a user zone
	Teleport         = "teleport"          // an impossible jump between consecutive reports
	IdentityConflict = "identity_conflict" // one MMSI reporting from two places at once
	PortVisit        = "port_visit"        // a stop at a port or anchorage
	// Raised by the node's contact tracker (package contact), not by an
	// Engine:
	DarkTarget  = "dark_target"           // a radar track or satellite detections no AIS vessel explains
	AISMismatch = "ais_position_mismatch" // AIS claims a position inside radar cover where the radar sees nothing
)

// Types returns every event type.
func Types() []string {
	return []string{Gap, Encounter, Loitering, ZoneEntry, ZoneExit, Teleport, IdentityConflict, PortVisit, DarkTarget, AISMismatch}
}

// Event is one detected event. An event is emitted when it opens (End 0
// while it lasts) and again, with the same ID and Version+1, whenever it
// closes or changes; the latest version is the truth. A version with
// Retracted set says that later data showed the event did not happen
// (a late report inside a gap made it too short, for instance).
type Event struct {
	// ID identifies the event across versions. It is made from the
	// type, the vessels, the zone and the start time at first emission,
	// so the same data gives the same IDs however it is fed.
	ID   string
	Type string
	// Start and End bound the event; End is 0 while the event is open.
	Start, End vessel.Time
	// Lat and Lon place the event: the last position before a gap, the
	// mean position of a loitering vessel or encounter, the report that
	// crossed a zone edge, the position jumped to.
	Lat, Lon float64
	// Vessels lists the MMSIs involved: one, or two for an encounter
	// (smaller first).
	Vessels []vessel.MMSI
	// Zone names the user zone of zone events, the port or anchorage of
	// port visits, and the nearest port of encounters and loitering when
	// one is within the search distance.
	Zone string
	// Preset names the parameter preset the engine ran with ("gfw",
	// "skylight", or "custom" when parameters were overridden).
	Preset string
	// Origin names the node that detected the event, "" for this node.
	// Events received from partner nodes keep the origin they came with;
	// an Engine always leaves it empty.
	Origin string
	// Params are the detector parameters that produced the event, in SI
	// units named by their keys (metres, seconds, knots). The map is
	// shared between events and must not be modified.
	Params map[string]float64
	// Measures are what was measured: durations, distances, speeds.
	Measures map[string]float64
	// Evidence holds the reports that triggered the event (at most
	// Config.MaxEvidence).
	Evidence []vessel.Position
	// Severity says how much the event matters to a watch officer, from
	// 0 (routine) to 1 (act now): each detector's score from how clear
	// and how suspicious what it measured is (see the package
	// documentation, "Severity and reasons"). The alert list sorts by it.
	Severity float64
	// Reasons say, in short sentences, why the event was raised and how
	// severe it is ("within 380 m (median) for 3.2 h", "fishing vessel
	// with a carrier").
	Reasons   []string
	Version   int
	Retracted bool
}

// Open reports whether the event is still going on.
func (e *Event) Open() bool { return e.End == 0 }

// Duration returns End-Start, or zero for an open event.
func (e *Event) Duration() time.Duration {
	if e.End == 0 {
		return 0
	}
	return time.Duration(e.End-e.Start) * time.Millisecond
}

// ErrJSON: an event's JSON form is malformed.
var ErrJSON = errors.New("event: invalid JSON")

type jsonPosition struct {
	MMSI  vessel.MMSI `json:"mmsi"`
	Time  string      `json:"time"`
	Lat   float64     `json:"lat"`
	Lon   float64     `json:"lon"`
	SOG   *float64    `json:"sog"`
	COG   *float64    `json:"cog"`
	Flags []string    `json:"flags,omitempty"`
}

type jsonEvent struct {
	ID        string             `json:"id"`
	Type      string             `json:"type"`
	Start     string             `json:"start"`
	End       *string            `json:"end"`
	Vessels   []vessel.MMSI      `json:"vessels"`
	Lat       float64            `json:"lat"`
	Lon       float64            `json:"lon"`
	Zone      string             `json:"zone"`
	Preset    string             `json:"preset,omitempty"`
	Origin    string             `json:"origin,omitempty"`
	Severity  float64            `json:"severity"`
	Reasons   []string           `json:"reasons,omitempty"`
	Version   int                `json:"version"`
	Retracted bool               `json:"retracted,omitempty"`
	Params    map[string]float64 `json:"params,omitempty"`
	Measures  map[string]float64 `json:"measures,omitempty"`
	Evidence  []jsonPosition     `json:"evidence,omitempty"`
}

func timeText(t vessel.Time) string { return t.Std().Format(time.RFC3339Nano) }

func parseTimeText(s string) (vessel.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("%w: time %q", ErrJSON, s)
	}
	return vessel.TimeOf(t), nil
}

func round(v float64, digits int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// MarshalJSON encodes the event as one JSON object with the keys "id",
// "type", "start", "end" (RFC 3339 UTC; null while open), "vessels"
// (MMSI numbers), "lat", "lon", "zone" ("" when none), "preset",
// "origin" (only when not ""), "severity" (0 to 1), "reasons" (only
// when there are any), "version", "retracted" (only when true),
// "params", "measures" and "evidence".
func (e Event) MarshalJSON() ([]byte, error) {
	j := jsonEvent{
		ID: e.ID, Type: e.Type, Start: timeText(e.Start), Vessels: e.Vessels,
		Lat: round(e.Lat, 6), Lon: round(e.Lon, 6), Zone: e.Zone, Preset: e.Preset, Origin: e.Origin,
		Version: e.Version, Retracted: e.Retracted, Params: e.Params,
		Severity: round(e.Severity, 3), Reasons: e.Reasons,
	}
	if j.Vessels == nil {
		j.Vessels = []vessel.MMSI{}
	}
	if e.End != 0 {
		s := timeText(e.End)
		j.End = &s
	}
	if len(e.Measures) > 0 {
		j.Measures = make(map[string]float64, len(e.Measures))
		for k, v := range e.Measures {
			j.Measures[k] = round(v, 3)
		}
	}
	for _, p := range e.Evidence {
		jp := jsonPosition{MMSI: p.MMSI, Time: timeText(p.Time), Lat: round(p.Lat, 6), Lon: round(p.Lon, 6), Flags: p.Flags.Names()}
		if v, ok := p.SOG.Knots(); ok {
			jp.SOG = &v
		}
		if v, ok := p.COG.Degrees(); ok {
			jp.COG = &v
		}
		j.Evidence = append(j.Evidence, jp)
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	var j jsonEvent
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("%w: %v", ErrJSON, err)
	}
	start, err := parseTimeText(j.Start)
	if err != nil {
		return err
	}
	var end vessel.Time
	if j.End != nil {
		if end, err = parseTimeText(*j.End); err != nil {
			return err
		}
	}
	*e = Event{ID: j.ID, Type: j.Type, Start: start, End: end, Lat: j.Lat, Lon: j.Lon,
		Vessels: j.Vessels, Zone: j.Zone, Preset: j.Preset, Origin: j.Origin, Params: j.Params, Measures: j.Measures,
		Version: j.Version, Retracted: j.Retracted, Severity: j.Severity, Reasons: j.Reasons}
	for _, jp := range j.Evidence {
		t, err := parseTimeText(jp.Time)
		if err != nil {
			return err
		}
		p := vessel.Position{MMSI: jp.MMSI, Time: t, Lat: jp.Lat, Lon: jp.Lon, SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}
		if jp.SOG != nil {
			p.SOG = vessel.SpeedKnots(*jp.SOG)
		}
		if jp.COG != nil {
			p.COG = vessel.CourseDegrees(*jp.COG)
		}
		for _, n := range jp.Flags {
			if f, ok := vessel.ParseFlag(n); ok {
				p.Flags |= f
			}
		}
		e.Evidence = append(e.Evidence, p)
	}
	return nil
}

// eventID makes the stable ID of an event.
func eventID(typ string, a, b vessel.MMSI, zone int, start vessel.Time) string {
	buf := make([]byte, 0, 48)
	buf = append(buf, typ...)
	buf = append(buf, '-')
	buf = a.Append(buf)
	if b != 0 {
		buf = append(buf, '-')
		buf = b.Append(buf)
	}
	if zone >= 0 {
		buf = append(buf, "-z"...)
		buf = strconv.AppendInt(buf, int64(zone), 10)
	}
	buf = append(buf, '-')
	buf = strconv.AppendInt(buf, int64(start), 10)
	return string(buf)
}
