package asterix

import "time"

// Cat034 holds the items of a CAT 034 service message (EUROCONTROL ASTERIX
// Part 2b, Category 034: monoradar service messages). Item fields are in the
// specification's units; a field is meaningful only when Record.Has reports
// its item.
type Cat034 struct {
	I010 SourceID       `json:"I010"`           // data source identifier
	I000 uint8          `json:"I000"`           // message type: 1 north marker, 2 sector crossing, 3 geographical filtering, 4 jamming strobe
	I030 time.Duration  `json:"I030"`           // time of day (1/128 s)
	I020 float64        `json:"I020"`           // sector number as azimuth, deg (360/2^8)
	I041 float64        `json:"I041"`           // antenna rotation period, s (1/128 s)
	I050 SystemStatus   `json:"I050"`           // system configuration and status
	I060 ProcessingMode `json:"I060"`           // system processing mode
	I070 []MessageCount `json:"I070,omitempty"` // message count values
	I100 PolarWindow    `json:"I100"`           // generic polar window
	I110 uint8          `json:"I110"`           // data filter type
	I120 Position3D     `json:"I120"`           // 3D position of the data source
	I090 Collimation    `json:"I090"`           // collimation error
	SP   []byte         `json:"SP,omitempty"`   // special purpose field, as sent
	RE   []byte         `json:"RE,omitempty"`   // reserved expansion field, as sent
}

// SystemStatus is I034/050. HasCOM, HasPSR, HasSSR and HasMDS say which
// subfields were sent.
type SystemStatus struct {
	HasCOM, HasPSR, HasSSR, HasMDS bool
	COM                            StatusCOM `json:"com"`
	PSR                            StatusRad `json:"psr"`
	SSR                            StatusRad `json:"ssr"`
	MDS                            StatusMDS `json:"mds"`
}

// StatusCOM is the common part of I034/050.
type StatusCOM struct {
	NOGO   bool `json:"nogo"`    // system inhibited for operational use
	RDPC   bool `json:"rdpc"`    // RDPC-2 selected (else RDPC-1)
	RDPR   bool `json:"rdpr"`    // reset/restart of the selected RDP chain
	OVLRDP bool `json:"ovl_rdp"` // RDP overloaded
	OVLXMT bool `json:"ovl_xmt"` // transmission subsystem overloaded
	MSC    bool `json:"msc"`     // monitoring system disconnected
	TSV    bool `json:"tsv"`     // time source invalid
}

// StatusRad is the PSR or SSR part of I034/050.
type StatusRad struct {
	ANT  bool  `json:"ant"`   // antenna 2 (else 1)
	CHAB uint8 `json:"ch_ab"` // 0 none, 1 channel A only, 2 channel B only, 3 diversity
	OVL  bool  `json:"ovl"`   // overload
	MSC  bool  `json:"msc"`   // monitoring system disconnected
}

// StatusMDS is the Mode S part of I034/050.
type StatusMDS struct {
	ANT    bool  `json:"ant"`
	CHAB   uint8 `json:"ch_ab"`
	OVLSUR bool  `json:"ovl_sur"` // surveillance overload
	MSC    bool  `json:"msc"`
	SCF    bool  `json:"scf"` // surveillance co-ordination function on channel B
	DLF    bool  `json:"dlf"` // data link function on channel B
	OVLSCF bool  `json:"ovl_scf"`
	OVLDLF bool  `json:"ovl_dlf"`
}

// ProcessingMode is I034/060: reduction steps in use and related modes.
type ProcessingMode struct {
	HasCOM, HasPSR, HasSSR, HasMDS bool
	REDRDP                         uint8 `json:"red_rdp"`     // COM: reduction steps for an RDP overload
	REDXMT                         uint8 `json:"red_xmt"`     // COM: reduction steps for a transmission overload
	POL                            bool  `json:"psr_pol"`     // PSR: circular polarization
	PSRREDRAD                      uint8 `json:"psr_red_rad"` // PSR: reduction steps
	STC                            uint8 `json:"psr_stc"`     // PSR: STC map
	SSRREDRAD                      uint8 `json:"ssr_red_rad"` // SSR: reduction steps
	MDSREDRAD                      uint8 `json:"mds_red_rad"` // Mode S: reduction steps
	CLU                            bool  `json:"mds_clu"`     // Mode S: not autonomous (cluster mode)
}

// MessageCount is one element of I034/070.
type MessageCount struct {
	TYP     uint8  `json:"typ"`
	Counter uint16 `json:"counter"`
}

// PolarWindow is I034/100.
type PolarWindow struct {
	RhoStartNM    float64 `json:"rho_start_nm"`
	RhoEndNM      float64 `json:"rho_end_nm"`
	ThetaStartDeg float64 `json:"theta_start_deg"`
	ThetaEndDeg   float64 `json:"theta_end_deg"`
}

// Position3D is I034/120: the radar's own position, height in metres above
// the WGS-84 ellipsoid.
type Position3D struct {
	HeightM float64 `json:"height_m"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
}

// Collimation is I034/090.
type Collimation struct {
	RangeNM    float64 `json:"range_nm"`
	AzimuthDeg float64 `json:"azimuth_deg"`
}

var uap034 = newUAP(34, decode034,
	fixed(10, "I034/010", 2),
	fixed(0, "I034/000", 1),
	fixed(30, "I034/030", 3),
	fixed(20, "I034/020", 1),
	fixed(41, "I034/041", 2),
	compound(50, "I034/050", fixed(0, "COM", 1), spare(), spare(), fixed(3, "PSR", 1), fixed(4, "SSR", 1), fixed(5, "MDS", 2)),
	compound(60, "I034/060", fixed(0, "COM", 1), spare(), spare(), fixed(3, "PSR", 1), fixed(4, "SSR", 1), fixed(5, "MDS", 1)),
	repetitive(70, "I034/070", 2),
	fixed(100, "I034/100", 8),
	fixed(110, "I034/110", 1),
	fixed(120, "I034/120", 8),
	fixed(90, "I034/090", 2),
	explicit(ItemRE, "I034/RE"),
	explicit(ItemSP, "I034/SP"),
)

func decode034(r *Record, s *spec, b []byte) error {
	c := &r.Cat034
	switch s.id {
	case 10:
		c.I010 = sourceID(b)
	case 0:
		c.I000 = b[0]
	case 30:
		var err error
		if c.I030, err = timeOfDay(b); err != nil {
			return err
		}
	case 20:
		c.I020 = float64(b[0]) * 360 / 256
	case 41:
		c.I041 = float64(u16(b)) / 128
	case 50:
		var parts [maxSub][]byte
		if _, err := s.split(b, &parts); err != nil {
			return err
		}
		st := &c.I050
		if p := parts[0]; p != nil {
			st.HasCOM = true
			st.COM = StatusCOM{NOGO: bit(p[0], 7), RDPC: bit(p[0], 6), RDPR: bit(p[0], 5), OVLRDP: bit(p[0], 4),
				OVLXMT: bit(p[0], 3), MSC: bit(p[0], 2), TSV: bit(p[0], 1)}
		}
		rad := func(v byte) StatusRad {
			return StatusRad{ANT: bit(v, 7), CHAB: v >> 5 & 3, OVL: bit(v, 4), MSC: bit(v, 3)}
		}
		if p := parts[3]; p != nil {
			st.HasPSR, st.PSR = true, rad(p[0])
		}
		if p := parts[4]; p != nil {
			st.HasSSR, st.SSR = true, rad(p[0])
		}
		if p := parts[5]; p != nil {
			st.HasMDS = true
			st.MDS = StatusMDS{ANT: bit(p[0], 7), CHAB: p[0] >> 5 & 3, OVLSUR: bit(p[0], 4), MSC: bit(p[0], 3),
				SCF: bit(p[0], 2), DLF: bit(p[0], 1), OVLSCF: bit(p[0], 0), OVLDLF: bit(p[1], 7)}
		}
	case 60:
		var parts [maxSub][]byte
		if _, err := s.split(b, &parts); err != nil {
			return err
		}
		m := &c.I060
		if p := parts[0]; p != nil {
			m.HasCOM, m.REDRDP, m.REDXMT = true, p[0]>>4&7, p[0]>>1&7
		}
		if p := parts[3]; p != nil {
			m.HasPSR, m.POL, m.PSRREDRAD, m.STC = true, bit(p[0], 7), p[0]>>4&7, p[0]>>2&3
		}
		if p := parts[4]; p != nil {
			m.HasSSR, m.SSRREDRAD = true, p[0]>>5
		}
		if p := parts[5]; p != nil {
			m.HasMDS, m.MDSREDRAD, m.CLU = true, p[0]>>5, bit(p[0], 4)
		}
	case 70:
		n := int(b[0])
		c.I070 = make([]MessageCount, n)
		for i := range n {
			v := u16(b[1+2*i:])
			c.I070[i] = MessageCount{TYP: uint8(v >> 11), Counter: uint16(v & 0x7ff)}
		}
	case 100:
		c.I100 = PolarWindow{RhoStartNM: float64(u16(b)) / 256, RhoEndNM: float64(u16(b[2:])) / 256,
			ThetaStartDeg: float64(u16(b[4:])) * 360 / 65536, ThetaEndDeg: float64(u16(b[6:])) * 360 / 65536}
	case 110:
		c.I110 = b[0]
	case 120:
		p, err := latLon(LatLon{Lat: float64(sext(u24(b[2:]), 24)) * 180 / (1 << 23), Lon: float64(sext(u24(b[5:]), 24)) * 180 / (1 << 23)})
		if err != nil {
			return err
		}
		c.I120 = Position3D{HeightM: float64(int16(u16(b))), Lat: p.Lat, Lon: p.Lon}
	case 90:
		c.I090 = Collimation{RangeNM: float64(int8(b[0])) / 128, AzimuthDeg: float64(int8(b[1])) * 360 / 16384}
	case ItemSP:
		c.SP = copyBytes(b)
	case ItemRE:
		c.RE = copyBytes(b)
	}
	return nil
}
