package asterix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The recordings and the reference decodes are GPL-licensed and live outside
// the repository (see ../shared/testdata/radar/README.md); tests read them
// from there and skip when they are absent.
const refDir = "../../../shared/testdata/radar/asterix"

func refFile(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(refDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference data absent: %v", err)
	}
	return p
}

// decoded is a record with the octets it was decoded from.
type decoded struct {
	Record
	raw []byte
}

// decodePcap decodes every UDP datagram of a capture.
func decodePcap(t testing.TB, name string) ([]decoded, *Decoder, PcapStats, error) {
	t.Helper()
	f, err := os.Open(refFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := NewPcapReader(bufio.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	d := new(Decoder)
	var out []decoded
	var first error
	for {
		dg, err := p.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		recs, err := d.Decode(nil, dg.Payload)
		if err != nil && first == nil {
			first = err
		}
		for _, r := range recs {
			out = append(out, decoded{r, bytes.Clone(dg.Payload[r.Offset : r.Offset+r.Length])})
		}
	}
	return out, d, p.Stats, first
}

func b01(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

func num(v float64) string                                           { return strconv.FormatFloat(v, 'f', -1, 64) }
func unum[T ~uint8 | ~uint16 | ~uint32 | ~int8 | ~int16](v T) string { return fmt.Sprint(v) }

// textFields maps "category/item/label" of the reference text decoder to the
// same value from a Record (rep is the repetition index within the item).
var textFields = map[string]func(r *Record, rep int) string{
	// CAT 048
	"48/010/System Area Code":             func(r *Record, _ int) string { return unum(r.Cat048.I010.SAC) },
	"48/010/System Identification Code":   func(r *Record, _ int) string { return unum(r.Cat048.I010.SIC) },
	"48/140/Time Of Day":                  func(r *Record, _ int) string { return num(r.Cat048.I140.Seconds()) },
	"48/020/TYP":                          func(r *Record, _ int) string { return unum(r.Cat048.I020.TYP) },
	"48/020/SIM":                          func(r *Record, _ int) string { return b01(r.Cat048.I020.SIM) },
	"48/020/RDP":                          func(r *Record, _ int) string { return b01(r.Cat048.I020.RDP) },
	"48/020/SPI":                          func(r *Record, _ int) string { return b01(r.Cat048.I020.SPI) },
	"48/020/RAB":                          func(r *Record, _ int) string { return b01(r.Cat048.I020.RAB) },
	"48/040/RHO":                          func(r *Record, _ int) string { return num(r.Cat048.I040.RhoNM) },
	"48/040/THETA":                        func(r *Record, _ int) string { return num(r.Cat048.I040.ThetaDeg) },
	"48/070/V":                            func(r *Record, _ int) string { return b01(r.Cat048.I070.V) },
	"48/070/G":                            func(r *Record, _ int) string { return b01(r.Cat048.I070.G) },
	"48/070/L":                            func(r *Record, _ int) string { return b01(r.Cat048.I070.L) },
	"48/070/Mode-3/A reply code":          func(r *Record, _ int) string { return r.Cat048.I070.String() },
	"48/090/V":                            func(r *Record, _ int) string { return b01(r.Cat048.I090.V) },
	"48/090/G":                            func(r *Record, _ int) string { return b01(r.Cat048.I090.G) },
	"48/090/FlightLevel":                  func(r *Record, _ int) string { return num(r.Cat048.I090.FL) },
	"48/130/SSR Plot Runlength":           func(r *Record, _ int) string { return num(r.Cat048.I130.SRL) },
	"48/130/SSR-Number of received reply": func(r *Record, _ int) string { return unum(r.Cat048.I130.SRR) },
	"48/130/SSR-Reply amplitude":          func(r *Record, _ int) string { return unum(r.Cat048.I130.SAM) },
	"48/130/Primary Plot Runlength":       func(r *Record, _ int) string { return num(r.Cat048.I130.PRL) },
	"48/130/Primary Plot Amplitude":       func(r *Record, _ int) string { return unum(r.Cat048.I130.PAM) },
	"48/220/AircraftAddress":              func(r *Record, _ int) string { return fmt.Sprintf("%06X", r.Cat048.I220) },
	"48/240/Characters 1-8 (coded on 6 bits each) defining target identification": func(r *Record, _ int) string {
		return r.Cat048.I240.String()
	},
	"48/250/BDS register": func(r *Record, rep int) string {
		if rep >= len(r.Cat048.I250) {
			return "missing repetition"
		}
		return fmt.Sprintf("%X%X", r.Cat048.I250[rep].BDS1, r.Cat048.I250[rep].BDS2)
	},
	"48/250/BDS value": func(r *Record, rep int) string {
		if rep >= len(r.Cat048.I250) {
			return "missing repetition"
		}
		return fmt.Sprintf("%X", r.Cat048.I250[rep].MB[:])
	},
	"48/161/Track Number":                 func(r *Record, _ int) string { return unum(r.Cat048.I161) },
	"48/042/X component":                  func(r *Record, _ int) string { return num(r.Cat048.I042.XNM) },
	"48/042/Y component":                  func(r *Record, _ int) string { return num(r.Cat048.I042.YNM) },
	"48/200/Calculated groundspeed":       func(r *Record, _ int) string { return num(r.Cat048.I200.SpeedKt) },
	"48/200/Calculated heading":           func(r *Record, _ int) string { return num(r.Cat048.I200.HeadingDeg) },
	"48/170/CNF":                          func(r *Record, _ int) string { return b01(r.Cat048.I170.CNF) },
	"48/170/RAD":                          func(r *Record, _ int) string { return unum(r.Cat048.I170.RAD) },
	"48/170/DOU":                          func(r *Record, _ int) string { return b01(r.Cat048.I170.DOU) },
	"48/170/MAH":                          func(r *Record, _ int) string { return b01(r.Cat048.I170.MAH) },
	"48/170/CDM":                          func(r *Record, _ int) string { return unum(r.Cat048.I170.CDM) },
	"48/170/TRE":                          func(r *Record, _ int) string { return b01(r.Cat048.I170.TRE) },
	"48/170/GHO":                          func(r *Record, _ int) string { return b01(r.Cat048.I170.GHO) },
	"48/170/SUP":                          func(r *Record, _ int) string { return b01(r.Cat048.I170.SUP) },
	"48/170/TCC":                          func(r *Record, _ int) string { return b01(r.Cat048.I170.TCC) },
	"48/110/3D_Height":                    func(r *Record, _ int) string { return num(r.Cat048.I110) },
	"48/230/COM":                          func(r *Record, _ int) string { return unum(r.Cat048.I230.COM) },
	"48/230/STAT":                         func(r *Record, _ int) string { return unum(r.Cat048.I230.STAT) },
	"48/230/SI/II Transponder Capability": func(r *Record, _ int) string { return b01(r.Cat048.I230.SI) },
	"48/230/ModeS Specific Service Capability":  func(r *Record, _ int) string { return b01(r.Cat048.I230.MSSC) },
	"48/230/Altitude reporting capability":      func(r *Record, _ int) string { return b01(r.Cat048.I230.ARC) },
	"48/230/Aircraft identification capability": func(r *Record, _ int) string { return b01(r.Cat048.I230.AIC) },
	"48/230/BDS 1,0 bit 16":                     func(r *Record, _ int) string { return b01(r.Cat048.I230.B1A) },
	"48/230/BDS 1,0 bits 37/40":                 func(r *Record, _ int) string { return unum(r.Cat048.I230.B1B) },

	// CAT 034
	"34/010/System Area Code":                            func(r *Record, _ int) string { return unum(r.Cat034.I010.SAC) },
	"34/010/System Identification Code":                  func(r *Record, _ int) string { return unum(r.Cat034.I010.SIC) },
	"34/000/Message Type":                                func(r *Record, _ int) string { return unum(r.Cat034.I000) },
	"34/030/Time of day":                                 func(r *Record, _ int) string { return num(r.Cat034.I030.Seconds()) },
	"34/020/Antenna azimuth":                             func(r *Record, _ int) string { return num(r.Cat034.I020) },
	"34/041/Antenna rotation speed":                      func(r *Record, _ int) string { return num(r.Cat034.I041) },
	"34/050/Operational Release Status of the System":    func(r *Record, _ int) string { return b01(r.Cat034.I050.COM.NOGO) },
	"34/050/Radar Data Processor Chain Selection Status": func(r *Record, _ int) string { return b01(r.Cat034.I050.COM.RDPC) },
	"34/050/Event to signal a reset/restart of the selected Radar Data Processor Chain": func(r *Record, _ int) string {
		return b01(r.Cat034.I050.COM.RDPR)
	},
	"34/050/Radar Data Processor Overload Indicator": func(r *Record, _ int) string { return b01(r.Cat034.I050.COM.OVLRDP) },
	"34/050/Transmission Subsystem Overload Status":  func(r *Record, _ int) string { return b01(r.Cat034.I050.COM.OVLXMT) },
	"34/050/Monitoring System Connected Status":      func(r *Record, _ int) string { return b01(r.Cat034.I050.COM.MSC) },
	"34/050/Time Source Validity":                    func(r *Record, _ int) string { return b01(r.Cat034.I050.COM.TSV) },
	"34/050/Selected PSR antenna":                    func(r *Record, _ int) string { return b01(r.Cat034.I050.PSR.ANT) },
	"34/050/PSR Channel A/B selection status":        func(r *Record, _ int) string { return unum(r.Cat034.I050.PSR.CHAB) },
	"34/050/PSSR Overload condition":                 func(r *Record, _ int) string { return b01(r.Cat034.I050.PSR.OVL) },
	"34/050/PSSR Monitoring System Connected Status": func(r *Record, _ int) string { return b01(r.Cat034.I050.PSR.MSC) },
	"34/050/Selected SSR antenna":                    func(r *Record, _ int) string { return b01(r.Cat034.I050.SSR.ANT) },
	"34/050/SSR Channel A/B selection status":        func(r *Record, _ int) string { return unum(r.Cat034.I050.SSR.CHAB) },
	"34/050/SSR Overload condition":                  func(r *Record, _ int) string { return b01(r.Cat034.I050.SSR.OVL) },
	"34/050/SSR Monitoring System Connected Status":  func(r *Record, _ int) string { return b01(r.Cat034.I050.SSR.MSC) },
	"34/050/Mode S Selected antenna":                 func(r *Record, _ int) string { return b01(r.Cat034.I050.MDS.ANT) },
	"34/050/Mode S Channel A/B selection status for surveillance": func(r *Record, _ int) string {
		return unum(r.Cat034.I050.MDS.CHAB)
	},
	"34/050/Mode S Overload condition":                 func(r *Record, _ int) string { return b01(r.Cat034.I050.MDS.OVLSUR) },
	"34/050/Mode S Monitoring System Connected Status": func(r *Record, _ int) string { return b01(r.Cat034.I050.MDS.MSC) },
	"34/050/Mode S Channel A/B sellection for Surveillance Co-ordination Function": func(r *Record, _ int) string {
		return b01(r.Cat034.I050.MDS.SCF)
	},
	"34/050/Mode S Channel A/B sellection for Data Link Function": func(r *Record, _ int) string {
		return b01(r.Cat034.I050.MDS.DLF)
	},
	"34/050/Mode S Overload in Surveillance Co-ordination Function": func(r *Record, _ int) string {
		return b01(r.Cat034.I050.MDS.OVLSCF)
	},
	"34/050/Mode S Overload in Data Link Function": func(r *Record, _ int) string { return b01(r.Cat034.I050.MDS.OVLDLF) },
	"34/060/Reduction Steps in use for an overload of the RDP": func(r *Record, _ int) string {
		return unum(r.Cat034.I060.REDRDP)
	},
	"34/060/Reduction Steps in use for an overload of the Transmission subsystem": func(r *Record, _ int) string {
		return unum(r.Cat034.I060.REDXMT)
	},
	"34/060/Reduction Steps in use as result of an overload within the Mode S subsystem": func(r *Record, _ int) string {
		return unum(r.Cat034.I060.MDSREDRAD)
	},
	"34/060/Cluster State": func(r *Record, _ int) string { return b01(r.Cat034.I060.CLU) },
	"34/120/Signed Height of the Data Source, expressed in meters above WGS 84 reference ellipsoid.": func(r *Record, _ int) string {
		return num(r.Cat034.I120.HeightM)
	},
	"34/120/Latitude in WGS-84":  func(r *Record, _ int) string { return num(r.Cat034.I120.Lat) },
	"34/120/Longitude in WGS-84": func(r *Record, _ int) string { return num(r.Cat034.I120.Lon) },
}

// rawCompared lists fields whose scaled value the reference prints with a
// rounded LSB (it multiplies I034/120's 24-bit latitude and longitude by
// 0.00002145767 instead of 180/2^23, an error of 1e-7 relative, 5 mm): for
// them the raw integer the reference prints is compared with the decoded
// value divided by the specification's LSB.
var rawCompared = map[string]float64{
	"34/120/Latitude in WGS-84":  180.0 / (1 << 23),
	"34/120/Longitude in WGS-84": 180.0 / (1 << 23),
	// The reference prints BDS 4,0's pressure setting as raw*0.1 mb,
	// leaving out the 800 mb offset; the raw value is compared.
	"48/250/Barometric Pressure": 1,
}

// commB returns repetition rep of I048/250.
func commBAt(r *Record, rep int) CommB {
	if rep < len(r.Cat048.I250) {
		return r.Cat048.I250[rep]
	}
	return CommB{}
}

func bds40(r *Record, rep int, f func(BDS40) string) string {
	if b, ok := commBAt(r, rep).BDS40(); ok {
		return f(b)
	}
	return "not register 4,0"
}

func bds50(r *Record, rep int, f func(BDS50) string) string {
	if b, ok := commBAt(r, rep).BDS50(); ok {
		return f(b)
	}
	return "not register 5,0"
}

func bds60(r *Record, rep int, f func(BDS60) string) string {
	if b, ok := commBAt(r, rep).BDS60(); ok {
		return f(b)
	}
	return "not register 6,0"
}

// commBFields are the fields of Mode S registers 4,0, 5,0 and 6,0 that the
// reference prints inside I048/250.
var commBFields = map[string]func(r *Record, rep int) string{
	"MCP Altitude Status":        func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return b01(b.MCPStatus) }) },
	"MCP/FCU Selected Altitude":  func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return num(b.MCPAltFt) }) },
	"FMS Altitude Status":        func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return b01(b.FMSStatus) }) },
	"FMS Selected Altitude":      func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return num(b.FMSAltFt) }) },
	"Barometric Pressure Status": func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return b01(b.BaroStatus) }) },
	"Barometric Pressure": func(r *Record, i int) string {
		return bds40(r, i, func(b BDS40) string { return num((b.BaroMb - 800) * 10) })
	},
	"Reserved 1":                  func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return unum(b.Reserved1) }) },
	"Status of MCP/FCU Mode Bits": func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return b01(b.ModeStatus) }) },
	"VNAV Mode":                   func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return b01(b.VNAV) }) },
	"ALT HOLD Mode":               func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return b01(b.AltHold) }) },
	"APPROACH Mode":               func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return b01(b.Approach) }) },
	"Reserved 2":                  func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return unum(b.Reserved2) }) },
	"Status of Target ALT source bits": func(r *Record, i int) string {
		return bds40(r, i, func(b BDS40) string { return b01(b.SourceStatus) })
	},
	"Target ALT source":       func(r *Record, i int) string { return bds40(r, i, func(b BDS40) string { return unum(b.Source) }) },
	"Roll Angle Status":       func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return b01(b.RollStatus) }) },
	"Roll Angle":              func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return num(b.RollDeg) }) },
	"True Track Angle Status": func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return b01(b.TrackStatus) }) },
	"True Track Angle":        func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return num(b.TrackDeg) }) },
	"Ground Speed Status":     func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return b01(b.GSStatus) }) },
	"Ground Speed":            func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return num(b.GSKt) }) },
	"Track Angle Rate Status": func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return b01(b.RateStatus) }) },
	"Track Angle Rate":        func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return num(b.RateDegS) }) },
	"True Airspeed Status":    func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return b01(b.TASStatus) }) },
	"True Airspeed":           func(r *Record, i int) string { return bds50(r, i, func(b BDS50) string { return num(b.TASKt) }) },
	"Heading Status": func(r *Record, i int) string {
		return bds60(r, i, func(b BDS60) string { return b01(b.HeadingStatus) })
	},
	"Magnetic Heading": func(r *Record, i int) string { return bds60(r, i, func(b BDS60) string { return num(b.HeadingDeg) }) },
	"Indicated Airspeed Status": func(r *Record, i int) string {
		return bds60(r, i, func(b BDS60) string { return b01(b.IASStatus) })
	},
	"Indicated Airspeed": func(r *Record, i int) string { return bds60(r, i, func(b BDS60) string { return num(b.IASKt) }) },
	"Mach Speed Status":  func(r *Record, i int) string { return bds60(r, i, func(b BDS60) string { return b01(b.MachStatus) }) },
	"Mach Speed":         func(r *Record, i int) string { return bds60(r, i, func(b BDS60) string { return num(b.Mach) }) },
	"Barometric Altitude Rate Status": func(r *Record, i int) string {
		return bds60(r, i, func(b BDS60) string { return b01(b.BaroRateStatus) })
	},
	"Barometric Altitude Rate": func(r *Record, i int) string {
		return bds60(r, i, func(b BDS60) string { return num(b.BaroRateFtMin) })
	},
	"Inertial Vertical Velocity Status": func(r *Record, i int) string {
		return bds60(r, i, func(b BDS60) string { return b01(b.IVVStatus) })
	},
	"Inertial Vertical Velocity": func(r *Record, i int) string {
		return bds60(r, i, func(b BDS60) string { return num(b.IVVFtMin) })
	},
}

func init() {
	for label, f := range commBFields {
		textFields["48/250/"+label] = f
	}
}

type refField struct {
	line         int
	label, value string
}

type refItem struct {
	id     string // "040"
	hex    string // the item's octets as printed
	fields []refField
}

type refRecord struct {
	line  int
	cat   int
	hex   string
	items []refItem
}

// parseRefText reads the reference decoder's text output.
func parseRefText(t *testing.T, path string) []refRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []refRecord
	cat := -1
	inRecord := false
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		switch {
		case strings.HasPrefix(line, "Category: "):
			cat, err = strconv.Atoi(strings.TrimPrefix(line, "Category: "))
			if err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			inRecord = false
		case strings.HasPrefix(line, "Data Record "):
			recs = append(recs, refRecord{line: n, cat: cat})
			inRecord = true
		case strings.HasPrefix(line, "HexData: ") && inRecord && len(recs) > 0 && recs[len(recs)-1].hex == "":
			recs[len(recs)-1].hex = strings.TrimPrefix(line, "HexData: ")
		case strings.HasPrefix(line, "Item "):
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "Item "), " ")
			r := &recs[len(recs)-1]
			r.items = append(r.items, refItem{id: id})
		case strings.HasPrefix(line, "[ ") && len(recs) > 0 && len(recs[len(recs)-1].items) > 0:
			r := &recs[len(recs)-1]
			r.items[len(r.items)-1].hex = strings.ReplaceAll(strings.Trim(line, "[] "), " ", "")
		case strings.HasPrefix(line, "\t"):
			label, value, ok := strings.Cut(line[1:], ": ")
			if !ok {
				t.Fatalf("line %d: no value: %q", n, line)
			}
			r := &recs[len(recs)-1]
			it := &r.items[len(r.items)-1]
			it.fields = append(it.fields, refField{line: n, label: label, value: value})
		}
	}
	return recs
}

// refValue returns the value a reference field states: the scaled value in
// parentheses when there is one, else the raw value.
func refValue(v string) string {
	raw, rest, ok := strings.Cut(v, " (")
	if ok {
		scaled, _, _ := strings.Cut(rest, " ")
		scaled = strings.TrimSuffix(scaled, ")")
		if _, err := strconv.ParseFloat(scaled, 64); err == nil {
			return scaled
		}
	}
	if !ok {
		raw = strings.TrimRight(v, " ")
	}
	return raw
}

// same compares a decoded and a reference value: numerically within the
// reference's printed precision (7 decimals) when both are numbers,
// otherwise as strings.
func same(got, want string) bool {
	g, err1 := strconv.ParseFloat(got, 64)
	w, err2 := strconv.ParseFloat(want, 64)
	if err1 == nil && err2 == nil && !strings.ContainsAny(want, "ABCDEF") {
		return math.Abs(g-w) <= 1e-6+1e-9*math.Abs(w)
	}
	return got == want
}

// TestReferenceText decodes every record of cat_034_048.pcap and compares it
// field by field with the reference decoder's text output: record octets,
// the set of items and every field of every item (Mode S registers 4,0,
// 5,0 and 6,0 inside I048/250 included), except FX and spare bits.
func TestReferenceText(t *testing.T) {
	got, d, ps, err := decodePcap(t, "cat_034_048.pcap")
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	for _, name := range []string{"cat_034_048.txt", "cat_034_048_filtered.txt"} {
		t.Run(name, func(t *testing.T) {
			ref := parseRefText(t, refFile(t, name))
			if len(got) != len(ref) {
				t.Fatalf("decoded %d records; the reference has %d", len(got), len(ref))
			}
			compared, bdsFields := 0, 0
			for i, rr := range ref {
				r := &got[i]
				if int(r.Category) != rr.cat {
					t.Fatalf("record %d (line %d): CAT %d; want %d", i, rr.line, r.Category, rr.cat)
				}
				if h := fmt.Sprintf("%X", r.raw); h != rr.hex {
					t.Errorf("record %d (line %d): octets %s; want %s", i, rr.line, h, rr.hex)
				}
				var ids []string
				for _, id := range r.Items() {
					ids = append(ids, fmt.Sprintf("%03d", id))
				}
				var want []string
				for _, it := range rr.items {
					want = append(want, it.id)
				}
				if strings.Join(ids, " ") != strings.Join(want, " ") {
					t.Errorf("record %d (line %d): items %v; want %v", i, rr.line, ids, want)
				}
				for _, it := range rr.items {
					rep := 0
					for _, f := range it.fields {
						if f.label == "FX" || strings.HasPrefix(f.label, "spare bit") {
							continue
						}
						if it.id == "250" && commBFields[f.label] != nil {
							bdsFields++
						}
						key := fmt.Sprintf("%d/%s/%s", rr.cat, it.id, f.label)
						get, ok := textFields[key]
						if !ok {
							t.Errorf("line %d: no decoded counterpart for %q", f.line, key)
							continue
						}
						w := refValue(f.value)
						if lsb, ok := rawCompared[key]; ok {
							// Compare the raw value: see rawCompared.
							w, _, _ = strings.Cut(f.value, " ")
							get = func(r *Record, rep int) string {
								v, _ := strconv.ParseFloat(textFields[key](r, rep), 64)
								return num(math.Round(v / lsb))
							}
						}
						if g := get(&r.Record, rep); !same(g, w) {
							t.Errorf("line %d: %s = %s; reference %s (%q)", f.line, key, g, w, f.value)
						}
						compared++
						if f.label == "BDS register" {
							rep++
						}
					}
				}
			}
			t.Logf("%d records, %d fields compared (%d of them inside Mode S registers 4,0, 5,0 and 6,0)", len(ref), compared, bdsFields)
			if compared < 4000 {
				t.Errorf("only %d fields compared", compared)
			}
		})
	}
	if d.Stats.Errors() != 0 || ps.Datagrams != ps.Packets {
		t.Errorf("stats %+v, pcap %+v: want no errors and every packet a datagram", d.Stats, ps)
	}
}

// flatten turns the reference JSON of one record into path -> value, e.g.
// "I380/ADR/ADR" -> "4CA7A8".
func flatten(prefix string, v any, out map[string]any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := k
			if prefix != "" {
				p = prefix + "/" + k
			}
			flatten(p, x, out)
		}
	default:
		out[prefix] = v
	}
}

// jsonFields maps the reference JSON paths of CAT 062 to decoded values.
var jsonFields = map[string]func(c *Cat062) any{
	"I010/SAC":        func(c *Cat062) any { return c.I010.SAC },
	"I010/SIC":        func(c *Cat062) any { return c.I010.SIC },
	"I015/SID":        func(c *Cat062) any { return c.I015 },
	"I070/ToT":        func(c *Cat062) any { return c.I070.Seconds() },
	"I105/Lat":        func(c *Cat062) any { return c.I105.Lat },
	"I105/Lon":        func(c *Cat062) any { return c.I105.Lon },
	"I100/X":          func(c *Cat062) any { return c.I100.X },
	"I100/Y":          func(c *Cat062) any { return c.I100.Y },
	"I185/Vx":         func(c *Cat062) any { return c.I185.VX },
	"I185/Vy":         func(c *Cat062) any { return c.I185.VY },
	"I210/Ax":         func(c *Cat062) any { return c.I210.AX },
	"I210/Ay":         func(c *Cat062) any { return c.I210.AY },
	"I060/V":          func(c *Cat062) any { return c.I060.V },
	"I060/G":          func(c *Cat062) any { return c.I060.G },
	"I060/CH":         func(c *Cat062) any { return c.I060.CH },
	"I060/Mode3A":     func(c *Cat062) any { return c.I060.String() },
	"I380/ADR/ADR":    func(c *Cat062) any { return fmt.Sprintf("%06X", c.I380.ADR) },
	"I380/ID/ACID":    func(c *Cat062) any { return string(c.I380.ID[:]) },
	"I380/COM/COM":    func(c *Cat062) any { return c.I380.COM.COM },
	"I380/COM/STAT":   func(c *Cat062) any { return c.I380.COM.STAT },
	"I380/COM/SSC":    func(c *Cat062) any { return c.I380.COM.MSSC },
	"I380/COM/ARC":    func(c *Cat062) any { return c.I380.COM.ARC },
	"I380/COM/AIC":    func(c *Cat062) any { return c.I380.COM.AIC },
	"I380/COM/B1A":    func(c *Cat062) any { return c.I380.COM.B1A },
	"I380/COM/B1B":    func(c *Cat062) any { return c.I380.COM.B1B },
	"I040/TrkN":       func(c *Cat062) any { return c.I040 },
	"I080/MON":        func(c *Cat062) any { return c.I080.MON },
	"I080/SPI":        func(c *Cat062) any { return c.I080.SPI },
	"I080/MRH":        func(c *Cat062) any { return c.I080.MRH },
	"I080/SRC":        func(c *Cat062) any { return c.I080.SRC },
	"I080/CNF":        func(c *Cat062) any { return c.I080.CNF },
	"I080/SIM":        func(c *Cat062) any { return c.I080.SIM },
	"I080/TSE":        func(c *Cat062) any { return c.I080.TSE },
	"I080/TSB":        func(c *Cat062) any { return c.I080.TSB },
	"I080/FPC":        func(c *Cat062) any { return c.I080.FPC },
	"I080/AFF":        func(c *Cat062) any { return c.I080.AFF },
	"I080/STP":        func(c *Cat062) any { return c.I080.STP },
	"I080/KOS":        func(c *Cat062) any { return c.I080.KOS },
	"I080/AMA":        func(c *Cat062) any { return c.I080.AMA },
	"I080/MD4":        func(c *Cat062) any { return c.I080.MD4 },
	"I080/ME":         func(c *Cat062) any { return c.I080.ME },
	"I080/MI":         func(c *Cat062) any { return c.I080.MI },
	"I080/MD5":        func(c *Cat062) any { return c.I080.MD5 },
	"I080/CST":        func(c *Cat062) any { return c.I080.CST },
	"I080/PSR":        func(c *Cat062) any { return c.I080.PSR },
	"I080/SSR":        func(c *Cat062) any { return c.I080.SSR },
	"I080/MDS":        func(c *Cat062) any { return c.I080.MDS },
	"I080/ADS":        func(c *Cat062) any { return c.I080.ADS },
	"I080/SUC":        func(c *Cat062) any { return c.I080.SUC },
	"I080/AAC":        func(c *Cat062) any { return c.I080.AAC },
	"I290/PSR/PSR":    func(c *Cat062) any { return age(&c.I290, 1) },
	"I290/SSR/SSR":    func(c *Cat062) any { return age(&c.I290, 2) },
	"I290/MDS/MDS":    func(c *Cat062) any { return age(&c.I290, 3) },
	"I200/TRANSA":     func(c *Cat062) any { return c.I200.TRANS },
	"I200/LONGA":      func(c *Cat062) any { return c.I200.LONG },
	"I200/VERTA":      func(c *Cat062) any { return c.I200.VERT },
	"I200/ADF":        func(c *Cat062) any { return c.I200.ADF },
	"I295/MFL/MFL":    func(c *Cat062) any { return age(&c.I295, 0) },
	"I295/MDA/MDA":    func(c *Cat062) any { return age(&c.I295, 3) },
	"I136/MFL":        func(c *Cat062) any { return c.I136 * 100 }, // the reference prints feet
	"I130/Alt":        func(c *Cat062) any { return c.I130 },
	"I135/QNH":        func(c *Cat062) any { return c.I135.QNH },
	"I135/CTBA":       func(c *Cat062) any { return c.I135.FL * 100 }, // feet
	"I220/RoC":        func(c *Cat062) any { return c.I220 },
	"I340/SID/SAC":    func(c *Cat062) any { return c.I340.SID.SAC },
	"I340/SID/SIC":    func(c *Cat062) any { return c.I340.SID.SIC },
	"I340/POS/RHO":    func(c *Cat062) any { return c.I340.POS.RhoNM },
	"I340/POS/THETA":  func(c *Cat062) any { return c.I340.POS.ThetaDeg },
	"I340/MDC/CV":     func(c *Cat062) any { return c.I340.MDC.V },
	"I340/MDC/CG":     func(c *Cat062) any { return c.I340.MDC.G },
	"I340/MDC/ModeC":  func(c *Cat062) any { return c.I340.MDC.FL },
	"I340/MDA/V":      func(c *Cat062) any { return c.I340.MDA.V },
	"I340/MDA/G":      func(c *Cat062) any { return c.I340.MDA.G },
	"I340/MDA/L":      func(c *Cat062) any { return c.I340.MDA.L },
	"I340/MDA/Mode3A": func(c *Cat062) any { return c.I340.MDA.String() },
	"I340/TYP/TYP":    func(c *Cat062) any { return c.I340.TYP },
	"I340/TYP/SIM":    func(c *Cat062) any { return c.I340.SIM },
	"I340/TYP/RAB":    func(c *Cat062) any { return c.I340.RAB },
	"I340/TYP/TST":    func(c *Cat062) any { return c.I340.TST },
}

func age(a *Ages, i int) any {
	if !a.Has(i) {
		return "absent"
	}
	return a.Age[i]
}

// TestReferenceJSON decodes every record of cat_062_065.pcap and compares it
// with the reference decoder's JSON: record octets and length, the items,
// and every field except FX and spare bits. The CAT 065 record must be
// skipped and counted.
func TestReferenceJSON(t *testing.T) {
	got, d, _, err := decodePcap(t, "cat_062_065.pcap")
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	data, err := os.ReadFile(refFile(t, "cat_062_065_json.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var refs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m["cat"].(float64) == 62 {
			refs = append(refs, m)
		} else if m["cat"].(float64) != 65 {
			t.Fatalf("unexpected category in reference: %v", m["cat"])
		}
	}
	if len(got) != len(refs) {
		t.Fatalf("decoded %d CAT 062 records; reference has %d", len(got), len(refs))
	}
	if d.Stats.SkippedByCat[65] != 1 || d.Stats.Errors() != 0 {
		t.Errorf("stats: skipped CAT 065 blocks %d, errors %d; want 1 and 0", d.Stats.SkippedByCat[65], d.Stats.Errors())
	}
	compared := 0
	for i, ref := range refs {
		r := &got[i]
		if h := fmt.Sprintf("%X", r.raw); h != ref["hexdata"] {
			t.Errorf("record %d: octets %s; want %s", i, h, ref["hexdata"])
		}
		if r.Length != int(ref["length"].(float64)) {
			t.Errorf("record %d: length %d; want %v", i, r.Length, ref["length"])
		}
		items := ref["CAT062"].(map[string]any)
		var wantItems, gotItems []string
		for k := range items {
			wantItems = append(wantItems, k)
		}
		for _, id := range r.Items() {
			gotItems = append(gotItems, fmt.Sprintf("I%03d", id))
		}
		sort.Strings(wantItems)
		sort.Strings(gotItems)
		if strings.Join(gotItems, " ") != strings.Join(wantItems, " ") {
			t.Errorf("record %d: items %v; want %v", i, gotItems, wantItems)
		}
		flat := map[string]any{}
		flatten("", items, flat)
		for path, want := range flat {
			last := path[strings.LastIndex(path, "/")+1:]
			if last == "FX" || last == "spare" {
				continue
			}
			get, ok := jsonFields[path]
			if !ok {
				t.Errorf("record %d: no decoded counterpart for %s", i, path)
				continue
			}
			g := get(&r.Cat062)
			var gs, ws string
			switch x := g.(type) {
			case bool:
				gs = b01(x)
			case float64:
				gs = num(x)
			default:
				gs = fmt.Sprint(x)
			}
			switch x := want.(type) {
			case float64:
				ws = num(x)
			default:
				ws = fmt.Sprint(x)
			}
			if !same(gs, ws) {
				t.Errorf("record %d: %s = %s; reference %s", i, path, gs, ws)
			}
			compared++
		}
	}
	t.Logf("%d records, %d fields compared", len(refs), compared)
	if compared < 150 {
		t.Errorf("only %d fields compared", compared)
	}
}
