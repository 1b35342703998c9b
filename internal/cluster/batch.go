package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"time"
)

// Batch is one entry of the ingest log: the raw lines one input received
// in about 100 ms, with the input's name and the time they were
// received. Every node applies the same batches in the same order, so the
// receive time travels with the lines: a report without a time of its own
// gets this one on every node.
//
// A sensor input's batch (Sensor set) carries its raw records instead of
// AIS lines, with what a node needs to decode them as the input would
// have: the kind of records and the input's site (see [SensorKind] for
// what a record is of each kind).
type Batch struct {
	Input    string
	Received time.Time
	Lines    [][]byte
	// Sensor is SensorNone for AIS (NMEA lines) or the kind of a radar or
	// satellite input's records.
	Sensor SensorKind
	// Site is the sensor input's configured site (nil: none); only with
	// Sensor set.
	Site *Site
}

// SensorKind says what the records of a sensor input's batch are. The
// values are part of the entry format (version 2) and never change.
type SensorKind uint8

const (
	// SensorNone: an AIS batch of NMEA lines (entry version 1).
	SensorNone SensorKind = 0
	// SensorASTERIX: each record is the capture time (8 bytes, Unix
	// nanoseconds big endian; 0 means the batch's receive time)
	// followed by one datagram's or one TCP data block's ASTERIX data
	// blocks, as received.
	SensorASTERIX SensorKind = 1
	// SensorRadarNMEA: each record is one NMEA radar line (TTM, TLL, RSD,
	// own-ship RMC/HDT/OSD), tag block included, without its line end.
	SensorRadarNMEA SensorKind = 2
	// SensorSAR: the records are a satellite detection file: a CSV
	// header line then rows (every batch of a file repeats the header
	// as its first record), or one whole GeoJSON document.
	SensorSAR SensorKind = 3
)

// String is the input type of the kind ("asterix", "nmea-radar", "sar").
func (k SensorKind) String() string {
	switch k {
	case SensorNone:
		return "ais"
	case SensorASTERIX:
		return "asterix"
	case SensorRadarNMEA:
		return "nmea-radar"
	case SensorSAR:
		return "sar"
	}
	return fmt.Sprintf("sensor(%d)", uint8(k))
}

// Site is a sensor input's configured site: a fixed radar's position
// and, for ASTERIX, its SAC/SIC.
type Site struct {
	Lat, Lon, HeightM float64
	SAC, SIC          uint8
}

// Entry encoding version 1, for Batch and ControlRecord alike, and
// version 2 for a sensor input's Batch:
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
//
// Sensor batch body (version 2): input (string), received (time), the
// sensor kind (1 byte: 1 asterix, 2 nmea-radar, 3 sar), site present (1
// byte: 0 or 1) and, if present, latitude, longitude and height in
// metres (8 bytes each, IEEE 754 bits big endian), SAC and SIC (1 byte
// each); then the number of records (uvarint) and each record (bytes:
// a uvarint length and the record, so binary ASTERIX needs no other
// framing).
//
// An AIS batch is always written as version 1, so nodes that know only
// version 1 keep reading AIS; a sensor batch is version 2.
const (
	entryVersion  = 1
	sensorVersion = 2

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
	errBadSensor = errors.New("unknown sensor kind or site flag")
)

// AppendBatch appends the encoding of b to dst: version 1 for an AIS
// batch, version 2 for a sensor batch (b.Sensor set; b.Site is written
// only then).
func AppendBatch(dst []byte, b Batch) []byte {
	start := len(dst)
	if b.Sensor == SensorNone {
		dst = append(dst, entryVersion)
	} else {
		dst = append(dst, sensorVersion)
	}
	dst = appendString(dst, b.Input)
	dst = appendTime(dst, b.Received)
	if b.Sensor != SensorNone {
		dst = append(dst, byte(b.Sensor))
		if b.Site == nil {
			dst = append(dst, 0)
		} else {
			dst = append(dst, 1)
			for _, v := range []float64{b.Site.Lat, b.Site.Lon, b.Site.HeightM} {
				dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(v))
			}
			dst = append(dst, b.Site.SAC, b.Site.SIC)
		}
	}
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

// DecodeBatch decodes an entry made by AppendBatch, of either version.
// The lines alias p. Errors wrap ErrCorrupt: an unknown version or
// sensor kind, a site flag other than 0 or 1, a bad checksum, a count
// beyond the bytes, trailing bytes.
func DecodeBatch(p []byte) (Batch, error) {
	d, v, err := openEntryOf(p, entryVersion, sensorVersion)
	if err != nil {
		return Batch{}, err
	}
	var b Batch
	b.Input = d.str(maxInput)
	b.Received = d.time()
	if v == sensorVersion {
		k := SensorKind(d.byte())
		if d.err == nil && (k < SensorASTERIX || k > SensorSAR) {
			d.err = errBadSensor
		}
		b.Sensor = k
		switch f := d.byte(); {
		case d.err != nil:
		case f == 1:
			b.Site = &Site{Lat: d.f64(), Lon: d.f64(), HeightM: d.f64(), SAC: d.byte(), SIC: d.byte()}
		case f != 0:
			d.err = errBadSensor
		}
	}
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

// openEntry checks the version (1) and the checksum and returns a
// decoder over the body.
func openEntry(p []byte) (*decoder, error) {
	d, _, err := openEntryOf(p, entryVersion)
	return d, err
}

// openEntryOf is openEntry for an entry of any of versions; it returns
// the entry's version.
func openEntryOf(p []byte, versions ...byte) (*decoder, byte, error) {
	if len(p) > maxEntry {
		return nil, 0, fmt.Errorf("%w: %w", ErrCorrupt, ErrTooLarge)
	}
	if len(p) < 1+entryFooter {
		return nil, 0, fmt.Errorf("%w: %w", ErrCorrupt, errShort)
	}
	known := false
	for _, v := range versions {
		known = known || p[0] == v
	}
	if !known {
		return nil, 0, fmt.Errorf("%w: %w %d", ErrCorrupt, errVersion, p[0])
	}
	body, sum := p[:len(p)-entryFooter], binary.BigEndian.Uint32(p[len(p)-entryFooter:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, 0, fmt.Errorf("%w: %w", ErrCorrupt, errChecksum)
	}
	return &decoder{p: body[1:]}, p[0], nil
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

func (d *decoder) f64() float64 {
	if d.err != nil {
		return 0
	}
	if len(d.p) < 8 {
		d.err = errShort
		return 0
	}
	v := math.Float64frombits(binary.BigEndian.Uint64(d.p))
	d.p = d.p[8:]
	return v
}

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
