package cot_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/aistest"
	"github.com/tidewatch/tidewatch/internal/cot"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// xmlEvent is the CoT event as encoding/xml reads it back.
type xmlEvent struct {
	XMLName xml.Name `xml:"event"`
	Version string   `xml:"version,attr"`
	UID     string   `xml:"uid,attr"`
	Type    string   `xml:"type,attr"`
	How     string   `xml:"how,attr"`
	Time    string   `xml:"time,attr"`
	Start   string   `xml:"start,attr"`
	Stale   string   `xml:"stale,attr"`
	Point   struct {
		Lat float64 `xml:"lat,attr"`
		Lon float64 `xml:"lon,attr"`
		HAE float64 `xml:"hae,attr"`
		CE  float64 `xml:"ce,attr"`
		LE  float64 `xml:"le,attr"`
	} `xml:"point"`
	Detail struct {
		Contact struct {
			Callsign string `xml:"callsign,attr"`
		} `xml:"contact"`
		Track *struct {
			Course float64 `xml:"course,attr"`
			Speed  float64 `xml:"speed,attr"`
		} `xml:"track"`
		Remarks string `xml:"remarks"`
	} `xml:"detail"`
}

func parse(t testing.TB, b []byte) xmlEvent {
	t.Helper()
	var e xmlEvent
	if err := xml.Unmarshal(b, &e); err != nil {
		t.Fatalf("xml: %v in %s", err, b)
	}
	return e
}

var now = time.Date(2022, 1, 3, 0, 10, 0, 0, time.UTC)

func TestVessel(t *testing.T) {
	rep := vessel.TimeOf(now.Add(-2 * time.Minute))
	tests := []struct {
		name     string
		p        vessel.Position
		st       vessel.Static
		typ      string
		callsign string
		track    bool
		course   float64
		speedMS  float64
		remarks  string
	}{
		{"tanker with name", vessel.Position{MMSI: 538007213, Time: rep, Lat: 29.5, Lon: -94.8, SOG: 100, COG: 2705},
			vessel.Static{Name: "NORDIC <&> \"ACE\" ", ShipType: 80, IMO: 9384711, CallSign: "V7A2", Destination: "HOUSTON"},
			"a-n-S-X-M-O", `NORDIC <&> "ACE"`, true, 270.5, 5.144, "MMSI 538007213 IMO 9384711 call sign V7A2 destination HOUSTON"},
		{"no static: MMSI as callsign, no track without speed", vessel.Position{MMSI: 367000001, Time: rep, Lat: 1, Lon: 2, SOG: vessel.NoSpeed, COG: 100},
			vessel.Static{}, "a-n-S-X", "367000001", false, 0, 0, "MMSI 367000001"},
		{"fishing", vessel.Position{MMSI: 1, Time: rep, SOG: 0, COG: 0}, vessel.Static{ShipType: 30}, "a-n-S-X-F", "1", true, 0, 0, "MMSI 1"},
		{"military", vessel.Position{MMSI: 2, Time: rep, COG: vessel.NoCourse}, vessel.Static{ShipType: 35, Name: "WARSHIP 1"}, "a-u-S-C", "WARSHIP 1", false, 0, 0, "MMSI 2"},
		{"cargo", vessel.Position{MMSI: 3, Time: rep}, vessel.Static{ShipType: 71}, "a-n-S-X-M-C", "3", true, 0, 0, "MMSI 3"},
		{"sailing", vessel.Position{MMSI: 4, Time: rep}, vessel.Static{ShipType: 36}, "a-n-S-X-R", "4", true, 0, 0, "MMSI 4"},
		{"law enforcement", vessel.Position{MMSI: 5, Time: rep}, vessel.Static{ShipType: 55}, "a-n-S-X-L", "5", true, 0, 0, "MMSI 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := cot.Vessel(tc.p, tc.st, now, 10*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			e := parse(t, cot.Append(nil, &ev))
			if e.Version != "2.0" || e.How != "m-g" || e.UID != "tidewatch-mmsi-"+strconv.Itoa(int(tc.p.MMSI)) {
				t.Errorf("event attributes %+v", e)
			}
			if e.Type != tc.typ {
				t.Errorf("type %q; want %q", e.Type, tc.typ)
			}
			if e.Detail.Contact.Callsign != tc.callsign {
				t.Errorf("callsign %q; want %q", e.Detail.Contact.Callsign, tc.callsign)
			}
			if (e.Detail.Track != nil) != tc.track {
				t.Fatalf("track %v; want %v", e.Detail.Track, tc.track)
			}
			if tc.track && (e.Detail.Track.Course != tc.course || math.Abs(e.Detail.Track.Speed-tc.speedMS) > 0.006) {
				t.Errorf("track %+v; want course %v speed %v m/s", *e.Detail.Track, tc.course, tc.speedMS)
			}
			if e.Detail.Remarks != tc.remarks {
				t.Errorf("remarks %q; want %q", e.Detail.Remarks, tc.remarks)
			}
			if e.Time != "2022-01-03T00:10:00.000Z" || e.Start != "2022-01-03T00:08:00.000Z" || e.Stale != "2022-01-03T00:18:00.000Z" {
				t.Errorf("times %s %s %s", e.Time, e.Start, e.Stale)
			}
			if e.Point.Lat != tc.p.Lat || e.Point.Lon != tc.p.Lon || e.Point.LE != cot.Unknown {
				t.Errorf("point %+v", e.Point)
			}
		})
	}
}

func TestVesselBadPosition(t *testing.T) {
	for _, ll := range [][2]float64{{math.NaN(), 0}, {0, math.Inf(1)}, {91, 0}, {0, -180.5}} {
		if _, err := cot.Vessel(vessel.Position{Lat: ll[0], Lon: ll[1]}, vessel.Static{}, now, time.Minute); err == nil {
			t.Errorf("Vessel at %v: no error", ll)
		}
	}
}

func TestContact(t *testing.T) {
	d := vessel.Detection{Time: vessel.TimeOf(now), Sensor: vessel.SensorRadar, Source: "radar1", Target: "17",
		Lat: 12.5, Lon: 45.25, PosErrM: 80, Has: vessel.HasMotion, SpeedKn: 10, CourseDeg: -90}
	ev, err := cot.Contact(d, now, 3*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	e := parse(t, cot.Append(nil, &ev))
	if e.Type != "a-u-S" || e.UID != "tidewatch-contact-radar1-17" || e.Point.CE != 80 || e.Detail.Track == nil ||
		e.Detail.Track.Course != 270 || math.Abs(e.Detail.Track.Speed-5.144) > 0.006 || e.Stale != "2022-01-03T00:13:00.000Z" {
		t.Errorf("contact event %+v", e)
	}
}

// realVessels returns the first n distinct vessels of the bundled real day
// of NOAA AIS, with their names and ship types.
func realVessels(t testing.TB, n int) []cot.Event {
	t.Helper()
	rows := aistest.ReadTracks(t, aistest.TrackPath(t, "noaa_us_coast_20220103.csv.gz"))
	seen := map[uint32]bool{}
	var evs []cot.Event
	for _, r := range rows {
		if seen[r.MMSI] || len(evs) == n {
			continue
		}
		seen[r.MMSI] = true
		p := vessel.Position{MMSI: vessel.MMSI(r.MMSI), Time: vessel.TimeOf(r.Time), Lat: r.Lat, Lon: r.Lon,
			SOG: vessel.SpeedKnots(r.SOG), COG: vessel.CourseDegrees(r.COG)}
		st := vessel.Static{MMSI: p.MMSI, Name: r.Name}
		if r.ShipType >= 0 {
			st.ShipType = uint8(r.ShipType)
		}
		ev, err := cot.Vessel(p, st, r.Time, 10*time.Minute)
		if err != nil {
			continue
		}
		evs = append(evs, ev)
	}
	if len(evs) < n {
		t.Fatalf("%d vessels in the real day; want %d", len(evs), n)
	}
	return evs
}

// nodeCoT is what e2e/formats/cot.mjs prints for one event.
type nodeCoT struct {
	UID, Type, Stale, Callsign, Remarks string
	Lat, Lon                            float64
	Course, Speed                       *float64
	Geometry                            struct {
		Type        string
		Coordinates []float64
	}
}

// TestNodeCoT encodes 500 real vessels and has @tak-ps/node-cot, the TAK
// community's CoT library, parse them: it must read the same uid, point,
// callsign, course and speed.
func TestNodeCoT(t *testing.T) {
	const env = "TIDEWATCH_REQUIRE_NODE_COT"
	node, err := exec.LookPath("node")
	dir, _ := filepath.Abs("../../e2e/formats")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@tak-ps", "node-cot"))
	}
	if err != nil {
		if os.Getenv(env) != "" {
			t.Fatalf("node and @tak-ps/node-cot required (%s is set): %v", env, err)
		}
		t.Skipf("node or @tak-ps/node-cot not installed (bash e2e/formats/install.sh): %v", err)
	}
	evs := realVessels(t, 500)
	// Names with XML specials and characters XML cannot hold.
	evs[0].Callsign = `A<B>&"C'` + "\x01"
	var buf bytes.Buffer
	for i := range evs {
		buf.Write(cot.Append(nil, &evs[i]))
		buf.WriteByte('\n')
	}
	file := filepath.Join(t.TempDir(), "events.xml")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, filepath.Join(dir, "cot.mjs"), file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node-cot: %v: %s", err, stderr.Bytes())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(evs) {
		t.Fatalf("node-cot read %d events; want %d", len(lines), len(evs))
	}
	for i, l := range lines {
		var got nodeCoT
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatal(err)
		}
		ev := evs[i]
		want := strings.ToValidUTF8(ev.Callsign, "")
		if i == 0 {
			want = `A<B>&"C'` + "\uFFFD"
		}
		if got.UID != ev.UID || got.Type != ev.Type || got.Callsign != want ||
			math.Abs(got.Lat-ev.Lat) > 1e-7 || math.Abs(got.Lon-ev.Lon) > 1e-7 {
			t.Errorf("event %d: node-cot read %+v; want %+v", i, got, ev)
		}
		if got.Geometry.Type != "Point" || len(got.Geometry.Coordinates) < 2 || math.Abs(got.Geometry.Coordinates[0]-ev.Lon) > 1e-7 {
			t.Errorf("event %d: GeoJSON %+v", i, got.Geometry)
		}
		if ev.HasTrack != (got.Course != nil) {
			t.Errorf("event %d: track %v; want %v", i, got.Course != nil, ev.HasTrack)
		} else if ev.HasTrack && (math.Abs(*got.Course-ev.Course) > 0.05 || math.Abs(*got.Speed-ev.Speed) > 0.005) {
			t.Errorf("event %d: course %v speed %v; want %v %v", i, *got.Course, *got.Speed, ev.Course, ev.Speed)
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("EVER GIVEN", "ROTTERDAM", 51.9, 4.1, 123.4, 12.5)
	f.Add("<&>\"'", "\x00\xff\ufffe", math.NaN(), 0.0, math.Inf(1), -1.0)
	f.Add("", "", 91.0, 181.0, 1e300, 1e-300)
	f.Fuzz(func(t *testing.T, name, dest string, lat, lon, course, kn float64) {
		p := vessel.Position{MMSI: 123456789, Time: vessel.TimeOf(now), Lat: lat, Lon: lon,
			SOG: vessel.SpeedKnots(kn), COG: vessel.CourseDegrees(course)}
		ev, err := cot.Vessel(p, vessel.Static{Name: name, Destination: dest}, now, time.Minute)
		if err != nil {
			if lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
				t.Fatalf("valid position %v %v refused: %v", lat, lon, err)
			}
			return
		}
		b := cot.Append(nil, &ev)
		e := parse(t, b)
		if e.Point.Lat != math.Round(lat*1e7)/1e7 && math.Abs(e.Point.Lat-lat) > 1e-7 {
			t.Fatalf("lat %v read back %v", lat, e.Point.Lat)
		}
		if strings.TrimSpace(name) != "" && !strings.Contains(e.Detail.Contact.Callsign, strings.TrimSpace(name)) &&
			isXMLText(name) {
			t.Fatalf("callsign %q read back %q", name, e.Detail.Contact.Callsign)
		}
		// Also with a contact of any values.
		cev, err := cot.Contact(vessel.Detection{Time: p.Time, Source: name, Target: dest, Lat: lat, Lon: lon,
			Has: vessel.HasMotion, SpeedKn: kn, CourseDeg: course, PosErrM: kn}, now, time.Minute)
		if err == nil {
			parse(t, cot.Append(nil, &cev))
		}
	})
}

// isXMLText reports whether s is valid UTF-8 made only of characters XML
// 1.0 can hold (the encoder replaces the others).
func isXMLText(s string) bool {
	for _, r := range s {
		if r == 0xFFFD || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0xFFFE && r <= 0xFFFF {
			return false
		}
	}
	return true
}

func BenchmarkAppend(b *testing.B) {
	evs := realVessels(b, 1000)
	buf := make([]byte, 0, 1024)
	i := 0
	for b.Loop() {
		buf = cot.Append(buf[:0], &evs[i%len(evs)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
