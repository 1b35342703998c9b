package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// Batch is one entry of the ingest log: the raw lines one input received
// in about 100 ms, with the input's name and the time they were
// received. Every node applies the same batches in the same order, so the
// receive time travels with the lines: a report without a time of its own
// gets this one on every node.
type Batch struct {
	Input    string
	Received time.Time
	Lines    [][]byte
}

// Entry encoding version 1, for Batch and ControlRecord alike:
//
//	+---------+------------------------+----------+
//	| version | body (per entry type)  | CRC-32C  |
//	| 1 byte  |                        | 4 bytes  |
//	+---------+------------------------+----------+
//
// The CRC (Castagnoli, big endian) covers the version and the body.
// Strings and byte slices are a uvarint length and the bytes; times are
// Unix nanoseconds as 8 bytes big endian (two's complement; 0 is the
// zero Time).
//
// Batch body: input (string), received (time), the number of lines
// (uvarint), each line (bytes).
//
// ControlRecord body: kind (1 byte), op (1 byte), id (string), time,
// node (string), body (bytes).
const (
	entryVersion = 1

	maxInput    = 256     // bytes of an input name
	maxEntry    = 1 << 20 // the NATS default max payload
	entryFooter = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var (
	errVersion   = errors.New("unknown version")
	errChecksum  = errors.New("checksum mismatch")
	errShort     = errors.New("truncated")
	errTrailing  = errors.New("trailing bytes")
	errTooLong   = errors.New("field too long")
	errBadRecord = errors.New("unknown record kind or op")
)

// AppendBatch appends the encoding of b to dst.
func AppendBatch(dst []byte, b Batch) []byte {
	dst = append(dst, entryVersion)
	start := len(dst) - 1
	dst = appendString(dst, b.Input)
	dst = appendTime(dst, b.Received)
	dst = binary.AppendUvarint(dst, uint64(len(b.Lines)))
	for _, l := range b.Lines {
		dst = appendString(dst, string(l))
	}
	return appendSum(dst, start)
}

// appendSum appends the CRC of dst[start:].
func appendSum(dst []byte, start int) []byte {
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// DecodeBatch decodes an entry made by AppendBatch. The lines alias p.
// Errors wrap ErrCorrupt.
func DecodeBatch(p []byte) (Batch, error) {
	d, err := openEntry(p)
	if err != nil {
		return Batch{}, err
	}
	var b Batch
	b.Input = d.str(maxInput)
	b.Received = d.time()
	n := d.uvarint()
	// Each line takes at least its length byte: a count beyond what is
	// left is corrupt, not an allocation to make.
	if d.err == nil && n > uint64(len(d.p)) {
		d.err = errShort
	}
	if d.err == nil && n > 0 {
		b.Lines = make([][]byte, 0, n)
		for range n {
			l := d.bytes(maxEntry)
			if d.err != nil {
				break
			}
			b.Lines = append(b.Lines, l)
		}
	}
	if err := d.close(); err != nil {
		return Batch{}, err
	}
	return b, nil
}

// appendTime appends t as Unix nanoseconds; the zero Time is 0.
func appendTime(dst []byte, t time.Time) []byte {
	var ns int64
	if !t.IsZero() {
		ns = t.UnixNano()
	}
	return binary.BigEndian.AppendUint64(dst, uint64(ns))
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decoder reads an entry body with a sticky error.
type decoder struct {
	p   []byte
	err error
}

// openEntry checks the version and the checksum and returns a decoder
// over the body.
func openEntry(p []byte) (*decoder, error) {
	if len(p) > maxEntry {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, ErrTooLarge)
	}
	if len(p) < 1+entryFooter {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, errShort)
	}
	if p[0] != entryVersion {
		return nil, fmt.Errorf("%w: %w %d", ErrCorrupt, errVersion, p[0])
	}
	body, sum := p[:len(p)-entryFooter], binary.BigEndian.Uint32(p[len(p)-entryFooter:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, errChecksum)
	}
	return &decoder{p: body[1:]}, nil
}

func (d *decoder) close() error {
	if d.err == nil && len(d.p) > 0 {
		d.err = errTrailing
	}
	if d.err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, d.err)
	}
	return nil
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.p) < 1 {
		d.err = errShort
		return 0
	}
	v := d.p[0]
	d.p = d.p[1:]
	return v
}

func (d *decoder) bytes(limit int) []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(limit) {
		d.err = errTooLong
		return nil
	}
	if n > uint64(len(d.p)) {
		d.err = errShort
		return nil
	}
	v := d.p[:n:n]
	d.p = d.p[n:]
	return v
}

func (d *decoder) str(limit int) string { return string(d.bytes(limit)) }

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	if len(d.p) < 8 {
		d.err = errShort
		return time.Time{}
	}
	ns := int64(binary.BigEndian.Uint64(d.p))
	d.p = d.p[8:]
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
