package fusion_test

import (
	"fmt"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func Example() {
	p := fusion.NewPicture(fusion.Config{})
	report := func(sec int, lat, lon float64, src string) fusion.Result {
		o := vessel.Observation{Kind: vessel.KindPosition, Position: vessel.Position{
			MMSI: 419000123, Time: vessel.Time(1_700_000_000_000 + sec*1000), Lat: lat, Lon: lon,
			SOG: 100, COG: 900, Heading: 90, Source: src,
		}}
		return p.Apply(&o)
	}
	r := report(0, 18.9, 72.7, "rx1")
	fmt.Println(r.Outcome, r.Position.Flags.Names())
	r = report(2, 18.9, 72.7, "rx2") // the same transmission, heard by rx2
	fmt.Println(r.Outcome, r.Source)
	r = report(10, 35.45, 139.8, "rx1") // Tokyo, ten seconds later
	fmt.Println(r.Outcome, r.Position.Flags.Names())
	v, _ := p.Vessel(419000123)
	fmt.Println(v.Position.Lat, v.Position.Lon, v.Flag.Code, v.Positions, v.Duplicates)
	// Output:
	// stored []
	// duplicate rx2
	// stored [teleport]
	// 18.9 72.7 IN 2 1
}
