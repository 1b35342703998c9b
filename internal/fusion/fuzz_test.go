package fusion_test

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzApply feeds arbitrary sequences of reports (three MMSIs, one a
// placeholder, three receivers, times back and forth, jumps, 0,0, out of
// range and far-future times) and checks that Apply never panics and that
// every vessel's latest state is a report stored with no bad flag.
func FuzzApply(f *testing.F) {
	f.Add([]byte{0, 10, 0, 0, 0, 0, 100, 0, 0, 20, 0, 5, 0, 5, 100, 1})
	f.Add([]byte{1, 200, 255, 128, 7, 9, 0, 2, 1, 10, 1, 128, 7, 9, 0, 2, 2, 30, 0, 0, 0, 0, 50, 3})
	f.Add([]byte("\x00\x05\x01\x00\x00\x01\x10\x00\x00\x05\x7f\x7f\x7f\x7f\x10\x01\x00\x05\xff\x00\x00\x01\x10\x02\x00\xff\xff\x00\x00\x01\x10\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		now := (t0 + 3_600_000).Std()
		p := fusion.NewPicture(fusion.Config{Now: func() time.Time { return now }, ConfirmSpan: time.Minute})
		mmsis := [...]vessel.MMSI{ship, 412000000, 123456789}
		type key struct {
			m        vessel.MMSI
			t        vessel.Time
			lat, lon int64 // 1e-7 degree, as the picture keeps them
		}
		keyOf := func(p *vessel.Position) key {
			return key{p.MMSI, p.Time, int64(math.Round(p.Lat * 1e7)), int64(math.Round(p.Lon * 1e7))}
		}
		good := make(map[key]bool)
		tm := t0
		for len(data) >= 8 {
			b := data[:8]
			data = data[8:]
			m := mmsis[int(b[0])%len(mmsis)]
			tm += vessel.Time(int8(b[1])) * 1000
			pt := geo.Destination(mumbai, float64(b[2])*360/256, float64(binary.LittleEndian.Uint16(b[3:5]))*20)
			pos := vessel.Position{MMSI: m, Time: tm, Lat: pt.Lat, Lon: pt.Lon, SOG: vessel.Speed(b[5]), COG: vessel.Course(int(b[6]) * 14), Heading: vessel.NoHeading, Status: vessel.NoStatus}
			pos.Source = [...]string{"rx1", "rx2", "sat", ""}[b[7]%4]
			switch b[7] >> 4 {
			case 1:
				pos.Lat, pos.Lon = 0, 0
			case 2:
				pos.Lat, pos.Lon = 91, 181
			case 3:
				pos.Time = vessel.TimeOf(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
			case 4:
				pos.Lat, pos.Lon = math.NaN(), 1
			}
			o := vessel.Observation{Kind: vessel.KindPosition, Position: pos}
			r := p.Apply(&o)
			if r.Outcome == fusion.Stored && r.Position.Flags&vessel.Bad == 0 {
				good[keyOf(&r.Position)] = true
			}
			v, ok := p.Vessel(m)
			if !ok {
				t.Fatalf("vessel %v missing after a report", m)
			}
			if !v.Located {
				continue
			}
			if v.Position.Flags&vessel.Bad != 0 {
				t.Fatalf("%v: latest has flags %v", m, v.Position.Flags.Names())
			}
			if !good[keyOf(&v.Position)] {
				t.Fatalf("%v: latest %v %v,%v is no report stored unflagged", m, v.Position.Time, v.Position.Lat, v.Position.Lon)
			}
			if v.LastHeard > vessel.TimeOf(now)+120_000 {
				t.Fatalf("%v: last heard %v, in the future", m, v.LastHeard)
			}
		}
	})
}
