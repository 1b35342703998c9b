package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The record framing; see the package documentation.
const (
	// HeaderLen is the length of a record header: length, checksum, type.
	HeaderLen = 9
	// FileHeaderLen is the length of the common file header: magic and
	// version.
	FileHeaderLen = 8
	// MagicLen is the length of a file's magic.
	MagicLen = 6
)

var (
	// ErrTorn marks an incomplete or damaged record at the end of a file
	// after which no valid record follows: a write cut by a crash.
	ErrTorn = errors.New("record: torn tail")
	// ErrCorrupt marks a damaged record followed by a valid one, or a file
	// that does not start with the expected header: damage, not a crash.
	ErrCorrupt = errors.New("record: corrupt data")
	// ErrVersion marks a file header of a version the caller cannot read.
	ErrVersion = errors.New("record: unsupported format version")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Layout is the byte layout of record headers. Only [Current] is written;
// the others are read so that files written before the formats were
// unified stay readable.
type Layout uint8

// The layouts.
const (
	// Current: uint32 length of the payload, little endian; uint32 CRC-32C
	// of the type byte and the payload, little endian; type byte.
	Current Layout = 0
	// LegacyLengthCRC is Current with the length covered by the CRC
	// (length, type, payload): audit log version 1.
	LegacyLengthCRC Layout = 1
	// LegacyBigEndian is LegacyLengthCRC with big-endian integers:
	// incident log version 1.
	LegacyBigEndian Layout = 2
)

func (l Layout) order() binary.ByteOrder {
	if l == LegacyBigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// u32 reads a header integer (no interface call on the hot path).
func (l Layout) u32(b []byte) uint32 {
	if l == LegacyBigEndian {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// PutHeader fills h[:HeaderLen] with the header of a record of type typ
// around payload (Current layout).
func PutHeader(h []byte, typ byte, payload []byte) {
	_ = h[HeaderLen-1]
	binary.LittleEndian.PutUint32(h[0:], uint32(len(payload)))
	h[8] = typ
	crc := crc32.Update(0, castagnoli, h[8:9])
	crc = crc32.Update(crc, castagnoli, payload)
	binary.LittleEndian.PutUint32(h[4:], crc)
}

// PutHeader2 is PutHeader for a payload held in two pieces, a followed by
// b (a fixed prefix and the caller's data), so that it need not be copied
// together first.
func PutHeader2(h []byte, typ byte, a, b []byte) {
	_ = h[HeaderLen-1]
	binary.LittleEndian.PutUint32(h[0:], uint32(len(a)+len(b)))
	h[8] = typ
	crc := crc32.Update(0, castagnoli, h[8:9])
	crc = crc32.Update(crc, castagnoli, a)
	crc = crc32.Update(crc, castagnoli, b)
	binary.LittleEndian.PutUint32(h[4:], crc)
}

// Append appends a record of type typ around payload to dst.
func Append(dst []byte, typ byte, payload []byte) []byte {
	var h [HeaderLen]byte
	PutHeader(h[:], typ, payload)
	return append(append(dst, h[:]...), payload...)
}

// Append appends a record of type typ around payload to dst in layout l.
// New files are written in Current only; an older layout is written only
// to finish a file of its version (a seal added by recovery), so that a
// file never mixes layouts.
func (l Layout) Append(dst []byte, typ byte, payload []byte) []byte {
	if l == Current {
		return Append(dst, typ, payload)
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0, typ)
	l.order().PutUint32(dst[start:], uint32(len(payload)))
	dst = append(dst, payload...)
	crc := crc32.Update(0, castagnoli, dst[start:start+4])
	crc = crc32.Update(crc, castagnoli, dst[start+8:])
	l.order().PutUint32(dst[start+4:], crc)
	return dst
}

// Frame fills in the header of a record whose header space and payload
// are already in b: b[:HeaderLen] is overwritten, b[HeaderLen:] is the
// payload. It saves a copy when the payload is encoded in place.
func Frame(b []byte, typ byte) {
	PutHeader(b, typ, b[HeaderLen:])
}

// valid reports whether h (a header) and payload form a valid record.
func (l Layout) valid(h, payload []byte) bool {
	crc := uint32(0)
	if l != Current {
		crc = crc32.Update(crc, castagnoli, h[0:4])
	}
	crc = crc32.Update(crc, castagnoli, h[8:9])
	crc = crc32.Update(crc, castagnoli, payload)
	return crc == l.u32(h[4:])
}

// Check decodes the record at the start of b. It returns the type, the
// payload (a sub-slice of b) and the record's total length, or ok false if
// b does not start with a complete, valid record of at most max payload
// bytes.
func (l Layout) Check(b []byte, max int) (typ byte, payload []byte, n int, ok bool) {
	if len(b) < HeaderLen {
		return 0, nil, 0, false
	}
	size := l.u32(b)
	if uint64(size) > uint64(max) || uint64(size) > uint64(len(b)-HeaderLen) {
		return 0, nil, 0, false
	}
	n = HeaderLen + int(size)
	if !l.valid(b[:HeaderLen], b[HeaderLen:n]) {
		return 0, nil, 0, false
	}
	return b[8], b[HeaderLen:n:n], n, true
}

// NextValid returns the offset of the first valid record in b at or after
// from, or -1 if there is none. A valid record after a bad one tells
// damage from a torn tail.
func (l Layout) NextValid(b []byte, from, max int) int {
	for p := max0(from); p+HeaderLen <= len(b); p++ {
		if _, _, _, ok := l.Check(b[p:], max); ok {
			return p
		}
	}
	return -1
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// AppendFileHeader appends the common file header: the 6-byte magic and
// the version as a little-endian uint16. It panics if magic is not
// MagicLen bytes (a programming error).
func AppendFileHeader(dst []byte, magic string, version uint16) []byte {
	if len(magic) != MagicLen {
		panic("record: magic must be 6 bytes")
	}
	dst = append(dst, magic...)
	return binary.LittleEndian.AppendUint16(dst, version)
}

// ParseFileHeader checks that b starts with a file header of the given
// magic and returns its version. A b shorter than the header is ErrTorn
// (a file cut right after its creation) if it is a prefix of some header
// of that magic, ErrCorrupt otherwise; a different magic is ErrCorrupt.
// The caller checks the version (and wraps ErrVersion if it cannot read
// it).
func ParseFileHeader(b []byte, magic string) (uint16, error) {
	if len(b) < FileHeaderLen {
		if len(b) <= MagicLen && string(b) == magic[:len(b)] || len(b) > MagicLen && string(b[:MagicLen]) == magic {
			return 0, ErrTorn
		}
		return 0, fmt.Errorf("%w: short file header", ErrCorrupt)
	}
	if string(b[:MagicLen]) != magic {
		return 0, fmt.Errorf("%w: bad magic %q", ErrCorrupt, b[:MagicLen])
	}
	return binary.LittleEndian.Uint16(b[MagicLen:]), nil
}

// Reader reads the records of a file in order, streaming, and tells a
// torn tail from damage in the middle. It is not safe for concurrent use.
type Reader struct {
	r      *bufio.Reader
	path   string
	off    int64 // offset of the next record
	max    int
	layout Layout
	adj    bool
	h      [HeaderLen]byte
	buf    []byte
	err    error
}

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// Offset is the file offset of the first record (after the file
	// header): error offsets are reported from it.
	Offset int64
	// MaxPayload bounds a record's payload: a longer length is damage.
	// 0 means 64 MiB.
	MaxPayload int
	// Layout is the header layout (Current by default).
	Layout Layout
	// BufferSize is the read buffer (0 means 64 KiB).
	BufferSize int
	// AdjacentOnly narrows the evidence of damage to a valid record right
	// after a complete bad one (at the offset its length gives); a bad
	// record that is incomplete or too long is then always a torn tail.
	// The store's WAL reads this way, as it always has: its unsynced tail
	// can hold a later page that reached the disk before an earlier one.
	AdjacentOnly bool
}

// NewReader returns a Reader of the records in r, which is positioned at
// the first record; path names the file in errors.
func NewReader(r io.Reader, path string, opts ReaderOptions) *Reader {
	if opts.MaxPayload <= 0 {
		opts.MaxPayload = 64 << 20
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = 64 << 10
	}
	return &Reader{r: bufio.NewReaderSize(r, opts.BufferSize), path: path, off: opts.Offset, max: opts.MaxPayload, layout: opts.Layout, adj: opts.AdjacentOnly}
}

// Next returns the next record's type and payload (valid until the next
// call). At the clean end of the file it returns io.EOF. An incomplete or
// damaged record is reported as a *FileError at its offset wrapping
// ErrTorn if no valid record follows it (a torn tail: truncate the file at
// Offset), ErrCorrupt if one does; an I/O error is returned wrapped in a
// *FileError. After an error, Next keeps returning it.
func (r *Reader) Next() (typ byte, payload []byte, err error) {
	if r.err != nil {
		return 0, nil, r.err
	}
	// Fast path: a valid record that fits in the read buffer is returned
	// in place, without a copy. Anything else takes the path below.
	if h, _ := r.r.Peek(HeaderLen); len(h) == HeaderLen {
		if size := r.layout.u32(h); uint64(size) <= uint64(r.max) && int(size) <= r.r.Size()-HeaderLen {
			total := HeaderLen + int(size)
			if b, _ := r.r.Peek(total); len(b) == total && r.layout.valid(b[:HeaderLen], b[HeaderLen:]) {
				r.r.Discard(total)
				r.off += int64(total)
				return b[8], b[HeaderLen:total:total], nil
			}
		}
	}
	n, err := io.ReadFull(r.r, r.h[:])
	if err == io.EOF {
		r.err = io.EOF
		return 0, nil, io.EOF
	}
	if err != nil {
		return r.bad(r.h[:n], err)
	}
	size := r.layout.u32(r.h[:])
	if uint64(size) > uint64(r.max) {
		return r.bad(r.h[:], nil)
	}
	if cap(r.buf) < int(size) {
		r.buf = make([]byte, size)
	}
	r.buf = r.buf[:size]
	if m, err := io.ReadFull(r.r, r.buf); err != nil {
		return r.bad(append(r.h[:], r.buf[:m]...), err)
	}
	if !r.layout.valid(r.h[:], r.buf) {
		if r.adj {
			return r.badAdjacent()
		}
		return r.bad(append(r.h[:], r.buf...), nil)
	}
	r.off += int64(HeaderLen) + int64(size)
	return r.h[8], r.buf, nil
}

// bad classifies the bad record at r.off, of which read bytes have been
// consumed: it reads the rest of the file and looks for a valid record
// after the bad one's first byte.
func (r *Reader) bad(read []byte, ioErr error) (byte, []byte, error) {
	if ioErr != nil && ioErr != io.EOF && ioErr != io.ErrUnexpectedEOF {
		r.err = &FileError{Path: r.path, Offset: r.off, Err: ioErr}
		return 0, nil, r.err
	}
	if r.adj {
		r.err = &FileError{Path: r.path, Offset: r.off, Err: ErrTorn}
		return 0, nil, r.err
	}
	rest, err := io.ReadAll(r.r)
	if err != nil {
		r.err = &FileError{Path: r.path, Offset: r.off, Err: err}
		return 0, nil, r.err
	}
	tail := append(read, rest...)
	if p := r.layout.NextValid(tail, 1, r.max); p > 0 {
		r.err = &FileError{Path: r.path, Offset: r.off, Err: fmt.Errorf("%w: damaged record followed by a valid one at offset %d", ErrCorrupt, r.off+int64(p))}
	} else {
		r.err = &FileError{Path: r.path, Offset: r.off, Err: ErrTorn}
	}
	return 0, nil, r.err
}

// badAdjacent classifies a complete record with a bad checksum at r.off
// by the record right after it alone (AdjacentOnly).
func (r *Reader) badAdjacent() (byte, []byte, error) {
	next := r.off + int64(HeaderLen) + int64(len(r.buf))
	var h [HeaderLen]byte
	ok := false
	if _, err := io.ReadFull(r.r, h[:]); err == nil {
		if size := r.layout.u32(h[:]); uint64(size) <= uint64(r.max) {
			p := make([]byte, size)
			if _, err := io.ReadFull(r.r, p); err == nil {
				ok = r.layout.valid(h[:], p)
			}
		}
	}
	if ok {
		r.err = &FileError{Path: r.path, Offset: r.off, Err: fmt.Errorf("%w: damaged record followed by a valid one at offset %d", ErrCorrupt, next)}
	} else {
		r.err = &FileError{Path: r.path, Offset: r.off, Err: ErrTorn}
	}
	return 0, nil, r.err
}

// Offset returns the offset after the last valid record read: where the
// file is to be cut after a torn tail, and where appends continue.
func (r *Reader) Offset() int64 { return r.off }
