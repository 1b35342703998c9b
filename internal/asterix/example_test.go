package asterix_test

import (
	"fmt"

	"github.com/tidewatch/tidewatch/internal/asterix"
)

// A CAT 048 data block with one target report (from a public recording):
// radar 25/201, time of day, Mode S roll-call, polar position, Mode 3/A,
// flight level, address, identification, BDS 4,0, track number, velocity,
// track status and capability.
var block048 = []byte{
	0x30, 0x00, 0x30, 0xfd, 0xf7, 0x02, 0x19, 0xc9, 0x35, 0x6d, 0x4d, 0xa0, 0xc5, 0xaf, 0xf1, 0xe0,
	0x02, 0x00, 0x05, 0x28, 0x3c, 0x66, 0x0c, 0x10, 0xc2, 0x36, 0xd4, 0x18, 0x20, 0x01, 0xc0, 0x78,
	0x00, 0x31, 0xbc, 0x00, 0x00, 0x40, 0x0d, 0xeb, 0x07, 0xb9, 0x58, 0x2e, 0x41, 0x00, 0x20, 0xf5,
}

func Example() {
	var d asterix.Decoder
	recs, err := d.Decode(nil, block048)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		src, _ := r.Source()
		tod, _ := r.TimeOfDay()
		p, _ := r.Polar()
		track, _ := r.Track()
		fl, _ := r.FlightLevel()
		code, _ := r.Mode3A()
		fmt.Printf("CAT %03d from %d/%d at %v: track %d, %s, squawk %s, FL%.0f\n",
			r.Category, src.SAC, src.SIC, tod, track, r.Cat048.I240, code, fl)
		fmt.Printf("range %.1f NM, azimuth %.2f deg\n", p.RangeM/1852, p.Azimuth)
		// Where the radar is: a Site from configuration or from its CAT 034 I120.
		site := asterix.Site{Lat: 45.0, Lon: 15.0, HeightM: 500}
		pos, _ := site.Locate(p.RangeM, p.Azimuth, fl*100*0.3048)
		fmt.Printf("at %.3f, %.3f\n", pos.Lat, pos.Lon)
	}
	// Output:
	// CAT 048 from 25/201 at 7h35m54.6015625s: track 3563, DLH65A, squawk 1000, FL330
	// range 197.7 NM, azimuth 340.14 deg
	// at 48.083, 13.333
}
