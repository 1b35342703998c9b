// Package cluster owns tidewatch's cluster mode on NATS JetStream: the
// embedded NATS server (or the connection to an external NATS), the two
// replicated streams, publishing to them, following them in order into a
// node's state, snapshots for nodes that were away too long, and the
// cluster's metrics. It does not know what the state is: the node wires
// its picture, store and events (and its zones, incidents, tokens and
// partners) to the followers' Apply callbacks.
//
// # Design
//
// Every node is a replicated state machine. Inputs on any node publish
// what they receive to one replicated ingest log (stream
// TIDEWATCH_INGEST, subjects tidewatch.ingest.<input>): a [Batch] of the
// raw lines of about 100 ms, with the input's name and receive time (a
// sensor input's batch, entry version 2, carries its raw records, its
// kind and site instead: [SensorKind]). A
// publish returns once a quorum of the replicas stored it; only then
// does the input count the lines as accepted. Every node runs a
// [Follower] that applies the log's entries in stream order, exactly
// once across restarts, and since fusion and event detection are
// deterministic, every node builds the same picture, store and events.
// Changes made through the API (zones, incidents, tokens, partners) go
// through a second stream, the control log (TIDEWATCH_CONTROL,
// [ControlRecord]), followed the same way; it keeps everything. The
// body of a record is the node's (package server, cluster_control.go).
//
// With Config.TLSCert, TLSKey and TLSCA the embedded server's routes and
// client port speak TLS and require a certificate of that CA from the
// other side, both ways: a would-be member without one gets no route.
//
// The ingest log keeps Config.MaxAge (and MaxBytes) of entries. A node
// away longer than that finds the entry after its last applied one gone:
// its follower stops with [ErrNeedSnapshot], the node restores a peer's
// snapshot ([Node.RestoreSnapshot], or [Node.RestoreSnapshotRetry] with
// backoff until one is restored, each failure counted in
// [Node.RestoreStatus]; served by [SnapshotServer] through the object
// store, one object per node, stream and entry, never replaced while it
// may be read) and follows again from the snapshot's sequence. A
// follower whose consumer delivers nothing while the stream holds its
// next entry (the consumer lost with the member that held it) makes a
// new one (FollowerStatus.Stalls).
//
// [Node.Status] asks the cluster for its members, leaders and replica
// health; [Collector] exposes that and the followers' and publishers'
// counters to Prometheus. A follower's Status (CaughtUp, NeedSnapshot) is
// what the node's /readyz reads.
//
// # Usage
//
//	n, err := cluster.Start(ctx, cluster.Config{Name: "a", Dir: data,
//		ClusterListen: "10.0.0.1:6222", Peers: []string{"10.0.0.2:6222", "10.0.0.3:6222"}}, logger)
//	log := n.IngestLog(cluster.LogConfig{})             // for the inputs
//	f, err := n.IngestFollower(cluster.FollowerConfig{}, apply)
//	// run group: n.Run, f.Run, n.SnapshotServer(cluster.IngestStream, state).Run
//	seq, err := log.Publish(ctx, cluster.Batch{Input: "tcp-1", Received: now, Lines: lines})
//
// # Format
//
// Entries are versioned and checksummed; see [AppendBatch] for the
// layout. A follower's cursor is a small text file,
// Dir/cluster/<stream>.applied, replaced atomically; a follower whose
// state machine keeps the applied sequence in its own commits
// (FollowerConfig.StateCursor, as a node's store does) writes none and
// resumes where the state machine says. JetStream keeps its
// own files under Dir/cluster/jetstream.
//
// # Concurrency
//
// [Node], [Log] and [ControlLog] are safe for concurrent use. A
// [Follower] runs on the goroutine that calls Run; its Status is safe
// for concurrent use. Goroutines: Run of Node (waits for the embedded
// server), and those of the NATS server and client libraries.
package cluster
