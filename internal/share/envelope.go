package share

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/identity"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Kind is what an envelope carries.
type Kind uint8

// The kinds of item exchanged between nodes.
const (
	KindPosition Kind = 1 + iota
	KindStatic
	KindEvent
	KindIncident
)

func (k Kind) String() string {
	switch k {
	case KindPosition:
		return "position"
	case KindStatic:
		return "static"
	case KindEvent:
		return "event"
	case KindIncident:
		return "incident"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Envelope is one item sent to a partner: what it is, the node that first
// produced it, and how many links it has crossed. Exactly one of the
// payload fields is set, as Kind says.
type Envelope struct {
	Kind     Kind
	Origin   string // the node that produced the item
	Hops     int    // links crossed before this one (0 from the origin)
	Position vessel.Position
	Static   vessel.Static
	Event    event.Event
	Incident incident.Incident
}

// Key names the item for the audit log: "MMSI@time" for a position or
// static report (time in RFC 3339, to the millisecond when it has them),
// the event ID, or the incident ID.
func (e *Envelope) Key() string {
	switch e.Kind {
	case KindPosition:
		return fmt.Sprintf("%d@%s", uint32(e.Position.MMSI), e.Position.Time)
	case KindStatic:
		return fmt.Sprintf("%d@%s", uint32(e.Static.MMSI), e.Static.Time)
	case KindEvent:
		return e.Event.ID
	case KindIncident:
		return e.Incident.ID
	}
	return ""
}

// The envelope format, version 1. All integers are little endian;
// "uvarint" and "varint" are encoding/binary's; a string is a uvarint
// length and that many bytes of UTF-8.
//
//	envelope := version:u8 (1) kind:u8 hops:u8 origin:string body
//	position := mmsi:u32 time:varint(ms) lat:f64 lon:f64 sog:u16 cog:u16
//	            heading:u16 status:u8 flags:u16
//	static   := mmsi:u32 time:varint has:u16 name:string callsign:string
//	            imo:u32 shiptype:u8 destination:string eta:string
//	            bow:u16 stern:u16 port:u16 starboard:u16 draught:u16
//	event    := the event's JSON (event.Event.MarshalJSON)
//	incident := the incident's JSON (incident.Incident.MarshalJSON)
//
// The receiver names (Source) of positions and static data are not sent:
// which sensors a node has is its own business. Positions, the bulk of
// the traffic, are binary; events and incidents are rare and use their
// JSON form.
const (
	envelopeVersion = 1
	// MaxEnvelope bounds an encoded envelope.
	MaxEnvelope = 1 << 20
	maxString   = 256 // static data strings, origin names
	maxHops     = 255
)

// ErrEnvelope: an envelope could not be decoded.
var ErrEnvelope = errors.New("share: bad envelope")

// AppendEnvelope appends e's encoding to dst.
func AppendEnvelope(dst []byte, e *Envelope) ([]byte, error) {
	if e.Hops < 0 || e.Hops > maxHops {
		return dst, fmt.Errorf("%w: hops %d", ErrEnvelope, e.Hops)
	}
	if len(e.Origin) > maxString {
		return dst, fmt.Errorf("%w: origin too long", ErrEnvelope)
	}
	dst = append(dst, envelopeVersion, byte(e.Kind), byte(e.Hops))
	dst = appendString(dst, e.Origin)
	switch e.Kind {
	case KindPosition:
		p := &e.Position
		dst = binary.LittleEndian.AppendUint32(dst, uint32(p.MMSI))
		dst = binary.AppendVarint(dst, int64(p.Time))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.Lat))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.Lon))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(p.SOG))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(p.COG))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(p.Heading))
		dst = append(dst, byte(p.Status))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(p.Flags))
	case KindStatic:
		s := &e.Static
		dst = binary.LittleEndian.AppendUint32(dst, uint32(s.MMSI))
		dst = binary.AppendVarint(dst, int64(s.Time))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(s.Has))
		dst = appendString(dst, clip(s.Name))
		dst = appendString(dst, clip(s.CallSign))
		dst = binary.LittleEndian.AppendUint32(dst, s.IMO)
		dst = append(dst, s.ShipType)
		dst = appendString(dst, clip(s.Destination))
		dst = appendString(dst, clip(s.ETA))
		for _, v := range []uint16{s.ToBow, s.ToStern, s.ToPort, s.ToStarboard, s.Draught} {
			dst = binary.LittleEndian.AppendUint16(dst, v)
		}
	case KindEvent:
		b, err := json.Marshal(e.Event)
		if err != nil {
			return dst, fmt.Errorf("%w: %w", ErrEnvelope, err)
		}
		dst = append(dst, b...)
	case KindIncident:
		b, err := json.Marshal(&e.Incident)
		if err != nil {
			return dst, fmt.Errorf("%w: %w", ErrEnvelope, err)
		}
		dst = append(dst, b...)
	default:
		return dst, fmt.Errorf("%w: kind %d", ErrEnvelope, e.Kind)
	}
	if len(dst) > MaxEnvelope {
		return dst, fmt.Errorf("%w: %d bytes, over %d", ErrEnvelope, len(dst), MaxEnvelope)
	}
	return dst, nil
}

func clip(s string) string {
	if len(s) <= maxString {
		return s
	}
	s = s[:maxString]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decoder reads an envelope with a sticky error.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrEnvelope, what, d.off)
	}
}

func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if len(d.b)-d.off < n {
		d.fail("truncated")
		return false
	}
	return true
}

func (d *decoder) u8() uint8 {
	if !d.need(1) {
		return 0
	}
	d.off++
	return d.b[d.off-1]
}

func (d *decoder) u16() uint16 {
	if !d.need(2) {
		return 0
	}
	d.off += 2
	return binary.LittleEndian.Uint16(d.b[d.off-2:])
}

func (d *decoder) u32() uint32 {
	if !d.need(4) {
		return 0
	}
	d.off += 4
	return binary.LittleEndian.Uint32(d.b[d.off-4:])
}

func (d *decoder) f64() float64 {
	if !d.need(8) {
		return 0
	}
	d.off += 8
	return math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off-8:]))
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) str() string {
	if d.err != nil {
		return ""
	}
	n, k := binary.Uvarint(d.b[d.off:])
	if k <= 0 || n > maxString {
		d.fail("bad string length")
		return ""
	}
	d.off += k
	if !d.need(int(n)) {
		return ""
	}
	s := string(d.b[d.off : d.off+int(n)])
	d.off += int(n)
	if !utf8.ValidString(s) {
		d.fail("string is not UTF-8")
		return ""
	}
	return s
}

// DecodeEnvelope decodes one envelope. The data comes from a partner and
// is untrusted: every length is bounded, every value checked for range,
// and anything else is an ErrEnvelope naming the byte.
func DecodeEnvelope(b []byte) (Envelope, error) {
	var e Envelope
	if len(b) > MaxEnvelope {
		return e, fmt.Errorf("%w: %d bytes, over %d", ErrEnvelope, len(b), MaxEnvelope)
	}
	d := &decoder{b: b}
	if v := d.u8(); d.err == nil && v != envelopeVersion {
		return e, fmt.Errorf("%w: version %d (this node reads %d)", ErrEnvelope, v, envelopeVersion)
	}
	e.Kind = Kind(d.u8())
	e.Hops = int(d.u8())
	e.Origin = d.str()
	if d.err == nil && !identity.ValidName(e.Origin) {
		return e, fmt.Errorf("%w: origin %q is not a node name", ErrEnvelope, e.Origin)
	}
	switch e.Kind {
	case KindPosition:
		p := &e.Position
		p.MMSI = vessel.MMSI(d.u32())
		p.Time = vessel.Time(d.varint())
		p.Lat, p.Lon = d.f64(), d.f64()
		p.SOG = vessel.Speed(d.u16())
		p.COG = vessel.Course(d.u16())
		p.Heading = vessel.Heading(d.u16())
		p.Status = vessel.NavStatus(d.u8())
		p.Flags = vessel.Flags(d.u16())
		if d.err == nil {
			switch {
			case !(p.Lat >= -90 && p.Lat <= 90) || !(p.Lon >= -180 && p.Lon <= 180):
				d.fail("position out of range")
			case p.SOG > vessel.NoSpeed || p.COG > vessel.NoCourse || p.Heading > vessel.NoHeading || p.Status > vessel.NoStatus:
				d.fail("speed, course, heading or status out of range")
			case p.Time <= 0:
				d.fail("time before 1970")
			}
		}
	case KindStatic:
		s := &e.Static
		s.MMSI = vessel.MMSI(d.u32())
		s.Time = vessel.Time(d.varint())
		s.Has = vessel.StaticFields(d.u16())
		s.Name = d.str()
		s.CallSign = d.str()
		s.IMO = d.u32()
		s.ShipType = d.u8()
		s.Destination = d.str()
		s.ETA = d.str()
		s.ToBow, s.ToStern, s.ToPort, s.ToStarboard, s.Draught = d.u16(), d.u16(), d.u16(), d.u16(), d.u16()
		if d.err == nil && s.Time <= 0 {
			d.fail("time before 1970")
		}
	case KindEvent:
		if d.err == nil {
			if err := json.Unmarshal(b[d.off:], &e.Event); err != nil {
				return e, fmt.Errorf("%w: event: %w", ErrEnvelope, err)
			}
			d.off = len(b)
		}
	case KindIncident:
		if d.err == nil {
			if err := json.Unmarshal(b[d.off:], &e.Incident); err != nil {
				return e, fmt.Errorf("%w: incident: %w", ErrEnvelope, err)
			}
			if err := e.Incident.Validate(); err != nil {
				return e, fmt.Errorf("%w: incident: %w", ErrEnvelope, err)
			}
			d.off = len(b)
		}
	default:
		d.fail(fmt.Sprintf("unknown kind %d", e.Kind))
	}
	if d.err != nil {
		return e, d.err
	}
	if d.off != len(b) {
		return e, fmt.Errorf("%w: %d bytes after the item", ErrEnvelope, len(b)-d.off)
	}
	return e, nil
}
