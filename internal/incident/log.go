package incident

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/tidewatch/tidewatch/internal/record"
)

// The log file format, version 2.
//
// The file is written only by appending. It starts with the common file
// header of package record and holds one record per version of a record,
// in the order they were stored, in the record framing:
//
//	file   = header record*
//
//	header = magic    6 bytes  "TWINC" 0x00
//	         version  uint16   2
//
//	record = length   uint32   bytes of payload, at most maxRecord
//	         crc      uint32   CRC-32C of type and payload
//	         type     uint8    recIncident (1); other values are reserved
//	         payload  length bytes
//
// Integers are little endian. The payload of a recIncident record is one
// version of a record in its JSON form (Incident.MarshalJSON, compact,
// with every field the store sets: id, version, origin, created,
// updated, deleted). For each ID, versions appear in increasing order.
//
// Version 1 (testdata/v1.log) had a 16-byte header ("TWINCLOG", uint16
// version 1, uint16 0, CRC-32C of those 12 bytes), big-endian integers and
// a record CRC that also covered the length. Open reads it and rewrites
// the file as version 2 (atomically: temporary file, rename) before
// writing to it.
//
// Every Put, Receive and Delete appends one record and fsyncs the file
// before it returns, so an acknowledged write survives a crash. A crash
// can leave only the last record incomplete or garbled: on open, a bad
// record (short, too long for the file, failing its CRC) after which no
// good record starts anywhere in the file is a torn tail, and the file is
// cut before it, with a note (Store.Recovery). A bad record followed by a
// good one is damage, not a tear: Open refuses the file with a *FileError
// giving the bad record's offset and wrapping ErrCorrupt.
const (
	logMagic   = "TWINC\x00"
	logVersion = 2
	headerSize = record.FileHeaderLen
	frameSize  = record.HeaderLen

	v1Magic      = "TWINCLOG"
	v1HeaderSize = 16

	recIncident = 1

	// maxRecord bounds a record's payload: more than any record within
	// Validate's bounds needs.
	maxRecord = MaxJSON
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header returns the file header of the current format version.
func header() []byte {
	return record.AppendFileHeader(nil, logMagic, logVersion)
}

// v1Header returns the file header of format version 1.
func v1Header() []byte {
	b := make([]byte, v1HeaderSize)
	copy(b, v1Magic)
	binary.BigEndian.PutUint16(b[8:], 1)
	binary.BigEndian.PutUint32(b[12:], crc32.Checksum(b[:12], castagnoli))
	return b
}

// appendFrame appends a record of type typ around payload.
func appendFrame(dst []byte, typ byte, payload []byte) []byte {
	return record.Append(dst, typ, payload)
}

// scanned is what readLog found in a log file.
type scanned struct {
	records []scannedRecord
	end     int64  // where the good data ends, where appends go
	note    string // what was repaired, "" if nothing
	fresh   bool   // the file had no (complete) header
	version int    // of the file's format
}

type scannedRecord struct {
	off     int64
	payload []byte
}

// readLog reads and checks a whole log file, of either version. It does
// not modify it.
func readLog(path string, f record.File) (scanned, error) {
	data, err := readAll(f)
	if err != nil {
		return scanned{}, fmt.Errorf("read %s: %w", path, err)
	}
	s := scanned{version: logVersion}
	var layout record.Layout
	var off int
	switch {
	case len(data) < headerSize && (bytes.HasPrefix(header(), data) || bytes.HasPrefix(v1Header(), data)),
		len(data) < v1HeaderSize && bytes.HasPrefix(v1Header(), data):
		if len(data) > 0 {
			s.note = fmt.Sprintf("%s: rewrote a torn header of %d bytes", path, len(data))
		}
		s.fresh = true
		return s, nil
	case bytes.HasPrefix(data, []byte(v1Magic)):
		if len(data) < v1HeaderSize {
			return s, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: %d bytes that do not start a header", ErrFormat, len(data))}
		}
		if crc32.Checksum(data[:12], castagnoli) != binary.BigEndian.Uint32(data[12:]) {
			return s, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: header checksum", ErrCorrupt)}
		}
		if v := binary.BigEndian.Uint16(data[8:]); v != 1 {
			return s, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: format version %d", ErrFormat, v)}
		}
		s.version, layout, off = 1, record.LegacyBigEndian, v1HeaderSize
	default:
		v, err := record.ParseFileHeader(data, logMagic)
		if err != nil {
			return s, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: %d bytes that do not start a header", ErrFormat, len(data))}
		}
		if v != logVersion {
			return s, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: format version %d", ErrFormat, v)}
		}
		layout, off = record.Current, headerSize
	}
	for off < len(data) {
		typ, payload, n, ok := layout.Check(data[off:], maxRecord)
		if !ok {
			if layout.NextValid(data, off+1, maxRecord) >= 0 {
				return s, &FileError{Path: path, Offset: int64(off), Err: fmt.Errorf("%w: bad record followed by good ones", ErrCorrupt)}
			}
			s.note = fmt.Sprintf("%s: cut a torn tail of %d bytes at offset %d", path, len(data)-off, off)
			break
		}
		if typ != recIncident {
			return s, &FileError{Path: path, Offset: int64(off), Err: fmt.Errorf("%w: unknown record type %d", ErrCorrupt, typ)}
		}
		s.records = append(s.records, scannedRecord{int64(off), payload})
		off += n
	}
	s.end = int64(off)
	return s, nil
}

// readAll reads the whole file in one allocation.
func readAll(f record.File) ([]byte, error) {
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
