package share

import (
	"errors"
	"reflect"
	"testing"

	"github.com/tidewatch/tidewatch/internal/event"
	"github.com/tidewatch/tidewatch/internal/incident"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

func sampleEnvelopes() []Envelope {
	return []Envelope{
		{Kind: KindPosition, Origin: "IN-IFC", Position: vessel.Position{MMSI: 419000123, Time: 1_700_000_000_123, Lat: 18.9375, Lon: 72.8361,
			SOG: 123, COG: 2711, Heading: 270, Status: 0, Flags: vessel.FlagLate}},
		{Kind: KindPosition, Origin: "JP-JCG", Hops: 1, Position: vessel.Position{MMSI: 431000001, Time: 1, Lat: -90, Lon: 180,
			SOG: vessel.NoSpeed, COG: vessel.NoCourse, Heading: vessel.NoHeading, Status: vessel.NoStatus}},
		{Kind: KindStatic, Origin: "IN-IFC", Static: vessel.Static{MMSI: 419000123, Time: 1_700_000_000_000, Has: vessel.HasName | vessel.HasShipType,
			Name: "<script>alert(1)</script>", CallSign: "AUXY", IMO: 9123456, ShipType: 70, Destination: "MUMBAI", ETA: "11-23T10:00",
			ToBow: 100, ToStern: 20, ToPort: 10, ToStarboard: 12, Draught: 85}},
		{Kind: KindEvent, Origin: "IN-IFC", Event: event.Event{ID: "gap-419000123-1700000000000", Type: event.Gap, Start: 1_700_000_000_000,
			Lat: 18.9, Lon: 72.8, Vessels: []vessel.MMSI{419000123}, Preset: "gfw", Version: 2, Origin: "IN-IFC",
			Measures: map[string]float64{"distance_m": 12000}}},
		{Kind: KindIncident, Origin: "IN-IFC", Incident: incident.Incident{ID: "incident--9d3c6a3e-3f0a-4c2b-8d55-0d6a7a1b2c3d", Version: 1,
			Kind: incident.KindIncident, Category: incident.Piracy, Title: "boarding at anchor", Narrative: "two skiffs\nladder",
			Start: 1_700_000_000_000, Lat: 12.5, Lon: 45.0, HasPoint: true, Vessels: []vessel.MMSI{419000123}, Source: "MSCHOA",
			Origin: "IN-IFC", TLP: incident.TLPAmber, ReleasableTo: []string{"JP-JCG"}, Created: 1_700_000_000_000, Updated: 1_700_000_000_000}},
	}
}

// TestEnvelopeRoundTrip: every kind decodes to what was encoded.
func TestEnvelopeRoundTrip(t *testing.T) {
	for _, e := range sampleEnvelopes() {
		b, err := AppendEnvelope(nil, &e)
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		got, err := DecodeEnvelope(b)
		if err != nil {
			t.Fatalf("%s: %v", e.Kind, err)
		}
		if e.Kind == KindEvent || e.Kind == KindIncident {
			// JSON forms: compare re-encodings.
			b2, _ := AppendEnvelope(nil, &got)
			if string(b) != string(b2) {
				t.Errorf("%s: re-encoded differently:\n%s\n%s", e.Kind, b, b2)
			}
			continue
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%s: got %+v, want %+v", e.Kind, got, e)
		}
	}
}

// TestEnvelopeKeepsSourcesHome: the receiver names of a node never leave
// it.
func TestEnvelopeKeepsSourcesHome(t *testing.T) {
	e := sampleEnvelopes()[0]
	e.Position.Source = "receiver:karwar-naval-base"
	b, _ := AppendEnvelope(nil, &e)
	got, _ := DecodeEnvelope(b)
	if got.Position.Source != "" {
		t.Errorf("source %q crossed the link", got.Position.Source)
	}
}

// TestEnvelopeRefuses: malformed envelopes are refused with ErrEnvelope.
func TestEnvelopeRefuses(t *testing.T) {
	good, _ := AppendEnvelope(nil, &sampleEnvelopes()[0])
	bad := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := map[string][]byte{
		"empty":          {},
		"version":        bad(func(b []byte) []byte { b[0] = 9; return b }),
		"kind":           bad(func(b []byte) []byte { b[1] = 77; return b }),
		"truncated":      good[:len(good)-3],
		"trailing":       append(append([]byte(nil), good...), 0),
		"origin case":    bad(func(b []byte) []byte { b[4] = 'n'; return b }),
		"latitude 100":   bad(func(b []byte) []byte { copy(b[len(b)-25:], []byte{0, 0, 0, 0, 0, 0, 0x59, 0x40}); return b }),
		"lat NaN":        bad(func(b []byte) []byte { copy(b[len(b)-25:len(b)-17], []byte{1, 0, 0, 0, 0, 0, 0xf8, 0x7f}); return b }),
		"event garbage":  append([]byte{1, byte(KindEvent), 0, 6}, "IN-IFC{"...),
		"incident empty": append([]byte{1, byte(KindIncident), 0, 6}, "IN-IFC{}"...),
	}
	for name, b := range cases {
		if _, err := DecodeEnvelope(b); !errors.Is(err, ErrEnvelope) {
			t.Errorf("%s: %v, want ErrEnvelope", name, err)
		}
	}
}

// FuzzEnvelope: arbitrary bytes never panic, and whatever decodes
// re-encodes to an envelope that decodes the same.
func FuzzEnvelope(f *testing.F) {
	for _, e := range sampleEnvelopes() {
		b, _ := AppendEnvelope(nil, &e)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEnvelope(b)
		if err != nil {
			return
		}
		b2, err := AppendEnvelope(nil, &e)
		if err != nil {
			t.Fatalf("decoded envelope does not encode: %v", err)
		}
		e2, err := DecodeEnvelope(b2)
		if err != nil {
			t.Fatalf("re-encoded envelope does not decode: %v", err)
		}
		b3, _ := AppendEnvelope(nil, &e2)
		if string(b2) != string(b3) {
			t.Fatalf("not stable:\n%q\n%q", b2, b3)
		}
	})
}

// BenchmarkEnvelopePosition: encoding and decoding a position, the bulk
// of a link's traffic.
func BenchmarkEnvelopePosition(b *testing.B) {
	e := sampleEnvelopes()[0]
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendEnvelope(buf[:0], &e)
		if _, err := DecodeEnvelope(buf); err != nil {
			b.Fatal(err)
		}
	}
}
