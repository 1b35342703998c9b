package policy_test

import (
	"fmt"
	"path/filepath"

	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// IN-IFC decides, report by report, what leaves for each partner.
func Example() {
	pol, err := policy.Load(filepath.Join("testdata", "in-ifc.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	tanker := policy.Vessel{MMSI: 636012345, ShipType: 84, Flag: "LR"}
	navy := policy.Vessel{MMSI: 419000001, ShipType: 35, Flag: "IN"}
	at := func(v policy.Vessel, lat, lon float64) vessel.Position {
		return vessel.Position{MMSI: v.MMSI, Time: 1740830400000, Lat: lat, Lon: lon}
	}
	for _, c := range []struct {
		partner string
		v       policy.Vessel
		p       vessel.Position
	}{
		{"JP-JCG", tanker, at(tanker, 6.512345, 79.498765)},
		{"LK-MRCC", tanker, at(tanker, 6.512345, 79.498765)},
		{"JP-JCG", navy, at(navy, 6.512345, 79.498765)},
		{"JP-JCG", tanker, at(tanker, 14.8, 74.2)},
		{"CN-MSA", tanker, at(tanker, 6.512345, 79.498765)},
	} {
		out, notBefore, d := pol.Partner(c.partner).Position(c.p, c.v, "", 0)
		if !d.Allow {
			fmt.Printf("%s: denied by %s\n", c.partner, d.Rule)
			continue
		}
		when := "at once"
		if notBefore != 0 {
			when = "from " + notBefore.String()
		}
		fmt.Printf("%s: %.4f,%.4f %s (%s)\n", c.partner, out.Lat, out.Lon, when, d.Rule)
	}
	// Output:
	// JP-JCG: 6.5123,79.4988 at once (JP-JCG.share.positions)
	// LK-MRCC: 6.5108,79.4987 from 2025-03-01T13:00:00Z (LK-MRCC.share.positions)
	// JP-JCG: denied by JP-JCG.exclude_vessels.mmsi
	// JP-JCG: denied by JP-JCG.exclude_areas
	// CN-MSA: denied by default deny
}
