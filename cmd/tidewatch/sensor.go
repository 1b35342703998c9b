package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/asterix"
	"github.com/tidewatch/tidewatch/internal/ingest"
	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

const detectionsUsage = `Usage: tidewatch detections [options] FILE...

Read radar and satellite detection files and write one JSON object per
detection (JSON Lines), to check what tidewatch makes of them. A FILE is
recognised by its content, plain or gzip-compressed ("-" is standard
input):

  radar NMEA 0183   TTM, TLL, OSD, RSD with the own ship's RMC, GGA, VTG,
                    HDT, THS (tag-block s: or the file name is the source)
  ASTERIX           CAT 048 / CAT 062, libpcap capture or raw data blocks
  gfw-sar           Global Fishing Watch SAR detections CSV (detect_lat, ...)
  xview3            xView3 labels CSV (no time per row: see --time, --scene-times)
  viirs             VIIRS boat detections CSV (Lat_DNB, Lon_DNB, Date_Mscan, ...)
  geojson           GeoJSON points with a "time" property

Each object has "time", "lat", "lon", "sensor" (radar or satellite),
"source", "target" (the radar's target or track number, the detection id;
null when none), "scene", "pos_err_m", and when known "speed_kn",
"course_deg", "length_m", "score", "range_m", "bearing_deg",
"sensor_lat", "sensor_lon", "name", "status" (T tracking, Q acquiring, L
lost). Bad lines are counted, and the first ones of each file reported on
stderr with their line numbers (--stats: counts for every file); the exit status is 0 unless reading or
writing fails or a file's format is not recognised.
`

// sensorFlags are the options of sensor inputs, shared by detections and
// ingest.
type sensorFlags struct {
	sites        []sensor.Site
	asterixSites map[asterix.SourceID]asterix.Site
	source       string
	date         string
	sceneTime    string
	sceneTimes   string
	format       string
}

func (o *sensorFlags) add(fs interface {
	Func(name, usage string, fn func(string) error)
	StringVar(p *string, name, value, usage string)
}, withFormat bool) {
	o.asterixSites = map[asterix.SourceID]asterix.Site{}
	fs.Func("site", "fixed radar `NAME=LAT,LON` for NMEA TTM without own-ship data (repeatable; NAME is the tag-block source or the file name)", func(v string) error {
		name, pos, ok := strings.Cut(v, "=")
		lat, lon, ok2 := strings.Cut(pos, ",")
		a, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		b, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
		if !ok || !ok2 || name == "" || err1 != nil || err2 != nil || a < -90 || a > 90 || b < -180 || b > 180 {
			return fmt.Errorf("want NAME=LAT,LON, got %q", v)
		}
		o.sites = append(o.sites, sensor.Site{Name: name, Lat: a, Lon: b})
		return nil
	})
	fs.Func("asterix-site", "ASTERIX radar site `SAC/SIC=LAT,LON[,HEIGHT_M]` for CAT 048 polar positions (repeatable)", func(v string) error {
		id, s, err := parseSite(v)
		if err == nil {
			o.asterixSites[id] = s
		}
		return err
	})
	fs.StringVar(&o.source, "source", "", "source name of NMEA radar lines without a tag-block s: field (default: the file name)")
	fs.StringVar(&o.date, "date", "", "UTC date (YYYY-MM-DD) for NMEA times without a date and for raw ASTERIX recordings")
	fs.StringVar(&o.sceneTime, "time", "", "acquisition time (RFC 3339) of xView3 scenes not in --scene-times")
	fs.StringVar(&o.sceneTimes, "scene-times", "", "CSV `FILE` of scene_id,time (RFC 3339) for xView3 scenes")
	o.format = "auto"
	if withFormat {
		fs.StringVar(&o.format, "format", "auto", "input format: auto, radar-nmea, asterix, gfw-sar, xview3, viirs or geojson")
	}
}

// sensorOptions is the parsed form of sensorFlags.
type sensorOptions struct {
	radar   sensor.RadarOptions
	sat     sensor.SatOptions
	asterix sensor.AsterixOptions
	format  sensor.Format // FormatUnknown: sniff
}

func (o *sensorFlags) options() (sensorOptions, error) {
	var so sensorOptions
	so.radar = sensor.RadarOptions{Sites: o.sites}
	so.asterix = sensor.AsterixOptions{Sites: o.asterixSites}
	if o.date != "" {
		d, err := time.Parse("2006-01-02", o.date)
		if err != nil {
			return so, fmt.Errorf("--date %q: want YYYY-MM-DD", o.date)
		}
		so.radar.Date, so.asterix.Date = d, d
	}
	if o.sceneTime != "" {
		t, err := time.Parse(time.RFC3339Nano, o.sceneTime)
		if err != nil {
			return so, fmt.Errorf("--time %q: want RFC 3339", o.sceneTime)
		}
		so.sat.Time = t
	}
	if o.sceneTimes != "" {
		m, err := readSceneTimes(o.sceneTimes)
		if err != nil {
			return so, err
		}
		so.sat.SceneTimes = m
	}
	switch o.format {
	case "auto":
	default:
		found := false
		for f := sensor.FormatRadarNMEA; f <= sensor.FormatASTERIX; f++ {
			if f.String() == o.format {
				so.format, found = f, true
			}
		}
		if !found {
			return so, fmt.Errorf("--format %q: want auto, radar-nmea, asterix, gfw-sar, xview3, viirs or geojson", o.format)
		}
	}
	return so, nil
}

// readSceneTimes reads a CSV of scene_id,time (a header row is allowed).
func readSceneTimes(name string) (map[string]time.Time, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	m := map[string]time.Time{}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: want scene_id,time", name, line)
		}
		t, err := sensor.ParseTime(strings.TrimSpace(rec[1]))
		if err != nil {
			if line == 1 {
				continue // a header
			}
			return nil, fmt.Errorf("%s:%d: %q is not a time", name, line, rec[1])
		}
		m[strings.TrimSpace(rec[0])] = t.Std()
	}
}

func runDetections(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("detections", detectionsUsage, stderr)
	var sf sensorFlags
	sf.add(fs, true)
	stats := fs.Bool("stats", false, "print each file's format and counts on stderr, even when nothing was wrong")
	files, err := parseArgs(fs, args)
	if err != nil {
		return helpOK(err)
	}
	if len(files) == 0 {
		return usageError(fs, stderr, "no input files (use - for standard input)")
	}
	so, err := sf.options()
	if err != nil {
		return usageError(fs, stderr, "%v", err)
	}
	w := bufio.NewWriterSize(stdout, 64<<10)
	var buf []byte
	emit := func(d *vessel.Detection) error {
		buf = appendJSONObject(buf[:0], detectionRecord(d))
		buf = append(buf, '\n')
		_, err := w.Write(buf)
		return err
	}
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, st, err := readSensorFile(name, stdin, so, emit)
		if errors.Is(err, errNotSensor) {
			w.Flush()
			return fmt.Errorf("%s: not a radar or satellite detection file (see tidewatch detections -h)", name)
		}
		if err != nil {
			w.Flush()
			return fmt.Errorf("%s: %w", name, err)
		}
		if *stats && st.Errors == 0 {
			fmt.Fprintf(stderr, "tidewatch detections: %s (%s): %d lines, %d detections, %d skipped, 0 bad lines\n",
				name, f, st.Lines, st.Detections, st.Skipped)
		}
		reportSensorStats(stderr, "detections", name, f, st)
	}
	return w.Flush()
}

// reportSensorStats writes a file's counts and first bad lines to stderr
// when something was wrong with it.
func reportSensorStats(stderr io.Writer, cmd, name string, f sensor.Format, st sensor.Stats) {
	if st.Errors == 0 {
		return
	}
	fmt.Fprintf(stderr, "tidewatch %s: %s (%s): %d lines, %d detections, %d skipped, %d bad lines\n", cmd, name, f,
		st.Lines, st.Detections, st.Skipped, st.Errors)
	for _, e := range st.Samples {
		fmt.Fprintf(stderr, "  %v\n", e)
	}
}

var errNotSensor = errors.New("not a sensor file")

// sniffSensorFile reports the sensor format of a named file's content
// (plain or gzip), FormatUnknown when it holds no sensor format.
func sniffSensorFile(name string) (sensor.Format, error) {
	rc, err := ingest.Open(name, nil)
	if err != nil {
		return sensor.FormatUnknown, err
	}
	defer rc.Close()
	head, _ := bufio.NewReaderSize(rc, sniffSize).Peek(sniffSize)
	return sensor.Sniff(head), nil
}

// sniffSize is how much of an input Sniff looks at.
const sniffSize = 64 << 10

// readSensorFile reads one detection file and calls emit for each
// detection; errNotSensor when its content is no sensor format.
func readSensorFile(name string, stdin io.Reader, so sensorOptions, emit func(*vessel.Detection) error) (sensor.Format, sensor.Stats, error) {
	rc, err := ingest.Open(name, stdin)
	if err != nil {
		return 0, sensor.Stats{}, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, sniffSize)
	f := so.format
	head, _ := br.Peek(sniffSize)
	switch f {
	case sensor.FormatUnknown:
		if f = sensor.Sniff(head); f == sensor.FormatUnknown {
			return f, sensor.Stats{}, errNotSensor
		}
	case sensor.FormatGFW, sensor.FormatXView3, sensor.FormatVIIRS:
		// ReadSat follows the header: a forced layout must be the one the
		// header names.
		line, _, _ := bytes.Cut(head, []byte("\n"))
		if got := sensor.SniffCSV(string(line)); got != f {
			return f, sensor.Stats{}, fmt.Errorf("the header is not %s (%w)", f, sensor.ErrHeader)
		}
	}
	st, err := readSensor(br, name, f, so, emit)
	return f, st, err
}

// readSensor reads input of a known sensor format.
func readSensor(r io.Reader, name string, f sensor.Format, so sensorOptions, emit func(*vessel.Detection) error) (sensor.Stats, error) {
	switch f {
	case sensor.FormatRadarNMEA:
		opt := so.radar
		if opt.Source == "" {
			opt.Source = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
			if name == "-" {
				opt.Source = "radar"
			}
		}
		return sensor.ReadRadar(r, opt, emit)
	case sensor.FormatASTERIX:
		return sensor.ReadAsterix(r, so.asterix, emit)
	case sensor.FormatGeoJSON:
		return sensor.ReadGeoJSON(r, so.sat, emit)
	default:
		_, st, err := sensor.ReadSat(r, so.sat, emit)
		return st, err
	}
}

// detectionRecord is the output object of a detection.
func detectionRecord(d *vessel.Detection) record {
	r := record{
		str("time", d.Time.String()),
		flt("lat", d.Lat, 6),
		flt("lon", d.Lon, 6),
		str("sensor", d.Sensor.String()),
		str("source", d.Source),
		optStr("target", d.Target),
		optStr("scene", d.Scene),
	}
	if d.PosErrM > 0 {
		r = append(r, flt("pos_err_m", d.PosErrM, 1))
	}
	if d.Has&vessel.HasMotion != 0 {
		r = append(r, flt("speed_kn", d.SpeedKn, 1), flt("course_deg", d.CourseDeg, 1))
	}
	if d.Has&vessel.HasLength != 0 {
		r = append(r, flt("length_m", d.LengthM, 1))
	}
	if d.Has&vessel.HasScore != 0 {
		r = append(r, flt("score", d.Score, 3))
	}
	if d.Has&vessel.HasPolar != 0 {
		r = append(r, flt("range_m", d.RangeM, 1), flt("bearing_deg", d.BearingDeg, 2),
			flt("sensor_lat", d.SensorLat, 6), flt("sensor_lon", d.SensorLon, 6))
	}
	if d.Name != "" {
		r = append(r, str("name", d.Name))
	}
	if d.Status != 0 {
		r = append(r, str("status", string(rune(d.Status))))
	}
	return r
}

// isSensorSimFormat reports whether a simulate --format is one of the
// radar and satellite scenario outputs.
func isSensorSimFormat(f string) bool { return f == "radar" || f == "radar-ais" || f == "sar" }

// simulateSensor writes a radar scenario's radar NMEA, AIS or SAR CSV.
func simulateSensor(o simOptions, w *bufio.Writer, stderr io.Writer, start time.Time) error {
	// The scenario is laid out for six hours: ships sail out of the
	// gulf in a day.
	sc := simulate.NewRadarScenario(simulate.RadarConfig{Start: vessel.TimeOf(o.from), Duration: min(o.duration, 6*time.Hour)},
		rand.New(rand.NewPCG(o.seed, 0x7469646577617463)))
	var err error
	switch o.format {
	case "radar":
		err = sc.WriteRadarNMEA(w)
	case "sar":
		err = sc.WriteSARCSV(w)
	case "radar-ais":
		err = writeScenarioAIS(w, sc)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	site := sc.Radars[1]
	fmt.Fprintf(stderr, "tidewatch simulate: %d ships, %d AIS reports, %d radar reports, %d SAR detections in %v; fixed radar site: --site %s=%.6f,%.6f\n",
		len(sc.Ships), len(sc.AIS), len(sc.Radar), len(sc.SAR), time.Since(start).Round(time.Millisecond), site.Name, site.Pos.Lat, site.Pos.Lon)
	return nil
}

// writeScenarioAIS writes a scenario's AIS positions in the track CSV
// layout that ingest reads, with names and ship types from its static
// reports.
func writeScenarioAIS(w *bufio.Writer, sc *simulate.RadarScenario) error {
	w.WriteString("mmsi,timestamp,lat,lon,sog_knots,cog_deg,heading,nav_status,name,ship_type\n")
	names := map[vessel.MMSI]*simulate.Ship{}
	for i := range sc.Ships {
		names[sc.Ships[i].MMSI] = &sc.Ships[i]
	}
	types := map[vessel.MMSI]uint8{}
	for i := range sc.AIS {
		if o := &sc.AIS[i]; o.Kind == vessel.KindStatic {
			types[o.Static.MMSI] = o.Static.ShipType
		}
	}
	var b []byte
	for i := range sc.AIS {
		o := &sc.AIS[i]
		if o.Kind != vessel.KindPosition {
			continue
		}
		p := &o.Position
		v := simulate.Vessel{ShipType: types[p.MMSI]}
		if sh := names[p.MMSI]; sh != nil {
			v.Name = sh.Name
		}
		b = appendTrackCSV(b[:0], p, &v)
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// sensorIngest is ingest's handling of radar and satellite detection
// files: it recognises them by content (so that they are not read as AIS)
// and reads them, counting detections and bad lines. Detections go to
// sink; with a nil sink they are counted only (the contact store that
// associates them with AIS is not there yet).
type sensorIngest struct {
	opts       sensorOptions
	sink       func(*vessel.Detection) error
	files      int
	detections map[string]int64 // by format
	bad        int64
}

// file reads name if it holds a sensor format and reports whether it
// did. For "-" it replaces *stdin with a buffered reader that still holds
// what it looked at.
func (s *sensorIngest) file(name string, stdin *io.Reader, stderr io.Writer) (bool, error) {
	var f sensor.Format
	var br *bufio.Reader
	if name == "-" {
		br = bufio.NewReaderSize(*stdin, sniffSize)
		*stdin = br
		head, _ := br.Peek(sniffSize)
		if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
			head = gunzipPrefix(head)
		}
		f = sensor.Sniff(head)
	} else {
		var err error
		if f, err = sniffSensorFile(name); err != nil {
			return false, err
		}
	}
	if f == sensor.FormatUnknown {
		return false, nil
	}
	count := func(d *vessel.Detection) error {
		if s.sink != nil {
			return s.sink(d)
		}
		return nil
	}
	so := s.opts
	so.format = f
	var st sensor.Stats
	var err error
	if br != nil {
		rc, oerr := ingest.Open("-", br)
		if oerr != nil {
			return true, oerr
		}
		st, err = readSensor(rc, name, f, so, count)
		rc.Close()
	} else {
		_, st, err = readSensorFile(name, nil, so, count)
	}
	if s.detections == nil {
		s.detections = map[string]int64{}
	}
	s.files++
	s.detections[f.String()] += st.Detections
	s.bad += st.Errors
	reportSensorStats(stderr, "ingest", name, f, st)
	return true, err
}

// gunzipPrefix decompresses as much of a gzip prefix as it can.
func gunzipPrefix(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, sniffSize))
	return out
}

// summary writes a line about the detection files read, if any.
func (s *sensorIngest) summary(w io.Writer) {
	if s.files == 0 {
		return
	}
	var parts []string
	for _, f := range []sensor.Format{sensor.FormatRadarNMEA, sensor.FormatASTERIX, sensor.FormatGFW, sensor.FormatXView3, sensor.FormatVIIRS, sensor.FormatGeoJSON} {
		if n, ok := s.detections[f.String()]; ok {
			parts = append(parts, fmt.Sprintf("%d %s", n, f))
		}
	}
	fmt.Fprintf(w, "detections: %s in %d radar/satellite files, %d bad lines (read and checked; contacts are not stored yet)\n",
		strings.Join(parts, ", "), s.files, s.bad)
}
