package asterix

// The Mode S Comm-B registers below are defined by ICAO (Doc 9871, Annex
// 10 Vol. III and IV), not by ASTERIX; ASTERIX carries them as 56 MB bits
// (I048/250, I062/380 MB). Three registers that radars commonly extract
// are decoded: 4,0 (selected vertical intention), 5,0 (track and turn) and
// 6,0 (heading and speed). A register's status bit says whether the field
// that follows it is valid.

// BDS40 is register 4,0, selected vertical intention.
type BDS40 struct {
	MCPStatus    bool    `json:"mcp_status"`
	MCPAltFt     float64 `json:"mcp_alt_ft"` // MCP/FCU selected altitude (16 ft)
	FMSStatus    bool    `json:"fms_status"`
	FMSAltFt     float64 `json:"fms_alt_ft"` // FMS selected altitude (16 ft)
	BaroStatus   bool    `json:"baro_status"`
	BaroMb       float64 `json:"baro_mb"` // barometric pressure setting: 800 mb + 0.1 mb steps
	Reserved1    uint8   `json:"reserved1"`
	ModeStatus   bool    `json:"mode_status"` // status of the MCP/FCU mode bits
	VNAV         bool    `json:"vnav"`
	AltHold      bool    `json:"alt_hold"`
	Approach     bool    `json:"approach"`
	Reserved2    uint8   `json:"reserved2"`
	SourceStatus bool    `json:"source_status"` // status of the target altitude source bits
	Source       uint8   `json:"source"`        // 0 unknown, 1 aircraft altitude, 2 FCU/MCP, 3 FMS
}

// BDS50 is register 5,0, track and turn report.
type BDS50 struct {
	RollStatus  bool    `json:"roll_status"`
	RollDeg     float64 `json:"roll_deg"` // 45/256 deg
	TrackStatus bool    `json:"track_status"`
	TrackDeg    float64 `json:"track_deg"` // true track angle, 90/512 deg, -180 to 180
	GSStatus    bool    `json:"gs_status"`
	GSKt        float64 `json:"gs_kt"` // ground speed, 2 kt
	RateStatus  bool    `json:"rate_status"`
	RateDegS    float64 `json:"rate_deg_s"` // track angle rate, 8/256 deg/s
	TASStatus   bool    `json:"tas_status"`
	TASKt       float64 `json:"tas_kt"` // true airspeed, 2 kt
}

// BDS60 is register 6,0, heading and speed report.
type BDS60 struct {
	HeadingStatus  bool    `json:"heading_status"`
	HeadingDeg     float64 `json:"heading_deg"` // magnetic heading, 90/512 deg, -180 to 180
	IASStatus      bool    `json:"ias_status"`
	IASKt          float64 `json:"ias_kt"` // 1 kt
	MachStatus     bool    `json:"mach_status"`
	Mach           float64 `json:"mach"` // 2.048/512
	BaroRateStatus bool    `json:"baro_rate_status"`
	BaroRateFtMin  float64 `json:"baro_rate_ft_min"` // barometric altitude rate, 32 ft/min
	IVVStatus      bool    `json:"ivv_status"`
	IVVFtMin       float64 `json:"ivv_ft_min"` // inertial vertical velocity, 32 ft/min
}

// mbBits reads n bits of the MB field from bit first (1 = most significant,
// as the registers are specified).
func (c CommB) mbBits(first, n int) uint64 {
	var v uint64
	for _, b := range c.MB {
		v = v<<8 | uint64(b)
	}
	return v >> (56 - (first - 1) - n) & (1<<n - 1)
}

// mbSigned reads an n-bit two's complement field (sign bit first).
func (c CommB) mbSigned(first, n int) float64 {
	v := c.mbBits(first, n)
	if v&(1<<(n-1)) != 0 {
		return float64(int64(v) - 1<<n)
	}
	return float64(v)
}

// BDS40 decodes the message as register 4,0; ok is false for other registers.
func (c CommB) BDS40() (BDS40, bool) {
	if c.BDS1 != 4 || c.BDS2 != 0 {
		return BDS40{}, false
	}
	return BDS40{
		MCPStatus: c.mbBits(1, 1) == 1, MCPAltFt: float64(c.mbBits(2, 12)) * 16,
		FMSStatus: c.mbBits(14, 1) == 1, FMSAltFt: float64(c.mbBits(15, 12)) * 16,
		BaroStatus: c.mbBits(27, 1) == 1, BaroMb: 800 + float64(c.mbBits(28, 12))/10,
		Reserved1:  uint8(c.mbBits(40, 8)),
		ModeStatus: c.mbBits(48, 1) == 1, VNAV: c.mbBits(49, 1) == 1, AltHold: c.mbBits(50, 1) == 1,
		Approach: c.mbBits(51, 1) == 1, Reserved2: uint8(c.mbBits(52, 2)),
		SourceStatus: c.mbBits(54, 1) == 1, Source: uint8(c.mbBits(55, 2)),
	}, true
}

// BDS50 decodes the message as register 5,0; ok is false for other registers.
func (c CommB) BDS50() (BDS50, bool) {
	if c.BDS1 != 5 || c.BDS2 != 0 {
		return BDS50{}, false
	}
	return BDS50{
		RollStatus: c.mbBits(1, 1) == 1, RollDeg: c.mbSigned(2, 10) * 45 / 256,
		TrackStatus: c.mbBits(12, 1) == 1, TrackDeg: c.mbSigned(13, 11) * 90 / 512,
		GSStatus: c.mbBits(24, 1) == 1, GSKt: float64(c.mbBits(25, 10)) * 2,
		RateStatus: c.mbBits(35, 1) == 1, RateDegS: c.mbSigned(36, 10) * 8 / 256,
		TASStatus: c.mbBits(46, 1) == 1, TASKt: float64(c.mbBits(47, 10)) * 2,
	}, true
}

// BDS60 decodes the message as register 6,0; ok is false for other registers.
func (c CommB) BDS60() (BDS60, bool) {
	if c.BDS1 != 6 || c.BDS2 != 0 {
		return BDS60{}, false
	}
	return BDS60{
		HeadingStatus: c.mbBits(1, 1) == 1, HeadingDeg: c.mbSigned(2, 11) * 90 / 512,
		IASStatus: c.mbBits(13, 1) == 1, IASKt: float64(c.mbBits(14, 10)),
		MachStatus: c.mbBits(24, 1) == 1, Mach: float64(c.mbBits(25, 10)) * 2.048 / 512,
		BaroRateStatus: c.mbBits(35, 1) == 1, BaroRateFtMin: c.mbSigned(36, 10) * 32,
		IVVStatus: c.mbBits(46, 1) == 1, IVVFtMin: c.mbSigned(47, 10) * 32,
	}, true
}
