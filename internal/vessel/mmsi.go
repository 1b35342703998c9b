package vessel

import (
	_ "embed"
	"encoding/csv"
	"strconv"
	"strings"
)

// Class is the kind of station an MMSI numbers (ITU-R M.585).
type Class uint8

const (
	ClassInvalid     Class = iota // not a valid nine-digit identity
	ClassShip                     // MIDxxxxxx: a ship station
	ClassGroup                    // 0MIDxxxxx: a group of ship stations
	ClassCoast                    // 00MIDxxxx: a coast station (AIS base stations)
	ClassSARAircraft              // 111MIDxxx: a SAR aircraft
	ClassCraft                    // 98MIDxxxx: a craft associated with a parent ship
	ClassAidToNav                 // 99MIDxxxx: an aid to navigation
	ClassHandheld                 // 8MIDxxxxx: a handheld VHF with DSC and GNSS
	ClassSART                     // 970xxyyyy: AIS-SART (search and rescue transmitter)
	ClassMOB                      // 972xxyyyy: man-overboard device
	ClassEPIRB                    // 974xxyyyy: EPIRB with AIS
)

var classNames = [...]string{"invalid", "ship", "group", "coast", "sar_aircraft", "craft", "aid_to_navigation", "handheld", "sart", "mob", "epirb"}

// String returns a short snake_case name of the class ("ship",
// "aid_to_navigation", ...).
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "invalid"
}

// Class returns the kind of station m numbers, from its leading digits.
// It does not check the MID; see Valid. Zero, which decoders and CSV files
// use for "no identity", is ClassInvalid, not a coast station.
func (m MMSI) Class() Class {
	if m == 0 || m > 999_999_999 {
		return ClassInvalid
	}
	d := func(n int) int { return int(m) / pow10[9-n] } // first n of the nine digits
	switch {
	case d(3) == 970:
		return ClassSART
	case d(3) == 972:
		return ClassMOB
	case d(3) == 974:
		return ClassEPIRB
	case d(2) == 98:
		return ClassCraft
	case d(2) == 99:
		return ClassAidToNav
	case d(3) == 111:
		return ClassSARAircraft
	case d(2) == 0:
		return ClassCoast
	case d(1) == 0:
		return ClassGroup
	case d(1) == 8:
		return ClassHandheld
	case d(1) >= 2 && d(1) <= 7:
		return ClassShip
	}
	return ClassInvalid // 1xxxxxxxx other than 111, 9xxxxxxxx other than the above
}

var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// MID returns the maritime identification digits of m (the three digits
// that name the administration) and false when m's class has none (SART,
// MOB, EPIRB) or is invalid.
func (m MMSI) MID() (int, bool) {
	v := int(m)
	var skip int // leading digits before the MID
	switch m.Class() {
	case ClassShip:
		skip = 0
	case ClassGroup, ClassHandheld:
		skip = 1
	case ClassCoast, ClassCraft, ClassAidToNav:
		skip = 2
	case ClassSARAircraft:
		skip = 3
	default:
		return 0, false
	}
	return v / pow10[6-skip] % 1000, true
}

// Valid reports whether m is a well-formed identity: nine digits, a known
// class, and (for classes that carry one) a MID allocated by the ITU.
func (m MMSI) Valid() bool {
	c := m.Class()
	if c == ClassInvalid {
		return false
	}
	mid, ok := m.MID()
	if !ok {
		return c == ClassSART || c == ClassMOB || c == ClassEPIRB
	}
	_, ok = midTable[mid]
	return ok
}

// Country is the administration a MID is allocated to.
type Country struct {
	MID  int
	Name string // as in the ITU table, e.g. "India (Republic of)"
	// Code is the ISO 3166-1 alpha-2 code of the country or territory,
	// e.g. "IN"; a territory with its own ISO code has it (Hong Kong
	// "HK", Gibraltar "GI"), one without has its country's (the Azores
	// "PT").
	Code string
}

// FlagOf returns the administration MID mid is allocated to, and false
// (with a zero Country but for MID) when mid is not allocated.
func FlagOf(mid int) (Country, bool) {
	n, ok := midTable[mid]
	return Country{MID: mid, Name: n, Code: isoCodes[mid]}, ok
}

// Flag returns the flag state of m from its MID, and false when m has no
// MID or the MID is not allocated.
func (m MMSI) Flag() (Country, bool) {
	mid, ok := m.MID()
	if !ok {
		return Country{}, false
	}
	return FlagOf(mid)
}

// mid.csv is the ITU MID table (columns mid,allocated_to); see
// testdata/geo/README.md and NOTICE for its provenance and licence.
//
//go:embed mid.csv
var midCSV string

// midTable is built once at package initialisation and never written
// after: it is a constant table, not mutable state.
var midTable = parseMIDs(midCSV)

func parseMIDs(s string) map[int]string {
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		panic("vessel: embedded mid.csv: " + err.Error())
	}
	t := make(map[int]string, len(rows))
	for _, r := range rows[1:] {
		mid, err := strconv.Atoi(r[0])
		if err != nil || len(r) != 2 {
			panic("vessel: embedded mid.csv: bad row " + strings.Join(r, ","))
		}
		if prev, ok := t[mid]; ok {
			t[mid] = prev + "; " + r[1] // one MID shared by several territories
		} else {
			t[mid] = r[1]
		}
	}
	return t
}
