package outbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
)

func validSegment(first uint64, n int) []byte {
	b := segmentHeader(first)
	for i := range n {
		seq := first + uint64(i)
		b = appendRecord(b, seq, int64(seq)*1000, bytes.Repeat([]byte{byte(seq)}, int(seq%50)))
	}
	return b
}

// FuzzSegment scans arbitrary bytes as a segment: never a panic; whatever
// it accepts is a prefix of the input that re-encodes byte for byte, and a
// torn tail is reported only where no intact later record exists.
func FuzzSegment(f *testing.F) {
	v := validSegment(1, 20)
	f.Add(v)
	f.Add(v[:len(v)-3])
	f.Add(v[:10])
	d := bytes.Clone(v)
	d[60] ^= 1
	f.Add(d)
	f.Add(validSegment(1, 0))
	f.Add([]byte("TWOBX\x00\x02\x00"))
	f.Add(validSegmentV1(1, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		type rec struct {
			seq  uint64
			off  int64
			size int
		}
		var recs []rec
		end, rf, err := scanSegment("fuzz.seg", data, 1, func(seq uint64, off int64, total int) {
			recs = append(recs, rec{seq, off, total})
		})
		if end < 0 || end > int64(len(data)) {
			t.Fatalf("end %d outside 0..%d", end, len(data))
		}
		if err == nil && end != int64(len(data)) {
			t.Fatalf("no error but stopped at %d of %d", end, len(data))
		}
		if err != nil && !errors.Is(err, errTorn) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(recs) == 0 {
			return
		}
		re := segmentHeader(1)
		if rf.version == 1 {
			re[6] = 1
		}
		for i, r := range recs {
			if r.seq != uint64(i)+1 || r.off != int64(len(re)) {
				t.Fatalf("record %d: seq %d at %d; want %d at %d", i, r.seq, r.off, i+1, len(re))
			}
			b := data[r.off : r.off+int64(r.size)]
			if rf.version == 1 {
				re = appendRecordV1(re, r.seq, int64(le64(b[16:])), b[24:])
			} else {
				re = appendRecord(re, r.seq, int64(le64(b[rf.nbAt:])), b[recHdrLen:])
			}
		}
		if !bytes.Equal(re, data[:end]) {
			t.Fatal("accepted prefix does not re-encode to the input")
		}
	})
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// appendRecordV1 encodes a record of format version 1 (independently of
// the package's reader): uint32 n | CRC-32C of n, seq, notBefore, data |
// seq | notBefore | data.
func appendRecordV1(dst []byte, seq uint64, notBefore int64, data []byte) []byte {
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h, uint32(len(data)))
	binary.LittleEndian.PutUint64(h[8:], seq)
	binary.LittleEndian.PutUint64(h[16:], uint64(notBefore))
	crc := crc32.Update(0, crc32.MakeTable(crc32.Castagnoli), h[0:4])
	crc = crc32.Update(crc, crc32.MakeTable(crc32.Castagnoli), h[8:])
	crc = crc32.Update(crc, crc32.MakeTable(crc32.Castagnoli), data)
	binary.LittleEndian.PutUint32(h[4:], crc)
	return append(append(dst, h...), data...)
}

func validSegmentV1(first uint64, n int) []byte {
	b := segmentHeader(first)
	b[6] = 1
	for i := range n {
		seq := first + uint64(i)
		b = appendRecordV1(b, seq, int64(seq)*1000, bytes.Repeat([]byte{byte(seq)}, int(seq%50)))
	}
	return b
}
