// Package record owns the shared plumbing of tidewatch's on-disk logs (the
// store's WAL and blocks, the incident log, the audit log, the partner
// outbox).
//
// Today that is the directory lock: [Lock] takes an exclusive, non-blocking,
// advisory lock on a named file in a directory, so that two processes never
// write the same data directory. It is built on github.com/gofrs/flock and
// works on Linux, macOS and Windows (flock(2) on Unix, LockFileEx on
// Windows). The lock file is created if missing and never deleted: deleting
// it while held would let a second process lock a fresh file of the same
// name.
//
// [WriteFileAtomic] replaces a small file (a cursor, a manifest) so that a
// crash leaves the old or the new contents: temporary file in the same
// directory, fsync, rename, directory fsync. [SyncDir] is that last step,
// portable: it does nothing on Windows, where directories cannot be
// flushed. [FS] lets tests fail the writes.
//
// Later the record framing and torn-tail recovery that each log implements
// today move here (issue 12).
package record
