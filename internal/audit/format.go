package audit

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The format constants; see the package documentation.
const (
	segMagic   = "TWAUD\x00"
	segVersion = 1
	segHdrLen  = 24
	recHdrLen  = 9
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

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

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
	h := make([]byte, segHdrLen)
	copy(h, segMagic)
	binary.LittleEndian.PutUint16(h[6:], segVersion)
	binary.LittleEndian.PutUint64(h[8:], uint64(base))
	binary.LittleEndian.PutUint64(h[16:], seq)
	return h
}

// appendRecord appends a framed record whose payload is already at
// dst[start+recHdrLen:], with room for the header left at dst[start:].
func frameRecord(dst []byte, start int, typ byte) {
	p := dst[start:]
	binary.LittleEndian.PutUint32(p[0:], uint32(len(p)-recHdrLen))
	p[8] = typ
	crc := crc32.Update(0, castagnoli, p[0:4])
	crc = crc32.Update(crc, castagnoli, p[8:])
	binary.LittleEndian.PutUint32(p[4:], crc)
}

func appendSeal(dst []byte, minT, maxT, count int64) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, recHdrLen)...)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(minT))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(maxT))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(count))
	frameRecord(dst, start, recSeal)
	return dst
}

// checkRecord returns the type and payload of the record at the start of
// b, or ok false if it is incomplete or fails its checksum.
func checkRecord(b []byte) (typ byte, payload []byte, ok bool) {
	if len(b) < recHdrLen {
		return 0, nil, false
	}
	n := binary.LittleEndian.Uint32(b)
	if n > maxPayload || int(n) > len(b)-recHdrLen {
		return 0, nil, false
	}
	total := recHdrLen + int(n)
	crc := crc32.Update(0, castagnoli, b[0:4])
	crc = crc32.Update(crc, castagnoli, b[8:total])
	if crc != binary.LittleEndian.Uint32(b[4:]) {
		return 0, nil, false
	}
	typ = b[8]
	if typ < recString || typ > recSeal || (typ == recSeal && n != sealPayload) {
		return 0, nil, false
	}
	return typ, b[recHdrLen:total], true
}

// nextValid returns the offset of the first intact record in b at or after
// from, or -1.
func nextValid(b []byte, from int) int {
	for p := from; p+recHdrLen <= len(b); p++ {
		if _, _, ok := checkRecord(b[p:]); ok {
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

// checkHeader checks a segment header and returns its base time.
func checkHeader(path string, b []byte, seq uint64) (int64, error) {
	if len(b) < segHdrLen {
		return 0, &FileError{File: path, Offset: 0, Err: fmt.Errorf("%w: short header", ErrCorrupt)}
	}
	if string(b[:6]) != segMagic {
		return 0, &FileError{File: path, Offset: 0, Err: fmt.Errorf("%w: not an audit segment", ErrCorrupt)}
	}
	if v := binary.LittleEndian.Uint16(b[6:]); v != segVersion {
		return 0, &FileError{File: path, Offset: 6, Err: fmt.Errorf("%w: segment version %d", ErrVersion, v)}
	}
	if s := binary.LittleEndian.Uint64(b[16:]); s != seq {
		return 0, &FileError{File: path, Offset: 16, Err: fmt.Errorf("%w: header says segment %d, file name %d", ErrCorrupt, s, seq)}
	}
	return int64(binary.LittleEndian.Uint64(b[8:])), nil
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
