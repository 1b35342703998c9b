package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// FuzzRecords feeds arbitrary payloads to the record decoder that WAL
// replay and block reading use: errors, never panics or runaway
// allocation.
func FuzzRecords(f *testing.F) {
	var b Batch
	_ = b
	f.Add(byte(recTracked), appendPosRec(binaryUvarint(nil, 1), &posRec{mmsi: 419000001, point: point{t: 1000, lat: 5, lon: 6, track: 2}}))
	f.Add(byte(recPositions), []byte{1, 0x81, 0xd0, 0xe6, 0xc7, 1, 0xd0, 0xf, 10, 12, 0, 0, 0, 0, 0, 0}) // before track ids
	f.Add(byte(recStatics), appendStatic(binaryUvarint(nil, 1), &staticRec{}))
	f.Add(byte(recSources), appendString(binaryUvarint(binaryUvarint(nil, 1), 3), "rx"))
	f.Add(byte(9), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, typ byte, payload []byte) {
		sink := recordSink{pos: func(*posRec) {}, static: func(*staticRec) {}, prov: func(*provRec) {}, source: func(uint32, string) {}}
		decodeRecords(typ, payload, &sink)
	})
}

// FuzzBlock opens arbitrary bytes as a block file and reads every chunk it
// claims to have: a clear error or data, never a panic.
func FuzzBlock(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join(fixtureDir, "blocks", "00000001.blk"))
	if err == nil {
		f.Add(seed)
	}
	if seed, err := os.ReadFile(filepath.Join(currentFixtureDir, "blocks", "00000001.blk")); err == nil {
		f.Add(seed)
	}
	f.Add([]byte("TWBLK\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := decodeBlock(memFile{bytes.NewReader(data)}, int64(len(data)), "fuzz.blk")
		if err != nil {
			return
		}
		var buf []byte
		for i := range b.index {
			b.readChunk(nil, &b.index[i], &buf)
		}
	})
}

type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

// FuzzManifest: decoding a damaged manifest fails cleanly, and what
// decodes survives re-encoding.
func FuzzManifest(f *testing.F) {
	f.Add(encodeManifest(&manifest{}))
	f.Add(encodeManifest(&manifest{blocks: []manBlock{{seq: 1, size: 4096, crc: 7, minT: -5, maxT: 1e12, positions: 3, vessels: []vessel.MMSI{219000001, 219000002}}},
		segments: []manSegment{{seq: 2, created: 1700000000000, committed: 4038, damaged: true}, {seq: 3}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest(b, "MANIFEST")
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		m2, err := decodeManifest(encodeManifest(m), "MANIFEST")
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoded manifest: %+v, %v; want %+v", m2, err, m)
		}
	})
}

// FuzzSnapshot: decoding a damaged snapshot fails cleanly (ErrCorrupt or
// ErrVersion), and what decodes survives re-encoding.
func FuzzSnapshot(f *testing.F) {
	f.Add(encodeSnapshot(nil))
	f.Add(encodeSnapshot([]snapBlock{{seq: 3, size: 40960, crc: 7, sum: &blockSum{vessels: []vesselSum{
		{mmsi: 219000001, count: 12},
		{mmsi: 219000002, count: 3, ok: true, last: point{t: 1700000000000, lat: -600000, lon: 7200000, sog: 102, cog: 3599, hdg: 511, status: 15, flags: 8, src: 2, track: 3}},
	}}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		ents, err := decodeSnapshot(b, "SNAPSHOT")
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
				t.Fatalf("error %v is neither ErrCorrupt nor ErrVersion", err)
			}
			return
		}
		again, err := decodeSnapshot(encodeSnapshot(ents), "SNAPSHOT")
		if err != nil || !reflect.DeepEqual(again, ents) {
			t.Fatalf("re-encoded snapshot: %+v, %v; want %+v", again, err, ents)
		}
	})
}

// FuzzWALSegment reads arbitrary bytes as a WAL segment (every version)
// and replays what it accepts: a torn tail, ErrCorrupt or ErrVersion,
// never a panic; in version 3 only records of batches whose commit
// record is valid are replayed, and the offset returned ends a batch.
func FuzzWALSegment(f *testing.F) {
	for _, dir := range []string{trackedFixtureDir, walV2FixtureDir, currentFixtureDir} {
		if b, err := os.ReadFile(filepath.Join(dir, "wal", "00000002.wal")); err == nil {
			f.Add(b)
		}
	}
	f.Add(record.AppendFileHeader(nil, walMagic, walVersion))
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := record.NewMemFS()
		fsys.MkdirAll("/w", 0o700)
		if err := record.WriteFileAtomic(fsys, "/w/1.wal", data, 0o600); err != nil {
			t.Fatal(err)
		}
		sink := recordSink{pos: func(*posRec) {}, static: func(*staticRec) {}, prov: func(*provRec) {}, source: func(uint32, string) {}, applied: func(uint64) {}}
		end, err := readSegment(fsys, "/w/1.wal", func(typ byte, payload []byte) error {
			if typ == recCommit {
				t.Fatal("a commit record passed on as data")
			}
			return decodeRecords(typ, payload, &sink)
		})
		if end < 0 || end > int64(len(data)) {
			t.Fatalf("end %d outside the %d bytes", end, len(data))
		}
		if err != nil && !errors.Is(err, errTorn) && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) {
			t.Fatalf("error %v is neither a torn tail, ErrCorrupt nor ErrVersion", err)
		}
	})
}
