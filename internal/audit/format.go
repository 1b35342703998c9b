package audit

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/record"
)

// The format constants; see the package documentation.
const (
	segMagic   = "TWAUD\x00"
	segVersion = 2 // written; version 1 segments are read too
	segHdrLen  = 24
	recHdrLen  = record.HeaderLen
	maxPayload = 1 << 20 // no record is longer: a longer length is damage
	segSuffix  = ".aud"
	nameTime   = "20060102T150405.000000000Z"

	recString = 1
	recEntry  = 2
	recSeal   = 3

	sealPayload = 24
	sealLen     = recHdrLen + sealPayload

	// MaxString is the longest string field an Entry may have.
	MaxString = 64 << 10

	maxInterned  = 128  // longer strings are stored inline
	maxTableSize = 4096 // strings a segment's table holds at most
)

func segmentName(seq uint64, base time.Time) string {
	return fmt.Sprintf("%08d-%s%s", seq, base.UTC().Format(nameTime), segSuffix)
}

// parseSegmentName returns the segment number and creation time a file
// name carries.
func parseSegmentName(name string) (uint64, time.Time, bool) {
	s, ok := strings.CutSuffix(name, segSuffix)
	if !ok {
		return 0, time.Time{}, false
	}
	num, ts, ok := strings.Cut(s, "-")
	if !ok {
		return 0, time.Time{}, false
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return 0, time.Time{}, false
	}
	t, err := time.Parse(nameTime, ts)
	if err != nil {
		return 0, time.Time{}, false
	}
	return seq, t, true
}

func segmentHeader(seq uint64, base int64) []byte {
	h := record.AppendFileHeader(make([]byte, 0, segHdrLen), segMagic, segVersion)
	h = binary.LittleEndian.AppendUint64(h, uint64(base))
	return binary.LittleEndian.AppendUint64(h, seq)
}

// frameRecord frames a record whose payload is already at
// dst[start+recHdrLen:], with room for the header left at dst[start:].
func frameRecord(dst []byte, start int, typ byte) {
	record.Frame(dst[start:], typ)
}

// appendSeal appends a seal record in the layout of its segment's version.
func appendSeal(dst []byte, layout record.Layout, minT, maxT, count int64) []byte {
	p := make([]byte, 0, sealPayload)
	p = binary.LittleEndian.AppendUint64(p, uint64(minT))
	p = binary.LittleEndian.AppendUint64(p, uint64(maxT))
	p = binary.LittleEndian.AppendUint64(p, uint64(count))
	return layout.Append(dst, recSeal, p)
}

// checkRecord returns the type and payload of the record at the start of
// b, or ok false if it is incomplete, fails its checksum or is of an
// unknown type.
func checkRecord(layout record.Layout, b []byte) (typ byte, payload []byte, ok bool) {
	typ, payload, _, ok = layout.Check(b, maxPayload)
	if !ok || typ < recString || typ > recSeal || (typ == recSeal && len(payload) != sealPayload) {
		return 0, nil, false
	}
	return typ, payload, true
}

// nextValid returns the offset of the first intact record in b at or after
// from, or -1.
func nextValid(layout record.Layout, b []byte, from int) int {
	for p := from; p+recHdrLen <= len(b); p++ {
		if _, _, ok := checkRecord(layout, b[p:]); ok {
			return p
		}
	}
	return -1
}

type seal struct {
	min, max, count int64
}

func decodeSeal(p []byte) seal {
	return seal{int64(binary.LittleEndian.Uint64(p)), int64(binary.LittleEndian.Uint64(p[8:])), int64(binary.LittleEndian.Uint64(p[16:]))}
}

// checkHeader checks a segment header and returns its base time and the
// record layout of its version.
func checkHeader(path string, b []byte, seq uint64) (int64, record.Layout, error) {
	if len(b) < segHdrLen {
		return 0, 0, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: short header", ErrCorrupt)}
	}
	v, err := record.ParseFileHeader(b, segMagic)
	if err != nil {
		return 0, 0, &FileError{Path: path, Offset: 0, Err: fmt.Errorf("%w: not an audit segment", ErrCorrupt)}
	}
	var layout record.Layout
	switch v {
	case 1:
		layout = record.LegacyLengthCRC
	case segVersion:
		layout = record.Current
	default:
		return 0, 0, &FileError{Path: path, Offset: 6, Err: fmt.Errorf("%w: segment version %d", ErrVersion, v)}
	}
	if s := binary.LittleEndian.Uint64(b[16:]); s != seq {
		return 0, 0, &FileError{Path: path, Offset: 16, Err: fmt.Errorf("%w: header says segment %d, file name %d", ErrCorrupt, s, seq)}
	}
	return int64(binary.LittleEndian.Uint64(b[8:])), layout, nil
}

// cursor reads the fields of a payload. Its error is sticky: after the
// first problem every read returns zero values and err says where.
type cursor struct {
	b   []byte
	off int
	err error
}

func (c *cursor) fail(what string) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: %s at payload offset %d", ErrCorrupt, what, c.off)
	}
	c.b = nil
}

func (c *cursor) uvarint() uint64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Uvarint(c.b[c.off:])
	if n <= 0 {
		c.fail("bad uvarint")
		return 0
	}
	c.off += n
	return v
}

func (c *cursor) varint() int64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Varint(c.b[c.off:])
	if n <= 0 {
		c.fail("bad varint")
		return 0
	}
	c.off += n
	return v
}

func (c *cursor) bytes(n uint64) []byte {
	if c.err != nil {
		return nil
	}
	if n > uint64(len(c.b)-c.off) {
		c.fail("string past the end")
		return nil
	}
	b := c.b[c.off : c.off+int(n) : c.off+int(n)]
	c.off += int(n)
	return b
}

// field reads a string field: a table reference (id >= 0) or inline bytes
// (id -1).
func (c *cursor) field() (id int, inline []byte) {
	v := c.uvarint()
	if v&1 == 0 {
		if v>>1 >= maxTableSize {
			c.fail("string id out of range")
			return -1, nil
		}
		return int(v >> 1), nil
	}
	return -1, c.bytes(v >> 1)
}

func (c *cursor) done() {
	if c.err == nil && c.off != len(c.b) {
		c.fail("trailing bytes")
	}
}

// segPath joins the directory and a segment's name.
func segPath(dir string, seq uint64, base time.Time) string {
	return filepath.Join(dir, segmentName(seq, base))
}
