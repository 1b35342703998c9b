package contact_test

import (
	"fmt"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// Example associates one radar scan with a picture of two AIS vessels 150
// m apart: the report 40 m from the first vessel's dead-reckoned position
// takes its identity; the report 2 km from both is explained by neither.
func Example() {
	pic := &fixed{reports: []contact.VesselState{
		aisAt(247123456, 0, 0, 0, 10, 90), // 10 knots east
		aisAt(247654321, 0, 0, 150, 0, 0), // at anchor, 150 m north
	}}
	a := contact.New(contact.Config{}, pic)
	scan := []vessel.Detection{
		radarAt(6, 10*kn*6+40, 0, "12"),
		radarAt(6, 2000, 2000, "13"),
	}
	for _, c := range a.Radar(scan, nil) {
		fmt.Printf("target %s: mmsi %v score %.2f candidates %d\n", c.Target, c.MMSI, c.Score, len(c.Candidates))
		for _, k := range c.Candidates {
			fmt.Printf("  %v at %.0f m, d² %.1f\n", k.MMSI, k.DistM, k.D2)
		}
	}
	// Output:
	// target 12: mmsi 247123456 score 0.96 candidates 2
	//   247123456 at 40 m, d² 1.4
	//   247654321 at 166 m, d² 24.4
	// target 13: mmsi 000000000 score 1.00 candidates 0
}
