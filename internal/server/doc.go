// Package server puts a node together and runs it. It owns the wiring
// and the lifetimes, nothing else: what each part does belongs to its
// package (fusion, store, event, httpapi, share, ingest).
//
// # Components
//
// A Node (Open, Run, Close) is made of components, each a Component
// (Run(ctx) error) that owns its goroutines:
//
//   - the Core: the picture (package fusion) restored from the store,
//     the recorder that writes what the picture keeps, and the Fanout
//     that hands what the picture decided to its subscribers; the one
//     place where this path is built (NewCore), for the node and for the
//     ingest and events commands alike;
//   - the Pipeline: the bounded queue from the inputs to the core, on
//     one goroutine, committing at least every second;
//   - the Fanout's subscribers: event detection (its events go to the
//     event log, package event, and on to the others), the live stream
//     (httpapi.Hub), sharing (package share) and the Cursor on Target
//     outputs (Config.CoT, package cot: each vessel the picture moved,
//     through a named partner's policy; the senders run as components
//     between sharing and the inputs); inline on the pipeline
//     goroutine, or queued with a bound and an overflow policy, with a
//     dropped counter each (tidewatch_fanout_dropped_total). Event
//     detection is queued, on its own goroutine: the pipeline hands it
//     the stored positions and static reports in batches of 256 (copied
//     slim, SubscribeOptions.Slim: the position, or the changed static,
//     128 bytes an item; a queue of 1,024 batches) and blocks when the queue is full, so no
//     event is lost (the pipeline's own queue then drops input, counted).
//     Its events come back into the Fanout from its goroutine (inline
//     subscribers are delivered to under a lock); zone edits take its
//     lock. Between reports its time follows the wall clock only while
//     every input heard within ten minutes (by the reports' source) was
//     less than five minutes behind the clock when its reports last
//     arrived, so a backlog beside a live feed is examined in its own
//     time order (events.go, liveEvents.Commit). The live stream builds a vessel's snapshot only while the
//     stream has a client, and otherwise skips a sequence number
//     (httpapi.Hub.Skip), so that a client resuming from before is told
//     it lagged and reloads the picture;
//   - the NMEA relay (Config.Relay, relay.go, package relay): the AIS
//     inputs hand every raw line they read (ingest.InputOptions.Lines) to
//     a bounded queue of 16,384 lines (full: dropped and counted, the
//     inputs never wait), from which one goroutine publishes them to the
//     relay's TCP clients and UDP destination, with tag blocks kept,
//     added or stripped, filtered by box and input, and through a named
//     partner's policy (only vessels the partner would get unchanged and
//     at once); in cluster mode the inputs are the cluster's and the
//     relay gets no lines;
//   - the maintenance ticker (compaction and retention, hourly);
//   - the ContactTracker (contacts.go): radar and satellite detections
//     from the SensorInputs (sensorinput.go, sensortcp.go: ASTERIX and
//     radar NMEA over UDP, over TCP as a server or a client, or from
//     files read at once or paced by their times; satellite detection
//     files) and the demo's
//     SimulatedRadar, associated with the AIS positions it takes from the
//     fan-out (kept in aisindex.go's grid of 1/32° cells, antimeridian
//     wrapped, with each vessel's last reports) by package contact on its
//     own goroutine; the current and
//     recent contacts (in memory, bounded, and in DATA/contacts/, a
//     bounded log of segments: contactlog.go) for the API and the stream,
//     and dark_target / ais_position_mismatch events on the events path;
//   - sharing's links, the inputs (NMEA over TCP and UDP, file replay,
//     the demo's simulated traffic) and the HTTP server (the API, the
//     web map, /metrics).
//
// Open opens them in dependency order and closes what it opened if a
// step fails. Run starts them in one Group (modelled on oklog/run): the
// first to return, or the context's end, stops the others in reverse
// order, one at a time: HTTP, inputs, sharing, maintenance, the pipeline
// (which drains what the inputs queued into the store), the fan-out
// (which delivers what it holds; event detection then flushes the
// reports its reorder window still holds and logs their events,
// liveEvents.Stop). Options.Components adds a caller's components (started after
// sharing, stopped before the pipeline drains). Close then closes
// sharing, incidents, the event log and the store.
// Run (the function) is Open, Run and Close.
//
// While the store's writes fail (a full disk), the pipeline retries its
// commits with back-off and logs once, at most once a minute after, and
// when they resume; /readyz answers 503 with the store's reason and the
// metric tidewatch_store_write_failing is 1.
//
// # Cluster mode
//
// With Config.Cluster set (serve --cluster-listen/--cluster-peer, or
// --nats-url) the node is a member of a cluster on NATS JetStream
// (package cluster; cluster.go): its inputs (every AIS kind, built by
// buildInputs as on a single node, in ingest's line mode) publish their
// raw lines, in batches of about 100 ms that never split a
// multi-sentence message, to the replicated ingest log and count them
// accepted once the cluster acknowledged them; they never hand anything
// to the pipeline directly. The NMEA relay forwards the lines of the
// entries the node applies. A follower applies the log, in
// order, through Pipeline.ApplyEntry (decode with the batch's receive
// time, fusion, store, events), so every member builds the same picture,
// store and events. The store keeps the applied sequence in the same
// commit as the entry's data (its applied mark), and the picture's whole
// state is kept beside it (cluster_state.go, <data>/cluster/
// TIDEWATCH_INGEST.state), so a restarted node loads its picture, replays
// into the picture alone the entries its store holds beyond the state,
// and goes on exactly as the members that never stopped. A node whose
// state is older than the log's first entry installs a peer's snapshot
// at start, before its store opens (cluster_snapshot.go); one that falls
// that far behind while running fetches and stages a peer's snapshot
// while it serves, then reopens itself in Run to install it. Restores
// are retried with backoff until one succeeds. /readyz is 503 while the
// follower is behind (Cluster.ReadyLag) or needs or fetches a snapshot
// (with the last failure); the cluster's Collector is on
// /metrics. While a cluster node starts (joining, asking the log where it
// starts, installing a peer's snapshot, opening) it already answers
// /readyz (503, the phase) and /metrics on its HTTP address, and its
// server then takes that socket over (cluster_early.go). Event
// detection follows the log (cluster_events.go): its time moves to each
// entry's receive time after the entry's results (Fanout.Call), and a
// zone change reaches the engine where its zones marker falls in the
// ingest log, so every member opens the same events. Without Cluster
// there is no NATS at all.
//
// The radar, ASTERIX and SAR inputs publish their raw records to the same
// log as sensor batches (cluster_sensors_input.go); every member decodes
// them (cluster_sensors.go) and drives its ContactTracker from the log on
// the pipeline's goroutine, in the same turn as the entry's AIS and
// applied mark (Pipeline.ApplyEntryThen), on the log's time (the batches'
// receive times), never the wall clock; the tracker's state
// (<data>/cluster/contacts.state) is written before the picture's and
// travels in snapshots with its contact log, so every member, restarted
// or restored, has the same contacts and dark_target events. The demo's
// simulated inputs publish to the log too (simulated.go, simradar.go):
// the simulated AIS as NMEA lines, the simulated radar and SAR as
// sensor batches, so every member shows the same simulated ships and
// contacts.
//
// Zones, incidents, API tokens and the partner registry go through the
// cluster's control log in cluster mode (cluster_control.go): the API's
// zone editor and incident store, and Tokens.Revoke, publish each change
// and answer once this node applied it; the token and partner commands'
// edits of a running member's files are found by comparing the files
// with what was applied (once a second) and published. A control
// follower applies the log on every member in order into the zone book,
// the incident book (incident.Store.PutReplicated), the tokens and the
// registry; its cursor file is written after each apply. The routes and
// client port of the embedded NATS take TLS with Cluster.TLSCert, TLSKey
// and TLSCA.
//
// ARCHITECTURE.md at the repository root draws the components and the
// data flow.
package server
