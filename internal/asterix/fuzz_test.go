package asterix

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"testing"
)

// payloads returns the UDP payloads of a recording, or nil when absent.
func payloads(tb testing.TB, name string) [][]byte {
	f, err := os.Open(refDir + "/" + name)
	if err != nil {
		return nil
	}
	defer f.Close()
	p, err := NewPcapReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for {
		d, err := p.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, bytes.Clone(d.Payload))
	}
}

// FuzzDecode checks that Decode never panics and that what it returns is
// consistent: records lie inside the input, the counters agree with the
// result, and a record's own octets, framed again as a block, decode to
// the same items. Seeds: the hand-built blocks of decoder_test.go, the
// committed corpus in testdata/fuzz, and, when present, every datagram of
// the recordings (read at fuzz time, not copied: they are GPL).
func FuzzDecode(f *testing.F) {
	f.Add(block(48, rec048))
	f.Add(block(48, good048, good048))
	f.Add(cat(block(65, []byte{1, 2, 3}), block(34, []byte{0xC0, 0x19, 0x0C, 0x01})))
	for _, name := range []string{"cat_034_048.pcap", "cat_062_065.pcap", "asterix.pcap"} {
		for _, p := range payloads(f, name) {
			f.Add(p)
		}
	}
	for _, name := range []string{"cat048.raw", "cat062cat065.raw"} {
		if b, err := os.ReadFile(refDir + "/" + name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		recs, err := d.Decode(nil, data)
		if int64(len(recs)) != d.Stats.Records {
			t.Fatalf("%d records returned, %d counted", len(recs), d.Stats.Records)
		}
		if (err == nil) != (d.Stats.Errors() == 0) {
			t.Fatalf("error %v with %d errors counted", err, d.Stats.Errors())
		}
		if err != nil {
			var e *Error
			if !asError(err, &e) || e.Offset < 0 || e.Offset > len(data) {
				t.Fatalf("error %v is not an *Error inside the input", err)
			}
		}
		for _, r := range recs {
			if r.Offset < 3 || r.Length < 1 || r.Offset+r.Length > len(data) {
				t.Fatalf("record at %d+%d outside %d octets", r.Offset, r.Length, len(data))
			}
			var d2 Decoder
			again, err := d2.Decode(nil, block(r.Category, data[r.Offset:r.Offset+r.Length]))
			if err != nil || len(again) != 1 {
				t.Fatalf("record re-framed: %d records, %v", len(again), err)
			}
			a := again[0]
			if a.present != r.present || !reflect.DeepEqual(a.Cat034, r.Cat034) ||
				!reflect.DeepEqual(a.Cat048, r.Cat048) || !reflect.DeepEqual(a.Cat062, r.Cat062) {
				t.Fatalf("record re-framed decodes differently")
			}
			// The accessors must not panic either.
			r.Source()
			r.Polar()
			r.Velocity()
			r.FlightLevel()
			if p, ok := r.Polar(); ok {
				Site{Lat: 45, Lon: 15}.Locate(p.RangeM, p.Azimuth, 0)
			}
		}
	})
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// BenchmarkDecode048 decodes every datagram of the CAT 034/048 recording
// (162 records, 128 of them CAT 048) per iteration and reports records/s.
func BenchmarkDecode048(b *testing.B) {
	ps := payloads(b, "cat_034_048.pcap")
	if ps == nil {
		b.Skip("reference data absent")
	}
	var d Decoder
	var recs []Record
	n, bytesIn := 0, 0
	for _, p := range ps {
		bytesIn += len(p)
	}
	b.SetBytes(int64(bytesIn))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range ps {
			var err error
			recs, err = d.Decode(recs[:0], p)
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkLocate measures the polar to WGS-84 conversion.
func BenchmarkLocate(b *testing.B) {
	s := Site{Lat: 43.571022, Lon: 16.406062, HeightM: 780}
	for b.Loop() {
		s.Locate(273000, 192.5, 11887)
	}
}
