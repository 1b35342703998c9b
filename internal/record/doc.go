// Package record owns the shared plumbing of tidewatch's on-disk logs (the
// store's WAL, the incident log, the audit log, the partner outbox): the
// record framing and its torn-tail recovery, the one file error type, the
// directory lock, atomic file replacement, and the file system they go
// through, which tests replace by one in memory that can crash.
//
// # Format
//
// A log file starts with the common 8-byte file header, which the owning
// format may extend with fields of its own, followed by records:
//
//	file header:  magic [6]byte | uint16 version        ([AppendFileHeader])
//	record:       uint32 n | uint32 crc | byte type | payload[n]
//
//	+--------+--------+------+----------------+
//	| n (LE) | crc(LE)| type | payload (n)    |  ... next record
//	+--------+--------+------+----------------+
//	  4 bytes  4 bytes  1      n bytes
//
// Integers are little endian. crc is the CRC-32C (Castagnoli) of the type
// byte and the payload. Record types are explicit numbers chosen by each
// format (never iota). A record is valid only if it is complete, its
// length is within the format's bound and its checksum matches. This is
// version 1 of the framing, byte for byte the store WAL's framing since
// its version 1. Two older layouts are read, never written ([Layout]):
// the audit log's version 1 (the CRC also covers n) and the incident
// log's version 1 (the same, big endian).
//
// # Recovery
//
// A [Reader] returns the records in order. An incomplete or damaged record
// after which no valid record starts anywhere in the rest of the file is a
// torn tail, a write cut by a crash: a *[FileError] wrapping [ErrTorn] at
// its offset, and [Reader.Offset] is where to cut the file. A damaged
// record followed by a valid one is damage, not a crash: a *FileError
// wrapping [ErrCorrupt]. With [ReaderOptions].AdjacentOnly only a valid
// record right after a complete bad one is evidence of damage (the store
// WAL's rule). Owners add their own sentinel with [Mark], or keep their
// own *FileError with the same fields. [Layout.Check] and
// [Layout.NextValid] do the same on a file held in memory.
//
// # File system
//
// [FS] is the file system a log goes through: [OSFS] is the operating
// system's; [MemFS] holds files in memory and knows what is durable (file
// data up to its last Sync, directory entries up to the directory's last
// SyncDir; directories themselves, and their renames, at once), so a crash ([MemFS.CrashClone], or [MemFS.CrashAfter] at an
// exact write or sync) keeps only that, optionally with a random in-order
// part of the unsynced writes torn at a random byte. Crash tests loop over
// every operation of a workload in memory in milliseconds; the test
// helper package record/crashtest is that loop (crashtest.Run), shared by
// the crash tests of the event log, the tokens, the partner registry and
// the link cursors.
// [MemFS.SetInjector] fails chosen operations (a full disk, an I/O error).
//
// [Lock] takes an exclusive, non-blocking, advisory lock on a named file
// in a directory, so that two processes never write the same data
// directory. It is built on github.com/gofrs/flock and works on Linux,
// macOS and Windows (flock(2) on Unix, LockFileEx on Windows). The lock
// file is created if missing and never deleted: deleting it while held
// would let a second process lock a fresh file of the same name.
//
// [WriteFileAtomic] replaces a small file (a cursor, a manifest) so that a
// crash leaves the old or the new contents: temporary file in the same
// directory, fsync, rename, directory fsync. The temporary file has a
// unique name (NAME.RANDOM.tmp, created with O_EXCL as os.CreateTemp
// does), so writers of the same file at once never write into each
// other's; [IsTemp] recognises the names and [RemoveTemps] removes those
// a crash left, which owners call at open. [SyncDir] is that last step,
// portable: it does nothing on Windows, where directories cannot be
// flushed.
//
// # Concurrency
//
// A Reader is not safe for concurrent use; OSFS and MemFS are. The
// package starts no goroutines and keeps no mutable package-level state.
package record
