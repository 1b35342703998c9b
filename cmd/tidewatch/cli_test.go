package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// exampleArea is the polygon the README's area example uses.
const exampleArea = "../../testdata/areas/galveston-bay-north.geojson"

// TestClearErrors: mistakes a new user makes get a clear message and a
// non-zero exit instead of empty output (issue 11).
func TestClearErrors(t *testing.T) {
	dir := ingested(t)
	tmp := t.TempDir()
	aFile := filepath.Join(tmp, "a-file")
	os.WriteFile(aFile, []byte("not a store\n"), 0o600)
	otherDir := filepath.Join(tmp, "other")
	os.MkdirAll(otherDir, 0o755)
	os.WriteFile(filepath.Join(otherDir, "notes.txt"), []byte("x"), 0o600)
	text := filepath.Join(tmp, "text.txt")
	os.WriteFile(text, []byte("hello\nworld\n"), 0o600)
	gps := filepath.Join(tmp, "gps.nmea")
	os.WriteFile(gps, []byte("$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67\n"), 0o600)
	binary := binaryFile(t)

	// An MMSI the store does not hold, found from the inputs themselves.
	held := map[uint32]bool{}
	for _, r := range aistest.ReadTracks(t, noaaFile) {
		held[r.MMSI] = true
	}
	unknown := uint32(538999001)
	for held[unknown] {
		unknown++
	}
	unknownS := vessel.MMSI(unknown).String()

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		want   string
		unwant string
	}{
		{"track from after to", []string{"track", "--data", dir, "--from", "2022-01-04", "--to", "2022-01-03", "366999001"}, 2, "is after --to", ""},
		{"track unknown MMSI", []string{"track", "--data", dir, unknownS}, 1, "MMSI " + unknownS + ": no such vessel in the store (it holds data from", ""},
		{"vessels unknown flag", []string{"vessels", "--data", dir, "--flag", "XX"}, 2, `--flag "XX": not a flag state`, ""},
		{"vessels at now on old data", []string{"vessels", "--data", dir, "--at", "now"}, 1, "the stored data ends at 2022-01-03T23:59", ""},
		{"near lat out of range", []string{"near", "--data", dir, "--lat", "95", "--lon", "0"}, 2, "--lat 95 is out of range", "required"},
		{"near lon out of range", []string{"near", "--data", dir, "--lat", "10", "--lon", "-181"}, 2, "--lon -181 is out of range", "required"},
		{"data is a file", []string{"vessels", "--data", aFile}, 1, "is a file, not a data directory", "ingest"},
		{"data is another directory", []string{"track", "--data", otherDir, "366999001"}, 1, "is not a tidewatch data directory", "ingest"},
		{"ingest into a file", []string{"ingest", "--data", aFile, dmaNMEA}, 1, "is a file, not a data directory", ""},
		{"decode a directory", []string{"decode", tmp}, 1, tmp + " is a directory", ""},
		{"decode a binary", []string{"decode", binary}, 1, "no AIS found in " + binary + " (", ""},
		{"decode text", []string{"decode", text}, 1, "no AIS found in " + text + " (2 lines, no AIS message)", ""},
		{"decode other NMEA", []string{"decode", gps}, 1, "no AIS found in " + gps, ""},
		{"simulate duration without unit", []string{"simulate", "--duration", "5"}, 2, "want a duration with a unit", "parse error"},
		{"simulate no vessels", []string{"simulate", "--vessels", "0"}, 2, "--vessels 0: want 1 to 100000", ""},
		{"simulate too many vessels", []string{"simulate", "--vessels", "100001"}, 2, "--vessels 100001: want 1 to 100000", ""},
		{"demo no vessels", []string{"demo", "--vessels", "0"}, 2, "--vessels 0: want 1 to 100000", ""},
		{"demo too many vessels", []string{"demo", "--vessels", "100001"}, 2, "--vessels 100001: want 1 to 100000", ""},
		{"events window with files", []string{"events", "--from", "2022-01-03", dmaNMEA}, 2, "--from and --to select a window of the store", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCmd(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || tc.unwant != "" && strings.Contains(stderr, tc.unwant) {
				t.Errorf("%v: exit %d, stderr %q; want exit %d saying %q", tc.args, code, firstLine(stderr), tc.code, tc.want)
			}
			if out != "" {
				t.Errorf("%v: output %.200q; want none", tc.args, out)
			}
			if strings.Count(stderr, tmp) > 1 {
				t.Errorf("%v: the path is repeated: %q", tc.args, stderr)
			}
		})
	}
}

// binaryFile writes a megabyte of pseudo-random bytes (NULs and all) and
// returns its path. (Not the test binary: it holds this package's AIS
// test sentences.)
func binaryFile(t *testing.T) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 0))
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	path := filepath.Join(t.TempDir(), "random.bin")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// TestIngestBadInputCreatesNothing: ingest of a missing file, a
// directory, a binary or a text file fails before the data directory is
// created, names the file, and prints no summary of nothing.
func TestIngestBadInputCreatesNothing(t *testing.T) {
	binary := binaryFile(t)
	good, err := filepath.Abs(dmaNMEA)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Chdir(tmp)
	t.Setenv("TIDEWATCH_DATA", "")
	os.WriteFile("text.txt", []byte("hello\nworld\n"), 0o600)
	for _, tc := range []struct {
		file, want string
	}{
		{"missing.nmea", "missing.nmea: no such file"},
		{tmp, tmp + " is a directory"},
		{binary, "no AIS found in " + binary},
		{"text.txt", "no AIS found in text.txt: it is neither NMEA nor a known CSV layout"},
	} {
		// Also after a good file: nothing is stored when one input is bad.
		for _, args := range [][]string{{"ingest", tc.file}, {"ingest", good, tc.file}} {
			code, out, stderr := runCmd(t, "", args...)
			if code != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "stored:") || out != "" {
				t.Errorf("%v: exit %d, stderr %q; want exit 1 saying %q and no summary", args, code, stderr, tc.want)
			}
			if _, err := os.Stat(defaultDataDir); err == nil {
				t.Fatalf("%v created ./%s", args, defaultDataDir)
			}
		}
	}
	// Standard input is not checked ahead: it fails after reading.
	code, _, stderr := runCmd(t, "$GPGLL,5250.53669,N,00542.34920,E,213950.00,A,A*67\n", "ingest", "--data", "d", "--progress", "never", "-")
	if code != 1 || !strings.Contains(stderr, "no AIS found in - (1 lines, no AIS message)") {
		t.Errorf("ingest of non-AIS stdin: exit %d, stderr %q", code, stderr)
	}
}

// TestServeStartErrors: what makes a node unable to do its job stops it
// at start with a clear message: an address in use (whichever listener),
// a replay file that is missing or holds no AIS.
func TestServeStartErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	data := filepath.Join(t.TempDir(), "data")
	binary := binaryFile(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", busy}, "cannot listen on " + busy + ": the address is already in use"},
		{[]string{"--listen", "127.0.0.1:0", "--tcp-listen", busy}, "cannot listen on " + busy + ": the address is already in use"},
		{[]string{"--listen", "127.0.0.1:0", "--replay", filepath.Join(data, "missing.nmea")}, "--replay: stat " + filepath.Join(data, "missing.nmea") + ": no such file"},
		{[]string{"--listen", "127.0.0.1:0", "--replay", binary}, "--replay: no AIS found in " + binary},
	} {
		args := append([]string{"serve", "--data", data, "--log-level", "error"}, tc.args...)
		// A node that starts anyway runs until the deadline: the test
		// then fails on its exit status, not by hanging.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		var out, errb bytes.Buffer
		code := run(ctx, args, strings.NewReader(""), &out, &errb)
		cancel()
		stderr := errb.String()
		if code != 1 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "ingest:") || strings.Contains(stderr, "listening on") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 at start saying %q", args, code, stderr, tc.want)
		}
	}
}

// TestTrackGeoJSONLineString: a track as GeoJSON holds its points and one
// LineString through them, with each vertex's time in "times".
func TestTrackGeoJSONLineString(t *testing.T) {
	dir := ingested(t)
	code, out, stderr := runCmd(t, "", "track", "--data", dir, "351106000", "--format", "geojson")
	if code != 0 {
		t.Fatalf("track: exit %d: %s", code, stderr)
	}
	var fc struct {
		Type     string
		Features []struct {
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	n := len(fc.Features) - 1
	if fc.Type != "FeatureCollection" || n < 10 {
		t.Fatalf("%s of %d features; want a FeatureCollection of a track of at least 10 points", fc.Type, len(fc.Features))
	}
	line := fc.Features[n]
	var coords [][2]float64
	if err := json.Unmarshal(line.Geometry.Coordinates, &coords); err != nil || line.Geometry.Type != "LineString" {
		t.Fatalf("last feature: %s %s (%v); want the LineString", line.Geometry.Type, line.Geometry.Coordinates, err)
	}
	times, _ := line.Properties["times"].([]any)
	if len(coords) != n || len(times) != n || line.Properties["mmsi"] != float64(351106000) || line.Properties["positions"] != float64(n) {
		t.Fatalf("LineString of %d vertices, %d times, properties %v; want %d of each", len(coords), len(times), line.Properties, n)
	}
	for i, f := range fc.Features[:n] {
		var pt [2]float64
		if err := json.Unmarshal(f.Geometry.Coordinates, &pt); err != nil || f.Geometry.Type != "Point" {
			t.Fatalf("feature %d: %s %s; want a Point", i, f.Geometry.Type, f.Geometry.Coordinates)
		}
		if pt != coords[i] || times[i] != f.Properties["time"] {
			t.Errorf("vertex %d: %v at %v; the point is %v at %v", i, coords[i], times[i], pt, f.Properties["time"])
		}
		if i > 0 && times[i].(string) < times[i-1].(string) {
			t.Errorf("vertex %d: time %v before %v", i, times[i], times[i-1])
		}
	}
}

// TestREADMEArea runs the README's area example: the shipped polygon finds
// the vessels that reported inside it, each of them inside.
func TestREADMEArea(t *testing.T) {
	dir := ingested(t)
	code, out, stderr := runCmd(t, "", "area", "--data", dir, "--polygon", exampleArea, "--from", "2022-01-03T00:00:00Z", "--to", "2022-01-03T01:00:00Z")
	if code != 0 {
		t.Fatalf("area: exit %d: %s", code, stderr)
	}
	f, err := os.Open(exampleArea)
	if err != nil {
		t.Fatal(err)
	}
	feats, err := geo.ReadGeoJSON(f)
	f.Close()
	if err != nil || len(feats) != 1 {
		t.Fatalf("%s: %d features, %v", exampleArea, len(feats), err)
	}
	objs := objects(t, out)
	if len(objs) < 50 {
		t.Errorf("%d vessels in the area; want the busy port's dozens", len(objs))
	}
	for _, o := range objs {
		p := geo.Point{Lat: o["first_lat"].(float64), Lon: o["first_lon"].(float64)}
		if !feats[0].Geometry.Contains(p) {
			t.Errorf("vessel %v: first report inside at %v, outside the polygon", o["mmsi"], p)
		}
	}
}

// TestDecodeArchiveNanoseconds: go-ais style archive lines, a Unix time in
// nanoseconds before the sentence, decode with that time as "rxtime";
// other text before the '!' is skipped and counted.
func TestDecodeArchiveNanoseconds(t *testing.T) {
	in := "1550303566167726840 !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F\n" +
		"Rx: !AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F\n"
	code, out, stderr := runCmd(t, in, "decode", "--stats")
	if code != 0 {
		t.Fatalf("decode: exit %d: %s", code, stderr)
	}
	objs := objects(t, out)
	if len(objs) != 2 || objs[0]["rxtime"] != "2019-02-16T07:52:46.16772684Z" || objs[0]["mmsi"] != float64(44730341) || objs[1]["rxtime"] != nil {
		t.Errorf("decoded %v; want two messages, the first received at 2019-02-16T07:52:46.16772684Z", objs)
	}
	if !strings.Contains(stderr, "skipped_prefix") {
		t.Errorf("--stats does not count the skipped prefix:\n%s", stderr)
	}
}

// TestIngestArchiveNanoseconds: ingest takes the nanosecond time before a
// go-ais style archive line as the receive time, refined by the AIS
// "second" field, and counts other text before the '!' as a warning.
func TestIngestArchiveNanoseconds(t *testing.T) {
	const s = "!AIVDM,1,1,,B,10bb7q@P0lPGHlVMhbl0Qgw>2>`<,0*7F" // MMSI 44730341, second 39
	in := filepath.Join(t.TempDir(), "archive.nmea")
	os.WriteFile(in, []byte("1550303566167726840 "+s+"\n1550303626167726840 Rx: "+s+"\n"), 0o600)
	dir := filepath.Join(t.TempDir(), "data")
	code, _, stderr := runCmd(t, "", "ingest", "--data", dir, "--progress", "never", "--land", "none", in)
	if code != 0 || !strings.Contains(stderr, "used with a warning: skipped_prefix 1") || !strings.Contains(stderr, "rejected input: 0") {
		t.Fatalf("ingest: exit %d:\n%s", code, stderr)
	}
	code, out, stderr := runCmd(t, "", "track", "--data", dir, "--flagged", "44730341")
	if code != 0 {
		t.Fatalf("track: exit %d: %s", code, stderr)
	}
	var times []any
	for _, o := range objects(t, out) {
		times = append(times, o["time"])
	}
	if want := []any{"2019-02-16T07:52:39Z", "2019-02-16T07:53:39Z"}; len(times) != 2 || times[0] != want[0] || times[1] != want[1] {
		t.Errorf("track times %v; want %v (the archive times, to the AIS second)", times, want)
	}
}
