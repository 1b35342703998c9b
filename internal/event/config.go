package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("6h", "30m", "1h30m0s").
type Duration time.Duration

// MarshalText writes d as time.Duration.String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrConfig, err)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) ms() int64 { return time.Duration(d).Milliseconds() }

// ErrConfig: a configuration is invalid.
var ErrConfig = errors.New("event: invalid configuration")

// GapParams configure the AIS gap ("going dark") detector.
type GapParams struct {
	Enabled bool `json:"enabled"`
	// MinDuration is the silence that makes a gap.
	MinDuration Duration `json:"min_duration"`
	// CoverageRadius, metres: other vessels must have been heard within
	// this distance of the silent vessel's last position (by the cells of
	// a coarse activity grid, see CoverageCell).
	CoverageRadius float64 `json:"coverage_radius_m"`
	// CoverageCell is the side of the activity grid's cells, degrees.
	CoverageCell float64 `json:"coverage_cell_deg"`
	// CoverageMinFraction is the fraction of the silence (in twelfths of
	// MinDuration) in which someone must have been heard nearby. A gap in
	// a coverage hole (nobody heard) is not an event.
	CoverageMinFraction float64 `json:"coverage_min_fraction"`
	// ReceiverCell is the side, in degrees, of the grid in which the
	// engine learns which receivers (position sources) hear which area:
	// a silence counts as covered only in the twelfths of the minimum
	// gap in which a receiver that has heard the cell where the vessel
	// probably was (dead reckoned from its last report) was heard at all.
	// So a vessel leaving a receiver's range, or a receiver outage, is
	// not a gap. 0 switches the receiver check off.
	ReceiverCell float64 `json:"receiver_cell_deg"`
	// SparseHeardFraction: a vessel heard in fewer than this fraction of
	// the twelfths of MinDuration before its silence (satellite passes)
	// is sparse, and judged by the significance of its silence: the
	// chance of missing that many passes in a row, given how often it was
	// heard in the passes before, must be at most SparseMaxProbability.
	// It is judged again every quarter of MinDuration, up to four times
	// MinDuration of silence. 0 judges no vessel so.
	SparseHeardFraction  float64 `json:"sparse_heard_fraction"`
	SparseMaxProbability float64 `json:"sparse_max_probability"`
}

// EncounterParams configure the encounter (ship-to-ship meeting) detector.
type EncounterParams struct {
	Enabled bool `json:"enabled"`
	// MaxDistance, metres, between the two vessels at common times.
	MaxDistance float64 `json:"max_distance_m"`
	// MinDuration the vessels stay within MaxDistance.
	MinDuration Duration `json:"min_duration"`
	// MaxMedianSpeed, knots: the median of both vessels' speeds over the
	// encounter must be below it.
	MaxMedianSpeed float64 `json:"max_median_speed_kn"`
	// MinPortDistance, metres, from the nearest port or anchorage.
	MinPortDistance float64 `json:"min_port_distance_m"`
	// CandidateSpeed, knots: only vessels slower than this are paired
	// (a pair once formed is followed whatever its speed).
	CandidateSpeed float64 `json:"candidate_speed_kn"`
	// MaxExtrapolation is how far a vessel's position is carried forward
	// from its last report to compare it with the other's report.
	MaxExtrapolation Duration `json:"max_extrapolation"`
	// MaxOutliers is how many consecutive fixes found farther than
	// MaxDistance (a noisy GNSS fix, one vessel swinging at anchor) an
	// encounter survives: it ends only when the next fix is far too, at
	// the last common time within MaxDistance. A far comparison
	// explained by the other vessel's fix already found far does not
	// count again. 0 ends an encounter at its first far fix. Fixes are
	// judged far on the smoothed distance (SmoothWindow).
	MaxOutliers int `json:"max_outliers"`
	// Grace is how long the smoothed distance may stay beyond
	// MaxDistance (after MaxOutliers far fixes) before the encounter
	// ends: a quarter of an hour of unlucky GNSS noise around 500 m does
	// not split a meeting. It ends at the last common time within
	// MaxDistance all the same.
	Grace Duration `json:"grace"`
	// SmoothWindow is how many of the latest distances at common times
	// (one per report of either vessel) the pair's distance is the median
	// of: MaxDistance applies to that median, so GNSS noise of a hundred
	// metres neither ends a meeting nor makes one. 1 uses each distance
	// as it is; at most 15.
	SmoothWindow int `json:"smooth_window"`
	// UpdateEvery is how often an open encounter is published again with
	// its measures grown (duration, speeds, distances), at most: a new
	// version when the encounter has lasted this much longer. 0 publishes
	// only its opening and close.
	UpdateEvery Duration `json:"update_every"`
	// ExcludeCategories are vessel categories (vessel.Category names,
	// from the static data given to Engine.ObserveStatic) whose pairs are
	// not encounters: tugs, pilots, search and rescue, law enforcement
	// and "special" craft (dredgers, divers, port tenders) work alongside
	// ships as their job.
	ExcludeCategories []string `json:"exclude_categories"`
	// ExcludeBerthed: a pair whose two vessels both report the
	// navigational status "moored" or "at anchor" in most of its samples
	// is not an encounter (rafted at a berth, neighbours at an anchorage).
	ExcludeBerthed bool `json:"exclude_berthed"`
	// Transshipment keeps only pairs of a fishing vessel with a carrier
	// or a bunker vessel, as Global Fishing Watch's carrier and bunker
	// encounters do. AIS ship types do not tell reefers and bunkers
	// apart from other cargo ships and tankers, so the other vessel must
	// be of category cargo or tanker; a vessel without static data does
	// not qualify.
	Transshipment bool `json:"transshipment"`
}

// LoiteringParams configure the loitering detector.
type LoiteringParams struct {
	Enabled bool `json:"enabled"`
	// MaxSpeed, knots: every report of the run (and so the average) is
	// slower.
	MaxSpeed float64 `json:"max_speed_kn"`
	// MinDuration of the slow run.
	MinDuration Duration `json:"min_duration"`
	// MinShoreDistance, metres, of the run's mean position from land; 0
	// switches the rule off.
	MinShoreDistance float64 `json:"min_shore_distance_m"`
	// MinPortDistance, metres, from the nearest port or anchorage: a
	// vessel nearer is at an anchorage, not loitering.
	MinPortDistance float64 `json:"min_port_distance_m"`
	// ExcludeMoored: a report with navigational status "moored" breaks
	// the run (a vessel at a berth is not loitering, wherever the berth).
	ExcludeMoored bool `json:"exclude_moored"`
}

// ZoneParams configure zone entry and exit.
type ZoneParams struct {
	Enabled bool `json:"enabled"`
}

// TeleportParams configure the teleport and identity-conflict detectors,
// which share the reachability test: a report is reachable from another
// when they are at most Slack + MaxSpeed × Δt apart.
type TeleportParams struct {
	Enabled bool `json:"enabled"`
	// MaxSpeed, knots.
	MaxSpeed float64 `json:"max_speed_kn"`
	// Slack, metres, for GPS noise and coarse time stamps.
	Slack float64 `json:"slack_m"`
}

// IdentityParams configure the identity-conflict detector.
type IdentityParams struct {
	Enabled bool `json:"enabled"`
	// MinReports is how many reports the second transmitter must make,
	// each reachable from its previous one and not from the main track,
	// interleaved with the main track's reports, before the conflict is
	// an event.
	MinReports int `json:"min_reports"`
}

// PortVisitParams configure the port-visit detector.
type PortVisitParams struct {
	Enabled bool `json:"enabled"`
	// EntryRadius, metres: a vessel this near a port or anchorage point
	// has entered it.
	EntryRadius float64 `json:"entry_radius_m"`
	// ExitRadius, metres: it has left when farther than this.
	ExitRadius float64 `json:"exit_radius_m"`
	// MaxStopSpeed, knots: a report slower than this is a stop; a visit
	// needs one.
	MaxStopSpeed float64 `json:"max_stop_speed_kn"`
	// MinDuration from entry for the visit to count.
	MinDuration Duration `json:"min_duration"`
}

// LearnParams configure the anchorages learned from the data (see
// Anchorage).
type LearnParams struct {
	Enabled bool `json:"enabled"`
	// Cell is the side of the learning grid's cells, degrees.
	Cell float64 `json:"cell_deg"`
	// MinVessels is how many distinct vessels must have stopped in a
	// cell and the eight around it for it to be an anchorage.
	MinVessels int `json:"min_vessels"`
	// MinStop is how long a vessel must stay stopped for its stop to
	// count.
	MinStop Duration `json:"min_stop"`
	// StopRadius, metres: a stop's reports are all this near its first
	// (a ship swinging at anchor; a drifting one leaves the circle).
	StopRadius float64 `json:"stop_radius_m"`
	// StopSpeed, knots: a report slower than this is stopped (as is one
	// moored or at anchor slower than 1 knot).
	StopSpeed float64 `json:"stop_speed_kn"`
}

// Params are every detector's parameters. Preset returns complete sets;
// a JSON document decoded over one overrides only the keys it has.
type Params struct {
	Gap       GapParams       `json:"gap"`
	Encounter EncounterParams `json:"encounter"`
	Loitering LoiteringParams `json:"loitering"`
	Zone      ZoneParams      `json:"zone"`
	Teleport  TeleportParams  `json:"teleport"`
	Identity  IdentityParams  `json:"identity_conflict"`
	PortVisit PortVisitParams `json:"port_visit"`
	// Anchorages configure the anchorages learned from the data.
	Anchorages LearnParams `json:"learned_anchorages"`
	// MaxReportGap ends loitering, encounters and identity conflicts when
	// a vessel has been silent this long (they end at its last report).
	MaxReportGap Duration `json:"max_report_gap"`
}

// The presets.
const (
	PresetGFW      = "gfw"
	PresetSkylight = "skylight"
	PresetCustom   = "custom"
	// PresetTransshipment is gfw's encounters between a fishing vessel
	// and a carrier or bunker vessel only (EncounterParams.Transshipment).
	PresetTransshipment = "transshipment"
)

const (
	nm = 1852.0 // metres in a nautical mile
	km = 1000.0
)

// Preset returns the parameters of a named preset and whether it exists.
//
// "gfw" (the default) follows Global Fishing Watch's published event
// definitions:
//   - gap: GFW's AIS gap events start at 6 hours of silence
//     (proto_ais_gap_events, "AIS gap events of 6+ hours", GFW technical
//     documentation, Gaps chapter, globalfishingwatch.github.io/
//     GFW_technical_documentation/Gaps.html); GFW judges coverage from a
//     modelled one-degree satellite-reception grid, here from other vessels
//     heard within 100 km (cells of 0.5°) in at least half of the silence.
//   - encounter: "two vessels within 500 meters of each other for at
//     least 2 hours, traveling at a median speed < 2 knots, at least 10 km
//     from a coastal anchorage" (GFW FAQ "What is a vessel encounter?",
//     globalfishingwatch.org/faqs/what-is-a-vessel-encounter/; technical
//     documentation, Encounters chapter).
//   - loitering: "average speed of < two knots, while at least an average
//     of 20 nautical miles from shore", "only loitering events greater than
//     one hour" (GFW FAQ "What is a loitering event?"; published loitering
//     tables filter avg_distance_from_shore_nm >= 20). GFW has no anchorage
//     rule for loitering; "not at an anchorage" here means farther than the
//     port-visit entry radius (3 km) from every port and anchorage point.
//   - port visit: "within three kilometers of an anchorage location and
//     has stopped (speed of less than 0.2 knots) ... exit the port when it
//     travels more than four kilometers from the anchorage", "a minimum of
//     three hours" (GFW FAQ "How are port visits in the carrier vessel
//     portal defined?").
//   - teleport and identity conflict: GFW publishes no event of these
//     kinds; the values are fusion's plausibility rule (60 knots beyond
//     1 km of slack).
//
// "skylight" follows Skylight's (Allen Institute for AI) published
// definitions where there are any and keeps the gfw values elsewhere:
//   - gap: a "Potential Dark Activity" is generated when "6 hours had
//     elapsed with no AIS update" (Skylight knowledge base, "Why would an
//     event be removed from Skylight?").
//   - encounter: a "Standard Rendezvous" is "two vessels, both on AIS,
//     within 250 meters of each other for more than 30 minutes" (Skylight
//     help, "Event icons", skylight.helpjuice.com). Skylight publishes no
//     speed or port rule: gfw's are kept.
//   - loitering: Skylight's nearest event, "Dark Rendezvous", is a
//     machine-learning model triggered by "rendezvous-like behavior for at
//     least 15 minutes" by a single vessel (Skylight help, "Dark
//     Rendezvous"), with no published distance from shore; here: slower
//     than 2 knots for 15 minutes, no shore rule, away from anchorages.
//   - zones: Skylight's "Entry" event is the first AIS signal received
//     within an area of interest, as here.
//
// "transshipment" is gfw with encounters only between a fishing vessel and
// a carrier (reefer) or bunker vessel, as Global Fishing Watch's carrier
// and bunker encounter datasets are (technical documentation, Encounters
// chapter: "fishing vessels and carrier vessels", "bunker vessels").
//
// Every preset smooths distances over 9 samples, allows 30 minutes of
// grace beyond the distance, publishes a growing open
// encounter every 10 minutes, and leaves out pairs with a tug, pilot,
// SAR, law-enforcement or special craft (dredger, port tender) and pairs
// both moored or at anchor: these are this project's choices, from the
// false encounters of real harbour days (issue 13), not published rules.
func Preset(name string) (Params, bool) {
	p := Params{
		Gap: GapParams{Enabled: true, MinDuration: Duration(6 * time.Hour),
			CoverageRadius: 100 * km, CoverageCell: 0.5, CoverageMinFraction: 0.5,
			ReceiverCell: 0.1, SparseHeardFraction: 0.75, SparseMaxProbability: 1e-5},
		Encounter: EncounterParams{Enabled: true, MaxDistance: 500, MinDuration: Duration(2 * time.Hour),
			MaxMedianSpeed: 2, MinPortDistance: 10 * km, CandidateSpeed: 4, MaxExtrapolation: Duration(30 * time.Minute), MaxOutliers: 1,
			SmoothWindow: 9, Grace: Duration(30 * time.Minute), UpdateEvery: Duration(10 * time.Minute), ExcludeBerthed: true,
			ExcludeCategories: []string{"tug", "pilot", "sar", "law_enforcement", "special"}},
		Loitering: LoiteringParams{Enabled: true, MaxSpeed: 2, MinDuration: Duration(time.Hour),
			MinShoreDistance: 20 * nm, MinPortDistance: 3 * km, ExcludeMoored: true},
		Zone:       ZoneParams{Enabled: true},
		Teleport:   TeleportParams{Enabled: true, MaxSpeed: 60, Slack: 1000},
		Identity:   IdentityParams{Enabled: true, MinReports: 2},
		PortVisit:  PortVisitParams{Enabled: true, EntryRadius: 3 * km, ExitRadius: 4 * km, MaxStopSpeed: 0.2, MinDuration: Duration(3 * time.Hour)},
		Anchorages: LearnParams{Enabled: true, Cell: 0.01, MinVessels: 3, MinStop: Duration(30 * time.Minute), StopRadius: 300, StopSpeed: 0.5},
		// AIS class A at anchor reports every 3 minutes, satellite
		// feeds hourly or worse: 3 hours of silence breaks an activity.
		MaxReportGap: Duration(3 * time.Hour),
	}
	switch name {
	case PresetGFW, "":
		return p, true
	case PresetTransshipment:
		p.Encounter.Transshipment = true
		return p, true
	case PresetSkylight:
		p.Encounter.MaxDistance = 250
		p.Encounter.MinDuration = Duration(30 * time.Minute)
		p.Loitering.MinDuration = Duration(15 * time.Minute)
		p.Loitering.MinShoreDistance = 0
		return p, true
	}
	return Params{}, false
}

// ParseParams decodes a JSON document of parameters over the named preset:
// keys present override the preset's values, unknown keys are an error.
// A document may name its preset with a top-level "preset" key, which
// wins over preset.
func ParseParams(preset string, doc []byte) (Params, string, error) {
	var head struct {
		Preset string `json:"preset"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return Params{}, "", fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if head.Preset != "" {
		preset = head.Preset
	}
	p, ok := Preset(preset)
	if !ok {
		return Params{}, "", fmt.Errorf("%w: unknown preset %q", ErrConfig, preset)
	}
	var wrapped struct {
		Preset string `json:"preset"`
		Params
	}
	wrapped.Params = p
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wrapped); err != nil {
		return Params{}, "", fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if preset == "" {
		preset = PresetGFW
	}
	return wrapped.Params, preset, wrapped.Params.Validate()
}

// Validate checks that the parameters make sense.
func (p *Params) Validate() error {
	bad := func(f string, args ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrConfig}, args...)...) }
	switch {
	case p.Gap.Enabled && p.Gap.MinDuration <= 0:
		return bad("gap.min_duration must be positive")
	case p.Gap.Enabled && (p.Gap.CoverageCell <= 0 || p.Gap.CoverageCell > 10):
		return bad("gap.coverage_cell_deg must be in (0, 10]")
	case p.Gap.ReceiverCell < 0 || p.Gap.ReceiverCell > 10:
		return bad("gap.receiver_cell_deg must be in [0, 10]")
	case p.Gap.SparseMaxProbability < 0 || p.Gap.SparseMaxProbability > 1 || p.Gap.SparseHeardFraction < 0 || p.Gap.SparseHeardFraction > 1:
		return bad("gap.sparse_max_probability and gap.sparse_heard_fraction must be in [0, 1]")
	case p.Encounter.Enabled && (p.Encounter.MaxDistance <= 0 || p.Encounter.MaxDistance > 50*km):
		return bad("encounter.max_distance_m must be in (0, 50000]")
	case p.Encounter.Enabled && p.Encounter.MinDuration <= 0:
		return bad("encounter.min_duration must be positive")
	case p.Encounter.MaxOutliers < 0 || p.Encounter.MaxOutliers > 100:
		return bad("encounter.max_outliers must be in [0, 100]")
	case p.Encounter.SmoothWindow < 0 || p.Encounter.SmoothWindow > 15:
		return bad("encounter.smooth_window must be in [0, 15]")
	case p.Encounter.UpdateEvery < 0 || p.Encounter.Grace < 0:
		return bad("encounter.update_every and encounter.grace must not be negative")
	case p.Loitering.Enabled && p.Loitering.MinDuration <= 0:
		return bad("loitering.min_duration must be positive")
	case p.Loitering.MinShoreDistance < 0 || p.Loitering.MinShoreDistance > 200*nm:
		return bad("loitering.min_shore_distance_m must be in [0, 370400]")
	case p.PortVisit.Enabled && (p.PortVisit.EntryRadius <= 0 || p.PortVisit.ExitRadius < p.PortVisit.EntryRadius):
		return bad("port_visit needs 0 < entry_radius_m <= exit_radius_m")
	case p.Loitering.MinPortDistance < 0 || p.Encounter.MinPortDistance < 0:
		return bad("min_port_distance_m must not be negative")
	case max(p.Loitering.MinPortDistance, p.Encounter.MinPortDistance, p.PortVisit.ExitRadius) > 100*km:
		return bad("port distances are limited to 100 km")
	case (p.Teleport.Enabled || p.Identity.Enabled) && p.Teleport.MaxSpeed <= 0:
		return bad("teleport.max_speed_kn must be positive")
	case p.MaxReportGap <= 0:
		return bad("max_report_gap must be positive")
	case p.Anchorages.Enabled && (p.Anchorages.Cell <= 0 || p.Anchorages.Cell > 1 || p.Anchorages.MinVessels < 1 ||
		p.Anchorages.MinStop <= 0 || p.Anchorages.StopRadius <= 0):
		return bad("learned_anchorages needs cell_deg in (0, 1], min_vessels >= 1, positive min_stop and stop_radius_m")
	}
	for _, c := range p.Encounter.ExcludeCategories {
		if _, ok := vessel.ParseCategory(c); !ok {
			return bad("encounter.exclude_categories: unknown category %q", c)
		}
	}
	return nil
}

// Config configures an Engine.
type Config struct {
	// Preset names the preset whose parameters are used when Params is
	// nil: "gfw" (the default) or "skylight".
	Preset string
	// Params, when set, replaces the preset's parameters; Preset then
	// only labels the events ("custom" when empty).
	Params *Params
	// Zones are the user zones for entry and exit events.
	Zones []Zone
	// Ports are the ports and anchorages for port visits and for keeping
	// encounters and loitering away from them; DefaultPorts has the World
	// Port Index and Global Fishing Watch's named anchorages. With none,
	// port visits are never found and every position counts as away from
	// ports.
	Ports []Port
	// Anchorages are anchorages learned by an earlier engine
	// (Engine.Anchorages, saved with MarshalAnchorages); the engine goes
	// on learning from them. They are state, not configuration: an
	// engine that loads a state (LoadState) knows the state's anchorages
	// instead, whatever it was given here.
	Anchorages []Anchorage
	// Land is the land mask for loitering's distance from shore; nil
	// switches the shore rule off.
	Land *geo.LandMask
	// Reorder is how long positions are held back to be put in time
	// order before detectors see them; reports later than that are late
	// (see Engine). Zero processes positions as they come.
	Reorder time.Duration
	// MaxEvidence bounds Event.Evidence; zero means 8.
	MaxEvidence int
	// Replay says when the engine keeps the histories that let late
	// reports replay their vessel's detectors: from the first late
	// report it sees (ReplayAuto, the zero value: data in time order
	// costs nothing), from the start (ReplayAlways), or never
	// (ReplayOff, as a negative History).
	Replay ReplayMode
	// History is how far back a late report (one older than its vessel's
	// newest processed report, however it got past Reorder) re-runs the
	// vessel's single-vessel detectors: the engine keeps, per vessel,
	// the reports of at least the last History (at most twice that) and
	// two checkpoints of its detector state, and replays them with the
	// late report in place (see Engine). Zero means 6 hours; negative
	// switches replays off (late reports then only re-evaluate gaps).
	History time.Duration
	// Forget is how long a vessel may be silent before the engine drops
	// its state: its loitering, encounters and identity conflict have
	// ended long before (Params.MaxReportGap); its open zone entries and
	// port visit close at its last report, with Measures
	// "vessel_forgotten" = 1 (and a zone_exit each). Only what closes an
	// open gap when it returns is kept: its last report and the gap, for
	// at most 10 × Forget. Zero means 72 hours; negative never forgets.
	// It must be longer than MaxReportGap and Gap.MinDuration.
	Forget time.Duration
	// HistoryReports bounds the reports kept per vessel for replays;
	// zero means 256. A vessel reporting more often than
	// HistoryReports/2 in History keeps its latest HistoryReports/2 to
	// HistoryReports reports (about 80 bytes each).
	HistoryReports int
	// InferEpisodes makes the engine judge identity episodes itself from
	// the tracks of the reports (Position.Track), with fusion's default
	// rules, instead of taking them from Position.Episode: for positions
	// read back from a store, which keeps Track but not Episode. By
	// default (false) a report fusion numbered belongs to the episode its
	// Episode names, and the identity event follows fusion's episodes.
	InferEpisodes bool
}

// ReplayMode says when an Engine keeps vessel histories for late reports
// (see Config.Replay).
type ReplayMode uint8

// The replay modes.
const (
	// ReplayAuto keeps histories from the first late report on: until
	// then nothing is recorded, and that first report and those older
	// than the histories built since only re-evaluate gaps.
	ReplayAuto ReplayMode = iota
	// ReplayAlways keeps histories from the first report.
	ReplayAlways
	// ReplayOff never keeps them: late reports only re-evaluate gaps.
	ReplayOff
)

// Zone is a user zone: an area with a name.
type Zone struct {
	Name       string
	Area       geo.MultiPolygon
	Properties map[string]any
}

// ZonesFromGeoJSON turns GeoJSON features into zones, naming each by the
// first of its properties "name", "Name", "NAME", "title", "id" that is a
// string or number, else "zone-N" (N its position).
func ZonesFromGeoJSON(features []geo.Feature) []Zone {
	zones := make([]Zone, 0, len(features))
	for i, f := range features {
		name := ""
		for _, k := range []string{"name", "Name", "NAME", "title", "id"} {
			switch v := f.Properties[k].(type) {
			case string:
				name = v
			case float64:
				name = fmt.Sprint(v)
			}
			if name != "" {
				break
			}
		}
		if name == "" {
			name = fmt.Sprintf("zone-%d", i)
		}
		zones = append(zones, Zone{Name: name, Area: f.Geometry, Properties: f.Properties})
	}
	return zones
}

// ZoneFeature is a zone as a GeoJSON Feature: a MultiPolygon, with the
// zone's properties and its name as properties.name.
type ZoneFeature struct {
	Type       string         `json:"type"`
	Geometry   ZoneGeometry   `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// ZoneGeometry is a GeoJSON MultiPolygon: positions are [lon, lat].
type ZoneGeometry struct {
	Type        string          `json:"type"`
	Coordinates [][][][]float64 `json:"coordinates"`
}

// ZoneCollection is zones as a GeoJSON FeatureCollection, which
// ZonesFromGeoJSON reads back.
type ZoneCollection struct {
	Type     string        `json:"type"`
	Features []ZoneFeature `json:"features"`
}

// Feature returns the zone as a GeoJSON Feature.
func (z Zone) Feature() ZoneFeature {
	ring := func(r geo.Ring) [][]float64 {
		out := make([][]float64, len(r))
		for i, p := range r {
			out[i] = []float64{p.Lon, p.Lat}
		}
		return out
	}
	g := ZoneGeometry{Type: "MultiPolygon", Coordinates: [][][][]float64{}}
	for _, pg := range z.Area {
		poly := [][][]float64{ring(pg.Outer)}
		for _, h := range pg.Holes {
			poly = append(poly, ring(h))
		}
		g.Coordinates = append(g.Coordinates, poly)
	}
	props := make(map[string]any, len(z.Properties)+1)
	for k, v := range z.Properties {
		props[k] = v
	}
	props["name"] = z.Name
	return ZoneFeature{Type: "Feature", Geometry: g, Properties: props}
}

// ZonesGeoJSON returns zones as a GeoJSON FeatureCollection.
func ZonesGeoJSON(zones []Zone) ZoneCollection {
	fc := ZoneCollection{Type: "FeatureCollection", Features: make([]ZoneFeature, 0, len(zones))}
	for _, z := range zones {
		fc.Features = append(fc.Features, z.Feature())
	}
	return fc
}
