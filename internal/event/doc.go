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
// (TestBatchLiveEquivalence).
//
// # Events and versions
//
// An Event is emitted when it opens, with End 0 (an open event, "null" in
// JSON), and again with the same ID and Version+1 when it closes or
// changes. Consumers keep the latest version per ID. IDs are built from the
// type, vessels, zone and start time, so re-running the same data gives the
// same IDs. Late or out-of-order data revises events instead of
// duplicating them: a late report inside a gap cuts it (a new version,
// plus a new event for a second part still long enough) or retracts it
// (Retracted set: later data showed it did not happen, as Skylight removes
// its "Potential Dark Activity" events); the teleport started by a second
// transmitter's first report is retracted when the identity conflict is
// recognised; an encounter whose median speed turns out too high is
// retracted at its close. Config.Reorder holds positions back to sort them,
// for feeds that are only roughly in time order.
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
//     first common time they are farther apart.
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
// common path. BenchmarkDetect measures it against decode-only throughput.
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
