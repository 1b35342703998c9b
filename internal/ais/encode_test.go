package ais_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tidewatch/tidewatch/internal/ais"
	"github.com/tidewatch/tidewatch/internal/aistest"
)

const sixbit = "@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?"

// randText returns up to n random six-bit characters (never '@'), as a
// decoder returns them.
func randText(r *rand.Rand, n int) ais.Text {
	b := make([]byte, r.IntN(n+1))
	for i := range b {
		b[i] = sixbit[1+r.IntN(63)]
	}
	return ais.NewText(string(b))
}

func randHeader(r *rand.Rand, typ uint8) ais.Header {
	return ais.Header{Type: typ, Repeat: uint8(r.IntN(4)), MMSI: uint32(r.IntN(1 << 30))}
}

func randDim(r *rand.Rand) ais.Dimensions {
	return ais.Dimensions{ToBow: uint16(r.IntN(512)), ToStern: uint16(r.IntN(512)), ToPort: uint16(r.IntN(64)), ToStarboard: uint16(r.IntN(64))}
}

// randMessage returns a random message of every field within its width,
// of one of the encodable types.
func randMessage(r *rand.Rand, kind int) ais.Message {
	switch kind {
	case 0:
		return &ais.PositionReport{
			Header: randHeader(r, uint8(1+r.IntN(3))), Status: ais.NavStatus(r.IntN(16)),
			Turn: ais.Turn(int8(r.IntN(256))), Speed: ais.Speed(r.IntN(1024)), Accuracy: r.IntN(2) == 1,
			Lon: ais.Lon(r.IntN(1<<28) - 1<<27), Lat: ais.Lat(r.IntN(1<<27) - 1<<26),
			Course: ais.Course(r.IntN(4096)), Heading: ais.Heading(r.IntN(512)), Second: ais.Second(r.IntN(64)),
			Maneuver: uint8(r.IntN(4)), RAIM: r.IntN(2) == 1, Radio: uint32(r.IntN(1 << 19)),
		}
	case 1:
		return &ais.BaseStationReport{
			Header: randHeader(r, []uint8{4, 11}[r.IntN(2)]), Year: uint16(r.IntN(1 << 14)),
			Month: uint8(r.IntN(16)), Day: uint8(r.IntN(32)), Hour: uint8(r.IntN(32)), Minute: uint8(r.IntN(64)),
			Second: uint8(r.IntN(64)), Accuracy: r.IntN(2) == 1,
			Lon: ais.Lon(r.IntN(1<<28) - 1<<27), Lat: ais.Lat(r.IntN(1<<27) - 1<<26),
			EPFD: ais.EPFD(r.IntN(16)), RAIM: r.IntN(2) == 1, Radio: uint32(r.IntN(1 << 19)),
		}
	case 2:
		return &ais.StaticVoyage{
			Header: randHeader(r, 5), AISVersion: uint8(r.IntN(4)), IMO: uint32(r.IntN(1 << 30)),
			CallSign: randText(r, 7), ShipName: randText(r, 20), ShipType: ais.ShipType(r.IntN(256)),
			Dim: randDim(r), EPFD: ais.EPFD(r.IntN(16)),
			ETA:     ais.ETA{Month: uint8(r.IntN(16)), Day: uint8(r.IntN(32)), Hour: uint8(r.IntN(32)), Minute: uint8(r.IntN(64))},
			Draught: uint8(r.IntN(256)), Destination: randText(r, 20), DTE: uint8(r.IntN(2)),
		}
	case 3:
		return &ais.ClassBPosition{
			Header: randHeader(r, 18), Reserved: uint8(r.IntN(256)), Speed: ais.Speed(r.IntN(1024)),
			Accuracy: r.IntN(2) == 1, Lon: ais.Lon(r.IntN(1<<28) - 1<<27), Lat: ais.Lat(r.IntN(1<<27) - 1<<26),
			Course: ais.Course(r.IntN(4096)), Heading: ais.Heading(r.IntN(512)), Second: ais.Second(r.IntN(64)),
			Regional: uint8(r.IntN(4)), CS: r.IntN(2) == 1, Display: r.IntN(2) == 1, DSC: r.IntN(2) == 1,
			Band: r.IntN(2) == 1, Msg22: r.IntN(2) == 1, Assigned: r.IntN(2) == 1, RAIM: r.IntN(2) == 1,
			Radio: uint32(r.IntN(1 << 20)),
		}
	case 4:
		return &ais.StaticDataReport{Header: randHeader(r, 24), Part: 0, ShipName: randText(r, 20)}
	default:
		m := &ais.StaticDataReport{
			Header: randHeader(r, 24), Part: 1, ShipType: ais.ShipType(r.IntN(256)),
			VendorID: randText(r, 3), Model: uint8(r.IntN(16)), Serial: uint32(r.IntN(1 << 20)),
			CallSign: randText(r, 7),
		}
		if r.IntN(4) == 0 {
			m.MMSI = 980000000 + uint32(r.IntN(10000000)) // auxiliary craft
			m.MotherMMSI = uint32(r.IntN(1 << 30))
		} else {
			m.Dim = randDim(r)
		}
		return m
	}
}

const encodableKinds = 6

func unscaledJSON(m ais.Message) string {
	return string(m.AppendJSON(nil, ais.JSONOptions{}))
}

// normalise makes a decoded type 24 part B comparable with its input: the
// decoder reads the vendor id over the model and serial fields (the
// M.1371-3 layout), the encoder writes its first three characters.
func normalise(t *testing.T, in, out ais.Message) ais.Message {
	t.Helper()
	o, ok := out.(*ais.StaticDataReport)
	if !ok || o.Part != 1 {
		return out
	}
	i := in.(*ais.StaticDataReport)
	if !strings.HasPrefix(o.VendorID.String(), i.VendorID.String()) {
		t.Errorf("vendor id %q decoded as %q", i.VendorID.String(), o.VendorID.String())
	}
	c := *o
	c.VendorID = i.VendorID
	return &c
}

func TestEncodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 24))
	var d ais.Decoder
	for i := range 20000 {
		in := randMessage(r, i%encodableKinds)
		payload, fill, err := ais.AppendPayload(nil, in)
		if err != nil {
			t.Fatalf("AppendPayload(%s): %v", unscaledJSON(in), err)
		}
		out, err := d.Decode(payload, fill)
		if err != nil {
			t.Fatalf("Decode(%q, %d) of %s: %v", payload, fill, unscaledJSON(in), err)
		}
		got, want := unscaledJSON(normalise(t, in, out)), unscaledJSON(in)
		if got != want {
			t.Fatalf("round trip of %q:\n got %s\nwant %s", payload, got, want)
		}
		// Re-encoding the decoded message gives the same payload.
		again, fill2, err := ais.AppendPayload(nil, out)
		if err != nil || !bytes.Equal(again, payload) || fill2 != fill {
			t.Fatalf("re-encoding %q gave %q, %d, %v", payload, again, fill2, err)
		}
	}
}

func TestAppendPayloadLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		kind        int
		chars, fill int
	}{
		{0, 28, 0}, // type 1: 168 bits
		{1, 28, 0}, // type 4
		{2, 71, 2}, // type 5: 424 bits
		{3, 28, 0}, // type 18
		{4, 27, 2}, // type 24A: 160 bits
		{5, 28, 0}, // type 24B: 168 bits
	}
	for _, tt := range tests {
		p, fill, err := ais.AppendPayload([]byte("keep"), randMessage(r, tt.kind))
		if err != nil || len(p) != 4+tt.chars || fill != tt.fill || string(p[:4]) != "keep" {
			t.Errorf("kind %d: AppendPayload = %q, %d, %v; want %d characters after the prefix, fill %d", tt.kind, p, fill, err, tt.chars, tt.fill)
		}
	}
	if _, _, err := ais.AppendPayload(nil, &ais.SARPosition{}); !errors.Is(err, ais.ErrNotEncodable) {
		t.Errorf("AppendPayload(type 9) error %v; want ErrNotEncodable", err)
	}
	if _, err := ais.AppendNMEA(nil, &ais.StaticDataReport{Part: 2}, ais.NMEAOptions{}); !errors.Is(err, ais.ErrNotEncodable) {
		t.Errorf("AppendNMEA(type 24 part 2) error %v; want ErrNotEncodable", err)
	}
}

func TestAppendNMEA(t *testing.T) {
	pos := &ais.PositionReport{Header: ais.Header{Type: 1, MMSI: 227006760}, Speed: 0, Lon: 78828, Lat: 29685346,
		Course: 367, Heading: 511, Second: 14, Turn: ais.TurnNA, Radio: 22136}
	sv := &ais.StaticVoyage{Header: ais.Header{Type: 5, MMSI: 351759000}, IMO: 9134270, CallSign: ais.NewText("3FOF8"),
		ShipName: ais.NewText("EVER DIADEM"), ShipType: 70, Dim: ais.Dimensions{ToBow: 225, ToStern: 70, ToPort: 1, ToStarboard: 31},
		EPFD: 1, ETA: ais.ETA{Month: 5, Day: 15, Hour: 14, Minute: 0}, Draught: 122, Destination: ais.NewText("NEW YORK")}
	tests := []struct {
		name string
		m    ais.Message
		opt  ais.NMEAOptions
		want string
	}{
		{"type 1", pos, ais.NMEAOptions{},
			"!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\r\n"},
		{"tag block", pos, ais.NMEAOptions{Time: time.Unix(1334337317, 0), Source: "rEV02"},
			"\\c:1334337317,s:rEV02*58\\!AIVDM,1,1,,A,13HOI:0P0000VOHLCnHQKwvL05Ip,0*23\r\n"},
		{"source only, VDO on B", pos, ais.NMEAOptions{Source: "x", Own: true, Channel: 'B', Talker: "BS"},
			"\\s:x*31\\!BSVDO,1,1,,B,13HOI:0P0000VOHLCnHQKwvL05Ip,0*3B\r\n"},
		{"type 5", sv, ais.NMEAOptions{SeqID: 3},
			"!AIVDM,2,1,3,A,55?MbV02;H;s<HtKP00EHE:0@T4@Dl0000000016L961O5Gf0NSQEp6ClRh0,0*0C\r\n" +
				"!AIVDM,2,2,3,A,00000000000,2*27\r\n"},
	}
	for _, tt := range tests {
		got, err := ais.AppendNMEA(nil, tt.m, tt.opt)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: AppendNMEA =\n%q, %v\nwant\n%q", tt.name, got, err, tt.want)
		}
		for _, line := range strings.SplitAfter(string(got), "\n") {
			if line == "" {
				continue
			}
			if aistest.SplitChecksum([]byte(line)) != 1 {
				t.Errorf("%s: bad checksum in %q", tt.name, line)
			}
			if i := strings.IndexByte(line, '!'); len(line)-i-2 > 82 {
				t.Errorf("%s: sentence longer than 82 characters: %q", tt.name, line)
			}
		}
	}
}

// TestEncodeVsGpsdecode checks that gpsdecode reads the encoder's sentences
// as the encoder's input, field by field.
func TestEncodeVsGpsdecode(t *testing.T) {
	needGpsdecode(t)
	r := rand.New(rand.NewPCG(9, 9))
	var msgs []ais.Message
	var sentences []string
	for i := range 600 {
		m := randMessage(r, i%encodableKinds)
		s, err := ais.AppendNMEA(nil, m, ais.NMEAOptions{SeqID: i % 10})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
		sentences = append(sentences, strings.TrimSuffix(string(s), "\r\n"))
	}
	maps := gpsdecode(t, sentences, false)
	for i, m := range msgs {
		var want map[string]any
		if err := json.Unmarshal([]byte(unscaledJSON(m)), &want); err != nil {
			t.Fatal(err)
		}
		delete(want, "class")
		delete(want, "scaled")
		got := maps[i]
		if sd, ok := m.(*ais.StaticDataReport); ok && sd.Part == 1 {
			delete(want, "vendorid") // see normalise
			delete(got, "vendorid")
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("gpsdecode of %q:\n got %v\nwant %v", sentences[i], got, want)
		}
	}
}

func TestNewText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ever Given", "EVER GIVEN"},
		{"NAME  ", "NAME"},
		{"AB@CD", "AB"},
		{"é~x", "???X"}, // é is two bytes
		{"", ""},
	}
	for _, tt := range tests {
		got := ais.NewText(tt.in)
		if got.String() != tt.want {
			t.Errorf("NewText(%q) = %q; want %q", tt.in, got.String(), tt.want)
		}
	}
}

func BenchmarkAppendNMEA(b *testing.B) {
	m := randMessage(rand.New(rand.NewPCG(1, 2)), 0)
	opt := ais.NMEAOptions{Time: time.Unix(1700000000, 0), Source: "sim"}
	var buf []byte
	for b.Loop() {
		buf, _ = ais.AppendNMEA(buf[:0], m, opt)
	}
}
