// Package event detects the events a fusion centre acts on — AIS gaps,
// encounters, loitering, zone entry and exit, teleports, identity
// conflicts, port visits — from a time-ordered stream of positions. One
// code path serves live streams and history: detectors are synchronous,
// take time as an input, and never read a clock.
//
// # Usage
//
//	e := event.New(event.Config{
//		Preset: "gfw",                 // or "skylight"; Params overrides
//		Zones:  event.ZonesFromGeoJSON(features),
//		Ports:  event.DefaultPorts(),  // WPI ports + GFW anchorages
//		Land:   land,                  // geo.DefaultLand(), for distance from shore
//	})
//	for _, p := range positions {      // history: in time order
//		publish(e.Observe(p))
//	}
//	publish(e.Flush(end))
//
// A live feed calls Observe as reports arrive and Advance(now) from a
// ticker: time passing without reports opens gaps and ends the loitering
// and encounters of vessels that fell silent. Batch is exactly the live
// path without the ticks, and gives the same final events
// (TestBatchLiveEquivalence). SetZones replaces the zones at run time
// (an administrator edited them) without losing what vessels are in the
// zones that did not change; see SetZones for what a removed or reshaped
// zone emits ("zone_removed", "zone_changed" measures).
//
// # Events and versions
//
// An Event is emitted when it opens, with End 0 (an open event, "null" in
// JSON), and again with the same ID and Version+1 when it closes or
// changes. Consumers keep the latest version per ID. IDs are built from the
// type, vessels, zone and start time, so re-running the same data gives the
// same IDs. Origin is "" for events this engine detected; events received
// from partner nodes keep theirs. The teleport started by a second
// transmitter's first report is retracted (Retracted set: later data
// showed it did not happen) when the identity conflict is recognised; an
// encounter whose median speed turns out too high is retracted at its
// close.
//
// # Late data
//
// Config.Reorder holds positions back to sort them, for feeds that are
// only roughly in time order. A report older than its vessel's newest
// processed one is late. Late or out-of-order data revises events instead
// of duplicating them:
//
//   - Within the vessel's history (Config.History, 6 hours by default, or
//     Config.HistoryReports/2 reports if fewer), the late report is put in
//     its place and the vessel's single-vessel detectors (gap, loitering,
//     zones, teleport, identity conflict, port visit) are re-run from a
//     checkpoint of their state over the reports since. The outcome is
//     reconciled with what was published: an event the replay produces
//     again keeps its ID and gets a new version only if it changed (a
//     matching event: same ID, or same type and zone with an overlapping
//     time span); a published event the replay no longer produces is
//     emitted Retracted; a new one gets a new ID. So the final events are
//     those the data in time order gives (TestLateEquivalence: 5% of the
//     reports delivered up to 90 minutes late, same single-vessel events
//     on scenarios, simulated traffic and two real feeds). Two things are
//     not replayed: encounters (pairs are followed as reports come; a late
//     report of one vessel of a pair is not inserted, see the encounter
//     detector), and the coverage of other vessels' gaps (a late report
//     counts in the coverage grid from when it arrives, so a neighbour's
//     gap already judged on coverage is not judged again).
//   - Older than that, or when histories are not kept, a late report only
//     re-evaluates gaps: one it falls into is cut (a new version, plus a
//     new event for a second part still long enough) or retracted, as
//     Skylight removes its "Potential Dark Activity" events.
//
// Histories cost memory and time (a 40-byte record per report, about a
// quarter of the throughput): by default (Config.Replay ReplayAuto) they
// are kept only from the first late report the engine sees, so data in
// time order costs nothing, and that first report only re-evaluates gaps.
// ReplayAlways keeps them from the start; ReplayOff never. SetZones
// restarts the histories (zone events before the change cannot be
// replayed against the new zones).
//
// # Memory
//
// A vessel silent for Config.Forget (72 hours by default) is forgotten:
// its open zone entries and port visit close at its last report, marked
// "vessel_forgotten"; only its last report and open gap are kept (for at
// most 10 × Forget) so that the gap closes when it returns.
//
// # Detectors
//
// Each detector's parameters are in Params (JSON in the CLI's --config),
// with values from a preset; see Preset for the published definitions the
// presets follow and their sources.
//
//   - gap: a vessel silent for Gap.MinDuration, while other vessels were
//     heard within Gap.CoverageRadius of its last position in at least
//     Gap.CoverageMinFraction of that time. Coverage comes from a coarse
//     grid (0.5° cells) recording, per cell, in which twelfths of the
//     minimum gap anyone was heard (a 64-bit set per cell): a coverage hole,
//     where everyone falls silent, raises nothing. The event opens when the
//     silence reaches the minimum (start = last report) and closes at the
//     next report, with the distance and implied speed across the gap.
//   - encounter: two vessels within Encounter.MaxDistance for
//     Encounter.MinDuration, median speed of both under
//     Encounter.MaxMedianSpeed, mean position at least
//     Encounter.MinPortDistance from every port and anchorage. Candidates
//     (vessels slower than Encounter.CandidateSpeed, away from ports) sit
//     in a grid of cells about MaxDistance wide, so a report looks at a few
//     cells. Positions are compared at common times: the other vessel's
//     position is interpolated between its last two reports or carried
//     forward along their line for at most Encounter.MaxExtrapolation.
//     Ships crossing at speed are never candidates; a pair ends at the
//     last common time they were within MaxDistance once more than
//     Encounter.MaxOutliers (1 in both presets) consecutive fixes were
//     farther apart, so one noisy fix does not split an encounter.
//   - loitering: a run of reports each slower than Loitering.MaxSpeed
//     (SOG, or the speed implied over at least ten minutes when there is
//     none) lasting Loitering.MinDuration, whose mean position is farther
//     than Loitering.MinPortDistance from ports and anchorages and
//     Loitering.MinShoreDistance from land (estimated with the land mask
//     by rings of probes, cached per 0.05° cell: see the shore type for the
//     approximation, a few kilometres at 20 nautical miles).
//   - zone_entry / zone_exit: user zones (GeoJSON polygons and
//     multipolygons) in a geo.Index, so thousands of zones cost about one
//     lookup per report. zone_entry lasts from the first report inside to
//     the first outside: its duration is the dwell time. zone_exit marks
//     the moment of leaving, with the dwell time.
//   - teleport: a report no vessel could reach from the previous one
//     (farther than Teleport.Slack + Teleport.MaxSpeed × Δt).
//   - identity_conflict: reports reachable from a second track and not the
//     main one, interleaved with the main track's reports: two
//     transmitters sharing one MMSI.
//   - port_visit: within PortVisit.EntryRadius of a port or anchorage,
//     stopped (slower than PortVisit.MaxStopSpeed) and there for
//     PortVisit.MinDuration; it ends beyond PortVisit.ExitRadius.
//
// Positions flagged vessel.Bad by fusion are ignored, except that
// FlagTeleport and FlagIdentityConflict feed the teleport and identity
// detectors (fusion compares a report with its neighbours in time, which
// a stream detector cannot).
//
// # Cost
//
// Per position: one map lookup for the vessel, one coverage-cell update
// (cached while the vessel stays in its cell), one distance for the
// reachability test, one zone-index lookup, a bound check against the
// vessel's cached distance to the nearest port, and, for slow vessels away
// from ports only, a look into the encounter grid. Nothing allocates on the
// common path. With histories kept, each report is also appended to its
// vessel's history. BenchmarkDetect measures it against decode-only
// throughput.
//
// # Data
//
// ports.csv.gz embeds the World Port Index points and Global Fishing
// Watch's named anchorages (64,078 points); see DefaultPorts and NOTICE.
//
// # Concurrency
//
// An Engine is not safe for concurrent use and starts no goroutines.
// Events returned belong to the caller; their Params maps are shared and
// read-only.
package event
