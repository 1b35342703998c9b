package contact_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/tidewatch/tidewatch/internal/contact"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzAssociate feeds detections and AIS states built from arbitrary bytes
// (any float, NaN and infinities included; sensors, target numbers and
// scenes from a small alphabet so that tracks form and break) through
// Radar, Satellite and Flush. Nothing may panic or loop; every detection
// gets exactly one contact; a contact is either refused with an error or
// has a score in [0, 1] and an identity from the picture.
func FuzzAssociate(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"))
	f.Add(make([]byte, 200))
	seed := make([]byte, 0, 400)
	for i := range 20 {
		seed = binary.LittleEndian.AppendUint64(seed, math.Float64bits(12.5+float64(i)*1e-4))
		seed = binary.LittleEndian.AppendUint64(seed, math.Float64bits(44+float64(i)*1e-4))
		seed = append(seed, byte(i), byte(i*7), byte(i%3))
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		r := fuzzReader{data: data}
		pic := &fixed{}
		for range r.byte() % 8 {
			pic.reports = append(pic.reports, contact.VesselState{
				MMSI: vessel.MMSI(470000000 + int(r.byte()%4)), Time: t0 + vessel.Time(r.byte())*1000,
				Lat: r.coord(12.5), Lon: r.coord(44), HasMotion: r.byte()%2 == 0,
				SOGKn: r.float(), COGDeg: r.float(), LengthM: r.float(),
			})
		}
		a := contact.New(contact.Config{}, pic)
		var cs []contact.Contact
		for step := 0; step < 6 && r.more(); step++ {
			var dets []vessel.Detection
			sat := r.byte()%3 == 0
			for range r.byte() % 6 {
				d := vessel.Detection{
					Time: t0 + vessel.Time(step)*5000 + vessel.Time(r.byte()), Sensor: vessel.SensorRadar,
					Source: string('a' + rune(r.byte()%2)), Target: string('1' + rune(r.byte()%4)),
					Lat: r.coord(12.5), Lon: r.coord(44), PosErrM: r.float(), Has: vessel.DetectionFields(r.byte()),
					SpeedKn: r.float(), CourseDeg: r.float(), LengthM: r.float(), Score: r.float(),
					RangeM: r.float(), BearingDeg: r.float(), Scene: string('x' + rune(r.byte()%2)),
				}
				if sat {
					d.Sensor = vessel.SensorSatellite
				}
				if r.byte()%5 == 0 {
					d.Target = ""
				}
				dets = append(dets, d)
			}
			pic.now = t0 + vessel.Time(step)*5000
			if sat {
				cs = a.Satellite(dets, contact.Pass{SAR: r.byte()%2 == 0, HeadingDeg: r.float(), HasHeading: r.byte()%2 == 0}, cs[:0])
			} else {
				cs = a.Radar(dets, cs[:0])
			}
			if len(cs) != len(dets) {
				t.Fatalf("%d contacts for %d detections", len(cs), len(dets))
			}
			for _, c := range cs {
				if c.Err != nil {
					continue
				}
				if !(c.Score >= 0 && c.Score <= 1) {
					t.Fatalf("score %v", c.Score)
				}
				if c.MMSI != 0 && (c.MMSI < 470000000 || c.MMSI > 470000003) {
					t.Fatalf("MMSI %v not in the picture", c.MMSI)
				}
			}
			a.Flush(pic.now)
		}
		a.Flush(t0 + 1e9)
		for _, e := range a.Episodes(nil) {
			if e.ID == "" || e.Version < 1 {
				t.Fatalf("episode %+v", e)
			}
		}
	})
}

// fuzzReader hands out values from fuzz input, zeros when it runs out.
type fuzzReader struct {
	data []byte
}

func (r *fuzzReader) more() bool { return len(r.data) > 0 }

func (r *fuzzReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// float returns a raw float64 (NaN, infinities, anything) when 8 bytes
// remain and the next byte says so, else a small number.
func (r *fuzzReader) float() float64 {
	if len(r.data) >= 9 && r.byte()%4 == 0 {
		v := math.Float64frombits(binary.LittleEndian.Uint64(r.data))
		r.data = r.data[8:]
		return v
	}
	return float64(r.byte()) / 4
}

// coord returns a coordinate near base most of the time, so that
// detections and vessels meet, and a raw float otherwise.
func (r *fuzzReader) coord(base float64) float64 {
	if r.byte()%8 == 0 {
		return r.float()
	}
	return base + float64(int8(r.byte()))*1e-4
}
