package policy_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzParse: Parse never panics; its errors are *ConfigError values
// wrapping a sentinel; a parsed policy written out by MarshalJSON parses
// again to the same text and the same decisions.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile(filepath.Join("testdata", "in-ifc.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(`{"version":1,"node":"A","partners":{}}`))
	f.Add([]byte(`{"version":1,"node":"A","areas":{"x":{"bbox":[170,-10,-170,10]}},"partners":{"B":{"share":{"positions":true,"events":["all"]},"include_areas":["x"],"precision_m":5000,"delay":"1d2h","relay":true,"max_hops":3}}}`))
	f.Add([]byte(contactPolicy))
	f.Add([]byte(`{"version":1,"node":"A","partners":{"B":{"include_vessels":{"ship_types":["80-89",30,"military"],"flags":["IN"],"classes":["ship"],"mmsi":[419000001]},"tlp_ceiling":"TLP:amber+strict","accept":["position"],"weight":0.25}}}`))
	f.Add([]byte(`{"version":1,"node":"A","partners":{"B":{},"B":{}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse(data)
		if err != nil {
			var ce *policy.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			if !errors.Is(err, policy.ErrSyntax) && !errors.Is(err, policy.ErrVersion) && !errors.Is(err, policy.ErrTooLarge) && !errors.Is(err, policy.ErrInvalid) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		b, err := p.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		q, err := policy.Parse(b)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
		if b2, _ := q.MarshalJSON(); string(b2) != string(b) {
			t.Fatalf("not stable:\n%s\n%s", b, b2)
		}
		probe := []geo.Point{{Lat: 0, Lon: 0}, {Lat: 15, Lon: 65}, {Lat: -45, Lon: 179.9}, {Lat: 89.99, Lon: -179.99}, {Lat: 10.2, Lon: 10.3}}
		vs := []policy.Vessel{{MMSI: 419000001, ShipType: 35}, {MMSI: 351234000, ShipType: 70, Flag: "PA"}, {MMSI: 111419001}}
		for _, name := range append(p.Partners(), "nobody") {
			a, c := p.Partner(name), q.Partner(name)
			for _, at := range probe {
				for _, v := range vs {
					for _, hops := range []int{0, 1, 2} {
						origin := ""
						if hops > 0 {
							origin = "X"
						}
						in := vessel.Position{MMSI: v.MMSI, Time: 1e12, Lat: at.Lat, Lon: at.Lon}
						o1, n1, d1 := a.Position(in, v, origin, hops)
						o2, n2, d2 := c.Position(in, v, origin, hops)
						if o1 != o2 || n1 != n2 || d1 != d2 {
							t.Fatalf("%s: decisions differ after re-parse: %+v %+v", name, d1, d2)
						}
					}
				}
				for _, sn := range []vessel.Sensor{vessel.SensorRadar, vessel.SensorSatellite} {
					dt := vessel.Detection{Time: 1e12, Sensor: sn, Source: "s", Lat: at.Lat, Lon: at.Lon}
					o1, n1, d1 := a.Contact(dt, "", 0)
					o2, n2, d2 := c.Contact(dt, "", 0)
					if o1 != o2 || n1 != n2 || d1 != d2 {
						t.Fatalf("%s: contact decisions differ after re-parse: %+v %+v", name, d1, d2)
					}
				}
				r := incident.Incident{Kind: incident.KindIncident, HasPoint: true, Lat: at.Lat, Lon: at.Lon, TLP: incident.TLPAmber, ReleasableTo: []string{name}}
				_, d1 := a.Incident(r, "", 0)
				_, d2 := c.Incident(r, "", 0)
				if d1 != d2 {
					t.Fatalf("%s: incident decisions differ after re-parse: %+v %+v", name, d1, d2)
				}
			}
		}
	})
}

// FuzzPosition: for the example policy, no input makes Position panic,
// and an allowed position is a real position satisfying the areas.
func FuzzPosition(f *testing.F) {
	p := loadExample(f)
	f.Add("JP-JCG", uint32(351234000), 70, "PA", 15.0, 65.0, "", 0)
	f.Add("LK-MRCC", uint32(417000123), 30, "", 6.5, 79.5, "", 0)
	f.Add("JP-JCG", uint32(419000001), 35, "IN", math.NaN(), math.Inf(1), "JP-JCG", -1)
	f.Fuzz(func(t *testing.T, partner string, mmsi uint32, typ int, flag string, lat, lon float64, origin string, hops int) {
		v := policy.Vessel{MMSI: vessel.MMSI(mmsi), ShipType: typ, Flag: flag}
		out, _, d := p.Partner(partner).Position(vessel.Position{MMSI: v.MMSI, Lat: lat, Lon: lon}, v, origin, hops)
		if !d.Allow {
			return
		}
		if partner != "JP-JCG" && partner != "LK-MRCC" || origin == partner || hops != 0 {
			t.Fatalf("allowed %+v", d)
		}
		if !(out.Lat >= -90 && out.Lat <= 90 && out.Lon >= -180 && out.Lon <= 180) {
			t.Fatalf("sent %v,%v", out.Lat, out.Lon)
		}
		if _, _, d2 := p.Partner(partner).Position(out, v, origin, hops); !d2.Allow {
			t.Fatalf("sent position %v,%v would itself be denied: %+v", out.Lat, out.Lon, d2)
		}
	})
}
