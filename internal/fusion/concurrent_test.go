package fusion_test

import (
	"sync"
	"testing"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestConcurrentApply applies from several goroutines, to shared and
// separate vessels, while others read; run with -race. The counters must
// add up whatever the interleaving.
func TestConcurrentApply(t *testing.T) {
	p := fusion.NewPicture(fusion.Config{})
	const workers, per = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				// Vessel i%400 is shared by every worker, each a
				// receiver of the same reports; five reports per
				// vessel, so all stay in its ring however far apart
				// the workers run.
				m := vessel.MMSI(366000000 + i%400)
				pt := geo.Destination(geo.Point{Lat: 40, Lon: -70}, 90, float64(i)*10)
				o := at(float64(i), pt, id(m), from(string(rune('a'+w))))
				p.Apply(&o)
				if i%100 == 0 {
					s := vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{MMSI: m, Time: o.Position.Time, Has: vessel.HasName, Name: "X"}}
					p.Apply(&s)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			n := 0
			p.Range(func(s *fusion.State) bool { n++; return true })
			p.Stats()
			p.Vessel(366000000)
		}
	}()
	wg.Wait()
	s := p.Stats()
	if got := s.Outcomes[fusion.Stored] + s.Outcomes[fusion.Duplicate]; got != workers*per {
		t.Errorf("stored + duplicate = %d; want %d", got, workers*per)
	}
	// Each distinct report is stored once, whoever heard it first.
	if got := s.Outcomes[fusion.Stored]; got != per {
		t.Errorf("stored = %d; want %d (one per distinct report)", got, per)
	}
	if p.Len() != 400 {
		t.Errorf("Len = %d; want 400", p.Len())
	}
	positions := 0
	p.Range(func(s *fusion.State) bool { positions += s.Positions + s.Duplicates; return true })
	if positions != workers*per {
		t.Errorf("Range: %d positions and duplicates; want %d", positions, workers*per)
	}
}
