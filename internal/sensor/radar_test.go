package sensor_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/nmea"
	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func readRadar(t *testing.T, path string, opt sensor.RadarOptions) ([]vessel.Detection, sensor.Stats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vessel.Detection
	st, err := sensor.ReadRadar(f, opt, func(d *vessel.Detection) error {
		out = append(out, *d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

func ts(s string) vessel.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return vessel.TimeOf(t)
}

func near(a, b geo.Point, m float64) bool { return geo.Distance(a, b) <= m }

func TestRadarOwnShip(t *testing.T) {
	vts := sensor.Site{Name: "vts", Lat: 51.6, Lon: 1.2}
	dets, st := readRadar(t, "testdata/radar/own_ship.nmea", sensor.RadarOptions{Source: "ship", Sites: []sensor.Site{vts}})
	own0 := geo.Point{Lat: 51.5, Lon: 1.5}
	own10 := geo.Point{Lat: 51 + 30.02355/60, Lon: 1 + 30.03781/60}
	own20 := geo.Point{Lat: 51 + 30.04710/60, Lon: 1 + 30.07562/60}
	site := geo.Point{Lat: vts.Lat, Lon: vts.Lon}
	type want struct {
		target, source string
		time           vessel.Time
		sensorPos      geo.Point
		bearing, rng   float64 // true bearing, metres
		speed, course  float64 // -1: no motion
		status         byte
		name           string
	}
	// Heading 47 (HDT, OSD); own motion 12 kn on 045.
	rel := func(kn, c float64) (float64, float64) {
		x := kn*math.Sin(c*math.Pi/180) + 12*math.Sin(45*math.Pi/180)
		y := kn*math.Cos(c*math.Pi/180) + 12*math.Cos(45*math.Pi/180)
		return math.Hypot(x, y), math.Mod(math.Atan2(x, y)*180/math.Pi+360, 360)
	}
	s2, c2 := rel(15, 90)
	wants := []want{
		{"01", "ship", ts("2026-03-15T12:00:00Z"), own0, 30, 2.5 * 1852, 8.5, 200, 'T', "TANKER"},
		{"02", "ship", ts("2026-03-15T12:00:00Z"), own0, 2, 1.2 * 1852, s2, c2, 'Q', ""}, // 315 relative + 47
		{"03", "ship", ts("2026-03-15T12:00:00Z"), own0, 90, 3000, 20 / 1.852, 180, 'T', ""},
		// Line 13 waits for line 14 and is interpolated half-way.
		{"08", "ship", ts("2026-03-15T12:00:05Z"), geo.Interpolate(own0, own10, 0.5), 10, 1.5 * 1852, 5, 10, 'T', ""},
		{"09", "ship", ts("2026-03-15T12:00:10Z"), own10, 180, 0.8 * 1609.344, 3 * 1609.344 / 1852, 90, 'T', ""},
		{"10", "ship", ts("2026-03-15T12:00:15Z"), geo.Interpolate(own10, own20, 0.5), 270, 2 * 1852, 10, 0, 'T', ""},
		{"01", "vts", ts("2026-03-15T23:59:59.5Z"), site, 120, 4 * 1852, 6, 300, 'T', ""},
		{"02", "vts", ts("2026-03-16T00:00:01Z"), site, -1, -1, -1, -1, 'T', "PILOT"},
	}
	if len(dets) != len(wants) {
		for _, d := range dets {
			t.Logf("%+v", d)
		}
		t.Fatalf("%d detections; want %d", len(dets), len(wants))
	}
	for i, w := range wants {
		d := dets[i]
		pos := geo.Point{Lat: d.Lat, Lon: d.Lon}
		if d.Target != w.target || d.Source != w.source || d.Time != w.time || d.Status != w.status || d.Name != w.name ||
			d.Sensor != vessel.SensorRadar {
			t.Errorf("detection %d = %s/%s %v %c %q; want %s/%s %v %c %q", i, d.Source, d.Target, d.Time, d.Status, d.Name,
				w.source, w.target, w.time, w.status, w.name)
		}
		if !near(geo.Point{Lat: d.SensorLat, Lon: d.SensorLon}, w.sensorPos, 0.5) {
			t.Errorf("detection %d: sensor at %v; want %v", i, geo.Point{Lat: d.SensorLat, Lon: d.SensorLon}, w.sensorPos)
		}
		if w.rng >= 0 {
			at := geo.Destination(w.sensorPos, w.bearing, w.rng)
			if !near(pos, at, 0.5) || math.Abs(d.RangeM-w.rng) > 0.01 || math.Abs(d.BearingDeg-w.bearing) > 1e-9 {
				t.Errorf("detection %d at %v, %.1f m %.2f°; want %v, %.1f m %.2f°", i, pos, d.RangeM, d.BearingDeg, at, w.rng, w.bearing)
			}
			if want := sensor.DefaultNoise().PosErrM(w.rng); math.Abs(d.PosErrM-want) > 1e-6 || d.PosErrM < 20 {
				t.Errorf("detection %d: PosErrM %.1f; want %.1f", i, d.PosErrM, want)
			}
		}
		if w.speed >= 0 {
			if d.Has&vessel.HasMotion == 0 || math.Abs(d.SpeedKn-w.speed) > 1e-9 || math.Abs(d.CourseDeg-w.course) > 1e-9 {
				t.Errorf("detection %d: motion %v %.3f kn %.3f°; want %.3f kn %.3f°", i, d.Has&vessel.HasMotion != 0, d.SpeedKn, d.CourseDeg, w.speed, w.course)
			}
		} else if d.Has&vessel.HasMotion != 0 {
			t.Errorf("detection %d has motion", i)
		}
	}
	// The TLL: position as sent, range and bearing from the site.
	tll := dets[7]
	if p := (geo.Point{Lat: 51.5, Lon: 1.25}); tll.Lat != p.Lat || tll.Lon != p.Lon ||
		math.Abs(tll.RangeM-geo.Distance(site, p)) > 1e-6 || tll.Has&vessel.HasPolar == 0 {
		t.Errorf("TLL %+v", tll)
	}
	// The bad lines, each with its line number and reason.
	wantErrs := map[int]error{9: sensor.ErrField, 10: sensor.ErrField, 11: nmea.ErrChecksum, 12: sensor.ErrField,
		24: sensor.ErrField, 25: sensor.ErrNoHeading, 26: sensor.ErrNoPosition, 27: sensor.ErrField}
	if st.Errors != int64(len(wantErrs)) || len(st.Samples) != len(wantErrs) {
		t.Fatalf("%d errors %v; want %d", st.Errors, st.Samples, len(wantErrs))
	}
	for _, err := range st.Samples {
		var le *sensor.LineError
		if !errors.As(err, &le) || !errors.Is(err, wantErrs[le.Line]) {
			t.Errorf("error %v; want line %d: %v", err, le.Line, wantErrs[le.Line])
		}
	}
	if st.Lines != 27 || st.Detections != 8 || st.OwnShip != 7 || st.Skipped != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestRadarSystem(t *testing.T) {
	r := sensor.NewRadar(sensor.RadarOptions{Source: "ship"})
	r.Parse(nil, []byte("$RARSD,0.0,0.0,1.5,45.0,,,,,2.0,90.0,6.0,N,H*5A"))
	sys, ok := r.System("ship")
	if !ok || sys.RangeScaleM != 6*1852 || sys.Rotation != 'H' {
		t.Errorf("System = %+v, %v", sys, ok)
	}
}

// TestRadarSimulated parses the simulator's radar output and finds every
// report the simulator says it wrote, at the same place and with the
// same error: with the fixed site named after its tag-block source, and
// as the input's unnamed site (as a node input configures it), which
// must serve the site's source and leave the patrol ship's own-ship data
// alone, also beside a named site of another radar.
func TestRadarSimulated(t *testing.T) {
	for _, relative := range []bool{false, true} {
		sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: time.Hour, RelativeBearings: relative}, rand.New(rand.NewPCG(5, 0)))
		var buf bytes.Buffer
		if err := sc.WriteRadarNMEA(&buf); err != nil {
			t.Fatal(err)
		}
		site := sc.Radars[1]
		for _, tc := range []struct {
			name  string
			sites []sensor.Site
		}{
			{"named", []sensor.Site{{Name: site.Name, Lat: site.Pos.Lat, Lon: site.Pos.Lon}}},
			{"unnamed", []sensor.Site{{Lat: site.Pos.Lat, Lon: site.Pos.Lon}}},
			{"unnamed beside another", []sensor.Site{{Name: "elsewhere", Lat: 1, Lon: 1}, {Lat: site.Pos.Lat, Lon: site.Pos.Lon}}},
			{"named before unnamed", []sensor.Site{{Name: site.Name, Lat: site.Pos.Lat, Lon: site.Pos.Lon}, {Lat: 1, Lon: 1}}},
			{"named after unnamed", []sensor.Site{{Lat: 1, Lon: 1}, {Name: site.Name, Lat: site.Pos.Lat, Lon: site.Pos.Lon}}},
		} {
			var got []vessel.Detection
			st, err := sensor.ReadRadar(bytes.NewReader(buf.Bytes()), sensor.RadarOptions{Sites: tc.sites},
				func(d *vessel.Detection) error { got = append(got, *d); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if st.Errors != 0 || len(got) != len(sc.Radar) {
				t.Fatalf("relative %v, %s: %d detections, %d errors %v; want %d", relative, tc.name, len(got), st.Errors, st.Samples, len(sc.Radar))
			}
			worst := 0.0
			for i, d := range got {
				w := sc.Radar[i].Det
				if d.Time != w.Time || d.Source != w.Source || d.Target != w.Target || d.Status != w.Status || d.Scene != w.Scene {
					t.Fatalf("%s: report %d = %v %s/%s %c; want %v %s/%s %c", tc.name, i, d.Time, d.Source, d.Target, d.Status, w.Time, w.Source, w.Target, w.Status)
				}
				worst = max(worst, geo.Distance(geo.Point{Lat: d.Lat, Lon: d.Lon}, geo.Point{Lat: w.Lat, Lon: w.Lon}))
				if math.Abs(d.PosErrM-w.PosErrM) > 0.05*w.PosErrM {
					t.Fatalf("%s: report %d (%s) PosErrM %.1f; want %.1f", tc.name, i, d.Source, d.PosErrM, w.PosErrM)
				}
				if math.Abs(d.SensorLat-w.SensorLat) > 1e-6 || math.Abs(d.SensorLon-w.SensorLon) > 1e-6 {
					t.Fatalf("%s: report %d (%s) measured from %.5f,%.5f; want %.5f,%.5f", tc.name, i, d.Source, d.SensorLat, d.SensorLon, w.SensorLat, w.SensorLon)
				}
			}
			if worst > 1 {
				t.Errorf("relative %v, %s: a detection %.2f m from the simulator's", relative, tc.name, worst)
			}
		}
	}
}

func FuzzRadarNMEA(f *testing.F) {
	data, err := os.ReadFile("testdata/radar/own_ship.nmea")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		f.Add([]byte(l), []byte("$GPRMC,120000.00,A,5130.00000,N,00130.00000,E,12.0,45.0,150326,,,A*59"))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		r := sensor.NewRadar(sensor.RadarOptions{Sites: []sensor.Site{{Name: "vts", Lat: 51, Lon: 1}}, MaxPending: 2})
		var out []vessel.Detection
		for range 2 {
			out, _ = r.Parse(out, b)
			out, _ = r.Parse(out, a)
		}
		out = r.Flush(out)
		for _, d := range out {
			if math.IsNaN(d.Lat) || math.IsNaN(d.Lon) || d.Lat < -90 || d.Lat > 90 || d.PosErrM < 0 || math.IsNaN(d.PosErrM) {
				t.Fatalf("bad detection %+v", d)
			}
		}
		if st := r.Stats(); st.Detections != int64(len(out)) {
			t.Fatalf("%d detections counted, %d returned", st.Detections, len(out))
		}
	})
}

func BenchmarkRadarTTM(b *testing.B) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Duration: time.Hour}, rand.New(rand.NewPCG(5, 0)))
	var buf bytes.Buffer
	sc.WriteRadarNMEA(&buf)
	data := buf.Bytes()
	n := 0
	for b.Loop() {
		st, err := sensor.ReadRadar(bytes.NewReader(data), sensor.RadarOptions{Sites: []sensor.Site{{Name: "site", Lat: 12.56, Lon: 46}}},
			func(*vessel.Detection) error { return nil })
		if err != nil || st.Errors > 0 {
			b.Fatal(err, st.Samples)
		}
		n += int(st.Detections)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "detections/s")
	b.SetBytes(int64(len(data)))
}
