package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/fusion"
	"github.com/tidewatch/tidewatch/internal/record"
	"github.com/tidewatch/tidewatch/internal/vessel"
)

// clusterStateOf is the state file of a picture fed a minute of the
// AISHub capture.
func clusterStateOf(tb testing.TB, seq uint64) []byte {
	tb.Helper()
	pic := fusion.NewPicture(fusion.Config{})
	obs := decodeBatch(cluster.Batch{Input: "feed", Received: vessel.Time(1_700_000_000_000).Std(), Lines: captureLines(tb, "raw/aishub-3min.nmea", 3000)})
	for i := range obs {
		pic.Apply(&obs[i])
	}
	return encodeClusterState(seq, pic.AppendState(nil))
}

// TestClusterStateFile: the state file round-trips its sequence and the
// picture's state; a damaged one is refused with ErrClusterState.
func TestClusterStateFile(t *testing.T) {
	b := clusterStateOf(t, 4711)
	if !bytes.Equal(b, clusterStateV1(4711, b[clusterStateHdr1:])) {
		t.Error("a state file without event detection's state is not version 1")
	}
	seq, state, err := decodeClusterState(b)
	if err != nil || seq != 4711 || !bytes.Equal(state, b[clusterStateHdr1:]) {
		t.Fatalf("decode = %d, %d bytes, %v", seq, len(state), err)
	}
	if err := fusion.NewPicture(fusion.Config{}).LoadState(state); err != nil {
		t.Fatal(err)
	}
	seqFlip := slices.Clone(b)
	seqFlip[9] ^= 1
	bodyFlip := slices.Clone(b)
	bodyFlip[len(b)-3] ^= 1
	version := slices.Clone(b)
	version[6] = 9
	for name, bad := range map[string][]byte{"empty": nil, "short": b[:10], "magic": append([]byte("XWCLST"), b[6:]...),
		"version": version, "sequence": seqFlip, "body": bodyFlip, "truncated": b[:len(b)-1]} {
		if _, _, err := decodeClusterState(bad); !errors.Is(err, ErrClusterState) {
			t.Errorf("%s: %v; want ErrClusterState", name, err)
		}
	}
}

// FuzzDecodeClusterState: the state file decoder never panics, and what
// it accepts of version 2 encodes back to the same bytes (one of version
// 1 to a version 2 file of the same content).
func FuzzDecodeClusterState(f *testing.F) {
	f.Add(clusterStateOf(f, 12))
	f.Add(encodeClusterState(0, fusion.NewPicture(fusion.Config{}).AppendState(nil)))
	f.Add(clusterStateV1(5, fusion.NewPicture(fusion.Config{}).AppendState(nil)))
	f.Add(encodeClusterStateAll(clusterState{seq: 7, picture: fusion.NewPicture(fusion.Config{}).AppendState(nil),
		events: encodeEventsState(eventsState{seq: 7, engine: []byte("x")})}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeClusterStateAll(b)
		if err != nil {
			return
		}
		again := encodeClusterStateAll(s)
		if !bytes.Equal(again, b) && (b[6] != clusterStateVersion || s.events != nil) {
			t.Fatal("accepted state file encodes back differently") // only a version 2 file without detection state becomes version 1
		}
		if s2, err := decodeClusterStateAll(again); err != nil || s2.seq != s.seq || !bytes.Equal(s2.picture, s.picture) || !bytes.Equal(s2.events, s.events) {
			t.Fatalf("re-encoded state file decodes to %d, %v", s2.seq, err)
		}
		fusion.NewPicture(fusion.Config{}).LoadState(s.picture)
		if s.events != nil {
			decodeEventsState(s.events)
		}
	})
}

// clusterStateV1 is a state file of version 1 (before event detection's
// state was kept in it).
func clusterStateV1(seq uint64, state []byte) []byte {
	out := append([]byte(clusterStateMagic), 1, 0)
	out = binary.LittleEndian.AppendUint64(out, seq)
	out = binary.LittleEndian.AppendUint32(out, crc32.Update(crc32.Checksum(out[8:16], castagnoli), castagnoli, state))
	return append(out, state...)
}

// TestClusterStateFileEvents: a version 2 state file carries event
// detection's state at the same entry beside the picture's, and a file
// of version 1 (no detection state) still reads.
func TestClusterStateFileEvents(t *testing.T) {
	pic := clusterStateOf(t, 9)[clusterStateHdr1:]
	ev := encodeEventsState(eventsState{seq: 9, markerSeq: 3, newest: 1_700_000_000_000, engine: []byte("engine")})
	b := encodeClusterStateAll(clusterState{seq: 9, picture: pic, events: ev})
	s, err := decodeClusterStateAll(b)
	if err != nil || s.seq != 9 || !bytes.Equal(s.picture, pic) || !bytes.Equal(s.events, ev) {
		t.Fatalf("decode = %d, %d and %d bytes, %v", s.seq, len(s.picture), len(s.events), err)
	}
	es, err := decodeEventsState(s.events)
	if err != nil || es.seq != 9 || es.markerSeq != 3 || string(es.engine) != "engine" {
		t.Fatalf("detection state %+v, %v", es, err)
	}
	v1 := clusterStateV1(4, pic)
	if s, err := decodeClusterStateAll(v1); err != nil || s.seq != 4 || !bytes.Equal(s.picture, pic) || s.events != nil {
		t.Fatalf("version 1: %d, %d bytes, events %d bytes, %v", s.seq, len(s.picture), len(s.events), err)
	}
	long := slices.Clone(b)
	binary.LittleEndian.PutUint64(long[20:], uint64(len(b)))
	binary.LittleEndian.PutUint32(long[16:], crc32.Update(crc32.Checksum(long[8:16], castagnoli), castagnoli, long[20:]))
	evFlip := slices.Clone(b)
	evFlip[len(b)-2] ^= 1
	for name, bad := range map[string][]byte{"picture length beyond the file": long, "detection state": evFlip,
		"version 2 cut to a version 1 header": b[:clusterStateHdr1+4]} {
		if _, err := decodeClusterStateAll(bad); !errors.Is(err, ErrClusterState) {
			t.Errorf("%s: %v; want ErrClusterState", name, err)
		}
	}
}

// TestClusterStateWriteCrash replaces a state file and crashes after
// every operation of the write (keeping only what was synced, and again
// a random part of what was not): the file read back is always the old
// state or the new one, whole, and the new one once the write returned.
func TestClusterStateWriteCrash(t *testing.T) {
	oldState := fusion.NewPicture(fusion.Config{}).AppendState(nil)
	newState := clusterStateOf(t, 0)[clusterStateHdr1:]
	const path = "/data/cluster/TIDEWATCH_INGEST.state"
	workload := func(m *record.MemFS) (setup, done bool) {
		if err := m.MkdirAll("/data/cluster", 0o700); err != nil {
			return false, false
		}
		if err := writeStateFile(m, path, 1, oldState); err != nil {
			return false, false
		}
		return true, writeStateFile(m, path, 2, newState) == nil
	}
	dry := record.NewMemFS()
	if setup, done := workload(dry); !setup || !done {
		t.Fatal("the workload fails without a crash")
	}
	ops := dry.Ops()
	for n := 0; n <= ops; n++ {
		for seed := range 3 {
			m := record.NewMemFS()
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m.CrashAfter(n, rng)
			setup, done := workload(m)
			after := m.Crashed()
			if after == nil {
				after = m
			}
			f, err := after.OpenFile(path, os.O_RDONLY, 0)
			if err != nil {
				if setup {
					t.Fatalf("crash after %d ops (seed %d): the state file is gone: %v", n, seed, err)
				}
				continue // crashed before the first state was whole
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			seq, state, err := decodeClusterState(b)
			if err != nil {
				if setup {
					t.Fatalf("crash after %d ops (seed %d): %v", n, seed, err)
				}
				continue
			}
			switch {
			case seq == 2 && bytes.Equal(state, newState):
			case seq == 1 && bytes.Equal(state, oldState) && !done:
			default:
				t.Fatalf("crash after %d ops (seed %d): state of entry %d (write returned: %v)", n, seed, seq, done)
			}
		}
	}
}
