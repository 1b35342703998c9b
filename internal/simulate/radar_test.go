package simulate_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func scenario(t testing.TB, seed uint64) *simulate.RadarScenario {
	t.Helper()
	return simulate.NewRadarScenario(simulate.RadarConfig{}, rand.New(rand.NewPCG(seed, 0)))
}

func TestRadarScenarioDeterministic(t *testing.T) {
	a, b := scenario(t, 7), scenario(t, 7)
	if len(a.Radar) != len(b.Radar) || len(a.AIS) != len(b.AIS) || len(a.SAR) != len(b.SAR) {
		t.Fatalf("same seed, different sizes: %d/%d radar, %d/%d AIS, %d/%d SAR",
			len(a.Radar), len(b.Radar), len(a.AIS), len(b.AIS), len(a.SAR), len(b.SAR))
	}
	for i := range a.Radar {
		if a.Radar[i] != b.Radar[i] {
			t.Fatalf("radar report %d differs: %+v, %+v", i, a.Radar[i], b.Radar[i])
		}
	}
	var wa, wb bytes.Buffer
	a.WriteRadarNMEA(&wa)
	b.WriteRadarNMEA(&wb)
	if !bytes.Equal(wa.Bytes(), wb.Bytes()) {
		t.Error("same seed, different NMEA")
	}
	c := scenario(t, 8)
	if len(c.Radar) == len(a.Radar) && c.Radar[10] == a.Radar[10] {
		t.Error("another seed gives the same scenario")
	}
}

// TestRadarGroundTruth checks every radar report against the truth: its
// position is where the ship it says it is was (within the noise), and
// the scenario has what the association tests need.
func TestRadarGroundTruth(t *testing.T) {
	sc := scenario(t, 1)
	if len(sc.Radar) < 20000 {
		t.Fatalf("only %d radar reports in six hours", len(sc.Radar))
	}
	roles := map[simulate.Role]int{}
	for _, s := range sc.Ships {
		roles[s.Role]++
	}
	for _, r := range []simulate.Role{simulate.RolePatrol, simulate.RoleAnchored, simulate.RoleConvoy, simulate.RoleTransit,
		simulate.RoleFishing, simulate.RoleSmallCraft, simulate.RoleDark, simulate.RoleSilent, simulate.RoleSpoofer} {
		if roles[r] == 0 {
			t.Errorf("no %v ship", r)
		}
	}
	var false_, maxSigma float64
	seen := map[int]int{}
	numShips := map[string]map[int]bool{} // source/target -> ships
	last := map[[2]int]vessel.Time{}      // radar, ship -> last report
	gaps := 0
	for i, r := range sc.Radar {
		d := r.Det
		if i > 0 && d.Time < sc.Radar[i-1].Det.Time {
			t.Fatalf("report %d out of time order", i)
		}
		if d.Sensor != vessel.SensorRadar || d.Target == "" || d.PosErrM <= 0 || d.Has&vessel.HasPolar == 0 {
			t.Fatalf("report %d incomplete: %+v", i, d)
		}
		key := d.Source + "/" + d.Target
		if numShips[key] == nil {
			numShips[key] = map[int]bool{}
		}
		numShips[key][r.Ship] = true
		if r.Ship == simulate.FalseAlarm {
			false_++
			continue
		}
		s := &sc.Ships[r.Ship]
		seen[r.Ship]++
		p, _, _ := s.At(d.Time)
		miss := geo.Distance(p, geo.Point{Lat: d.Lat, Lon: d.Lon})
		if sig := miss / d.PosErrM; sig > maxSigma {
			maxSigma = sig
		}
		if s.LengthM < 15 && d.RangeM > 8500 {
			t.Errorf("small craft %d seen at %.0f m", r.Ship, d.RangeM)
		}
		ri := 0
		if d.Source == "site" {
			ri = 1
		}
		k := [2]int{ri, r.Ship}
		if l, ok := last[k]; ok && d.Time-l > 10_000 && d.Time-l <= 30_000 {
			gaps++
		}
		last[k] = d.Time
	}
	if maxSigma > 6 {
		t.Errorf("a report is %.1f sigma from its ship", maxSigma)
	}
	if false_ == 0 || false_ > 0.02*float64(len(sc.Radar)) {
		t.Errorf("%.0f clutter reports of %d", false_, len(sc.Radar))
	}
	if gaps < 100 {
		t.Errorf("only %d missed scans", gaps)
	}
	recycled := 0
	for _, ships := range numShips {
		if len(ships) > 1 {
			recycled++
		}
	}
	if recycled < 5 {
		t.Errorf("only %d target numbers recycled", recycled)
	}
	for i, s := range sc.Ships {
		if i != sc.Patrol && seen[i] == 0 && (s.Role == simulate.RoleDark || s.Role == simulate.RoleSilent || s.Role == simulate.RoleSpoofer) {
			t.Errorf("ship %d (%v) never seen by radar", i, s.Role)
		}
	}
}

func TestRadarScenarioAIS(t *testing.T) {
	sc := scenario(t, 2)
	byMMSI := map[vessel.MMSI]*simulate.Ship{}
	for i := range sc.Ships {
		if m := sc.Ships[i].MMSI; m != 0 {
			byMMSI[m] = &sc.Ships[i]
		}
	}
	var spoofed, silentAfter, count int
	for i, o := range sc.AIS {
		if i > 0 && o.Time() < sc.AIS[i-1].Time() {
			t.Fatalf("AIS %d out of order", i)
		}
		s := byMMSI[o.MMSI()]
		if s == nil {
			t.Fatalf("AIS from unknown MMSI %v", o.MMSI())
		}
		if o.Kind != vessel.KindPosition {
			if l, ok := o.Static.Length(); !ok || math.Abs(float64(l)-s.LengthM) > 1 {
				t.Errorf("static length %d, ship %.1f", l, s.LengthM)
			}
			continue
		}
		count++
		if s.SilentFrom != 0 && o.Position.Time >= s.SilentFrom {
			silentAfter++
		}
		p, _, _ := s.At(o.Position.Time)
		d := geo.Distance(p, geo.Point{Lat: o.Position.Lat, Lon: o.Position.Lon})
		switch {
		case s.Role == simulate.RoleSpoofer:
			if math.Abs(d-s.SpoofOffset.Metres) > 50 {
				t.Errorf("spoofer AIS %.0f m from truth, want %.0f", d, s.SpoofOffset.Metres)
			}
			spoofed++
		case d > 30:
			t.Errorf("AIS of %v %.0f m from truth", s.Role, d)
		}
	}
	if spoofed == 0 || silentAfter != 0 || count < 10000 {
		t.Errorf("%d spoofed, %d after silence, %d positions", spoofed, silentAfter, count)
	}
}

func TestSARGroundTruth(t *testing.T) {
	sc := scenario(t, 3)
	if len(sc.Scenes) != 2 {
		t.Fatalf("%d scenes", len(sc.Scenes))
	}
	var alarms, small, smallShips int
	for _, s := range sc.Ships {
		if s.LengthM < 15 {
			smallShips++
		}
	}
	for _, r := range sc.SAR {
		d := r.Det
		if d.Sensor != vessel.SensorSatellite || d.Has&vessel.HasScore == 0 {
			t.Fatalf("incomplete %+v", d)
		}
		if r.Ship == simulate.FalseAlarm {
			alarms++
			if d.Score >= 0.5 {
				t.Errorf("false alarm with score %.2f", d.Score)
			}
			continue
		}
		s := &sc.Ships[r.Ship]
		if s.LengthM < 15 {
			small++
		}
		p, sog, _ := s.At(d.Time)
		// 30 m of noise (5 sigma) plus 100 m per m/s of radial speed.
		if m := geo.Distance(p, geo.Point{Lat: d.Lat, Lon: d.Lon}); m > 150+100*sog*1852/3600 {
			t.Errorf("%v detected %.0f m from truth at %.1f kn", s.Role, m, sog)
		}
	}
	if alarms != 6 {
		t.Errorf("%d false alarms, want 3 per scene", alarms)
	}
	if small >= 2*smallShips {
		t.Errorf("all %d small craft detected in both passes", smallShips)
	}
	var buf bytes.Buffer
	if err := sc.WriteSARCSV(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != simulate.SARCSVHeader || len(lines) != len(sc.SAR)+1 {
		t.Errorf("CSV: %d lines, header %q", len(lines), lines[0])
	}
}

func TestWriteRadarNMEA(t *testing.T) {
	sc := simulate.NewRadarScenario(simulate.RadarConfig{RelativeBearings: true}, rand.New(rand.NewPCG(4, 0)))
	var buf bytes.Buffer
	if err := sc.WriteRadarNMEA(&buf); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		// \tag*hh\$body*hh
		parts := strings.Split(line, "\\")
		if len(parts) != 3 || !checksumOK(parts[1]) || !strings.HasPrefix(parts[2], "$") || !checksumOK(parts[2][1:]) {
			t.Fatalf("bad line %q", line)
		}
		count[parts[2][3:6]]++
		if parts[2][3:6] == "TTM" && !strings.Contains(parts[2], ",R,") {
			t.Fatalf("TTM with a true bearing: %q", line)
		}
	}
	ttm := 0
	for _, r := range sc.Radar {
		if r.Sentence == "TTM" {
			ttm++
		}
	}
	if count["RMC"] != len(sc.OwnShip) || count["HDT"] != len(sc.OwnShip) || count["TTM"] != ttm || count["TLL"] != len(sc.Radar)-ttm {
		t.Errorf("sentences %v; want %d own-ship fixes, %d TTM, %d TLL", count, len(sc.OwnShip), ttm, len(sc.Radar)-ttm)
	}
}

func checksumOK(s string) bool {
	star := strings.LastIndexByte(s, '*')
	if star < 0 || star+3 != len(s) {
		return false
	}
	var x byte
	for i := 0; i < star; i++ {
		x ^= s[i]
	}
	const hex = "0123456789ABCDEF"
	return s[star+1] == hex[x>>4] && s[star+2] == hex[x&15]
}

func BenchmarkNewRadarScenario(b *testing.B) {
	for b.Loop() {
		scenario(b, 1)
	}
}
