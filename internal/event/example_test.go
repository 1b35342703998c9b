package event_test

import (
	"fmt"
	"time"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// A vessel drifting for two hours far out at sea loiters. The event is
// emitted open after an hour, then closed when the vessel moves on.
func Example() {
	e := event.New(event.Config{Preset: "gfw"})
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	report := func(d time.Duration, p geo.Point, knots float64) {
		for _, ev := range e.Observe(vessel.Position{MMSI: 366000001, Time: vessel.TimeOf(start.Add(d)),
			Lat: p.Lat, Lon: p.Lon, SOG: vessel.SpeedKnots(knots), Status: vessel.NoStatus}) {
			fmt.Printf("%s v%d %v open=%v\n", ev.Type, ev.Version, ev.Vessels, ev.Open())
		}
	}
	p := geo.Point{Lat: 30, Lon: -40}
	for d := time.Duration(0); d <= 2*time.Hour; d += 5 * time.Minute {
		report(d, geo.Destination(p, 45, 0.5*1852/3600*d.Seconds()), 0.5)
	}
	report(2*time.Hour+5*time.Minute, geo.Destination(p, 45, 2000), 12)
	// Output:
	// loitering v1 [366000001] open=true
	// loitering v2 [366000001] open=false
}
