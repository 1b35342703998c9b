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
package ingest
