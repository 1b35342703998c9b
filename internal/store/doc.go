// Package store keeps the history of the picture on disk, embedded in the
// process: every stored position, static report and provenance record
// under one data directory, and the queries over it (track, near, area, the
// picture at a moment).
//
// # Design
//
// The store is a small time-series engine of its own rather than a
// general key-value engine (Pebble, bbolt) because the one thing that
// makes AIS history cheap is encoding each vessel's positions together:
// consecutive reports of one ship differ by a few seconds, a few hundred
// metres along its course and a tenth of a knot, so a per-vessel chunk
// with delta and prediction coding takes about 6 bytes a position on real
// multi-day tracks, where a row store needs 40 or more before indexes. The
// layout follows the Prometheus TSDB: a write-ahead log, an in-memory head,
// and immutable blocks written from the head and merged by compaction.
//
//	DIR/TIDEWATCH          marker: "tidewatch data directory\nformat 1\n"
//	DIR/LOCK               flock: one writer, or any number of readers
//	DIR/wal/NNNNNNNN.wal   write-ahead log segments (wal.go)
//	DIR/blocks/NNNNNNNN.blk immutable blocks (block.go), chunks (chunk.go)
//
// Every file starts with a magic and a format version; every WAL record,
// block section and chunk carries a CRC-32C. The encodings are specified
// in the comments of wal.go, records.go, block.go and chunk.go, and
// testdata/format-v1 holds a data directory in format 1 that tests open
// and re-create byte for byte.
//
// # Durability
//
// Write appends to the WAL (buffered) and to the head; Commit hands the
// WAL to the operating system and, with the default SyncCommit policy,
// fsyncs it. What Commit acknowledged survives kill -9 and power loss
// (SyncNone: kill -9 only). New files are fsynced and so are their
// directories. When the head reaches Options.HeadPoints, it is written to
// a block (temporary file, fsync, rename, directory fsync) whose metadata
// names the last WAL segment it contains; only then is that WAL removed. A
// crash at any point leaves either the WAL or the block, and Open skips
// WAL segments that a block already holds.
//
// On Open, an incomplete or damaged record at the end of the newest WAL
// segment is a torn tail: an unacknowledged write cut by a crash. It is
// truncated and Recovery says so. A damaged record followed by valid ones,
// a damaged block section or chunk, or a file of an unknown version is an
// error naming the file and offset (ErrCorrupt, ErrVersion): the store
// never silently drops acknowledged data.
//
// # Retention and compaction
//
// Compact merges small blocks into larger ones (longer chunks, a smaller
// index) and drops data older than a cutoff, alongside writes and queries:
// the merged block names the blocks it replaces, so a crash between
// writing it and deleting them is finished on the next Open.
//
// # Queries
//
// Blocks keep their chunk index in memory: per chunk the vessel, time
// range, bounding box and the longest segment between consecutive reports
// that touches it. A near query reads only chunks whose box, widened by
// the radius and that segment, meets the point; positions are then
// interpolated along great circles between reports at most 30 minutes
// apart, so a vessel passing between two reports is found. Flagged
// positions (vessel.Bad) are kept and readable but left out of tracks and
// queries unless asked for.
package store
