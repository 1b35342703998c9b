// Package contact associates radar and satellite detections with AIS
// vessels and finds dark targets: what no AIS vessel explains. It owns the
// prediction of AIS vessels to a detection's time, gating, global
// assignment, radar track management and dark-target episodes. It reads
// the AIS picture through the small Vessels interface and produces plain
// values (Contact, Episode); storing contacts and turning episodes into
// dark_target events is the business of the layers above.
//
// # Usage
//
//	a := contact.New(contact.Config{}, vessels) // vessels: the picture, or a snapshot of it
//	for scan := range radarScans {              // one call per radar scan, in time order
//		contacts = a.Radar(scan, contacts[:0])
//	}
//	contacts = a.Satellite(scene, contact.Pass{SAR: true, HeadingDeg: 348, HasHeading: true}, contacts[:0])
//	a.Flush(now)                                // from a ticker, or at the end of a replay
//	episodes := a.Episodes(nil)                 // dark-target updates since the last call
//
// # Association
//
// Each AIS vessel within the search radius is dead-reckoned from its last
// report to the detection's time; its one-sigma uncertainty grows with the
// time since that report, along its course with the speed error and across
// it with the course error times the distance run. The detection's own
// error is anisotropic when it comes with range and bearing (range error
// plus a fraction of range; bearing error times range), else its PosErrM,
// else the sensor's default. The gate is the squared 2-D Mahalanobis
// distance under the sum of both covariances (13.8: 99.9%).
//
// Assignment is global per radar scan or satellite scene: rows
// (detections, or radar tracks) that share a candidate vessel form a
// component, and each component is solved exactly by a shortest
// augmenting path (Jonker-Volgenant) method with a private "unassociated"
// column per row, so two detections never share a vessel and a vessel
// goes where the total cost is least, not to whoever asked first.
//
// Every Contact records its candidates (distance, Mahalanobis distance,
// length difference, cost and posterior score) and the score of the
// choice, so an analyst can see why.
//
// # Radar tracks
//
// A radar report continues the track of its source and target number; a
// report that jumps beyond JumpD2 of the track's prediction (the radar
// recycled the number) ends the track and starts another. Reports without
// a number are assigned globally to the source's unnumbered tracks. Each
// track is a constant-velocity Kalman filter, confirmed when seen in M of
// the last N scans of its source. Identity is track-to-track: each track
// keeps a faded average of the squared distance of its reports to each
// candidate vessel, assignment uses that average, and the identity a track
// already has gets a bonus (stickiness), so one noisy report cannot move
// an identity inside an anchored group and a new candidate must be
// consistent for several scans before it can take over. Far from the
// radar its noise is as large as the spacing of an anchored group, and
// the average distance barely tells the vessels apart; so each ledger
// entry also keeps the mean offset of the track's reports from the
// vessel, over a longer memory (BiasFade), and a candidate pays
// BiasWeight times how much less likely its mean offset is than the
// best candidate's (the mean of n reports has √n less noise). A track keeps its
// identity, marked Held, while no AIS report of the vessel has arrived
// since it last matched and no other track took the vessel: the vessel's
// AIS fell silent and the radar carries it ("held by radar"). A held
// identity also passes between radars and across a broken track: a live
// held track of another radar, or a held track that ended within
// LinkWindow, is a candidate for a new track where that object would be.
//
// # Satellite detections
//
// Lengths are compared with AIS dimensions when both are known (one sigma
// 20% + 10 m). For SAR, each AIS vessel is predicted where the image shows
// it: shifted along the satellite's track by ShiftMPerMS (100 m) per m/s
// of its speed along the look direction (towards the satellite: forwards),
// using the pass heading or the sun-synchronous default, with the shift's
// uncertainty added along track. A detection no AIS vessel explains may be
// explained by a radar track (it then carries the track's identity, held
// or not, or joins the track's dark episode; a track with neither yet
// takes it as its own, Contact.Track, and raises the alert itself if it
// turns out dark). Detections with a presence
// score below DoubtfulScore are doubtful: they join an existing dark
// episode within CorroborateM as evidence but never open one alone; two
// doubtful detections of different scenes within CorroborateM do.
//
// # Dark targets
//
// A confirmed radar track without identity for DarkAfter updates and
// DarkMinAge opens an Episode of KindDarkTarget. A dark track continues an existing episode
// instead of raising a new alert when another radar's dark track sees the
// same object now, or when a dark track ended within LinkWindow close
// enough that the craft could have got here (300 m plus one and a half
// times its speed plus 2 m/s, times the time unseen; dark craft turning
// in and out of short-range cover are thus one alert). Which ended
// episode a new dark track continues is decided by motion and globally:
// the source's tracks that may turn dark are rows, the ended episodes in
// reach are columns, and the cost is -2 ln of the likelihood of the
// track's first report under two hypotheses: the craft went straight on
// (the ended track dead-reckoned, its error growing with the time
// unseen, the velocities alike), weighted by exp(-unseen/10 min); or it
// turned, and is anywhere in reach, likelier about where the episode's
// tracks have worked (their mean and spread). The assignment makes the
// most links, then the likeliest (LinkWindow, 2 h, is longer than a
// patrol's round). Only tracks half-way to being dark themselves
// (DarkAfter/2 updates without identity over DarkMinAge/2) compete: a
// track in its first updates, an AIS vessel whose identity is not yet
// settled or clutter, would otherwise take the episode the dark track
// needs and never use it, and the dark track would raise a second alert.
// Two craft of one size and speed whose working areas overlap cannot be
// told apart after a long unseen spell: their episodes may swap, each
// craft then being in two alerts. A credible satellite detection no AIS vessel or radar track
// explains, where such a craft could be, is evidence for its episode
// rather than a new alert. When the last track carrying an episode
// gains an identity, the episode ends as if the track had ended: a dark
// craft passing close to an AIS vessel for a while takes it up again
// when it comes out; otherwise it closes after LinkWindow. Unexplained
// credible satellite detections open or join satellite episodes
// (ClusterRadiusM, ClusterWindow). Episodes are emitted when they open, at
// most every EpisodeEvery while they continue, and when they close, with
// a stable ID and a growing Version: one alert per dark target, not one
// per report. The queue of updates is bounded (MaxQueued; overflow is
// dropped and counted).
//
// Config.Harbours (a HarbourIndex of ports, berths and anchorages, each
// a point with a radius) keeps alerts away from harbours: a dark radar
// track there opens no episode (counted in Stats.InHarbour) until it is
// dark outside, and a satellite detection there neither opens nor joins
// one; the contacts stay unassociated and are served as such. An episode
// already open continues into a harbour.
//
// # AIS position mismatch
//
// Once a minute a dark radar track looks for an AIS vessel under way whose
// reports put it at a constant offset (within 500 m) from the track, more
// than 1 km away, at a place inside the radar's cover (the longest range
// the radar has reported) where the radar has no track: the radar sees
// nothing where the AIS claims the vessel is, and an unexplained target
// moving as the AIS says. A check that fails (the track's velocity, noisy
// far from the radar, disagrees; a target passes near the claimed
// position) is a miss; a suspect is dropped after three misses in a row.
// When the offset has held for MismatchMinAge and 1 km of motion through
// a turn of 30° of the AIS course, or for three times MismatchMinAge,
// this opens an Episode of KindAISMismatch naming the vessel, with the
// offset: two ships that merely run parallel for a while do not turn
// together. There is one such episode per vessel: other tracks (another
// radar, a broken track) join it while their offset agrees within 1 km,
// and it closes LinkWindow after the last track let it go.
//
// # State
//
// AppendState writes everything the associator decides from (tracks,
// ledgers, episodes, held identities, doubtful detections, queued
// updates, counters; versioned and CRC-checked, layout in state.go) and
// LoadState restores it: an associator loaded from a state continues as
// the one it was taken from, with the same track ids and episodes, so a
// restarted node raises no alert twice. AppendVesselStates adds to a
// state the AIS reports a node's index of them held (the AIS picture is
// not the associator's, but a restarted node that starts with none
// associates its first scans differently), and VesselStates gives them
// back to be put in the new index.
//
// # Concurrency
//
// An Associator is synchronous and not safe for concurrent use; it never
// reads a clock (time comes from detections and Flush's now) and keeps no
// package-level state.
//
// # Errors
//
// An invalid detection (position outside WGS-84, non-finite number, no
// time, wrong sensor) yields a Contact whose Err is a *DetectionError
// wrapping ErrInvalidDetection, counted in Stats.Rejected; the other
// detections of the call are associated as usual.
package contact
