package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var updateCSV = flag.Bool("update-csv", false, "rewrite testdata/csv fixtures from testdata/tracks")

// tracksPath returns a file under the repository's testdata/tracks.
func tracksPath(name string) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "testdata", "tracks", name)
}

func gunzipFile(tb testing.TB, path string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// readAll runs ReadCSV and returns copies of the observations.
func readAll(tb testing.TB, data []byte, opt ingest.CSVOptions) ([]vessel.Observation, ingest.CSVStats, error) {
	tb.Helper()
	var out []vessel.Observation
	st, err := ingest.ReadCSV(context.Background(), bytes.NewReader(data), opt, func(o *vessel.Observation) error {
		out = append(out, *o)
		return nil
	})
	return out, st, err
}

// commonRow is one row of the common layout as the test parses it, with
// encoding/csv and strconv, independently of ReadCSV.
type commonRow struct {
	mmsi      uint64
	t         time.Time
	lat, lon  float64
	sog, cog  string // as written; "" not available
	heading   string
	status    string
	name      string
	shipType  string
	fieldRows []string
}

func parseCommon(tb testing.TB, data []byte) []commonRow {
	tb.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type" {
		tb.Fatalf("header %q", recs[0])
	}
	var rows []commonRow
	for _, rec := range recs[1:] {
		var c commonRow
		c.fieldRows = rec
		c.mmsi, err = strconv.ParseUint(rec[0], 10, 32)
		if err != nil {
			c.mmsi = math.MaxUint64 // not an identity ReadCSV accepts
		}
		if c.t, err = time.Parse(time.RFC3339, rec[1]); err != nil {
			tb.Fatal(err)
		}
		c.lat, _ = strconv.ParseFloat(rec[2], 64)
		c.lon, _ = strconv.ParseFloat(rec[3], 64)
		c.sog, c.cog, c.heading, c.status, c.name, c.shipType = rec[4], rec[5], rec[6], rec[7], rec[8], rec[9]
		rows = append(rows, c)
	}
	return rows
}

// TestReadCSVTracks reads the real tracks in the common layout and checks
// rows, observations, identities and every value against an independent
// parse with encoding/csv and strconv.
func TestReadCSVTracks(t *testing.T) {
	for _, tc := range []struct {
		file                  string
		rows, badMMSI, mmsis  int
		withStatic, noStatics bool
	}{
		// 5 rows have ten-digit identities that do not fit a uint32... or
		// do: the counts come from the independent parse below.
		{file: "noaa_us_coast_20220103.csv.gz", rows: 99999, mmsis: 10631},
		{file: "dma_stream_20100611_from_nmea.csv.gz", rows: 2963, mmsis: 1390},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := gunzipFile(t, tracksPath(tc.file))
			want := parseCommon(t, data)
			if len(want) != tc.rows {
				t.Fatalf("independent parse: %d rows, want %d", len(want), tc.rows)
			}
			got, st, err := readAll(t, data, ingest.CSVOptions{Source: "file"})
			if err != nil {
				t.Fatal(err)
			}
			if st.Layout != ingest.LayoutCommon || st.Rows != int64(tc.rows) {
				t.Errorf("layout %v, rows %d; want common, %d", st.Layout, st.Rows, tc.rows)
			}
			// Expected: a position per row with an identity that fits a
			// uint32; a static whenever an identity's (name, ship type)
			// differs from the last one emitted for it.
			wantPos, wantStatic, badMMSI := 0, 0, 0
			last := map[uint64]string{}
			ids := map[uint64]bool{}
			var wantRows []commonRow
			for _, r := range want {
				if r.mmsi == math.MaxUint64 {
					badMMSI++
					continue
				}
				wantPos++
				ids[r.mmsi] = true
				wantRows = append(wantRows, r)
				if r.name == "" && (r.shipType == "" || r.shipType == "0") {
					continue
				}
				key := r.name + "\x00" + r.shipType
				if prev, ok := last[r.mmsi]; !ok || prev != key {
					wantStatic++
					last[r.mmsi] = key
				}
			}
			if st.Positions != int64(wantPos) || st.Statics != int64(wantStatic) || st.Rejected[ingest.RejectMMSI] != int64(badMMSI) {
				t.Errorf("positions %d, statics %d, rejected %v; want %d, %d, mmsi:%d",
					st.Positions, st.Statics, st.Rejected, wantPos, wantStatic, badMMSI)
			}
			if len(ids) != tc.mmsis-badMMSIIdentities(want) {
				t.Errorf("%d identities in the independent parse, want %d", len(ids), tc.mmsis)
			}
			gotIDs := map[vessel.MMSI]bool{}
			i := 0
			for _, o := range got {
				gotIDs[o.MMSI()] = true
				if o.Kind == vessel.KindStatic {
					s := &o.Static
					prev := wantRows[i-1]
					if s.MMSI != vessel.MMSI(prev.mmsi) || s.Name != prev.name || s.Source != "file" || s.Time != vessel.TimeOf(prev.t) {
						t.Fatalf("static %+v after row %v", s, prev.fieldRows)
					}
					if prev.shipType != "" && strconv.Itoa(int(s.ShipType)) != prev.shipType {
						t.Fatalf("static ship type %d, row %v", s.ShipType, prev.fieldRows)
					}
					continue
				}
				if o.Kind != vessel.KindPosition || o.TimeSource != vessel.TimeRow {
					t.Fatalf("observation %+v", o)
				}
				checkCommonRow(t, &o.Position, wantRows[i])
				i++
			}
			if i != len(wantRows) {
				t.Errorf("%d positions compared, want %d", i, len(wantRows))
			}
			if len(gotIDs) != len(ids) {
				t.Errorf("%d distinct identities observed, want %d", len(gotIDs), len(ids))
			}
		})
	}
}

// badMMSIIdentities counts the distinct identities the independent parse
// could not take as a uint32.
func badMMSIIdentities(rows []commonRow) int {
	bad := map[string]bool{}
	for _, r := range rows {
		if r.mmsi == math.MaxUint64 {
			bad[r.fieldRows[0]] = true
		}
	}
	return len(bad)
}

func checkCommonRow(t *testing.T, p *vessel.Position, r commonRow) {
	t.Helper()
	if p.MMSI != vessel.MMSI(r.mmsi) || p.Time != vessel.TimeOf(r.t) || p.Lat != r.lat || p.Lon != r.lon || p.Source != "file" {
		t.Fatalf("position %+v, row %v", *p, r.fieldRows)
	}
	if kn, ok := p.SOG.Knots(); ok != (r.sog != "") || ok && strconv.FormatFloat(kn, 'f', 1, 64) != r.sog {
		t.Fatalf("SOG %v, row %v", p.SOG, r.fieldRows)
	}
	if deg, ok := p.COG.Degrees(); ok != (r.cog != "") || ok && strconv.FormatFloat(deg, 'f', 1, 64) != r.cog {
		t.Fatalf("COG %v, row %v", p.COG, r.fieldRows)
	}
	if h, ok := p.Heading.Degrees(); ok != (r.heading != "") || ok && strconv.Itoa(h) != r.heading {
		t.Fatalf("heading %v, row %v", p.Heading, r.fieldRows)
	}
	if s, ok := p.Status.Value(); ok != (r.status != "") || ok && strconv.Itoa(s) != r.status {
		t.Fatalf("status %v, row %v", p.Status, r.fieldRows)
	}
}

// Fixture rows: the first real rows of the common-layout tracks converted
// to the MarineCadastre and DMA layouts (see testdata/csv/README.md).
const fixtureRows = 200

var dmaStatusText = [...]string{
	"Under way using engine", "At anchor", "Not under command", "Restricted maneuverability",
	"Constrained by her draught", "Moored", "Aground", "Engaged in fishing", "Under way sailing",
	"Reserved for future amendment [HSC]", "Reserved for future amendment [WIG]",
	"Power-driven vessel towing astern", "Power-driven vessel pushing ahead or towing alongside",
	"Reserved for future use", "AIS-SART (active)",
}

// dmaShipText is the DMA text of an AIS ship type and the code ReadCSV
// gives back for it (DMA drops the hazard digit).
func dmaShipText(code string) (string, string) {
	v, err := strconv.Atoi(code)
	if err != nil || v == 0 {
		return "Undefined", ""
	}
	switch {
	case v >= 70 && v <= 79:
		return "Cargo", "70"
	case v >= 80 && v <= 89:
		return "Tanker", "80"
	case v >= 60 && v <= 69:
		return "Passenger", "60"
	case v >= 40 && v <= 49:
		return "HSC", "40"
	case v >= 90 && v <= 99:
		return "Other", "90"
	}
	names := map[int]string{30: "Fishing", 31: "Towing", 32: "Towing long/wide", 33: "Dredging", 34: "Diving",
		35: "Military", 36: "Sailing", 37: "Pleasure", 50: "Pilot", 51: "SAR", 52: "Tug", 53: "Port tender",
		54: "Anti-pollution", 55: "Law enforcement", 58: "Medical"}
	if n, ok := names[v]; ok {
		return n, code
	}
	return "Reserved", ""
}

// Bad rows appended to each fixture: what they are and the reason
// ReadCSV must give. Each is written in the fixture's own layout by
// badRow.
var fixtureBad = []struct{ what, reason string }{
	{"too few columns", ingest.RejectColumns},
	{"latitude not a number", ingest.RejectNumber},
	{"latitude out of range", ingest.RejectRange},
	{"bad timestamp", ingest.RejectTime},
	{"identity not a number", ingest.RejectMMSI},
	{"NUL in the name", ingest.RejectBytes},
	{"invalid UTF-8 in the name", ingest.RejectBytes},
	{"unterminated quote", ingest.RejectQuote},
}

func writeFixtures(t *testing.T) {
	noaa := parseCommon(t, gunzipFile(t, tracksPath("noaa_us_coast_20220103.csv.gz")))[:fixtureRows]
	var mc bytes.Buffer
	mc.WriteString("MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass\n")
	for _, r := range noaa {
		f := r.fieldRows
		sog, cog, hdg := f[4], f[5], f[6]
		if sog == "" {
			sog = "102.3"
		}
		if cog == "" {
			cog = "360.0"
		}
		if hdg == "" {
			hdg = "511"
		}
		fmt.Fprintf(&mc, "%s,%s,%s,%s,%s,%s,%s,%s,,,%s,%s,,,,,\n",
			f[0], strings.TrimSuffix(f[1], "Z"), f[2], f[3], sog, cog, hdg, f[8], f[9], f[7])
	}
	// Real-looking rows with the columns the conversion leaves empty.
	mc.WriteString("636019825,2022-01-03T00:00:00,32.7,-117.2,12.3,45.0,44,\"EVER, GIVEN\",IMO9811000,H3RC,70,0,399.9,58.8,14.5,70,A\n")
	mc.WriteString("636019825,2022-01-03T00:01:00,32.71,-117.19,12.3,45.0,44,\"EVER, GIVEN\",IMO9811000,H3RC,70,0,399.9,58.8,14.5,70,A\n")
	for _, b := range fixtureBad {
		mc.WriteString(badRow("mc", b.what) + "\n")
	}

	dma := parseCommon(t, gunzipFile(t, tracksPath("dma_stream_20100611_from_nmea.csv.gz")))[:fixtureRows]
	var dk bytes.Buffer
	dk.WriteString("# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination,ETA,Data source type,A,B,C,D\n")
	for _, r := range dma {
		f := r.fieldRows
		status := "Unknown value"
		if s, err := strconv.Atoi(f[7]); err == nil && s < len(dmaStatusText) {
			status = dmaStatusText[s]
		}
		ship, _ := dmaShipText(f[9])
		fmt.Fprintf(&dk, "%s,Class A,%s,%s,%s,%s,,%s,%s,%s,Unknown,,%s,%s,,,,Undefined,,,,AIS,,,,\n",
			r.t.Format("02/01/2006 15:04:05"), f[0], f[2], f[3], status, f[4], f[5], f[6], f[8], ship)
	}
	dk.WriteString("03/01/2022 00:00:00,Class A,219000873,55.6,12.6,Moored,0,0,,511,9296731,OXTU2,\"FERRY \"\"X\"\"\",Passenger,,21,121,GPS,4.1,COPENHAGEN,03/01/2022 05:30:00,AIS,100,21,10,11\n")
	dk.WriteString("03/01/2022 00:00:01,Base Station,2190068,55.7,12.6,Unknown value,,,,,Unknown,,,Undefined,,,,Surveyed,,,,AIS,,,,\n")
	dk.WriteString("03/01/2022 00:00:02,AtoN,992191000,55.8,12.7,Unknown value,,,,,Unknown,,DROGDEN,Undefined,,,,Surveyed,,,,AIS,,,,\n")
	dk.WriteString("03/01/2022 00:00:03,Class A,219000874,91.0,0.0,Unknown value,,,,,Unknown,,,Undefined,,,,Undefined,,,,AIS,,,,\n")
	for _, b := range fixtureBad {
		dk.WriteString(badRow("dma", b.what) + "\n")
	}
	for name, b := range map[string][]byte{"marinecadastre.csv": mc.Bytes(), "dma_aisdk.csv": dk.Bytes()} {
		if err := os.WriteFile(filepath.Join("testdata", "csv", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// badRow writes one bad row in layout "mc" or "dma".
func badRow(layout, what string) string {
	good := map[string][]string{
		"mc":  strings.Split("366999999,2022-01-03T00:02:00,30.1,-90.1,1.0,10.0,10,BAD ROW,,,70,0,,,,,A", ","),
		"dma": strings.Split("03/01/2022 00:02:00,Class A,219999999,55.1,12.1,Moored,,0.0,10.0,10,Unknown,,BAD ROW,Cargo,,,,GPS,,,,AIS,,,,", ","),
	}[layout]
	idx := map[string]map[string]int{
		"mc":  {"mmsi": 0, "time": 1, "lat": 2, "name": 7},
		"dma": {"mmsi": 2, "time": 0, "lat": 3, "name": 12},
	}[layout]
	f := append([]string(nil), good...)
	switch what {
	case "too few columns":
		f = f[:len(f)-2]
	case "latitude not a number":
		f[idx["lat"]] = "30.1.2"
	case "latitude out of range":
		f[idx["lat"]] = "-90.5"
	case "bad timestamp":
		f[idx["time"]] = strings.Replace(f[idx["time"]], "00:02", "25:02", 1)
	case "identity not a number":
		f[idx["mmsi"]] = "MMSI?"
	case "NUL in the name":
		f[idx["name"]] = "BAD\x00ROW"
	case "invalid UTF-8 in the name":
		f[idx["name"]] = "BAD\xffROW"
	case "unterminated quote":
		f[idx["name"]] = `"BAD ROW`
	}
	return strings.Join(f, ",")
}

func TestCSVFixtures(t *testing.T) {
	if *updateCSV {
		writeFixtures(t)
	}
	wantRejected := map[string]int64{}
	for _, b := range fixtureBad {
		wantRejected[b.reason]++
	}
	t.Run("marinecadastre", func(t *testing.T) {
		data, err := os.ReadFile("testdata/csv/marinecadastre.csv")
		if err != nil {
			t.Fatal(err)
		}
		got, st, err := readAll(t, data, ingest.CSVOptions{Source: "file"})
		if err != nil {
			t.Fatal(err)
		}
		if st.Layout != ingest.LayoutMarineCadastre || st.Rows != fixtureRows+2+int64(len(fixtureBad)) {
			t.Errorf("layout %v, rows %d", st.Layout, st.Rows)
		}
		if !reflect.DeepEqual(st.Rejected, wantRejected) {
			t.Errorf("rejected %v, want %v (examples %v)", st.Rejected, wantRejected, st.Examples)
		}
		// The converted rows give what the common-layout rows they came
		// from give.
		src := gunzipFile(t, tracksPath("noaa_us_coast_20220103.csv.gz"))
		n := 0
		for i := 0; i <= fixtureRows; i++ {
			n += bytes.IndexByte(src[n:], '\n') + 1
		}
		want, _, err := readAll(t, src[:n], ingest.CSVOptions{Source: "file"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
			for i := range min(len(got), len(want)) {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("observation %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
			t.Fatalf("%d observations, want at least %d", len(got), len(want))
		}
		// The hand-made rows: one position each, one static for both.
		rest := got[len(want):]
		if len(rest) != 3 || rest[1].Kind != vessel.KindStatic || rest[2].Kind != vessel.KindPosition {
			t.Fatalf("last observations %+v", rest)
		}
		s := rest[1].Static
		wantS := vessel.Static{
			MMSI: 636019825, Time: vessel.TimeOf(time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)),
			Has:  vessel.HasName | vessel.HasCallSign | vessel.HasIMO | vessel.HasShipType | vessel.HasDimensions | vessel.HasDraught,
			Name: "EVER, GIVEN", CallSign: "H3RC", IMO: 9811000, ShipType: 70,
			ToBow: 200, ToStern: 200, ToPort: 30, ToStarboard: 29, Draught: 145, Source: "file",
		}
		if s != wantS {
			t.Errorf("static\n got %+v\nwant %+v", s, wantS)
		}
		if l, _ := s.Length(); l != 400 {
			t.Errorf("length %d, want 400", l)
		}
	})
	t.Run("dma", func(t *testing.T) {
		data, err := os.ReadFile("testdata/csv/dma_aisdk.csv")
		if err != nil {
			t.Fatal(err)
		}
		got, st, err := readAll(t, data, ingest.CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if st.Layout != ingest.LayoutDMA || st.Rows != fixtureRows+4+int64(len(fixtureBad)) {
			t.Errorf("layout %v, rows %d", st.Layout, st.Rows)
		}
		if !reflect.DeepEqual(st.Rejected, wantRejected) {
			t.Errorf("rejected %v, want %v (examples %v)", st.Rejected, wantRejected, st.Examples)
		}
		if len(st.Cleared) != 0 {
			t.Errorf("cleared %v", st.Cleared)
		}
		rows := parseCommon(t, gunzipFile(t, tracksPath("dma_stream_20100611_from_nmea.csv.gz")))[:fixtureRows]
		i := 0
		for _, o := range got {
			if i == len(rows) {
				break
			}
			r := rows[i]
			if o.Kind == vessel.KindStatic {
				_, code := dmaShipText(rows[i-1].shipType)
				if o.Static.Name != rows[i-1].name || code != "" && strconv.Itoa(int(o.Static.ShipType)) != code {
					t.Fatalf("static %+v after %v", o.Static, rows[i-1].fieldRows)
				}
				continue
			}
			p := o.Position
			p.Source = "file"
			checkCommonRow(t, &p, r)
			i++
		}
		if i != len(rows) {
			t.Fatalf("%d rows compared", i)
		}
		// The hand-made rows at the end.
		var tail []vessel.Observation
		for _, o := range got {
			if o.MMSI() == 219000873 || o.MMSI() == 2190068 || o.MMSI() == 992191000 || o.MMSI() == 219000874 {
				tail = append(tail, o)
			}
		}
		if len(tail) != 5 {
			t.Fatalf("hand-made rows gave %d observations: %+v", len(tail), tail)
		}
		ferry := tail[1].Static
		wantFerry := vessel.Static{
			MMSI: 219000873, Time: vessel.TimeOf(time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC)),
			Has: vessel.HasName | vessel.HasCallSign | vessel.HasIMO | vessel.HasShipType | vessel.HasDimensions |
				vessel.HasDraught | vessel.HasDestination | vessel.HasETA,
			Name: `FERRY "X"`, CallSign: "OXTU2", IMO: 9296731, ShipType: 60, Destination: "COPENHAGEN", ETA: "01-03T05:30",
			ToBow: 100, ToStern: 21, ToPort: 10, ToStarboard: 11, Draught: 41,
		}
		if ferry != wantFerry {
			t.Errorf("ferry static\n got %+v\nwant %+v", ferry, wantFerry)
		}
		if p := tail[0].Position; p.Status != 5 || p.SOG != 0 || p.Heading != vessel.NoHeading {
			t.Errorf("ferry position %+v", p)
		}
		if tail[2].Kind != vessel.KindBaseStation {
			t.Errorf("base station row: kind %v", tail[2].Kind)
		}
		if tail[3].Kind != vessel.KindAidToNav || tail[3].Static.Name != "DROGDEN" {
			t.Errorf("AtoN row: %+v", tail[3])
		}
		if p := tail[4].Position; p.HasPosition() || p.Lat != 91 || p.Lon != 181 {
			t.Errorf("no-position row kept as %+v", p)
		}
	})
}

func TestReadCSVHeaders(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   ingest.CSVLayout
	}{
		{"mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type", ingest.LayoutCommon},
		{"\xef\xbb\xbfmmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type\r", ingest.LayoutCommon},
		{"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass", ingest.LayoutMarineCadastre},
		{"mmsi,basedatetime,lat,lon,sog,cog,heading,vesselname,imo,callsign,vesseltype,status,length,width,draft,cargo,transceiverclass", ingest.LayoutMarineCadastre},
		{"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo", ingest.LayoutMarineCadastre},
		{"# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination,ETA,Data source type,A,B,C,D", ingest.LayoutDMA},
		{`"MMSI","BaseDateTime","LAT","LON"`, ingest.LayoutMarineCadastre},
		{"id,time,x,y", ingest.LayoutUnknown},
		{"mmsi,timestamp,lat", ingest.LayoutUnknown},
	} {
		data := tc.header + "\n"
		_, st, err := readAll(t, []byte(data), ingest.CSVOptions{})
		if tc.want == ingest.LayoutUnknown {
			var he *ingest.CSVHeaderError
			if !errors.As(err, &he) || !errors.Is(err, ingest.ErrCSVHeader) || he.Line != 1 {
				t.Errorf("%q: error %v, want a *CSVHeaderError at line 1", tc.header, err)
			} else if !strings.Contains(err.Error(), "BaseDateTime") || !strings.Contains(err.Error(), "sog_knots") {
				t.Errorf("%q: error %q does not name the expected columns", tc.header, err)
			}
			continue
		}
		if err != nil || st.Layout != tc.want {
			t.Errorf("%q: layout %v, %v; want %v", tc.header, st.Layout, err, tc.want)
		}
		if got := ingest.DetectCSVHeader([]byte(tc.header)); got != tc.want {
			t.Errorf("DetectCSVHeader(%q) = %v; want %v", tc.header, got, tc.want)
		}
	}
	if _, st, err := readAll(t, nil, ingest.CSVOptions{}); err != nil || st.Rows != 0 {
		t.Errorf("empty input: %+v, %v", st, err)
	}
}

const commonHeader = "mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type\n"

// TestReadCSVRows checks single rows of the common and MarineCadastre
// layouts: what they give or why they are rejected.
func TestReadCSVRows(t *testing.T) {
	t0 := vessel.TimeOf(time.Date(2022, 1, 3, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name, header, row string
		reject            string
		cleared           string
		check             func(p vessel.Position) bool
	}{
		{name: "plain", row: "205125000,2022-01-03T00:00:00Z,29.94080,-90.05819,10.5,171.5,174,0,,",
			check: func(p vessel.Position) bool {
				return p.MMSI == 205125000 && p.Time == t0 && p.Lat == 29.9408 && p.Lon == -90.05819 &&
					p.SOG == 105 && p.COG == 1715 && p.Heading == 174 && p.Status == 0
			}},
		{name: "not available", row: "205125000,2022-01-03T00:00:00Z,29.9,-90.1,,,,,,",
			check: func(p vessel.Position) bool {
				return p.SOG == vessel.NoSpeed && p.COG == vessel.NoCourse && p.Heading == vessel.NoHeading && p.Status == vessel.NoStatus
			}},
		{name: "fraction and offset", row: "205125000,2022-01-03T00:00:00.250+00:00,1,2,,,,,,",
			check: func(p vessel.Position) bool { return p.Time == t0+250 }},
		{name: "leap day", row: "205125000,2024-02-29T12:00:00Z,1,2,,,,,,",
			check: func(p vessel.Position) bool {
				return p.Time == vessel.TimeOf(time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC))
			}},
		{name: "not a leap day", row: "205125000,2023-02-29T12:00:00Z,1,2,,,,,,", reject: ingest.RejectTime},
		{name: "no zone offset other than UTC", row: "205125000,2022-01-03T00:00:00+01:00,1,2,,,,,,", reject: ingest.RejectTime},
		{name: "lat 91 kept", row: "205125000,2022-01-03T00:00:00Z,91,181,,,,,,",
			check: func(p vessel.Position) bool { return !p.HasPosition() }},
		{name: "lon out of range", row: "205125000,2022-01-03T00:00:00Z,1,-180.5,,,,,,", reject: ingest.RejectRange},
		{name: "empty lat", row: "205125000,2022-01-03T00:00:00Z,,2,,,,,,", reject: ingest.RejectNumber},
		{name: "NaN lat", row: "205125000,2022-01-03T00:00:00Z,NaN,2,,,,,,", reject: ingest.RejectNumber},
		{name: "exponent", row: "205125000,2022-01-03T00:00:00Z,1e1,2,,,,,,",
			check: func(p vessel.Position) bool { return p.Lat == 10 }},
		{name: "speed unparsable", row: "205125000,2022-01-03T00:00:00Z,1,2,fast,,,,,", reject: ingest.RejectNumber},
		{name: "negative course cleared", row: "205125000,2022-01-03T00:00:00Z,1,2,,-196.9,,,,", cleared: "cog",
			check: func(p vessel.Position) bool { return p.COG == vessel.NoCourse }},
		{name: "heading 400 cleared", row: "205125000,2022-01-03T00:00:00Z,1,2,,,400,,,", cleared: "heading",
			check: func(p vessel.Position) bool { return p.Heading == vessel.NoHeading }},
		{name: "status 99 cleared", row: "205125000,2022-01-03T00:00:00Z,1,2,,,,99,,", cleared: "nav_status"},
		{name: "course 359.97 rounds to 0", row: "205125000,2022-01-03T00:00:00Z,1,2,,359.97,,,,",
			check: func(p vessel.Position) bool { return p.COG == 0 }},
		{name: "ten-digit identity kept", row: "1072211352,2022-01-03T00:00:00Z,1,2,,,,,,",
			check: func(p vessel.Position) bool { return p.MMSI == 1072211352 && !p.MMSI.Valid() }},
		{name: "identity too large", row: "9999999999,2022-01-03T00:00:00Z,1,2,,,,,,", reject: ingest.RejectMMSI},
		{name: "extra column", row: "205125000,2022-01-03T00:00:00Z,1,2,,,,,,,", reject: ingest.RejectColumns},
		{name: "quote inside field", row: `205125000,2022-01-03T00:00:00Z,1,2,,,,,A"B,`, reject: ingest.RejectQuote},
		{name: "text after quote", row: `205125000,2022-01-03T00:00:00Z,1,2,,,,,"A"B,`, reject: ingest.RejectQuote},
		{name: "tab", row: "205125000,2022-01-03T00:00:00Z,1,2,,,,,A\tB,", reject: ingest.RejectBytes},
		{name: "MarineCadastre not available", header: "MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass\n",
			row: "368080520,2022-01-03T00:00:00,26.07549,-79.68956,102.3,360.0,511,CRU,IMO0000000,,1001,15,,,,,B", cleared: "ship_type",
			check: func(p vessel.Position) bool {
				return p.SOG == vessel.NoSpeed && p.COG == vessel.NoCourse && p.Heading == vessel.NoHeading && p.Status == vessel.NoStatus
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == "" {
				h = commonHeader
			}
			got, st, err := readAll(t, []byte(h+tc.row+"\n"), ingest.CSVOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.reject != "" {
				if len(got) != 0 || st.Rejected[tc.reject] != 1 || !reflect.DeepEqual(st.Examples[tc.reject], []int{2}) {
					t.Errorf("%q: %d observations, rejected %v %v; want %s at line 2", tc.row, len(got), st.Rejected, st.Examples, tc.reject)
				}
				return
			}
			if len(got) == 0 || len(st.Rejected) != 0 {
				t.Fatalf("%q: rejected %v", tc.row, st.Rejected)
			}
			if tc.cleared != "" && st.Cleared[tc.cleared] != 1 {
				t.Errorf("%q: cleared %v, want %s", tc.row, st.Cleared, tc.cleared)
			}
			if tc.check != nil && !tc.check(got[0].Position) {
				t.Errorf("%q: got %+v", tc.row, got[0].Position)
			}
		})
	}
}

// TestReadCSVStaticMemo checks that statics are emitted on change only,
// and that a full memo is forgotten rather than grown.
func TestReadCSVStaticMemo(t *testing.T) {
	in := commonHeader +
		"205125000,2022-01-03T00:00:00Z,1,2,,,,,ALPHA,70\n" +
		"205125000,2022-01-03T00:00:01Z,1,2,,,,,ALPHA,70\n" +
		"205125001,2022-01-03T00:00:01Z,1,2,,,,,BRAVO,\n" +
		"205125000,2022-01-03T00:00:02Z,1,2,,,,,ALPHA,71\n" +
		"205125000,2022-01-03T00:00:03Z,1,2,,,,,,\n" +
		"205125001,2022-01-03T00:00:04Z,1,2,,,,,BRAVO,\n"
	var statics []string
	for _, memo := range []int{0, 1} {
		got, st, err := readAll(t, []byte(in), ingest.CSVOptions{StaticMemo: memo})
		if err != nil {
			t.Fatal(err)
		}
		statics = statics[:0]
		for _, o := range got {
			if o.Kind == vessel.KindStatic {
				statics = append(statics, fmt.Sprintf("%s/%d", o.Static.Name, o.Static.ShipType))
			}
		}
		want := []string{"ALPHA/70", "BRAVO/0", "ALPHA/71"}
		if memo == 1 {
			// A memo of one: every change of identity forgets the other.
			want = []string{"ALPHA/70", "BRAVO/0", "ALPHA/71", "BRAVO/0"}
		}
		if !reflect.DeepEqual(statics, want) || st.Statics != int64(len(want)) || st.Positions != 6 {
			t.Errorf("memo %d: statics %v (%d), positions %d; want %v", memo, statics, st.Statics, st.Positions, want)
		}
	}
}

func TestReadCSVLongLines(t *testing.T) {
	long := "205125000,2022-01-03T00:00:00Z,1,2,,,,,ALPHA" + strings.Repeat("A", 70<<10) + ",\n"
	good := "205125000,2022-01-03T00:00:01Z,1,2,,,,,,\n"
	in := commonHeader + good + long + good + long + long + good
	got, st, err := readAll(t, []byte(in), ingest.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || st.Rejected[ingest.RejectLineTooLong] != 3 || st.Rows != 6 ||
		!reflect.DeepEqual(st.Examples[ingest.RejectLineTooLong], []int{3, 5, 6}) {
		t.Errorf("%d observations, stats %+v", len(got), st)
	}
	// A smaller limit.
	got, st, err = readAll(t, []byte(commonHeader+good+"205125000,2022-01-03T00:00:00Z,1,2,,,,,"+strings.Repeat("B", 100)+",\n"), ingest.CSVOptions{MaxLineLength: 100})
	if err != nil || len(got) != 1 || st.Rejected[ingest.RejectLineTooLong] != 1 {
		t.Errorf("limit 100: %d observations, %+v, %v", len(got), st, err)
	}
}

func TestReadCSVStops(t *testing.T) {
	data := gunzipFile(t, tracksPath("dma_stream_20100611_from_nmea.csv.gz"))
	stop := errors.New("stop")
	n := 0
	_, err := ingest.ReadCSV(context.Background(), bytes.NewReader(data), ingest.CSVOptions{}, func(*vessel.Observation) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Errorf("emit error: %v after %d; want stop after 10", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ingest.ReadCSV(ctx, bytes.NewReader(data), ingest.CSVOptions{}, func(*vessel.Observation) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// BenchmarkReadCSV reads the NOAA track (99,999 rows, decompressed in
// memory first) and reports rows per second.
func BenchmarkReadCSV(b *testing.B) {
	data := gunzipFile(b, tracksPath("noaa_us_coast_20220103.csv.gz"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		st, err := ingest.ReadCSV(context.Background(), bytes.NewReader(data), ingest.CSVOptions{}, func(*vessel.Observation) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		rows += st.Rows
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkEncodingCSV is the baseline ReadCSV's splitter is measured
// against: encoding/csv splitting the same data into fields (ReuseRecord),
// doing nothing with them.
func BenchmarkEncodingCSV(b *testing.B) {
	data := gunzipFile(b, tracksPath("noaa_us_coast_20220103.csv.gz"))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
