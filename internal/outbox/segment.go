package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tidewatch/tidewatch/internal/record"
)

// The format constants; see the package documentation.
const (
	segMagic      = "TWOBX\x00"
	segVersion    = 2 // written; version 1 segments are read too
	segHdrLen     = 16
	recHdrLen     = record.HeaderLen + 16 // record header, seq, notBefore
	recItem       = 1                     // the record type of a queued item
	segSuffix     = ".seg"
	cursorFile    = "cursor"
	cursorMagic   = "TWOBC\x00"
	cursorVersion = 2
	cursorLen     = record.FileHeaderLen + record.HeaderLen + 8 // version 2
	cursorLenV1   = 20
	recCursor     = 1        // the record type of the cursor (version 2)
	indexEvery    = 64 << 10 // bytes between entries of a segment's sparse index

	// MaxData is the longest record Data that Append accepts.
	MaxData = 16 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTorn marks an incomplete or damaged record at the end of a segment.
var errTorn = record.ErrTorn

// recFormat is the record layout of one segment format version: where a
// record's data, seq and notBefore are. Version 2 is the record framing
// (payload: seq, notBefore, data); version 1 had a header of its own
// (uint32 n | uint32 CRC-32C of n, seq, notBefore, data | seq | notBefore).
type recFormat struct {
	version uint16
	hdr     int // bytes before the data
	seqAt   int
	nbAt    int
}

func formatOf(version uint16) recFormat {
	if version == 1 {
		return recFormat{version: 1, hdr: 24, seqAt: 8, nbAt: 16}
	}
	return recFormat{version: segVersion, hdr: recHdrLen, seqAt: record.HeaderLen, nbAt: record.HeaderLen + 8}
}

// dataLen returns the length of the data of the record at the start of b
// (len(b) >= rf.hdr) as its header says, -1 if no record can have it.
func (rf recFormat) dataLen(b []byte) int {
	n := int64(binary.LittleEndian.Uint32(b))
	if rf.version != 1 {
		n -= 16
	}
	if n < 0 || n > MaxData {
		return -1
	}
	return int(n)
}

func segmentPath(dir string, first uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", first, segSuffix))
}

func segmentHeader(first uint64) []byte {
	h := record.AppendFileHeader(make([]byte, 0, segHdrLen), segMagic, segVersion)
	return binary.LittleEndian.AppendUint64(h, first)
}

// putRecordHeader fills h (recHdrLen bytes) for a record (version 2).
func putRecordHeader(h []byte, seq uint64, notBefore int64, data []byte) {
	binary.LittleEndian.PutUint64(h[record.HeaderLen:], seq)
	binary.LittleEndian.PutUint64(h[record.HeaderLen+8:], uint64(notBefore))
	record.PutHeader2(h[:record.HeaderLen], recItem, h[record.HeaderLen:recHdrLen], data)
}

// appendRecord appends the encoding of one record to dst (version 2).
func appendRecord(dst []byte, seq uint64, notBefore int64, data []byte) []byte {
	var h [recHdrLen]byte
	putRecordHeader(h[:], seq, notBefore, data)
	dst = append(dst, h[:]...)
	return append(dst, data...)
}

// Results of checkRecord.
const (
	recOK       = iota
	recBad      // incomplete or failing its checksum: torn or damaged
	recWrongSeq // intact but out of sequence: damage
)

// checkRecord checks the record at the start of b, expected to carry seq,
// and returns its total length.
func (rf recFormat) checkRecord(b []byte, seq uint64) (int, int) {
	var total int
	if rf.version == 1 {
		if len(b) < rf.hdr {
			return recBad, 0
		}
		n := rf.dataLen(b)
		if n < 0 || n > len(b)-rf.hdr {
			return recBad, 0
		}
		total = rf.hdr + n
		crc := crc32.Update(0, castagnoli, b[0:4])
		crc = crc32.Update(crc, castagnoli, b[8:total])
		if crc != binary.LittleEndian.Uint32(b[4:]) {
			return recBad, 0
		}
	} else {
		typ, payload, n, ok := record.Current.Check(b, MaxData+16)
		if !ok || typ != recItem || len(payload) < 16 {
			return recBad, 0
		}
		total = n
	}
	if binary.LittleEndian.Uint64(b[rf.seqAt:]) != seq {
		return recWrongSeq, total
	}
	return recOK, total
}

// validAfter reports whether buf holds, at an offset of from or more, an
// intact record numbered seq or later: evidence that a bad record at an
// earlier offset is damage rather than a torn tail.
func (rf recFormat) validAfter(buf []byte, from int, seq uint64) bool {
	limit := seq + uint64(len(buf))/uint64(rf.hdr) + 1
	for p := from; p+rf.hdr <= len(buf); p++ {
		s := binary.LittleEndian.Uint64(buf[p+rf.seqAt:])
		if s < seq || s > limit {
			continue
		}
		if st, _ := rf.checkRecord(buf[p:], s); st == recOK {
			return true
		}
	}
	return false
}

// scanSegment checks the segment held in buf, whose file name says its
// first record is first, and calls fn for every valid record. It returns
// the offset after the last valid record and the segment's record format;
// a torn tail is reported as a *FileError wrapping errTorn, damage as one
// wrapping ErrCorrupt or ErrVersion.
func scanSegment(path string, buf []byte, first uint64, fn func(seq uint64, off int64, total int)) (int64, recFormat, error) {
	rf := formatOf(segVersion)
	if len(buf) < segHdrLen {
		// A crash right after creating the segment leaves it short.
		return 0, rf, &FileError{Path: path, Offset: 0, Err: errTorn}
	}
	v, err := record.ParseFileHeader(buf, segMagic)
	if err != nil {
		return 0, rf, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: not an outbox segment", ErrCorrupt)}
	}
	if v != 1 && v != segVersion {
		return 0, rf, &FileError{Path: path, Offset: 6, Err: fmt.Errorf("%w: segment version %d", ErrVersion, v)}
	}
	rf = formatOf(v)
	if h := binary.LittleEndian.Uint64(buf[8:]); h != first {
		return 0, rf, &FileError{Path: path, Offset: 8, Err: fmt.Errorf("%w: header says first record %d, file name %d", ErrCorrupt, h, first)}
	}
	off := segHdrLen
	seq := first
	for off < len(buf) {
		st, total := rf.checkRecord(buf[off:], seq)
		switch st {
		case recWrongSeq:
			got := binary.LittleEndian.Uint64(buf[off+rf.seqAt:])
			return int64(off), rf, &FileError{Path: path, Offset: int64(off), Err: fmt.Errorf("%w: record %d where %d was expected", ErrCorrupt, got, seq)}
		case recBad:
			if rf.validAfter(buf, off+1, seq) {
				return int64(off), rf, &FileError{Path: path, Offset: int64(off), Err: fmt.Errorf("%w: damaged record %d", ErrCorrupt, seq)}
			}
			return int64(off), rf, &FileError{Path: path, Offset: int64(off), Err: errTorn}
		}
		if fn != nil {
			fn(seq, int64(off), total)
		}
		off += total
		seq++
	}
	return int64(off), rf, nil
}

// listSegments returns the first sequence numbers of the segments in dir,
// ascending. Temporary files left by a crash are removed.
func listSegments(fsys record.FS, dir string) ([]uint64, error) {
	ents, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	var firsts []uint64
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, record.TempSuffix) { // cursor.tmp, cursor.RANDOM.tmp
			fsys.Remove(filepath.Join(dir, name)) // an unfinished cursor write from before a crash
			continue
		}
		s, ok := strings.CutSuffix(name, segSuffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			continue
		}
		firsts = append(firsts, n)
	}
	sort.Slice(firsts, func(i, j int) bool { return firsts[i] < firsts[j] })
	return firsts, nil
}

// syncDir fsyncs dir (nothing on Windows: see record.SyncDir).
func syncDir(fsys record.FS, dir string) error {
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}

// readCursor returns the acknowledged sequence number, 0 without a cursor.
func readCursor(fsys record.FS, dir string) (uint64, error) {
	path := filepath.Join(dir, cursorFile)
	b, err := record.ReadFile(fsys, path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("outbox: read cursor: %w", err)
	}
	return decodeCursor(path, b)
}

func decodeCursor(path string, b []byte) (uint64, error) {
	v, err := record.ParseFileHeader(b, cursorMagic)
	if err != nil {
		return 0, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: not an outbox cursor", ErrCorrupt)}
	}
	switch v {
	case 1:
		// The 20-byte cursor of version 1: header, uint64, CRC-32C.
		if len(b) != cursorLenV1 {
			return 0, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: not an outbox cursor", ErrCorrupt)}
		}
		if crc32.Checksum(b[:16], castagnoli) != binary.LittleEndian.Uint32(b[16:]) {
			return 0, &FileError{Path: path, Offset: 16, Err: fmt.Errorf("%w: cursor checksum mismatch", ErrCorrupt)}
		}
		return binary.LittleEndian.Uint64(b[8:]), nil
	case cursorVersion:
		typ, payload, n, ok := record.Current.Check(b[record.FileHeaderLen:], 64)
		if !ok || typ != recCursor || len(payload) != 8 || record.FileHeaderLen+n != len(b) {
			return 0, &FileError{Path: path, Offset: record.FileHeaderLen, Err: fmt.Errorf("%w: cursor record damaged", ErrCorrupt)}
		}
		return binary.LittleEndian.Uint64(payload), nil
	}
	return 0, &FileError{Path: path, Offset: 6, Err: fmt.Errorf("%w: cursor version %d", ErrVersion, v)}
}

// encodeCursor returns the cursor file of cursorVersion: the file header
// and one record (record framing) of type recCursor holding acked.
func encodeCursor(acked uint64) []byte {
	b := record.AppendFileHeader(make([]byte, 0, cursorLen), cursorMagic, cursorVersion)
	return record.Append(b, recCursor, binary.LittleEndian.AppendUint64(nil, acked))
}

// writeCursor replaces the cursor atomically: temporary file, fsync,
// rename, directory fsync.
func writeCursor(fsys record.FS, dir string, acked uint64) error {
	if err := record.WriteFileAtomic(fsys, filepath.Join(dir, cursorFile), encodeCursor(acked), 0o600); err != nil {
		return fmt.Errorf("outbox: write cursor: %w", err)
	}
	return nil
}
