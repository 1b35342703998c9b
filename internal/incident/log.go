package incident

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// The log file format, version 1.
//
// The file is written only by appending. It starts with a 16-byte header
// and holds one record per version of a record, in the order they were
// stored:
//
//	file   = header record*
//
//	header = magic    8 bytes  "TWINCLOG"
//	         version  uint16   1
//	         reserved uint16   0
//	         crc      uint32   CRC-32C of the 12 bytes before it
//
//	record = length   uint32   bytes of payload, at most maxRecord
//	         crc      uint32   CRC-32C of length, type and payload, in that order
//	         type     uint8    recIncident (1); other values are reserved
//	         payload  length bytes
//
// Integers are big-endian. The payload of a recIncident record is one
// version of a record in its JSON form (Incident.MarshalJSON, compact,
// with every field the store sets: id, version, origin, created,
// updated, deleted). For each ID, versions appear in increasing order.
//
// Every Put, Receive and Delete appends one record and fsyncs the file
// before it returns, so an acknowledged write survives a crash. A crash
// can leave only the last record incomplete or garbled: on open, a bad
// record (short, too long for the file, failing its CRC) after which no
// good record starts anywhere in the file is a torn tail, and the file is
// cut before it, with a note (Store.Recovery). A bad record followed by a
// good one is damage, not a tear: Open refuses the file with a *FileError
// giving the bad record's offset and wrapping ErrCorrupt. Telling the two
// apart by scanning for a later good record is sound because a payload is
// JSON text, which never contains a zero byte, while a record's length
// field starts with one (maxRecord < 1<<24): no record can be mistaken for
// one inside another's payload.
const (
	logMagic   = "TWINCLOG"
	logVersion = 1
	headerSize = 16
	frameSize  = 9 // length, crc, type

	recIncident = 1

	// maxRecord bounds a record's payload: more than any record within
	// Validate's bounds needs, less than 1<<24.
	maxRecord = MaxJSON
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header returns the file header of the current format version.
func header() []byte {
	b := make([]byte, headerSize)
	copy(b, logMagic)
	binary.BigEndian.PutUint16(b[8:], logVersion)
	binary.BigEndian.PutUint32(b[12:], crc32.Checksum(b[:12], castagnoli))
	return b
}

// appendFrame appends a record of type typ around payload.
func appendFrame(dst []byte, typ byte, payload []byte) []byte {
	n := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	dst = append(dst, 0, 0, 0, 0, typ)
	dst = append(dst, payload...)
	c := crc32.Update(0, castagnoli, dst[n:n+4])
	c = crc32.Update(c, castagnoli, dst[n+8:])
	binary.BigEndian.PutUint32(dst[n+4:], c)
	return dst
}

// frameAt decodes the record at off in data. It returns the type, the
// payload and the offset of the next record, or ok false if no good
// record starts at off.
func frameAt(data []byte, off int) (typ byte, payload []byte, next int, ok bool) {
	if len(data)-off < frameSize {
		return 0, nil, 0, false
	}
	n := binary.BigEndian.Uint32(data[off:])
	if n > maxRecord || int(n) > len(data)-off-frameSize {
		return 0, nil, 0, false
	}
	end := off + frameSize + int(n)
	c := crc32.Update(0, castagnoli, data[off:off+4])
	c = crc32.Update(c, castagnoli, data[off+8:end])
	if c != binary.BigEndian.Uint32(data[off+4:]) {
		return 0, nil, 0, false
	}
	return data[off+8], data[off+frameSize : end], end, true
}

// goodRecordAfter reports whether a good record starts anywhere after
// off. Only offsets holding a zero byte can start one (see the format).
func goodRecordAfter(data []byte, off int) bool {
	for i := off + 1; i < len(data); i++ {
		j := bytes.IndexByte(data[i:], 0)
		if j < 0 {
			return false
		}
		i += j
		if _, _, _, ok := frameAt(data, i); ok {
			return true
		}
	}
	return false
}

// scanned is what readLog found in a log file.
type scanned struct {
	records []scannedRecord
	end     int64  // where the good data ends, where appends go
	note    string // what was repaired, "" if nothing
	fresh   bool   // the file had no (complete) header
}

type scannedRecord struct {
	off     int64
	payload []byte
}

// readLog reads and checks a whole log file. It does not modify it.
func readLog(path string, f *os.File) (scanned, error) {
	data, err := readAll(f)
	if err != nil {
		return scanned{}, fmt.Errorf("read %s: %w", path, err)
	}
	var s scanned
	h := header()
	if len(data) < headerSize {
		if !bytes.HasPrefix(h, data) {
			return s, &FileError{path, 0, fmt.Errorf("%w: %d bytes that do not start a header", ErrFormat, len(data))}
		}
		if len(data) > 0 {
			s.note = fmt.Sprintf("%s: rewrote a torn header of %d bytes", path, len(data))
		}
		s.fresh = true
		return s, nil
	}
	if string(data[:8]) != logMagic {
		return s, &FileError{path, 0, fmt.Errorf("%w: bad magic", ErrFormat)}
	}
	if crc32.Checksum(data[:12], castagnoli) != binary.BigEndian.Uint32(data[12:]) {
		return s, &FileError{path, 0, fmt.Errorf("%w: header checksum", ErrCorrupt)}
	}
	if v := binary.BigEndian.Uint16(data[8:]); v != logVersion {
		return s, &FileError{path, 0, fmt.Errorf("%w: format version %d", ErrFormat, v)}
	}
	off := headerSize
	for off < len(data) {
		typ, payload, next, ok := frameAt(data, off)
		if !ok {
			if goodRecordAfter(data, off) {
				return s, &FileError{path, int64(off), fmt.Errorf("%w: bad record followed by good ones", ErrCorrupt)}
			}
			s.note = fmt.Sprintf("%s: cut a torn tail of %d bytes at offset %d", path, len(data)-off, off)
			break
		}
		if typ != recIncident {
			return s, &FileError{path, int64(off), fmt.Errorf("%w: unknown record type %d", ErrCorrupt, typ)}
		}
		s.records = append(s.records, scannedRecord{int64(off), payload})
		off = next
	}
	s.end = int64(off)
	return s, nil
}

// readAll reads the whole file in one allocation.
func readAll(f *os.File) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data := make([]byte, fi.Size())
	n, err := io.ReadFull(f, data)
	if err == io.ErrUnexpectedEOF {
		err = nil // shrank while read: not by us, we hold the lock
	}
	return data[:n], err
}

// errBroken marks the store unusable after a failed write.
var errBroken = errors.New("a write to the log failed; reopen the store")
