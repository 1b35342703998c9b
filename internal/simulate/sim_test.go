package simulate_test

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

var t2024 = vessel.TimeOf(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))

func land(tb testing.TB) *geo.LandMask {
	tb.Helper()
	m, err := geo.DefaultLand()
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// generate runs a simulation and returns every observation.
func generate(tb testing.TB, cfg simulate.Config, seed uint64, d time.Duration) (*simulate.Sim, []vessel.Observation) {
	tb.Helper()
	s := simulate.New(cfg, rand.New(rand.NewPCG(seed, 1)))
	var out []vessel.Observation
	err := s.Run(t2024, t2024+vessel.Time(d.Milliseconds()), func(o *vessel.Observation) error {
		out = append(out, *o)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s, out
}

func digest(obs []vessel.Observation) uint64 {
	h := fnv.New64a()
	for _, o := range obs {
		fmt.Fprintf(h, "%+v\n", o)
	}
	return h.Sum64()
}

func TestDeterministic(t *testing.T) {
	m := land(t)
	cfg := simulate.Config{Vessels: 200, Land: m, Noise: simulate.DefaultNoise(), Rate: 0.2}
	_, a := generate(t, cfg, 7, 6*time.Hour)
	_, b := generate(t, cfg, 7, 6*time.Hour)
	_, c := generate(t, cfg, 8, 6*time.Hour)
	if len(a) == 0 || len(a) != len(b) || digest(a) != digest(b) {
		t.Errorf("same seed: %d and %d observations, digests differ: %v", len(a), len(b), digest(a) != digest(b))
	}
	if digest(a) == digest(c) {
		t.Error("seeds 7 and 8 gave the same traffic")
	}
}

func TestTimeOrder(t *testing.T) {
	m := land(t)
	const hours = 12
	_, obs := generate(t, simulate.Config{Vessels: 300, Land: m}, 1, hours*time.Hour)
	end := t2024 + hours*3600_000
	for i, o := range obs {
		if o.Time() < t2024 || o.Time() >= end {
			t.Fatalf("observation %d at %v, outside the run", i, o.Time())
		}
		if i > 0 && o.Time() < obs[i-1].Time() {
			t.Fatalf("observation %d at %v after one at %v", i, o.Time(), obs[i-1].Time())
		}
	}
}

// TestNoise checks the faults Noise adds: duplicates right after their
// original from the second source, late reports out of order by at most
// ten minutes, positions not available, and jumps.
func TestNoise(t *testing.T) {
	m := land(t)
	noise := simulate.Noise{Duplicate: 0.05, Late: 0.02, Jump: 0.01, NoPosition: 0.01}
	_, obs := generate(t, simulate.Config{Vessels: 300, Land: m, Noise: noise, Rate: 0.5}, 3, 6*time.Hour)
	var pos, dups, lateN, noPos int
	var latest vessel.Time
	for i, o := range obs {
		if o.Kind != vessel.KindPosition {
			continue
		}
		pos++
		p := o.Position
		if p.Source == "sim-2" {
			dups++
		}
		if !p.HasPosition() {
			noPos++
		}
		if p.Time < latest {
			lateN++
			if latest-p.Time > 600_000 {
				t.Errorf("observation %d is %v late", i, time.Duration(latest-p.Time)*time.Millisecond)
			}
		}
		latest = max(latest, p.Time)
	}
	frac := func(n int) float64 { return float64(n) / float64(pos) }
	if f := frac(dups); math.Abs(f-0.05) > 0.01 {
		t.Errorf("duplicates %.4f; want about 0.05", f)
	}
	if f := frac(noPos); math.Abs(f-0.01) > 0.003 {
		t.Errorf("no position %.4f; want about 0.01", f)
	}
	if f := frac(lateN); f < 0.01 || f > 0.03 {
		t.Errorf("out of order %.4f; want about 0.02", f)
	}
}

func TestNotOnLand(t *testing.T) {
	m := land(t)
	_, obs := generate(t, simulate.Config{Vessels: 1000, Land: m, Rate: 0.1}, 4, 48*time.Hour)
	var n, on int
	for _, o := range obs {
		if o.Kind != vessel.KindPosition {
			continue
		}
		n++
		if m.OnLand(geo.Point{Lat: o.Position.Lat, Lon: o.Position.Lon}) {
			on++
		}
	}
	t.Logf("%d of %d positions on 1:50m land", on, n)
	if n < 100000 || float64(on) > 1e-4*float64(n) {
		t.Errorf("%d of %d positions on land; want at most 0.01%%", on, n)
	}
}

// TestSpeedMatchesSOG compares the distance between consecutive reports
// of a vessel with the time between them and the speeds it reported.
func TestSpeedMatchesSOG(t *testing.T) {
	m := land(t)
	_, obs := generate(t, simulate.Config{Vessels: 500, Land: m}, 5, 12*time.Hour)
	last := map[vessel.MMSI]vessel.Position{}
	var pairs, bad, moving int
	for _, o := range obs {
		if o.Kind != vessel.KindPosition {
			continue
		}
		p := o.Position
		q, ok := last[p.MMSI]
		last[p.MMSI] = p
		if !ok || p.Time-q.Time < 1000 {
			continue
		}
		d := geo.Distance(geo.Point{Lat: q.Lat, Lon: q.Lon}, geo.Point{Lat: p.Lat, Lon: p.Lon})
		implied := d / (float64(p.Time-q.Time) / 1000) / (1852.0 / 3600)
		a, _ := q.SOG.Knots()
		b, _ := p.SOG.Knots()
		sog := (a + b) / 2
		pairs++
		if sog > 1 {
			moving++
		}
		if math.Abs(implied-sog) > 0.5+0.05*sog {
			bad++
		}
	}
	t.Logf("%d pairs (%d moving), %d inconsistent", pairs, moving, bad)
	if moving < pairs/5 || float64(bad) > 0.01*float64(pairs) {
		t.Errorf("%d of %d consecutive reports disagree with their SOG (%d moving); want at most 1%%", bad, pairs, moving)
	}
}

func TestFleet(t *testing.T) {
	m := land(t)
	const n = 5000
	s := simulate.New(simulate.Config{Vessels: n, Land: m}, rand.New(rand.NewPCG(2, 2)))
	fleet := s.Vessels()
	if len(fleet) != n {
		t.Fatalf("%d vessels; want %d", len(fleet), n)
	}
	kinds := map[simulate.Kind]int{}
	seen := map[vessel.MMSI]bool{}
	for _, v := range fleet {
		kinds[v.Kind]++
		if !v.MMSI.Valid() || v.MMSI.Class() != vessel.ClassShip {
			t.Errorf("%s: MMSI %v not a valid ship station", v.Name, v.MMSI)
		}
		if seen[v.MMSI] {
			t.Errorf("MMSI %v used twice", v.MMSI)
		}
		seen[v.MMSI] = true
		if v.Name == "" || len(v.Name) > 20 || len(v.CallSign) > 7 {
			t.Errorf("%v: name %q, call sign %q", v.MMSI, v.Name, v.CallSign)
		}
		if v.IMO != 0 && !simulate.ValidIMO(v.IMO) {
			t.Errorf("%v: IMO %d has a wrong check digit", v.MMSI, v.IMO)
		}
		if v.ToBow+v.ToStern == 0 || v.ToBow > 511 || v.ToStern > 511 || v.ToPort > 63 || v.ToStarboard > 63 {
			t.Errorf("%v: dimensions %d %d %d %d", v.MMSI, v.ToBow, v.ToStern, v.ToPort, v.ToStarboard)
		}
		wantType := map[simulate.Kind][2]uint8{
			simulate.Cargo: {70, 79}, simulate.Tanker: {80, 89}, simulate.Fishing: {30, 30},
			simulate.Passenger: {40, 69}, simulate.Tug: {31, 52}, simulate.Pleasure: {36, 37}, simulate.Other: {33, 55},
		}[v.Kind]
		if v.ShipType < wantType[0] || v.ShipType > wantType[1] {
			t.Errorf("%v: %v with ship type %d", v.MMSI, v.Kind, v.ShipType)
		}
		if v.Kind == simulate.Pleasure && !v.ClassB || (v.Kind == simulate.Cargo || v.Kind == simulate.Tanker) && v.ClassB {
			t.Errorf("%v: %v with ClassB %v", v.MMSI, v.Kind, v.ClassB)
		}
	}
	want := map[simulate.Kind]float64{simulate.Cargo: 0.30, simulate.Tanker: 0.12, simulate.Fishing: 0.15,
		simulate.Passenger: 0.07, simulate.Tug: 0.08, simulate.Pleasure: 0.20, simulate.Other: 0.08}
	for k, w := range want {
		if f := float64(kinds[k]) / n; math.Abs(f-w) > 0.025 {
			t.Errorf("%v: share %.3f; want about %.2f", k, f, w)
		}
	}
}

// TestReports checks the report mix: every vessel reports its position
// and its static data, Class A vessels under way about every 10 s, and the
// rate scales the counts.
func TestReports(t *testing.T) {
	m := land(t)
	cfg := simulate.Config{Vessels: 300, Land: m}
	s, obs := generate(t, cfg, 6, 2*time.Hour)
	pos := map[vessel.MMSI]int{}
	static := map[vessel.MMSI]int{}
	var npos int
	statuses := map[vessel.NavStatus]int{}
	for _, o := range obs {
		switch o.Kind {
		case vessel.KindPosition:
			pos[o.Position.MMSI]++
			statuses[o.Position.Status]++
			npos++
		case vessel.KindStatic:
			static[o.Static.MMSI]++
			if o.Static.Has&vessel.HasName == 0 || o.Static.Name == "" {
				t.Errorf("static report without a name: %+v", o.Static)
			}
		}
	}
	for _, v := range s.Vessels() {
		if pos[v.MMSI] == 0 || static[v.MMSI] < 15 || static[v.MMSI] > 25 {
			t.Errorf("%v (%v): %d positions, %d static reports in 2 h", v.MMSI, v.Kind, pos[v.MMSI], static[v.MMSI])
		}
	}
	for _, st := range []vessel.NavStatus{0, 1, 5, 7, vessel.NoStatus} {
		if statuses[st] == 0 {
			t.Errorf("no report with navigational status %d: %v", st, statuses)
		}
	}
	cfg.Rate = 0.25
	_, slow := generate(t, cfg, 6, 2*time.Hour)
	var nslow int
	for _, o := range slow {
		if o.Kind == vessel.KindPosition {
			nslow++
		}
	}
	if r := float64(nslow) / float64(npos); r < 0.2 || r > 0.3 {
		t.Errorf("rate 0.25 gave %d positions, rate 1 %d: ratio %.3f, want about 0.25", nslow, npos, r)
	}
}

func TestValidIMO(t *testing.T) {
	tests := []struct {
		n    uint32
		want bool
	}{
		{9074729, true}, // the example of IMO resolution A.1117(30)
		{9074728, false},
		{907472, false},
		{0, false},
	}
	for _, tt := range tests {
		if got := simulate.ValidIMO(tt.n); got != tt.want {
			t.Errorf("ValidIMO(%d) = %v; want %v", tt.n, got, tt.want)
		}
	}
}

// BenchmarkRun measures generation: 5000 vessels for a day at the AIS
// rates, about 21 million positions. It reports positions per second,
// placing the fleet included.
func BenchmarkRun(b *testing.B) {
	m := land(b)
	for b.Loop() {
		s := simulate.New(simulate.Config{Vessels: 5000, Land: m}, rand.New(rand.NewPCG(1, 1)))
		start := time.Now()
		n := 0
		err := s.Run(t2024, t2024+24*3600_000, func(o *vessel.Observation) error {
			if o.Kind == vessel.KindPosition {
				n++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds()/1e6, "Mpositions/s")
		b.ReportMetric(float64(n), "positions")
	}
}
