package store

import (
	"encoding/binary"
	"fmt"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Record payloads, shared by the WAL and the blocks. All integers are
// varints (zigzag for signed values); strings are a uvarint length and the
// bytes.
//
//	positions:  uvarint n, then n × (uvarint mmsi, varint t, varint lat,
//	            varint lon, uvarint sog, cog, hdg, byte status,
//	            uvarint flags, uvarint source)
//	tracked:    positions with a track: as positions, each item followed
//	            by byte track (vessel.Position.Track); written since block
//	            version 2, positions (type 1) is still read
//	statics:    uvarint n, then n × static (see appendStatic)
//	provenance: uvarint n, then n × (uvarint mmsi, varint t, uvarint source)
//	sources:    uvarint n, then n × (uvarint id, string name)

// recTracked is the WAL record of positions with their track ids (the
// other record types are in wal.go). Writers since block format 2 write
// it instead of recPositions.
const recTracked = 5

type posRec struct {
	mmsi vessel.MMSI
	point
}

type provRec struct {
	mmsi vessel.MMSI
	t    int64
	src  uint32
}

// staticRec is a static report as stored: the Static value with its source
// as an id.
type staticRec struct {
	s   vessel.Static
	src uint32
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendPosRec appends r as an item of a tracked record.
func appendPosRec(b []byte, r *posRec) []byte {
	b = binary.AppendUvarint(b, uint64(r.mmsi))
	return appendPoint(b, &r.point)
}

// appendPoint appends every field of p, the time absolute (a tracked
// record's item after its MMSI, and the snapshot's last good position).
func appendPoint(b []byte, p *point) []byte {
	b = binary.AppendVarint(b, p.t)
	b = binary.AppendVarint(b, int64(p.lat))
	b = binary.AppendVarint(b, int64(p.lon))
	b = binary.AppendUvarint(b, uint64(p.sog))
	b = binary.AppendUvarint(b, uint64(p.cog))
	b = binary.AppendUvarint(b, uint64(p.hdg))
	b = append(b, p.status)
	b = binary.AppendUvarint(b, uint64(p.flags))
	b = binary.AppendUvarint(b, uint64(p.src))
	return append(b, p.track)
}

func appendStatic(b []byte, r *staticRec) []byte {
	s := &r.s
	b = binary.AppendUvarint(b, uint64(s.MMSI))
	b = binary.AppendVarint(b, int64(s.Time))
	b = binary.AppendUvarint(b, uint64(s.Has))
	b = appendString(b, s.Name)
	b = appendString(b, s.CallSign)
	b = binary.AppendUvarint(b, uint64(s.IMO))
	b = append(b, s.ShipType)
	b = appendString(b, s.Destination)
	b = appendString(b, s.ETA)
	b = binary.AppendUvarint(b, uint64(s.ToBow))
	b = binary.AppendUvarint(b, uint64(s.ToStern))
	b = binary.AppendUvarint(b, uint64(s.ToPort))
	b = binary.AppendUvarint(b, uint64(s.ToStarboard))
	b = binary.AppendUvarint(b, uint64(s.Draught))
	return binary.AppendUvarint(b, uint64(r.src))
}

func appendProv(b []byte, r *provRec) []byte {
	b = binary.AppendUvarint(b, uint64(r.mmsi))
	b = binary.AppendVarint(b, r.t)
	return binary.AppendUvarint(b, uint64(r.src))
}

// maxString bounds a decoded string; AIS text fields are short.
const maxString = 4096

func (r *chunkReader) string() string {
	n := r.uvarint()
	if n > maxString || n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// count reads a record count, bounded by the bytes left (every item takes
// at least one byte).
func (r *chunkReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

// posRec reads an item of a positions record, or of a tracked record if
// tracked.
func (r *chunkReader) posRec(tracked bool) posRec {
	var p posRec
	p.mmsi = vessel.MMSI(r.uvarint())
	p.t = r.varint()
	p.lat = int32(r.varint())
	p.lon = int32(r.varint())
	p.sog = uint16(r.uvarint())
	p.cog = uint16(r.uvarint())
	p.hdg = uint16(r.uvarint())
	p.status = r.byte()
	p.flags = uint16(r.uvarint())
	p.src = uint32(r.uvarint())
	if tracked {
		p.track = r.byte()
	}
	return p
}

func (r *chunkReader) staticRec() staticRec {
	var sr staticRec
	s := &sr.s
	s.MMSI = vessel.MMSI(r.uvarint())
	s.Time = vessel.Time(r.varint())
	s.Has = vessel.StaticFields(r.uvarint())
	s.Name = r.string()
	s.CallSign = r.string()
	s.IMO = uint32(r.uvarint())
	s.ShipType = r.byte()
	s.Destination = r.string()
	s.ETA = r.string()
	s.ToBow = uint16(r.uvarint())
	s.ToStern = uint16(r.uvarint())
	s.ToPort = uint16(r.uvarint())
	s.ToStarboard = uint16(r.uvarint())
	s.Draught = uint16(r.uvarint())
	sr.src = uint32(r.uvarint())
	return sr
}

func (r *chunkReader) provRec() provRec {
	return provRec{mmsi: vessel.MMSI(r.uvarint()), t: r.varint(), src: uint32(r.uvarint())}
}

// decodeRecords decodes a positions, statics, provenance or sources payload
// and calls the matching function for each item.
type recordSink struct {
	pos    func(*posRec)
	static func(*staticRec)
	prov   func(*provRec)
	source func(id uint32, name string)
	// applied takes a WAL's applied marks (applied.go); nil elsewhere.
	applied func(seq uint64)
}

func decodeRecords(typ byte, b []byte, sink *recordSink) error {
	r := chunkReader{b: b}
	n := r.count()
	for i := 0; i < n && r.err == nil; i++ {
		switch typ {
		case recPositions, recTracked:
			p := r.posRec(typ == recTracked)
			if r.err == nil {
				sink.pos(&p)
			}
		case recStatics:
			s := r.staticRec()
			if r.err == nil {
				sink.static(&s)
			}
		case recProvenance:
			p := r.provRec()
			if r.err == nil {
				sink.prov(&p)
			}
		case recSources:
			id := uint32(r.uvarint())
			name := r.string()
			if r.err == nil {
				sink.source(id, name)
			}
		case recApplied:
			seq := r.uvarint()
			if r.err == nil && sink.applied != nil {
				sink.applied(seq)
			}
		default:
			return fmt.Errorf("%w: unknown record type %d", ErrCorrupt, typ)
		}
	}
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("%w: %d bytes after the last item of a record", ErrCorrupt, len(r.b))
	}
	return nil
}
