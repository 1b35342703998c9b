package sensor_test

import (
	"fmt"
	"strings"

	"github.com/tidewatch/tidewatch/internal/sensor"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// A ship's radar: the own ship's RMC gives the position the TTM's range
// and bearing are measured from.
func ExampleReadRadar() {
	in := `$GPRMC,120000.00,A,5130.00000,N,00130.00000,E,12.0,45.0,150326,,,A*59
$RATTM,01,2.500,30.0,T,8.5,200.0,T,0.50,12.5,N,TANKER,T,,120000.00,A*3A
$RATTM,05,1.0,90.0,T,5,90,T,,,X,,T,,120000.00,A*13
`
	st, err := sensor.ReadRadar(strings.NewReader(in), sensor.RadarOptions{Source: "ship"}, func(d *vessel.Detection) error {
		fmt.Printf("%s %s/%s %.5f,%.5f ±%.0f m %s %c\n", d.Time, d.Source, d.Target, d.Lat, d.Lon, d.PosErrM, d.Name, d.Status)
		return nil
	})
	fmt.Println(st.Detections, "detection,", st.Errors, "bad line:", st.Samples[0], err)
	// Output:
	// 2026-03-15T12:00:00Z ship/01 51.53606,1.53347 ±54 m TANKER T
	// 1 detection, 1 bad line: line 3: TTM field 10: units must be N, K or S: sensor: bad field <nil>
}
