// Package outbox owns the durable store-and-forward queue of items waiting
// to go to one partner: a numbered, append-only FIFO on disk with a
// delivery cursor, so that a link that drops (a network cut, a partner
// down for hours) resumes where it stopped with nothing lost and nothing
// sent twice. The caller opens one Queue per partner directory.
//
// # Usage
//
// The appender (the pipeline) calls Append for each item and Sync once per
// batch; Append never blocks on the partner: when the records not yet
// acknowledged exceed Options.MaxBytes, the oldest are dropped and counted.
// The sender (the link, which owns the goroutines) waits on Notify, calls
// Read for the records after the last one the partner confirmed, sends
// them, and calls Ack with the partner's confirmation.
//
//	seq, err := q.Append(0, item) // buffered
//	err = q.Sync()                // durable and readable
//	recs, err := q.Read(q.Acked(), 512, 1<<20)
//	err = q.Ack(recs[len(recs)-1].Seq)
//
// Read returns only synced records: a record a partner has seen is
// durable, so a crash can neither lose it nor give its number to another
// item. Read never returns a record at or below Acked or dropped for
// overflow. If the first record returned has a Seq above after+1, the
// records between were dropped (or acknowledged) and will never come:
// the sender sees the gap, and DroppedThrough says how far drops reach.
//
// # Concurrency
//
// A Queue is safe for concurrent use by one appender (Append, Sync) and
// one sender (Read, Ack); all methods may be called from any goroutine.
// Sync and Ack fsync without holding the lock that Read and Append take.
// The package starts no goroutines.
//
// # Format (version 2)
//
// A queue directory holds segment files named by the sequence number of
// their first record, and a cursor file:
//
//	DIR/LOCK                    record.Lock: one process at a time
//	DIR/00000000000000000001.seg segment: records 1…n
//	DIR/0000000000000000000n.seg the next segment (n = last seq of the previous + 1)
//	DIR/cursor                  the acknowledged sequence number
//
// A segment starts with a 16-byte header (the common file header of
// package record, then the first record's number) followed by records in
// the record framing, type 1, whose payload starts with the record's
// number and time; every integer is little endian:
//
//	header:  "TWOBX" 0x00 | uint16 version (2) | uint64 seq of the first record
//	record:  uint32 16+n | uint32 CRC-32C of type and payload | byte 1 | uint64 seq | int64 notBefore | data[n]
//
// Version 1 segments (testdata/v1) had their own record header, uint32 n |
// uint32 CRC-32C of n, seq, notBefore and data | uint64 seq | int64
// notBefore. They are read as they are until acknowledged; appends never
// go to one: Open starts a version 2 segment after a version 1 one that
// holds records, and gives an empty one the version 2 header in place.
// testdata/v2 is a queue of the current version. Records of a
// segment have consecutive sequence numbers starting at the header's, and
// each segment starts where the previous one ends. A segment is sealed
// (fsynced) before the next is created, so only the newest can end with an
// incomplete record.
//
// The cursor (version 2) is a record file: the file header "TWOBC" 0x00 |
// uint16 version (2), then one record (record framing) of type 1 whose
// payload is the uint64 acked, 25 bytes in all. Version 1 (20 bytes:
// header | uint64 acked | uint32 CRC-32C of the preceding 16 bytes) is
// still read; testdata/cursor-v1 and testdata/cursor-v2 are frozen. Ack
// writes it with record.WriteFileAtomic (a temporary file of a unique
// name, fsync, rename over cursor, directory fsync), and only then deletes
// segments that are fully acknowledged. Open removes temporary files a
// crash left.
//
// # Recovery
//
// Open reads every segment. An incomplete or damaged record at the end of
// the newest segment is a torn tail, a write cut by a crash before Sync
// returned: it is truncated (Stats.TornBytes). A damaged record followed by
// a valid one, a segment out of sequence, a torn segment that is not the
// newest, a cursor ahead of the data, or a file of an unknown version is
// refused with a *FileError (record.FileError) naming the file and offset
// (ErrCorrupt, ErrVersion): synced records are never silently dropped.
// The queue goes through Options.FS, so the crash tests run in memory
// (record.MemFS) at every write, sync, rename and removal. Records before
// the first one on disk and after the cursor were dropped for overflow.
package outbox
