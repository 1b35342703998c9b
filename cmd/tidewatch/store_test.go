package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const (
	noaaFile = "../../testdata/tracks/noaa_us_coast_20220103.csv.gz"
	dmaNMEA  = "../../testdata/ais/raw/dma-stream-example.nmea"
)

// ingested returns a data directory holding the NOAA tracks and the DMA
// NMEA stream, ingested with the command.
func ingested(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	code, out, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", noaaFile, dmaNMEA)
	if code != 0 || out != "" {
		t.Fatalf("ingest: exit %d, stdout %q, stderr %s", code, out, stderr)
	}
	for _, want := range []string{"ingest: 2 file(s) (csv, nmea)", "stored: ", "picture: ", "rejected input: ", "store: "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("ingest summary lacks %q:\n%s", want, stderr)
		}
	}
	return dir
}

func TestIngestAndTrack(t *testing.T) {
	dir := ingested(t)
	// An independent count: NOAA rows of one busy vessel with nothing
	// flagged (MMSI 367395970 is a tug in the Houston ship channel... any
	// vessel with many rows does).
	rows := aistest.ReadTracks(t, noaaFile)
	count := map[uint32]int{}
	for _, r := range rows {
		count[r.MMSI]++
	}
	var busy uint32
	for m, n := range count {
		if vessel.MMSI(m).Valid() && (busy == 0 || n > count[busy] || n == count[busy] && m < busy) {
			busy = m
		}
	}
	mmsi := vessel.MMSI(busy).String()
	code, out, stderr := runCmd(t, "", "track", "--data", dir, mmsi, "--flagged")
	if code != 0 {
		t.Fatalf("track: exit %d: %s", code, stderr)
	}
	objs := objects(t, out)
	if len(objs) != count[busy] {
		t.Fatalf("track %s: %d points, the file has %d rows", mmsi, len(objs), count[busy])
	}
	prev := ""
	for _, o := range objs {
		if o["mmsi"] != float64(busy) {
			t.Fatalf("point without the mmsi: %v", o)
		}
		ts := o["time"].(string)
		if ts < prev {
			t.Fatalf("track out of order: %s after %s", ts, prev)
		}
		prev = ts
	}
	// A window cuts it.
	first, _ := time.Parse(time.RFC3339, objs[0]["time"].(string))
	_, out, _ = runCmd(t, "", "track", "--data", dir, "--flagged", "--from", first.Add(time.Second).Format(time.RFC3339), mmsi)
	if n := len(objects(t, out)); n >= len(objs) || n == 0 {
		t.Errorf("--from after the first point: %d points of %d", n, len(objs))
	}

	// The other formats parse with standard readers.
	_, out, _ = runCmd(t, "", "track", "--data", dir, "--flagged", "--format", "csv", mmsi)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != len(objs)+1 || recs[0][0] != "mmsi" {
		t.Errorf("csv: %d records, %v; header %v", len(recs), err, recs[0])
	}
	_, out, _ = runCmd(t, "", "track", "--data", dir, "--flagged", "--format", "geojson", mmsi)
	var fc struct {
		Type     string
		Features []struct {
			Geometry struct{ Type string }
		}
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil || fc.Type != "FeatureCollection" || len(fc.Features) != len(objs)+1 ||
		fc.Features[len(fc.Features)-1].Geometry.Type != "LineString" {
		t.Errorf("geojson: %v, %d features", err, len(fc.Features))
	}
	_, out, _ = runCmd(t, "", "track", "--data", dir, "--flagged", "--format", "kml", mmsi)
	var doc struct {
		Placemarks []struct{ Name string } `xml:"Document>Placemark"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil || len(doc.Placemarks) != len(objs)+1 {
		t.Errorf("kml: %v, %d placemarks", err, len(doc.Placemarks))
	}
}

func TestNearAreaVessels(t *testing.T) {
	dir := ingested(t)
	// Near a position of a NOAA row, in its first 24 minutes.
	rows := aistest.ReadTracks(t, noaaFile)
	r := rows[5000]
	from, to := r.Time.Add(-10*time.Minute).Format(time.RFC3339), r.Time.Add(10*time.Minute).Format(time.RFC3339)
	code, out, stderr := runCmd(t, "", "near", "--data", dir, "--lat", ftoa(r.Lat), "--lon", ftoa(r.Lon), "--radius", "2km", "--from", from, "--to", to)
	if code != 0 {
		t.Fatalf("near: exit %d: %s", code, stderr)
	}
	objs := objects(t, out)
	found := false
	for i, o := range objs {
		if o["mmsi"] == float64(r.MMSI) {
			found = true
		}
		if d := o["distance_m"].(float64); d > 2000 || i > 0 && d < objs[i-1]["distance_m"].(float64) {
			t.Errorf("near: distance %v out of range or order", d)
		}
	}
	if !found {
		t.Errorf("near: the vessel whose row gave the position (%d) is missing from %d results", r.MMSI, len(objs))
	}
	// Area: a 3 km square around the same row.
	poly := filepath.Join(t.TempDir(), "area.geojson")
	d := 0.03
	os.WriteFile(poly, []byte(`{"type":"Feature","properties":{"name":"box"},"geometry":{"type":"Polygon","coordinates":[[`+
		corner(r.Lon-d, r.Lat-d)+","+corner(r.Lon+d, r.Lat-d)+","+corner(r.Lon+d, r.Lat+d)+","+corner(r.Lon-d, r.Lat+d)+","+corner(r.Lon-d, r.Lat-d)+`]]}}`), 0o600)
	code, out, stderr = runCmd(t, "", "area", "--data", dir, "--polygon", poly, "--from", from, "--to", to)
	if code != 0 {
		t.Fatalf("area: exit %d: %s", code, stderr)
	}
	want := map[uint32]bool{}
	for _, q := range rows {
		if !q.Time.Before(r.Time.Add(-10*time.Minute)) && !q.Time.After(r.Time.Add(10*time.Minute)) &&
			math.Abs(q.Lat-r.Lat) < d && math.Abs(q.Lon-r.Lon) < d && vessel.MMSI(q.MMSI).Valid() {
			want[q.MMSI] = true
		}
	}
	got := map[uint32]bool{}
	for _, o := range objects(t, out) {
		got[uint32(o["mmsi"].(float64))] = true
	}
	for m := range want {
		if !got[m] {
			t.Errorf("area: vessel %d reported inside and is missing", m)
		}
	}
	// Vessels: the picture at the row's time, searched by the row's name.
	var named aistest.TrackRow
	for _, q := range rows {
		if q.Name != "" && q.MMSI == r.MMSI {
			named = q
		}
	}
	if named.Name != "" {
		code, out, stderr = runCmd(t, "", "vessels", "--data", dir, "--at", to, "--search", strings.ToLower(named.Name))
		if code != 0 {
			t.Fatalf("vessels: %d %s", code, stderr)
		}
		hit := false
		for _, o := range objects(t, out) {
			if o["mmsi"] == float64(r.MMSI) && o["name"] == named.Name {
				hit = true
			}
		}
		if !hit {
			t.Errorf("vessels --search %q: %d not found in\n%s", named.Name, r.MMSI, out)
		}
	}
	code, out, _ = runCmd(t, "", "vessels", "--data", dir, "--at", to, "--type", "tanker", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) < 2 {
		t.Fatalf("vessels --type tanker: exit %d, %v, %d records", code, err, len(recs))
	}
	col := -1
	for i, h := range recs[0] {
		if h == "category" {
			col = i
		}
	}
	for _, rec := range recs[1:] {
		if rec[col] != "tanker" {
			t.Errorf("--type tanker listed category %q", rec[col])
		}
	}
}

// TestHostileStrings: ship names from a file are attacker-controlled; every
// output format keeps them as inert text.
func TestHostileStrings(t *testing.T) {
	evil := `=HYPERLINK("http://x"),<img src=x onerror=alert(1)>&"'`
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	w := csv.NewWriter(zw)
	w.Write([]string{"mmsi", "timestamp", "lat", "lon", "sog_knots", "cog_deg", "heading", "nav_status", "name", "ship_type"})
	w.Write([]string{"419000001", "2024-01-01T00:00:00Z", "18.9", "72.7", "10", "90", "90", "0", evil, "70"})
	w.Write([]string{"419000001", "2024-01-01T00:00:10Z", "18.9", "72.7005", "10", "90", "90", "0", evil, "70"})
	w.Flush()
	zw.Close()
	file := filepath.Join(t.TempDir(), "evil.csv.gz")
	os.WriteFile(file, buf.Bytes(), 0o600)
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", file); code != 0 {
		t.Fatalf("ingest: %s", stderr)
	}
	_, out, _ := runCmd(t, "", "vessels", "--data", dir)
	objs := objects(t, out)
	if len(objs) != 1 || strings.Contains(out, "<img") {
		t.Fatalf("jsonl: %s", out)
	}
	name, _ := objs[0]["name"].(string)
	if name != evil {
		t.Errorf("jsonl name %q does not round trip (want %q)", name, evil)
	}
	_, out, _ = runCmd(t, "", "vessels", "--data", dir, "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 2 || !strings.HasPrefix(recs[1][1], "'=HYPERLINK") {
		t.Errorf("csv: %v %q", err, recs)
	}
	_, out, _ = runCmd(t, "", "vessels", "--data", dir, "--format", "kml")
	dec := xml.NewDecoder(strings.NewReader(out))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("kml does not parse: %v\n%s", err, out)
		}
		if se, ok := tok.(xml.StartElement); ok && strings.EqualFold(se.Name.Local, "img") {
			t.Fatal("kml contains an <img> element")
		}
	}
	_, out, _ = runCmd(t, "", "vessels", "--data", dir, "--format", "geojson")
	if !json.Valid([]byte(out)) || strings.Contains(out, "<img") {
		t.Errorf("geojson: %s", out)
	}
}

func TestQueryUsageErrors(t *testing.T) {
	dir := ingested(t)
	missing := filepath.Join(t.TempDir(), "nothing")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"track", "--data", dir}, 2, "want exactly one MMSI"},
		{[]string{"track", "--data", dir, "12x"}, 2, "MMSI"},
		{[]string{"track", "--data", dir, "--format", "xls", "366999001"}, 2, "unknown --format"},
		{[]string{"track", "--data", dir, "--from", "yesterday", "366999001"}, 2, "RFC 3339"},
		{[]string{"near", "--data", dir, "--lat", "95", "--lon", "0"}, 2, "--lat 95 is out of range"},
		{[]string{"near", "--data", dir, "--lon", "0"}, 2, "--lat and --lon are required"},
		{[]string{"near", "--data", dir, "--lat", "10", "--lon", "0", "--radius", "far"}, 2, "--radius"},
		{[]string{"near", "--data", dir, "--lat", "10", "--lon", "0", "--from", "2024-01-02", "--to", "2024-01-01"}, 2, "after --to"},
		{[]string{"area", "--data", dir}, 2, "--polygon is required"},
		{[]string{"vessels", "--data", dir, "--bbox", "1,2,3"}, 2, "minLon,minLat,maxLon,maxLat"},
		{[]string{"vessels", "--data", dir, "--type", "spaceship"}, 2, "not a ship category"},
		{[]string{"vessels", "--data", missing}, 1, "tidewatch ingest"},
		{[]string{"ingest", "--data", dir}, 2, "no input files"},
		{[]string{"ingest", "--data", dir, "--progress", "never", "/nonexistent.nmea"}, 1, "no such file"},
	} {
		code, _, stderr := runCmd(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
}

func TestParseTimeAndUnits(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2024-01-02T03:04:05Z", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2024-01-02T03:04:05.5+05:30", time.Date(2024, 1, 1, 21, 34, 5, 5e8, time.UTC)},
		{"2024-01-02", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"2024-01-02 03:04:05", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"now", now},
		{"-2h", now.Add(-2 * time.Hour)},
		{"-7d", now.Add(-7 * 24 * time.Hour)},
		{"-1d12h", now.Add(-36 * time.Hour)},
		{"+30m", now.Add(30 * time.Minute)},
		{"@1704067200", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := vessel.ParseTime(tc.in, now)
		if err != nil || got != vessel.TimeOf(tc.want) {
			t.Errorf("vessel.ParseTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-", "-2x", "@x", "2024-13-01"} {
		if _, err := vessel.ParseTime(bad, now); err == nil {
			t.Errorf("vessel.ParseTime(%q) accepted", bad)
		}
	}
	for _, tc := range []struct {
		in   string
		want float64
	}{{"10km", 10000}, {"500", 500}, {"500m", 500}, {"2nm", 3704}, {"1.5 km", 1500}} {
		if got, err := geo.ParseDistance(tc.in); err != nil || got != tc.want {
			t.Errorf("geo.ParseDistance(%q) = %v, %v", tc.in, got, err)
		}
	}
	for _, bad := range []string{"", "-1km", "ten", "NaN"} {
		if _, err := geo.ParseDistance(bad); err == nil {
			t.Errorf("geo.ParseDistance(%q) accepted", bad)
		}
	}
	if d, err := vessel.ParseDuration("90d"); err != nil || d != 90*24*time.Hour {
		t.Errorf("vessel.ParseDuration(90d) = %v, %v", d, err)
	}
}

func ftoa(f float64) string { return strings.TrimRight(strings.TrimRight(jsonNum(f), "0"), ".") }

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func corner(lon, lat float64) string { return "[" + jsonNum(lon) + "," + jsonNum(lat) + "]" }

// tagged wraps a sentence in an NMEA 4.10 tag block with a source and a
// time.
func tagged(source string, unix int64, sentence string) string {
	tb := fmt.Sprintf("s:%s,c:%d", source, unix)
	var x byte
	for i := 0; i < len(tb); i++ {
		x ^= tb[i]
	}
	return fmt.Sprintf("\\%s*%02X\\%s", tb, x, sentence)
}

// TestHeardByAndRetain: one report heard by two receivers is stored once
// with both in heard_by; --retain drops old history.
func TestHeardByAndRetain(t *testing.T) {
	const s1 = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
	const s2 = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
	input := tagged("rx-chennai", 1700000000, s1) + "\n" + tagged("rx-vizag", 1700000003, s2) + "\n"
	file := filepath.Join(t.TempDir(), "two.nmea")
	os.WriteFile(file, []byte(input), 0o600)
	dir := filepath.Join(t.TempDir(), "data")
	code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", file)
	if code != 0 || !strings.Contains(stderr, "1 duplicates") {
		t.Fatalf("ingest: %d\n%s", code, stderr)
	}
	_, out, _ := runCmd(t, "", "track", "--data", dir, "371798000")
	objs := objects(t, out)
	if len(objs) != 1 {
		t.Fatalf("track: %s", out)
	}
	by, _ := json.Marshal(objs[0]["heard_by"])
	if string(by) != `["rx-chennai","rx-vizag"]` || objs[0]["source"] != "rx-chennai" {
		t.Errorf("heard_by %s, source %v", by, objs[0]["source"])
	}

	// NOAA: 99,647 rows in the first 24 minutes, 352 later in the day;
	// keeping the last hour drops the first ones.
	dir = filepath.Join(t.TempDir(), "data")
	code, _, stderr = runCmd(t, "", "ingest", "--data", dir, "--progress", "never", "--retain", "1h", noaaFile)
	if code != 0 || !strings.Contains(stderr, "retention removed") {
		t.Fatalf("ingest --retain: %d\n%s", code, stderr)
	}
	_, out, _ = runCmd(t, "", "vessels", "--data", dir, "--at", "2022-01-03T00:20:00Z")
	if n := len(objects(t, out)); n != 0 {
		t.Errorf("%d vessels at 00:20 after keeping only the last hour (23:00-24:00)", n)
	}
}
