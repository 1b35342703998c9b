package ais

import "strconv"

// This file holds the link-management and safety messages: acknowledgements
// (types 7 and 13), UTC inquiry (10), safety text (12 and 14), interrogation
// (15), assigned mode (16), data link management (20), channel management
// (22) and group assignment (23).
//
// Several of them carry a variable number of entries, told apart by the
// payload length only. Each such type keeps the number of entries that were
// transmitted whole in N. gpsd also reads an entry that the payload ends
// inside of (its missing bits read as the fill bits, then zero) and prints
// zeros for entries that are absent; to write the same JSON, such a
// truncated entry is kept after the first N entries, and absent entries are
// zero.

// checkLen returns the error for a payload of n bits outside [lo, hi],
// the accepted range of a message type (gpsd's RANGE_CHECK).
func checkLen(n, lo, hi int) error {
	if n < lo {
		return ErrTooShort
	}
	if n > hi {
		return ErrTooLong
	}
	return nil
}

// Ack acknowledges one addressed message (type 6 or 12).
type Ack struct {
	MMSI uint32 // source of the acknowledged message (30 bits)
	Seq  uint8  // its sequence number, 0-3
}

// BinaryAck is a binary acknowledge (type 7) or a safety related
// acknowledge (type 13); Header.Type tells which. It acknowledges one to
// four messages.
type BinaryAck struct {
	Header
	// N is the number of acknowledgements transmitted whole, 1 to 4.
	N int
	// Acks holds the acknowledgements; only Acks[:N] were transmitted.
	// Acks[N], if the payload ends inside it, holds the bits that were
	// transmitted (gpsd reports them); entries past that are zero.
	Acks [4]Ack
}

// Entries returns the acknowledgements transmitted whole. The slice aliases
// m.
func (m *BinaryAck) Entries() []Ack { return m.Acks[:m.N] }

func (m *BinaryAck) decode(bb *bitbuf) error {
	if err := checkLen(bb.n, 72, 168); err != nil {
		return err
	}
	m.Header.decode(bb)
	// Entry k occupies bits 40+32k to 71+32k: MMSI, then sequence number.
	// (gpsd 3.22 reads the sequence number two bits too far on, at
	// 72+32k, but does not print it.)
	m.N = (bb.n - 40) / 32
	for k := range m.Acks {
		at := 40 + 32*k
		if bb.n <= at {
			m.Acks[k] = Ack{}
			continue
		}
		m.Acks[k] = Ack{MMSI: uint32(bb.u(at, 30)), Seq: uint8(bb.u(at+30, 2))}
	}
	return nil
}

// AppendJSON implements Message. gpsd prints the four MMSIs (zero when
// absent) and no sequence numbers.
func (m *BinaryAck) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "mmsi1", uint64(m.Acks[0].MMSI))
	b = jUint(b, "mmsi2", uint64(m.Acks[1].MMSI))
	b = jUint(b, "mmsi3", uint64(m.Acks[2].MMSI))
	b = jUint(b, "mmsi4", uint64(m.Acks[3].MMSI))
	return append(b, '}')
}

// UTCInquiry is a UTC and date inquiry (type 10); the addressed station
// answers with a type 11 report.
type UTCInquiry struct {
	Header
	Dest uint32 // MMSI of the interrogated station
}

func (m *UTCInquiry) decode(bb *bitbuf) error {
	// ITU-R M.1371 says 72 bits; gpsd accepts longer payloads.
	if bb.n < 72 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.Dest = uint32(bb.u(40, 30))
	return nil
}

// AppendJSON implements Message.
func (m *UTCInquiry) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "dest_mmsi", uint64(m.Dest))
	return append(b, '}')
}

// AddressedSafety is an addressed safety related message (type 12): free
// text sent to one station.
type AddressedSafety struct {
	Header
	Seq        uint8  // sequence number, 0-3
	Dest       uint32 // MMSI of the destination station
	Retransmit bool   // the message was retransmitted
	// Text is read as whole six-bit characters up to the end of the
	// payload, ends at the first '@' and has trailing spaces trimmed.
	Text Text
}

func (m *AddressedSafety) decode(bb *bitbuf) error {
	if err := checkLen(bb.n, 72, 1008); err != nil {
		return err
	}
	m.Header.decode(bb)
	m.Seq = uint8(bb.u(38, 2))
	m.Dest = uint32(bb.u(40, 30))
	m.Retransmit = bb.bit(70)
	bb.text(&m.Text, 72, (bb.n-72)/6)
	return nil
}

// AppendJSON implements Message.
func (m *AddressedSafety) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "seqno", uint64(m.Seq))
	b = jUint(b, "dest_mmsi", uint64(m.Dest))
	b = jBool(b, "retransmit", m.Retransmit)
	b = jText(b, "text", &m.Text)
	return append(b, '}')
}

// BroadcastSafety is a safety related broadcast message (type 14).
type BroadcastSafety struct {
	Header
	// Text is read like AddressedSafety.Text.
	Text Text
}

func (m *BroadcastSafety) decode(bb *bitbuf) error {
	if err := checkLen(bb.n, 40, 1008); err != nil {
		return err
	}
	m.Header.decode(bb)
	bb.text(&m.Text, 40, (bb.n-40)/6)
	return nil
}

// AppendJSON implements Message.
func (m *BroadcastSafety) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jText(b, "text", &m.Text)
	return append(b, '}')
}

// InterrogationRequest asks one station for one message.
type InterrogationRequest struct {
	MMSI   uint32 // interrogated station
	Type   uint8  // requested message type
	Offset uint16 // slot offset of the response (12 bits)
}

// Interrogation is an interrogation (type 15). It carries one request (88
// bits), two requests to the same station (110 bits), or in addition a
// request to a second station (160 bits).
type Interrogation struct {
	Header
	// N is the number of requests transmitted whole, 1 to 3.
	N int
	// Requests holds the requests: the first two to the first station,
	// the third to the second. Only Requests[:N] were transmitted;
	// Requests[N] may hold a truncated request, as for BinaryAck.Acks.
	Requests [3]InterrogationRequest
}

// Entries returns the requests transmitted whole. The slice aliases m.
func (m *Interrogation) Entries() []InterrogationRequest { return m.Requests[:m.N] }

func (m *Interrogation) decode(bb *bitbuf) error {
	if err := checkLen(bb.n, 88, 168); err != nil {
		return err
	}
	m.Header.decode(bb)
	m.Requests = [3]InterrogationRequest{}
	m.N = 1
	first := uint32(bb.u(40, 30))
	m.Requests[0] = InterrogationRequest{MMSI: first, Type: uint8(bb.u(70, 6)), Offset: uint16(bb.u(76, 12))}
	// gpsd reads each further part once the payload goes past the spare
	// bits before it.
	if bb.n > 90 {
		m.Requests[1] = InterrogationRequest{MMSI: first, Type: uint8(bb.u(90, 6)), Offset: uint16(bb.u(96, 12))}
		if bb.n >= 108 {
			m.N = 2
		}
	}
	if bb.n > 110 {
		m.Requests[2] = InterrogationRequest{MMSI: uint32(bb.u(110, 30)), Type: uint8(bb.u(140, 6)), Offset: uint16(bb.u(146, 12))}
		if bb.n >= 158 {
			m.N = 3
		}
	}
	return nil
}

// AppendJSON implements Message. gpsd prints every field, zero when
// absent.
func (m *Interrogation) AppendJSON(b []byte, opt JSONOptions) []byte {
	r := &m.Requests
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "mmsi1", uint64(r[0].MMSI))
	b = jUint(b, "type1_1", uint64(r[0].Type))
	b = jUint(b, "offset1_1", uint64(r[0].Offset))
	b = jUint(b, "type1_2", uint64(r[1].Type))
	b = jUint(b, "offset1_2", uint64(r[1].Offset))
	b = jUint(b, "mmsi2", uint64(r[2].MMSI))
	b = jUint(b, "type2_1", uint64(r[2].Type))
	b = jUint(b, "offset2_1", uint64(r[2].Offset))
	return append(b, '}')
}

// Assignment assigns a station its reporting slots: it transmits at slot
// Offset and then every Increment slots.
type Assignment struct {
	MMSI      uint32 // assigned station
	Offset    uint16 // slot offset (12 bits)
	Increment uint16 // slot increment (10 bits); when 0, Offset is a number of reports per 10 minutes
}

// AssignedMode is an assigned mode command (type 16) for one station (96
// bits) or two (144 bits).
type AssignedMode struct {
	Header
	// N is the number of assignments transmitted, 1 or 2.
	N int
	// Assignments holds the assignments; Assignments[1] is zero when N is 1.
	Assignments [2]Assignment
}

// Entries returns the assignments transmitted. The slice aliases m.
func (m *AssignedMode) Entries() []Assignment { return m.Assignments[:m.N] }

func (m *AssignedMode) decode(bb *bitbuf) error {
	if err := checkLen(bb.n, 96, 168); err != nil {
		return err
	}
	m.Header.decode(bb)
	m.N = 1
	m.Assignments[0] = decodeAssignment(bb, 40)
	m.Assignments[1] = Assignment{}
	if bb.n >= 144 {
		m.N = 2
		m.Assignments[1] = decodeAssignment(bb, 92)
	}
	return nil
}

func decodeAssignment(bb *bitbuf, at int) Assignment {
	return Assignment{
		MMSI:      uint32(bb.u(at, 30)),
		Offset:    uint16(bb.u(at+30, 12)),
		Increment: uint16(bb.u(at+42, 10)),
	}
}

// AppendJSON implements Message. gpsd prints the second assignment as
// zeros when it is absent.
func (m *AssignedMode) AppendJSON(b []byte, opt JSONOptions) []byte {
	a := &m.Assignments
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "mmsi1", uint64(a[0].MMSI))
	b = jUint(b, "offset1", uint64(a[0].Offset))
	b = jUint(b, "increment1", uint64(a[0].Increment))
	b = jUint(b, "mmsi2", uint64(a[1].MMSI))
	b = jUint(b, "offset2", uint64(a[1].Offset))
	b = jUint(b, "increment2", uint64(a[1].Increment))
	return append(b, '}')
}

// Reservation reserves a block of slots for base stations: Number
// consecutive slots from slot Offset, repeated every Increment slots, for
// Timeout minutes.
type Reservation struct {
	Offset    uint16 // reserved offset number (12 bits)
	Number    uint8  // number of reserved consecutive slots, 1-15 (4 bits)
	Timeout   uint8  // time-out in minutes (3 bits)
	Increment uint16 // increment to repeat the reservation block (11 bits)
}

// DataLinkManagement is a data link management message (type 20): one to
// four slot reservations.
type DataLinkManagement struct {
	Header
	// N is the number of reservations transmitted whole, 1 to 4.
	N int
	// Reservations holds the reservations; only Reservations[:N] were
	// transmitted. gpsd reads all four whatever the length, so the others
	// hold what lies past the transmitted ones: a truncated reservation,
	// fill bits or zeros.
	Reservations [4]Reservation
}

// Entries returns the reservations transmitted whole. The slice aliases m.
func (m *DataLinkManagement) Entries() []Reservation { return m.Reservations[:m.N] }

func (m *DataLinkManagement) decode(bb *bitbuf) error {
	// ITU-R M.1371 allows 72 to 160 bits; gpsd accepts up to 186.
	if err := checkLen(bb.n, 72, 186); err != nil {
		return err
	}
	m.Header.decode(bb)
	m.N = min((bb.n-40)/30, 4)
	for k := range m.Reservations {
		at := 40 + 30*k
		m.Reservations[k] = Reservation{
			Offset:    uint16(bb.u(at, 12)),
			Number:    uint8(bb.u(at+12, 4)),
			Timeout:   uint8(bb.u(at+16, 3)),
			Increment: uint16(bb.u(at+19, 11)),
		}
	}
	return nil
}

// AppendJSON implements Message.
func (m *DataLinkManagement) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	for k := range m.Reservations {
		r := &m.Reservations[k]
		b = jUint(b, reservationKeys[k][0], uint64(r.Offset))
		b = jUint(b, reservationKeys[k][1], uint64(r.Number))
		b = jUint(b, reservationKeys[k][2], uint64(r.Timeout))
		b = jUint(b, reservationKeys[k][3], uint64(r.Increment))
	}
	return append(b, '}')
}

var reservationKeys = [4][4]string{
	{"offset1", "number1", "timeout1", "increment1"},
	{"offset2", "number2", "timeout2", "increment2"},
	{"offset3", "number3", "timeout3", "increment3"},
	{"offset4", "number4", "timeout4", "increment4"},
}

// Area is a rectangle given by its north-east and south-west corners (types
// 22 and 23). Each coordinate says itself whether it is available.
type Area struct {
	NELon Lon10
	NELat Lat10
	SWLon Lon10
	SWLat Lat10
}

func decodeArea(bb *bitbuf, at int) Area {
	return Area{
		NELon: Lon10(bb.s(at, 18)),
		NELat: Lat10(bb.s(at+18, 17)),
		SWLon: Lon10(bb.s(at+35, 18)),
		SWLat: Lat10(bb.s(at+53, 17)),
	}
}

// appendArea writes the corners as gpsd does: raw integers, or scaled
// degrees as strings with six decimals.
func appendArea(b []byte, a *Area, opt JSONOptions) []byte {
	if !opt.Scaled {
		b = jInt(b, "ne_lon", int64(a.NELon))
		b = jInt(b, "ne_lat", int64(a.NELat))
		b = jInt(b, "sw_lon", int64(a.SWLon))
		return jInt(b, "sw_lat", int64(a.SWLat))
	}
	b = jDegrees10(b, "ne_lon", int32(a.NELon))
	b = jDegrees10(b, "ne_lat", int32(a.NELat))
	b = jDegrees10(b, "sw_lon", int32(a.SWLon))
	return jDegrees10(b, "sw_lat", int32(a.SWLat))
}

// jDegrees10 writes a coordinate in 1/10 minute as a quoted number of
// degrees with six decimals, like gpsd's "\"%f\"".
func jDegrees10(b []byte, key string, v int32) []byte {
	b = append(appendKey(b, key), '"')
	b = strconv.AppendFloat(b, float64(v)/600, 'f', 6, 64)
	return append(b, '"')
}

// ChannelManagement is a channel management message (type 22), sent by base
// stations to set the channels and transceiver modes either of the stations
// in an area (broadcast) or of two addressed stations.
type ChannelManagement struct {
	Header
	ChannelA uint16 // channel number of AIS 1 (ITU-R M.1084, 12 bits)
	ChannelB uint16 // channel number of AIS 2
	TxRx     uint8  // transmit/receive mode (4 bits)
	LowPower bool   // the power bit: false high power (the default), true low
	// Addressed selects the form: Dest is set when true, Area when false;
	// the other one is zero.
	Addressed bool
	Area      Area      // region the command applies to (broadcast)
	Dest      [2]uint32 // addressed stations' MMSIs
	BandA     bool      // true: 12.5 kHz bandwidth on channel A
	BandB     bool      // true: 12.5 kHz bandwidth on channel B
	ZoneSize  uint8     // transitional zone size: 0-7 for 1-8 nautical miles
}

// Region returns the area of a broadcast command, and false for an
// addressed one.
func (m *ChannelManagement) Region() (Area, bool) { return m.Area, !m.Addressed }

// Stations returns the MMSIs of an addressed command, and false for a
// broadcast one.
func (m *ChannelManagement) Stations() ([2]uint32, bool) { return m.Dest, m.Addressed }

func (m *ChannelManagement) decode(bb *bitbuf) error {
	// ITU-R M.1371 says 168 bits; gpsd accepts longer payloads.
	if bb.n < 168 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.ChannelA = uint16(bb.u(40, 12))
	m.ChannelB = uint16(bb.u(52, 12))
	m.TxRx = uint8(bb.u(64, 4))
	m.LowPower = bb.bit(68)
	m.Addressed = bb.bit(139)
	m.Area, m.Dest = Area{}, [2]uint32{}
	if m.Addressed {
		m.Dest = [2]uint32{uint32(bb.u(69, 30)), uint32(bb.u(104, 30))}
	} else {
		m.Area = decodeArea(bb, 69)
	}
	m.BandA = bb.bit(140)
	m.BandB = bb.bit(141)
	m.ZoneSize = uint8(bb.u(142, 3))
	return nil
}

// AppendJSON implements Message.
func (m *ChannelManagement) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "channel_a", uint64(m.ChannelA))
	b = jUint(b, "channel_b", uint64(m.ChannelB))
	b = jUint(b, "txrx", uint64(m.TxRx))
	b = jBool(b, "power", m.LowPower)
	if m.Addressed {
		b = jUint(b, "dest1", uint64(m.Dest[0]))
		b = jUint(b, "dest2", uint64(m.Dest[1]))
	} else {
		b = appendArea(b, &m.Area, opt)
	}
	b = jBool(b, "addressed", m.Addressed)
	b = jBool(b, "band_a", m.BandA)
	b = jBool(b, "band_b", m.BandB)
	b = jUint(b, "zonesize", uint64(m.ZoneSize))
	return append(b, '}')
}

// StationType selects the stations a group assignment applies to (ITU-R
// M.1371 table 75).
type StationType uint8

var stationTypeText = [16]string{
	"All types of mobiles",
	"Reserved for future use",
	"All types of Class B mobile stations",
	"SAR airborne mobile station",
	"Aid to Navigation station",
	"Class B shipborne mobile station",
	"Regional use and inland waterways",
	"Regional use and inland waterways",
	"Regional use and inland waterways",
	"Regional use and inland waterways",
	"Reserved for future use",
	"Reserved for future use",
	"Reserved for future use",
	"Reserved for future use",
	"Reserved for future use",
	"Reserved for future use",
}

// String returns gpsd's legend for the station type.
func (t StationType) String() string {
	if int(t) < len(stationTypeText) {
		return stationTypeText[t]
	}
	return "INVALID STATION TYPE"
}

// GroupAssignment is a group assignment command (type 23): the stations of
// a type and ship type in an area are told how often to report.
type GroupAssignment struct {
	Header
	Area        Area
	StationType StationType
	ShipType    ShipType // 0: all ship types
	TxRx        uint8    // transmit/receive mode (2 bits)
	Interval    uint8    // reporting interval code (4 bits, ITU-R M.1371 table 77)
	Quiet       uint8    // quiet time in minutes, 0 for none (4 bits)
}

func (m *GroupAssignment) decode(bb *bitbuf) error {
	// ITU-R M.1371 says 160 bits; gpsd accepts longer payloads.
	if bb.n < 160 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.Area = decodeArea(bb, 40)
	m.StationType = StationType(bb.u(110, 4))
	m.ShipType = ShipType(bb.u(114, 8))
	m.TxRx = uint8(bb.u(144, 2)) // gpsd reads 4 bits here, and does not print them
	m.Interval = uint8(bb.u(146, 4))
	m.Quiet = uint8(bb.u(150, 4))
	return nil
}

// AppendJSON implements Message. gpsd does not print TxRx.
func (m *GroupAssignment) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = appendArea(b, &m.Area, opt)
	b = jUint(b, "stationtype", uint64(m.StationType))
	b = jStr(b, "stationtype_text", m.StationType.String())
	b = jUint(b, "shiptype", uint64(m.ShipType))
	b = jStr(b, "shiptype_text", m.ShipType.String())
	b = jUint(b, "interval", uint64(m.Interval))
	b = jUint(b, "quiet", uint64(m.Quiet))
	return append(b, '}')
}
