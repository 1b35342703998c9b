package ais

import "strconv"

// BaseStationReport is a base station report (type 4) or a UTC/date
// response (type 11); they share one layout.
type BaseStationReport struct {
	Header
	// UTC as transmitted: year 0, month 0, day 0, hour 24, minute 60 and
	// second 60 mean "not available". See Time.
	Year                 uint16
	Month, Day           uint8
	Hour, Minute, Second uint8
	Accuracy             bool
	Lon                  Lon
	Lat                  Lat
	EPFD                 EPFD
	RAIM                 bool
	Radio                uint32
}

func (m *BaseStationReport) decode(bb *bitbuf) error {
	if bb.n < 168 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.Year = uint16(bb.u(38, 14))
	m.Month = uint8(bb.u(52, 4))
	m.Day = uint8(bb.u(56, 5))
	m.Hour = uint8(bb.u(61, 5))
	m.Minute = uint8(bb.u(66, 6))
	m.Second = uint8(bb.u(72, 6))
	m.Accuracy = bb.bit(78)
	m.Lon = Lon(bb.s(79, 28))
	m.Lat = Lat(bb.s(107, 27))
	m.EPFD = EPFD(bb.u(134, 4))
	m.RAIM = bb.bit(148)
	m.Radio = uint32(bb.u(149, 19))
	return nil
}

// TimeValid reports whether every date and time field is in range, so that
// the report carries a usable UTC time.
func (m *BaseStationReport) TimeValid() bool {
	return m.Year > 0 && m.Month >= 1 && m.Month <= 12 && m.Day >= 1 && m.Day <= 31 &&
		m.Hour < 24 && m.Minute < 60 && m.Second < 60
}

// AppendJSON implements Message.
func (m *BaseStationReport) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = appendKey(b, "timestamp")
	b = append(b, '"')
	if d := digits(uint(m.Year)); d < 4 {
		b = append(b, "000"[:4-d]...)
	}
	b = strconv.AppendUint(b, uint64(m.Year), 10)
	b = append(b, '-')
	b = append2(b, uint(m.Month))
	b = append(b, '-')
	b = append2(b, uint(m.Day))
	b = append(b, 'T')
	b = append2(b, uint(m.Hour))
	b = append(b, ':')
	b = append2(b, uint(m.Minute))
	b = append(b, ':')
	b = append2(b, uint(m.Second))
	b = append(b, 'Z', '"')
	b = jBool(b, "accuracy", m.Accuracy)
	if opt.Scaled {
		b = jDeg6(b, "lon", int32(m.Lon))
		b = jDeg6(b, "lat", int32(m.Lat))
	} else {
		b = jInt(b, "lon", int64(m.Lon))
		b = jInt(b, "lat", int64(m.Lat))
	}
	b = jUint(b, "epfd", uint64(m.EPFD))
	b = jConst(b, "epfd_text", m.EPFD.String())
	b = jBool(b, "raim", m.RAIM)
	b = jUint(b, "radio", uint64(m.Radio))
	return append(b, '}')
}

// digits returns the number of decimal digits of v (at least 1).
func digits(v uint) int {
	n := 1
	for v >= 10 {
		v /= 10
		n++
	}
	return n
}

// StaticVoyage is ship static and voyage related data (type 5).
type StaticVoyage struct {
	Header
	AISVersion  uint8
	IMO         uint32 // 0: not available
	CallSign    Text
	ShipName    Text
	ShipType    ShipType
	Dim         Dimensions
	EPFD        EPFD
	ETA         ETA
	Draught     uint8 // maximum present static draught, 1/10 m; 0 n/a
	Destination Text
	DTE         uint8
}

// ETA is an estimated time of arrival as transmitted: month 0, day 0, hour
// 24 and minute 60 mean "not available".
type ETA struct {
	Month, Day, Hour, Minute uint8
}

func (m *StaticVoyage) decode(bb *bitbuf) error {
	// ITU-R M.1371 says 424 bits; many transmitters send 420 or 422, which
	// gpsd (and we) accept.
	if bb.n < 420 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.AISVersion = uint8(bb.u(38, 2))
	m.IMO = uint32(bb.u(40, 30))
	bb.text(&m.CallSign, 70, 7)
	bb.text(&m.ShipName, 112, 20)
	m.ShipType = ShipType(bb.u(232, 8))
	m.Dim = decodeDim(bb, 240)
	m.EPFD = EPFD(bb.u(270, 4))
	m.ETA = ETA{
		Month:  uint8(bb.u(274, 4)),
		Day:    uint8(bb.u(278, 5)),
		Hour:   uint8(bb.u(283, 5)),
		Minute: uint8(bb.u(288, 6)),
	}
	m.Draught = uint8(bb.u(294, 8))
	bb.text(&m.Destination, 302, 20)
	m.DTE = 0
	if bb.n >= 423 {
		m.DTE = uint8(bb.u(422, 1))
	}
	return nil
}

// AppendJSON implements Message.
func (m *StaticVoyage) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "imo", uint64(m.IMO))
	b = jUint(b, "ais_version", uint64(m.AISVersion))
	b = jText(b, "callsign", &m.CallSign)
	b = jText(b, "shipname", &m.ShipName)
	b = jUint(b, "shiptype", uint64(m.ShipType))
	b = jConst(b, "shiptype_text", m.ShipType.String())
	b = appendDim(b, m.Dim)
	b = jUint(b, "epfd", uint64(m.EPFD))
	b = jConst(b, "epfd_text", m.EPFD.String())
	b = appendMDHM(appendKey(b, "eta"), m.ETA.Month, m.ETA.Day, m.ETA.Hour, m.ETA.Minute)
	if opt.Scaled {
		b = jTenth(b, "draught", uint64(m.Draught))
	} else {
		b = jUint(b, "draught", uint64(m.Draught))
	}
	b = jText(b, "destination", &m.Destination)
	b = jUint(b, "dte", uint64(m.DTE))
	return append(b, '}')
}

// StaticDataReport is a Class B static data report (type 24), part A (the
// name) or part B (type, vendor, call sign, dimensions). Each part is its
// own message; joining them per MMSI is the caller's business.
type StaticDataReport struct {
	Header
	Part     uint8 // 0: part A, 1: part B
	ShipName Text  // part A
	// Part B:
	ShipType   ShipType
	VendorID   Text   // seven characters, as gpsd: the ITU-R M.1371-3 layout
	Model      uint8  // M.1371-4 unit model code (overlaps VendorID)
	Serial     uint32 // M.1371-4 serial number (overlaps VendorID)
	CallSign   Text
	Dim        Dimensions // when the MMSI is not an auxiliary craft (98XXXXXXX)
	MotherMMSI uint32     // for auxiliary craft
}

// Auxiliary reports whether the MMSI is an auxiliary craft's (98MIDXXXX),
// whose part B carries the mothership MMSI instead of dimensions.
func (m *StaticDataReport) Auxiliary() bool { return m.MMSI/10000000 == 98 }

func (m *StaticDataReport) decode(bb *bitbuf) error {
	m.Header.decode(bb)
	m.Part = uint8(bb.u(38, 2))
	switch m.Part {
	case 0:
		if bb.n < 160 {
			return ErrTooShort
		}
		if bb.n > 168 {
			return ErrTooLong
		}
		bb.text(&m.ShipName, 40, 20)
	case 1:
		if bb.n < 168 {
			return ErrTooShort
		}
		m.ShipName.n = 0
		m.ShipType = ShipType(bb.u(40, 8))
		bb.text(&m.VendorID, 48, 7)
		m.Model = uint8(bb.u(66, 4))
		m.Serial = uint32(bb.u(70, 20))
		bb.text(&m.CallSign, 90, 7)
		m.Dim, m.MotherMMSI = Dimensions{}, 0
		if m.Auxiliary() {
			m.MotherMMSI = uint32(bb.u(132, 30))
		} else {
			m.Dim = decodeDim(bb, 132)
		}
	default:
		return ErrUnsupportedType
	}
	return nil
}

// AppendJSON implements Message.
func (m *StaticDataReport) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	if m.Part == 0 {
		b = jRaw(b, "part", `"A"`)
		b = jText(b, "shipname", &m.ShipName)
		return append(b, '}')
	}
	b = jRaw(b, "part", `"B"`)
	b = jUint(b, "shiptype", uint64(m.ShipType))
	b = jConst(b, "shiptype_text", m.ShipType.String())
	b = jText(b, "vendorid", &m.VendorID)
	b = jUint(b, "model", uint64(m.Model))
	b = jUint(b, "serial", uint64(m.Serial))
	b = jText(b, "callsign", &m.CallSign)
	if m.Auxiliary() {
		b = jUint(b, "mothership_mmsi", uint64(m.MotherMMSI))
	} else {
		b = appendDim(b, m.Dim)
	}
	return append(b, '}')
}

// AidToNavigation is an aid-to-navigation report (type 21).
type AidToNavigation struct {
	Header
	AidType     uint8
	Name        Text // name and name extension joined
	Accuracy    bool
	Lon         Lon
	Lat         Lat
	Dim         Dimensions
	EPFD        EPFD
	Second      Second
	OffPosition bool
	Regional    uint8
	RAIM        bool
	Virtual     bool
	Assigned    bool
}

var aidTypeText = [32]string{
	"Unspecified",
	"Reference point",
	"RACON",
	"Fixed offshore structure",
	"Spare, Reserved for future use.",
	"Light, without sectors",
	"Light, with sectors",
	"Leading Light Front",
	"Leading Light Rear",
	"Beacon, Cardinal N",
	"Beacon, Cardinal E",
	"Beacon, Cardinal S",
	"Beacon, Cardinal W",
	"Beacon, Port hand",
	"Beacon, Starboard hand",
	"Beacon, Preferred Channel port hand",
	"Beacon, Preferred Channel starboard hand",
	"Beacon, Isolated danger",
	"Beacon, Safe water",
	"Beacon, Special mark",
	"Cardinal Mark N",
	"Cardinal Mark E",
	"Cardinal Mark S",
	"Cardinal Mark W",
	"Port hand Mark",
	"Starboard hand Mark",
	"Preferred Channel Port hand",
	"Preferred Channel Starboard hand",
	"Isolated danger",
	"Safe Water",
	"Special Mark",
	"Light Vessel / LANBY / Rigs",
}

// AidTypeText returns gpsd's legend for the aid type.
func (m *AidToNavigation) AidTypeText() string { return aidTypeText[m.AidType&31] }

func (m *AidToNavigation) decode(bb *bitbuf) error {
	if bb.n < 272 {
		return ErrTooShort
	}
	if bb.n > 368 {
		return ErrTooLong
	}
	m.Header.decode(bb)
	m.AidType = uint8(bb.u(38, 5))
	bb.textUntrimmed(&m.Name, 43, 20)
	m.Accuracy = bb.bit(163)
	m.Lon = Lon(bb.s(164, 28))
	m.Lat = Lat(bb.s(192, 27))
	m.Dim = decodeDim(bb, 219)
	m.EPFD = EPFD(bb.u(249, 4))
	m.Second = Second(bb.u(253, 6))
	m.OffPosition = bb.bit(259)
	m.Regional = uint8(bb.u(260, 8))
	m.RAIM = bb.bit(268)
	m.Virtual = bb.bit(269)
	m.Assigned = bb.bit(270)
	if m.Name.n == 20 && bb.n > 272 {
		// The name extension: gpsd reads whole characters up to the end
		// of the payload.
		bb.appendText(&m.Name, 272, (bb.n-272)/6)
	}
	m.Name.trim()
	return nil
}

// AppendJSON implements Message.
func (m *AidToNavigation) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "aid_type", uint64(m.AidType))
	b = jConst(b, "aid_type_text", m.AidTypeText())
	b = jText(b, "name", &m.Name)
	if opt.Scaled {
		b = jDeg6(b, "lon", int32(m.Lon))
		b = jDeg6(b, "lat", int32(m.Lat))
		b = jBool(b, "accuracy", m.Accuracy)
	} else {
		b = jBool(b, "accuracy", m.Accuracy)
		b = jInt(b, "lon", int64(m.Lon))
		b = jInt(b, "lat", int64(m.Lat))
	}
	b = appendDim(b, m.Dim)
	b = jUint(b, "epfd", uint64(m.EPFD))
	b = jConst(b, "epfd_text", m.EPFD.String())
	b = jUint(b, "second", uint64(m.Second))
	b = jUint(b, "regional", uint64(m.Regional))
	b = jBool(b, "off_position", m.OffPosition)
	b = jBool(b, "raim", m.RAIM)
	b = jBool(b, "virtual_aid", m.Virtual)
	return append(b, '}')
}
