package ais

// Binary messages: types 6 and 8 (addressed and broadcast binary, with the
// application layouts gpsd 3.22 decodes inside them), 17 (DGNSS
// corrections), 25 and 26 (single and multiple slot binary).
//
// The application layouts live in the app_*.go files. Each has a decode
// method that reads its fields from the bit buffer and an appendJSON method
// that writes gpsd's keys, in gpsd's order, after the "fid" key.

// AppKind names the application payload decoded inside a type 6 or type 8
// message, selected by its DAC and FI (and, for some, by its length, as gpsd
// does). AppNone means the payload was not decoded and is only available as
// raw bits.
type AppKind uint8

// Application payloads decoded by the package (gpsd 3.22's set). The comment
// gives the DAC/FI and the message types that carry it.
const (
	AppNone               AppKind = iota // not decoded: see the Data field
	AppInlandETA                         // 200/21, type 6: ETA at lock/bridge/terminal
	AppInlandRTA                         // 200/22, type 6: RTA at lock/bridge/terminal
	AppInlandPersons                     // 200/55, type 6: persons on board (inland)
	AppAtoNMonitoring                    // 235/10 and 250/10, type 6: GLA AtoN monitoring
	AppDangerousCargo236                 // 1/12, type 6: IMO236 dangerous cargo indication
	AppTidalWindow                       // 1/14 (IMO236) and 1/32 (IMO289), type 6
	AppExtShipData                       // 1/15, types 6 and 8: IMO236 air draught
	AppPersonsOnBoard                    // 1/16, types 6 and 8: persons on board
	AppClearanceTime                     // 1/18, type 6: IMO289 clearance time to enter port
	AppBerthingData                      // 1/20, type 6: IMO289 berthing data
	AppDangerousCargo                    // 1/25, type 6: IMO289 dangerous cargo indication
	AppRouteInfo                         // 1/27 (type 8) and 1/28 (type 6): IMO289 route information
	AppTextDescription                   // 1/29 (type 8) and 1/30 (type 6): IMO289 text description
	AppMetHydro                          // 1/11 (IMO236) and 1/31 (IMO289), type 8: meteorological and hydrological data
	AppFairwayClosed                     // 1/13, type 8: IMO236 fairway closed
	AppVTSTargets                        // 1/17, type 8: IMO289 VTS-generated/synthetic targets
	AppTrafficSignal                     // 1/19, type 8: IMO289 marine traffic signal
	AppInlandStaticVoyage                // 200/10, type 8: inland ship static and voyage data
	AppEMMAWarning                       // 200/23, type 8: inland EMMA weather warning
	AppWaterLevel                        // 200/24, type 8: inland water levels
	AppSignalStatus                      // 200/40, type 8: inland signal status
)

var appKindText = [...]string{
	AppNone:               "none",
	AppInlandETA:          "inland ETA",
	AppInlandRTA:          "inland RTA",
	AppInlandPersons:      "inland persons on board",
	AppAtoNMonitoring:     "AtoN monitoring",
	AppDangerousCargo236:  "dangerous cargo (IMO236)",
	AppTidalWindow:        "tidal window",
	AppExtShipData:        "extended ship data",
	AppPersonsOnBoard:     "persons on board",
	AppClearanceTime:      "clearance time to enter port",
	AppBerthingData:       "berthing data",
	AppDangerousCargo:     "dangerous cargo (IMO289)",
	AppRouteInfo:          "route information",
	AppTextDescription:    "text description",
	AppMetHydro:           "meteorological/hydrological data",
	AppFairwayClosed:      "fairway closed",
	AppVTSTargets:         "VTS targets",
	AppTrafficSignal:      "marine traffic signal",
	AppInlandStaticVoyage: "inland static and voyage data",
	AppEMMAWarning:        "EMMA warning",
	AppWaterLevel:         "water levels",
	AppSignalStatus:       "signal status",
}

// String returns a short English name for the application.
func (k AppKind) String() string {
	if int(k) < len(appKindText) {
		return appKindText[k]
	}
	return "unknown"
}

// AddressedBinary is an addressed binary message (type 6). The application
// payload named by App is decoded into the field listed for it below; the
// other application fields hold stale values and must be ignored.
//
// For DAC 1 FI 15 and 16, gpsd 3.22 reads the air draught and the number
// of persons at the wrong bits (inside the destination MMSI unless a FI 16
// message has exactly 224 bits). The fields hold the values at the
// standard's positions; the JSON shows gpsd's.
type AddressedBinary struct {
	Header
	SeqNo      uint8  // sequence number, 0-3
	DestMMSI   uint32 // destination MMSI
	Retransmit bool   // retransmitted flag
	DAC        uint16 // designated area code (10 bits)
	FI         uint8  // function identifier (6 bits)
	App        AppKind
	// Data holds the application data after the FI (bit 88 on), whatever
	// App is. As in gpsd, the bits past Data.Len in its last byte are
	// left as transmitted.
	Data Binary

	InlandETA     InlandLockETA     // App == AppInlandETA
	InlandRTA     InlandLockRTA     // App == AppInlandRTA
	InlandPersons InlandPersons     // App == AppInlandPersons
	AtoN          AtoNMonitoring    // App == AppAtoNMonitoring
	Cargo236      DangerousCargo236 // App == AppDangerousCargo236
	Tidal         TidalWindow       // App == AppTidalWindow
	ExtShip       ExtShipData       // App == AppExtShipData
	Persons       PersonsOnBoard    // App == AppPersonsOnBoard
	Clearance     ClearanceTime     // App == AppClearanceTime
	Berthing      BerthingData      // App == AppBerthingData
	Cargo         DangerousCargo    // App == AppDangerousCargo
	Route         RouteInfo         // App == AppRouteInfo
	Text          TextDescription   // App == AppTextDescription
}

// Bit offset of the application data in type 6 and type 8 messages.
const (
	t6Data = 88
	t8Data = 56
)

func (m *AddressedBinary) decode(bb *bitbuf) error {
	if bb.n < 88 {
		return ErrTooShort
	}
	if bb.n > 1008 {
		return ErrTooLong
	}
	m.Header.decode(bb)
	m.SeqNo = uint8(bb.u(38, 2))
	m.DestMMSI = uint32(bb.u(40, 30))
	m.Retransmit = bb.bit(70)
	m.DAC = uint16(bb.u(72, 10))
	m.FI = uint8(bb.u(82, 6))
	bb.binary(&m.Data, t6Data, bb.n-t6Data)
	m.App = m.decodeApp(bb)
	return nil
}

// decodeApp decodes the application payload gpsd 3.22 knows for the DAC
// and FI, with gpsd's length conditions, and returns its kind.
func (m *AddressedBinary) decodeApp(bb *bitbuf) AppKind {
	n := bb.n
	switch m.DAC {
	case 200:
		switch m.FI {
		case 21:
			if n == 248 {
				m.InlandETA.decode(bb)
				return AppInlandETA
			}
		case 22:
			if n == 232 {
				m.InlandRTA.decode(bb)
				return AppInlandRTA
			}
		case 55:
			if n == 168 {
				m.InlandPersons.decode(bb)
				return AppInlandPersons
			}
		}
	case 235, 250:
		if m.FI == 10 && n == 136 {
			m.AtoN.decode(bb)
			return AppAtoNMonitoring
		}
	case 1:
		switch m.FI {
		case 12:
			m.Cargo236.decode(bb)
			return AppDangerousCargo236
		case 14, 32:
			m.Tidal.decode(bb, m.FI)
			return AppTidalWindow
		case 15:
			m.ExtShip.decode(bb, t6Data)
			// gpsd 3.22 reads the type 6 air draught at bit 56, inside
			// the destination MMSI; keep its value for the JSON.
			m.ExtShip.gpsd = uint16(bb.u(56, 11))
			return AppExtShipData
		case 16:
			m.Persons.decode(bb, t6Data)
			// gpsd 3.22 reads bit 88 for a 224-bit message and bit 55
			// otherwise.
			if n-t6Data == 136 {
				m.Persons.gpsd = uint16(bb.u(88, 13))
			} else {
				m.Persons.gpsd = uint16(bb.u(55, 13))
			}
			return AppPersonsOnBoard
		case 18:
			m.Clearance.decode(bb)
			return AppClearanceTime
		case 20:
			m.Berthing.decode(bb)
			return AppBerthingData
		case 25:
			m.Cargo.decode(bb)
			return AppDangerousCargo
		case 28:
			m.Route.decode(bb, t6Data)
			return AppRouteInfo
		case 30:
			m.Text.decode(bb, t6Data)
			return AppTextDescription
		}
	}
	return AppNone
}

// AppendJSON implements Message.
func (m *AddressedBinary) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "seqno", uint64(m.SeqNo))
	b = jUint(b, "dest_mmsi", uint64(m.DestMMSI))
	b = jBool(b, "retransmit", m.Retransmit)
	b = jUint(b, "dac", uint64(m.DAC))
	b = jUint(b, "fid", uint64(m.FI))
	switch m.App {
	case AppInlandETA:
		b = m.InlandETA.appendJSON(b)
	case AppInlandRTA:
		b = m.InlandRTA.appendJSON(b)
	case AppInlandPersons:
		b = m.InlandPersons.appendJSON(b)
	case AppAtoNMonitoring:
		b = m.AtoN.appendJSON(b, opt)
	case AppDangerousCargo236:
		b = m.Cargo236.appendJSON(b)
	case AppTidalWindow:
		b = m.Tidal.appendJSON(b, opt)
	case AppExtShipData:
		b = jUint(b, "airdraught", uint64(m.ExtShip.gpsd))
	case AppPersonsOnBoard:
		b = jUint(b, "persons", uint64(m.Persons.gpsd))
	case AppClearanceTime:
		b = m.Clearance.appendJSON(b, opt)
	case AppBerthingData:
		b = m.Berthing.appendJSON(b, opt)
	case AppDangerousCargo:
		b = m.Cargo.appendJSON(b)
	case AppRouteInfo:
		b = m.Route.appendJSON(b, opt)
	case AppTextDescription:
		b = m.Text.appendJSON(b)
	default:
		b = jData(b, "data", &m.Data)
	}
	return append(b, '}')
}

// BroadcastBinary is a binary broadcast message (type 8). The application
// payload named by App is decoded into the field listed for it below; the
// other application fields hold stale values and must be ignored.
//
// gpsd 3.22 decodes DAC 1 FI 16 only at 128 or 192 bits, and then prints
// "persons":0 whatever the message says (it prints a field of its type 6
// layout); the JSON does the same, and Persons holds the value.
type BroadcastBinary struct {
	Header
	DAC uint16 // designated area code (10 bits)
	FI  uint8  // function identifier (6 bits)
	App AppKind
	// Data holds the application data after the FI (bit 56 on), whatever
	// App is. As in gpsd, the bits past Data.Len in its last byte are
	// cleared.
	Data Binary

	MetHydro     MetHydro           // App == AppMetHydro (FI 11 or 31)
	Fairway      FairwayClosed      // App == AppFairwayClosed
	ExtShip      ExtShipData        // App == AppExtShipData
	Persons      PersonsOnBoard     // App == AppPersonsOnBoard
	Targets      VTSTargets         // App == AppVTSTargets
	Signal       TrafficSignal      // App == AppTrafficSignal
	Route        RouteInfo          // App == AppRouteInfo
	Text         TextDescription    // App == AppTextDescription
	Inland       InlandStaticVoyage // App == AppInlandStaticVoyage
	EMMA         EMMAWarning        // App == AppEMMAWarning
	WaterLevel   WaterLevels        // App == AppWaterLevel
	SignalStatus SignalStatus       // App == AppSignalStatus
}

func (m *BroadcastBinary) decode(bb *bitbuf) error {
	if bb.n < 56 {
		return ErrTooShort
	}
	if bb.n > 1008 {
		return ErrTooLong
	}
	m.Header.decode(bb)
	m.DAC = uint16(bb.u(40, 10))
	m.FI = uint8(bb.u(50, 6))
	bb.binary(&m.Data, t8Data, bb.n-t8Data)
	if r := m.Data.Len() % 8; r != 0 {
		m.Data.b[m.Data.Len()/8] &= 0xFF << (8 - r)
	}
	m.App = m.decodeApp(bb)
	return nil
}

// decodeApp decodes the application payload gpsd 3.22 knows for the DAC
// and FI, with gpsd's length conditions, and returns its kind.
func (m *BroadcastBinary) decodeApp(bb *bitbuf) AppKind {
	n := bb.n
	switch m.DAC {
	case 1:
		switch m.FI {
		case 11, 31:
			m.MetHydro.decode(bb, m.FI)
			return AppMetHydro
		case 13:
			m.Fairway.decode(bb)
			return AppFairwayClosed
		case 15:
			m.ExtShip.decode(bb, t8Data)
			m.ExtShip.gpsd = m.ExtShip.AirDraught
			return AppExtShipData
		case 16:
			// gpsd 3.22 accepts two lengths only, and then prints a
			// field of its type 6 layout, which reads as 0.
			if n-t8Data == 136 || n-t8Data == 72 {
				m.Persons.decode(bb, t8Data)
				m.Persons.gpsd = 0
				return AppPersonsOnBoard
			}
		case 17:
			m.Targets.decode(bb)
			return AppVTSTargets
		case 19:
			m.Signal.decode(bb)
			return AppTrafficSignal
		case 27:
			m.Route.decode(bb, t8Data)
			return AppRouteInfo
		case 29:
			m.Text.decode(bb, t8Data)
			return AppTextDescription
		}
	case 200:
		switch m.FI {
		case 10:
			// gpsd rejects hazard codes above 5 as a false match.
			if n == 168 && bb.u(141, 3) <= 5 {
				m.Inland.decode(bb)
				return AppInlandStaticVoyage
			}
		case 23:
			if n == 256 {
				m.EMMA.decode(bb)
				return AppEMMAWarning
			}
		case 24:
			if n == 168 {
				m.WaterLevel.decode(bb)
				return AppWaterLevel
			}
		case 40:
			if n == 168 {
				m.SignalStatus.decode(bb)
				return AppSignalStatus
			}
		}
	}
	return AppNone
}

// AppendJSON implements Message.
func (m *BroadcastBinary) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jUint(b, "dac", uint64(m.DAC))
	b = jUint(b, "fid", uint64(m.FI))
	switch m.App {
	case AppMetHydro:
		b = m.MetHydro.appendJSON(b, opt)
	case AppFairwayClosed:
		b = m.Fairway.appendJSON(b)
	case AppExtShipData:
		b = jUint(b, "airdraught", uint64(m.ExtShip.gpsd))
	case AppPersonsOnBoard:
		b = jUint(b, "persons", uint64(m.Persons.gpsd))
	case AppVTSTargets:
		b = m.Targets.appendJSON(b, opt)
	case AppTrafficSignal:
		b = m.Signal.appendJSON(b)
	case AppRouteInfo:
		b = m.Route.appendJSON(b, opt)
	case AppTextDescription:
		b = m.Text.appendJSON(b)
	case AppInlandStaticVoyage:
		b = m.Inland.appendJSON(b)
	case AppEMMAWarning:
		b = m.EMMA.appendJSON(b, opt)
	case AppWaterLevel:
		b = m.WaterLevel.appendJSON(b)
	case AppSignalStatus:
		b = m.SignalStatus.appendJSON(b, opt)
	default:
		b = jData(b, "data", &m.Data)
	}
	return append(b, '}')
}

// DGNSS is a GNSS broadcast binary message (type 17): differential
// corrections from a reference station.
type DGNSS struct {
	Header
	Lon Lon10 // reference station longitude, 1/10 minute
	Lat Lat10 // reference station latitude, 1/10 minute
	// Data holds the correction data (ITU-R M.823 words) from bit 80 on;
	// the bits past Data.Len in its last byte are left as transmitted.
	Data Binary
}

func (m *DGNSS) decode(bb *bitbuf) error {
	if bb.n < 80 {
		return ErrTooShort
	}
	if bb.n > 816 {
		return ErrTooLong
	}
	m.Header.decode(bb)
	m.Lon = Lon10(bb.s(40, 18))
	m.Lat = Lat10(bb.s(58, 17))
	bb.binary(&m.Data, 80, bb.n-80)
	return nil
}

// AppendJSON implements Message.
func (m *DGNSS) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	if opt.Scaled {
		b = jFloat(b, "lon", float64(m.Lon)/600, 1)
		b = jFloat(b, "lat", float64(m.Lat)/600, 1)
	} else {
		b = jInt(b, "lon", int64(m.Lon))
		b = jInt(b, "lat", int64(m.Lat))
	}
	b = jData(b, "data", &m.Data)
	return append(b, '}')
}

// SingleSlotBinary is a single slot binary message (type 25).
type SingleSlotBinary struct {
	Header
	Addressed  bool   // the message carries a destination MMSI
	Structured bool   // the message carries a 16-bit application identifier
	DestMMSI   uint32 // destination MMSI; 0 when not Addressed
	AppID      uint16 // application identifier (DAC and FI); 0 when not Structured
	// Data holds the binary data after the address and application id.
	// The bits past Data.Len in its last byte are those gpsd prints: as
	// transmitted, or, in addressed messages, some may be zero (gpsd
	// shifts the address out of whole bytes).
	Data Binary
}

func (m *SingleSlotBinary) decode(bb *bitbuf) error {
	if bb.n < 40 {
		return ErrTooShort
	}
	if bb.n > 168 {
		return ErrTooLong
	}
	m.Header.decode(bb)
	m.Addressed = bb.bit(38)
	m.Structured = bb.bit(39)
	if bb.n < 40+16*b2i(m.Structured)+30*b2i(m.Addressed) {
		return ErrTooShort
	}
	m.DestMMSI, m.AppID = slotData(bb, &m.Data, m.Addressed, m.Structured, bb.n-40-16*b2i(m.Structured))
	return nil
}

// slotData reads the optional destination MMSI and application id of a
// type 25 or 26 message, and its data. nbits is the data length as gpsd
// 3.22 first counts it: from bit 40 (56 when structured), destination
// included.
//
// gpsd copies whole bytes of the message from there and then shifts the
// destination out of them, bringing in zero bits; when the copy ended
// before the last data byte did, that byte ends with zeros where the
// message had other bits. This reproduces it.
func slotData(bb *bitbuf, d *Binary, addressed, structured bool, nbits int) (dest uint32, app uint16) {
	at := 40
	if addressed {
		dest = uint32(bb.u(40, 30))
		at += 30
	}
	if structured {
		app = uint16(bb.u(at, 16))
		at += 16
	}
	if !addressed {
		bb.binary(d, at, nbits)
		return dest, app
	}
	bb.binary(d, at, nbits-30)
	copied := (nbits+7)/8*8 - 30 // data bits that came from the copy
	for i := copied; i < (d.Len()+7)/8*8; i++ {
		d.b[i/8] &^= 0x80 >> (i % 8)
	}
	return dest, app
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

// AppendJSON implements Message.
func (m *SingleSlotBinary) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jBool(b, "addressed", m.Addressed)
	b = jBool(b, "structured", m.Structured)
	b = jUint(b, "dest_mmsi", uint64(m.DestMMSI))
	b = jUint(b, "app_id", uint64(m.AppID))
	b = jData(b, "data", &m.Data)
	return append(b, '}')
}

// MultiSlotBinary is a multiple slot binary message (type 26).
type MultiSlotBinary struct {
	Header
	Addressed  bool   // the message carries a destination MMSI
	Structured bool   // the message carries a 16-bit application identifier
	DestMMSI   uint32 // destination MMSI; 0 when not Addressed
	AppID      uint16 // application identifier (DAC and FI); 0 when not Structured
	// Data holds the binary data between the address and application id
	// and the communication state. The bits past Data.Len in its last byte
	// are those gpsd prints (see SingleSlotBinary.Data).
	Data Binary
	// Radio is the communication state: the last 20 bits of the message
	// (the selector bit and the SOTDMA or ITDMA state). gpsd 3.22 does not
	// decode it and always prints 0, and so does AppendJSON.
	Radio uint32
}

func (m *MultiSlotBinary) decode(bb *bitbuf) error {
	if bb.n < 60 {
		return ErrTooShort
	}
	if bb.n > 1004 {
		return ErrTooLong
	}
	m.Header.decode(bb)
	m.Addressed = bb.bit(38)
	m.Structured = bb.bit(39)
	if bb.n < 60+16*b2i(m.Structured)+30*b2i(m.Addressed) {
		return ErrTooShort
	}
	m.DestMMSI, m.AppID = slotData(bb, &m.Data, m.Addressed, m.Structured, bb.n-60-16*b2i(m.Structured))
	m.Radio = uint32(bb.u(bb.n-20, 20))
	return nil
}

// AppendJSON implements Message.
func (m *MultiSlotBinary) AppendJSON(b []byte, opt JSONOptions) []byte {
	b = appendHead(b, &m.Header, opt)
	b = jBool(b, "addressed", m.Addressed)
	b = jBool(b, "structured", m.Structured)
	b = jUint(b, "dest_mmsi", uint64(m.DestMMSI))
	b = jUint(b, "app_id", uint64(m.AppID))
	b = jData(b, "data", &m.Data)
	b = jUint(b, "radio", 0) // never decoded by gpsd 3.22
	return append(b, '}')
}
