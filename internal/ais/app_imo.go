package ais

import "strconv"

// International application messages (DAC 1): IMO SN/Circ.236 and
// SN.1/Circ.289, as decoded by gpsd 3.22, except the meteorological and
// hydrological reports (app_methydro.go).

// Lon1000 is a longitude in 1/1000 minute (the 25-bit fields of the IMO
// application messages). 181° is "not available".
type Lon1000 int32

// Lat1000 is a latitude in 1/1000 minute (24-bit fields). 91° is "not
// available".
type Lat1000 int32

// Degrees returns the longitude in degrees, and false if it is not
// available or out of range.
func (l Lon1000) Degrees() (float64, bool) {
	if l < -180*60000 || l > 180*60000 {
		return 0, false
	}
	return float64(l) / 60000, true
}

// Degrees returns the latitude in degrees, and false if it is not
// available or out of range.
func (l Lat1000) Degrees() (float64, bool) {
	if l < -90*60000 || l > 90*60000 {
		return 0, false
	}
	return float64(l) / 60000, true
}

// DangerousCargo236 is an IMO236 dangerous cargo indication (type 6, DAC 1
// FI 12).
type DangerousCargo236 struct {
	LastPort      Text   // last port of call (UN/LOCODE), 5 characters
	LastDeparture ETA    // departure from the last port (UTC)
	NextPort      Text   // next port of call (UN/LOCODE), 5 characters
	NextETA       ETA    // estimated arrival at the next port (UTC)
	Dangerous     Text   // main dangerous good, 20 characters
	IMDCat        Text   // IMD category, 4 characters
	UNID          uint16 // UN number (13 bits)
	Amount        uint16 // amount of cargo (10 bits)
	Unit          uint8  // unit of quantity (2 bits)
}

func (a *DangerousCargo236) decode(bb *bitbuf) {
	bb.text(&a.LastPort, 88, 5)
	a.LastDeparture = decodeETA(bb, 118)
	bb.text(&a.NextPort, 138, 5)
	a.NextETA = decodeETA(bb, 168)
	bb.text(&a.Dangerous, 188, 20)
	bb.text(&a.IMDCat, 308, 4)
	a.UNID = uint16(bb.u(332, 13))
	a.Amount = uint16(bb.u(345, 10))
	a.Unit = uint8(bb.u(355, 2))
}

func (a *DangerousCargo236) appendJSON(b []byte) []byte {
	b = jText(b, "lastport", &a.LastPort)
	d := a.LastDeparture
	b = jDate(b, "departure", dateLongZ, d.Month, d.Day, d.Hour, d.Minute)
	b = jText(b, "nextport", &a.NextPort)
	d = a.NextETA
	b = jDate(b, "eta", dateLongZ, d.Month, d.Day, d.Hour, d.Minute)
	b = jText(b, "dangerous", &a.Dangerous)
	b = jText(b, "imdcat", &a.IMDCat)
	b = jUint(b, "unid", uint64(a.UNID))
	b = jUint(b, "amount", uint64(a.Amount))
	return jUint(b, "unit", uint64(a.Unit))
}

// TidalWindow is a tidal window report (type 6, DAC 1 FI 14 of IMO236 or
// FI 32 of IMO289; the two differ in the position resolution).
type TidalWindow struct {
	FI     uint8 // 14 or 32
	Month  uint8
	Day    uint8
	N      int // number of windows in Tidals
	Tidals [11]TidalCurrent
}

// TidalCurrent is one point of a tidal window and its predicted current.
type TidalCurrent struct {
	// Lon and Lat as transmitted: in 1/1000 minute for FI 32 and in
	// 1/10000 minute for FI 14. Use TidalWindow.Position.
	Lon, Lat             int32
	FromHour, FromMinute uint8  // window start (UTC)
	ToHour, ToMinute     uint8  // window end (UTC)
	Dir                  uint16 // predicted current direction in degrees; 360 is "not available"
	Speed                uint8  // predicted current speed in 1/10 knot; 127 (FI 14) or 255 (FI 32) is "not available"
}

// Position returns the latitude and longitude of window i in degrees, and
// false if they are not available.
func (w *TidalWindow) Position(i int) (lat, lon float64, ok bool) {
	t := &w.Tidals[i]
	var ok1, ok2 bool
	if w.FI == 14 {
		lat, ok1 = Lat(t.Lat).Degrees()
		lon, ok2 = Lon(t.Lon).Degrees()
	} else {
		lat, ok1 = Lat1000(t.Lat).Degrees()
		lon, ok2 = Lon1000(t.Lon).Degrees()
	}
	return lat, lon, ok1 && ok2
}

// CurrentDirection returns the predicted current direction of window i in
// degrees, and false if not available.
func (w *TidalWindow) CurrentDirection(i int) (int, bool) { return degrees(w.Tidals[i].Dir) }

// CurrentSpeed returns the predicted current speed of window i in knots,
// and false if not available.
func (w *TidalWindow) CurrentSpeed(i int) (float64, bool) {
	v := w.Tidals[i].Speed
	if w.FI == 14 {
		return tenths(int(v), v < 127)
	}
	return tenths(int(v), v <= 250)
}

func (w *TidalWindow) decode(bb *bitbuf, fi uint8) {
	w.FI = fi
	w.Month = uint8(bb.u(88, 4))
	w.Day = uint8(bb.u(92, 5))
	// gpsd counts a window whenever its first bit is at most the message
	// length, so a window may extend (or lie entirely) past the end.
	size := 88
	if fi == 14 {
		size = 93
	}
	w.N = 0
	for at := 97; at <= bb.n && w.N < len(w.Tidals); at += size {
		t := &w.Tidals[w.N]
		f, speedBits := 49, 8 // offset of the time fields, width of the speed
		if fi == 14 {
			t.Lat = int32(bb.s(at, 27))
			t.Lon = int32(bb.s(at+27, 28))
			f, speedBits = 55, 7
		} else {
			t.Lon = int32(bb.s(at, 25))
			t.Lat = int32(bb.s(at+25, 24))
		}
		t.FromHour = uint8(bb.u(at+f, 5))
		t.FromMinute = uint8(bb.u(at+f+5, 6))
		t.ToHour = uint8(bb.u(at+f+11, 5))
		t.ToMinute = uint8(bb.u(at+f+16, 6))
		t.Dir = uint16(bb.u(at+f+22, 9))
		t.Speed = uint8(bb.u(at+f+31, speedBits))
		w.N++
	}
}

func (w *TidalWindow) appendJSON(b []byte, opt JSONOptions) []byte {
	b = jUint(b, "month", uint64(w.Month))
	b = jUint(b, "day", uint64(w.Day))
	b = append(appendKey(b, "tidals"), '[')
	for i := range w.N {
		t := &w.Tidals[i]
		if i > 0 {
			b = append(b, ',')
		}
		// The first member's comma becomes the opening brace.
		open := len(b)
		// gpsd 3.22 scales both layouts as 1/1000 minute.
		b = appendLonLat(b, "lon", "lat", int64(t.Lon), int64(t.Lat), 60000, 4, opt)
		b[open] = '{'
		b = jUint(b, "from_hour", uint64(t.FromHour))
		b = jUint(b, "from_min", uint64(t.FromMinute))
		b = jUint(b, "to_hour", uint64(t.ToHour))
		b = jUint(b, "to_min", uint64(t.ToMinute))
		b = jUint(b, "cdir", uint64(t.Dir))
		if opt.Scaled {
			b = jFloat(b, "cspeed", float64(t.Speed)/10, 1)
		} else {
			b = jUint(b, "cspeed", uint64(t.Speed))
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// ExtShipData is the IMO236 extended ship static and voyage related data
// (DAC 1 FI 15): the air draught.
type ExtShipData struct {
	AirDraught uint16 // air draught (11 bits) as transmitted; 0 is "not available"
	gpsd       uint16 // the value gpsd 3.22 prints (see AddressedBinary)
}

// Value returns the air draught as transmitted, and false if not
// available.
func (a *ExtShipData) Value() (int, bool) { return int(a.AirDraught), a.AirDraught != 0 }

func (a *ExtShipData) decode(bb *bitbuf, at int) {
	a.AirDraught = uint16(bb.u(at, 11))
}

// PersonsOnBoard is the number of persons on board (DAC 1 FI 16).
type PersonsOnBoard struct {
	Persons uint16 // 13 bits; 0 is "not available"
	gpsd    uint16 // the value gpsd 3.22 prints (see AddressedBinary and BroadcastBinary)
}

// Count returns the number of persons, and false if not available.
func (a *PersonsOnBoard) Count() (int, bool) { return int(a.Persons), a.Persons != 0 }

func (a *PersonsOnBoard) decode(bb *bitbuf, at int) {
	a.Persons = uint16(bb.u(at, 13))
}

// ClearanceTime is an IMO289 clearance time to enter port (type 6, DAC 1
// FI 18).
type ClearanceTime struct {
	Linkage     uint16 // message linkage id (10 bits)
	Time        ETA    // clearance time (UTC; no year)
	PortName    Text   // port and berth, 20 characters
	Destination Text   // UN/LOCODE, 5 characters
	Lon         Lon1000
	Lat         Lat1000
}

func (a *ClearanceTime) decode(bb *bitbuf) {
	a.Linkage = uint16(bb.u(88, 10))
	a.Time = decodeETA(bb, 98)
	bb.text(&a.PortName, 118, 20)
	bb.text(&a.Destination, 238, 5)
	a.Lon = Lon1000(bb.s(268, 25))
	a.Lat = Lat1000(bb.s(293, 24))
}

func (a *ClearanceTime) appendJSON(b []byte, opt JSONOptions) []byte {
	b = jUint(b, "linkage", uint64(a.Linkage))
	t := a.Time
	b = jDate(b, "arrival", dateLongZ, t.Month, t.Day, t.Hour, t.Minute)
	b = jText(b, "portname", &a.PortName)
	b = jText(b, "destination", &a.Destination)
	return appendLonLat(b, "lon", "lat", int64(a.Lon), int64(a.Lat), 60000, 4, opt)
}

// BerthingData is IMO289 berthing data (type 6, DAC 1 FI 20).
type BerthingData struct {
	Linkage      uint16 // message linkage id (10 bits)
	BerthLength  uint16 // berth length in metres (9 bits); 0 is "not available"
	BerthDepth   uint8  // water depth at berth in 1/10 m; 0 is "not available"
	Position     uint8  // mooring position, see berthPositionText
	Time         ETA    // date and time (UTC; no year)
	Availability bool   // services availability: true if the service fields are valid
	// Services holds the 2-bit status of each service, in the order of
	// BerthServiceNames: 0 not available or unknown, 1 not available, 2
	// available, 3 reserved.
	Services  [26]uint8
	BerthName Text // 20 characters
	Lon       Lon1000
	Lat       Lat1000
}

// BerthServiceNames names the entries of BerthingData.Services (they are
// also gpsd's JSON keys).
var BerthServiceNames = [26]string{
	"agent", "fuel", "chandler", "stevedore", "electrical", "water",
	"customs", "cartage", "crane", "lift", "medical", "navrepair",
	"provisions", "shiprepair", "surveyor", "steam", "tugs", "solidwaste",
	"liquidwaste", "hazardouswaste", "ballast", "additional", "regional1",
	"regional2", "future1", "future2",
}

var berthPositionText = [8]string{
	"Not available",
	"Port-side to",
	"Starboard-side to",
	"Mediterranean (end-on) mooring",
	"Mooring buoy",
	"Anchorage",
	"Reserved for future use",
	"Reserved for future use",
}

// LengthMetres returns the berth length, and false if not available.
func (a *BerthingData) LengthMetres() (int, bool) { return int(a.BerthLength), a.BerthLength != 0 }

// DepthMetres returns the water depth at the berth, and false if not
// available.
func (a *BerthingData) DepthMetres() (float64, bool) {
	return tenths(int(a.BerthDepth), a.BerthDepth != 0)
}

// PositionText returns gpsd's legend for the mooring position.
func (a *BerthingData) PositionText() string { return berthPositionText[a.Position&7] }

func (a *BerthingData) decode(bb *bitbuf) {
	a.Linkage = uint16(bb.u(88, 10))
	a.BerthLength = uint16(bb.u(98, 9))
	a.BerthDepth = uint8(bb.u(107, 8))
	a.Position = uint8(bb.u(115, 3))
	a.Time = decodeETA(bb, 118)
	a.Availability = bb.bit(138)
	for i := range a.Services {
		a.Services[i] = uint8(bb.u(139+2*i, 2))
	}
	bb.text(&a.BerthName, 191, 20)
	a.Lon = Lon1000(bb.s(311, 25))
	a.Lat = Lat1000(bb.s(336, 24))
}

func (a *BerthingData) appendJSON(b []byte, opt JSONOptions) []byte {
	b = jUint(b, "linkage", uint64(a.Linkage))
	b = jUint(b, "berth_length", uint64(a.BerthLength))
	b = jUint(b, "position", uint64(a.Position))
	b = jStr(b, "position_text", a.PositionText())
	t := a.Time
	b = jDate(b, "arrival", dateShort, t.Month, t.Day, t.Hour, t.Minute)
	b = jUint(b, "availability", uint64(b2i(a.Availability)))
	for i, s := range a.Services {
		b = jUint(b, BerthServiceNames[i], uint64(s))
	}
	b = jText(b, "berth_name", &a.BerthName)
	b = appendLonLat(b, "berth_lon", "berth_lat", int64(a.Lon), int64(a.Lat), 60000, 4, opt)
	if opt.Scaled {
		return jFloat(b, "berth_depth", float64(a.BerthDepth)*0.1, 1)
	}
	return jUint(b, "berth_depth", uint64(a.BerthDepth))
}

// DangerousCargo is an IMO289 dangerous cargo indication (type 6, DAC 1
// FI 25).
type DangerousCargo struct {
	Unit   uint8  // unit of quantity (2 bits)
	Amount uint16 // amount of cargo (10 bits)
	N      int    // number of entries in Cargos
	// Cargos holds the cargo entries; like gpsd, an entry is counted
	// whenever its first bit lies inside the message.
	Cargos [54]Cargo
}

// Cargo is one cargo entry of a dangerous cargo indication.
type Cargo struct {
	Code    uint8  // cargo code (4 bits): the IMDG, IBC, BC, MARPOL... classification
	Subtype uint16 // class, UN number or other sub-code (13 bits)
}

func (a *DangerousCargo) decode(bb *bitbuf) {
	a.Unit = uint8(bb.u(88, 2))
	a.Amount = uint16(bb.u(90, 10))
	a.N = 0
	for at := 100; at < bb.n && a.N < len(a.Cargos); at += 17 {
		a.Cargos[a.N] = Cargo{Code: uint8(bb.u(at, 4)), Subtype: uint16(bb.u(at+4, 13))}
		a.N++
	}
}

func (a *DangerousCargo) appendJSON(b []byte) []byte {
	b = jUint(b, "unit", uint64(a.Unit))
	b = jUint(b, "amount", uint64(a.Amount))
	b = append(appendKey(b, "cargos"), '[')
	for i := range a.N {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b = strconv.AppendUint(b, uint64(a.Cargos[i].Code), 10)
		b = jUint(b, "subtype", uint64(a.Cargos[i].Subtype))
		b = append(b, '}')
	}
	return append(b, ']')
}

// RouteInfo is IMO289 route information (DAC 1 FI 27, broadcast in type
// 8, or FI 28, addressed in type 6).
type RouteInfo struct {
	Linkage   uint16 // message linkage id (10 bits)
	Sender    uint8  // sender classification (3 bits)
	RouteType uint8  // route type (5 bits), see RouteTypeText
	Start     ETA    // start of the route (UTC; no year)
	Duration  uint32 // duration in minutes (18 bits); 262143 is "not available"
	N         int    // number of waypoints, as transmitted (0-31)
	Waypoints [31]Waypoint
}

// Waypoint is one point of a route.
type Waypoint struct {
	Lon Lon
	Lat Lat
}

var routeTypeText = func() (t [32]string) {
	copy(t[:], []string{
		"Undefined (default)",
		"Mandatory",
		"Recommended",
		"Alternative",
		"Recommended route through ice",
		"Ship route plan",
	})
	for i := 6; i < 31; i++ {
		t[i] = "Reserved for future use."
	}
	t[31] = "Cancel route identified by message linkage"
	return t
}()

// RouteTypeText returns gpsd's legend for the route type.
func (a *RouteInfo) RouteTypeText() string { return routeTypeText[a.RouteType&31] }

// DurationMinutes returns the validity of the route, and false if not
// available.
func (a *RouteInfo) DurationMinutes() (int, bool) { return int(a.Duration), a.Duration != 262143 }

func (a *RouteInfo) decode(bb *bitbuf, data int) {
	a.Linkage = uint16(bb.u(data, 10))
	a.Sender = uint8(bb.u(data+10, 3))
	a.RouteType = uint8(bb.u(data+13, 5))
	a.Start = decodeETA(bb, data+18)
	a.Duration = uint32(bb.u(data+38, 18))
	a.N = int(bb.u(data+56, 5))
	// Like gpsd, read every announced waypoint, past the end of the
	// message if need be (such bits read as zero).
	for i := range a.N {
		at := data + 61 + 55*i
		a.Waypoints[i] = Waypoint{Lon: Lon(bb.s(at, 28)), Lat: Lat(bb.s(at+28, 27))}
	}
}

func (a *RouteInfo) appendJSON(b []byte, opt JSONOptions) []byte {
	b = jUint(b, "linkage", uint64(a.Linkage))
	b = jUint(b, "sender", uint64(a.Sender))
	b = jUint(b, "rtype", uint64(a.RouteType))
	b = jStr(b, "rtype_text", a.RouteTypeText())
	s := a.Start
	b = jDate(b, "start", dateLongZ, s.Month, s.Day, s.Hour, s.Minute)
	b = jUint(b, "duration", uint64(a.Duration))
	b = append(appendKey(b, "waypoints"), '[')
	for i := range a.N {
		if i > 0 {
			b = append(b, ',')
		}
		w := a.Waypoints[i]
		open := len(b) // the first member's comma becomes the opening brace
		b = appendLonLat(b, "lon", "lat", int64(w.Lon), int64(w.Lat), 600000, 6, opt)
		b[open] = '{'
		b = append(b, '}')
	}
	return append(b, ']')
}

// TextDescription is an IMO289 free text (DAC 1 FI 29, broadcast in type
// 8, or FI 30, addressed in type 6).
type TextDescription struct {
	Linkage uint16 // message linkage id (10 bits)
	Text    Text   // the text: every whole six-bit character to the end of the message
}

func (a *TextDescription) decode(bb *bitbuf, data int) {
	a.Linkage = uint16(bb.u(data, 10))
	bb.text(&a.Text, data+10, (bb.n-data-10)/6)
}

func (a *TextDescription) appendJSON(b []byte) []byte {
	b = jUint(b, "linkage", uint64(a.Linkage))
	return jText(b, "text", &a.Text)
}

// FairwayClosed is an IMO236 fairway closed notice (type 8, DAC 1 FI 13).
type FairwayClosed struct {
	Reason    Text   // reason for closing, 20 characters
	CloseFrom Text   // location of closing from, 20 characters
	CloseTo   Text   // location of closing to, 20 characters
	Radius    uint16 // radius extension (10 bits); 1001 is "not available"
	ExtUnit   uint8  // unit of the extension (2 bits); 0 is "not available"
	From      ETA    // closing from (UTC; no year; the hour and minute may be "not available" as in ETA)
	To        ETA    // closing to (UTC)
}

// Extension returns the radius extension, in the unit given by ExtUnit,
// and false if not available.
func (a *FairwayClosed) Extension() (int, bool) {
	return int(a.Radius), a.Radius <= 1000 && a.ExtUnit != 0
}

func (a *FairwayClosed) decode(bb *bitbuf) {
	bb.text(&a.Reason, 56, 20)
	bb.text(&a.CloseFrom, 176, 20)
	bb.text(&a.CloseTo, 296, 20)
	a.Radius = uint16(bb.u(416, 10))
	a.ExtUnit = uint8(bb.u(426, 2))
	a.From = ETA{Day: uint8(bb.u(428, 5)), Month: uint8(bb.u(433, 4)), Hour: uint8(bb.u(437, 5)), Minute: uint8(bb.u(442, 6))}
	a.To = ETA{Day: uint8(bb.u(448, 5)), Month: uint8(bb.u(453, 4)), Hour: uint8(bb.u(457, 5)), Minute: uint8(bb.u(462, 6))}
}

func (a *FairwayClosed) appendJSON(b []byte) []byte {
	b = jText(b, "reason", &a.Reason)
	b = jText(b, "closefrom", &a.CloseFrom)
	b = jText(b, "closeto", &a.CloseTo)
	b = jUint(b, "radius", uint64(a.Radius))
	b = jUint(b, "extunit", uint64(a.ExtUnit))
	f, t := a.From, a.To
	b = jDate(b, "from", dateLong, f.Month, f.Day, f.Hour, f.Minute)
	return jDate(b, "to", dateLong, t.Month, t.Day, t.Hour, t.Minute)
}

// VTSTargets is a list of IMO289 VTS-generated or synthetic targets (type
// 8, DAC 1 FI 17).
type VTSTargets struct {
	N int // number of targets in Targets
	// Targets holds the targets; like gpsd, a target is counted whenever
	// its first bit is at most the message length.
	Targets [8]VTSTarget
}

// VTSTarget is one VTS target.
type VTSTarget struct {
	IDType uint8 // 0 MMSI, 1 IMO number, 2 call sign, 3 other
	// ID is the 42-bit identifier as transmitted: the MMSI or IMO number
	// for IDType 0 and 1 (gpsd keeps its low 32 bits).
	ID       uint64
	Callsign Text // call sign or other identifier (IDType 2 and 3), 7 characters
	Lat      Lat1000
	Lon      Lon1000
	Course   uint16 // course over ground in degrees (9 bits); 360 is "not available"
	Second   Second // UTC second of the report; 60 is "not available"
	Speed    uint16 // speed over ground in knots (10 bits); 255 is "not available"
}

var vtsIDTypeText = [4]string{"mmsi", "imo", "callsign", "other"}

// CourseDegrees returns the course over ground, and false if not
// available.
func (t *VTSTarget) CourseDegrees() (int, bool) { return degrees(t.Course) }

// SpeedKnots returns the speed over ground, and false if not available.
func (t *VTSTarget) SpeedKnots() (int, bool) { return int(t.Speed), t.Speed < 255 }

func (a *VTSTargets) decode(bb *bitbuf) {
	a.N = 0
	for at := 56; at <= bb.n && a.N < len(a.Targets); at += 122 {
		t := &a.Targets[a.N]
		t.IDType = uint8(bb.u(at, 2))
		t.ID = bb.u(at+2, 42)
		t.Callsign.n = 0
		if t.IDType >= 2 {
			bb.text(&t.Callsign, at+2, 7)
		}
		t.Lat = Lat1000(bb.s(at+48, 24))
		t.Lon = Lon1000(bb.s(at+72, 25))
		t.Course = uint16(bb.u(at+97, 9))
		t.Second = Second(bb.u(at+106, 6))
		t.Speed = uint16(bb.u(at+112, 10))
		a.N++
	}
}

func (a *VTSTargets) appendJSON(b []byte, opt JSONOptions) []byte {
	b = append(appendKey(b, "targets"), '[')
	for i := range a.N {
		t := &a.Targets[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"idtype":`...)
		b = strconv.AppendUint(b, uint64(t.IDType), 10)
		name := vtsIDTypeText[t.IDType&3]
		b = jStr(b, "idtype_text", name)
		if t.IDType < 2 {
			b = append(appendKey(b, name), '"')
			b = strconv.AppendUint(b, uint64(uint32(t.ID)), 10)
			b = append(b, '"')
		} else {
			b = jText(b, name, &t.Callsign)
		}
		b = appendLonLat(b, "lat", "lon", int64(t.Lat), int64(t.Lon), 60000, 4, opt)
		b = jUint(b, "course", uint64(t.Course))
		b = jUint(b, "second", uint64(t.Second))
		b = jUint(b, "speed", uint64(t.Speed))
		b = append(b, '}')
	}
	return append(b, ']')
}

// TrafficSignal is an IMO289 marine traffic signal (type 8, DAC 1 FI 19).
type TrafficSignal struct {
	Linkage    uint16 // message linkage id (10 bits)
	Station    Text   // name of the signal station, 20 characters
	Lon        Lon1000
	Lat        Lat1000
	Status     uint8 // status of the signal (2 bits): 0 n/a, 1 in regular service, 2 irregular, 3 reserved
	Signal     uint8 // signal in service (5 bits), see SignalText
	Hour       uint8 // UTC hour of the next signal shift; 24 is "not available"
	Minute     uint8 // UTC minute of the next signal shift; 60 is "not available"
	NextSignal uint8 // expected next signal (5 bits)
}

var trafficSignalText = [...]string{
	"N/A",
	"Serious emergency \u2013 stop or divert according to instructions.",
	"Vessels shall not proceed.",
	"Vessels may proceed. One way traffic.",
	"Vessels may proceed. Two way traffic.",
	"Vessels shall proceed on specific orders only.",
	"Vessels in main channel shall not proceed.",
	"Vessels in main channel shall proceed on specific orders only.",
	"Vessels in main channel shall proceed on specific orders only.",
	`I = "in-bound" only acceptable.`,
	`O = "out-bound" only acceptable.`,
	`F = both "in- and out-bound" acceptable.`,
	`XI = Code will shift to "I" in due time.`,
	`XO = Code will shift to "O" in due time.`,
	"X = Vessels shall proceed only on direction.",
}

// SignalText returns gpsd's legend for a signal code.
func SignalText(code uint8) string {
	return legend(trafficSignalText[:], int(code), "INVALID SIGNAL TYPE")
}

// NextShift returns the UTC time of the next signal shift, and false if it
// is not available.
func (a *TrafficSignal) NextShift() (hour, minute int, ok bool) {
	return int(a.Hour), int(a.Minute), a.Hour < 24 && a.Minute < 60
}

func (a *TrafficSignal) decode(bb *bitbuf) {
	a.Linkage = uint16(bb.u(56, 10))
	bb.text(&a.Station, 66, 20)
	a.Lon = Lon1000(bb.s(186, 25))
	a.Lat = Lat1000(bb.s(211, 24))
	a.Status = uint8(bb.u(235, 2))
	a.Signal = uint8(bb.u(237, 5))
	a.Hour = uint8(bb.u(242, 5))
	a.Minute = uint8(bb.u(247, 6))
	a.NextSignal = uint8(bb.u(253, 5))
}

func (a *TrafficSignal) appendJSON(b []byte) []byte {
	b = jUint(b, "linkage", uint64(a.Linkage))
	b = jText(b, "station", &a.Station)
	// gpsd 3.22 prints this position in degrees in both presentations.
	b = appendLonLat(b, "lon", "lat", int64(a.Lon), int64(a.Lat), 60000, 4, JSONOptions{Scaled: true})
	b = jUint(b, "status", uint64(a.Status))
	b = jUint(b, "signal", uint64(a.Signal))
	b = jLegend(b, "signal_text", SignalText(a.Signal))
	b = jUint(b, "hour", uint64(a.Hour))
	b = jUint(b, "minute", uint64(a.Minute))
	// gpsd 3.22 omits the comma before "nextsignal_text" (and does not
	// escape the quotes in the legends), printing invalid JSON.
	b = jUint(b, "nextsignal", uint64(a.NextSignal))
	return jLegend(b, "nextsignal_text", SignalText(a.NextSignal))
}

// jLegend appends a trusted UTF-8 legend as a JSON string, escaping only
// quotes and backslashes (jStr would also escape non-ASCII bytes).
func jLegend(b []byte, key, s string) []byte {
	b = append(appendKey(b, key), '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
