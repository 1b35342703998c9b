package ais

import "strconv"

// Inland AIS applications (DAC 200, CCNR/ECE Inland AIS standard) and the
// UK/Ireland GLA AtoN monitoring message (DAC 235 and 250), as decoded by
// gpsd 3.22.

// InlandLockETA is an ETA at lock, bridge or terminal (type 6, DAC 200 FI
// 21, 248 bits).
type InlandLockETA struct {
	Country    Text   // UN country code, 2 characters
	Locode     Text   // UN/LOCODE, 3 characters
	Section    Text   // fairway section number, 5 characters
	Terminal   Text   // terminal code, 5 characters
	Hectometre Text   // fairway hectometre, 5 characters
	ETA        ETA    // estimated time of arrival (UTC)
	Tugs       uint8  // number of assisting tugboats; 7 is "not available"
	AirDraught uint16 // air draught in 1/100 m; 0 is "not available"
}

// TugCount returns the number of assisting tugboats, and false if not
// available.
func (a *InlandLockETA) TugCount() (int, bool) { return int(a.Tugs), a.Tugs != 7 }

// AirDraughtMetres returns the air draught, and false if not available.
func (a *InlandLockETA) AirDraughtMetres() (float64, bool) {
	return float64(a.AirDraught) / 100, a.AirDraught != 0
}

func (a *InlandLockETA) decode(bb *bitbuf) {
	decodeLockPlace(bb, &a.Country, &a.Locode, &a.Section, &a.Terminal, &a.Hectometre)
	a.ETA = decodeETA(bb, 208)
	a.Tugs = uint8(bb.u(228, 3))
	a.AirDraught = uint16(bb.u(231, 12))
}

func decodeLockPlace(bb *bitbuf, country, locode, section, terminal, hectometre *Text) {
	bb.text(country, 88, 2)
	bb.text(locode, 100, 3)
	bb.text(section, 118, 5)
	bb.text(terminal, 148, 5)
	bb.text(hectometre, 178, 5)
}

// decodeETA reads a month (4 bits), day (5), hour (5) and minute (6).
func decodeETA(bb *bitbuf, at int) ETA {
	return ETA{
		Month:  uint8(bb.u(at, 4)),
		Day:    uint8(bb.u(at+4, 5)),
		Hour:   uint8(bb.u(at+9, 5)),
		Minute: uint8(bb.u(at+14, 6)),
	}
}

func appendLockPlace(b []byte, country, locode, section, terminal, hectometre *Text) []byte {
	b = jText(b, "country", country)
	b = jText(b, "locode", locode)
	b = jText(b, "section", section)
	b = jText(b, "terminal", terminal)
	return jText(b, "hectometre", hectometre)
}

func (a *InlandLockETA) appendJSON(b []byte) []byte {
	b = appendLockPlace(b, &a.Country, &a.Locode, &a.Section, &a.Terminal, &a.Hectometre)
	b = jDate(b, "eta", dateShort, a.ETA.Month, a.ETA.Day, a.ETA.Hour, a.ETA.Minute)
	b = jUint(b, "tugs", uint64(a.Tugs))
	return jUint(b, "airdraught", uint64(a.AirDraught))
}

// InlandLockRTA is a requested time of arrival at lock, bridge or terminal,
// the answer to InlandLockETA (type 6, DAC 200 FI 22, 232 bits).
type InlandLockRTA struct {
	Country    Text // UN country code, 2 characters
	Locode     Text // UN/LOCODE, 3 characters
	Section    Text // fairway section number, 5 characters
	Terminal   Text // terminal code, 5 characters
	Hectometre Text // fairway hectometre, 5 characters
	RTA        ETA  // requested time of arrival (UTC)
	// Status is the lock/bridge/terminal status: 0 operational, 1
	// limited operation, 2 out of order, 3 not available.
	Status uint8
}

var rtaStatusText = [4]string{"Operational", "Limited operation", "Out of order", "N/A"}

func (a *InlandLockRTA) decode(bb *bitbuf) {
	decodeLockPlace(bb, &a.Country, &a.Locode, &a.Section, &a.Terminal, &a.Hectometre)
	a.RTA = decodeETA(bb, 208)
	a.Status = uint8(bb.u(228, 2))
}

func (a *InlandLockRTA) appendJSON(b []byte) []byte {
	b = appendLockPlace(b, &a.Country, &a.Locode, &a.Section, &a.Terminal, &a.Hectometre)
	b = jDate(b, "eta", dateShort, a.RTA.Month, a.RTA.Day, a.RTA.Hour, a.RTA.Minute)
	b = jUint(b, "status", uint64(a.Status))
	return jStr(b, "status_text", rtaStatusText[a.Status&3])
}

// InlandPersons is the number of persons on board an inland vessel (type
// 6, DAC 200 FI 55, 168 bits).
type InlandPersons struct {
	Crew       Count8  // crew members
	Passengers Count13 // passengers
	Personnel  Count8  // shipboard personnel
}

// Count8 is an 8-bit count of persons; 255 is "not available".
type Count8 uint8

// Value returns the count, and false if not available.
func (c Count8) Value() (int, bool) { return int(c), c != 255 }

// Count13 is a 13-bit count of persons; 8191 is "not available".
type Count13 uint16

// Value returns the count, and false if not available.
func (c Count13) Value() (int, bool) { return int(c), c != 8191 }

func (a *InlandPersons) decode(bb *bitbuf) {
	a.Crew = Count8(bb.u(88, 8))
	a.Passengers = Count13(bb.u(96, 13))
	a.Personnel = Count8(bb.u(109, 8))
}

func (a *InlandPersons) appendJSON(b []byte) []byte {
	b = jUint(b, "crew", uint64(a.Crew))
	b = jUint(b, "passengers", uint64(a.Passengers))
	return jUint(b, "personnel", uint64(a.Personnel))
}

// AtoNMonitoring is GLA AtoN monitoring data (type 6, DAC 235 or 250 FI
// 10, 136 bits), used in the UK and Ireland.
type AtoNMonitoring struct {
	// Analogue readings in 0.05 V steps (10 bits each): internal (supply
	// voltage) and two external channels.
	AnaInt, AnaExt1, AnaExt2 uint16
	Racon                    uint8 // RACON status: 0 none installed, 1 not monitored, 2 operational, 3 error
	Light                    uint8 // light status: 0 none or not monitored, 1 on, 2 off, 3 error
	Alarm                    bool  // health alarm
	StatExt                  uint8 // external status bits
	OffPosition              bool  // off position
}

var (
	raconText = [4]string{"No RACON installed", "RACON not monitored", "RACON operational", "RACON ERROR"}
	lightText = [4]string{"No light or no monitoring", "Light ON", "Light OFF", "Light ERROR"}
)

func (a *AtoNMonitoring) decode(bb *bitbuf) {
	a.AnaInt = uint16(bb.u(88, 10))
	a.AnaExt1 = uint16(bb.u(98, 10))
	a.AnaExt2 = uint16(bb.u(108, 10))
	a.Racon = uint8(bb.u(118, 2))
	a.Light = uint8(bb.u(120, 2))
	a.Alarm = bb.bit(122)
	a.StatExt = uint8(bb.u(123, 8))
	a.OffPosition = bb.bit(131)
}

// InternalVolts returns the internal analogue reading (the supply
// voltage) in volts.
func (a *AtoNMonitoring) InternalVolts() float64 { return float64(a.AnaInt) * 0.05 }

// ExternalVolts returns external analogue reading 1 or 2 in volts.
func (a *AtoNMonitoring) ExternalVolts(i int) float64 {
	if i == 2 {
		return float64(a.AnaExt2) * 0.05
	}
	return float64(a.AnaExt1) * 0.05
}

func (a *AtoNMonitoring) appendJSON(b []byte, opt JSONOptions) []byte {
	b = jBool(b, "off_pos", a.OffPosition)
	b = jBool(b, "alarm", a.Alarm)
	b = jUint(b, "stat_ext", uint64(a.StatExt))
	b = appendVolts(b, "ana_int", a.AnaInt, opt)
	b = appendVolts(b, "ana_ext1", a.AnaExt1, opt)
	b = appendVolts(b, "ana_ext2", a.AnaExt2, opt)
	b = jUint(b, "racon", uint64(a.Racon))
	b = jStr(b, "racon_text", raconText[a.Racon&3])
	b = jUint(b, "light", uint64(a.Light))
	return jStr(b, "light_text", lightText[a.Light&3])
}

// appendVolts writes an analogue reading: scaled to volts with two
// decimals, except that gpsd prints a zero reading as the integer 0.
func appendVolts(b []byte, key string, raw uint16, opt JSONOptions) []byte {
	if opt.Scaled && raw != 0 {
		return jFloat(b, key, float64(raw)*0.05, 2)
	}
	return jUint(b, key, uint64(raw))
}

// InlandStaticVoyage is inland ship static and voyage related data (type
// 8, DAC 200 FI 10, 168 bits). gpsd, and this package, treat a hazard code
// above 5 as a false match and leave such a message undecoded.
type InlandStaticVoyage struct {
	VIN      Text   // European vessel identification number (ENI), 8 characters
	Length   uint16 // length in decimetres; 0 is "not available"
	Beam     uint16 // beam in decimetres; 0 is "not available"
	ShipType uint16 // ERI ship or combination type (8000-8370), see ShipTypeText
	Hazard   uint8  // hazardous cargo: number of blue cones (0-3), 4 B-flag, 5 unknown
	Draught  uint16 // draught in centimetres; 0 is "not available"
	Loaded   uint8  // 0 not available, 1 unloaded, 2 loaded
	SpeedQ   bool   // speed from a certified sensor (true) or not
	CourseQ  bool   // course from a certified sensor
	HeadingQ bool   // heading from a certified sensor
}

func (a *InlandStaticVoyage) decode(bb *bitbuf) {
	bb.text(&a.VIN, 56, 8)
	a.Length = uint16(bb.u(104, 13))
	a.Beam = uint16(bb.u(117, 10))
	a.ShipType = uint16(bb.u(127, 14))
	a.Hazard = uint8(bb.u(141, 3))
	a.Draught = uint16(bb.u(144, 11))
	a.Loaded = uint8(bb.u(155, 2))
	a.SpeedQ = bb.bit(157)
	a.CourseQ = bb.bit(158)
	a.HeadingQ = bb.bit(159)
}

// LengthMetres returns the length, and false if not available.
func (a *InlandStaticVoyage) LengthMetres() (float64, bool) {
	return float64(a.Length) / 10, a.Length != 0
}

// BeamMetres returns the beam, and false if not available.
func (a *InlandStaticVoyage) BeamMetres() (float64, bool) { return float64(a.Beam) / 10, a.Beam != 0 }

// DraughtMetres returns the draught, and false if not available.
func (a *InlandStaticVoyage) DraughtMetres() (float64, bool) {
	return float64(a.Draught) / 100, a.Draught != 0
}

// inlandShipTypes is gpsd's table of ERI codes and their AIS ship types;
// gpsd matches either number, in table order.
var inlandShipTypes = [...]struct {
	code, ais uint16
	text      string
}{
	{8000, 99, "Vessel, type unknown"},
	{8010, 79, "Motor freighter"},
	{8020, 89, "Motor tanker"},
	{8021, 80, "Motor tanker, liquid cargo, type N"},
	{8022, 80, "Motor tanker, liquid cargo, type C"},
	{8023, 89, "Motor tanker, dry cargo as if liquid (e.g. cement)"},
	{8030, 79, "Container vessel"},
	{8040, 80, "Gas tanker"},
	{8050, 79, "Motor freighter, tug"},
	{8060, 89, "Motor tanker, tug"},
	{8070, 79, "Motor freighter with one or more ships alongside"},
	{8080, 89, "Motor freighter with tanker"},
	{8090, 79, "Motor freighter pushing one or more freighters"},
	{8100, 89, "Motor freighter pushing at least one tank-ship"},
	{8110, 79, "Tug, freighter"},
	{8120, 89, "Tug, tanker"},
	{8130, 31, "Tug freighter, coupled"},
	{8140, 31, "Tug, freighter/tanker, coupled"},
	{8150, 99, "Freightbarge"},
	{8160, 99, "Tankbarge"},
	{8161, 90, "Tankbarge, liquid cargo, type N"},
	{8162, 90, "Tankbarge, liquid cargo, type C"},
	{8163, 99, "Tankbarge, dry cargo as if liquid (e.g. cement)"},
	{8170, 99, "Freightbarge with containers"},
	{8180, 90, "Tankbarge, gas"},
	{8210, 79, "Pushtow, one cargo barge"},
	{8220, 79, "Pushtow, two cargo barges"},
	{8230, 79, "Pushtow, three cargo barges"},
	{8240, 79, "Pushtow, four cargo barges"},
	{8250, 79, "Pushtow, five cargo barges"},
	{8260, 79, "Pushtow, six cargo barges"},
	{8270, 79, "Pushtow, seven cargo barges"},
	{8280, 79, "Pushtow, eigth cargo barges"},
	{8290, 79, "Pushtow, nine or more barges"},
	{8310, 80, "Pushtow, one tank/gas barge"},
	{8320, 80, "Pushtow, two barges at least one tanker or gas barge"},
	{8330, 80, "Pushtow, three barges at least one tanker or gas barge"},
	{8340, 80, "Pushtow, four barges at least one tanker or gas barge"},
	{8350, 80, "Pushtow, five barges at least one tanker or gas barge"},
	{8360, 80, "Pushtow, six barges at least one tanker or gas barge"},
	{8370, 80, "Pushtow, seven barges at least one tanker or gas barg"},
}

// ShipTypeText returns gpsd's legend for the ship type, which may be given
// as an ERI code or as the corresponding AIS ship type.
func (a *InlandStaticVoyage) ShipTypeText() string {
	for _, t := range inlandShipTypes {
		if t.code == a.ShipType || t.ais == a.ShipType {
			return t.text
		}
	}
	return "Illegal ship type value."
}

var (
	hazardText = [...]string{
		"0 blue cones/lights",
		"1 blue cone/light",
		"2 blue cones/lights",
		"3 blue cones/lights",
		"4 B-Flag",
		"Unknown",
	}
	loadedText = [...]string{"N/A (default)", "Unloaded", "Loaded"}
)

func (a *InlandStaticVoyage) appendJSON(b []byte) []byte {
	b = jText(b, "vin", &a.VIN)
	b = jUint(b, "length", uint64(a.Length))
	b = jUint(b, "beam", uint64(a.Beam))
	b = jUint(b, "shiptype", uint64(a.ShipType))
	b = jStr(b, "shiptype_text", a.ShipTypeText())
	b = jUint(b, "hazard", uint64(a.Hazard))
	b = jStr(b, "hazard_text", legend(hazardText[:], int(a.Hazard), "INVALID HAZARD TYPE"))
	b = jUint(b, "draught", uint64(a.Draught))
	b = jUint(b, "loaded", uint64(a.Loaded))
	b = jStr(b, "loaded_text", legend(loadedText[:], int(a.Loaded), "INVALID LOAD STATUS"))
	b = jBool(b, "speed_q", a.SpeedQ)
	b = jBool(b, "course_q", a.CourseQ)
	return jBool(b, "heading_q", a.HeadingQ)
}

// legend returns t[i], or invalid when i is out of range.
func legend(t []string, i int, invalid string) string {
	if i >= 0 && i < len(t) {
		return t[i]
	}
	return invalid
}

// EMMAWarning is an inland EMMA weather warning (type 8, DAC 200 FI 23,
// 256 bits).
//
// Its JSON differs from gpsd 3.22's in two keys: gpsd writes the weather
// type and class as "type" and "class", which duplicate the object's own
// "type" (the message type) and "class" ("AIS"); they are written as
// "emma_type" and "emma_class". The "start" string keeps gpsd's field
// order (year-month-hourTminute:day).
type EMMAWarning struct {
	// Validity period (UTC). Years are counted from 2000.
	StartYear, StartMonth, StartDay, StartHour, StartMinute uint8
	EndYear, EndMonth, EndDay, EndHour, EndMinute           uint8
	// Corners of the area concerned.
	StartLon Lon
	StartLat Lat
	EndLon   Lon
	EndLat   Lat
	Type     uint8 // weather type, see TypeText; 0 not available
	Min, Max int16 // minimum and maximum value (9-bit signed); units depend on Type
	Class    uint8 // intensity: 0 slight, 1 medium, 2 strong
	Wind     uint8 // wind direction: 0 not available, 1 north ... 8 north west
}

var (
	emmaTypeText = [...]string{
		"Not Available", "Wind", "Rain", "Snow and ice", "Thunderstorm", "Fog",
		"Low temperature", "High temperature", "Flood", "Forest Fire",
	}
	emmaClassText = [...]string{"Slight", "Medium", "Strong"}
	emmaWindText  = [...]string{
		"N/A", "North", "North East", "East", "South East", "South",
		"South West", "West", "North West",
	}
)

// TypeText returns gpsd's legend for the weather type.
func (a *EMMAWarning) TypeText() string {
	return legend(emmaTypeText[:], int(a.Type), "INVALID EMMA TYPE")
}

func (a *EMMAWarning) decode(bb *bitbuf) {
	a.StartYear = uint8(bb.u(56, 8))
	a.StartMonth = uint8(bb.u(64, 4))
	a.StartDay = uint8(bb.u(68, 5))
	a.EndYear = uint8(bb.u(73, 8))
	a.EndMonth = uint8(bb.u(81, 4))
	a.EndDay = uint8(bb.u(85, 5))
	a.StartHour = uint8(bb.u(90, 5))
	a.StartMinute = uint8(bb.u(95, 6))
	a.EndHour = uint8(bb.u(101, 5))
	a.EndMinute = uint8(bb.u(106, 6))
	a.StartLon = Lon(bb.s(112, 28))
	a.StartLat = Lat(bb.s(140, 27))
	a.EndLon = Lon(bb.s(167, 28))
	a.EndLat = Lat(bb.s(195, 27))
	a.Type = uint8(bb.u(222, 4))
	a.Min = int16(bb.s(226, 9))
	a.Max = int16(bb.s(235, 9))
	a.Class = uint8(bb.u(244, 2))
	a.Wind = uint8(bb.u(246, 4))
}

func (a *EMMAWarning) appendJSON(b []byte, opt JSONOptions) []byte {
	// gpsd 3.22 prints the start as year-month-hour T minute:day.
	b = appendKey(b, "start")
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(a.StartYear)+2000, 10)
	b = append(appendDate(append(b, '-'), dateLong, a.StartMonth, a.StartHour, a.StartMinute, a.StartDay), '"')
	b = appendKey(b, "end")
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(a.EndYear)+2000, 10)
	b = append(appendDate(append(b, '-'), dateLong, a.EndMonth, a.EndDay, a.EndHour, a.EndMinute), '"')
	b = appendLonLat(b, "start_lon", "start_lat", int64(a.StartLon), int64(a.StartLat), 600000, 6, opt)
	b = appendLonLat(b, "end_lon", "end_lat", int64(a.EndLon), int64(a.EndLat), 600000, 6, opt)
	// gpsd 3.22 names these two "type" and "class", repeating the keys
	// of the AIS object itself, which breaks every consumer that reads
	// them; they are renamed here.
	b = jUint(b, "emma_type", uint64(a.Type))
	b = jStr(b, "type_text", a.TypeText())
	b = jInt(b, "min", int64(a.Min))
	b = jInt(b, "max", int64(a.Max))
	b = jUint(b, "emma_class", uint64(a.Class))
	b = jStr(b, "class_text", legend(emmaClassText[:], int(a.Class), "INVALID EMMA TYPE"))
	b = jUint(b, "wind", uint64(a.Wind))
	return jStr(b, "wind_text", legend(emmaWindText[:], int(a.Wind), "INVALID EMMA WIND DIRECTION"))
}

// WaterLevels reports inland water levels (type 8, DAC 200 FI 24, 168
// bits): four gauges.
type WaterLevels struct {
	Country Text // UN country code, 2 characters
	N       int  // number of gauges in Gauges (always 4)
	Gauges  [4]Gauge
}

// Gauge is one water level reading.
type Gauge struct {
	ID    uint16 // gauge id (11 bits); 0 is "not available"
	Level int16  // water level in centimetres (14-bit signed); 0 is "not available"
}

// LevelMetres returns the water level, and false if not available.
func (g Gauge) LevelMetres() (float64, bool) {
	return float64(g.Level) / 100, g.Level != 0 && g.ID != 0
}

func (a *WaterLevels) decode(bb *bitbuf) {
	bb.text(&a.Country, 56, 2)
	a.N = 0
	for at := 68; at < bb.n && a.N < len(a.Gauges); at += 25 {
		a.Gauges[a.N] = Gauge{ID: uint16(bb.u(at, 11)), Level: int16(bb.s(at+11, 14))}
		a.N++
	}
}

func (a *WaterLevels) appendJSON(b []byte) []byte {
	b = jText(b, "country", &a.Country)
	b = append(appendKey(b, "gauges"), '[')
	for i := range a.N {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, uint64(a.Gauges[i].ID), 10)
		b = jInt(b, "level", int64(a.Gauges[i].Level))
		b = append(b, '}')
	}
	return append(b, ']')
}

// SignalStatus is an inland signal status report (type 8, DAC 200 FI 40,
// 168 bits).
type SignalStatus struct {
	Lon       Lon
	Lat       Lat
	Form      uint8  // signal form (4 bits); 0 unknown
	Facing    uint16 // orientation of the signal in degrees (9 bits); 0 unknown
	Direction uint8  // direction of impact: 0 unknown, 1 upstream, 2 downstream, 3 to left bank, 4 to right bank
	Status    uint32 // light status (30 bits, a code per light)
}

var (
	signalDirectionText = [...]string{"Unknown", "Upstream", "Downstream", "To left bank", "To right bank"}
	signalStatusText    = [...]string{
		"Unknown", "No light", "White", "Yellow", "Green", "Red",
		"White flashing", "Yellow flashing.",
	}
)

func (a *SignalStatus) decode(bb *bitbuf) {
	a.Lon = Lon(bb.s(56, 28))
	a.Lat = Lat(bb.s(84, 27))
	a.Form = uint8(bb.u(111, 4))
	a.Facing = uint16(bb.u(115, 9))
	a.Direction = uint8(bb.u(124, 3))
	a.Status = uint32(bb.u(127, 30))
}

func (a *SignalStatus) appendJSON(b []byte, opt JSONOptions) []byte {
	b = appendLonLat(b, "lon", "lat", int64(a.Lon), int64(a.Lat), 600000, 6, opt)
	b = jUint(b, "form", uint64(a.Form))
	b = jUint(b, "facing", uint64(a.Facing))
	b = jUint(b, "direction", uint64(a.Direction))
	b = jStr(b, "direction_text", legend(signalDirectionText[:], int(a.Direction), "INVALID DIRECTION"))
	b = jUint(b, "status", uint64(a.Status))
	return jStr(b, "status_text", legend(signalStatusText[:], int(a.Status), "INVALID STATUS"))
}

// Date layouts gpsd uses for the application messages.
const (
	dateShort = iota // "%u-%uT%u:%u"
	dateLong         // "%02u-%02uT%02u:%02u"
	dateLongZ        // "%02u-%02uT%02u:%02uZ"
)

// jDate appends a quoted month-dayThour:minute in one of gpsd's layouts.
func jDate(b []byte, key string, layout int, month, day, hour, minute uint8) []byte {
	b = append(appendKey(b, key), '"')
	return append(appendDate(b, layout, month, day, hour, minute), '"')
}

// appendDate writes month-dayThour:minute, unquoted.
func appendDate(b []byte, layout int, month, day, hour, minute uint8) []byte {
	b = appendDatePart(b, layout, month)
	b = append(b, '-')
	b = appendDatePart(b, layout, day)
	b = append(b, 'T')
	b = appendDatePart(b, layout, hour)
	b = append(b, ':')
	b = appendDatePart(b, layout, minute)
	if layout == dateLongZ {
		b = append(b, 'Z')
	}
	return b
}

func appendDatePart(b []byte, layout int, v uint8) []byte {
	if layout == dateShort {
		return strconv.AppendUint(b, uint64(v), 10)
	}
	return append2(b, uint(v))
}

// appendLonLat writes a longitude and latitude pair: raw integers, or
// divided by div with prec decimals when scaled.
func appendLonLat(b []byte, lonKey, latKey string, lon, lat int64, div float64, prec int, opt JSONOptions) []byte {
	if opt.Scaled {
		b = jFloat(b, lonKey, float64(lon)/div, prec)
		return jFloat(b, latKey, float64(lat)/div, prec)
	}
	b = jInt(b, lonKey, lon)
	return jInt(b, latKey, lat)
}
