package asterix

import "time"

// Cat048 holds the items of a CAT 048 monoradar target report (EUROCONTROL
// ASTERIX Part 4, Category 048). Item fields are in the specification's
// units; a field is meaningful only when Record.Has reports its item.
type Cat048 struct {
	I010 SourceID            `json:"I010"`           // data source identifier
	I140 time.Duration       `json:"I140"`           // time of day (1/128 s)
	I020 TargetDescriptor048 `json:"I020"`           // target report descriptor
	I040 PolarPosition       `json:"I040"`           // measured position, slant polar
	I070 Code                `json:"I070"`           // Mode-3/A code
	I090 FlightLevel         `json:"I090"`           // flight level (1/4 FL)
	I130 PlotCharacteristics `json:"I130"`           // radar plot characteristics
	I220 uint32              `json:"I220"`           // aircraft address (24 bits)
	I240 Ident               `json:"I240"`           // aircraft identification
	I250 []CommB             `json:"I250,omitempty"` // Mode S MB data
	I161 uint16              `json:"I161"`           // track number (12 bits)
	I042 CartesianNM         `json:"I042"`           // calculated position, Cartesian
	I200 PolarVelocity       `json:"I200"`           // calculated track velocity, polar
	I170 TrackStatus048      `json:"I170"`           // track status
	I210 TrackQuality048     `json:"I210"`           // track quality
	I030 []uint8             `json:"I030,omitempty"` // warning/error conditions and target classification
	I080 uint16              `json:"I080"`           // Mode-3/A code confidence: QA4 QA2 QA1 QB4 ... QD1, 1 = low quality pulse
	I100 ModeC               `json:"I100"`           // Mode-C code and confidence
	I110 float64             `json:"I110"`           // height measured by a 3D radar, ft (25 ft)
	I120 Doppler             `json:"I120"`           // radial Doppler speed
	I230 CommCapability      `json:"I230"`           // communications/ACAS capability and flight status
	I260 [7]byte             `json:"I260"`           // ACAS resolution advisory report (56 bits as sent)
	I055 uint8               `json:"I055"`           // Mode-1 code (as sent)
	I050 Code                `json:"I050"`           // Mode-2 code
	I065 uint8               `json:"I065"`           // Mode-1 code confidence (as sent)
	I060 uint16              `json:"I060"`           // Mode-2 code confidence (as sent)
	SP   []byte              `json:"SP,omitempty"`   // special purpose field, as sent
	RE   []byte              `json:"RE,omitempty"`   // reserved expansion field, as sent
}

// TargetDescriptor048 is I048/020. TYP: 0 no detection, 1 single PSR, 2
// single SSR, 3 SSR+PSR, 4 single Mode S all-call, 5 single Mode S
// roll-call, 6 Mode S all-call+PSR, 7 Mode S roll-call+PSR.
type TargetDescriptor048 struct {
	TYP    uint8 `json:"typ"`
	SIM    bool  `json:"sim"` // simulated target report
	RDP    bool  `json:"rdp"` // report from RDP chain 2
	SPI    bool  `json:"spi"` // special position identification
	RAB    bool  `json:"rab"` // report from a field monitor (fixed transponder)
	Octets uint8 `json:"octets"`
	// First extension (present when Octets >= 2).
	TST    bool  `json:"tst"`    // test target report
	ERR    bool  `json:"err"`    // extended range present
	XPP    bool  `json:"xpp"`    // X-pulse present
	ME     bool  `json:"me"`     // military emergency
	MI     bool  `json:"mi"`     // military identification
	FOEFRI uint8 `json:"foefri"` // Mode 4 friend/foe: 0 none, 1 friendly, 2 unknown, 3 no reply
	// Later extensions, octet 3 onward, as sent.
	More []byte `json:"more,omitempty"`
}

// FlightLevel is a flight level with its validity flags (I048/090).
type FlightLevel struct {
	V  bool    `json:"v"`  // not validated
	G  bool    `json:"g"`  // garbled
	FL float64 `json:"fl"` // flight level, 1/4 FL
}

// PlotCharacteristics is I048/130; Present has bit 6-i set for subfield i
// (SRL, SRR, SAM, PRL, PAM, RPD, APD in that order, i from 0).
type PlotCharacteristics struct {
	Present uint8   `json:"present"`
	SRL     float64 `json:"srl_deg,omitempty"` // SSR plot runlength, deg
	SRR     uint8   `json:"srr,omitempty"`     // number of received SSR replies
	SAM     int8    `json:"sam_dbm,omitempty"` // amplitude of SSR reply, dBm
	PRL     float64 `json:"prl_deg,omitempty"` // primary plot runlength, deg
	PAM     int8    `json:"pam_dbm,omitempty"` // amplitude of primary plot, dBm
	RPD     float64 `json:"rpd_nm,omitempty"`  // range difference PSR-SSR, NM
	APD     float64 `json:"apd_deg,omitempty"` // azimuth difference PSR-SSR, deg
}

// Has reports whether subfield i (0 SRL ... 6 APD) is present.
func (p PlotCharacteristics) Has(i int) bool { return p.Present&(0x40>>i) != 0 }

// CartesianNM is a calculated position relative to the radar in nautical
// miles (I048/042), X east and Y north.
type CartesianNM struct {
	XNM float64 `json:"x_nm"`
	YNM float64 `json:"y_nm"`
}

// PolarVelocity is I048/200: ground speed in knots (from 2^-14 NM/s) and
// heading in degrees.
type PolarVelocity struct {
	SpeedKt    float64 `json:"speed_kt"`
	HeadingDeg float64 `json:"heading_deg"`
}

// TrackStatus048 is I048/170.
type TrackStatus048 struct {
	CNF    bool  `json:"cnf"` // tentative track
	RAD    uint8 `json:"rad"` // 0 combined, 1 PSR, 2 SSR/Mode S, 3 invalid
	DOU    bool  `json:"dou"` // low confidence in plot-to-track association
	MAH    bool  `json:"mah"` // horizontal manoeuvre sensed
	CDM    uint8 `json:"cdm"` // 0 maintaining, 1 climbing, 2 descending, 3 unknown
	Octets uint8 `json:"octets"`
	TRE    bool  `json:"tre"` // last report for the track
	GHO    bool  `json:"gho"` // ghost target track
	SUP    bool  `json:"sup"` // track maintained with a neighbouring node's data
	TCC    bool  `json:"tcc"` // tracking in the slant range plane (else radar plane)
}

// TrackQuality048 is I048/210: standard deviations of the track.
type TrackQuality048 struct {
	SigmaXNM  float64 `json:"sigma_x_nm"`
	SigmaYNM  float64 `json:"sigma_y_nm"`
	SigmaVNMs float64 `json:"sigma_v_nm_s"`
	SigmaHDeg float64 `json:"sigma_h_deg"`
}

// ModeC is I048/100: the Mode-C reply in Gray notation with confidence bits.
type ModeC struct {
	V    bool   `json:"v"`
	G    bool   `json:"g"`
	Gray uint16 `json:"gray"` // C1 A1 C2 A2 C4 A4 B1 D1 B2 D2 B4 D4
	QC   uint16 `json:"qc"`   // confidence bits, same order
}

// Doppler is I048/120: calculated Doppler speed and raw Doppler speeds.
type Doppler struct {
	HasCAL bool         `json:"has_cal"`
	D      bool         `json:"d"`      // Doppler speed doubtful
	CAL    int16        `json:"cal_ms"` // calculated Doppler speed, m/s
	RDS    []RawDoppler `json:"rds,omitempty"`
}

// RawDoppler is one raw Doppler speed of I048/120.
type RawDoppler struct {
	DOP uint16 `json:"dop_ms"` // Doppler speed, m/s
	AMB uint16 `json:"amb_ms"` // ambiguity range, m/s
	FRQ uint16 `json:"frq_mhz"`
}

var uap048 = newUAP(48, decode048,
	fixed(10, "I048/010", 2),
	fixed(140, "I048/140", 3),
	extended(20, "I048/020", 1, 1),
	fixed(40, "I048/040", 4),
	fixed(70, "I048/070", 2),
	fixed(90, "I048/090", 2),
	compound(130, "I048/130",
		fixed(0, "SRL", 1), fixed(1, "SRR", 1), fixed(2, "SAM", 1), fixed(3, "PRL", 1),
		fixed(4, "PAM", 1), fixed(5, "RPD", 1), fixed(6, "APD", 1)),
	fixed(220, "I048/220", 3),
	fixed(240, "I048/240", 6),
	repetitive(250, "I048/250", 8),
	fixed(161, "I048/161", 2),
	fixed(42, "I048/042", 4),
	fixed(200, "I048/200", 4),
	extended(170, "I048/170", 1, 1),
	fixed(210, "I048/210", 4),
	extended(30, "I048/030", 1, 1),
	fixed(80, "I048/080", 2),
	fixed(100, "I048/100", 4),
	fixed(110, "I048/110", 2),
	compound(120, "I048/120", fixed(0, "CAL", 2), repetitive(1, "RDS", 6)),
	fixed(230, "I048/230", 2),
	fixed(260, "I048/260", 7),
	fixed(55, "I048/055", 1),
	fixed(50, "I048/050", 2),
	fixed(65, "I048/065", 1),
	fixed(60, "I048/060", 2),
	explicit(ItemSP, "I048/SP"),
	explicit(ItemRE, "I048/RE"),
)

func decode048(r *Record, s *spec, b []byte) error {
	c := &r.Cat048
	switch s.id {
	case 10:
		c.I010 = sourceID(b)
	case 140:
		var err error
		if c.I140, err = timeOfDay(b); err != nil {
			return err
		}
	case 20:
		t := &c.I020
		t.TYP, t.SIM, t.RDP, t.SPI, t.RAB = b[0]>>5, bit(b[0], 4), bit(b[0], 3), bit(b[0], 2), bit(b[0], 1)
		t.Octets = uint8(min(len(b), 255))
		if len(b) >= 2 {
			t.TST, t.ERR, t.XPP, t.ME, t.MI = bit(b[1], 7), bit(b[1], 6), bit(b[1], 5), bit(b[1], 4), bit(b[1], 3)
			t.FOEFRI = b[1] >> 1 & 3
		}
		if len(b) > 2 {
			t.More = copyBytes(b[2:])
		}
	case 40:
		c.I040 = polar(b)
	case 70:
		c.I070 = code(b)
	case 90:
		c.I090 = FlightLevel{V: bit(b[0], 7), G: bit(b[0], 6), FL: float64(sext(u16(b), 14)) / 4}
	case 130:
		var parts [maxSub][]byte
		if _, err := s.split(b, &parts); err != nil {
			return err
		}
		p := &c.I130
		for i := range 7 {
			if parts[i] == nil {
				continue
			}
			p.Present |= 0x40 >> i
			v := parts[i][0]
			switch i {
			case 0:
				p.SRL = float64(v) * 360 / 8192
			case 1:
				p.SRR = v
			case 2:
				p.SAM = int8(v)
			case 3:
				p.PRL = float64(v) * 360 / 8192
			case 4:
				p.PAM = int8(v)
			case 5:
				p.RPD = float64(int8(v)) / 256
			case 6:
				p.APD = float64(int8(v)) * 360 / 16384
			}
		}
	case 220:
		c.I220 = u24(b)
	case 240:
		c.I240 = ident(b)
	case 250:
		c.I250 = commB(b)
	case 161:
		c.I161 = uint16(u16(b) & 0x0fff)
	case 42:
		c.I042 = CartesianNM{XNM: float64(int16(u16(b))) / 128, YNM: float64(int16(u16(b[2:]))) / 128}
	case 200:
		c.I200 = PolarVelocity{SpeedKt: float64(u16(b)) * 3600 / 16384, HeadingDeg: float64(u16(b[2:])) * 360 / 65536}
	case 170:
		t := &c.I170
		t.CNF, t.RAD, t.DOU, t.MAH, t.CDM = bit(b[0], 7), b[0]>>5&3, bit(b[0], 4), bit(b[0], 3), b[0]>>1&3
		t.Octets = uint8(min(len(b), 255))
		if len(b) >= 2 {
			t.TRE, t.GHO, t.SUP, t.TCC = bit(b[1], 7), bit(b[1], 6), bit(b[1], 5), bit(b[1], 4)
		}
	case 210:
		c.I210 = TrackQuality048{SigmaXNM: float64(b[0]) / 128, SigmaYNM: float64(b[1]) / 128,
			SigmaVNMs: float64(b[2]) / 16384, SigmaHDeg: float64(b[3]) * 360 / 4096}
	case 30:
		c.I030 = make([]uint8, len(b))
		for i, v := range b {
			c.I030[i] = v >> 1
		}
	case 80:
		c.I080 = uint16(u16(b) & 0x0fff)
	case 100:
		c.I100 = ModeC{V: bit(b[0], 7), G: bit(b[0], 6), Gray: uint16(u16(b) & 0x0fff), QC: uint16(u16(b[2:]) & 0x0fff)}
	case 110:
		c.I110 = float64(sext(u16(b), 14)) * 25
	case 120:
		var parts [maxSub][]byte
		if _, err := s.split(b, &parts); err != nil {
			return err
		}
		d := &c.I120
		if p := parts[0]; p != nil {
			d.HasCAL, d.D, d.CAL = true, bit(p[0], 7), int16(sext(u16(p), 10))
		}
		if p := parts[1]; p != nil {
			n := int(p[0])
			d.RDS = make([]RawDoppler, n)
			for i := range n {
				e := p[1+6*i:]
				d.RDS[i] = RawDoppler{DOP: uint16(u16(e)), AMB: uint16(u16(e[2:])), FRQ: uint16(u16(e[4:]))}
			}
		}
	case 230:
		c.I230 = commCap(b, true)
	case 260:
		copy(c.I260[:], b)
	case 55:
		c.I055 = b[0]
	case 50:
		c.I050 = code(b)
	case 65:
		c.I065 = b[0]
	case 60:
		c.I060 = uint16(u16(b))
	case ItemSP:
		c.SP = copyBytes(b)
	case ItemRE:
		c.RE = copyBytes(b)
	}
	return nil
}
