package simulate

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// SARScene is one satellite SAR pass of a RadarScenario.
type SARScene struct {
	ID   string // scene id, Sentinel-1 style
	Time vessel.Time
	// Footprint is the area imaged: every ship in it may be detected.
	Footprint geo.Rect
	// HeadingDeg is the satellite's ground track; it looks to the right
	// (HeadingDeg+90), and a target moving towards or away from it appears
	// shifted along track by ShiftPerMS metres per m/s of radial speed.
	HeadingDeg float64
	ShiftPerMS float64
}

// SatReport is one satellite detection with its ground truth.
type SatReport struct {
	Det vessel.Detection
	// Ship is the index in RadarScenario.Ships of the ship detected, or
	// FalseAlarm.
	Ship int
	// DetectID is the detection's id in its scene (the CSV detect_id).
	DetectID string
}

// sar generates the SAR passes: every ship in the footprint is detected
// with a probability that falls with its length (most ships of 30 m and
// more, four in five of 15-30 m, one in three small craft), at its true
// position plus 30 m of noise and the along-track shift of its radial
// speed, with a length estimate within about 20% and a presence score of
// 0.6-1; three low-score false alarms per scene.
func (sc *RadarScenario) sar(rng *rand.Rand) {
	for pi, off := range sc.Config.SARPasses {
		t := sc.Start + vessel.Time(off.Milliseconds())
		if t >= sc.End {
			continue
		}
		ts := t.Std()
		scene := SARScene{
			ID: fmt.Sprintf("S1A_IW_GRDH_1SDV_%s_%s_%06d_SIM%03d", ts.Format("20060102T150405"),
				ts.Add(25*time.Second).Format("20060102T150405"), 50000+pi, pi),
			Time:       t,
			Footprint:  geo.RectAround(sc.Config.Center, 60000),
			HeadingDeg: 190, // descending pass
			ShiftPerMS: 100,
		}
		if pi%2 == 1 {
			scene.HeadingDeg = 350 // ascending
		}
		sc.Scenes = append(sc.Scenes, scene)
		look := scene.HeadingDeg + 90
		n := 0
		add := func(p geo.Point, length, score float64, ship int) {
			n++
			id := fmt.Sprintf("%s;%d", scene.ID, n)
			sc.SAR = append(sc.SAR, SatReport{Ship: ship, DetectID: id, Det: vessel.Detection{
				Time: t, Sensor: vessel.SensorSatellite, Source: "sar", Target: id, Scene: scene.ID,
				Lat: round6(p.Lat), Lon: round6(p.Lon), PosErrM: 30,
				Has:     vessel.HasLength | vessel.HasScore,
				LengthM: math.Round(length*10) / 10, Score: math.Round(score*1000) / 1000,
			}})
		}
		for i := range sc.Ships {
			s := &sc.Ships[i]
			p, sog, cog := s.At(t)
			if !scene.Footprint.Contains(p) {
				continue
			}
			pd := 0.98
			switch {
			case s.LengthM < 15:
				pd = 0.35
			case s.LengthM < 30:
				pd = 0.8
			}
			if rng.Float64() >= pd {
				continue
			}
			// Radial speed: the component of the motion along the look
			// direction (away from the radar positive), m/s. Focused at
			// zero Doppler, a target moving away from the radar appears
			// behind its true position along track, one moving towards it
			// ahead (Raney 1971's "train off the track").
			vr := sog * knot * math.Cos((cog-look)*math.Pi/180)
			p = geo.Destination(p, scene.HeadingDeg, -vr*scene.ShiftPerMS)
			p = geo.Destination(p, rng.Float64()*360, math.Abs(rng.NormFloat64())*30)
			add(p, s.LengthM*math.Exp(rng.NormFloat64()*0.2), 0.6+0.4*rng.Float64(), i)
		}
		for range 3 {
			p := geo.Destination(sc.Config.Center, rng.Float64()*360, rng.Float64()*55000)
			add(p, 10+rng.Float64()*30, 0.05+0.35*rng.Float64(), FalseAlarm)
		}
	}
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// SARCSVHeader is the header line WriteSARCSV writes: the Global Fishing
// Watch SAR detection columns.
const SARCSVHeader = "scene_id,detect_id,detect_timestamp,detect_lat,detect_lon,inferred_length_m,inferred_presence"

// WriteSARCSV writes the satellite detections as a Global Fishing Watch
// style CSV (SARCSVHeader), one row per detection, in scene order.
func (sc *RadarScenario) WriteSARCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(SARCSVHeader + "\n")
	var b []byte
	for i := range sc.SAR {
		d := &sc.SAR[i].Det
		b = append(b[:0], d.Scene...)
		b = append(b, ',')
		b = append(b, sc.SAR[i].DetectID...)
		b = append(b, ',')
		b = d.Time.Std().AppendFormat(b, "2006-01-02 15:04:05 UTC")
		b = append(b, ',')
		b = strconv.AppendFloat(b, d.Lat, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, d.Lon, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, d.LengthM, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, d.Score, 'f', -1, 64)
		b = append(b, '\n')
		bw.Write(b)
	}
	return bw.Flush()
}
