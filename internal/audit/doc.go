// Package audit owns the audit log of partner sharing: one entry for every
// item sent to a partner, received from one, or refused (by our policy or
// by the peer), saying who, what, when, and under which policy rule, kept
// on disk for a retention period and queryable by administrators.
//
// # Usage
//
//	l, err := audit.Open(dir, audit.Options{Retention: 400 * 24 * time.Hour})
//	err = l.Append(audit.Entry{Direction: audit.Sent, Partner: "NO-JOC", Kind: "position",
//		Key: "257123450", Seq: 8812, Rule: "share-positions-north-sea", Origin: "se-mrcc"})
//	err = l.Sync() // once per batch
//	entries, err := l.Query(audit.Filter{Partner: "NO-JOC", From: t0, To: t1})
//
// Append is buffered; entries are durable after Sync (and Close). Query
// sees appended entries at once, synced or not, and returns them newest
// first.
//
// # Concurrency
//
// A Log is safe for concurrent use: any number of goroutines may Append
// and Query. Queries read sealed segments without holding the lock that
// Append takes. The package starts no goroutines.
//
// # Format (version 2)
//
//	DIR/LOCK                                   record.Lock: one process at a time
//	DIR/00000001-20260301T140000.000000000Z.aud segment 1, created at that UTC time
//	DIR/00000002-20260301T150000.000000000Z.aud segment 2 …
//
// A segment holds the entries appended in one period of
// Options.SegmentDuration (aligned to it: hourly by default) or until it
// reaches Options.SegmentBytes. It starts with a 24-byte header (the
// common file header of package record, then the base time and the
// segment number) followed by records in the record framing; integers
// are little endian:
//
//	header:  "TWAUD" 0x00 | uint16 version (2) | int64 base (unix ns) | uint64 segment number
//	record:  uint32 n | uint32 CRC-32C of type and payload | byte type | payload[n]
//
// Version 1 segments (testdata/v1) differ only in the record CRC, which
// also covers n (record.LegacyLengthCRC). They are read as they are, and
// a version 1 segment that recovery seals gets its seal in its own
// layout; new segments are written in version 2 (testdata/v2).
//
// Record types:
//
//	1 string:  uvarint id | bytes                     defines string id (0, 1, 2… in order)
//	2 entry:   varint time-base (ns) | direction | partner | kind | key | uvarint seq | rule | origin
//	3 seal:    int64 min time | int64 max time (unix ns) | uint64 entries   (always the last record)
//
// Each string field of an entry is a uvarint v: an even v refers to the
// string defined with id v/2 earlier in the segment; an odd v is followed
// by v/2 bytes, the string itself. Short, repeated strings (partners,
// kinds, rules, origins) go in the table; keys and long strings are
// inline. Strings are bytes, stored and returned verbatim.
//
// A segment is sealed when it is finished (rotation, Close, or recovery
// after a crash): the seal gives its time range and entry count, so Open
// reads only the seals of older segments, and Query skips every segment
// whose range misses the filter's window.
//
// # Recovery and damage
//
// Open scans the newest segment. An incomplete or damaged record at its
// end is a torn tail, entries appended but not synced before a crash: it
// is cut (Stats.TornBytes) and the segment sealed. A damaged record
// followed by valid ones, in any segment, does not stop the node: Open and
// Query skip the damaged bytes to the next valid record and count each
// damaged span once (Stats.DamagedSpans, Stats.LastDamage with the file
// and offset), so synced entries are never lost without a trace. A file
// of an unknown version is refused with ErrVersion. Damage is reported as
// a *FileError (record.FileError). The log goes through Options.FS, so
// the crash tests run in memory (record.MemFS) at every write and sync.
//
// # Retention
//
// Open, every new segment, and Prune delete whole sealed segments whose
// newest entry is older than Options.Retention.
package audit
