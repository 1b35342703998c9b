package cluster

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestBatchRoundTrip(t *testing.T) {
	lines := aisLines(t, "dma-stream-example.nmea")
	tests := []struct {
		name string
		b    Batch
	}{
		{"real lines", Batch{Input: "dma-tcp", Received: time.Date(2013, 3, 1, 12, 0, 0, 123456789, time.UTC), Lines: lines[:40]}},
		{"one line", Batch{Input: "udp:10110", Received: time.Unix(1, 0).UTC(), Lines: lines[:1]}},
		{"no lines", Batch{Input: "x", Received: time.Unix(0, 1).UTC()}},
		{"zero time", Batch{Input: "file", Lines: [][]byte{[]byte("!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C")}}},
		{"empty line and unicode name", Batch{Input: "Kiel · Förde", Received: time.Unix(1700000000, 0).UTC(), Lines: [][]byte{{}, []byte("x")}}},
	}
	for _, tt := range tests {
		p := AppendBatch(nil, tt.b)
		got, err := DecodeBatch(p)
		if err != nil {
			t.Errorf("%s: DecodeBatch: %v", tt.name, err)
			continue
		}
		if got.Input != tt.b.Input || !got.Received.Equal(tt.b.Received) || got.Received.IsZero() != tt.b.Received.IsZero() ||
			!slices.EqualFunc(got.Lines, tt.b.Lines, bytes.Equal) {
			t.Errorf("%s: DecodeBatch(AppendBatch(b)) = %+v; want %+v", tt.name, got, tt.b)
		}
	}
}

func TestControlRoundTrip(t *testing.T) {
	tests := []ControlRecord{
		{Kind: KindZone, Op: OpPut, ID: "z-harbour", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Node: "a",
			Body: []byte(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[10,54],[11,54],[11,55],[10,54]]]}}`)},
		{Kind: KindIncident, Op: OpAppend, ID: "inc-7", Time: time.Unix(1, 0).UTC(), Node: "b", Body: []byte(`{"note":"boarded"}`)},
		{Kind: KindToken, Op: OpDelete, ID: "tok-1", Time: time.Unix(2, 0).UTC(), Node: "c"},
		{Kind: KindPartner, Op: OpPut, ID: "JP-JCG", Time: time.Unix(3, 0).UTC(), Node: "c", Body: []byte("{}")},
	}
	for _, r := range tests {
		got, err := DecodeControl(AppendControl(nil, r))
		if err != nil {
			t.Errorf("%v %s: %v", r.Kind, r.ID, err)
			continue
		}
		if got.Kind != r.Kind || got.Op != r.Op || got.ID != r.ID || !got.Time.Equal(r.Time) || got.Node != r.Node || !bytes.Equal(got.Body, r.Body) {
			t.Errorf("DecodeControl(AppendControl(r)) = %+v; want %+v", got, r)
		}
	}
}

// TestDecodeCorrupt: every damaged entry is refused with ErrCorrupt.
func TestDecodeCorrupt(t *testing.T) {
	good := AppendBatch(nil, Batch{Input: "in", Received: time.Unix(5, 0), Lines: [][]byte{[]byte("!AIVDM,1,1,,B,13u?etPv2;0n:dDPwUM1U1Cb069D,0*24")}})
	flip := bytes.Clone(good)
	flip[10] ^= 1
	version := bytes.Clone(good)
	version[0] = 3 // 1 and 2 (sensor batches) are known
	// A valid checksum over a body that claims more lines than it holds.
	lying := appendSum(append([]byte{entryVersion, 0}, make([]byte, 8)...), 0)
	lying = append(lying[:len(lying)-4], 0xff, 0x01)
	lying = appendSum(lying, 0)
	trailing := appendSum(append(bytes.Clone(good[:len(good)-4]), 0), 0)
	badKind := AppendControl(nil, ControlRecord{Kind: 9, Op: OpPut, ID: "x"})
	tests := []struct {
		name    string
		p       []byte
		control bool
		want    error
	}{
		{"empty", nil, false, errShort},
		{"truncated", good[:len(good)-1], false, errChecksum},
		{"bit flip", flip, false, errChecksum},
		{"version 3", version, false, errVersion},
		{"count beyond the bytes", lying, false, errShort},
		{"trailing byte", trailing, false, errTrailing},
		{"unknown kind", badKind, true, errBadRecord},
		{"batch as control", good, true, nil},
	}
	for _, tt := range tests {
		var err error
		if tt.control {
			_, err = DecodeControl(tt.p)
		} else {
			_, err = DecodeBatch(tt.p)
		}
		if !errors.Is(err, ErrCorrupt) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v; want ErrCorrupt (%v)", tt.name, err, tt.want)
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	lines := aisLines(f, "dma-small-cb-example.nmea")
	f.Add(AppendBatch(nil, Batch{Input: "a", Received: time.Unix(9, 0), Lines: lines}))
	f.Add(AppendBatch(nil, Batch{}))
	f.Add(AppendControl(nil, ControlRecord{Kind: KindZone, Op: OpPut, ID: "z", Body: []byte("{}")}))
	f.Fuzz(func(t *testing.T, p []byte) {
		if b, err := DecodeBatch(p); err == nil {
			again, err := DecodeBatch(AppendBatch(nil, b))
			if err != nil || again.Input != b.Input || !again.Received.Equal(b.Received) || !slices.EqualFunc(again.Lines, b.Lines, bytes.Equal) {
				t.Fatalf("batch %+v does not survive a round trip: %+v, %v", b, again, err)
			}
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("DecodeBatch: %v, not ErrCorrupt", err)
		}
		if r, err := DecodeControl(p); err == nil {
			if _, err := DecodeControl(AppendControl(nil, r)); err != nil {
				t.Fatalf("record %+v does not survive a round trip: %v", r, err)
			}
		} else if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("DecodeControl: %v, not ErrCorrupt", err)
		}
	})
}

func BenchmarkAppendBatch(b *testing.B) {
	bs := batches(aisLines(b, "aishub-3min.nmea"), aishubPerBatch, "tcp-1", t0)
	var buf []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = AppendBatch(buf[:0], bs[i%len(bs)])
		i++
	}
}

func BenchmarkDecodeBatch(b *testing.B) {
	bs := batches(aisLines(b, "aishub-3min.nmea"), aishubPerBatch, "tcp-1", t0)
	enc := make([][]byte, len(bs))
	for i, x := range bs {
		enc[i] = AppendBatch(nil, x)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := DecodeBatch(enc[i%len(enc)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
