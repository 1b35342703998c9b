package policy_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/geo"
	"github.com/tidewatch/tidewatch/internal/policy"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// contactPolicy shares radar contacts in the Gulf of Aden, minus a naval
// box, with AA-RADAR; satellite detections anywhere, rounded to 1 km and
// an hour late, with BB-SAT; both with CC-ALL; and no contacts with
// DD-NONE, which gets every vessel position.
const contactPolicy = `{"version": 1, "node": "HQ",
 "areas": {"aden": {"bbox": [43, 10, 52, 16]}, "naval": {"bbox": [45, 12, 45.5, 12.5]}},
 "partners": {
  "AA-RADAR": {"share": {"contacts": ["radar"]}, "include_areas": ["aden"], "exclude_areas": ["naval"]},
  "BB-SAT":   {"share": {"contacts": ["satellite"]}, "precision_m": 1000, "delay": "1h"},
  "CC-ALL":   {"share": {"contacts": ["all"]}, "relay": true},
  "DD-NONE":  {"share": {"positions": true, "events": ["dark_target"]}}}}`

func radarContact(lat, lon float64) vessel.Detection {
	return vessel.Detection{Time: t0, Sensor: vessel.SensorRadar, Source: "patrol-ship-7", Target: "12", Scene: "patrol scan 4",
		Lat: lat, Lon: lon, PosErrM: 40, Has: vessel.HasMotion | vessel.HasPolar, SpeedKn: 8, CourseDeg: 120,
		RangeM: 9000, BearingDeg: 45, SensorLat: 12.1, SensorLon: 45.9, Name: "TGT KARWAR"}
}

func TestContact(t *testing.T) {
	p, err := policy.Parse([]byte(contactPolicy))
	if err != nil {
		t.Fatal(err)
	}
	sat := radarContact(13.512345, 47.498765)
	sat.Sensor, sat.Has, sat.PosErrM = vessel.SensorSatellite, vessel.HasLength, 20
	tests := []struct {
		name    string
		partner string
		d       vessel.Detection
		origin  string
		hops    int
		allow   bool
		rule    string
	}{
		{"radar in the area", "AA-RADAR", radarContact(13, 48), "", 0, true, "AA-RADAR.share.contacts"},
		{"radar in the naval box", "AA-RADAR", radarContact(12.2, 45.2), "", 0, false, "AA-RADAR.exclude_areas"},
		{"radar outside the area", "AA-RADAR", radarContact(20, 60), "", 0, false, "AA-RADAR.include_areas"},
		{"satellite to a radar-only partner", "AA-RADAR", sat, "", 0, false, "AA-RADAR.share.contacts"},
		{"satellite anywhere", "BB-SAT", sat, "", 0, true, "BB-SAT.share.contacts"},
		{"radar to a satellite-only partner", "BB-SAT", radarContact(13, 48), "", 0, false, "BB-SAT.share.contacts"},
		{"unknown sensor", "CC-ALL", vessel.Detection{Time: t0, Lat: 13, Lon: 48}, "", 0, false, "CC-ALL.share.contacts"},
		{"sensor out of range", "CC-ALL", vessel.Detection{Time: t0, Sensor: 200, Lat: 13, Lon: 48}, "", 0, false, "CC-ALL.share.contacts"},
		{"all: radar", "CC-ALL", radarContact(-40, 170), "", 0, true, "CC-ALL.share.contacts"},
		{"all: satellite", "CC-ALL", sat, "", 0, true, "CC-ALL.share.contacts"},
		{"relayed, relay on", "CC-ALL", sat, "EE-OTHER", 1, true, "CC-ALL.share.contacts"},
		{"back to its origin", "CC-ALL", sat, "CC-ALL", 1, false, policy.RuleLoop},
		{"relayed, relay off", "AA-RADAR", radarContact(13, 48), "EE-OTHER", 1, false, "AA-RADAR.relay"},
		{"no position", "CC-ALL", radarContact(math.NaN(), 48), "", 0, false, "CC-ALL.input"},
		{"positions but no contacts", "DD-NONE", radarContact(13, 48), "", 0, false, "DD-NONE.share.contacts"},
		{"partner not in the file", "ZZ-UNKNOWN", radarContact(13, 48), "", 0, false, policy.RuleDefaultDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, d := p.Partner(tt.partner).Contact(tt.d, tt.origin, tt.hops)
			if d.Allow != tt.allow || d.Rule != tt.rule {
				t.Fatalf("Contact = %+v; want allow %v by %q", d, tt.allow, tt.rule)
			}
			if !d.Allow {
				if out != (vessel.Detection{}) {
					t.Errorf("denied, but returned %+v", out)
				}
				return
			}
			// Nothing that names or locates our sensor leaves.
			if out.Source != "" || out.Target != "" || out.Scene != "" || out.Name != "" || out.Has&vessel.HasPolar != 0 ||
				out.RangeM != 0 || out.BearingDeg != 0 || out.SensorLat != 0 || out.SensorLon != 0 {
				t.Errorf("copy keeps the sensor: %+v", out)
			}
			if out.Time != tt.d.Time || out.Sensor != tt.d.Sensor || out.SpeedKn != tt.d.SpeedKn {
				t.Errorf("copy lost the contact: %+v of %+v", out, tt.d)
			}
		})
	}

	// Rounding: BB-SAT's copy is on the 1 km grid, within 707 m, with an
	// error at least the rounding's; and an hour late.
	out, nb, d := p.Partner("BB-SAT").Contact(sat, "", 0)
	if !d.Allow {
		t.Fatal(d)
	}
	if out.Lat == sat.Lat || out.Lon == sat.Lon {
		t.Errorf("not rounded: %v,%v", out.Lat, out.Lon)
	}
	if m := geo.Distance(geo.Point{Lat: sat.Lat, Lon: sat.Lon}, geo.Point{Lat: out.Lat, Lon: out.Lon}); m > 1000*math.Sqrt2/2 {
		t.Errorf("moved %.0f m", m)
	}
	if rl, rn := p.Partner("BB-SAT").Round(sat.Lat, sat.Lon); rl != out.Lat || rn != out.Lon {
		t.Errorf("copy at %v,%v; Round gives %v,%v", out.Lat, out.Lon, rl, rn)
	}
	if out.PosErrM < 650 || out.PosErrM > 1000 {
		t.Errorf("PosErrM %v; want the rounding's (about 700 m), not the sensor's 20 m", out.PosErrM)
	}
	if want := sat.Time + vessel.Time(time.Hour/time.Millisecond); nb != want {
		t.Errorf("notBefore %v; want %v", nb, want)
	}
	// Without rounding, the sensor's error and time stand.
	out, nb, _ = p.Partner("CC-ALL").Contact(sat, "", 0)
	if out.PosErrM != 20 || out.Lat != sat.Lat || nb != 0 {
		t.Errorf("CC-ALL copy %+v, notBefore %v", out, nb)
	}
}

func TestContactParse(t *testing.T) {
	base := func(share string) string {
		return `{"version":1,"node":"HQ","partners":{"AA":{"share":` + share + `}}}`
	}
	for _, tt := range []struct{ share, field string }{
		{`{"contacts":["sonar"]}`, "share.contacts[0]"},
		{`{"contacts":["all","radar"]}`, "share.contacts[0]"},
		{`{"contacts":["radar","radar"]}`, "share.contacts[1]"},
		{`{"contacts":"radar"}`, ""},
	} {
		_, err := policy.Parse([]byte(base(tt.share)))
		var ce *policy.ConfigError
		switch {
		case err == nil:
			t.Errorf("%s: parsed", tt.share)
		case !errors.Is(err, policy.ErrInvalid):
			t.Errorf("%s: %v; want ErrInvalid", tt.share, err)
		case tt.field != "" && (!errors.As(err, &ce) || ce.Field != tt.field):
			t.Errorf("%s: %v; want field %s", tt.share, err, tt.field)
		}
	}
	// The file round-trips with its contacts rule.
	p, err := policy.Parse([]byte(contactPolicy))
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := policy.Parse(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, name := range p.Partners() {
		for _, d := range []vessel.Detection{radarContact(13, 48), radarContact(12.2, 45.2)} {
			_, _, a := p.Partner(name).Contact(d, "", 0)
			_, _, b := q.Partner(name).Contact(d, "", 0)
			if a != b {
				t.Errorf("%s: %+v after a round trip; was %+v", name, b, a)
			}
		}
	}
}
