package ais

import (
	"math"
	"strconv"
)

// PositionReport is a Class A position report (types 1, 2 and 3).
type PositionReport struct {
	Header
	Status   NavStatus
	Turn     Turn
	Speed    Speed
	Accuracy bool // true: position accuracy better than 10 m
	Lon      Lon
	Lat      Lat
	Course   Course
	Heading  Heading
	Second   Second
	Maneuver uint8 // special manoeuvre indicator: 0 n/a, 1 none, 2 special
	RAIM     bool
	Radio    uint32 // communication state (19 bits)
}

func (m *PositionReport) decode(bb *bitbuf) error {
	// ITU-R M.1371 says 168 bits; gpsd (and real transmitters) accept 163.
	if bb.n < 163 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.Status = NavStatus(bb.u(38, 4))
	m.Turn = Turn(bb.s(42, 8))
	m.Speed = Speed(bb.u(50, 10))
	m.Accuracy = bb.bit(60)
	m.Lon = Lon(bb.s(61, 28))
	m.Lat = Lat(bb.s(89, 27))
	m.Course = Course(bb.u(116, 12))
	m.Heading = Heading(bb.u(128, 9))
	m.Second = Second(bb.u(137, 6))
	m.Maneuver = uint8(bb.u(143, 2))
	m.RAIM = bb.bit(148)
	if bb.n >= 168 {
		m.Radio = uint32(bb.u(149, 19))
	} else {
		m.Radio = uint32(bb.u(149, bb.n-149))
	}
	return nil
}

// AppendJSON implements Message.
func (m *PositionReport) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = append(b, statusJSON[m.Status&15]...)
	if opt.Scaled {
		b = append(b, scaledTurnJSON[uint8(m.Turn)]...)
		b = appendKnots(b, m.Speed)
		b = jBool(b, "accuracy", m.Accuracy)
		b = jDeg6(b, "lon", int32(m.Lon))
		b = jDeg6(b, "lat", int32(m.Lat))
		b = jTenth(b, "course", uint64(m.Course))
	} else {
		b = jInt(b, "turn", int64(m.Turn))
		b = jUint(b, "speed", uint64(m.Speed))
		b = jBool(b, "accuracy", m.Accuracy)
		b = jInt(b, "lon", int64(m.Lon))
		b = jInt(b, "lat", int64(m.Lat))
		b = jUint(b, "course", uint64(m.Course))
	}
	b = jUint(b, "heading", uint64(m.Heading))
	b = jUint(b, "second", uint64(m.Second))
	b = jUint(b, "maneuver", uint64(m.Maneuver))
	b = jBool(b, "raim", m.RAIM)
	b = jUint(b, "radio", uint64(m.Radio))
	return append(b, '}')
}

// statusJSON holds `,"status":N,"status_text":"..."` for every status.
var statusJSON = func() (t [16]string) {
	for i := range t {
		t[i] = `,"status":` + strconv.Itoa(i) + `,"status_text":"` + navStatusText[i] + `"`
	}
	return t
}()

// scaledTurnJSON holds the scaled `,"turn":...` member for every raw rate
// of turn, indexed by its byte: "nan", "fastleft", "fastright", or the
// rate in degrees per minute rounded like C's "%.0f" (to nearest, ties to
// even). gpsd 3.22 prints the square without the sign; we keep the sign
// (ITU-R M.1371: negative is a turn to port), and never print "-0".
var scaledTurnJSON = func() (t [256]string) {
	for i := range t {
		switch raw := Turn(int8(uint8(i))); raw {
		case -128:
			t[i] = `,"turn":"nan"`
		case -127:
			t[i] = `,"turn":"fastleft"`
		case 127:
			t[i] = `,"turn":"fastright"`
		default:
			r, _ := raw.DegreesPerMinute()
			t[i] = `,"turn":` + strconv.FormatInt(int64(math.RoundToEven(r)), 10)
		}
	}
	return t
}()

// appendKnots writes the scaled Class A speed: "nan", "fast" or knots.
func appendKnots(b []byte, s Speed) []byte {
	switch s {
	case 1023:
		return jRaw(b, "speed", `"nan"`)
	case 1022:
		return jRaw(b, "speed", `"fast"`)
	}
	return jTenth(b, "speed", uint64(s))
}

// SARPosition is a standard SAR aircraft position report (type 9).
type SARPosition struct {
	Header
	Altitude Altitude
	Speed    SARSpeed
	Accuracy bool
	Lon      Lon
	Lat      Lat
	Course   Course
	Second   Second
	Regional uint8
	DTE      uint8 // 0: data terminal ready
	Assigned bool
	RAIM     bool
	Radio    uint32 // 20 bits
}

// Altitude is a GNSS altitude in metres (type 9); 4095 is "not available"
// and 4094 means 4094 m or higher.
type Altitude uint16

// Metres returns the altitude, and false if not available.
func (a Altitude) Metres() (int, bool) { return int(a), a != 4095 }

// SARSpeed is a type 9 speed over ground in whole knots; 1023 is "not
// available" and 1022 means 1022 knots or more.
type SARSpeed uint16

// Knots returns the speed, and false if not available.
func (s SARSpeed) Knots() (int, bool) { return int(s), s != 1023 }

func (m *SARPosition) decode(bb *bitbuf) error {
	if bb.n < 168 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.Altitude = Altitude(bb.u(38, 12))
	m.Speed = SARSpeed(bb.u(50, 10))
	m.Accuracy = bb.bit(60)
	m.Lon = Lon(bb.s(61, 28))
	m.Lat = Lat(bb.s(89, 27))
	m.Course = Course(bb.u(116, 12))
	m.Second = Second(bb.u(128, 6))
	m.Regional = uint8(bb.u(134, 8))
	m.DTE = uint8(bb.u(142, 1))
	m.Assigned = bb.bit(146)
	m.RAIM = bb.bit(147)
	m.Radio = uint32(bb.u(148, 20))
	return nil
}

// AppendJSON implements Message.
func (m *SARPosition) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	if opt.Scaled {
		switch m.Altitude {
		case 4095:
			b = jRaw(b, "alt", `"nan"`)
		case 4094:
			b = jRaw(b, "alt", `"high"`)
		default:
			b = jUint(b, "alt", uint64(m.Altitude))
		}
		switch m.Speed {
		case 1023:
			b = jRaw(b, "speed", `"nan"`)
		case 1022:
			b = jRaw(b, "speed", `"fast"`)
		default:
			b = jUint(b, "speed", uint64(m.Speed))
		}
		b = jBool(b, "accuracy", m.Accuracy)
		b = jDeg6(b, "lon", int32(m.Lon))
		b = jDeg6(b, "lat", int32(m.Lat))
		b = jTenth(b, "course", uint64(m.Course))
	} else {
		b = jUint(b, "alt", uint64(m.Altitude))
		b = jUint(b, "speed", uint64(m.Speed))
		b = jBool(b, "accuracy", m.Accuracy)
		b = jInt(b, "lon", int64(m.Lon))
		b = jInt(b, "lat", int64(m.Lat))
		b = jUint(b, "course", uint64(m.Course))
	}
	b = jUint(b, "second", uint64(m.Second))
	b = jUint(b, "regional", uint64(m.Regional))
	b = jUint(b, "dte", uint64(m.DTE))
	b = jBool(b, "raim", m.RAIM)
	b = jUint(b, "radio", uint64(m.Radio))
	return append(b, '}')
}

// ClassBPosition is a standard Class B CS position report (type 18).
type ClassBPosition struct {
	Header
	Reserved uint8 // regional reserved bits 38-45
	Speed    Speed
	Accuracy bool
	Lon      Lon
	Lat      Lat
	Course   Course
	Heading  Heading
	Second   Second
	Regional uint8
	CS       bool // carrier-sense unit
	Display  bool
	DSC      bool
	Band     bool
	Msg22    bool
	Assigned bool
	RAIM     bool
	Radio    uint32 // 20 bits
}

func (m *ClassBPosition) decode(bb *bitbuf) error {
	if bb.n < 168 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.Reserved = uint8(bb.u(38, 8))
	m.Speed = Speed(bb.u(46, 10))
	m.Accuracy = bb.bit(56)
	m.Lon = Lon(bb.s(57, 28))
	m.Lat = Lat(bb.s(85, 27))
	m.Course = Course(bb.u(112, 12))
	m.Heading = Heading(bb.u(124, 9))
	m.Second = Second(bb.u(133, 6))
	m.Regional = uint8(bb.u(139, 2))
	m.CS = bb.bit(141)
	m.Display = bb.bit(142)
	m.DSC = bb.bit(143)
	m.Band = bb.bit(144)
	m.Msg22 = bb.bit(145)
	m.Assigned = bb.bit(146)
	m.RAIM = bb.bit(147)
	m.Radio = uint32(bb.u(148, 20))
	return nil
}

// AppendJSON implements Message.
func (m *ClassBPosition) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "reserved", uint64(m.Reserved))
	b = appendMotion(b, m.Speed, m.Accuracy, m.Lon, m.Lat, m.Course, opt)
	b = jUint(b, "heading", uint64(m.Heading))
	b = jUint(b, "second", uint64(m.Second))
	b = jUint(b, "regional", uint64(m.Regional))
	b = jBool(b, "cs", m.CS)
	b = jBool(b, "display", m.Display)
	b = jBool(b, "dsc", m.DSC)
	b = jBool(b, "band", m.Band)
	b = jBool(b, "msg22", m.Msg22)
	b = jBool(b, "raim", m.RAIM)
	b = jUint(b, "radio", uint64(m.Radio))
	return append(b, '}')
}

// appendMotion writes speed, accuracy, lon, lat and course as gpsd does for
// the Class B reports (scaled speed is always a number there).
func appendMotion(b []byte, s Speed, acc bool, lon Lon, lat Lat, c Course, opt JSONOptions) []byte {
	if opt.Scaled {
		b = jTenth(b, "speed", uint64(s))
		b = jBool(b, "accuracy", acc)
		b = jDeg6(b, "lon", int32(lon))
		b = jDeg6(b, "lat", int32(lat))
		return jTenth(b, "course", uint64(c))
	}
	b = jUint(b, "speed", uint64(s))
	b = jBool(b, "accuracy", acc)
	b = jInt(b, "lon", int64(lon))
	b = jInt(b, "lat", int64(lat))
	return jUint(b, "course", uint64(c))
}

// ExtClassBPosition is an extended Class B position report (type 19).
type ExtClassBPosition struct {
	Header
	Reserved uint8
	Speed    Speed
	Accuracy bool
	Lon      Lon
	Lat      Lat
	Course   Course
	Heading  Heading
	Second   Second
	Regional uint8
	ShipName Text
	ShipType ShipType
	Dim      Dimensions
	EPFD     EPFD
	RAIM     bool
	DTE      uint8
	Assigned bool
}

func (m *ExtClassBPosition) decode(bb *bitbuf) error {
	if bb.n < 312 {
		return ErrTooShort
	}
	m.Header.decode(bb)
	m.Reserved = uint8(bb.u(38, 8))
	m.Speed = Speed(bb.u(46, 10))
	m.Accuracy = bb.bit(56)
	m.Lon = Lon(bb.s(57, 28))
	m.Lat = Lat(bb.s(85, 27))
	m.Course = Course(bb.u(112, 12))
	m.Heading = Heading(bb.u(124, 9))
	m.Second = Second(bb.u(133, 6))
	m.Regional = uint8(bb.u(139, 4))
	bb.text(&m.ShipName, 143, 20)
	m.ShipType = ShipType(bb.u(263, 8))
	m.Dim = decodeDim(bb, 271)
	m.EPFD = EPFD(bb.u(301, 4))
	m.RAIM = bb.bit(305)
	m.DTE = uint8(bb.u(306, 1))
	m.Assigned = bb.bit(307)
	return nil
}

func decodeDim(bb *bitbuf, at int) Dimensions {
	return Dimensions{
		ToBow:       uint16(bb.u(at, 9)),
		ToStern:     uint16(bb.u(at+9, 9)),
		ToPort:      uint16(bb.u(at+18, 6)),
		ToStarboard: uint16(bb.u(at+24, 6)),
	}
}

func appendDim(b []byte, d Dimensions) []byte {
	b = jUint(b, "to_bow", uint64(d.ToBow))
	b = jUint(b, "to_stern", uint64(d.ToStern))
	b = jUint(b, "to_port", uint64(d.ToPort))
	return jUint(b, "to_starboard", uint64(d.ToStarboard))
}

// AppendJSON implements Message.
func (m *ExtClassBPosition) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "reserved", uint64(m.Reserved))
	b = appendMotion(b, m.Speed, m.Accuracy, m.Lon, m.Lat, m.Course, opt)
	b = jUint(b, "heading", uint64(m.Heading))
	b = jUint(b, "second", uint64(m.Second))
	b = jUint(b, "regional", uint64(m.Regional))
	b = jText(b, "shipname", &m.ShipName)
	b = jUint(b, "shiptype", uint64(m.ShipType))
	b = jConst(b, "shiptype_text", m.ShipType.String())
	b = appendDim(b, m.Dim)
	b = jUint(b, "epfd", uint64(m.EPFD))
	b = jConst(b, "epfd_text", m.EPFD.String())
	b = jBool(b, "raim", m.RAIM)
	b = jUint(b, "dte", uint64(m.DTE))
	b = jBool(b, "assigned", m.Assigned)
	return append(b, '}')
}

// LongRangePosition is a long-range AIS broadcast (type 27), for satellite
// reception.
type LongRangePosition struct {
	Header
	Accuracy bool
	RAIM     bool
	Status   NavStatus
	Lon      Lon10
	Lat      Lat10
	Speed    LRSpeed
	Course   LRCourse
	GNSS     bool // position latency bit as transmitted (gpsd calls it "gnss")
}

// LRSpeed is a type 27 speed in whole knots; 63 is "not available".
type LRSpeed uint8

// Knots returns the speed, and false if not available.
func (s LRSpeed) Knots() (int, bool) { return int(s), s != 63 }

// LRCourse is a type 27 course in whole degrees; 511 is "not available".
type LRCourse uint16

// Degrees returns the course, and false if not available.
func (c LRCourse) Degrees() (int, bool) { return int(c), c < 360 }

func (m *LongRangePosition) decode(bb *bitbuf) error {
	if bb.n != 96 && bb.n != 168 {
		if bb.n < 96 {
			return ErrTooShort
		}
		return ErrTooLong
	}
	m.Header.decode(bb)
	m.Accuracy = bb.bit(38)
	m.RAIM = bb.bit(39)
	m.Status = NavStatus(bb.u(40, 4))
	m.Lon = Lon10(bb.s(44, 18))
	m.Lat = Lat10(bb.s(62, 17))
	m.Speed = LRSpeed(bb.u(79, 6))
	m.Course = LRCourse(bb.u(85, 9))
	m.GNSS = bb.bit(94)
	return nil
}

// AppendJSON implements Message.
func (m *LongRangePosition) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	if opt.Scaled {
		b = jConst(b, "status", m.Status.String())
		b = jBool(b, "accuracy", m.Accuracy)
		b = jFixed(b, "lon", int64(m.Lon), 600, 1)
		b = jFixed(b, "lat", int64(m.Lat), 600, 1)
	} else {
		b = jUint(b, "status", uint64(m.Status))
		b = jBool(b, "accuracy", m.Accuracy)
		b = jInt(b, "lon", int64(m.Lon))
		b = jInt(b, "lat", int64(m.Lat))
	}
	b = jUint(b, "speed", uint64(m.Speed))
	b = jUint(b, "course", uint64(m.Course))
	b = jBool(b, "raim", m.RAIM)
	b = jBool(b, "gnss", m.GNSS)
	return append(b, '}')
}
