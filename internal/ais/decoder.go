package ais

import (
	"errors"
	"fmt"
)

// Errors returned by Decode, wrapped in a *DecodeError. Callers branch with
// errors.Is.
var (
	ErrEmpty           = errors.New("ais: empty payload")
	ErrTooShort        = errors.New("ais: payload too short for its message type")
	ErrTooLong         = errors.New("ais: payload too long")
	ErrCharacter       = errors.New("ais: payload character outside the armour alphabet")
	ErrFillBits        = errors.New("ais: fill bits out of range")
	ErrUnsupportedType = errors.New("ais: undefined message type")
)

// DecodeError describes a payload that could not be decoded.
type DecodeError struct {
	Type   int // message type from the first six bits, or -1 if unknown
	Bits   int // payload length in bits, after fill bits
	Offset int // index of the offending character for ErrCharacter, else -1
	Err    error
}

func (e *DecodeError) Error() string {
	switch {
	case e.Offset >= 0:
		return fmt.Sprintf("%v at character %d", e.Err, e.Offset)
	case e.Type >= 0:
		return fmt.Sprintf("%v (type %d, %d bits)", e.Err, e.Type, e.Bits)
	}
	return e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// JSONOptions select the JSON presentation.
type JSONOptions struct {
	// Scaled selects gpsd's scaled presentation (degrees, knots, legends
	// such as "nan"); the zero value prints raw field values like
	// gpsdecode -u.
	Scaled bool
}

// Message is a decoded AIS message. The concrete types are pointers to the
// message structs of this package (*PositionReport, *StaticVoyage, ...).
type Message interface {
	// Head returns the type, repeat indicator and MMSI.
	Head() *Header
	// AppendJSON appends the message as one gpsd-compatible JSON object
	// (keys in gpsd's order, no trailing newline) and returns the result.
	AppendJSON(dst []byte, opt JSONOptions) []byte
}

// Decoder decodes armoured AIS payloads. The zero value is ready to use. It
// owns one value per message type and returns pointers to them, so a
// returned Message is valid only until the next call to Decode. A Decoder
// is not safe for concurrent use.
type Decoder struct {
	bb bitbuf

	pos  PositionReport
	base BaseStationReport
	sv   StaticVoyage
	t6   AddressedBinary
	t7   BinaryAck
	t8   BroadcastBinary
	sar  SARPosition
	t10  UTCInquiry
	t12  AddressedSafety
	t14  BroadcastSafety
	t15  Interrogation
	t16  AssignedMode
	t17  DGNSS
	cb   ClassBPosition
	cbx  ExtClassBPosition
	t20  DataLinkManagement
	aton AidToNavigation
	t22  ChannelManagement
	t23  GroupAssignment
	t24  StaticDataReport
	t25  SingleSlotBinary
	t26  MultiSlotBinary
	long LongRangePosition
}

// Decode decodes one complete armoured payload (all fragments concatenated)
// with the fill-bit count of its last fragment.
func (d *Decoder) Decode(payload []byte, fill int) (Message, error) {
	if len(payload) == 0 {
		return nil, &DecodeError{Type: -1, Offset: -1, Err: ErrEmpty}
	}
	if fill < 0 || fill > 5 {
		return nil, &DecodeError{Type: -1, Offset: -1, Err: ErrFillBits}
	}
	if len(payload) > MaxPayloadChars {
		return nil, &DecodeError{Type: -1, Bits: len(payload) * 6, Offset: -1, Err: ErrTooLong}
	}
	bb := &d.bb
	if off := bb.load(payload, fill); off >= 0 {
		return nil, &DecodeError{Type: -1, Offset: off, Err: ErrCharacter}
	}
	var m Message
	var err error
	switch t := bb.u(0, 6); t {
	case 1, 2, 3:
		m, err = &d.pos, d.pos.decode(bb)
	case 4, 11:
		m, err = &d.base, d.base.decode(bb)
	case 5:
		m, err = &d.sv, d.sv.decode(bb)
	case 6:
		m, err = &d.t6, d.t6.decode(bb)
	case 7, 13:
		m, err = &d.t7, d.t7.decode(bb)
	case 8:
		m, err = &d.t8, d.t8.decode(bb)
	case 9:
		m, err = &d.sar, d.sar.decode(bb)
	case 10:
		m, err = &d.t10, d.t10.decode(bb)
	case 12:
		m, err = &d.t12, d.t12.decode(bb)
	case 14:
		m, err = &d.t14, d.t14.decode(bb)
	case 15:
		m, err = &d.t15, d.t15.decode(bb)
	case 16:
		m, err = &d.t16, d.t16.decode(bb)
	case 17:
		m, err = &d.t17, d.t17.decode(bb)
	case 18:
		m, err = &d.cb, d.cb.decode(bb)
	case 19:
		m, err = &d.cbx, d.cbx.decode(bb)
	case 20:
		m, err = &d.t20, d.t20.decode(bb)
	case 21:
		m, err = &d.aton, d.aton.decode(bb)
	case 22:
		m, err = &d.t22, d.t22.decode(bb)
	case 23:
		m, err = &d.t23, d.t23.decode(bb)
	case 24:
		m, err = &d.t24, d.t24.decode(bb)
	case 25:
		m, err = &d.t25, d.t25.decode(bb)
	case 26:
		m, err = &d.t26, d.t26.decode(bb)
	case 27:
		m, err = &d.long, d.long.decode(bb)
	default:
		return nil, &DecodeError{Type: int(t), Bits: bb.n, Offset: -1, Err: ErrUnsupportedType}
	}
	if err != nil {
		return nil, &DecodeError{Type: int(bb.u(0, 6)), Bits: bb.n, Offset: -1, Err: err}
	}
	return m, nil
}
