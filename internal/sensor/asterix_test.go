package sensor_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const asterixDir = "../../../shared/testdata/radar/asterix/"

func readShared(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(asterixDir + name)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not present: the shared test data is not checked out", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func readAsterix(t *testing.T, data []byte, opt sensor.AsterixOptions) ([]vessel.Detection, sensor.Stats) {
	t.Helper()
	var out []vessel.Detection
	st, err := sensor.ReadAsterix(bytes.NewReader(data), opt, func(d *vessel.Detection) error {
		out = append(out, *d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

// TestAsterixCat062 checks the system tracks of the real capture against
// the second decoder's JSON (cat_062_065_json.txt, record 1: SAC 25 SIC
// 100, track 4713, I105 41.1671233 15.7088667, I185 228.75 -47.25 m/s).
func TestAsterixCat062(t *testing.T) {
	dets, st := readAsterix(t, readShared(t, "cat_062_065.pcap"), sensor.AsterixOptions{})
	if len(dets) != 2 || st.Errors != 0 {
		t.Fatalf("%d detections, stats %+v; want the 2 CAT 062 records", len(dets), st)
	}
	d := dets[0]
	if d.Source != "25/100" || d.Target != "4713" || d.Sensor != vessel.SensorRadar ||
		math.Abs(d.Lat-41.1671233) > 1e-6 || math.Abs(d.Lon-15.7088667) > 1e-6 {
		t.Errorf("first track %+v", d)
	}
	if d.Has&vessel.HasMotion == 0 || math.Abs(d.SpeedKn-math.Hypot(228.75, 47.25)*3600/1852) > 0.01 {
		t.Errorf("speed %.2f kn", d.SpeedKn)
	}
	// The time of day 45827.3984375 s on the capture's date.
	if tod := int64(d.Time) % 86_400_000; tod != 45827398 && tod != 45827399 {
		t.Errorf("time %v (%d ms of the day)", d.Time, tod)
	}
}

// TestAsterixCat048 places the monoradar reports of the real capture:
// radar 25/12 announces its site in CAT 034 I120, radar 25/201 does not and
// needs a configured one.
func TestAsterixCat048(t *testing.T) {
	data := readShared(t, "cat_034_048.pcap")
	count := func(dets []vessel.Detection) map[string]int {
		m := map[string]int{}
		for _, d := range dets {
			m[d.Source]++
		}
		return m
	}
	dets, st := readAsterix(t, data, sensor.AsterixOptions{})
	if n := count(dets); n["25/12"] == 0 || n["25/201"] != 0 || st.Errors == 0 {
		t.Fatalf("no configured site: detections by radar %v, %d errors", n, st.Errors)
	}
	var le *sensor.LineError
	if !errors.As(st.Samples[0], &le) || !errors.Is(le, sensor.ErrNoPosition) || le.Field != "radar 25/201" {
		t.Errorf("error %v; want ErrNoPosition for radar 25/201", st.Samples[0])
	}
	site := asterix.Site{Lat: 45.8, Lon: 16.0, HeightM: 120}
	dets2, st2 := readAsterix(t, data, sensor.AsterixOptions{Sites: map[asterix.SourceID]asterix.Site{{SAC: 25, SIC: 201}: site}})
	n := count(dets2)
	if n["25/201"] == 0 || n["25/12"] != count(dets)["25/12"] || st2.Errors >= st.Errors {
		t.Fatalf("site for 25/201: detections by radar %v, %d errors", n, st2.Errors)
	}
	first := true
	for i, d := range dets2 {
		if d.Has&vessel.HasPolar == 0 || d.PosErrM <= 0 || d.RangeM <= 0 || d.BearingDeg < 0 || d.BearingDeg >= 360 {
			t.Fatalf("detection %d: %+v", i, d)
		}
		if d.Source != "25/201" {
			continue
		}
		if d.SensorLat != site.Lat || d.SensorLon != site.Lon {
			t.Fatalf("detection %d from %v, %v", i, d.SensorLat, d.SensorLon)
		}
		// The first 25/201 record of the reference decode: RHO 197.6835938
		// NM, THETA 340.1367188 deg.
		if first && (math.Abs(d.RangeM-197.6835938*1852) > 0.5 || math.Abs(d.BearingDeg-340.1367188) > 1e-6) {
			t.Errorf("first plot %.1f m %.4f°", d.RangeM, d.BearingDeg)
		}
		first = false
	}
}

func TestAsterixRawNeedsDate(t *testing.T) {
	data := readShared(t, "cat062cat065.raw")
	dets, st := readAsterix(t, data, sensor.AsterixOptions{})
	if len(dets) != 0 || st.Errors == 0 {
		t.Errorf("raw without date: %d detections, %d errors", len(dets), st.Errors)
	}
	date := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	dets, st = readAsterix(t, data, sensor.AsterixOptions{Date: date})
	if len(dets) == 0 || st.Errors != 0 || dets[0].Time.Std().YearDay() != date.YearDay() {
		t.Errorf("raw with date: %d detections, %+v", len(dets), st)
	}
}

func FuzzAsterix(f *testing.F) {
	for _, name := range []string{"cat048.raw", "cat062cat065.raw"} {
		if data, err := os.ReadFile(asterixDir + name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte{48, 0, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := sensor.AsterixOptions{Date: time.Unix(1.7e9, 0), Sites: map[asterix.SourceID]asterix.Site{{SAC: 25, SIC: 201}: {Lat: 45, Lon: 16}}}
		sensor.ReadAsterix(bytes.NewReader(data), opt, func(d *vessel.Detection) error {
			if math.IsNaN(d.Lat) || math.IsNaN(d.Lon) {
				t.Fatalf("NaN position %+v", d)
			}
			return nil
		})
	})
}

func BenchmarkAsterix(b *testing.B) {
	data := readShared(b, "cat_034_048.pcap")
	opt := sensor.AsterixOptions{Sites: map[asterix.SourceID]asterix.Site{{SAC: 25, SIC: 201}: {Lat: 45.8, Lon: 16}}}
	n := 0
	for b.Loop() {
		st, _ := sensor.ReadAsterix(bytes.NewReader(data), opt, func(*vessel.Detection) error { return nil })
		n += int(st.Detections)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "detections/s")
}
