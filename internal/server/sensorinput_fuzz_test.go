package server

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzSensorDatagram feeds arbitrary datagrams to both kinds of UDP
// sensor input's decoder (ASTERIX, radar NMEA), twice in a row (decoders
// keep state between datagrams): never a panic, counts that add up, and
// every detection on the Earth with a time.
func FuzzSensorDatagram(f *testing.F) {
	f.Add([]byte("\\s:patrol,c:1767225600*5B\\$RARMC,000000,A,1222.3800,N,04603.0000,E,12.0,90.0,010126,,,A*68\n$RATTM,02,1.50,45.0,T,10.0,90.0,T,0.5,10.0,N,,T,,000000,A*00\n"))
	f.Add([]byte{48, 0, 11, 0xf0, 0, 1, 0, 0, 0, 0, 0})
	f.Add([]byte{62, 0, 3})
	if b, err := os.ReadFile("../../../shared/testdata/radar/asterix/cat048.raw"); err == nil && len(b) > 0 {
		f.Add(b[:min(len(b), 2048)])
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, typ := range []string{"asterix", "nmea-radar"} {
			s := &SensorInput{cfg: Input{Type: typ, Name: "fuzz", Site: &SensorSite{Lat: 12, Lon: 46}}, now: func() time.Time { return now }}
			dec := s.newDatagramDecoder()
			for n := 1; n <= 2; n++ {
				dets, records, errs := dec.decode(nil, payload, n, now)
				if records < 0 || errs < 0 || errs > records+int64(len(payload)) {
					t.Fatalf("%s: records %d, errors %d", typ, records, errs)
				}
				for _, d := range dets {
					if !(d.Lat >= -90 && d.Lat <= 90 && d.Lon >= -180 && d.Lon <= 180) || math.IsNaN(d.Lat) || d.Time == vessel.Time(0) {
						t.Fatalf("%s: detection %+v", typ, d)
					}
				}
			}
		}
	})
}
