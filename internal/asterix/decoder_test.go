package asterix

import (
	"errors"
	"os"
	"reflect"
	"testing"
	"time"
)

// block wraps records into a data block of category cat.
func block(cat byte, records ...[]byte) []byte {
	n := 3
	for _, r := range records {
		n += len(r)
	}
	b := []byte{cat, byte(n >> 8), byte(n)}
	for _, r := range records {
		b = append(b, r...)
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// rec048 is a CAT 048 record built by hand from the item definitions, with
// the items the recordings do not carry: the two-octet I020, all seven
// I130 subfields, I250, I170 with extension, I210, I030, I080, I100, I110,
// I120, I230, I260, I055, I050, I065, I060, SP and RE.
var rec048 = cat(
	[]byte{0xA3, 0x23, 0xFF, 0xFE}, // FSPEC: FRN 1 3 7 / 10 14 / 15-21 / 22-28
	[]byte{0x01, 0x02},             // I010 SAC 1 SIC 2
	[]byte{0x35, 0xAC},             // I020 TYP 1 SIM SPI, FX; TST XPP MI FOE/FRI 2
	[]byte{0xFE, 0x10, 0x05, 0xF6, 0x20, 0x05, 0x80, 0x40},       // I130 all seven subfields
	[]byte{0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x40}, // I250 one BDS 4,0
	[]byte{0xAD, 0xA0},             // I170 CNF RAD 1 MAH CDM 2, FX; TRE SUP
	[]byte{0x80, 0x40, 0x40, 0x10}, // I210
	[]byte{0x03, 0x0A},             // I030 codes 1, 5
	[]byte{0x0F, 0xFF},             // I080
	[]byte{0x8A, 0xBC, 0x01, 0x23}, // I100 V, Gray 0xABC, QC 0x123
	[]byte{0x00, 0x28},             // I110 40 * 25 ft
	[]byte{0xC0, 0x83, 0xFB, 0x01, 0xFF, 0xF6, 0x00, 0x64, 0x0B, 0xB8}, // I120 CAL D -5; RDS 65526 100 3000
	[]byte{0x4E, 0xAA},          // I230 COM 2 STAT 3 SI; MSSC AIC B1B 10
	[]byte{1, 2, 3, 4, 5, 6, 7}, // I260
	[]byte{0x9F},                // I055
	[]byte{0x4F, 0xAC},          // I050 G, code 7654
	[]byte{0x11},                // I065
	[]byte{0x0F, 0x00},          // I060
	[]byte{0x03, 0xAA, 0xBB},    // SP
	[]byte{0x02, 0xCC},          // RE
)

func TestDecodeHandBuilt048(t *testing.T) {
	var d Decoder
	recs, err := d.Decode(nil, block(48, rec048))
	if err != nil || len(recs) != 1 {
		t.Fatalf("Decode = %d records, %v", len(recs), err)
	}
	r := recs[0]
	if r.Offset != 3 || r.Length != len(rec048) {
		t.Errorf("Offset, Length = %d, %d; want 3, %d", r.Offset, r.Length, len(rec048))
	}
	want := Cat048{
		I010: SourceID{1, 2},
		I020: TargetDescriptor048{TYP: 1, SIM: true, SPI: true, Octets: 2, TST: true, XPP: true, MI: true, FOEFRI: 2},
		I130: PlotCharacteristics{Present: 0x7f, SRL: 16 * 360.0 / 8192, SRR: 5, SAM: -10, PRL: 32 * 360.0 / 8192,
			PAM: 5, RPD: -0.5, APD: 64 * 360.0 / 16384},
		I250: []CommB{{MB: [7]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77}, BDS1: 4, BDS2: 0}},
		I170: TrackStatus048{CNF: true, RAD: 1, MAH: true, CDM: 2, Octets: 2, TRE: true, SUP: true},
		I210: TrackQuality048{SigmaXNM: 1, SigmaYNM: 0.5, SigmaVNMs: 64.0 / 16384, SigmaHDeg: 16 * 360.0 / 4096},
		I030: []uint8{1, 5},
		I080: 0xFFF,
		I100: ModeC{V: true, Gray: 0xABC, QC: 0x123},
		I110: 1000,
		I120: Doppler{HasCAL: true, D: true, CAL: -5, RDS: []RawDoppler{{DOP: 65526, AMB: 100, FRQ: 3000}}},
		I230: CommCapability{COM: 2, STAT: 3, SI: true, MSSC: true, AIC: true, B1B: 10},
		I260: [7]byte{1, 2, 3, 4, 5, 6, 7},
		I055: 0x9F,
		I050: Code{G: true, Code: 07654},
		I065: 0x11,
		I060: 0x0F00,
		SP:   []byte{0x03, 0xAA, 0xBB},
		RE:   []byte{0x02, 0xCC},
	}
	if !reflect.DeepEqual(r.Cat048, want) {
		t.Errorf("Cat048 =\n%+v\nwant\n%+v", r.Cat048, want)
	}
	wantItems := []int{10, 20, 130, 250, 170, 210, 30, 80, 100, 110, 120, 230, 260, 55, 50, 65, 60, ItemSP, ItemRE}
	if got := r.Items(); !reflect.DeepEqual(got, wantItems) {
		t.Errorf("Items = %v; want %v", got, wantItems)
	}
	if r.Has(-1) || r.Has(5000) || r.Has(999) || (&Record{Category: 65}).Has(10) {
		t.Error("Has true for an item outside the UAP")
	}
	if r.Has(140) || !r.Has(ItemRE) {
		t.Errorf("Has(140), Has(RE) = %v, %v; want false, true", r.Has(140), r.Has(ItemRE))
	}
	if _, ok := r.TimeOfDay(); ok {
		t.Error("TimeOfDay ok without I140")
	}
}

// TestDecodeHandBuilt062 decodes CAT 062 items the recording does not carry:
// I245, I380 with MHG, IAS (Mach), SAL, RAN, POS and MB, I290 with the
// two-octet ADS age and a second primary octet, I270, I300, I110, I120,
// I510, I500 and SP.
func TestDecodeHandBuilt062(t *testing.T) {
	rec := cat(
		[]byte{0x81, 0x33, 0x01, 0xFD, 0x02},             // FSPEC: FRN 1 / 10 11 14 / - / 22-27 / 35
		[]byte{0x19, 0x64},                               // I010
		[]byte{0x40, 0x04, 0x2C, 0x72, 0x82, 0x08, 0x20}, // I245 STI 1 "AB12    "
		[]byte{0x35, 0x01, 0x81, 0x90},                   // I380 primary: MHG IAS SAL / - / RAN / POS MB
		[]byte{0x40, 0x00},                               // MHG 90 deg
		[]byte{0x83, 0x20},                               // IAS Mach 0.800
		[]byte{0xC0, 0x50},                               // SAL SAS, source 2, 80*25 ft
		[]byte{0xFF, 0x9C},                               // RAN -1.00 deg
		[]byte{0x20, 0x00, 0x00, 0x10, 0x00, 0x00},       // POS lat 45, lon 22.5 (180/2^23)
		[]byte{0x01, 1, 2, 3, 4, 5, 6, 7, 0x50},          // MB: BDS 5,0
		[]byte{0x89, 0x20, 0x04, 0x01, 0x00, 0x08},       // I290 TRK 1 s, ADS 64 s / MLT 2 s
		[]byte{0x51, 0x09, 0x20},                         // I270 length 40 m, orientation 4*360/128, width 16 m
		[]byte{0x07},                                     // I300
		[]byte{0x80, 0x55},                               // I110 SUM
		[]byte{0x0A, 0xBC},                               // I120 Mode 2 code 0xABC
		[]byte{0x05, 0x00, 0x03, 0x07, 0x00, 0x08},       // I510 unit 5 track 1, FX; unit 7 track 4
		[]byte{0xC5, 0x80, 0x00, 0x14, 0x00, 0x0A, 0xFF, 0xFE, 0x08, 0x04, 0x0C}, // I500 APC 10 m 5 m, COV -1 m, ATV 2 1 m/s / ARC 75 ft/min
		[]byte{0x02, 0xEE}, // SP
	)
	var d Decoder
	recs, err := d.Decode(nil, block(62, rec))
	if err != nil || len(recs) != 1 {
		t.Fatalf("Decode = %d records, %v", len(recs), err)
	}
	c := recs[0].Cat062
	if c.I245.STI != 1 || c.I245.ID.String() != "AB12" {
		t.Errorf("I245 = %d %q; want 1 \"AB12\"", c.I245.STI, c.I245.ID.String())
	}
	a := c.I380
	if a.MHG != 90 || !a.IM || a.IAS != 0.8 || a.SAL != (SelectedAlt{SAS: true, Source: 2, AltFt: 2000}) ||
		a.RAN != -1 || a.POS != (LatLon{45, 22.5}) || len(a.MB) != 1 || a.MB[0].BDS1 != 5 {
		t.Errorf("I380 = %+v", a)
	}
	if c.I290.Present != 1|1<<4|1<<9 || c.I290.Age[4] != 64 || c.I290.Age[0] != 1 || c.I290.Age[9] != 2 {
		t.Errorf("I290 = %+v", c.I290)
	}
	if c.I270 != (TargetSize{Octets: 3, LengthM: 40, OrientationDeg: 4 * 360.0 / 128, WidthM: 16}) {
		t.Errorf("I270 = %+v", c.I270)
	}
	if c.I300 != 7 || c.I120 != 0xABC {
		t.Errorf("I300, I120 = %d, %#x", c.I300, c.I120)
	}
	if !reflect.DeepEqual(c.I510, []ComposedTrack{{5, 1}, {7, 4}}) {
		t.Errorf("I510 = %+v", c.I510)
	}
	if !reflect.DeepEqual(c.I110.Subfields, []Subfield{{"SUM", []byte{0x55}}}) ||
		c.I500 != (Accuracy{Present: 1 | 2 | 1<<5 | 1<<7, APCX: 10, APCY: 5, COV: -1, ATVX: 2, ATVY: 1, ARCFtMin: 75}) {
		t.Errorf("I110, I500 = %+v, %+v", c.I110, c.I500)
	}
	if !reflect.DeepEqual(c.SP, []byte{0x02, 0xEE}) {
		t.Errorf("SP = %x", c.SP)
	}
}

func TestDecodeHandBuilt034(t *testing.T) {
	rec := cat(
		// FSPEC: I010 I000 I050 I060 FX; I070 I100 I110 I090
		[]byte{0xC7, 0xE8},
		[]byte{0x19, 0x0C},
		[]byte{0x03},
		[]byte{0x18, 0xC0, 0x30},             // I050 PSR SSR: PSR ANT CH 2; SSR CH 1 OVL
		[]byte{0x18, 0xB4, 0x60},             // I060 PSR POL RED 3 STC 1; SSR RED 3
		[]byte{0x02, 0x08, 0x05, 0x17, 0xFF}, // I070 TYP 1 count 5; TYP 2 count 2047
		[]byte{0x00, 0x80, 0x01, 0x00, 0x40, 0x00, 0x80, 0x00}, // I100 0.5-1 NM, 90-180 deg
		[]byte{0x02},       // I110
		[]byte{0xFF, 0x40}, // I090 -1/128 NM, 64*360/16384 deg
	)
	var d Decoder
	recs, err := d.Decode(nil, block(34, rec))
	if err != nil || len(recs) != 1 {
		t.Fatalf("Decode = %d records, %v", len(recs), err)
	}
	c := recs[0].Cat034
	want := Cat034{
		I010: SourceID{25, 12}, I000: 3,
		I050: SystemStatus{HasPSR: true, HasSSR: true, PSR: StatusRad{ANT: true, CHAB: 2}, SSR: StatusRad{CHAB: 1, OVL: true}},
		I060: ProcessingMode{HasPSR: true, HasSSR: true, POL: true, PSRREDRAD: 3, STC: 1, SSRREDRAD: 3},
		I070: []MessageCount{{1, 5}, {2, 2047}},
		I100: PolarWindow{RhoStartNM: 0.5, RhoEndNM: 1, ThetaStartDeg: 90, ThetaEndDeg: 180},
		I110: 2,
		I090: Collimation{RangeNM: -1.0 / 128, AzimuthDeg: 64 * 360.0 / 16384},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Cat034 =\n%+v\nwant\n%+v", c, want)
	}
}

// good048 is a minimal valid CAT 048 record: I010 and I140.
var good048 = []byte{0xC0, 0x19, 0xC9, 0x35, 0x6D, 0x4D}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		records int   // records returned
		err     error // sentinel
		offset  int
		item    string
		skipped int64
	}{
		{"empty", nil, 0, nil, 0, "", 0},
		{"short header", []byte{48, 0}, 0, ErrTruncated, 0, "", 0},
		{"LEN below 3", []byte{48, 0, 2, 0}, 0, ErrBlockLength, 0, "", 0},
		{"LEN beyond input", block(48, good048)[:8], 0, ErrBlockLength, 0, "", 0},
		{"unknown category skipped", cat(block(65, []byte{1, 2, 3}), block(48, good048)), 1, nil, 0, "", 0},
		{"truncated item keeps earlier records", block(48, good048, good048[:4]), 1, ErrTruncated, 12, "I048/140", 4},
		{"FSPEC runs off the block", block(48, good048, []byte{0x01}), 1, ErrTruncated, 9, "", 1},
		{"FSPEC beyond the UAP", block(48, []byte{0x01, 0x01, 0x01, 0x01, 0x80}), 0, ErrUndefinedItem, 6, "", 5},
		{"spare FRN", block(62, []byte{0x40, 0x00}), 0, ErrUndefinedItem, 3, "", 2},
		{"empty FSPEC", block(48, []byte{0x00}), 0, ErrEmptyRecord, 3, "", 1},
		{"explicit length 0", block(48, []byte{0x01, 0x01, 0x01, 0x02, 0x00}), 0, ErrItem, 7, "I048/RE", 5},
		{"compound spare subfield", block(34, []byte{0x04, 0x40, 0x00}), 0, ErrItem, 4, "I034/050", 3},
		{"compound FX beyond subfields", block(48, []byte{0x02, 0x01, 0x00}), 0, ErrItem, 4, "I048/130", 3},
		{"time of day beyond 24 h", block(48, []byte{0x40, 0xA8, 0xC0, 0x00}), 0, ErrRange, 4, "I048/140", 4},
		{"latitude beyond 90", block(62, []byte{0x08, 0x40, 0, 0, 0, 0, 0, 0, 0}), 0, ErrRange, 4, "I062/105", 9},
		{"bad block then good block", cat(block(48, []byte{0x00}), block(48, good048)), 1, ErrEmptyRecord, 3, "", 1},
	}
	for _, tt := range tests {
		var d Decoder
		recs, err := d.Decode(nil, tt.in)
		if len(recs) != tt.records {
			t.Errorf("%s: %d records; want %d", tt.name, len(recs), tt.records)
		}
		if d.Stats.SkippedBytes != tt.skipped {
			t.Errorf("%s: SkippedBytes %d; want %d", tt.name, d.Stats.SkippedBytes, tt.skipped)
		}
		if tt.err == nil {
			if err != nil {
				t.Errorf("%s: error %v", tt.name, err)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, tt.err) || !errors.As(err, &e) {
			t.Errorf("%s: error %v; want %v", tt.name, err, tt.err)
			continue
		}
		if e.Offset != tt.offset || e.Item != tt.item {
			t.Errorf("%s: error at %d in %q; want %d in %q (%v)", tt.name, e.Offset, e.Item, tt.offset, tt.item, err)
		}
		if d.Stats.Errors() != 1 {
			t.Errorf("%s: %d errors counted; want 1", tt.name, d.Stats.Errors())
		}
	}
	var d Decoder
	d.Decode(nil, cat(block(65, []byte{1, 2, 3}), block(48, good048)))
	if d.Stats.SkippedBlocks != 1 || d.Stats.SkippedByCat[65] != 1 || d.Stats.Records != 1 || d.Stats.ByCategory[48] != 1 {
		t.Errorf("stats %+v", d.Stats)
	}
}

// TestRawFiles decodes the single raw data blocks of the recordings folder.
func TestRawFiles(t *testing.T) {
	tests := []struct {
		name             string
		records, skipped int
		cat              uint8
	}{
		{"cat048.raw", 1, 0, 48},
		{"cat062cat065.raw", 2, 1, 62},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(refFile(t, tt.name))
		if err != nil {
			t.Fatal(err)
		}
		var d Decoder
		recs, err := d.Decode(nil, data)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if len(recs) != tt.records || int(d.Stats.SkippedBlocks) != tt.skipped {
			t.Errorf("%s: %d records, %d skipped blocks; want %d, %d", tt.name, len(recs), d.Stats.SkippedBlocks, tt.records, tt.skipped)
		}
		if tt.cat == 62 && len(recs) == 2 {
			// The second track's flight plan data (I062/390), in the block's
			// ASCII text: "SXD4723", "B738", "M", "EDDL", "HELX", 0x0578/4.
			if recs[0].Has(390) || !recs[1].Has(390) {
				t.Errorf("%s: I062/390 present %v, %v; want false, true", tt.name, recs[0].Has(390), recs[1].Has(390))
			}
			fp := recs[1].Cat062.I390
			if fp.CSN != "SXD4723" || fp.TAC != "B738" || fp.WTC != "M" || fp.DEP != "EDDL" || fp.DST != "HELX" ||
				fp.CFL == nil || *fp.CFL != 350 || fp.TAG == nil || *fp.TAG != (SourceID{25, 100}) {
				t.Errorf("%s: I062/390 = %+v", tt.name, fp)
			}
		}
		for _, r := range recs {
			if r.Category != tt.cat {
				t.Errorf("%s: CAT %d", tt.name, r.Category)
			}
			if tod, ok := r.TimeOfDay(); !ok || tod >= 24*time.Hour {
				t.Errorf("%s: time of day %v, %v", tt.name, tod, ok)
			}
		}
	}
}

// TestAsterixPcap decodes asterix.pcap, which has no reference decode. Its
// 100 datagrams each carry one CAT 062 block from SAC/SIC 25/100 whose FSPEC
// marks I015 (FRN 3) while the octets that follow I010 are a time of day
// (0x59F8E1/128 s = 12:47:45, four minutes after cat_062_065.pcap): the
// records were written to a UAP without I015 at FRN 3, not edition 1.18.
// Decoded as 1.18, I062/070 then reads 0xF8E103/128 s (more than a day):
// every record must be rejected with a counted ErrRange at I062/070, none
// returned as if good, and nothing may panic.
func TestAsterixPcap(t *testing.T) {
	f, err := os.Open(refFile(t, "asterix.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := NewPcapReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	n := 0
	for {
		dg, err := p.Next()
		if err != nil {
			break
		}
		recs, err := d.Decode(nil, dg.Payload)
		var e *Error
		if len(recs) != 0 || !errors.As(err, &e) || !errors.Is(err, ErrRange) || e.Item != "I062/070" || e.Offset != 9 {
			t.Errorf("datagram %d: %d records, error %v; want 0 and ErrRange at offset 9 in I062/070", n, len(recs), err)
		}
		n++
	}
	if n != 100 || p.Stats.Datagrams != 100 || d.Stats.Range != 100 || d.Stats.Errors() != 100 || d.Stats.Blocks != 100 {
		t.Errorf("%d datagrams, pcap %+v, decoder %+v", n, p.Stats, d.Stats)
	}
}
