package export_test

import (
	"os"

	"github.com/tidewatch/tidewatch/internal/export"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func ExampleGeoJSONWriter() {
	w := export.NewGeoJSONWriter(os.Stdout)
	w.Write(&export.Row{Position: vessel.Position{MMSI: 367587420, Time: 1641168000000,
		Lat: 29.73, Lon: -95.02, SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus},
		Name: "<EVER>"})
	w.Close()
	// Output:
	// {"type":"FeatureCollection","features":[
	// {"type":"Feature","id":"367587420-1641168000000","geometry":{"type":"Point","coordinates":[-95.02,29.73]},"properties":{"mmsi":367587420,"time":"2022-01-03T00:00:00.000Z","sog":null,"cog":null,"heading":null,"nav_status":null,"flags":"","source":null,"name":"\u003cEVER\u003e","ship_type":null}}
	// ]}
}
