package ais_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/tidewatch/tidewatch/internal/ais"
)

func TestNotAvailableValues(t *testing.T) {
	// A real SAR aircraft report with every kinematic field unavailable,
	// and a real Class A report with all fields present.
	var d ais.Decoder
	m, err := d.Decode([]byte("91b55uOwww<tSF0l4Q@>4?h20h@B"), 0)
	if err != nil {
		t.Fatal(err)
	}
	sar := m.(*ais.SARPosition)
	if _, ok := sar.Lon.Degrees(); ok {
		t.Errorf("Lon %d: Degrees ok, want not available", sar.Lon)
	}
	if _, ok := sar.Lat.Degrees(); ok {
		t.Errorf("Lat %d: Degrees ok, want not available", sar.Lat)
	}
	if _, ok := sar.Speed.Knots(); ok {
		t.Errorf("Speed %d: ok, want not available", sar.Speed)
	}
	if _, ok := sar.Course.Degrees(); ok {
		t.Errorf("Course %d: ok, want not available", sar.Course)
	}
	if _, ok := sar.Altitude.Metres(); ok {
		t.Errorf("Altitude %d: ok, want not available", sar.Altitude)
	}
	if _, ok := sar.Second.Value(); ok {
		t.Errorf("Second %d: ok, want not available", sar.Second)
	}

	m, err = d.Decode([]byte("15RTgt0PAso;90TKcjM8h6g208CQ"), 0)
	if err != nil {
		t.Fatal(err)
	}
	p := m.(*ais.PositionReport)
	lon, ok1 := p.Lon.Degrees()
	lat, ok2 := p.Lat.Degrees()
	kn, ok3 := p.Speed.Knots()
	cog, ok4 := p.Course.Degrees()
	hdg, ok5 := p.Heading.Degrees()
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		t.Fatalf("position fields unexpectedly not available: %+v", p)
	}
	// Values from gpsd's test/sample.aivdm check file.
	if math.Abs(lon - -123.395383) > 1e-6 || math.Abs(lat-48.381633) > 1e-6 || kn != 12.3 || cog != 224 || hdg != 215 {
		t.Errorf("got lon %v lat %v speed %v course %v heading %v", lon, lat, kn, cog, hdg)
	}
	if p.MMSI != 371798000 || p.Status.String() != "Under way using engine" {
		t.Errorf("MMSI %d status %q", p.MMSI, p.Status)
	}
}

func TestTurn(t *testing.T) {
	tests := []struct {
		raw  ais.Turn
		want float64
		ok   bool
		fast int
	}{
		{-128, 0, false, 0},
		{127, 0, false, 1},
		{-127, 0, false, -1},
		{0, 0, true, 0},
		{-10, -(10 / 4.733) * (10 / 4.733), true, 0},
		{10, (10 / 4.733) * (10 / 4.733), true, 0},
		{126, (126 / 4.733) * (126 / 4.733), true, 0},
	}
	for _, tt := range tests {
		got, ok := tt.raw.DegreesPerMinute()
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 || tt.raw.Fast() != tt.fast {
			t.Errorf("Turn(%d) = %v, %v, fast %d; want %v, %v, fast %d", tt.raw, got, ok, tt.raw.Fast(), tt.want, tt.ok, tt.fast)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		payload string
		fill    int
		want    error
	}{
		{"", 0, ais.ErrEmpty},
		{"13HOI:0P0000VOHLCnHQKwvL05Ip", 6, ais.ErrFillBits},
		{"13HOI:0P00X0VOHLCnHQKwvL05Ip", 0, ais.ErrCharacter},
		{"13HOI:0P0000VOHLCnHQ", 0, ais.ErrTooShort},                // 120-bit type 1
		{"13@nePh01>PjcO4PGReoJEmL0HJg", 0, nil},                    // 168 bits
		{"13@nePh01>PjcO4PGReoJEmL0HJg", 5, nil},                    // 163 bits: accepted, as gpsd
		{"13@nePh01>PjcO4PGReoJEmL0HJ", 0, ais.ErrTooShort},         // 162 bits
		{"U31<0OOP000CshrMdl600?wP00SL", 0, ais.ErrUnsupportedType}, // type 37
		{"0S9edj0P03PecbBN`ja@0?w42cFC", 0, ais.ErrUnsupportedType}, // type 0
	}
	var d ais.Decoder
	for _, tt := range tests {
		_, err := d.Decode([]byte(tt.payload), tt.fill)
		if !errors.Is(err, tt.want) {
			t.Errorf("Decode(%q, %d) error = %v, want %v", tt.payload, tt.fill, err, tt.want)
		}
	}
	// The character position is reported.
	_, err := d.Decode([]byte("13HOI:0P00X0VOHLCnHQKwvL05Ip"), 0)
	var de *ais.DecodeError
	if !errors.As(err, &de) || de.Offset != 10 {
		t.Errorf("error %v: want *DecodeError at offset 10", err)
	}
	long := make([]byte, ais.MaxPayloadChars+1)
	for i := range long {
		long[i] = '1'
	}
	if _, err := d.Decode(long, 0); !errors.Is(err, ais.ErrTooLong) {
		t.Errorf("over-long payload: error %v, want ErrTooLong", err)
	}
}

// TestDecodeAllocs proves the hot path allocates nothing: position
// reports, static data and their JSON.
func TestDecodeAllocs(t *testing.T) {
	payloads := []struct {
		p    string
		fill int
	}{
		{"15RTgt0PAso;90TKcjM8h6g208CQ", 0},
		{"B4vph:00@@:Smf8@H1mJGwV5oP06", 0},
		{"58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0TPFRC88888888880", 2},
		{"402=481uaUcf;OQ55JS9ITi025Jp", 0},
	}
	var d ais.Decoder
	buf := make([]byte, 0, 4096)
	for _, p := range payloads {
		in := []byte(p.p)
		allocs := testing.AllocsPerRun(100, func() {
			m, err := d.Decode(in, p.fill)
			if err != nil {
				t.Fatal(err)
			}
			buf = m.AppendJSON(buf[:0], ais.JSONOptions{Scaled: true})
		})
		if allocs != 0 {
			t.Errorf("Decode+AppendJSON(%q): %v allocations, want 0", p.p, allocs)
		}
	}
}

func BenchmarkDecodePosition(b *testing.B) {
	in := []byte("15RTgt0PAso;90TKcjM8h6g208CQ")
	var d ais.Decoder
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(in, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeStatic(b *testing.B) {
	in := []byte("58KvN<42ACikUKW77F1H4hF0<PTp622222222216`0`cF5BF0RT13H0TPFRC88888888880")
	var d ais.Decoder
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(in, 2); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	var d ais.Decoder
	m, err := d.Decode([]byte("15RTgt0PAso;90TKcjM8h6g208CQ"), 0)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = m.AppendJSON(buf[:0], ais.JSONOptions{Scaled: true})
	}
}

func ExampleDecoder() {
	var d ais.Decoder
	// The payload of !AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A
	msg, err := d.Decode([]byte("15RTgt0PAso;90TKcjM8h6g208CQ"), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	if p, ok := msg.(*ais.PositionReport); ok {
		lat, _ := p.Lat.Degrees()
		lon, _ := p.Lon.Degrees()
		kn, _ := p.Speed.Knots()
		fmt.Printf("%d at %.4f,%.4f making %.1f kn (%s)\n", p.MMSI, lat, lon, kn, p.Status)
	}
	fmt.Printf("%s\n", msg.AppendJSON(nil, ais.JSONOptions{}))
	// Output:
	// 371798000 at 48.3816,-123.3954 making 12.3 kn (Under way using engine)
	// {"class":"AIS","type":1,"repeat":0,"mmsi":371798000,"scaled":false,"status":0,"status_text":"Under way using engine","turn":-127,"speed":123,"accuracy":true,"lon":-74037230,"lat":29028980,"course":2240,"heading":215,"second":33,"maneuver":0,"raim":false,"radio":34017}
}
