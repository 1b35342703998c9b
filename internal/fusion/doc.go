// Package fusion keeps the live picture: one state per vessel, fused from
// every report heard about it, with a track per transmitter when several
// share one MMSI. It decides what a report means for the picture — new
// position, late position to insert, duplicate heard by another receiver,
// static data to merge — which track it belongs to, and which
// data-quality flags it earns; it judges receivers' clocks. It owns no goroutines and no I/O; callers persist what it returns.
//
// # Usage
//
//	p := fusion.NewPicture(fusion.Config{Land: land})
//	r := p.Apply(&obs)
//	switch r.Outcome {
//	case fusion.Stored, fusion.Station: // store r.Position (flags set)
//	case fusion.Duplicate:             // add r.Source to the provenance of (r.MMSI, r.Time)
//	case fusion.Static:                // store obs.Static
//	}
//
// A restarted server rebuilds the picture from the store with Seed. A
// cluster node keeps the whole state instead (AppendState, LoadState:
// versioned and checksummed, see state.go), so that after a restart its
// picture decides every report as the one that never stopped.
//
// # Concurrency
//
// A Picture is safe for concurrent use. Its state is split into 64 shards
// by a hash of the MMSI, each under its own lock; Apply holds one shard's
// lock for the time of one report (a few hundred nanoseconds) and reads
// copy the state out. Nothing blocks on I/O under a lock. A shard finds
// its vessels in an open-addressed table of MMSIs (table.go), about half
// the cost of a map's lookup, the first thing Apply does for a report.
//
// # Design
//
// A vessel's state is small (about 450 bytes, 650 with static data): each
// track hypothesis (one, normally) is a ring of its last 8 positions, kept
// sorted by time in compact 24-byte entries (1e-7 degree integers); the
// latest position is the newest of the main track's. A second ring holds
// the last 4 positions in no track (no position, future, clock). The
// rings serve dedup; a track's ring lets a late report be checked against
// its neighbours in time rather than against the latest. Receivers'
// clock records sit under one lock of their own, taken only for a late
// report or while a receiver is in a clock fault.
//
// A position is checked in this order. Without a usable position (out of
// range, "not available", or 0,0, what a transponder without a fix sends)
// it is flagged FlagNoPosition and only updates the last-heard time. A
// report dated after its arrival (Config.Now) plus Config.FutureTolerance
// is FlagFuture: kept for dedup and as evidence, never in a track, never
// the latest, and it does not move LastHeard. A repeat of a kept position
// — same position to 1e-6 degree, speed, course, heading and status
// within Config.DedupWindow, or the same time and place — is a Duplicate.
// An invalid MMSI is FlagInvalidMMSI, advisory: it is tracked like any
// other (placeholders such as 123456789 are used by real ships). On land
// beyond Config.LandMargin it is FlagOnLand; the margin is probed only for
// positions whose centre is on land, so a position at sea costs one land
// lookup. A *geo.LandMask is looked up through a geo.CellCache (exact,
// 2^18 cells of 0.01°, counters in Picture.LandCache), and the margin
// through a cache of inland cells (inland.go: 2^16 cells of 0.01° whose
// points all have land all round within the margin, found with
// geo.Index.BoxInside; exact, TestInlandExact), so that a position in
// such a cell (a river, a lake, a canal of the coarse land) is not
// probed. The land check runs after the duplicate check: a report heard
// again by another receiver pays none.
//
// Track hypotheses: each MMSI keeps up to Config.MaxTracks tracks, one
// per physical transmitter as far as the picture can tell, each with its
// own ring and an id (vessel.Position.Track, State.Tracks). A position
// joins the track that can reach it — at most Config.Slack plus the
// class's maximum speed times the time to its neighbours in that track —
// preferring confirmed tracks, then the best fit. A position no track
// can reach starts a tentative track and is flagged FlagTeleport: one
// per transmitter, not one per report, while its track is kept. A track
// is confirmed by Config.ConfirmReports reports over Config.ConfirmSpan;
// a tentative track silent for twice that span is forgotten (so it
// cannot gather unrelated bad fixes), a confirmed one other than the main
// one after Config.ConflictWindow. The latest state follows the main track. A
// tentative track never takes over a confirmed one: a burst of bad fixes,
// even a consistent spoofed one, stays flagged while the real reports go
// on joining the main track. A confirmed track takes over when the main
// one has been silent for ConfirmSpan while it reported; while no track
// is confirmed (a vessel's first minutes), a consistent track takes over
// a main one silent since it began, or a main one of a single report (a
// bad first fix). A lighter source (Config.SourceWeight) never takes
// over from a heavier one. A track takes over with its newest report,
// so the latest state is never a report stored flagged. Reports of a
// track that is not the main one are FlagIdentityConflict; a swap is
// reported in Result.Swapped.
// MainTrack picks the main hypothesis of stored positions (the one with
// the most unflagged reports), for readers of the store: the API and CLI
// track queries.
//
// Identity episodes: two or more confirmed tracks active at once are
// transmitters really sharing the identity. The picture opens an Episode
// (Result.Episode, Result.EpisodeChange, State.Episode), each track keeps
// its id, and every report of the episode's tracks while it is open
// carries its number in Position.Episode (vessel.Episode; 0 otherwise),
// from which the event layer raises one identity event per episode
// instead of a teleport per report.
//
// Time integrity: each receiver's (Position.Source) clock is judged
// against its other traffic and other receivers' reports of the same
// vessels. A report late by more than Config.ClockTolerance that is out
// of place at its own time but where the vessel is now, or that repeats a
// report of a moving vessel already kept with a later time, is evidence
// of a clock fault and flagged FlagClock; two such reports of different
// vessels within ten minutes put the receiver into a fault, in which its
// reports late by more than the tolerance (and by no more than the
// largest lateness of the fault's evidence, plus a minute of slack for
// the vessel's reporting interval) are flagged too, until one of them is
// on time. Before the fault is declared, one piece of evidence is
// enough to flag a report late by as much that no track of its vessel
// can reach (a new transmitter's first report, stamped early): not a
// teleport. Counted per receiver (Receivers). A late
// report that fits its own time (a satellite pass) is FlagLate, inserted
// into the track; the latest stays.

// Base stations and aids to navigation are kept apart from vessels
// (Stations): they have a fixed position, are not checked for
// plausibility or land, and a repeat of the same position within the
// dedup window is a Duplicate, which thins a base station's ten-second
// heartbeat to what the store needs.
//
// The land check is only as good as the land data. Natural Earth land
// (geo.DefaultLand) counts lakes and rivers as land — the Great Lakes,
// the St Lawrence, the Rhine, the Yangtze — so every position of
// inland-waterway traffic would be flagged: a picture that follows such
// traffic passes its own land data, or none.
package fusion
