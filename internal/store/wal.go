package store

import (
	"bufio"
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
)

// The write-ahead log (format version 1). A segment file wal/NNNNNNNN.wal
// starts with an 8-byte header, "TWWAL" 0x00 and the version as a
// little-endian uint16, followed by records:
//
//	uint32 length of payload, little endian
//	uint32 CRC-32C (Castagnoli) of the type byte and the payload
//	byte   type
//	payload
//
// A record is valid only if it is complete and its checksum matches. A
// crash can leave the last record of the newest segment incomplete (a torn
// tail): Open truncates the segment back to its last valid record and says
// so. A bad record anywhere else is corruption and Open refuses the
// directory (ErrCorrupt with the file and offset).
const (
	walMagic    = "TWWAL\x00"
	walVersion  = 1
	walHdrLen   = 8
	recHdrLen   = 9
	maxRecord   = 64 << 20 // no record is longer: a longer length is damage
	walSuffix   = ".wal"
	blockSuffix = ".blk"
)

// Record types.
const (
	recPositions  = 1
	recStatics    = 2
	recProvenance = 3
	recSources    = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// walWriter appends records to one segment.
type walWriter struct {
	f    *os.File
	w    *bufio.Writer
	seq  uint64
	size int64
	hdr  [recHdrLen]byte
}

func segmentName(dir string, seq uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%08d%s", seq, walSuffix))
}

func createSegment(dir string, seq uint64) (*walWriter, error) {
	f, err := os.OpenFile(segmentName(dir, seq), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: create WAL segment: %w", err)
	}
	w := &walWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), seq: seq}
	var h [walHdrLen]byte
	copy(h[:], walMagic)
	binary.LittleEndian.PutUint16(h[6:], walVersion)
	if _, err := f.Write(h[:]); err != nil {
		f.Close()
		return nil, err
	}
	w.size = walHdrLen
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// append writes one record (buffered).
func (w *walWriter) append(typ byte, payload []byte) error {
	binary.LittleEndian.PutUint32(w.hdr[0:], uint32(len(payload)))
	crc := crc32.Update(0, castagnoli, []byte{typ})
	crc = crc32.Update(crc, castagnoli, payload)
	binary.LittleEndian.PutUint32(w.hdr[4:], crc)
	w.hdr[8] = typ
	if _, err := w.w.Write(w.hdr[:]); err != nil {
		return err
	}
	if _, err := w.w.Write(payload); err != nil {
		return err
	}
	w.size += int64(recHdrLen + len(payload))
	return nil
}

// commit writes the buffer to the file and, if sync, to stable storage.
func (w *walWriter) commit(sync bool) error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("store: write WAL: %w", err)
	}
	if sync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("store: sync WAL: %w", err)
		}
	}
	return nil
}

func (w *walWriter) close() error {
	err := w.w.Flush()
	if err2 := w.f.Close(); err == nil {
		err = err2
	}
	return err
}

// listSeq returns the sequence numbers of the files in dir with the
// suffix, ascending. Temporary files are removed.
func listSeq(dir, suffix string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name)) // an unfinished write from before a crash
			continue
		}
		if !strings.HasSuffix(name, suffix) {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(name, suffix), 10, 64)
		if err != nil {
			continue
		}
		seqs = append(seqs, n)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, nil
}

// errTorn marks an incomplete or damaged record at the end of a segment.
var errTorn = errors.New("torn record")

// readSegment calls fn for each valid record of the segment. It returns
// the offset after the last valid record and errTorn (wrapped in a
// FileError) if the segment ends with an invalid one.
func readSegment(path string, fn func(typ byte, payload []byte) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var h [walHdrLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		// A crash right after creating the segment leaves it short.
		return 0, &FileError{File: path, Offset: 0, Err: errTorn}
	}
	if string(h[:6]) != walMagic {
		return 0, &FileError{File: path, Offset: 0, Err: fmt.Errorf("%w: not a WAL segment", ErrCorrupt)}
	}
	if v := binary.LittleEndian.Uint16(h[6:]); v != walVersion {
		return 0, &FileError{File: path, Offset: 6, Err: fmt.Errorf("%w: WAL version %d", ErrVersion, v)}
	}
	off := int64(walHdrLen)
	var rh [recHdrLen]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, rh[:]); err == io.EOF {
			return off, nil
		} else if err != nil {
			return off, &FileError{File: path, Offset: off, Err: errTorn}
		}
		n := binary.LittleEndian.Uint32(rh[0:])
		if n > maxRecord {
			return off, &FileError{File: path, Offset: off, Err: errTorn}
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return off, &FileError{File: path, Offset: off, Err: errTorn}
		}
		if !validRecord(rh[:], buf) {
			// A torn tail ends the file; a damaged record followed by a
			// valid one is corruption, not a crash.
			if validRecordAt(r) {
				return off, &FileError{File: path, Offset: off, Err: fmt.Errorf("%w: record checksum mismatch", ErrCorrupt)}
			}
			return off, &FileError{File: path, Offset: off, Err: errTorn}
		}
		if err := fn(rh[8], buf); err != nil {
			return off, &FileError{File: path, Offset: off, Err: err}
		}
		off += int64(recHdrLen) + int64(n)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if err2 := d.Close(); err == nil {
		err = err2
	}
	if err != nil {
		return fmt.Errorf("store: sync directory %s: %w", dir, err)
	}
	return nil
}

func validRecord(rh, payload []byte) bool {
	crc := crc32.Update(0, castagnoli, rh[8:9])
	crc = crc32.Update(crc, castagnoli, payload)
	return crc == binary.LittleEndian.Uint32(rh[4:])
}

// validRecordAt reports whether r continues with a complete, valid record.
func validRecordAt(r *bufio.Reader) bool {
	var rh [recHdrLen]byte
	if _, err := io.ReadFull(r, rh[:]); err != nil {
		return false
	}
	n := binary.LittleEndian.Uint32(rh[0:])
	if n > maxRecord {
		return false
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return false
	}
	return validRecord(rh[:], buf)
}
