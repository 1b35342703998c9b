package sensor

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Format is an input layout this package reads.
type Format uint8

const (
	FormatUnknown   Format = iota
	FormatRadarNMEA        // NMEA 0183 radar sentences (TTM, TLL, OSD, RSD)
	FormatGFW              // Global Fishing Watch SAR detections CSV
	FormatXView3           // xView3 SAR labels CSV
	FormatVIIRS            // VIIRS boat detections (EOG VBD) CSV
	FormatGeoJSON          // GeoJSON points with a time property
	FormatASTERIX          // ASTERIX CAT 048/062 (pcap or raw data blocks)
)

var formatNames = [...]string{"unknown", "radar-nmea", "gfw-sar", "xview3", "viirs", "geojson", "asterix"}

// String returns the format's name: "radar-nmea", "gfw-sar", "xview3",
// "viirs", "geojson", "asterix" or "unknown". It is also the default
// Detection.Source of satellite formats.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// SatOptions configures ReadSat. The zero value reads files whose rows
// carry their own times.
type SatOptions struct {
	// Source is every Detection's Source; "" means the format's name
	// ("gfw-sar", "xview3", "viirs", "geojson").
	Source string
	// SceneTimes gives the acquisition time of xView3 scenes by scene id
	// (xView3 rows have no time).
	SceneTimes map[string]time.Time
	// Time is the time of xView3 rows whose scene is not in SceneTimes and
	// whose scene id is not a Sentinel-1 product name (which holds its
	// start time); zero means none: such rows fail with ErrNoTime.
	Time time.Time
	// PosErrM is every Detection's PosErrM; 0 means the format's default:
	// 30 m for SAR (GFW, xView3, GeoJSON), 400 m for VIIRS (742 m pixels).
	PosErrM float64
}

// column names, lower case, with the aliases accepted.
var (
	colScene     = []string{"scene_id"}
	colID        = []string{"detect_id", "id_key", "id"}
	colTime      = []string{"detect_timestamp", "timestamp", "date_mscan"}
	colLat       = []string{"detect_lat", "lat_dnb", "lat"}
	colLon       = []string{"detect_lon", "lon_dnb", "lon"}
	colLength    = []string{"inferred_length_m", "vessel_length_m", "length_m"}
	colPresence  = []string{"inferred_presence", "presence_score", "confidence"}
	colRadiance  = []string{"rad_dnb"}
	colQF        = []string{"qf_detect"}
	colSceneRow  = []string{"detect_scene_row"}
	colIsVessel  = []string{"is_vessel"}
	colVesselLen = []string{"vessel_length_m"}
)

// header maps the columns of a CSV header.
type header map[string]int

func (h header) col(names []string) int {
	for _, n := range names {
		if i, ok := h[n]; ok {
			return i
		}
	}
	return -1
}

func newHeader(cells []string) header {
	h := header{}
	for i, c := range cells {
		c = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")))
		if _, dup := h[c]; !dup {
			h[c] = i
		}
	}
	return h
}

// SniffCSV returns the satellite layout a CSV header names: VIIRS when it
// has Lat_DNB, Lon_DNB and Date_Mscan; GFW when it has detect_lat,
// detect_lon and detect_timestamp; xView3 when it has detect_lat and
// detect_lon with vessel_length_m or detect_scene_row and no time;
// FormatUnknown otherwise. Column names are matched without regard to
// case.
func SniffCSV(headerLine string) Format {
	r := csv.NewReader(strings.NewReader(headerLine))
	cells, err := r.Read()
	if err != nil {
		return FormatUnknown
	}
	return sniffHeader(newHeader(cells))
}

func sniffHeader(h header) Format {
	has := func(n string) bool { _, ok := h[n]; return ok }
	switch {
	case has("lat_dnb") && has("lon_dnb") && has("date_mscan"):
		return FormatVIIRS
	case has("detect_lat") && has("detect_lon") && has("detect_timestamp"):
		return FormatGFW
	case has("detect_lat") && has("detect_lon") && (has("vessel_length_m") || has("detect_scene_row")):
		return FormatXView3
	}
	return FormatUnknown
}

// ReadSat reads a satellite detection CSV (GFW, xView3 or VIIRS,
// recognised by its header) and calls emit for every detection. Bad rows
// are counted in Stats with their line numbers, never fatal; the error is
// ErrHeader (wrapped in a LineError) for an unknown header, or the first
// error from rd or emit.
//
// Rows become Detections with Sensor satellite, Target the detection id
// (detect_id, id_Key; "" when none), Scene the scene id (VIIRS: "" as its
// rows carry none), LengthM from the length column, and Score from the
// presence column: GFW inferred_presence as is (clamped to [0, 1]),
// xView3 confidence HIGH 0.9, MEDIUM 0.6, LOW 0.3 or a number, VIIRS from
// QF_Detect: 1 (boat) 1.0, 2 (weak) and 3 (blurry) 0.5, 10 (weak and
// blurry) 0.3. VIIRS rows flagged as other lights (4 gas flare, 7 glow, 8
// recurring light, 11 platform, others) and xView3 rows with is_vessel
// false are not vessels: they are skipped and counted in Stats.Skipped.
func ReadSat(rd io.Reader, opt SatOptions, emit func(*vessel.Detection) error) (Format, Stats, error) {
	var st Stats
	r := csv.NewReader(rd)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.LazyQuotes = true
	cells, err := r.Read()
	if err != nil {
		if err == io.EOF {
			err = &LineError{Line: 1, Err: ErrHeader}
		}
		return FormatUnknown, st, err
	}
	h := newHeader(cells)
	f := sniffHeader(h)
	if f == FormatUnknown {
		return f, st, &LineError{Line: 1, Err: ErrHeader}
	}
	st.Lines++
	s := satReader{opt: opt, f: f, ncol: len(cells),
		scene: h.col(colScene), id: h.col(colID), time: h.col(colTime), lat: h.col(colLat), lon: h.col(colLon),
		length: h.col(colLength), presence: h.col(colPresence), rad: h.col(colRadiance), qf: h.col(colQF),
		isVessel: h.col(colIsVessel)}
	if f == FormatXView3 {
		s.time = -1
		s.length = h.col(colVesselLen)
	}
	if s.opt.Source == "" {
		s.opt.Source = f.String()
	}
	if s.opt.PosErrM == 0 {
		s.opt.PosErrM = 30
		if f == FormatVIIRS {
			s.opt.PosErrM = 400
		}
	}
	for {
		cells, err := r.Read()
		if err == io.EOF {
			return f, st, nil
		}
		line, _ := r.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			st.Lines++
			st.fail(&LineError{Line: pe.StartLine, Err: ErrRow})
			continue
		}
		if err != nil {
			return f, st, err
		}
		st.Lines++
		d, skip, err := s.row(cells, line)
		switch {
		case err != nil:
			st.fail(err)
		case skip:
			st.Skipped++
		default:
			st.Detections++
			if err := emit(&d); err != nil {
				return f, st, err
			}
		}
	}
}

type satReader struct {
	opt                                             SatOptions
	f                                               Format
	ncol                                            int
	scene, id, time, lat, lon, length, presence, qf int
	rad, isVessel                                   int
}

func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// row converts one row.
func (s *satReader) row(cells []string, line int) (d vessel.Detection, skip bool, err error) {
	if len(cells) != s.ncol {
		return d, false, &LineError{Line: line, Err: ErrRow}
	}
	d.Sensor = vessel.SensorSatellite
	d.Source = s.opt.Source
	d.PosErrM = s.opt.PosErrM
	d.Scene = cell(cells, s.scene)
	d.Target = cell(cells, s.id)
	lat, err1 := strconv.ParseFloat(cell(cells, s.lat), 64)
	if err1 != nil || !(lat >= -90 && lat <= 90) {
		return d, false, fieldError(line, "latitude", "not a latitude")
	}
	lon, err2 := strconv.ParseFloat(cell(cells, s.lon), 64)
	if err2 != nil || !(lon >= -180 && lon <= 180) {
		return d, false, fieldError(line, "longitude", "not a longitude")
	}
	d.Lat, d.Lon = lat, lon
	if v := cell(cells, s.length); v != "" && !strings.EqualFold(v, "nan") {
		l, err := strconv.ParseFloat(v, 64)
		switch {
		case err != nil || math.IsNaN(l) || l < 0 || l > 1000:
			return d, false, fieldError(line, "length", "not a length in metres")
		case l > 0:
			d.LengthM = l
			d.Has |= vessel.HasLength
		}
	}
	switch s.f {
	case FormatXView3:
		if v := strings.ToLower(cell(cells, s.isVessel)); v == "false" || v == "0" {
			return d, true, nil
		}
		t, ok := s.sceneTime(d.Scene)
		if !ok {
			return d, false, &LineError{Line: line, Field: "scene_id", Err: ErrNoTime}
		}
		d.Time = t
	default:
		t, err := ParseTime(cell(cells, s.time))
		if err != nil {
			return d, false, fieldError(line, "time", err.Error())
		}
		d.Time = t
	}
	switch s.f {
	case FormatVIIRS:
		qf, err := strconv.Atoi(cell(cells, s.qf))
		if err != nil && cell(cells, s.qf) != "" {
			return d, false, fieldError(line, "QF_Detect", "not an integer")
		}
		switch qf {
		case 1, 0: // 0: no flag column
			d.Score = 1
		case 2, 3:
			d.Score = 0.5
		case 10:
			d.Score = 0.3
		default:
			return d, true, nil
		}
		if cell(cells, s.qf) != "" {
			d.Has |= vessel.HasScore
		}
	default:
		if v := cell(cells, s.presence); v != "" {
			sc, ok := score(v)
			if !ok {
				return d, false, fieldError(line, "score", "not a score")
			}
			d.Score = sc
			d.Has |= vessel.HasScore
		}
	}
	return d, false, nil
}

// score reads a presence or confidence score: a number (clamped to [0,
// 1]) or HIGH, MEDIUM, LOW.
func score(v string) (float64, bool) {
	switch strings.ToUpper(v) {
	case "HIGH":
		return 0.9, true
	case "MEDIUM":
		return 0.6, true
	case "LOW":
		return 0.3, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return math.Min(1, math.Max(0, f)), true
}

// sceneTime finds the time of an xView3 scene.
func (s *satReader) sceneTime(scene string) (vessel.Time, bool) {
	if t, ok := s.opt.SceneTimes[scene]; ok {
		return vessel.TimeOf(t), true
	}
	if t, ok := Sentinel1Time(scene); ok {
		return vessel.TimeOf(t), true
	}
	if !s.opt.Time.IsZero() {
		return vessel.TimeOf(s.opt.Time), true
	}
	return 0, false
}

// Sentinel1Time returns the start time of a Sentinel-1 product named
// like "S1A_IW_GRDH_1SDV_20200803T075720_20200803T075745_033756_03E95A_…".
func Sentinel1Time(name string) (time.Time, bool) {
	if len(name) < 3 || name[0] != 'S' || name[1] != '1' {
		return time.Time{}, false
	}
	for _, part := range strings.Split(name, "_") {
		if len(part) == 15 && part[8] == 'T' {
			if t, err := time.Parse("20060102T150405", part); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// timeLayouts are the row time layouts accepted, besides RFC 3339.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999 UTC",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006/01/02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

var errTime = errors.New("not a time")

// ParseTime reads a row time: RFC 3339, "2006-01-02 15:04:05[.fff][ UTC]"
// (BigQuery exports), "2006/01/02 15:04:05[.fff]" (VIIRS Date_Mscan), all
// UTC unless they carry a zone.
func ParseTime(s string) (vessel.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return vessel.TimeOf(t), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return vessel.TimeOf(t), nil
		}
	}
	return 0, errTime
}
