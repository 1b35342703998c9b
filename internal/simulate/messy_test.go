package simulate_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/simulate"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestMessy checks the messy scenario against its own script: the same
// seed gives the same feed; reports come in time order; no vessel is
// heard while its ground truth says it is dark, no receiver while it is
// down, nobody beyond a receiver's range; satellite vessels are heard
// only by the satellite, in passes; the truth names vessels of the fleet;
// the faults are where the script puts them (a two-minute batch of
// rx-east stamped five minutes early, bursts of 1-5 bad fixes with one at
// 0,0), and four transmitters share SharedMMSI.
func TestMessy(t *testing.T) {
	s := simulate.Messy(simulate.MessyConfig{}, rand.New(rand.NewPCG(1, 2)))
	s2 := simulate.Messy(simulate.MessyConfig{}, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(s.Observations, s2.Observations) {
		t.Fatal("same seed, different observations")
	}
	if len(s.Fleet) != 104 {
		t.Errorf("fleet %d; want 100 vessels and the 4 transmitters of the shared MMSI", len(s.Fleet))
	}
	if s.To-s.From != 48*3600_000 {
		t.Errorf("span %v; want 48 h", s.To-s.From)
	}
	fam := map[vessel.MMSI]string{}
	for _, v := range s.Fleet {
		fam[v.MMSI] = v.Family
	}
	var dark []simulate.Truth
	for _, tr := range s.Truth {
		for _, m := range tr.Vessels {
			if fam[m] == "" {
				t.Errorf("truth %+v names a vessel not in the fleet", tr)
			}
		}
		if tr.Type == "gap" {
			dark = append(dark, tr)
		}
	}
	if len(dark) != 2 {
		t.Errorf("%d true gaps; want 2 (8 h and 16 h dark)", len(dark))
	}
	rx := map[string]simulate.Receiver{}
	for _, r := range s.Receivers {
		rx[r.Name] = r
	}
	fault := map[int]simulate.Fault{}
	kinds := map[string]int{}
	for _, f := range s.Faults {
		fault[f.Obs] = f
		kinds[f.Kind]++
		p := s.Observations[f.Obs].Position
		switch f.Kind {
		case simulate.FaultClock:
			if p.Source != "rx-east" || f.TrueTime-p.Time != 5*60_000 || f.TrueTime < s.From+30*3600_000 || f.TrueTime >= s.From+30*3600_000+2*60_000 {
				t.Errorf("clock fault %+v: %+v", f, p)
			}
		case simulate.FaultBadFix:
			if fam[p.MMSI] != "transit" || f.TrueTime != p.Time {
				t.Errorf("bad fix %+v: %+v", f, p)
			}
		default:
			t.Errorf("fault of kind %q", f.Kind)
		}
	}
	if kinds[simulate.FaultClock] < 10 || kinds[simulate.FaultBadFix] < 50 {
		t.Errorf("faults %v; want at least 10 clock and 50 bad fixes", kinds)
	}
	shared := 0
	for _, v := range s.Fleet {
		if v.MMSI == simulate.SharedMMSI {
			shared++
		}
	}
	if shared != 4 {
		t.Errorf("%d transmitters with %v; want 4", shared, simulate.SharedMMSI)
	}
	var last vessel.Time
	perSource := map[string]int{}
	var satTimes []vessel.Time
	nullIsland := 0
	for i, o := range s.Observations {
		tm := o.Time()
		if f, ok := fault[i]; ok {
			tm = f.TrueTime // delivered when made
		}
		if tm < last {
			t.Fatalf("observation at %v after %v", tm, last)
		}
		last = tm
		if o.Kind != vessel.KindPosition {
			continue
		}
		if f, ok := fault[i]; ok && f.Kind == simulate.FaultBadFix {
			if o.Position.Lat == 0 && o.Position.Lon == 0 {
				nullIsland++
			}
			continue
		}
		p := o.Position
		perSource[p.Source]++
		for _, d := range dark {
			if p.MMSI == d.Vessels[0] && p.Time > d.Start && p.Time < d.End {
				t.Errorf("vessel %v heard at %v while dark", p.MMSI, p.Time)
			}
		}
		if (fam[p.MMSI] == "satellite") != (p.Source == simulate.SatelliteSource) {
			t.Errorf("vessel %v of family %s heard by %s", p.MMSI, fam[p.MMSI], p.Source)
		}
		if p.Source == simulate.SatelliteSource {
			satTimes = append(satTimes, p.Time)
			continue
		}
		r, ok := rx[p.Source]
		if !ok {
			t.Fatalf("unknown source %q", p.Source)
		}
		if d := geo.Distance(geo.Point{Lat: p.Lat, Lon: p.Lon}, r.Center); d > r.Range+1e3 {
			t.Errorf("%s heard %v at %.0f km, beyond its range", r.Name, p.MMSI, d/1e3)
		}
		for _, out := range r.Outages {
			if p.Time >= out[0] && p.Time < out[1] {
				t.Errorf("%s heard %v at %v during its outage", r.Name, p.MMSI, p.Time)
			}
		}
	}
	if nullIsland == 0 {
		t.Error("no bad fix at 0,0")
	}
	for _, name := range []string{"rx-harbour", "rx-east", simulate.SatelliteSource} {
		if perSource[name] < 1000 {
			t.Errorf("%s heard %d reports; want thousands", name, perSource[name])
		}
	}
	// satellite reports come in passes: bursts of at most 10 minutes,
	// 90 to 120 minutes apart
	passes := 0
	for i, tm := range satTimes {
		if i == 0 || tm-satTimes[i-1] > 30*60_000 {
			passes++
			if i > 0 && tm-satTimes[i-1] < 75*60_000 {
				t.Errorf("satellite passes %v apart", tm-satTimes[i-1])
			}
		}
	}
	if passes < 24 || passes > 32 {
		t.Errorf("%d satellite passes in 48 h; want 24-32", passes)
	}
}
