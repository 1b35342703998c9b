package incident_test

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tidewatch/tidewatch/internal/incident"
)

// logOf writes the samples as a log through a store and returns the file
// bytes and the offset where the last record starts.
func logOf(t *testing.T) (data []byte, lastOff int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "incidents.log")
	s, err := incident.Open(path, incident.Options{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	ins := samples()
	for _, in := range ins[:len(ins)-1] {
		in.Origin = "JP-JCG"
		if _, err := s.Receive(in); err != nil {
			t.Fatal(err)
		}
	}
	lastOff = int(fileSize(t, path))
	last := ins[len(ins)-1]
	if _, err := s.Receive(last); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return mustRead(t, path), lastOff
}

func fileSize(t *testing.T, path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestTornTail cuts the log at every byte of its last record: Open keeps
// the records before it, notes the cut, and the store takes writes again.
func TestTornTail(t *testing.T) {
	data, lastOff := logOf(t)
	ins := samples()
	dir := t.TempDir()
	for cut := lastOff; cut < len(data); cut++ {
		path := filepath.Join(dir, "torn.log")
		mustWrite(t, path, data[:cut])
		s, err := incident.Open(path, incident.Options{Node: node})
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if s.Len() != len(ins)-1 {
			t.Fatalf("cut at %d: %d records; want %d", cut, s.Len(), len(ins)-1)
		}
		if _, ok := s.Get(ins[len(ins)-1].ID); ok {
			t.Fatalf("cut at %d: the torn record is there", cut)
		}
		rec := s.Recovery()
		if cut == lastOff && len(rec) != 0 {
			t.Fatalf("cut at a record boundary: Recovery = %q", rec)
		}
		if cut > lastOff && (len(rec) != 1 || !strings.Contains(rec[0], "torn tail")) {
			t.Fatalf("cut at %d: Recovery = %q", cut, rec)
		}
		if got := fileSize(t, path); got != int64(lastOff) {
			t.Fatalf("cut at %d: file is %d bytes after repair; want %d", cut, got, lastOff)
		}
		// Writes go on, and survive a reopen.
		if _, err := s.Receive(ins[len(ins)-1]); err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		s.Close()
		s = openStore(t, path)
		if s.Len() != len(ins) || len(s.Recovery()) != 0 {
			t.Fatalf("cut at %d: after repair and a write, %d records, recovery %q", cut, s.Len(), s.Recovery())
		}
		s.Close()
	}
}

// TestGarbledTail flips every byte of the last record in turn: a tail
// that fails its checksum is torn too.
func TestGarbledTail(t *testing.T) {
	data, lastOff := logOf(t)
	path := filepath.Join(t.TempDir(), "garbled.log")
	for i := lastOff; i < len(data); i++ {
		b := append([]byte(nil), data...)
		b[i] ^= 0x40
		mustWrite(t, path, b)
		s, err := incident.Open(path, incident.Options{Node: node})
		if err != nil {
			t.Fatalf("byte %d flipped: %v", i, err)
		}
		if s.Len() != 2 || len(s.Recovery()) != 1 {
			t.Fatalf("byte %d flipped: %d records, recovery %q", i, s.Len(), s.Recovery())
		}
		s.Close()
	}
}

// TestDamageInTheMiddle flips every byte of the records before the last:
// Open refuses the log, naming the damaged record's offset.
func TestDamageInTheMiddle(t *testing.T) {
	data, lastOff := logOf(t)
	path := filepath.Join(t.TempDir(), "damaged.log")
	// Record offsets: walk the framing.
	var starts []int
	for off := incident.HeaderSize; off < lastOff; {
		starts = append(starts, off)
		n := int(binary.LittleEndian.Uint32(data[off:]))
		off += incident.FrameSize + n
	}
	if len(starts) != 2 {
		t.Fatalf("%d records before the last; want 2", len(starts))
	}
	for i := incident.HeaderSize; i < lastOff; i++ {
		rec := starts[0]
		if i >= starts[1] {
			rec = starts[1]
		}
		b := append([]byte(nil), data...)
		b[i] ^= 0x01
		mustWrite(t, path, b)
		s, err := incident.Open(path, incident.Options{Node: node})
		if err == nil {
			s.Close()
			t.Fatalf("byte %d flipped: Open succeeded", i)
		}
		var fe *incident.FileError
		if !errors.Is(err, incident.ErrCorrupt) || !errors.As(err, &fe) || fe.Offset != int64(rec) {
			t.Fatalf("byte %d flipped: %v; want ErrCorrupt at offset %d", i, err, rec)
		}
		if got := mustRead(t, path); !reflect.DeepEqual(got, b) {
			t.Fatalf("byte %d flipped: Open modified a damaged log", i)
		}
	}
}

func TestHeader(t *testing.T) {
	data, _ := logOf(t)
	v1 := mustRead(t, filepath.Join("testdata", "v1.log"))
	dir := t.TempDir()
	tests := []struct {
		name string
		data []byte
		want error // nil: opens as an empty log
	}{
		{"empty file", nil, nil},
		{"torn header", data[:7], nil},
		{"torn version 1 header", v1[:12], nil},
		{"not a log", []byte("hello, world, this is not a log"), incident.ErrFormat},
		{"short non-log", []byte("PK\x03"), incident.ErrFormat},
		{"version 1 header checksum", flip(v1, 13), incident.ErrCorrupt},
		{"future version 1 header", withV1Version(v1, 2), incident.ErrFormat},
		{"future version", withVersion(data, 3), incident.ErrFormat},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
		mustWrite(t, path, tt.data)
		s, err := incident.Open(path, incident.Options{Node: node})
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
				continue
			}
			if s.Len() != 0 {
				t.Errorf("%s: %d records", tt.name, s.Len())
			}
			if _, err := s.Put(draft("x"), t0); err != nil {
				t.Errorf("%s: Put: %v", tt.name, err)
			}
			s.Close()
			s = openStore(t, path)
			if s.Len() != 1 {
				t.Errorf("%s: %d records after a Put and reopen", tt.name, s.Len())
			}
			s.Close()
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v; want %v", tt.name, err, tt.want)
		}
	}
}

func flip(b []byte, i int) []byte {
	b = append([]byte(nil), b...)
	b[i] ^= 1
	return b
}

// withVersion sets the version of a current (version 2) header.
func withVersion(b []byte, v byte) []byte {
	b = append([]byte(nil), b...)
	b[6], b[7] = v, 0
	return b
}

// withV1Version sets the version of a version 1 header (and its checksum).
func withV1Version(b []byte, v byte) []byte {
	b = append([]byte(nil), b...)
	b[9] = v
	binary.BigEndian.PutUint32(b[12:], crc32.Checksum(b[:12], crc32.MakeTable(crc32.Castagnoli)))
	return b
}
