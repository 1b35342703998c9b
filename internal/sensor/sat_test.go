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

	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

type satWant struct {
	target, scene string
	time          vessel.Time
	lat, lon      float64
	length, score float64 // -1: absent
}

func readSatFile(t *testing.T, path string, opt sensor.SatOptions) (sensor.Format, []vessel.Detection, sensor.Stats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vessel.Detection
	emit := func(d *vessel.Detection) error { out = append(out, *d); return nil }
	if strings.HasSuffix(path, ".geojson") {
		st, err := sensor.ReadGeoJSON(f, opt, emit)
		if err != nil {
			t.Fatal(err)
		}
		return sensor.FormatGeoJSON, out, st
	}
	format, st, err := sensor.ReadSat(f, opt, emit)
	if err != nil {
		t.Fatal(err)
	}
	return format, out, st
}

func TestReadSat(t *testing.T) {
	const s1 = "S1A_IW_GRDH_1SDV_20230611T063012_20230611T063037_048937_05E2A1_6C1F"
	const s1b = "S1B_IW_GRDH_1SDV_20230611T185540_20230611T185605_037101_045E2B_1D0A"
	const xs = "72dba3e82f782f67t"
	xsTime := time.Date(2021, 5, 14, 17, 40, 2, 0, time.UTC)
	tests := []struct {
		file    string
		opt     sensor.SatOptions
		format  sensor.Format
		source  string
		posErr  float64
		want    []satWant
		errs    map[int]error // line -> sentinel
		skipped int64
	}{
		{file: "gfw_sar.csv", format: sensor.FormatGFW, source: "gfw-sar", posErr: 30, want: []satWant{
			{s1 + ";-17.2544;14.6012", s1, ts("2023-06-11T06:30:24.123Z"), 14.601208, -17.254431, 38.4, 0.973},
			{s1 + ";-17.3118;14.5527", s1, ts("2023-06-11T06:30:24.123Z"), 14.552701, -17.311842, 192, 0.998},
			{s1 + ";-17.4021;14.7133", s1, ts("2023-06-11T06:30:24.123Z"), 14.713302, -17.402109, -1, 0.122},
			{s1b + ";-17.2210;14.6390", s1b, ts("2023-06-11T18:55:52Z"), 14.639017, -17.221044, 24.9, 0.644},
		}, errs: map[int]error{5: sensor.ErrField, 6: sensor.ErrField, 7: sensor.ErrRow, 9: sensor.ErrField, 10: sensor.ErrField}},
		{file: "xview3_labels.csv", opt: sensor.SatOptions{Source: "xv3", SceneTimes: map[string]time.Time{xs: xsTime}},
			format: sensor.FormatXView3, source: "xv3", posErr: 30, want: []satWant{
				{xs + "_0001", xs, vessel.TimeOf(xsTime), 5.2613, 3.8871, 42.5, 0.9},
				{xs + "_0002", xs, vessel.TimeOf(xsTime), 5.3092, 3.9120, -1, 0.6},
				{xs + "_0004", xs, vessel.TimeOf(xsTime), 5.2210, 3.8000, 18, 0.45},
				{"S1A_0001", "S1A_IW_GRDH_1SDV_20200803T075720_20200803T075745_033756_03E95A_C3F1", ts("2020-08-03T07:57:20Z"), -12.05, -77.3, 65, 0.9},
			}, errs: map[int]error{7: sensor.ErrNoTime, 8: sensor.ErrField, 9: sensor.ErrField}, skipped: 1},
		{file: "viirs_vbd.csv", format: sensor.FormatVIIRS, source: "viirs", posErr: 400, want: []satWant{
			{"VBD_npp_d20220105_ssec_v23_0001", "", ts("2022-01-04T18:02:33.717Z"), 9.251204, 106.913385, -1, 1},
			{"VBD_npp_d20220105_ssec_v23_0002", "", ts("2022-01-04T18:02:33.717Z"), 9.102231, 107.150014, -1, 0.5},
			{"VBD_npp_d20220105_ssec_v23_0004", "", ts("2022-01-04T18:02:35.093Z"), 9.880401, 107.601527, -1, 0.3},
		}, errs: map[int]error{7: sensor.ErrField, 8: sensor.ErrRow}, skipped: 2},
		{file: "detections.geojson", format: sensor.FormatGeoJSON, source: "geojson", posErr: 30, want: []satWant{
			{"opt-1", "S2B_MSIL1C_20240203T064109", ts("2024-02-03T06:41:12Z"), 26.5521, 56.3012, 54, 0.82},
			{"opt-2", "", ts("2024-02-03T06:41:12Z"), 26.4833, 56.4120, -1, -1},
			{"", "", ts("2024-02-03T06:41:12Z"), 26.3990, 56.6021, 180, 0.9},
		}, errs: map[int]error{3: sensor.ErrRow, 4: sensor.ErrNoTime, 5: sensor.ErrField}},
	}
	for _, tt := range tests {
		format, got, st := readSatFile(t, "testdata/sat/"+tt.file, tt.opt)
		if format != tt.format {
			t.Errorf("%s: format %v; want %v", tt.file, format, tt.format)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d detections; want %d: %+v", tt.file, len(got), len(tt.want), got)
			continue
		}
		for i, w := range tt.want {
			d := got[i]
			if d.Target != w.target || d.Scene != w.scene || d.Time != w.time || d.Lat != w.lat || d.Lon != w.lon ||
				d.Source != tt.source || d.Sensor != vessel.SensorSatellite || d.PosErrM != tt.posErr {
				t.Errorf("%s %d = %+v; want %+v", tt.file, i, d, w)
			}
			if (w.length < 0) != (d.Has&vessel.HasLength == 0) || w.length >= 0 && d.LengthM != w.length {
				t.Errorf("%s %d: length %v %.1f; want %.1f", tt.file, i, d.Has&vessel.HasLength != 0, d.LengthM, w.length)
			}
			if (w.score < 0) != (d.Has&vessel.HasScore == 0) || w.score >= 0 && math.Abs(d.Score-w.score) > 1e-9 {
				t.Errorf("%s %d: score %v %.3f; want %.3f", tt.file, i, d.Has&vessel.HasScore != 0, d.Score, w.score)
			}
		}
		if st.Errors != int64(len(tt.errs)) || st.Skipped != tt.skipped || st.Detections != int64(len(tt.want)) {
			t.Errorf("%s: stats %+v; want %d errors, %d skipped", tt.file, st, len(tt.errs), tt.skipped)
		}
		for _, err := range st.Samples {
			var le *sensor.LineError
			if !errors.As(err, &le) || tt.errs[le.Line] == nil || !errors.Is(err, tt.errs[le.Line]) {
				t.Errorf("%s: error %v not expected (want %v)", tt.file, err, tt.errs)
			}
		}
	}
}

func TestReadSatHeader(t *testing.T) {
	for _, in := range []string{"", "mmsi,lat,lon\n1,2,3\n", "detect_lat,foo\n"} {
		_, _, err := sensor.ReadSat(strings.NewReader(in), sensor.SatOptions{}, func(*vessel.Detection) error { return nil })
		if !errors.Is(err, sensor.ErrHeader) {
			t.Errorf("ReadSat(%q) error %v; want ErrHeader", in, err)
		}
	}
	for in, want := range map[string]sensor.Format{
		simulate.SARCSVHeader:                             sensor.FormatGFW,
		"Lat_DNB,Lon_DNB,Date_Mscan":                      sensor.FormatVIIRS,
		"detect_lat,detect_lon,vessel_length_m,scene_id":  sensor.FormatXView3,
		"\ufeffDETECT_LAT,detect_lon,detect_timestamp":    sensor.FormatGFW,
		"mmsi,timestamp,lat,lon,sog_knots,cog_deg":        sensor.FormatUnknown,
		"Timestamp,MMSI,Latitude,Longitude,Navigational ": sensor.FormatUnknown,
	} {
		if got := sensor.SniffCSV(in); got != want {
			t.Errorf("SniffCSV(%q) = %v; want %v", in, got, want)
		}
	}
}

// TestReadSatSimulated reads the simulator's SAR passes back.
func TestReadSatSimulated(t *testing.T) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{}, rand.New(rand.NewPCG(6, 0)))
	var buf bytes.Buffer
	if err := sc.WriteSARCSV(&buf); err != nil {
		t.Fatal(err)
	}
	var got []vessel.Detection
	format, st, err := sensor.ReadSat(&buf, sensor.SatOptions{Source: "sar"}, func(d *vessel.Detection) error {
		got = append(got, *d)
		return nil
	})
	if err != nil || format != sensor.FormatGFW || st.Errors != 0 || len(got) != len(sc.SAR) {
		t.Fatalf("%v %v %+v: %d detections; want %d", format, err, st, len(got), len(sc.SAR))
	}
	for i, d := range got {
		if d != sc.SAR[i].Det {
			t.Errorf("detection %d = %+v; want %+v", i, d, sc.SAR[i].Det)
		}
	}
}

func FuzzSatCSV(f *testing.F) {
	for _, name := range []string{"gfw_sar.csv", "xview3_labels.csv", "viirs_vbd.csv", "detections.geojson"} {
		data, err := os.ReadFile("testdata/sat/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := sensor.SatOptions{Time: time.Unix(1.6e9, 0)}
		check := func(d *vessel.Detection) error {
			if !(d.Lat >= -90 && d.Lat <= 90 && d.Lon >= -180 && d.Lon <= 180) || d.Score < 0 || d.Score > 1 || math.IsNaN(d.LengthM) {
				t.Fatalf("bad detection %+v", d)
			}
			return nil
		}
		sensor.ReadSat(bytes.NewReader(data), opt, check)
		sensor.ReadGeoJSON(bytes.NewReader(data), opt, check)
	})
}

func BenchmarkReadSat(b *testing.B) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{SARPasses: []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour}},
		rand.New(rand.NewPCG(6, 0)))
	var buf bytes.Buffer
	sc.WriteSARCSV(&buf)
	// Repeat the rows to a file of some size.
	lines := strings.SplitAfter(buf.String(), "\n")
	var big bytes.Buffer
	big.WriteString(lines[0])
	for big.Len() < 1<<20 {
		for _, l := range lines[1:] {
			big.WriteString(l)
		}
	}
	data := big.Bytes()
	n := 0
	for b.Loop() {
		_, st, err := sensor.ReadSat(bytes.NewReader(data), sensor.SatOptions{}, func(*vessel.Detection) error { return nil })
		if err != nil || st.Errors > 0 {
			b.Fatal(err, st.Samples)
		}
		n += int(st.Detections)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "detections/s")
	b.SetBytes(int64(len(data)))
}
