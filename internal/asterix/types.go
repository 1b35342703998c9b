package asterix

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SourceID is a data source identifier (I010 of every category): the System
// Area Code and the System Identification Code.
type SourceID struct {
	SAC uint8 `json:"sac"`
	SIC uint8 `json:"sic"`
}

func sourceID(b []byte) SourceID { return SourceID{SAC: b[0], SIC: b[1]} }

// Code is a 12-bit Mode-1/2/3/A code with its flags: Code holds the four
// octal digits ABCD (String prints them as "1000").
type Code struct {
	V    bool   `json:"v"`            // code not validated
	G    bool   `json:"g"`            // garbled code
	L    bool   `json:"l"`            // smoothed (CAT 048) / not extracted in the last scan
	CH   bool   `json:"ch,omitempty"` // CAT 062 I060: code changed
	Code uint16 `json:"-"`
}

// String returns the code as four octal digits.
func (c Code) String() string { return fmt.Sprintf("%04o", c.Code) }

// MarshalJSON writes the flags and the code as an octal string; "ch" only
// when set (it exists in CAT 062 I060 only).
func (c Code) MarshalJSON() ([]byte, error) {
	b := fmt.Appendf(nil, `{"v":%t,"g":%t,"l":%t,`, c.V, c.G, c.L)
	if c.CH {
		b = append(b, `"ch":true,`...)
	}
	return fmt.Appendf(b, `"code":"%04o"}`, c.Code), nil
}

func code(b []byte) Code {
	return Code{V: bit(b[0], 7), G: bit(b[0], 6), L: bit(b[0], 5), Code: uint16(u16(b) & 0x0fff)}
}

// Ident is an aircraft or target identification: eight characters of the
// ICAO six-bit alphabet, decoded to ASCII (spaces kept as sent).
type Ident [8]byte

// String returns the identification without trailing spaces.
func (id Ident) String() string { return strings.TrimRight(string(id[:]), " ") }

// MarshalJSON writes the identification as a string.
func (id Ident) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", id.String()), nil }

// ident decodes 48 bits of six-bit characters (ICAO Annex 10 alphabet:
// 1-26 are A-Z, 32 is space, 48-57 are digits). Code 0, which the alphabet
// leaves unused and transponders send for an unset identification, reads as
// a space; other unused codes read as '?'.
func ident(b []byte) Ident {
	var id Ident
	v := uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 | uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
	for i := range 8 {
		c := byte(v>>(42-6*i)) & 0x3f
		switch {
		case c >= 1 && c <= 26:
			id[i] = 'A' + c - 1
		case c == 32 || c == 0:
			id[i] = ' '
		case c >= 48 && c <= 57:
			id[i] = c
		default:
			id[i] = '?'
		}
	}
	return id
}

// PolarPosition is a measured position in polar co-ordinates relative to
// the radar: slant range in nautical miles, azimuth in degrees from north.
type PolarPosition struct {
	RhoNM    float64 `json:"rho_nm"`
	ThetaDeg float64 `json:"theta_deg"`
}

func polar(b []byte) PolarPosition {
	return PolarPosition{RhoNM: float64(u16(b)) / 256, ThetaDeg: float64(u16(b[2:])) * 360 / 65536}
}

// CommB is one Mode S Comm-B message (I048/250, I062/380 MB): the 56-bit MB
// data as received and the BDS register number it answers.
type CommB struct {
	MB   [7]byte `json:"-"`
	BDS1 uint8   `json:"bds1"`
	BDS2 uint8   `json:"bds2"`
}

// MarshalJSON writes the register and the MB data in hexadecimal, and the
// decoded register ("bds40", "bds50", "bds60") when this package decodes it.
func (c CommB) MarshalJSON() ([]byte, error) {
	b := fmt.Appendf(nil, `{"bds":"%X%X","mb":"%X"`, c.BDS1, c.BDS2, c.MB[:])
	var v any
	if r, ok := c.BDS40(); ok {
		v = r
	} else if r, ok := c.BDS50(); ok {
		v = r
	} else if r, ok := c.BDS60(); ok {
		v = r
	}
	if v != nil {
		j, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b = fmt.Appendf(b, `,"bds%X%X":%s`, c.BDS1, c.BDS2, j)
	}
	return append(b, '}'), nil
}

func commB(b []byte) []CommB {
	n := int(b[0])
	out := make([]CommB, n)
	for i := range n {
		e := b[1+8*i:]
		copy(out[i].MB[:], e[:7])
		out[i].BDS1, out[i].BDS2 = e[7]>>4, e[7]&0x0f
	}
	return out
}

// Subfield is a subfield of a compound item kept as sent, for subfields
// this package frames but does not decode further.
type Subfield struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// CommCapability is the Mode S communications capability and flight status
// (I048/230, I062/380 COM).
type CommCapability struct {
	COM  uint8 `json:"com"`  // communications capability of the transponder
	STAT uint8 `json:"stat"` // flight status
	SI   bool  `json:"si"`   // SI/II transponder capability (I048/230 only)
	MSSC bool  `json:"mssc"` // Mode S specific service capability
	ARC  bool  `json:"arc"`  // altitude reporting capability: 25 ft (true) or 100 ft
	AIC  bool  `json:"aic"`  // aircraft identification capability
	B1A  bool  `json:"b1a"`  // BDS 1,0 bit 16
	B1B  uint8 `json:"b1b"`  // BDS 1,0 bits 37-40
}

func commCap(b []byte, si bool) CommCapability {
	c := CommCapability{COM: b[0] >> 5, STAT: b[0] >> 2 & 7, MSSC: bit(b[1], 7), ARC: bit(b[1], 6),
		AIC: bit(b[1], 5), B1A: bit(b[1], 4), B1B: b[1] & 0x0f}
	if si {
		c.SI = bit(b[0], 1)
	}
	return c
}
