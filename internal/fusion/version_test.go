package fusion_test

import (
	"testing"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestVersion checks that Version moves with every applied observation
// (a new vessel, a new position of a known one, a duplicate, static data)
// and stays put while nothing is applied.
func TestVersion(t *testing.T) {
	p := fusion.NewPicture(fusion.Config{})
	pos := func(m vessel.MMSI, tm vessel.Time, lat float64) *vessel.Observation {
		return &vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{MMSI: m, Time: tm, Lat: lat, Lon: -94.9,
			SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}}
	}
	steps := []struct {
		name string
		obs  *vessel.Observation
	}{
		{"new vessel", pos(366123456, 1_000_000, 29.5)},
		{"its next position", pos(366123456, 1_060_000, 29.501)},
		{"the same report again", pos(366123456, 1_060_000, 29.501)},
		{"another vessel", pos(366123457, 1_000_000, 29.6)},
		{"static data", &vessel.Observation{Kind: vessel.KindStatic, Static: vessel.Static{MMSI: 366123456, Time: 1_070_000, Has: vessel.HasName, Name: "TEST"}}},
	}
	last := p.Version()
	if again := p.Version(); again != last {
		t.Fatalf("Version of an unchanged picture moved: %d then %d", last, again)
	}
	for _, s := range steps {
		p.Apply(s.obs)
		v := p.Version()
		if v <= last {
			t.Errorf("after %s: Version = %d; want more than %d", s.name, v, last)
		}
		if again := p.Version(); again != v {
			t.Errorf("after %s: Version moved with nothing applied: %d then %d", s.name, v, again)
		}
		last = v
	}
}
