// Package simulate generates realistic AIS traffic: thousands of vessels
// on plausible sea routes over days, at AIS reporting rates, with static
// data. It is deterministic for a seed, so it serves tests, benchmarks,
// load tests and demos alike.
//
// # Usage
//
//	sim := simulate.New(simulate.Config{Vessels: 5000}, rand.New(rand.NewPCG(seed, 0)))
//	err := sim.Run(from, to, func(o *vessel.Observation) error {
//		... // o is reused: copy what you keep
//	})
//
// Run emits vessel.Observation values in time order: KindPosition reports
// and, about every six minutes per vessel, KindStatic reports (the content
// of a type 5 message for Class A, of types 24A and 24B for Class B).
// Sim.Vessels lists the fleet, with each vessel's transponder class.
//
// # Model
//
// The fleet mixes cargo ships (30%), tankers (12%), fishing vessels
// (15%), passenger ships (7%, mostly ferries), tugs (8%), pleasure craft
// (20%, Class B) and service vessels (8%: pilots, search and rescue, law
// enforcement, dredgers), with AIS ship types, dimensions and draughts to
// match. Identities are valid: MMSIs of ship stations with allocated MIDs
// (open registries for merchant ships, the home country's for local
// craft), call signs, and IMO numbers with correct check digits.
//
// Every vessel has a home port from the World Port Index and lives a chain
// of activities, each chosen when the last ends:
//
//   - merchant ships and cruise ships sail port to port (60 to 2500 km) at
//     10-20 knots, anchor off the destination four times in ten, berth,
//     and stay moored for hours;
//   - ferries shuttle between two ports 10-150 km apart, with short
//     turnarounds, and lie up at night, local time;
//   - fishing vessels steam 20-120 km to a ground, fish there at 2-5 knots
//     (status 7) for 6-72 hours and come home;
//   - tugs, service vessels and pleasure craft make short trips out of
//     their port.
//
// Routes are great circles between points at sea, direct or through one
// waypoint off the line, checked every 250 m against the land mask
// (Config.Land); berths, anchorages and grounds are at sea. Fewer than one
// position in ten thousand falls on the embedded 1:50m land.
//
// Reports follow the AIS rules (ITU-R M.1371 table 1): Class A every 10 s
// under way up to 14 knots, 6 s up to 23, 2 s above, 3 minutes at anchor
// or moored; Class B every 30 s above 2 knots, else 3 minutes; static data
// every 6 minutes. Config.Rate divides every interval, so a run of tens of
// millions of positions takes seconds to minutes. Reported speed, course
// and heading carry small sensor noise around the true motion; Noise adds
// the faults of real feeds (duplicates from a second receiver, late
// reports, GNSS jumps, positions not available).
//
// # Ocean lanes, focus and scripts
//
// With Config.LaneShare, that share of the cargo ships and tankers sail
// the ocean shipping lanes of Lanes (lanes.go: the Red Sea and
// Bab-el-Mandeb, Hormuz, the Arabian Sea, round Sri Lanka, the Bay of
// Bengal, the Malacca approaches, the Cape route, the east African coast,
// Australia to the Gulf, and the world's main lanes) end to end, 1.5 to
// 4.5 km to the right of the lane's axis, wait at anchor off the end for
// 2 to 12 hours, and sail back; they start anywhere along their lane, so
// the open ocean has traffic from the first report. Config.Focus weights
// the home ports and the lanes towards a region. Config.Script adds
// vessels that follow a timeline (Scripted: waypoints with times, spans
// with the transponder off) instead of a behaviour.
//
// NewDemo (demo.go) is the traffic of "tidewatch demo": the fleet with
// half the merchant ships on the lanes and 40% of the fleet focused on
// the Indian Ocean (IndianOcean: 30°-110° E, 45° S-30° N), about half of
// it in that box, and a story whose events come due in the first minute
// after the demo starts: a fishing vessel and a reefer drifting together
// in the Arabian Sea (an encounter, two hours after they came within
// 500 m), a fishing vessel 40 km from them silent for six hours (a gap),
// and a tanker entering the demo's watch zone in the Strait of Hormuz
// (Demo.ZoneGeoJSON). TestDemoStory runs the story through the event
// engine. Demo.Radar prepares a radar and satellite story
// (NewRadarScenario from just before the start, a SAR pass 30 s after
// it: contacts without AIS in the first minute) for when the node takes
// those inputs. Config.HistoryRate makes a long history
// cheap: the fleet reports at a lower rate before Config.HistoryUntil
// (at most 30 minutes apart), the scripted vessels at Config.Rate.
//
// # Messy feeds
//
// Messy builds a scripted scenario set with ground truth for testing
// detectors on the feeds watch officers actually get (issue 13): 100
// vessels (and four transmitters sharing one MMSI) over two days in the open Atlantic around 30°N 40°W, heard by
// two terrestrial receivers ("rx-harbour", 40 km range; "rx-east", 120 km,
// down from 25 to 28 h) and a satellite ("sat", a pass every 90-120
// minutes, each vessel detected in a pass with its own probability,
// 0.6-0.95). The families:
//
//   - harbour: a harbour in no port list: three rafted pairs moored
//     30-80 m apart, four ships at anchor 300-450 m apart (half with a
//     navigational status never set), a ferry shuttling between two
//     berths, two vessels switching AIS off at the berth for 10 hours;
//   - meeting: a fishing vessel and a carrier 350-400 m apart for 4 h
//     with 60-100 m GNSS noise, a fishing vessel bunkering 200 m from a
//     tanker for 3 h;
//   - decoy: 750 m apart for 3 h (noisy), 300 m for 1.4 h, a tow at 200 m
//     and 5 kn, a tug alongside a tanker;
//   - carrier: a reefer drifting at 0.8 kn for 12 h;
//   - dark: a fishing vessel that switches off for 8 h within coverage;
//   - satellite: 20 vessels heard only by the satellite, one dark 16 h
//     after a day of passes;
//   - ongoing: a meeting still going on when the data ends;
//   - transit: the rest cross rx-east's range at 10-16 kn, entering and
//     leaving it;
//   - shared: a placeholder MMSI (SharedMMSI, 412000000) used by four
//     transmitters 100-300 km apart, on top of the 100 vessels: one near
//     the harbour throughout, three in rx-east's range from 2 to 20 h, one
//     of them back from 30 to 40 h (two identity episodes);
//   - clock: rx-east's reports from 30 h to 30 h 02 stamped five minutes
//     early, delivered when made;
//   - badfix: every fourth transit vessel sends a burst of 1-5 bad fixes
//     every four hours (200-2000 km off; one burst at 0,0), 5 s apart after
//     a genuine report.
//
// The shared family is built, and the faults injected, after everything
// else, so the other families' reports are what they were before these
// existed. Scenario.Truth lists the true events (type, vessels, start,
// end), Scenario.Quiet what must not alert (by types, vessels, time and
// place), Scenario.Faults the reports that are not what their vessel did
// (the others are genuine).
//
// # Radar and satellite scenarios
//
// NewRadarScenario (radar.go, sar.go) generates a local scenario with
// ground truth for the association of radar and satellite detections with
// AIS: a patrol ship with a radar (own-ship RMC/HDT, TTM target reports)
// sailing a racetrack in the Gulf of Aden among a tight anchored group, a
// convoy 1 km apart, ships transiting along the gulf, fishing vessels,
// small fast craft seen only at short range, dark vessels without AIS, a
// ship whose AIS falls silent inside radar cover and a spoofer whose AIS
// claims a position 8 km off (RadarConfig.Transits and MaxTargets scale
// it up for load tests); a fixed
// platform radar reporting TLL; and two SAR passes in the Global Fishing
// Watch CSV layout. Radars measure with noise (20 m + 0.5% of range, 0.4°
// of bearing), miss scans, recycle target numbers (the lowest free number
// is taken on acquisition) and report short-lived clutter; SAR detections
// carry 30 m of noise, the along-track shift of moving targets (100 m per
// m/s of radial speed), length estimates and presence scores, miss most
// small craft, and include low-score false alarms. Every report says which
// Ship it is (or FalseAlarm), and Ship.At gives the truth at any time.
//
// # Determinism and cost
//
// Every random choice is drawn from the *rand.Rand given to New, in an
// order fixed by the configuration, so a seed reproduces the traffic
// exactly. The vessels' next reports are kept in a calendar queue and a
// position costs a few multiplications: about 5 million positions per
// second on one core (BenchmarkRun). New parses the port table and finds
// home ports with routes out of them, about a quarter of a millisecond per
// vessel.
//
// # Data
//
// ports.csv is generated by genports.go (go generate) from the World Port
// Index point list of the shared test data (testdata/geo/ports/
// wpi_ports.csv): repository GlobalFishingWatch/anchorages_pipeline, path
// pipe_anchorages/data/port_lists/WPI_ports.csv, commit
// 099169e4d5f29096e7c9421fa198cee0fe09a3ed, derived from the NGA World Port
// Index (US Government work, public domain), repository licence
// Apache-2.0. The generator adds, for each port, the nearest point at
// least 1 km from 1:50m Natural Earth land (public domain) and drops the
// ports more than 30 km inland.
//
// # Concurrency
//
// A Sim is not safe for concurrent use. It starts no goroutines and keeps
// all its state, the routes it has found included, in itself.
package simulate
