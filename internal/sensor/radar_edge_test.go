package sensor_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// sen returns a sentence with its checksum, behind a tag block when tag
// is not empty.
func sen(tag, body string) string {
	cs := func(s string) string {
		var x byte
		for i := 0; i < len(s); i++ {
			x ^= s[i]
		}
		return fmt.Sprintf("*%02X", x)
	}
	line := "$" + body + cs(body)
	if tag != "" {
		line = `\` + tag + cs(tag) + `\` + line
	}
	return line
}

func parseAll(opt sensor.RadarOptions, lines ...string) ([]vessel.Detection, sensor.Stats) {
	r := sensor.NewRadar(opt)
	var out []vessel.Detection
	for _, l := range lines {
		out, _ = r.Parse(out, []byte(l))
	}
	return r.Flush(out), r.Stats()
}

func TestRadarEdgeCases(t *testing.T) {
	own := geo.Point{Lat: 51.5, Lon: 1.5}
	rmc := func(clock string, p geo.Point, date string) string {
		return sen("", fmt.Sprintf("GPRMC,%s,A,%02d%08.5f,N,%03d%08.5f,E,10.0,90.0,%s,,,A", clock,
			int(p.Lat), (p.Lat-math.Floor(p.Lat))*60, int(p.Lon), (p.Lon-math.Floor(p.Lon))*60, date))
	}
	ttm := func(num, clock string) string {
		return sen("", "RATTM,"+num+",1.000,0.0,T,5.0,0.0,T,,,N,,T,,"+clock+",A")
	}
	east := geo.Destination(own, 90, 100)
	tests := []struct {
		name    string
		opt     sensor.RadarOptions
		lines   []string
		sensor  []geo.Point // expected sensor positions, in order
		times   []string
		errs    []error
		overfl  int64
		bearing float64 // of the first detection, when not 0
	}{
		{name: "extrapolated at the end of the input",
			lines:  []string{rmc("120000.00", own, "150326"), ttm("01", "120005.00")},
			sensor: []geo.Point{geo.Destination(own, 90, 5*10*1852.0/3600)}, times: []string{"2026-03-15T12:00:05Z"}},
		{name: "too far past the last fix",
			lines: []string{rmc("120000.00", own, "150326"), ttm("01", "120100.00")},
			errs:  []error{sensor.ErrNoPosition}},
		{name: "gap between fixes too long to interpolate",
			lines: []string{rmc("120000.00", own, "150326"), ttm("01", "120030.00"), rmc("120100.00", east, "150326")},
			errs:  []error{sensor.ErrNoPosition}},
		{name: "report before the first fix waits for it",
			lines: []string{sen("c:1773576000", "RATTM,01,1.000,0.0,T,5.0,0.0,T,,,N,,T,,120000.00,A"),
				rmc("120000.00", own, "150326")},
			sensor: []geo.Point{own}, times: []string{"2026-03-15T12:00:00Z"}},
		{name: "RMC dates carry across midnight",
			lines: []string{rmc("235959.00", own, "150326"), ttm("01", "235959.00"), rmc("000001.00", own, "160326"), ttm("02", "000001.00")},
			// The ship moves 10 kn east: the second fix is where RMC says.
			sensor: []geo.Point{own, own}, times: []string{"2026-03-15T23:59:59Z", "2026-03-16T00:00:01Z"}},
		{name: "GGA fixes on the tag-block date, THS heading, relative bearing",
			lines: []string{
				sen("c:1773576000", "GPGGA,120000.00,5130.00000,N,00130.00000,E,1,08,0.9,5.0,M,45.0,M,,"),
				sen("c:1773576000", "GPTHS,45.0,A"),
				sen("c:1773576000", "RATTM,01,1.000,10.0,R,,,T,,,N,,T,,120000.00,A"),
			},
			sensor: []geo.Point{own}, times: []string{"2026-03-15T12:00:00Z"}, bearing: 55},
		{name: "THS flagged invalid is not a heading",
			lines: []string{
				sen("c:1773576000", "GPGGA,120000.00,5130.00000,N,00130.00000,E,1,08,0.9,5.0,M,45.0,M,,"),
				sen("c:1773576000", "GPTHS,45.0,V"),
				sen("c:1773576000", "RATTM,01,1.000,10.0,R,,,T,,,N,,T,,120000.00,A"),
			},
			errs: []error{sensor.ErrNoHeading}},
		{name: "GGA with no fix, no position",
			lines: []string{
				sen("c:1773576000", "GPGGA,120000.00,,,,,0,00,,,M,,M,,"),
				sen("c:1773576000", "RATTM,01,1.000,10.0,T,,,T,,,N,,T,,120000.00,A"),
			},
			errs: []error{sensor.ErrNoPosition}},
		{name: "no date anywhere",
			lines: []string{ttm("01", "120000.00")},
			errs:  []error{sensor.ErrNoTime}},
		{name: "--date for undated input, with a site",
			opt:    sensor.RadarOptions{Source: "vts", Sites: []sensor.Site{{Name: "vts", Lat: 51.5, Lon: 1.5}}, Date: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)},
			lines:  []string{ttm("01", "120000.00")},
			sensor: []geo.Point{own}, times: []string{"2026-03-15T12:00:00Z"}},
		{name: "queue overflow resolves the oldest early",
			opt: sensor.RadarOptions{MaxPending: 2},
			lines: []string{rmc("120000.00", own, "150326"), ttm("01", "120001.00"), ttm("02", "120002.00"), ttm("03", "120003.00"),
				rmc("120004.00", geo.Destination(own, 90, 4*10*1852.0/3600), "150326")},
			sensor: []geo.Point{geo.Destination(own, 90, 1*10*1852.0/3600), geo.Destination(own, 90, 2*10*1852.0/3600), geo.Destination(own, 90, 3*10*1852.0/3600)},
			times:  []string{"2026-03-15T12:00:01Z", "2026-03-15T12:00:02Z", "2026-03-15T12:00:03Z"}, overfl: 1},
	}
	for _, tt := range tests {
		got, st := parseAll(tt.opt, tt.lines...)
		if len(got) != len(tt.sensor) || int(st.Errors) != len(tt.errs) || st.Overflows != tt.overfl {
			t.Errorf("%s: %d detections, %d errors %v, %d overflows; want %d, %d, %d", tt.name, len(got), st.Errors, st.Samples, st.Overflows,
				len(tt.sensor), len(tt.errs), tt.overfl)
			continue
		}
		for i, d := range got {
			if p := (geo.Point{Lat: d.SensorLat, Lon: d.SensorLon}); geo.Distance(p, tt.sensor[i]) > 0.5 {
				t.Errorf("%s: detection %d measured from %v; want %v", tt.name, i, p, tt.sensor[i])
			}
			if d.Time.String() != tt.times[i] {
				t.Errorf("%s: detection %d at %v; want %s", tt.name, i, d.Time, tt.times[i])
			}
		}
		if tt.bearing != 0 && math.Abs(got[0].BearingDeg-tt.bearing) > 1e-9 {
			t.Errorf("%s: bearing %.2f; want %.2f", tt.name, got[0].BearingDeg, tt.bearing)
		}
		for i, err := range st.Samples {
			if !errors.Is(err, tt.errs[i]) {
				t.Errorf("%s: error %v; want %v", tt.name, err, tt.errs[i])
			}
		}
	}
}

func TestRadarLongLine(t *testing.T) {
	in := sen("", "GPHDT,92.0,T") + "\n" + strings.Repeat("x", sensor.MaxLineLength+10) + "\n" +
		sen("", "GPRMC,120000.00,A,5130.00000,N,00130.00000,E,12.0,45.0,150326,,,A") + "\n" +
		sen("", "RATTM,01,2.500,30.0,T,8.5,200.0,T,0.50,12.5,N,TANKER,T,,120000.00,A") + "\n"
	var n int
	st, err := sensor.ReadRadar(strings.NewReader(in), sensor.RadarOptions{}, func(*vessel.Detection) error { n++; return nil })
	var le *sensor.LineError
	if err != nil || n != 1 || st.Errors != 1 || !errors.As(st.Samples[0], &le) || le.Line != 2 || !errors.Is(le, sensor.ErrLineTooLong) {
		t.Errorf("%d detections, %v, %+v", n, err, st)
	}
}
