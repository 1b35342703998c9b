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
// A TCPServer bounds its connections so that idle or hostile peers cannot
// lock receivers out: at most MaxConns (64) open, at most MaxConnsPerAddr
// (8) from one source address, each closed after IdleTimeout (10 min)
// without data; when every slot is taken, a new connection takes the slot
// of the one that has been quiet longest if that is at least EvictIdle
// (30 s), and is refused otherwise. Refusals (full, per_address) and
// evictions are counted in TCPServerStats and logged, at most one line
// per 10 s with the count since the last.
package ingest
