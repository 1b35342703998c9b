package asterix

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Cat062 holds the items of a CAT 062 system track data record (EUROCONTROL
// ASTERIX Part 9, Category 062, edition 1.18 UAP). Item fields are in the
// specification's units; a field is meaningful only when Record.Has reports
// its item.
type Cat062 struct {
	I010 SourceID        `json:"I010"`           // data source identifier
	I015 uint8           `json:"I015"`           // service identification
	I070 time.Duration   `json:"I070"`           // time of track information (1/128 s)
	I105 LatLon          `json:"I105"`           // calculated position in WGS-84 (180/2^25 deg)
	I100 CartesianM      `json:"I100"`           // calculated position, Cartesian (0.5 m)
	I185 VelocityXY      `json:"I185"`           // calculated track velocity, Cartesian (0.25 m/s)
	I210 AccelerationXY  `json:"I210"`           // calculated acceleration (0.25 m/s²)
	I060 Code            `json:"I060"`           // track Mode 3/A code (V, G, CH)
	I245 TargetID        `json:"I245"`           // target identification
	I380 AircraftDerived `json:"I380"`           // aircraft derived data
	I040 uint16          `json:"I040"`           // track number
	I080 TrackStatus062  `json:"I080"`           // track status
	I290 Ages            `json:"I290"`           // system track update ages (1/4 s)
	I200 ModeOfMovement  `json:"I200"`           // mode of movement
	I295 Ages            `json:"I295"`           // track data ages (1/4 s)
	I136 float64         `json:"I136"`           // measured flight level, FL (1/4 FL)
	I130 float64         `json:"I130"`           // calculated track geometric altitude, ft (6.25 ft)
	I135 BaroAltitude    `json:"I135"`           // calculated track barometric altitude
	I220 float64         `json:"I220"`           // calculated rate of climb/descent, ft/min (6.25)
	I390 FlightPlan      `json:"I390"`           // flight plan related data
	I270 TargetSize      `json:"I270"`           // target size and orientation
	I300 uint8           `json:"I300"`           // vehicle fleet identification
	I110 Compound        `json:"I110"`           // Mode 5 data, subfields as sent
	I120 uint16          `json:"I120"`           // Mode 2 code (12 bits)
	I510 []ComposedTrack `json:"I510,omitempty"` // composed track number
	I500 Accuracy        `json:"I500"`           // estimated accuracies
	I340 Measured        `json:"I340"`           // measured information
	SP   []byte          `json:"SP,omitempty"`   // special purpose field, as sent
	RE   []byte          `json:"RE,omitempty"`   // reserved expansion field, as sent
}

// LatLon is a WGS-84 position in degrees.
type LatLon struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// CartesianM is a position in metres in the system's Cartesian plane, X east
// and Y north.
type CartesianM struct {
	X float64 `json:"x_m"`
	Y float64 `json:"y_m"`
}

// VelocityXY is a velocity in m/s, X east and Y north.
type VelocityXY struct {
	VX float64 `json:"vx_ms"`
	VY float64 `json:"vy_ms"`
}

// AccelerationXY is an acceleration in m/s², X east and Y north.
type AccelerationXY struct {
	AX float64 `json:"ax_ms2"`
	AY float64 `json:"ay_ms2"`
}

// TargetID is I062/245: STI (0 downlinked, 1 not downlinked, 2 from the
// flight plan, 3 reserved) and the identification.
type TargetID struct {
	STI uint8 `json:"sti"`
	ID  Ident `json:"id"`
}

// FlightPlan is I062/390. The text subfields are decoded (ASCII, trailing
// spaces removed) when present; IFI, FCT, CTL, TOD, STS and PEM are kept as
// sent in Other.
type FlightPlan struct {
	TAG   *SourceID  `json:"tag,omitempty"` // FPPS identification
	CSN   string     `json:"csn,omitempty"` // callsign
	TAC   string     `json:"tac,omitempty"` // type of aircraft
	WTC   string     `json:"wtc,omitempty"` // wake turbulence category
	DEP   string     `json:"dep,omitempty"` // departure airport
	DST   string     `json:"dst,omitempty"` // destination airport
	RDS   string     `json:"rds,omitempty"` // runway designation
	CFL   *float64   `json:"cfl,omitempty"` // current cleared flight level (1/4 FL)
	AST   string     `json:"ast,omitempty"` // aircraft stand
	STD   string     `json:"std,omitempty"` // standard instrument departure
	STA   string     `json:"sta,omitempty"` // standard instrument arrival
	PEC   string     `json:"pec,omitempty"` // pre-emergency callsign
	Other []Subfield `json:"other,omitempty"`
}

// ascii returns printable ASCII text without trailing spaces; other octets
// read as '?', so that the text is safe to print.
func ascii(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return strings.TrimRight(string(out), " ")
}

func flightPlan(s *spec, parts *[maxSub][]byte) FlightPlan {
	var f FlightPlan
	for i, p := range parts[:len(s.sub)] {
		if p == nil {
			continue
		}
		switch s.sub[i].name {
		case "TAG":
			id := sourceID(p)
			f.TAG = &id
		case "CSN":
			f.CSN = ascii(p)
		case "TAC":
			f.TAC = ascii(p)
		case "WTC":
			f.WTC = ascii(p)
		case "DEP":
			f.DEP = ascii(p)
		case "DST":
			f.DST = ascii(p)
		case "RDS":
			f.RDS = ascii(p)
		case "CFL":
			v := float64(u16(p)) / 4
			f.CFL = &v
		case "AST":
			f.AST = ascii(p)
		case "STD":
			f.STD = ascii(p)
		case "STA":
			f.STA = ascii(p)
		case "PEC":
			f.PEC = ascii(p)
		default:
			f.Other = append(f.Other, Subfield{Name: s.sub[i].name, Data: copyBytes(p)})
		}
	}
	return f
}

// Compound is a compound item kept subfield by subfield as sent.
type Compound struct {
	Subfields []Subfield `json:"subfields,omitempty"`
}

// AircraftDerived is I062/380. Present has bit i set for subfield i (0 ADR,
// 1 ID, 2 MHG, 3 IAS, 4 TAS, 5 SAL, 6 FSS, 7 TIS, 8 TID, 9 COM, 10 SAB,
// 11 ACS, 12 BVR, 13 GVR, 14 RAN, 15 TAR, 16 TAN, 17 GSP, 18 VUN, 19 MET,
// 20 EMC, 21 POS, 22 GAL, 23 PUN, 24 MB, 25 IAR, 26 MAC, 27 BPS). Subfields
// decoded into fields below; TIS, TID, SAB, ACS, VUN, MET, EMC and PUN are
// kept as sent in Other.
type AircraftDerived struct {
	Present uint32         `json:"present"`
	ADR     uint32         `json:"adr"`     // target address
	ID      Ident          `json:"id"`      // target identification
	MHG     float64        `json:"mhg_deg"` // magnetic heading
	IM      bool           `json:"im"`      // IAS holds Mach (else airspeed in NM/s)
	IAS     float64        `json:"ias"`     // indicated airspeed: NM/s (2^-14) or Mach (0.001)
	TAS     uint16         `json:"tas_kt"`  // true airspeed
	SAL     SelectedAlt    `json:"sal"`     // selected altitude
	FSS     FinalAlt       `json:"fss"`     // final state selected altitude
	COM     CommCapability `json:"com"`     // communications capability
	BVR     float64        `json:"bvr_fpm"` // barometric vertical rate (6.25 ft/min)
	GVR     float64        `json:"gvr_fpm"` // geometric vertical rate (6.25 ft/min)
	RAN     float64        `json:"ran_deg"` // roll angle (0.01 deg)
	TI      uint8          `json:"tar_ti"`  // track angle rate: turn indicator
	TAR     float64        `json:"tar_dps"` // track angle rate, deg/s (1/4)
	TAN     float64        `json:"tan_deg"` // track angle
	GSP     float64        `json:"gsp_nms"` // ground speed, NM/s (2^-14)
	POS     LatLon         `json:"pos"`     // position (180/2^23 deg)
	GAL     float64        `json:"gal_ft"`  // geometric altitude (6.25 ft)
	MB      []CommB        `json:"mb"`      // Mode S MB data
	IAR     uint16         `json:"iar_kt"`  // indicated airspeed
	MAC     float64        `json:"mac"`     // Mach number (0.008)
	BPS     float64        `json:"bps_mb"`  // barometric pressure setting (0.1 mb, from 800 mb)
	Other   []Subfield     `json:"other,omitempty"`
}

// Has reports whether subfield i of I062/380 is present.
func (a *AircraftDerived) Has(i int) bool { return a.Present&(1<<i) != 0 }

// MarshalJSON writes the subfields present, by name.
func (a AircraftDerived) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	vals := []any{fmt.Sprintf("%06X", a.ADR), a.ID, a.MHG, nil, a.TAS, a.SAL, a.FSS, nil, nil, a.COM, nil, nil, a.BVR, a.GVR,
		a.RAN, nil, a.TAN, a.GSP, nil, nil, nil, a.POS, a.GAL, nil, a.MB, a.IAR, a.MAC, a.BPS}
	for i, v := range vals {
		if a.Has(i) && v != nil {
			m[uap062.items[10].sub[i].name] = v
		}
	}
	if a.Has(3) {
		m["IAS"] = map[string]any{"im": a.IM, "value": a.IAS}
	}
	if a.Has(15) {
		m["TAR"] = map[string]any{"ti": a.TI, "rate_deg_s": a.TAR}
	}
	for _, o := range a.Other {
		m[o.Name] = o.Data
	}
	return json.Marshal(m)
}

// SelectedAlt is I062/380 SAL.
type SelectedAlt struct {
	SAS    bool    `json:"sas"`    // source information provided
	Source uint8   `json:"source"` // 0 unknown, 1 aircraft altitude, 2 FCU/MCP, 3 FMS
	AltFt  float64 `json:"alt_ft"` // 25 ft
}

// FinalAlt is I062/380 FSS.
type FinalAlt struct {
	MV    bool    `json:"mv"` // manage vertical mode active
	AH    bool    `json:"ah"` // altitude hold active
	AM    bool    `json:"am"` // approach mode active
	AltFt float64 `json:"alt_ft"`
}

// TrackStatus062 is I062/080 (octets 1 to 6; Octets says how many were sent).
type TrackStatus062 struct {
	Octets uint8 `json:"octets"`
	MON    bool  `json:"mon"` // monosensor track (else multisensor)
	SPI    bool  `json:"spi"`
	MRH    bool  `json:"mrh"` // geometric altitude more reliable
	SRC    uint8 `json:"src"` // source of calculated track altitude
	CNF    bool  `json:"cnf"` // tentative track
	SIM    bool  `json:"sim"`
	TSE    bool  `json:"tse"` // last message of the track
	TSB    bool  `json:"tsb"` // first message of the track
	FPC    bool  `json:"fpc"` // flight plan correlated
	AFF    bool  `json:"aff"` // ADS-B data inconsistent with other surveillance
	STP    bool  `json:"stp"` // slave track promotion
	KOS    bool  `json:"kos"` // background service used
	AMA    bool  `json:"ama"` // track from amalgamation
	MD4    uint8 `json:"md4"`
	ME     bool  `json:"me"`
	MI     bool  `json:"mi"`
	MD5    uint8 `json:"md5"`
	CST    bool  `json:"cst"` // coasting
	PSR    bool  `json:"psr"` // no PSR update in the last cycle ("age" flags)
	SSR    bool  `json:"ssr"`
	MDS    bool  `json:"mds"`
	ADS    bool  `json:"ads"`
	SUC    bool  `json:"suc"` // special used code
	AAC    bool  `json:"aac"` // assigned code conflict
	SDS    uint8 `json:"sds"`
	EMS    uint8 `json:"ems"`
	PFT    bool  `json:"pft"`
	FPLT   bool  `json:"fplt"`
	DUPT   bool  `json:"dupt"`
	DUPF   bool  `json:"dupf"`
	DUPM   bool  `json:"dupm"`
	SFC    bool  `json:"sfc"`
	IDD    bool  `json:"idd"`
	IEC    bool  `json:"iec"`
	MLAT   bool  `json:"mlat"` // edition 1.19 on; spare in 1.18
}

// Ages holds the ages of a compound age item (I062/290, I062/295), in
// seconds, indexed by subfield; Present has bit i set for subfield i.
//
// I062/290 subfields: 0 TRK, 1 PSR, 2 SSR, 3 MDS, 4 ADS, 5 ES, 6 VDL, 7 UAT,
// 8 LOP, 9 MLT. I062/295: 0 MFL, 1 MD1, 2 MD2, 3 MDA, 4 MD4, 5 MD5, 6 MHG,
// 7 IAS, 8 TAS, 9 SAL, 10 FSS, 11 TID, 12 COM, 13 SAB, 14 ACS, 15 BVR,
// 16 GVR, 17 RAN, 18 TAR, 19 TAN, 20 GSP, 21 VUN, 22 MET, 23 EMC, 24 POS,
// 25 GAL, 26 PUN, 27 MB, 28 IAR, 29 MAC, 30 BPS.
type Ages struct {
	Present uint32
	Age     [31]float64
	names   []string // subfield names, for JSON
}

// MarshalJSON writes the ages present, by subfield name, in seconds.
func (a Ages) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i := range a.Age {
		if !a.Has(i) || i >= len(a.names) {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%q:%v", a.names[i], a.Age[i])
	}
	return append(b, '}'), nil
}

// Has reports whether subfield i is present.
func (a *Ages) Has(i int) bool { return a.Present&(1<<i) != 0 }

// ModeOfMovement is I062/200.
type ModeOfMovement struct {
	TRANS uint8 `json:"trans"` // 0 constant course, 1 right turn, 2 left turn, 3 undetermined
	LONG  uint8 `json:"long"`  // 0 constant speed, 1 increasing, 2 decreasing, 3 undetermined
	VERT  uint8 `json:"vert"`  // 0 level, 1 climb, 2 descent, 3 undetermined
	ADF   bool  `json:"adf"`   // altitude discrepancy
}

// BaroAltitude is I062/135.
type BaroAltitude struct {
	QNH bool    `json:"qnh"` // QNH correction applied
	FL  float64 `json:"fl"`  // 1/4 FL
}

// TargetSize is I062/270; Octets says which of length, orientation and
// width were sent (1, 2 or 3).
type TargetSize struct {
	Octets         uint8   `json:"octets"`
	LengthM        float64 `json:"length_m"`
	OrientationDeg float64 `json:"orientation_deg"`
	WidthM         float64 `json:"width_m"`
}

// Accuracy is I062/500, the tracker's estimated accuracies (standard
// deviations) — the noise a fusion gate needs. Present has bit i set for
// subfield i (0 APC, 1 COV, 2 APW, 3 AGA, 4 ABA, 5 ATV, 6 AA, 7 ARC).
type Accuracy struct {
	Present  uint8   `json:"present"`
	APCX     float64 `json:"apc_x_m"`    // position, X (0.5 m)
	APCY     float64 `json:"apc_y_m"`    // position, Y (0.5 m)
	COV      float64 `json:"cov_m"`      // XY covariance component (0.5 m)
	APWLat   float64 `json:"apw_lat"`    // position, latitude (180/2^25 deg)
	APWLon   float64 `json:"apw_lon"`    // position, longitude (180/2^25 deg)
	AGAFt    float64 `json:"aga_ft"`     // geometric altitude (6.25 ft)
	ABAFL    float64 `json:"aba_fl"`     // barometric altitude (1/4 FL)
	ATVX     float64 `json:"atv_x_ms"`   // velocity, X (0.25 m/s)
	ATVY     float64 `json:"atv_y_ms"`   // velocity, Y (0.25 m/s)
	AAX      float64 `json:"aa_x_ms2"`   // acceleration, X (0.25 m/s²)
	AAY      float64 `json:"aa_y_ms2"`   // acceleration, Y (0.25 m/s²)
	ARCFtMin float64 `json:"arc_ft_min"` // rate of climb/descent (6.25 ft/min)
}

// Has reports whether subfield i of I062/500 is present.
func (a *Accuracy) Has(i int) bool { return a.Present&(1<<i) != 0 }

func accuracy(parts *[maxSub][]byte) Accuracy {
	var a Accuracy
	for i, p := range parts[:8] {
		if p == nil {
			continue
		}
		a.Present |= 1 << i
		switch i {
		case 0:
			a.APCX, a.APCY = float64(u16(p))/2, float64(u16(p[2:]))/2
		case 1:
			a.COV = float64(int16(u16(p))) / 2
		case 2:
			a.APWLat, a.APWLon = float64(u16(p))*180/(1<<25), float64(u16(p[2:]))*180/(1<<25)
		case 3:
			a.AGAFt = float64(p[0]) * 6.25
		case 4:
			a.ABAFL = float64(p[0]) / 4
		case 5:
			a.ATVX, a.ATVY = float64(p[0])/4, float64(p[1])/4
		case 6:
			a.AAX, a.AAY = float64(p[0])/4, float64(p[1])/4
		case 7:
			a.ARCFtMin = float64(p[0]) * 6.25
		}
	}
	return a
}

// ComposedTrack is one element of I062/510.
type ComposedTrack struct {
	Unit  uint8  `json:"unit"`
	Track uint16 `json:"track"`
}

// Measured is I062/340: the last measured detection used for the track.
// Present has bit i set for subfield i (0 SID, 1 POS, 2 HEI, 3 MDC, 4 MDA,
// 5 TYP).
type Measured struct {
	Present uint8         `json:"present"`
	SID     SourceID      `json:"sid"`
	POS     PolarPosition `json:"pos"`
	HEI     float64       `json:"hei_ft"` // height measured by a 3D radar (25 ft)
	MDC     FlightLevel   `json:"mdc"`    // last measured Mode C code (1/4 FL)
	MDA     Code          `json:"mda"`    // last measured Mode 3/A code
	TYP     uint8         `json:"typ"`    // report type, as in I048/020
	SIM     bool          `json:"sim"`
	RAB     bool          `json:"rab"`
	TST     bool          `json:"tst"`
}

// Has reports whether subfield i of I062/340 is present.
func (m *Measured) Has(i int) bool { return m.Present&(1<<i) != 0 }

func ages(names ...string) []spec {
	s := make([]spec, len(names))
	for i, n := range names {
		if n == "" {
			s[i] = spare()
		} else {
			s[i] = fixed(i, n, 1)
		}
	}
	return s
}

var (
	ages290 = []string{"TRK", "PSR", "SSR", "MDS", "ADS", "ES", "VDL", "UAT", "LOP", "MLT"}
	ages295 = []string{"MFL", "MD1", "MD2", "MDA", "MD4", "MD5", "MHG", "IAS", "TAS", "SAL", "FSS", "TID", "COM",
		"SAB", "ACS", "BVR", "GVR", "RAN", "TAR", "TAN", "GSP", "VUN", "MET", "EMC", "POS", "GAL", "PUN", "MB",
		"IAR", "MAC", "BPS"}
)

var uap062 = newUAP(62, decode062,
	fixed(10, "I062/010", 2),
	spare(),
	fixed(15, "I062/015", 1),
	fixed(70, "I062/070", 3),
	fixed(105, "I062/105", 8),
	fixed(100, "I062/100", 6),
	fixed(185, "I062/185", 4),
	fixed(210, "I062/210", 2),
	fixed(60, "I062/060", 2),
	fixed(245, "I062/245", 7),
	compound(380, "I062/380",
		fixed(0, "ADR", 3), fixed(1, "ID", 6), fixed(2, "MHG", 2), fixed(3, "IAS", 2), fixed(4, "TAS", 2),
		fixed(5, "SAL", 2), fixed(6, "FSS", 2), extended(7, "TIS", 1, 1), repetitive(8, "TID", 15), fixed(9, "COM", 2),
		fixed(10, "SAB", 2), fixed(11, "ACS", 7), fixed(12, "BVR", 2), fixed(13, "GVR", 2), fixed(14, "RAN", 2),
		fixed(15, "TAR", 2), fixed(16, "TAN", 2), fixed(17, "GSP", 2), fixed(18, "VUN", 1), fixed(19, "MET", 8),
		fixed(20, "EMC", 1), fixed(21, "POS", 6), fixed(22, "GAL", 2), fixed(23, "PUN", 1), repetitive(24, "MB", 8),
		fixed(25, "IAR", 2), fixed(26, "MAC", 2), fixed(27, "BPS", 2)),
	fixed(40, "I062/040", 2),
	extended(80, "I062/080", 1, 1),
	spec{id: 290, name: "I062/290", kind: kCompound, sub: func() []spec {
		s := ages(ages290...)
		s[4].n = 2 // ADS age is two octets
		return s
	}()},
	fixed(200, "I062/200", 1),
	spec{id: 295, name: "I062/295", kind: kCompound, sub: ages(ages295...)},
	fixed(136, "I062/136", 2),
	fixed(130, "I062/130", 2),
	fixed(135, "I062/135", 2),
	fixed(220, "I062/220", 2),
	compound(390, "I062/390",
		fixed(0, "TAG", 2), fixed(1, "CSN", 7), fixed(2, "IFI", 4), fixed(3, "FCT", 1), fixed(4, "TAC", 4),
		fixed(5, "WTC", 1), fixed(6, "DEP", 4), fixed(7, "DST", 4), fixed(8, "RDS", 3), fixed(9, "CFL", 2),
		fixed(10, "CTL", 2), repetitive(11, "TOD", 4), fixed(12, "AST", 6), fixed(13, "STS", 1), fixed(14, "STD", 7),
		fixed(15, "STA", 7), fixed(16, "PEM", 2), fixed(17, "PEC", 7)),
	extended(270, "I062/270", 1, 1),
	fixed(300, "I062/300", 1),
	compound(110, "I062/110",
		fixed(0, "SUM", 1), fixed(1, "PMN", 4), fixed(2, "POS", 6), fixed(3, "GA", 2), fixed(4, "EM1", 2),
		fixed(5, "TOS", 1), fixed(6, "XP", 1)),
	fixed(120, "I062/120", 2),
	extended(510, "I062/510", 3, 3),
	compound(500, "I062/500",
		fixed(0, "APC", 4), fixed(1, "COV", 2), fixed(2, "APW", 4), fixed(3, "AGA", 1), fixed(4, "ABA", 1),
		fixed(5, "ATV", 2), fixed(6, "AA", 2), fixed(7, "ARC", 1)),
	compound(340, "I062/340",
		fixed(0, "SID", 2), fixed(1, "POS", 4), fixed(2, "HEI", 2), fixed(3, "MDC", 2), fixed(4, "MDA", 2),
		fixed(5, "TYP", 1)),
	spare(), spare(), spare(), spare(), spare(),
	explicit(ItemRE, "I062/RE"),
	explicit(ItemSP, "I062/SP"),
)

func rawCompound(s *spec, parts *[maxSub][]byte) []Subfield {
	var out []Subfield
	for i, p := range parts {
		if p != nil {
			out = append(out, Subfield{Name: s.sub[i].name, Data: copyBytes(p)})
		}
	}
	return out
}

func decode062(r *Record, s *spec, b []byte) error {
	c := &r.Cat062
	var parts [maxSub][]byte
	if s.kind == kCompound {
		if _, err := s.split(b, &parts); err != nil {
			return err
		}
	}
	switch s.id {
	case 10:
		c.I010 = sourceID(b)
	case 15:
		c.I015 = b[0]
	case 70:
		var err error
		if c.I070, err = timeOfDay(b); err != nil {
			return err
		}
	case 105:
		var err error
		c.I105, err = latLon(LatLon{Lat: float64(int32(u32(b))) * 180 / (1 << 25), Lon: float64(int32(u32(b[4:]))) * 180 / (1 << 25)})
		if err != nil {
			return err
		}
	case 100:
		c.I100 = CartesianM{X: float64(sext(u24(b), 24)) / 2, Y: float64(sext(u24(b[3:]), 24)) / 2}
	case 185:
		c.I185 = VelocityXY{VX: float64(int16(u16(b))) / 4, VY: float64(int16(u16(b[2:]))) / 4}
	case 210:
		c.I210 = AccelerationXY{AX: float64(int8(b[0])) / 4, AY: float64(int8(b[1])) / 4}
	case 60:
		c.I060 = Code{V: bit(b[0], 7), G: bit(b[0], 6), CH: bit(b[0], 5), Code: uint16(u16(b) & 0x0fff)}
	case 245:
		c.I245 = TargetID{STI: b[0] >> 6, ID: ident(b[1:])}
	case 380:
		return decode380(&c.I380, s, &parts)
	case 40:
		c.I040 = uint16(u16(b))
	case 80:
		c.I080 = trackStatus062(b)
	case 290, 295:
		a := &c.I290
		a.names = ages290
		if s.id == 295 {
			a = &c.I295
			a.names = ages295
		}
		for i, p := range parts {
			if p == nil {
				continue
			}
			a.Present |= 1 << i
			v := uint32(p[0])
			if len(p) == 2 {
				v = u16(p)
			}
			a.Age[i] = float64(v) / 4
		}
	case 200:
		c.I200 = ModeOfMovement{TRANS: b[0] >> 6, LONG: b[0] >> 4 & 3, VERT: b[0] >> 2 & 3, ADF: bit(b[0], 1)}
	case 136:
		c.I136 = float64(int16(u16(b))) / 4
	case 130:
		c.I130 = float64(int16(u16(b))) * 6.25
	case 135:
		c.I135 = BaroAltitude{QNH: bit(b[0], 7), FL: float64(sext(u16(b), 15)) / 4}
	case 220:
		c.I220 = float64(int16(u16(b))) * 6.25
	case 390:
		c.I390 = flightPlan(s, &parts)
	case 270:
		t := &c.I270
		t.Octets = uint8(min(len(b), 3))
		t.LengthM = float64(b[0] >> 1)
		if len(b) >= 2 {
			t.OrientationDeg = float64(b[1]>>1) * 360 / 128
		}
		if len(b) >= 3 {
			t.WidthM = float64(b[2] >> 1)
		}
	case 300:
		c.I300 = b[0]
	case 110:
		c.I110.Subfields = rawCompound(s, &parts)
	case 120:
		c.I120 = uint16(u16(b) & 0x0fff)
	case 510:
		c.I510 = make([]ComposedTrack, len(b)/3)
		for i := range c.I510 {
			e := b[3*i:]
			c.I510[i] = ComposedTrack{Unit: e[0], Track: uint16(u16(e[1:]) >> 1)}
		}
	case 500:
		c.I500 = accuracy(&parts)
	case 340:
		m := &c.I340
		for i, p := range parts[:6] {
			if p == nil {
				continue
			}
			m.Present |= 1 << i
			switch i {
			case 0:
				m.SID = sourceID(p)
			case 1:
				m.POS = polar(p)
			case 2:
				m.HEI = float64(int16(u16(p))) * 25
			case 3:
				m.MDC = FlightLevel{V: bit(p[0], 7), G: bit(p[0], 6), FL: float64(sext(u16(p), 14)) / 4}
			case 4:
				m.MDA = code(p)
			case 5:
				m.TYP, m.SIM, m.RAB, m.TST = p[0]>>5, bit(p[0], 4), bit(p[0], 3), bit(p[0], 2)
			}
		}
	case ItemSP:
		c.SP = copyBytes(b)
	case ItemRE:
		c.RE = copyBytes(b)
	}
	return nil
}

func decode380(a *AircraftDerived, s *spec, parts *[maxSub][]byte) error {
	for i, p := range parts[:28] {
		if p == nil {
			continue
		}
		a.Present |= 1 << i
		switch i {
		case 0:
			a.ADR = u24(p)
		case 1:
			a.ID = ident(p)
		case 2:
			a.MHG = float64(u16(p)) * 360 / 65536
		case 3:
			a.IM = bit(p[0], 7)
			if a.IM {
				a.IAS = float64(u16(p)&0x7fff) / 1000
			} else {
				a.IAS = float64(u16(p)&0x7fff) / 16384
			}
		case 4:
			a.TAS = uint16(u16(p))
		case 5:
			a.SAL = SelectedAlt{SAS: bit(p[0], 7), Source: p[0] >> 5 & 3, AltFt: float64(sext(u16(p), 13)) * 25}
		case 6:
			a.FSS = FinalAlt{MV: bit(p[0], 7), AH: bit(p[0], 6), AM: bit(p[0], 5), AltFt: float64(sext(u16(p), 13)) * 25}
		case 9:
			a.COM = commCap(p, false)
		case 12:
			a.BVR = float64(int16(u16(p))) * 6.25
		case 13:
			a.GVR = float64(int16(u16(p))) * 6.25
		case 14:
			a.RAN = float64(int16(u16(p))) / 100
		case 15:
			a.TI, a.TAR = p[0]>>6, float64(sext(u16(p)>>1, 7))/4
		case 16:
			a.TAN = float64(u16(p)) * 360 / 65536
		case 17:
			a.GSP = float64(int16(u16(p))) / 16384
		case 21:
			var err error
			a.POS, err = latLon(LatLon{Lat: float64(sext(u24(p), 24)) * 180 / (1 << 23), Lon: float64(sext(u24(p[3:]), 24)) * 180 / (1 << 23)})
			if err != nil {
				return err
			}
		case 22:
			a.GAL = float64(int16(u16(p))) * 6.25
		case 24:
			a.MB = commB(p)
		case 25:
			a.IAR = uint16(u16(p))
		case 26:
			a.MAC = float64(u16(p)) * 0.008
		case 27:
			a.BPS = float64(u16(p)&0x0fff)/10 + 800
		default:
			a.Other = append(a.Other, Subfield{Name: s.sub[i].name, Data: copyBytes(p)})
		}
	}
	return nil
}

func trackStatus062(b []byte) TrackStatus062 {
	var t TrackStatus062
	t.Octets = uint8(min(len(b), 255))
	o := func(i int) byte {
		if i < len(b) {
			return b[i]
		}
		return 0
	}
	v := o(0)
	t.MON, t.SPI, t.MRH, t.SRC, t.CNF = bit(v, 7), bit(v, 6), bit(v, 5), v>>2&7, bit(v, 1)
	v = o(1)
	t.SIM, t.TSE, t.TSB, t.FPC, t.AFF, t.STP, t.KOS = bit(v, 7), bit(v, 6), bit(v, 5), bit(v, 4), bit(v, 3), bit(v, 2), bit(v, 1)
	v = o(2)
	t.AMA, t.MD4, t.ME, t.MI, t.MD5 = bit(v, 7), v>>5&3, bit(v, 4), bit(v, 3), v>>1&3
	v = o(3)
	t.CST, t.PSR, t.SSR, t.MDS, t.ADS, t.SUC, t.AAC = bit(v, 7), bit(v, 6), bit(v, 5), bit(v, 4), bit(v, 3), bit(v, 2), bit(v, 1)
	v = o(4)
	t.SDS, t.EMS, t.PFT, t.FPLT = v>>6, v>>3&7, bit(v, 2), bit(v, 1)
	v = o(5)
	t.DUPT, t.DUPF, t.DUPM, t.SFC, t.IDD, t.IEC, t.MLAT = bit(v, 7), bit(v, 6), bit(v, 5), bit(v, 4), bit(v, 3), bit(v, 2), bit(v, 1)
	return t
}
