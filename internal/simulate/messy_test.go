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
// only by the satellite, in passes; the truth names vessels of the fleet.
func TestMessy(t *testing.T) {
	s := simulate.Messy(simulate.MessyConfig{}, rand.New(rand.NewPCG(1, 2)))
	s2 := simulate.Messy(simulate.MessyConfig{}, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(s.Observations, s2.Observations) {
		t.Fatal("same seed, different observations")
	}
	if len(s.Fleet) != 100 {
		t.Errorf("fleet %d; want 100", len(s.Fleet))
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
	var last vessel.Time
	perSource := map[string]int{}
	var satTimes []vessel.Time
	for _, o := range s.Observations {
		if o.Time() < last {
			t.Fatalf("observation at %v after %v", o.Time(), last)
		}
		last = o.Time()
		if o.Kind != vessel.KindPosition {
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
