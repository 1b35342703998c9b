package httpapi_test

import (
	"bytes"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/httpapi"
	"github.com/tidewatch/tidewatch/internal/httpapi/bind"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// TestAppendVesselsMatchesEncodingJSON writes the whole NOAA picture
// (10,000 real vessels: names, call signs, flags, positions, missing
// values) with the API's encoder and with encoding/json, truncated and
// not, and wants the same bytes.
func TestAppendVesselsMatchesEncodingJSON(t *testing.T) {
	var list []httpapi.Update
	fx.pic.Range(func(s *fusion.State) bool {
		list = append(list, bind.Update(s))
		return true
	})
	if len(list) < 5000 {
		t.Fatalf("%d vessels in the fixture", len(list))
	}
	ref := vessel.TimeOf(fx.now)
	// the picture at a past moment shows the hypothesis (Track)
	for i := range list {
		if i%3 == 0 && list[i].Located {
			list[i].Track = uint8(1 + i%255)
		}
	}
	for _, limit := range []int{len(list), 100, 0} {
		fast, std, err := httpapi.VesselsJSON(list, ref, limit)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast, std) {
			i := 0
			for i < min(len(fast), len(std)) && fast[i] == std[i] {
				i++
			}
			t.Errorf("limit %d: differs at byte %d:\n%.200s\nencoding/json:\n%.200s", limit, i, fast[max(i-100, 0):], std[max(i-100, 0):])
		}
	}
}

// FuzzAppendSummary holds the API's JSON of a vessel to encoding/json's
// for any text (invalid UTF-8, control characters, HTML, U+2028), any
// position and any speed, course, heading and status.
func FuzzAppendSummary(f *testing.F) {
	f.Add(uint32(366123456), "EVER GIVEN", "H3RC", uint32(9811000), uint8(70), true, 29.5, -94.9, uint16(123), uint16(900), uint16(91), uint8(0), int64(1641168000000), uint64(0), uint16(0))
	f.Add(uint32(1), "<img src=x onerror=alert(1)>&\"\\\x00\x1f\u2028\u2029\xff", "\t\n\r\b\f", uint32(0), uint8(0), false, 0.0, 0.0, uint16(1023), uint16(3600), uint16(511), uint8(15), int64(0), uint64(7), uint16(0xffff))
	f.Add(uint32(999999999), "é漢字", "", uint32(1), uint8(255), true, 1e-7, -179.9999995, uint16(0), uint16(0), uint16(359), uint8(8), int64(-5), uint64(1), uint16(1))
	f.Fuzz(func(t *testing.T, mmsi uint32, name, callsign string, imo uint32, shipType uint8, located bool, lat, lon float64,
		sog, cog, heading uint16, status uint8, tm int64, seq uint64, flags uint16) {
		if math.IsNaN(lat) || math.IsInf(lat, 0) || math.IsNaN(lon) || math.IsInf(lon, 0) || math.Abs(lat) > 1e300 || math.Abs(lon) > 1e300 {
			return // positions are finite
		}
		u := httpapi.Update{Seq: seq, MMSI: vessel.MMSI(mmsi), Located: located, Conflict: flags&1 != 0,
			Static: vessel.Static{MMSI: vessel.MMSI(mmsi), Has: vessel.HasName | vessel.HasCallSign, Name: name, CallSign: callsign, IMO: imo, ShipType: shipType},
			Position: vessel.Position{MMSI: vessel.MMSI(mmsi), Time: vessel.Time(tm), Lat: lat, Lon: lon,
				SOG: vessel.Speed(sog % 1024), COG: vessel.Course(cog % 3601), Heading: vessel.Heading(heading % 512), Status: vessel.NavStatus(status % 16),
				Flags: vessel.Flags(flags)}}
		fast, std, err := httpapi.SummaryJSON(u, vessel.Time(tm/2))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fast, std) {
			t.Errorf("appendSummary:\n%s\nencoding/json:\n%s", fast, std)
		}
		if !utf8.Valid(fast) {
			t.Errorf("not UTF-8: %q", fast)
		}
	})
}
