// Package fusion keeps the live picture: one state per vessel, fused from
// every report heard about it. It decides what a report means for the
// picture — new position, late position to insert, duplicate heard by
// another receiver, static data to merge — and which data-quality flags it
// earns. It owns no goroutines and no I/O; callers persist what it returns.
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
// A restarted server rebuilds the picture from the store with Seed.
//
// # Concurrency
//
// A Picture is safe for concurrent use. Its state is split into 64 shards
// by a hash of the MMSI, each under its own lock; Apply holds one shard's
// lock for the time of one report (a few hundred nanoseconds) and reads
// copy the state out. Nothing blocks on I/O under a lock.
//
// # Design
//
// A vessel's state is small (about 400 bytes, 600 with static data): the
// latest good position is the newest of a ring of its last 8 good
// positions, kept sorted by time in compact 24-byte entries (1e-7 degree
// integers); a second ring holds its last 4 flagged positions. Both rings
// serve dedup; the good ring lets a late report be checked against its
// neighbours in time rather than against the latest.
//
// A position is checked in this order. Without a usable position it is
// flagged FlagNoPosition and only updates the last-heard time. A repeat
// of a kept position — same position to 1e-6 degree, speed, course,
// heading and status within Config.DedupWindow, or the same time and
// place — is a Duplicate. Older than the latest good position, it is
// FlagLate, stored and inserted into the ring, but the latest stays. An
// invalid MMSI (FlagInvalidMMSI) is never checked further: such an
// identity is often shared by unrelated transmitters, so it has no track.
// On land beyond Config.LandMargin it is FlagOnLand; the margin is probed
// only for positions whose centre is on land, so a position at sea costs
// one land lookup.
//
// Plausibility: a position must be reachable from its good neighbours in
// time, at most Config.Slack plus the class's maximum speed times the time
// between them apart. A position that is not starts a second hypothesis,
// the alt track, and is flagged FlagTeleport: one isolated jump is a bad
// fix. A later position that is impossible from the main track but
// reachable from the alt one is a second transmitter using the same MMSI:
// FlagIdentityConflict, and the vessel's State shows the active conflict
// and the alt track's position. Flagged positions never change the main
// track. The alt track swaps with the main one when the main one was a
// single report never confirmed (a bad first fix: swapped at the alt's
// second report), or when the alt has three consistent reports and the
// main none since the alt began (the main transmitter fell silent); the
// old main track becomes the alt one, so that if it is heard again the
// conflict shows at once. A swap is reported in Result.Swapped; positions
// stored flagged before it keep their flags.
//
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
