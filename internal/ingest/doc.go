// Package ingest turns AIS input into decoded messages: it opens sources
// (files, plain or gzip-compressed; later network feeds), frames NMEA 0183
// with package nmea, decodes payloads with package ais, and counts every
// rejected line or payload by error class so that bad input is visible but
// never stops good data.
//
// A Stream is synchronous and goroutine-free. The live inputs (TCPServer,
// TCPClient, UDPListener, Replay; see net.go) are components: each owns
// its goroutines inside Run(ctx), hands observations to a Sink through a
// bounded queue with an Overflow policy, and reports counters in Stats.
// InputOptions.Lines, when set, also gets every raw line an NMEA input
// reads (the node's NMEA relay takes them), on the reading goroutine.
//
// Line mode (InputOptions.Publish; a node in cluster mode, linemode.go):
// the input decodes nothing and hands its raw lines, read by the same
// line reader (lineTee), to Publish in batches of about 100 ms (live
// inputs: the read waits no longer than the batch's window) or of a
// fixed size (a replayed NMEA file, each batch with a stable id made of
// the file's digest and the batch's byte range), and reads on once
// Publish accepted the batch. The fragments of a multi-sentence message
// still incomplete at a batch's end are held back for the next batch
// (at most LineBatchOptions.HeldFragments lines, for at most
// HeldBatches batches; beyond that they are published where they are
// and counted in LineModeStats.FragmentsDropped), so a batch decoded on
// its own never loses a message to the cut.
//
// A TCPServer bounds its connections so that idle or hostile peers cannot
// lock receivers out: at most MaxConns (64) open, at most MaxConnsPerAddr
// (8) from one source address, each closed after IdleTimeout (10 min)
// without data; when every slot is taken, a new connection takes the slot
// of the one that has been quiet longest if that is at least EvictIdle
// (30 s), and is refused otherwise. Refusals (full, per_address) and
// evictions are counted in TCPServerStats and logged, at most one line
// per 10 s with the count since the last.
package ingest
