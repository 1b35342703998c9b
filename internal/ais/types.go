package ais

import "math"

// Text is six-bit AIS text decoded to ASCII: it ends at the first '@' and
// trailing spaces are trimmed, as gpsd does. It is a value (no pointers), so
// a decoded message can be copied and kept. The characters are always
// printable ASCII from the six-bit table; they are still attacker-controlled
// and must be escaped wherever they are shown.
type Text struct {
	n uint8
	b [textCap]byte
}

// textCap holds the longest text field: a type 12 message of 1008 bits
// carries 156 characters; a type 21 name with its extension 34.
const textCap = 168

// String returns the text as a Go string (this allocates).
func (t *Text) String() string { return string(t.b[:t.n]) }

// Bytes returns the text; the slice aliases t.
func (t *Text) Bytes() []byte { return t.b[:t.n] }

// Len returns the length of the text in bytes.
func (t *Text) Len() int { return int(t.n) }

func (t *Text) trim() {
	for t.n > 0 && (t.b[t.n-1] == ' ' || t.b[t.n-1] == '@') {
		t.n--
	}
}

// Binary is an opaque binary payload (types 6, 8, 17, 25 and 26, and
// application messages the decoder has no layout for). It is a value.
type Binary struct {
	n uint16 // bits
	b [binaryCap]byte
}

const binaryCap = 128 // 1008 bits (five slots) rounded up to whole bytes, plus slack

// Len returns the payload length in bits.
func (d *Binary) Len() int { return int(d.n) }

// Bytes returns the payload, left aligned; the last byte may hold bits past
// Len. The slice aliases d.
func (d *Binary) Bytes() []byte { return d.b[:(int(d.n)+7)/8] }

// Lon is a longitude in 1/10000 minute (ITU-R M.1371 28-bit field). 181° is
// "not available".
type Lon int32

// Lat is a latitude in 1/10000 minute (27-bit field). 91° is "not available".
type Lat int32

// LonNA and LatNA are the raw "not available" values of Lon and Lat.
const (
	LonNA Lon = 181 * 600000
	LatNA Lat = 91 * 600000
)

// Degrees returns the longitude in degrees, and false if it is not
// available or out of range.
func (l Lon) Degrees() (float64, bool) {
	if l < -180*600000 || l > 180*600000 {
		return 0, false
	}
	return float64(l) / 600000, true
}

// Degrees returns the latitude in degrees, and false if it is not available
// or out of range.
func (l Lat) Degrees() (float64, bool) {
	if l < -90*600000 || l > 90*600000 {
		return 0, false
	}
	return float64(l) / 600000, true
}

// Lon10 is a longitude in 1/10 minute (types 17, 22, 23 and 27). 181° is
// "not available".
type Lon10 int32

// Lat10 is a latitude in 1/10 minute. 91° is "not available".
type Lat10 int32

// Degrees returns the longitude in degrees, and false if not available.
func (l Lon10) Degrees() (float64, bool) {
	if l < -180*600 || l > 180*600 {
		return 0, false
	}
	return float64(l) / 600, true
}

// Degrees returns the latitude in degrees, and false if not available.
func (l Lat10) Degrees() (float64, bool) {
	if l < -90*600 || l > 90*600 {
		return 0, false
	}
	return float64(l) / 600, true
}

// Speed is speed over ground in 1/10 knot. 1023 is "not available"; 1022
// means 102.2 knots or more.
type Speed uint16

// SpeedNA is the raw "not available" speed.
const SpeedNA Speed = 1023

// Knots returns the speed in knots, and false if not available. A speed of
// 102.2 knots or more is reported as 102.2.
func (s Speed) Knots() (float64, bool) {
	if s >= 1023 {
		return 0, false
	}
	return float64(s) / 10, true
}

// Course is course over ground in 1/10 degree. 3600 is "not available".
type Course uint16

// CourseNA is the raw "not available" course.
const CourseNA Course = 3600

// Degrees returns the course in degrees, and false if not available (or
// above 360°, which the standard does not allow).
func (c Course) Degrees() (float64, bool) {
	if c >= 3600 {
		return 0, false
	}
	return float64(c) / 10, true
}

// Heading is true heading in whole degrees. 511 is "not available".
type Heading uint16

// HeadingNA is the raw "not available" heading.
const HeadingNA Heading = 511

// Degrees returns the heading, and false if not available.
func (h Heading) Degrees() (int, bool) {
	if h > 359 {
		return 0, false
	}
	return int(h), true
}

// Turn is the rate of turn indicator ROT_AIS as transmitted: -128 is "not
// available", ±127 a fast turn (more than 5° per 30 s) with no turn
// indicator, and other values 4.733·sqrt(rate in °/min), signed.
type Turn int8

// TurnNA is the raw "not available" rate of turn.
const TurnNA Turn = -128

// DegreesPerMinute returns the signed rate of turn, and false if it is not
// available or is a fast turn with no value (see Fast).
func (t Turn) DegreesPerMinute() (float64, bool) {
	if t == -128 || t == 127 || t == -127 {
		return 0, false
	}
	r := float64(t) / 4.733
	return math.Copysign(r*r, r), true
}

// Fast reports a turn faster than 5° per 30 s without a turn indicator, and
// its direction: -1 left (port), +1 right (starboard), 0 not a fast turn.
func (t Turn) Fast() int {
	switch t {
	case 127:
		return 1
	case -127:
		return -1
	}
	return 0
}

// Second is the UTC second of the report. 60 is "not available", 61 manual
// input mode, 62 dead reckoning, 63 positioning system inoperative.
type Second uint8

// Value returns the second (0-59), and false for the special values.
func (s Second) Value() (int, bool) {
	if s > 59 {
		return 0, false
	}
	return int(s), true
}

// NavStatus is the navigational status of types 1-3 and 27.
type NavStatus uint8

var navStatusText = [16]string{
	"Under way using engine",
	"At anchor",
	"Not under command",
	"Restricted manoeuverability",
	"Constrained by her draught",
	"Moored",
	"Aground",
	"Engaged in fishing",
	"Under way sailing",
	"Reserved for HSC",
	"Reserved for WIG",
	"Reserved",
	"Reserved",
	"Reserved",
	"Reserved",
	"Not defined",
}

// String returns gpsd's legend for the status.
func (s NavStatus) String() string { return navStatusText[s&15] }

// EPFD is the type of electronic position fixing device.
type EPFD uint8

var epfdText = [...]string{
	"Undefined",
	"GPS",
	"GLONASS",
	"Combined GPS/GLONASS",
	"Loran-C",
	"Chayka",
	"Integrated navigation system",
	"Surveyed",
	"Galileo",
}

// String returns gpsd's legend for the device type.
func (e EPFD) String() string {
	if int(e) < len(epfdText) {
		return epfdText[e]
	}
	return "INVALID EPFD"
}

// ShipType is the type of ship and cargo (ITU-R M.1371 table 53); 0 is
// "not available".
type ShipType uint8

// String returns gpsd's legend for the ship type.
func (t ShipType) String() string {
	if int(t) < len(shipTypeText) {
		return shipTypeText[t]
	}
	return "INVALID SHIP TYPE"
}

var shipTypeText = func() (t [100]string) {
	for i := range t {
		t[i] = "Reserved for future use"
	}
	t[0] = "Not available"
	for i, s := range []string{
		"Wing in ground (WIG) - all ships of this type",
		"Wing in ground (WIG) - Hazardous category A",
		"Wing in ground (WIG) - Hazardous category B",
		"Wing in ground (WIG) - Hazardous category C",
		"Wing in ground (WIG) - Hazardous category D",
	} {
		t[20+i] = s
	}
	for i := 25; i < 30; i++ {
		t[i] = "Wing in ground (WIG) - Reserved for future use"
	}
	copy(t[30:], []string{
		"Fishing",
		"Towing",
		"Towing: length exceeds 200m or breadth exceeds 25m",
		"Dredging or underwater ops",
		"Diving ops",
		"Military ops",
		"Sailing",
		"Pleasure Craft",
		"Reserved",
		"Reserved",
	})
	group := func(base int, name, last string) {
		t[base] = name + " - all ships of this type"
		for i, c := range "ABCD" {
			t[base+1+i] = name + " - Hazardous category " + string(c)
		}
		for i := base + 5; i < base+9; i++ {
			t[i] = name + " - Reserved for future use"
		}
		t[base+9] = name + last
	}
	group(40, "High speed craft (HSC)", " - No additional information")
	copy(t[50:], []string{
		"Pilot Vessel",
		"Search and Rescue vessel",
		"Tug",
		"Port Tender",
		"Anti-pollution equipment",
		"Law Enforcement",
		"Spare - Local Vessel",
		"Spare - Local Vessel",
		"Medical Transport",
		"Ship according to RR Resolution No. 18",
	})
	group(60, "Passenger", " - No additional information")
	group(70, "Cargo", " - No additional information")
	group(80, "Tanker", " - No additional information")
	group(90, "Other Type", " - no additional information")
	return t
}()

// Dimensions are the distances in metres from the position reference point
// to the bow, stern, port and starboard sides.
type Dimensions struct {
	ToBow, ToStern, ToPort, ToStarboard uint16
}

// Header holds the fields every AIS message starts with.
type Header struct {
	Type   uint8  // message type, 1-27
	Repeat uint8  // repeat indicator, 0-3
	MMSI   uint32 // source MMSI (30 bits)
}

// Head returns the header; it lets every message type satisfy Message.
func (h *Header) Head() *Header { return h }

func (h *Header) decode(bb *bitbuf) {
	h.Type = uint8(bb.u(0, 6))
	h.Repeat = uint8(bb.u(6, 2))
	h.MMSI = uint32(bb.u(8, 30))
}
