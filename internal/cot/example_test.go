package cot_test

import (
	"fmt"
	"time"

	"github.com/tidewatch/tidewatch/internal/cot"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func ExampleVessel() {
	at := time.Date(2022, 1, 3, 0, 8, 0, 0, time.UTC)
	p := vessel.Position{MMSI: 538007213, Time: vessel.TimeOf(at), Lat: 29.5, Lon: -94.8, SOG: 100, COG: 2705}
	st := vessel.Static{Name: "NORDIC ACE", ShipType: 80, Destination: "HOUSTON"}
	ev, err := cot.Vessel(p, st, at.Add(2*time.Minute), 10*time.Minute)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(cot.Append(nil, &ev)))
	// Output:
	// <?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" uid="tidewatch-mmsi-538007213" type="a-n-S-X-M-O" how="m-g" time="2022-01-03T00:10:00.000Z" start="2022-01-03T00:08:00.000Z" stale="2022-01-03T00:18:00.000Z"><point lat="29.5000000" lon="-94.8000000" hae="0.0" ce="10.0" le="9999999.0"/><detail><contact callsign="NORDIC ACE"/><track course="270.5" speed="5.14"/><remarks>MMSI 538007213 destination HOUSTON</remarks></detail></event>
}
