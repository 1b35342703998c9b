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
//	DIR/LOCK               record.Lock: one writer (readers take no lock)
//	DIR/MANIFEST           the blocks and WAL segments, what they hold (manifest.go)
//	DIR/SNAPSHOT           per block and vessel: positions and the last good one (snapshot.go)
//	DIR/APPLIED            the applied mark of a replicated log, as of the last flush (applied.go)
//	DIR/wal/NNNNNNNN.wal   write-ahead log segments (wal.go)
//	DIR/blocks/NNNNNNNN.blk immutable blocks (block.go), chunks (chunk.go)
//	DIR/damaged-TIME/      files Repair moved aside (never read again)
//
// Every file starts with a magic and a format version; every WAL record,
// block section, chunk and the manifest carry a CRC-32C. The encodings are
// specified in the comments of wal.go, records.go, block.go, chunk.go and
// manifest.go. testdata/format-v4 holds a data directory in the current
// format (block version 2, WAL version 3: positions with track ids,
// batches ended by commit records) that tests open and re-create byte for
// byte; testdata/format-v3 (the same with a WAL segment of version 2, no
// commit records), testdata/format-v2 (the same with a WAL segment of
// version 1), testdata/format-v1 (block
// version 1, from before the manifest) and testdata/manifest-v1 (the same
// with its manifest) are frozen and must keep opening. The manifest is an addition
// that format-1 readers ignore (the marker still says format 1): a store
// written before it existed gets one on its first open by a writer.
//
// A writer that applies a replicated log (a cluster node) keeps the
// sequence of the last entry it applied in the store, in the same commit
// as the entry's data (Batch.SetApplied, DB.Applied): a WAL record of
// type 6, and DIR/APPLIED for what a flush took out of the WAL (applied.go).
// A WAL with such a record is not read by builds from before it.
// Checkpoint (a copy of the store for a peer) and ReplaceFS (installing
// one in place of the store) go through the store's file system too, and
// TestCheckpointCrashEveryPoint crashes them, and the APPLIED writes of
// the flushes before, at each of their operations.
//
// Each stored position keeps fusion's track hypothesis
// (vessel.Position.Track): block version 2 adds a run-length coded track
// column to every chunk, and the WAL writes positions as tracked records
// (type 5) in WAL segments of version 2, which a binary that knows only
// WAL version 1 refuses with ErrVersion instead of reading the new record
// type as damage. Version 1 blocks, version 1 segments and type 1 records
// are still read, with
// track 0 (unassigned); a store may mix both block versions, and
// compaction rewrites old blocks in the current version.
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
// A batch is all or nothing. Write puts a batch in several WAL records
// (source names, positions in records of up to 4,096, static reports,
// provenance, the applied mark) and ends it with a commit record (WAL
// version 3, wal.go) that counts them; Open replays a batch's records
// only once its commit record is read whole and checksummed. A crash
// keeps a prefix of the records of a commit in flight (written, not
// acknowledged), so the batch in flight comes back whole or not at all,
// never its positions without its static reports; what Commit
// acknowledged is always whole. Segments of WAL version 2 and 1 (written
// before the commit record) are read record by record as before; nothing
// is needed to upgrade (see wal.go). TestStoreCrashEveryPoint checks
// that every reopen holds whole batches only, TestWALTornCommitRecord a
// commit record torn at every byte.
//
// A new store's marker is written durably (record.WriteFileAtomic) before
// anything else, so a crash while creating one never leaves files without
// it. TestStoreCrashEveryPoint crashes a real workload (commits, flushes,
// a compaction, Close) in memory after every file operation and checks
// that the reopened store answers exactly what was acknowledged.
//
// On Open, an incomplete or damaged record at the end of the newest WAL
// segment is a torn tail: an unacknowledged write cut by a crash. It is
// truncated, and the cut synced before a new segment follows it, and
// Recovery says so; a segment cut inside its header (created, nothing
// synced) is removed once the manifest no longer lists it, so that a
// crash during recovery leaves nothing to report as damage
// (TestCrashDuringRecovery). Temporary files of atomic writes a crash
// left are removed by a writer's Open.
//
// # Write failures
//
// The WAL writer keeps every byte not yet durable in memory. A commit that
// fails (ENOSPC, EIO, including a failed fsync, after which everything
// since the last good sync is written again) loses nothing and leaves no
// garbage between records: the next Commit retries from where the file
// stopped, and writing resumes by itself once the disk has room. A block
// write that fails keeps the head in memory and in the WAL, and is retried
// with back-off (1 s doubling to a minute, on Options.Now) by later
// writes. While either fails, Health returns a *WriteError (which write,
// since when, how often, why) and WriteStats counts it; past
// Options.MaxBacklog (or twice HeadPoints in memory) Write refuses new
// data with ErrBacklog rather than take what it cannot keep. Close after a
// failed commit cuts the segment back to what was acknowledged. Every
// file operation (create, read, rename, remove, list, truncate, directory
// sync, the writer lock) goes through Options.FS (a record.FS; the
// operating system's by default), so tests inject a full disk and crash
// the whole store in memory (record.MemFS).
//
// # Damage
//
// Open does not refuse a store because one file is bad. It compares the
// files with the manifest and records a Damage for each block or WAL
// segment that is missing, damaged (a checksum, a bad record followed by
// valid ones, an unknown version) or cut short (a WAL segment shorter than
// what the manifest last recorded as committed, Options.ManifestEvery),
// and for each unknown file, naming what it held (vessels, positions, time
// range, or for the WAL the time after which data is lost). It opens with
// the rest: the readable records of a damaged WAL segment are replayed,
// and the segment is kept (flagged in the manifest) for inspection.
// Queries and compaction that meet a chunk failing its checksum leave it
// out and add a Damage instead of failing. Check verifies every byte of
// every file without changing anything; Repair saves what is readable
// into new blocks, moves the damaged and unknown files and the old
// manifest into DIR/damaged-TIME/ and rebuilds the manifest. A truncation
// of the current WAL segment after the manifest last recorded its size is
// indistinguishable from a crash tear and reported as one.

// # Instant open
//
// A node restores its picture on start from the last good position of
// every vessel (At over the whole history). Reading that from every chunk
// took seconds on tens of millions of positions, so every block write
// (flush, compaction) also rewrites DIR/SNAPSHOT: per block, named by
// sequence number, size and the CRC-32C the manifest records, how many
// positions of each vessel it holds and the last good one. Open takes
// the summaries of the blocks they match; At folds them, in block order,
// for every block its window covers whole, and reads only the other
// blocks, the head and the WAL. A missing, damaged or stale snapshot (a
// crash between a block write and the snapshot write, a block replaced)
// only costs time: a writer's Open summarises the blocks it lacks by
// reading them and writes a new one, a read-only Open leaves those blocks
// to be read by the queries, and Snapshot counts each fallback. At over
// whole blocks answers from the summaries without reading their chunks,
// so a chunk damaged after its block was summarised is found by the next
// query that reads it (Track, Near, Area, Check), not by At.
//
// # Readers beside a writer
//
// A read-only Open takes no lock, so queries run while serve or ingest
// writes and never make it fail. It reads a snapshot: the WAL is listed
// before the blocks (a flush in between shows as a block holding a listed
// segment), a file that vanishes while being read (a flush or compaction
// removed it) makes it read everything again, and it reports no missing
// files, since its listing and the manifest need not be of the same
// moment. Check and Repair take the writer lock.
//
// # Retention and compaction
//
// Compact merges small blocks into larger ones (longer chunks, a smaller
// index) and drops data older than a cutoff, alongside writes and queries:
// the merged block names the blocks it replaces, and the manifest is
// rewritten before the inputs are deleted, so a crash between writing it
// and deleting them is finished on the next Open. Blocks with damage are
// left out of compaction for Repair. The cutoff is the caller's: counted
// back from the wall clock (serve), or from Newest with a limit a little
// after the wall clock (ingest), never from the largest time stored, which
// one far-future report would set.
//
// # Queries
//
// Blocks keep their chunk index in memory: per chunk the vessel, time
// range, bounding box and the longest segment between consecutive reports
// that touches it. A near query reads only chunks whose box, widened by
// the radius and that segment, meets the point, and finds them without
// looking at the others: the in-memory index lists each block's chunks by
// slice of time and, built on the first spatial query, by the 1° cells
// their boxes cover (chunks with a segment over 32 km or a box over 16
// cells are listed apart and always examined); the chunks that span most
// of a block (a vessel moored all day) are by cell too, so a query over
// empty sea costs a few lookups and examines no chunk listed in a cell
// (TestNearEmptySea); positions are then
// interpolated along great circles between reports at most 30 minutes
// apart, so a vessel passing between two reports is found. Flagged
// positions (vessel.Bad) are kept and readable but left out of tracks and
// queries unless asked for.
//
// Provenance and HeardBy (the other receivers of a position) look in the
// blocks whose provenance records' time span, built when a block is
// opened, covers the position: a copy heard after the head was flushed
// is recorded in a later block than its position, so the answer does not
// depend on when flushes happened (a cluster's nodes flush at different
// entries).
//
// TrackContext, AtContext, NearContext and AreaContext stop with
// ctx.Err() once their context is done, checked before each block and
// chunk they read (cheap next to decoding a chunk), so that
// the API can give a history read a time budget.
//
// Reading a whole window, as a reprocessing of history does (tidewatch
// events --data), goes by vessel: Vessels lists from the chunk index,
// decoding nothing, the vessels that may have positions in the window,
// each with a bound of how many (so a reader can give each its room in
// one buffer), and a TrackReader per goroutine appends each vessel's
// track to the caller's buffer, reusing its own scratch space.
package store
