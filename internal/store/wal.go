package store

import (
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

// The write-ahead log (format version 2). A segment file wal/NNNNNNNN.wal
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
//
// Versions: version 2 segments may hold type 5 records; version 1 ones
// were written with types 1–4 only (and, by binaries between the two, with
// type 5 already: today's reader accepts it in both). A binary that knows
// only version 1 refuses a version 2 segment with ErrVersion rather than
// reading type 5 as corruption. Open starts a new segment of the current
// version, so an old segment is never appended to.
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
	walVersion  = 2 // written; versions 1 and 2 are read
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
)

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
	hdr     [recHdrLen]byte
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
	if w.pend-w.written >= walChunk {
		w.write() // an error comes back from commit
	}
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

// readSegment calls fn for each valid record of the segment. It returns
// the offset after the last valid record and errTorn (wrapped in a
// FileError) if the segment ends with an invalid one.
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
	for {
		off := r.Offset()
		typ, payload, err := r.Next()
		if err == io.EOF {
			return off, nil
		}
		if err != nil {
			var fe *record.FileError
			errors.As(err, &fe)
			switch {
			case errors.Is(err, record.ErrTorn):
				err = errTorn
			case errors.Is(err, record.ErrCorrupt):
				err = fmt.Errorf("%w: %w", ErrCorrupt, fe.Err)
			default:
				err = fe.Err
			}
			return off, &FileError{Path: path, Offset: fe.Offset, Err: err}
		}
		if err := fn(typ, payload); err != nil {
			return off, &FileError{Path: path, Offset: off, Err: err}
		}
	}
}

// syncDir fsyncs dir (nothing on Windows: see record.SyncDir).
func syncDir(fsys record.FS, dir string) error {
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
