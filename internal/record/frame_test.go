package record_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// readAll reads every record of b with a Reader and returns the payloads
// (prefixed with their type) and the final error (nil at a clean end).
func readAll(b []byte, opts record.ReaderOptions) ([]string, int64, error) {
	r := record.NewReader(bytes.NewReader(b), "seg", opts)
	var out []string
	for {
		typ, p, err := r.Next()
		if err == io.EOF {
			return out, r.Offset(), nil
		}
		if err != nil {
			return out, r.Offset(), err
		}
		out = append(out, fmt.Sprintf("%d:%s", typ, p))
	}
}

func testRecords() (b []byte, want []string, ends []int) {
	for i := range 20 {
		p := bytes.Repeat([]byte{byte('a' + i)}, i*7)
		b = record.Append(b, byte(1+i%3), p)
		want = append(want, fmt.Sprintf("%d:%s", 1+i%3, p))
		ends = append(ends, len(b))
	}
	return b, want, ends
}

func TestReaderRoundTrip(t *testing.T) {
	b, want, _ := testRecords()
	got, off, err := readAll(b, record.ReaderOptions{})
	if err != nil || off != int64(len(b)) {
		t.Fatalf("read = %d records, offset %d, %v; want %d, %d, nil", len(got), off, err, len(want), len(b))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records = %q, want %q", got, want)
	}
}

// TestReaderTornAtEveryByte cuts the file at every byte: the records
// before the cut read back, and a cut inside a record is a torn tail at
// that record's offset, never corruption.
func TestReaderTornAtEveryByte(t *testing.T) {
	b, want, ends := testRecords()
	for cut := 0; cut <= len(b); cut++ {
		complete, start := 0, 0
		for complete < len(ends) && ends[complete] <= cut {
			start = ends[complete]
			complete++
		}
		got, off, err := readAll(b[:cut], record.ReaderOptions{Offset: 0})
		if fmt.Sprint(got) != fmt.Sprint(want[:complete]) {
			t.Fatalf("cut %d: %d records, want %d", cut, len(got), complete)
		}
		if off != int64(start) {
			t.Errorf("cut %d: offset %d, want %d", cut, off, start)
		}
		if cut == start {
			if err != nil {
				t.Errorf("cut %d at a record boundary: %v", cut, err)
			}
			continue
		}
		var fe *record.FileError
		if !errors.Is(err, record.ErrTorn) || !errors.As(err, &fe) || fe.Offset != int64(start) || fe.Path != "seg" {
			t.Errorf("cut %d: error %v; want a torn tail at offset %d", cut, err, start)
		}
	}
}

// TestReaderCorruptMiddle flips one byte in each record but the last:
// the damage is reported as corruption at that record's offset, with the
// records before it read.
func TestReaderCorruptMiddle(t *testing.T) {
	b, want, ends := testRecords()
	for i := 0; i < len(ends)-1; i++ {
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		for _, at := range []int{start, start + 4, start + 8, ends[i] - 1} {
			if at >= ends[i] {
				continue
			}
			d := bytes.Clone(b)
			d[at] ^= 0x40
			got, _, err := readAll(d, record.ReaderOptions{Offset: 100})
			var fe *record.FileError
			if !errors.Is(err, record.ErrCorrupt) || !errors.As(err, &fe) || fe.Offset != 100+int64(start) {
				t.Errorf("record %d byte %d damaged: %v; want corruption at offset %d", i, at, err, 100+start)
			}
			if fmt.Sprint(got) != fmt.Sprint(want[:i]) {
				t.Errorf("record %d damaged: read %d records before it, want %d", i, len(got), i)
			}
		}
	}
	// Damage in the last record is indistinguishable from a torn write.
	d := bytes.Clone(b)
	d[len(d)-1] ^= 1
	if _, _, err := readAll(d, record.ReaderOptions{}); !errors.Is(err, record.ErrTorn) {
		t.Errorf("last record damaged: %v; want a torn tail", err)
	}
}

// TestReaderAdjacentOnly: with AdjacentOnly, only a valid record right
// after a complete bad one is evidence of damage; a valid record further
// on (a page that reached the disk before an earlier one) is not.
func TestReaderAdjacentOnly(t *testing.T) {
	b, _, ends := testRecords()
	adj := record.ReaderOptions{AdjacentOnly: true}
	// Checksum of record 3 broken, record 4 intact right after: damage.
	d := bytes.Clone(b)
	d[ends[2]+record.HeaderLen] ^= 1
	if _, _, err := readAll(d, adj); !errors.Is(err, record.ErrCorrupt) {
		t.Errorf("bad checksum before a valid record: %v; want ErrCorrupt", err)
	}
	// Record 3's length broken (longer than the file): torn with
	// AdjacentOnly, damage without (records 4… are intact further on).
	d = bytes.Clone(b)
	d[ends[2]+3] = 0x7f
	if _, off, err := readAll(d, adj); !errors.Is(err, record.ErrTorn) || off != int64(ends[2]) {
		t.Errorf("bad length, AdjacentOnly: %v at %d; want a torn tail at %d", err, off, ends[2])
	}
	if _, _, err := readAll(d, record.ReaderOptions{}); !errors.Is(err, record.ErrCorrupt) {
		t.Errorf("bad length: %v; want ErrCorrupt", err)
	}
	// Records 3 and 4 zeroed (pages lost), 5… intact: torn with
	// AdjacentOnly.
	d = bytes.Clone(b)
	clear(d[ends[2]:ends[4]])
	if _, _, err := readAll(d, adj); !errors.Is(err, record.ErrTorn) {
		t.Errorf("zeroed records before valid ones, AdjacentOnly: %v; want a torn tail", err)
	}
}

func TestReaderMaxPayload(t *testing.T) {
	b := record.Append(nil, 1, make([]byte, 100))
	b = record.Append(b, 1, []byte("x"))
	if _, _, err := readAll(b, record.ReaderOptions{MaxPayload: 99}); !errors.Is(err, record.ErrCorrupt) {
		t.Errorf("record over MaxPayload followed by a valid one: %v; want ErrCorrupt", err)
	}
	if got, _, err := readAll(b, record.ReaderOptions{MaxPayload: 100}); err != nil || len(got) != 2 {
		t.Errorf("records within MaxPayload: %d, %v", len(got), err)
	}
}

// TestLegacyLayouts checks the read-only layouts against records framed
// the way audit v1 (CRC over length too) and incident v1 (the same, big
// endian) frame them, independently encoded here.
func TestLegacyLayouts(t *testing.T) {
	frame := func(big bool, typ byte, p []byte) []byte {
		h := make([]byte, 9)
		if big {
			h[0], h[1], h[2], h[3] = byte(len(p)>>24), byte(len(p)>>16), byte(len(p)>>8), byte(len(p))
		} else {
			h[0], h[1], h[2], h[3] = byte(len(p)), byte(len(p)>>8), byte(len(p)>>16), byte(len(p)>>24)
		}
		h[8] = typ
		c := crc32c(append(append(h[0:4:4], typ), p...))
		if big {
			h[4], h[5], h[6], h[7] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
		} else {
			h[4], h[5], h[6], h[7] = byte(c), byte(c>>8), byte(c>>16), byte(c>>24)
		}
		return append(h, p...)
	}
	for _, tt := range []struct {
		layout record.Layout
		big    bool
	}{{record.LegacyLengthCRC, false}, {record.LegacyBigEndian, true}} {
		b := append(frame(tt.big, 1, []byte(`{"id":"a"}`)), frame(tt.big, 2, []byte("second"))...)
		got, _, err := readAll(b, record.ReaderOptions{Layout: tt.layout})
		if err != nil || fmt.Sprint(got) != `[1:{"id":"a"} 2:second]` {
			t.Errorf("layout %d: %q, %v", tt.layout, got, err)
		}
		// Layout.Append writes the same bytes.
		again := tt.layout.Append(nil, 1, []byte(`{"id":"a"}`))
		again = tt.layout.Append(again, 2, []byte("second"))
		if !bytes.Equal(again, b) {
			t.Errorf("layout %d: Append = % x, want % x", tt.layout, again, b)
		}
		// The current layout does not accept them.
		if _, _, err := readAll(b, record.ReaderOptions{}); err == nil {
			t.Errorf("layout %d records read as the current layout", tt.layout)
		}
	}
}

func crc32c(b []byte) uint32 {
	// Bitwise CRC-32C, independent of hash/crc32.
	crc := ^uint32(0)
	for _, c := range b {
		crc ^= uint32(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x82F63B78
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// TestFramingBytes pins the current layout byte by byte.
func TestFramingBytes(t *testing.T) {
	b := record.Append(nil, 3, []byte("hi"))
	c := crc32c([]byte{3, 'h', 'i'})
	want := []byte{2, 0, 0, 0, byte(c), byte(c >> 8), byte(c >> 16), byte(c >> 24), 3, 'h', 'i'}
	if !bytes.Equal(b, want) {
		t.Errorf("Append = % x, want % x", b, want)
	}
	h := make([]byte, record.HeaderLen)
	record.PutHeader2(h, 3, []byte("h"), []byte("i"))
	if !bytes.Equal(h, want[:record.HeaderLen]) {
		t.Errorf("PutHeader2 = % x, want % x", h, want[:record.HeaderLen])
	}
	buf := make([]byte, record.HeaderLen+2)
	copy(buf[record.HeaderLen:], "hi")
	record.Frame(buf, 3)
	if !bytes.Equal(buf, want) {
		t.Errorf("Frame = % x, want % x", buf, want)
	}
}

func TestFileHeader(t *testing.T) {
	h := record.AppendFileHeader(nil, "TWTST\x00", 7)
	if want := []byte("TWTST\x00\x07\x00"); !bytes.Equal(h, want) {
		t.Fatalf("header = %q, want %q", h, want)
	}
	tests := []struct {
		b    []byte
		ver  uint16
		want error
	}{
		{h, 7, nil},
		{append(h, 1, 2, 3), 7, nil},
		{h[:0], 0, record.ErrTorn},
		{h[:3], 0, record.ErrTorn},
		{h[:7], 0, record.ErrTorn},
		{[]byte("TWXX"), 0, record.ErrCorrupt},
		{[]byte("TWXST\x00\x01\x00"), 0, record.ErrCorrupt},
	}
	for _, tt := range tests {
		v, err := record.ParseFileHeader(tt.b, "TWTST\x00")
		if v != tt.ver || !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("ParseFileHeader(%q) = %d, %v; want %d, %v", tt.b, v, err, tt.ver, tt.want)
		}
	}
}

func TestFileErrorAndMark(t *testing.T) {
	errOwn := errors.New("own: corrupt")
	fe := &record.FileError{Path: "/d/x.log", Offset: 42, Err: record.ErrCorrupt}
	if got, want := fe.Error(), "/d/x.log at offset 42: record: corrupt data"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&record.FileError{Path: "f", Offset: -1, Err: io.EOF}).Error(), "f: EOF"; got != want {
		t.Errorf("Error() without offset = %q, want %q", got, want)
	}
	m := record.Mark(fe, errOwn)
	var got *record.FileError
	if !errors.Is(m, errOwn) || !errors.Is(m, record.ErrCorrupt) || !errors.As(m, &got) || got.Offset != 42 || got.Path != "/d/x.log" {
		t.Errorf("Mark = %v; want both sentinels and the position", m)
	}
	if record.Mark(nil, errOwn) != nil {
		t.Error("Mark(nil) is not nil")
	}
}

func FuzzReader(f *testing.F) {
	b, _, _ := testRecords()
	f.Add(b)
	f.Add(b[:len(b)-3])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, off, err := readAll(b, record.ReaderOptions{MaxPayload: 1 << 16})
		if off < 0 || off > int64(len(b)) {
			t.Fatalf("offset %d outside the %d bytes", off, len(b))
		}
		if err == nil && off != int64(len(b)) {
			t.Fatalf("clean end at %d of %d bytes", off, len(b))
		}
		if err != nil && !errors.Is(err, record.ErrTorn) && !errors.Is(err, record.ErrCorrupt) {
			t.Fatalf("error %v is neither torn nor corrupt", err)
		}
		// Re-framing what was read reproduces the valid prefix.
		var again []byte
		for _, s := range got {
			var typ byte
			var p string
			fmt.Sscanf(s, "%d:", &typ)
			_, p, _ = cut(s)
			again = record.Append(again, typ, []byte(p))
		}
		if !bytes.Equal(again, b[:off]) {
			t.Fatalf("re-framed records differ from the valid prefix")
		}
	})
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func BenchmarkAppend(b *testing.B) {
	p := make([]byte, 200)
	buf := make([]byte, 0, 1<<20)
	b.SetBytes(int64(len(p) + record.HeaderLen))
	for b.Loop() {
		buf = record.Append(buf[:0], 1, p)
	}
}

func BenchmarkReader(b *testing.B) {
	var data []byte
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		p := make([]byte, 50+rng.IntN(300))
		data = record.Append(data, 1, p)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := record.NewReader(bytes.NewReader(data), "bench", record.ReaderOptions{})
		for {
			if _, _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
