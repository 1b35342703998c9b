package vessel_test

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

func TestMMSIClass(t *testing.T) {
	tests := []struct {
		m     vessel.MMSI
		class vessel.Class
		mid   int // -1: no MID
		valid bool
		flag  string // substring of the flag's name; "" for none
		code  string
	}{
		{419000001, vessel.ClassShip, 419, true, "India", "IN"},
		{41900000, vessel.ClassGroup, 419, true, "India", "IN"},
		{4190000, vessel.ClassCoast, 419, true, "India", "IN"},
		{111419000, vessel.ClassSARAircraft, 419, true, "India", "IN"},
		{984190000, vessel.ClassCraft, 419, true, "India", "IN"},
		{994190000, vessel.ClassAidToNav, 419, true, "India", "IN"},
		{841900000, vessel.ClassHandheld, 419, true, "India", "IN"},
		{970123456, vessel.ClassSART, -1, true, "", ""},
		{972123456, vessel.ClassMOB, -1, true, "", ""},
		{974123456, vessel.ClassEPIRB, -1, true, "", ""},
		{366999999, vessel.ClassShip, 366, true, "United States", "US"},
		{200000000, vessel.ClassShip, 200, false, "", ""},          // MID 200 not allocated
		{5030001, vessel.ClassCoast, 503, true, "Australia", "AU"}, // "005030001"
		{3669881, vessel.ClassCoast, 366, true, "United States", "US"},
		{36926403, vessel.ClassGroup, 369, true, "United States", "US"},
		// Invalid.
		{0, vessel.ClassInvalid, -1, false, "", ""},           // "no identity", not a coast station
		{123456789, vessel.ClassInvalid, -1, false, "", ""},   // MIDs start with 2-7; 1xx is only 111
		{112345678, vessel.ClassInvalid, -1, false, "", ""},   // 11x other than 111
		{1000000000, vessel.ClassInvalid, -1, false, "", ""},  // ten digits
		{4294967295, vessel.ClassInvalid, -1, false, "", ""},  // ten digits
		{999999999, vessel.ClassAidToNav, 999, false, "", ""}, // MID 999 not allocated
		{912345678, vessel.ClassInvalid, -1, false, "", ""},   // 9x other than 970/972/974/98/99
		{971123456, vessel.ClassInvalid, -1, false, "", ""},
		{12345678, vessel.ClassGroup, 123, false, "", ""}, // "012345678": MID 123 not allocated
		{9110192, vessel.ClassCoast, 911, false, "", ""},  // "009110192"
		{1, vessel.ClassCoast, 0, false, "", ""},          // "000000001": MID 000
	}
	for _, tt := range tests {
		if got := tt.m.Class(); got != tt.class {
			t.Errorf("MMSI(%v).Class() = %v; want %v", tt.m, got, tt.class)
		}
		mid, ok := tt.m.MID()
		if wantOK := tt.mid >= 0; ok != wantOK || ok && mid != tt.mid {
			t.Errorf("MMSI(%v).MID() = %d, %v; want %d, %v", tt.m, mid, ok, tt.mid, wantOK)
		}
		if got := tt.m.Valid(); got != tt.valid {
			t.Errorf("MMSI(%v).Valid() = %v; want %v", tt.m, got, tt.valid)
		}
		c, ok := tt.m.Flag()
		if wantOK := tt.flag != ""; ok != wantOK {
			t.Errorf("MMSI(%v).Flag() = %+v, %v; want ok %v", tt.m, c, ok, wantOK)
			continue
		}
		if !ok {
			continue
		}
		if !strings.Contains(c.Name, tt.flag) || c.Code != tt.code || c.MID != tt.mid {
			t.Errorf("MMSI(%v).Flag() = %+v; want MID %d, name containing %q, code %q", tt.m, c, tt.mid, tt.flag, tt.code)
		}
	}
}

func TestClassString(t *testing.T) {
	tests := []struct {
		c    vessel.Class
		want string
	}{
		{vessel.ClassInvalid, "invalid"},
		{vessel.ClassShip, "ship"},
		{vessel.ClassGroup, "group"},
		{vessel.ClassCoast, "coast"},
		{vessel.ClassSARAircraft, "sar_aircraft"},
		{vessel.ClassCraft, "craft"},
		{vessel.ClassAidToNav, "aid_to_navigation"},
		{vessel.ClassHandheld, "handheld"},
		{vessel.ClassSART, "sart"},
		{vessel.ClassMOB, "mob"},
		{vessel.ClassEPIRB, "epirb"},
		{200, "invalid"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("Class(%d).String() = %q; want %q", tt.c, got, tt.want)
		}
	}
}

func TestMMSIString(t *testing.T) {
	tests := []struct {
		m    vessel.MMSI
		want string
	}{
		{0, "000000000"},
		{1, "000000001"},
		{4190000, "004190000"},
		{41900000, "041900000"},
		{419000001, "419000001"},
		{999999999, "999999999"},
		{1000000000, "1000000000"},
		{4294967295, "4294967295"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("MMSI(%d).String() = %q; want %q", uint32(tt.m), got, tt.want)
		}
		if got := string(tt.m.Append([]byte("x="))); got != "x="+tt.want {
			t.Errorf("MMSI(%d).Append(\"x=\") = %q; want %q", uint32(tt.m), got, "x="+tt.want)
		}
	}
}

// readMIDCSV returns the MIDs of mid.csv and the names given to each.
func readMIDCSV(t *testing.T) map[int][]string {
	t.Helper()
	f, err := os.Open("mid.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	mids := make(map[int][]string)
	for _, r := range rows[1:] {
		mid, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatalf("mid.csv: bad row %q", r)
		}
		mids[mid] = append(mids[mid], r[1])
	}
	return mids
}

// TestFlagOfTable checks FlagOf against mid.csv for every three-digit
// number: allocated exactly when listed, with the listed name and a
// two-letter ISO code, and without a code otherwise.
func TestFlagOfTable(t *testing.T) {
	mids := readMIDCSV(t)
	if len(mids) < 280 {
		t.Fatalf("mid.csv has %d MIDs; want the full ITU table", len(mids))
	}
	for mid := range 1000 {
		c, ok := vessel.FlagOf(mid)
		names, listed := mids[mid]
		if ok != listed {
			t.Errorf("FlagOf(%d) ok = %v; mid.csv lists it: %v", mid, ok, listed)
			continue
		}
		if c.MID != mid {
			t.Errorf("FlagOf(%d).MID = %d", mid, c.MID)
		}
		if !ok {
			if c.Code != "" || c.Name != "" {
				t.Errorf("FlagOf(%d) = %+v for an unallocated MID; want no name or code", mid, c)
			}
			continue
		}
		if want := strings.Join(names, "; "); c.Name != want {
			t.Errorf("FlagOf(%d).Name = %q; want %q", mid, c.Name, want)
		}
		if len(c.Code) != 2 || c.Code[0] < 'A' || c.Code[0] > 'Z' || c.Code[1] < 'A' || c.Code[1] > 'Z' {
			t.Errorf("FlagOf(%d).Code = %q (%s); want two capital letters", mid, c.Code, c.Name)
		}
	}
}

func TestFlagOfISO(t *testing.T) {
	tests := []struct {
		mid  int
		code string
	}{
		{419, "IN"}, {431, "JP"}, {432, "JP"},
		{351, "PA"}, {357, "PA"}, {370, "PA"}, {373, "PA"},
		{636, "LR"}, {637, "LR"},
		{232, "GB"}, {235, "GB"}, {236, "GI"},
		{303, "US"}, {338, "US"}, {366, "US"}, {369, "US"}, {358, "PR"},
		{204, "PT"}, {255, "PT"}, {263, "PT"},
		{477, "HK"}, {453, "MO"}, {416, "TW"}, {412, "CN"},
		{538, "MH"}, {563, "SG"}, {316, "CA"}, {211, "DE"}, {244, "NL"},
		{273, "RU"}, {440, "KR"}, {445, "KP"}, {331, "GL"}, {231, "FO"},
		{501, "TF"}, {635, "TF"}, {608, "SH"}, {740, "FK"}, {443, "PS"},
		{208, "VA"}, {271, "TR"}, {274, "MK"}, {306, "CW"},
	}
	for _, tt := range tests {
		c, ok := vessel.FlagOf(tt.mid)
		if !ok || c.Code != tt.code {
			t.Errorf("FlagOf(%d) = %+v, %v; want code %q", tt.mid, c, ok, tt.code)
		}
	}
}

// TestTrackMMSIs classifies the identities of a real day of US coastal AIS
// (NOAA Marine Cadastre). The expected count was checked against an
// independent classification of the file's distinct MMSIs: the 19 invalid
// ones are 9 ship identities with unallocated MIDs (349, 360, 365, 386,
// 388, 444, 499, 583), 2 craft (MIDs 522, 534), 2 aids to navigation (897,
// and the test value 999999999), a group 012345678, a handheld with MID
// 711, a coast station 009110192 and three of no class (122292919,
// 191283710, the ten-digit 1072211352).
func TestTrackMMSIs(t *testing.T) {
	f, err := os.Open("../../testdata/tracks/noaa_us_coast_20220103.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(zr)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil || head[0] != "mmsi" {
		t.Fatalf("header %q, %v; want mmsi first", head, err)
	}
	seen := make(map[vessel.MMSI]bool)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.ParseUint(rec[0], 10, 32)
		if err != nil {
			t.Fatalf("mmsi %q: %v", rec[0], err)
		}
		seen[vessel.MMSI(n)] = true
	}
	var valid int
	invalid := make(map[vessel.Class][]vessel.MMSI)
	for m := range seen {
		if m.Valid() {
			valid++
		} else {
			invalid[m.Class()] = append(invalid[m.Class()], m)
		}
	}
	for c := range vessel.Class(255) {
		if ms := invalid[c]; len(ms) > 0 {
			slices.Sort(ms)
			t.Logf("invalid %v: %d %v", c, len(ms), ms)
		}
	}
	const wantDistinct, wantValid = 10631, 10612
	if len(seen) != wantDistinct || valid != wantValid {
		t.Errorf("%d distinct MMSIs, %d valid; want %d, %d", len(seen), valid, wantDistinct, wantValid)
	}
	wantInvalid := map[vessel.Class]int{
		vessel.ClassShip: 9, vessel.ClassInvalid: 3, vessel.ClassCraft: 2, vessel.ClassAidToNav: 2,
		vessel.ClassGroup: 1, vessel.ClassHandheld: 1, vessel.ClassCoast: 1,
	}
	for c, n := range wantInvalid {
		if len(invalid[c]) != n {
			t.Errorf("%d invalid of class %v; want %d", len(invalid[c]), c, n)
		}
	}
	for c := range invalid {
		if _, ok := wantInvalid[c]; !ok {
			t.Errorf("unexpected invalid MMSIs of class %v: %v", c, invalid[c])
		}
	}
}

func ExampleMMSI_Flag() {
	for _, m := range []vessel.MMSI{419000001, 4190000, 994190000, 970123456, 123456789} {
		c, ok := m.Flag()
		fmt.Println(m, m.Class(), m.Valid(), c.Code, ok)
	}
	// Output:
	// 419000001 ship true IN true
	// 004190000 coast true IN true
	// 994190000 aid_to_navigation true IN true
	// 970123456 sart true  false
	// 123456789 invalid false  false
}
