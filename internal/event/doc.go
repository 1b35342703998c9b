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
//		Anchorages: saved,             // learned by an earlier run, or nil
//	})
//	e.ObserveStatic(static)            // ship types: vessel categories
//	for _, p := range positions {      // history: in time order
//		publish(e.Observe(p))
//	}
//	publish(e.Flush(end))
//	save(event.MarshalAnchorages(e.Anchorages()))
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
//     detector), and the coverage of other vessels' gaps: a late report
//     counts in the coverage grids from when it arrives. A silence that
//     is not sparse judged uncovered is judged once more, so that the
//     reports of the vessels around it that come late (a receiver's
//     backlog) can still make it a gap: when the vessel reports again,
//     or, if it stays silent, when the late window has passed
//     (Config.History, at most 4 × Gap.MinDuration); the second
//     judgment is final (TestLateCoverageRejudgesGap). A silence found
//     uncovered while the receiver that heard the vessel last has not
//     yet been heard past it (its whole feed behind, working through a
//     backlog, while the wall clock or another input has moved the
//     engine's time on) is not judged at all until that receiver's
//     reports of those hours are in (looked at every minute), the vessel
//     reports again, or the late window has passed: a feed catching up
//     raises the gap as soon as it has, not hours later
//     (TestBacklogGapWaitsForItsReceiver). Reports older
//     than their own vessel's last one fill both grids as they would in
//     time order: the activity grid and the receiver grid (which
//     receiver heard which cell, and when each receiver heard anyone),
//     as far back as the grids' 64 buckets go (TestLateFillsBothGrids);
//     only the runs of buckets a receiver heard (a satellite's passes)
//     are followed forward, so a late report does not start an earlier
//     pass.
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
//   - gap: a vessel silent for Gap.MinDuration whose silence means
//     something. Not when it fell silent stopped (under 1 knot, or moored
//     or at anchor) within PortVisit.EntryRadius of a port or anchorage,
//     bundled or learned: switching off at the berth is not going dark.
//     Otherwise the silence is covered in a twelfth of the minimum gap
//     when, at the vessel's dead-reckoned position (its last course and
//     speed, or its movement from the report before, at most 30 knots),
//     someone was heard within Gap.CoverageRadius (a coarse grid of 0.5°
//     cells recording, per cell, in which twelfths anyone was heard, a
//     64-bit set per cell) and a receiver heard in that twelfth, and
//     steadily (9 of the last 12: not satellite passes), covers the
//     place: a grid of Gap.ReceiverCell (0.2°) cells records which
//     sources (Position.Source, a bit per source number mod 64) ever
//     heard each cell; a receiver covers a place whose cell it heard, or
//     around which it heard cells in 7 of 8 directions within 150 km
//     (inside its range, where nobody happened to pass). A gap needs
//     Gap.CoverageMinFraction covered: a coverage hole, a vessel that
//     left a receiver's range (nothing heard beyond the edge) and a
//     receiver outage raise nothing. A sparse vessel (heard in fewer than
//     Gap.SparseHeardFraction, 3/4, of the twelfths before its silence:
//     satellite passes) needs 90% covered, or else a significant
//     silence: the passes of the source that heard it last (runs of
//     twelfths in which that source heard anyone) since its last report
//     are missed passes k, its detection probability p is
//     (heard+1)/(passes+2) over the source's passes since its first
//     report (as far back as its last 48 reception runs), and the gap
//     opens when (1-p)^k is at most Gap.SparseMaxProbability (1e-5: nine
//     missed passes at p = 0.9 are 1e-9, three at p = 0.7 are 0.027; low
//     because p is estimated from a few passes and a silence is judged
//     again and again); it is judged again every quarter
//     of the minimum, up to four times it. A vessel that was stopped and
//     comes back within Anchorages.StopRadius of where it stopped stayed
//     moored or at anchor: its gap is retracted at the close. The event
//     opens when judged (start = last report; measures
//     coverage_fraction, and missed_passes, reception_probability,
//     silence_probability when judged by
//     significance) and closes at the next report, with the distance and
//     implied speed across the gap.
//   - encounter: two vessels within Encounter.MaxDistance for
//     Encounter.MinDuration, median speed of both under
//     Encounter.MaxMedianSpeed, mean position at least
//     Encounter.MinPortDistance from every port and anchorage. Candidates
//     (vessels slower than Encounter.CandidateSpeed, away from ports) sit
//     in a grid of cells about MaxDistance wide, so a report looks at a few
//     cells. Positions are compared at common times: the other vessel's
//     position is interpolated between its last two reports or carried
//     forward along their line for at most Encounter.MaxExtrapolation.
//     A vessel with a course and speed is carried forward along them (a
//     line through two noisy fixes would double their noise). The
//     thresholds apply to the smoothed distance: the median of the pair's
//     latest Encounter.SmoothWindow (9) distances, so 60-100 m of GNSS
//     noise neither ends a meeting 400 m apart nor makes one of ships
//     750 m apart. Ships crossing at speed are never candidates; a pair
//     ends at the last common time they were within MaxDistance once more
//     than Encounter.MaxOutliers (1 in every preset) consecutive smoothed
//     distances were farther and the last common time within is
//     Encounter.Grace (30 minutes) ago. An open encounter is published again with
//     its grown measures (duration_s, median_speed_kn, mean_distance_m,
//     min_distance_m, samples) every Encounter.UpdateEvery (10 minutes).
//     Pairs with a vessel of a category in Encounter.ExcludeCategories
//     (tug, pilot, sar, law_enforcement, special: from the ship types
//     given to ObserveStatic), pairs both reporting moored or at anchor in
//     most samples, and pairs near a learned anchorage are not
//     encounters; a tow (both at 2 knots or more) fails the median speed.
//     With Encounter.Transshipment (preset "transshipment") only a fishing
//     vessel with a cargo ship (carrier, reefer) or tanker (bunker)
//     counts. An encounter that no longer qualifies at its close (an
//     anchorage learned meanwhile, the median speed too high) is
//     retracted.
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
//
// Both follow fusion's tracks when a report carries one
// (vessel.Position.Track set; identity.go): fusion has already decided
// which transmitter each report belongs to, so the engine does not judge
// reachability. A report of the main track (neither FlagTeleport nor
// FlagIdentityConflict; a change of Track there is fusion moving the
// vessel to another track) is the vessel's; one of another track is an
// identity report, never a teleport. A FlagTeleport report (the first of
// a new tentative track) is a teleport, one per burst: flagged reports
// within 5 minutes of the burst's previous one add to its "reports"
// measure (a new version) instead of making new teleports. A track is a
// transmitter of its own once it has made max(Identity.MinReports, 3)
// reports over 3 minutes (fusion's default confirmation) and heard within
// the last hour (fusion's default ConflictWindow). The episodes are
// fusion's (vessel.Position.Episode): the identity_conflict of an
// episode opens once two of its tracks have reported in it, starting at
// the later of their first reports, lists its tracks, and closes when a
// report of one of its tracks no longer carries it (fusion closed it)
// or a later episode begins, ending at the last report of the second
// latest track (also when all its tracks fall silent for an hour);
// measure "episode" is fusion's number. With Config.InferEpisodes (for
// positions read back from a store, which keeps Track but not Episode)
// the engine judges them itself with fusion's default rules: when two
// established tracks were heard over overlapping spans, one
// identity_conflict opens for the MMSI, starting at the later of their
// first reports, and closes when all but one of its tracks have been
// silent for an hour. Each track that joins it later makes a new
// version; its measures are "tracks", the reports of each track so far
// ("track_<id>_reports"), and "distance_m", the greatest distance
// between the tracks' latest reports; a new version is also published
// when a track's report count reaches a power of two. The teleport
// bursts that started a track of the episode (the first reports of the
// other transmitters) are retracted. A later return opens a new one.
// Histories keep Track and Episode, so late data replays these as in time
// order (TestFusedEquivalence; live as batch on fusion's output:
// TestMessyTrust). Reports without Track (not fused) use
// the engine's own single-alt-track model above.
//   - port_visit: within PortVisit.EntryRadius of a port or anchorage,
//     stopped (slower than PortVisit.MaxStopSpeed) and there for
//     PortVisit.MinDuration; it ends beyond PortVisit.ExitRadius. The
//     ports are the bundled or configured ones and the anchorages known
//     from the start (Config.Anchorages: saved by an earlier run, or
//     learned from the whole history first), which make visits with
//     measures "learned" and "anchorage" and no zone name
//     (TestPortVisitsLearnedHarbour, TestPortVisitsLearnedReal).
//     Anchorages learned during the run do not: when one is learned
//     depends on the order the data came in, and port visits are
//     replayed for late data, which must give the events of time order.
//
// # Learned anchorages
//
// As Global Fishing Watch derives its anchorages from AIS, the engine
// learns the places where several distinct vessels stop: a stop is a run
// of reports slower than Anchorages.StopSpeed (0.5 kn; or moored or at
// anchor under 1 kn) all within Anchorages.StopRadius (300 m) of the
// first, lasting Anchorages.MinStop (30 minutes): a ship swinging at
// anchor or rafted at a berth stops, a drifting one does not. Each stop
// counts its vessel in a cell of Anchorages.Cell (0.01°); when the cell
// and the eight around it hold Anchorages.MinVessels (3) distinct vessels,
// those of them with stops become anchorages (Anchorage, at the mean
// position of their stops). Vessels with invalid MMSIs (fusion's
// FlagInvalidMMSI), which make no event, are followed for their stops
// too (by their SOG; at most 4,096, Stats.Stoppers): a boat with a
// placeholder MMSI still moors in its marina. They keep encounters, loitering and gaps
// away as the bundled anchorages do (same distances), from the time they
// were learned (Anchorage.Since: live, batch and replayed runs agree).
// Engine.Anchorages returns them for saving (MarshalAnchorages: a
// versioned, CRC-32C-checked little-endian file; the server keeps it in
// its data directory as anchorages.bin, replaced atomically) and
// Config.Anchorages gives them to the next engine. They are part of an
// engine's state too (AppendState, with when each was learned): an
// engine that loads a state knows the state's anchorages instead of
// those Config.Anchorages gave it, which therefore do not count as
// configuration (TestStateLearnedAnchorages). Limits: a carrier
// serving three fishing vessels while truly stopped dead would make its
// spot an anchorage; MinVessels is low (GFW uses 20 over years) so that a
// new node learns a harbour within an hour.
//
// # Severity and reasons
//
// Every event carries Severity, from 0 (routine) to 1, and Reasons, short
// sentences saying why, so that an alert list can sort by what matters.
// Reasons hold numbers and kinds, never the names of zones, ports or
// vessels (sharing policies redact those fields; reasons must not leak
// them):
//
//   - encounter: 0.5, plus up to 0.2 for lasting three times the minimum,
//     0.2 for a fishing vessel with a carrier or bunker, 0.1 for drifting
//     (median under 1 kn);
//   - gap: 0.4 + 0.3 × coverage fraction, or, judged by significance,
//     0.6 + 0.4 × min(1, (−log10 P − 4)/6); plus 0.2 for falling silent
//     under way (2 kn or more);
//   - loitering: 0.3 plus up to 0.3 for 12 hours, 0.1 for drifting;
//   - identity_conflict 0.6, zone_entry 0.5, zone_exit 0.3, teleport 0.2
//     (usually a bad fix), port_visit 0.1; a retracted event 0.
//
// Positions flagged vessel.Bad by fusion are ignored, except that
// FlagTeleport and FlagIdentityConflict feed the teleport and identity
// detectors (fusion compares a report with its neighbours in time, which
// a stream detector cannot). Reports flagged FlagClock or FlagFuture are
// dropped on arrival (counted in Stats.Ignored): their time is wrong, so
// they neither move the engine's clock (a report dated 2100 would end
// every event) nor count as late data, and they make no event.
//
// # Cost
//
// Per position: one lookup for the vessel (an open-addressed table of
// MMSIs, vessels.go), one coverage-cell update (cached while the vessel
// stays in its cell), one distance for the
// reachability test, one zone-index lookup, a bound check against the
// vessel's cached distance to the nearest port, a receiver-grid update
// (cached while the vessel stays in its cell), a few operations for its
// reception statistics and its stop, and, for slow vessels away from
// ports only, a look into the encounter grid. Nothing allocates on the
// common path. With histories kept, each report is also appended to its
// vessel's history. BenchmarkDetect measures it against decode-only
// throughput, BenchmarkLive the live configuration on a real day.
//
// Config.Reorder holds positions in an in-order queue (a position no
// older than the newest held goes to its end, with no comparison but
// that) beside a side queue for the out-of-order ones, releasing the
// smaller head: the order of a heap by (time, arrival), at a fraction of
// its cost for a feed mostly in order (BenchmarkReorder; Stats.OutOfOrder
// counts those that went to the side). The side queue keeps positions in
// one-second buckets, each sorted once when it comes first, under a small
// heap of bucket numbers, each bucket with its own positions (taking a
// bucket in order reads only its memory; one slab for all scattered a
// bucket's positions over megabytes, a cache miss a position): a live feed
// whose times are its arrival time refined by the AIS second field puts
// nearly every position there (81,531 of 86,595 for bench.nmea.gz), and
// sorting a bucket moves small keys where sifting a heap of every held
// position moved whole positions (BenchmarkReorder's "second" pattern). The nearest port is found in a
// grid of 0.25° cells, most of whose ports a lower bound of their distance
// (without trigonometry) rules out before it is measured (see
// portIndex.nearest; TestNearestPortBound, BenchmarkNearestPort).
//
// # Reprocessing
//
// Reprocess runs history through several engines at once (the caller
// starts their goroutines: this package starts none) and returns the
// events one engine gives, same IDs, versions, content and JSON bytes
// (TestReprocessEquivalence: the real days with zones, anchorages and
// loose encounter thresholds that make thousands of pairs, and the
// messy scenario, with 1 to 4 workers; TestReprocessPairAcrossBorders:
// pairs meeting across cell borders and the antimeridian, each of two
// vessels in different workers' shares, found once). Each engine reads
// every position and keeps what every detector reads of every vessel:
// which reports are its track (teleport and identity state), its speed,
// its stops (the anchorages learned from them), its silence long enough
// to forget it, and the coverage and receiver grids of every report. The
// detectors themselves are split between the engines rather than
// repeated (shard.go): the first follows pairs (encounters, with the
// slow-vessel grid), and the vessels are shared between all the engines
// by MMSI, each judging the silences (gaps), teleports, identity
// conflicts, zones, port visits and loitering of its own; the first takes
// a smaller share (pairWeight) for the pairs. A pair is decided by the
// one engine that follows pairs wherever it meets, so no pair straddles
// a cell or shard border. When the history spans Config.Forget or more,
// a vessel could be forgotten with an open gap and come back, judged
// against what was remembered: then every engine judges every silence
// (and the vessel's engine publishes them). What every engine repeats
// bounds the speed-up (BenchmarkReprocess times each worker's thread).
// MergeOrder puts per-vessel tracks read into one
// buffer in time order without copying them (a two-level bucket sort of
// their times and indices, in parts on the caller's goroutines, stable:
// the order of a stable sort of the tracks one after the other), and
// Reprocess reads them in that order (ReprocessOptions.Order), each
// engine gathering a thousand at a time into a buffer that stays in its
// cache (feed);
// MergeTracks gives a copy in that order. History in time order is not
// held back to be sorted (Config.Reorder is not used by Reprocess: the
// same positions are processed in the same order, the same timers fired
// before each). ReprocessOptions.LearnFirst learns the
// anchorages of the whole history first (LearnAnchorages, an engine that
// only follows stops) and detects with them known from the start.
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
// read-only. Log and ZoneBook (the files below) are safe for concurrent
// use and start no goroutines either.
//
// # Files
//
// The package owns the files of a node's event detection: Log, the
// events file (events.jsonl: a version line, then each event version as
// JSON, read back on open with a torn last line cut off; LogVersion;
// OpenLogFS opens it on a record.FS, so that its crash test runs in
// memory at every write and sync), which answers the API's queries
// (Filter); ZoneBook, the user zones
// edited at run time (zones.geojson, replaced with
// record.WriteFileAtomic through a record.FS, OpenZoneBookFS, so that its
// crash test runs in memory; versioned by a foreign member;
// ZonesVersion); and the learned anchorages
// (LoadAnchorages, SaveAnchorages). Files written before versions are
// read as version 0; frozen fixtures of them are in testdata.
//
// # Saved state
//
// Engine.AppendState saves everything an engine holds between two calls
// (every vessel's detector state and open events, the histories, the
// timer heap, the reorder window's held positions, the coverage and
// receiver grids, the learning cells and learned anchorages, the zones,
// the clock and counters) and Engine.LoadState puts it into a new engine
// of the same configuration (the anchorages are state: a loading engine
// knows the state's, not those Config.Anchorages gave it), which then
// emits exactly what the saved one would have (a cluster node's snapshot
// carries it). The format
// (versioned, record framing with CRC-32C, a schema of the saved fields)
// is described in state.go; a damaged state is a *StateError wrapping
// ErrState, ErrStateVersion or ErrStateSchema, one of another
// configuration ErrStateConfig. Frozen fixtures of each version are in
// testdata.
package event
