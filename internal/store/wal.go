package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tidewatch/tidewatch/internal/record"
)

// The write-ahead log (format version 3). A segment file wal/NNNNNNNN.wal
// starts with the common file header of package record ("TWWAL" 0x00 and
// the version as a little-endian uint16, 8 bytes), followed by records in
// the record framing, which is byte for byte this format's:
//
//	uint32 length of payload, little endian
//	uint32 CRC-32C (Castagnoli) of the type byte and the payload
//	byte   type
//	payload
//
// The record types (payloads in records.go):
//
//	1 positions   positions without track ids (version 1 writers)
//	2 statics     static and voyage reports
//	3 provenance  further sources of a position already stored
//	4 sources     the names of new source ids
//	5 tracked     positions with their track ids (written instead of 1)
//	6 applied     the applied mark of a replicated log (applied.go)
//	7 commit      the end of one Write: uvarint n, the number of records
//	              of the batch before it (version 3)
//
// Batches (version 3): one Write puts its batch in several records
// (sources, positions in records of up to 4,096, static reports,
// provenance, the applied mark) and ends it with a commit record that
// counts them. A batch's records count only when its commit record is
// present and checksummed: the reader holds them back until it and
// replays them then, so a crash that cut a batch in flight (a prefix of
// its records reached the disk, or all of them but not the commit record,
// or a torn commit record) leaves nothing of it, never its positions
// without its static reports. Records after the last commit record are a
// torn tail (truncated at the end of that commit record by a writer's
// Open, like an incomplete record); a commit record whose count is not
// that of the records before it is corruption. Commit syncs whole
// batches only, so what was acknowledged always ends with a commit
// record.
//
// Versions: version 3 adds the commit record; version 2 segments may hold
// type 5 records; version 1 ones were written with types 1–4 only (and,
// by binaries between the two, with type 5 already: today's reader
// accepts it in both). Segments of versions 1 and 2 have no commit
// records and are read record by record as before (a batch in flight may
// come back in part there). Upgrading needs nothing: Open reads the old
// segments and starts a new segment of the current version, so an old
// segment is never appended to, and a flush turns the old ones into a
// block. A binary that knows only version 2 refuses a version 3 segment
// with ErrVersion rather than reading the commit record as corruption (to
// go back to such a binary, Close the store with this one first: a clean
// Close leaves no WAL to read).
//
// A record is valid only if it is complete and its checksum matches. A
// crash can leave the last record of the newest segment incomplete (a torn
// tail): Open truncates the segment back to its last valid record and says
// so. A complete record that fails its checksum and is followed right by
// a valid one, or a bad record anywhere but at the end of the newest
// segment, is corruption and Open refuses the directory (ErrCorrupt with
// the file and offset). Only the record right after a bad one counts as
// evidence (record.ReaderOptions.AdjacentOnly): the unsynced tail of a
// segment can hold a later page that reached the disk before an earlier
// one.
const (
	walMagic    = "TWWAL\x00"
	walVersion  = 3 // written; versions 1 to 3 are read
	walHdrLen   = record.FileHeaderLen
	recHdrLen   = record.HeaderLen
	maxRecord   = 64 << 20 // no record is longer: a longer length is damage
	walSuffix   = ".wal"
	blockSuffix = ".blk"
)

// Record types (recTracked, 5, is in records.go).
const (
	recPositions  = 1
	recStatics    = 2
	recProvenance = 3
	recSources    = 4
	recCommit     = 7 // the end of a batch (version 3)
)

// walCommitVersion is the first WAL version with commit records.
const walCommitVersion = 3

// castagnoli is the CRC-32C table of the blocks and the manifest.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// walWriter appends records to one segment. It keeps every byte that is
// not yet durable in memory (chunks, from file offset synced on): a write
// or sync that fails (a full disk, an I/O error) is retried from there by
// the next commit, so a failure loses nothing and leaves no garbage
// between records, and writing resumes by itself once the disk has room
// again.
type walWriter struct {
	f       File
	path    string
	seq     uint64
	size    int64    // bytes appended, header included
	synced  int64    // file offset up to which the data is committed
	chunks  [][]byte // bytes after synced, not yet committed, in order
	pend    int      // bytes in chunks
	written int      // bytes of chunks already in the file (not yet synced)
	free    [][]byte // chunks to reuse
	batch   int      // records appended since the last commit record
	hdr     [recHdrLen]byte
	cbuf    [binary.MaxVarintLen64]byte
}

// walChunk is the size of the pieces the WAL buffer is kept in; at each
// full chunk the data is handed to the file (it stays in memory until
// synced).
const walChunk = 1 << 20

func segmentName(dir string, seq uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%08d%s", seq, walSuffix))
}

// createSegment creates a segment and writes its header (if that fails,
// the first commit tries again and says why).
func createSegment(fsys record.FS, dir string, seq uint64) (*walWriter, error) {
	path := segmentName(dir, seq)
	f, err := fsys.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: create WAL segment: %w", err)
	}
	w := &walWriter{f: f, path: path, seq: seq}
	w.put(record.AppendFileHeader(nil, walMagic, walVersion))
	w.size = walHdrLen
	w.write()
	if err := fsys.SyncDir(dir); err != nil {
		f.Close()
		fsys.Remove(path)
		return nil, fmt.Errorf("store: %w", err)
	}
	return w, nil
}

// put adds bytes to the buffer.
func (w *walWriter) put(b []byte) {
	for len(b) > 0 {
		n := len(w.chunks)
		if n == 0 || len(w.chunks[n-1]) == cap(w.chunks[n-1]) {
			var c []byte
			if k := len(w.free); k > 0 {
				c, w.free = w.free[k-1][:0], w.free[:k-1]
			} else {
				c = make([]byte, 0, walChunk)
			}
			w.chunks = append(w.chunks, c)
			n++
		}
		c := w.chunks[n-1]
		k := min(len(b), cap(c)-len(c))
		w.chunks[n-1] = append(c, b[:k]...)
		b = b[k:]
		w.pend += k
	}
}

// append adds one record to the buffer. It does not fail: a write error
// is reported by the next commit.
func (w *walWriter) append(typ byte, payload []byte) {
	record.PutHeader(w.hdr[:], typ, payload)
	w.put(w.hdr[:])
	w.put(payload)
	w.size += int64(recHdrLen + len(payload))
	w.batch++
	if w.pend-w.written >= walChunk {
		w.write() // an error comes back from commit
	}
}

// endBatch appends the commit record of the records appended since the
// last one (none if there are none): until it is in the file, a reader
// ignores them.
func (w *walWriter) endBatch() {
	if w.batch == 0 {
		return
	}
	n := binary.PutUvarint(w.cbuf[:], uint64(w.batch))
	w.append(recCommit, w.cbuf[:n])
	w.batch = 0
}

// pending returns the bytes not yet committed.
func (w *walWriter) pending() int { return w.pend }

// write hands the buffered bytes to the file.
func (w *walWriter) write() error {
	off := 0 // offset of chunk c in the pending bytes
	for _, c := range w.chunks {
		end := off + len(c)
		if w.written < end {
			n, err := w.f.WriteAt(c[w.written-off:], w.synced+int64(w.written))
			w.written += n
			if err != nil {
				return fmt.Errorf("store: write WAL %s: %w", filepath.Base(w.path), err)
			}
		}
		off = end
	}
	return nil
}

// commit writes the buffer to the file and, if sync, to stable storage.
// On failure everything not committed stays buffered for the next call.
func (w *walWriter) commit(sync bool) error {
	if w.pend == 0 {
		return nil
	}
	if err := w.write(); err != nil {
		return err
	}
	if sync {
		if err := w.f.Sync(); err != nil {
			// After a failed fsync the kernel may have dropped the dirty
			// pages: write them all again next time.
			w.written = 0
			return fmt.Errorf("store: sync WAL %s: %w", filepath.Base(w.path), err)
		}
	}
	w.synced += int64(w.pend)
	for _, c := range w.chunks {
		if len(w.free) < 4 {
			w.free = append(w.free, c[:0])
		}
	}
	w.chunks, w.pend, w.written = w.chunks[:0], 0, 0
	return nil
}

// abandon closes the file and cuts it back to what was committed, so that
// data a failed commit did not acknowledge is not found on the next open
// (a segment with nothing committed is left empty: Open removes it).
func (w *walWriter) abandon() error {
	err := w.f.Truncate(w.synced)
	w.f.Close()
	return err
}

// close writes what is buffered (without syncing) and closes the file.
func (w *walWriter) close() error {
	err := w.write()
	if err2 := w.f.Close(); err == nil {
		err = err2
	}
	return err
}

// listSeq returns the sequence numbers of the files in dir with the
// suffix, ascending, and the names of other files (strays). Temporary
// files (an unfinished write from before a crash) are removed if clean.
func listSeq(fsys record.FS, dir, suffix string, clean bool) ([]uint64, []string, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var seqs []uint64
	var strays []string
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			if clean {
				fsys.Remove(filepath.Join(dir, name))
			}
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, suffix), 10, 64)
		if !strings.HasSuffix(name, suffix) || err != nil || len(name) < 8+len(suffix) || e.IsDir() {
			strays = append(strays, name)
			continue
		}
		seqs = append(seqs, n)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, strays, nil
}

// errTorn marks an incomplete or damaged record at the end of a segment.
var errTorn = record.ErrTorn

// readSegment calls fn for each valid record of the segment (in a
// version 3 segment, for each record of a batch whose commit record is
// valid, once that is read; the commit records themselves are not
// passed). It returns the offset after the last valid record (version 3:
// after the last commit record) and errTorn (wrapped in a FileError at
// that offset) if the segment ends with an invalid record or, in version
// 3, with records no commit record ends.
func readSegment(fsys record.FS, path string, fn func(typ byte, payload []byte) error) (int64, error) {
	f, err := fsys.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var h [walHdrLen]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		// A crash right after creating the segment leaves it short.
		return 0, &FileError{Path: path, Offset: 0, Err: errTorn}
	}
	v, err := record.ParseFileHeader(h[:], walMagic)
	if err != nil {
		return 0, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: not a WAL segment", ErrCorrupt)}
	}
	if v < 1 || v > walVersion {
		return 0, &FileError{Path: path, Offset: 6, Err: fmt.Errorf("%w: WAL version %d", ErrVersion, v)}
	}
	r := record.NewReader(f, path, record.ReaderOptions{Offset: walHdrLen, MaxPayload: maxRecord, BufferSize: 1 << 20, AdjacentOnly: true})
	b := walBatch{end: walHdrLen}
	if v < walCommitVersion {
		b.direct = fn
	}
	for {
		off := r.Offset()
		typ, payload, err := r.Next()
		if err == io.EOF {
			if len(b.recs) > 0 {
				// A batch whose commit record never reached the disk.
				return b.end, &FileError{Path: path, Offset: b.end, Err: errTorn}
			}
			return off, nil
		}
		if err != nil {
			var fe *record.FileError
			errors.As(err, &fe)
			at := fe.Offset
			switch {
			case errors.Is(err, record.ErrTorn):
				err = errTorn
				if b.direct == nil {
					at = b.end // the uncommitted batch goes with the tear
				}
			case errors.Is(err, record.ErrCorrupt):
				err = fmt.Errorf("%w: %w", ErrCorrupt, fe.Err)
			default:
				err = fe.Err
			}
			if b.direct == nil {
				off = b.end
			}
			return off, &FileError{Path: path, Offset: at, Err: err}
		}
		if err := b.add(typ, payload, r.Offset(), fn); err != nil {
			if b.direct == nil {
				off = b.end
			}
			return off, &FileError{Path: path, Offset: b.at(off), Err: err}
		}
	}
}

// walBatch holds back the records of a version 3 batch until its commit
// record.
type walBatch struct {
	direct func(typ byte, payload []byte) error // versions 1 and 2: no batches
	recs   []walRec
	data   []byte
	end    int64 // offset after the last commit record
	failAt int64 // the record that failed, for the error
}

type walRec struct {
	typ        byte
	start, end int // in data
	off        int64
}

// add takes the record read at off (ending at next).
func (b *walBatch) add(typ byte, payload []byte, next int64, fn func(byte, []byte) error) error {
	off := next - int64(recHdrLen+len(payload))
	b.failAt = off
	if b.direct != nil {
		if typ == recCommit {
			return fmt.Errorf("%w: commit record in a WAL segment of a version without them", ErrCorrupt)
		}
		return b.direct(typ, payload)
	}
	if typ != recCommit {
		b.recs = append(b.recs, walRec{typ: typ, start: len(b.data), end: len(b.data) + len(payload), off: off})
		b.data = append(b.data, payload...)
		return nil
	}
	n, k := binary.Uvarint(payload)
	if k <= 0 || k != len(payload) || n != uint64(len(b.recs)) {
		return fmt.Errorf("%w: commit record of %d records after %d", ErrCorrupt, n, len(b.recs))
	}
	for _, rec := range b.recs {
		if err := fn(rec.typ, b.data[rec.start:rec.end]); err != nil {
			b.failAt = rec.off
			return err
		}
	}
	b.recs, b.data = b.recs[:0], b.data[:0]
	b.end = next
	return nil
}

// at returns the offset of the record that failed.
func (b *walBatch) at(off int64) int64 {
	if b.direct != nil {
		return off
	}
	return b.failAt
}

// syncDir fsyncs dir (nothing on Windows: see record.SyncDir).
func syncDir(fsys record.FS, dir string) error {
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
