package server

import (
	"bytes"
	"errors"
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
	seq, state, err := decodeClusterState(b)
	if err != nil || seq != 4711 || !bytes.Equal(state, b[clusterStateHdr:]) {
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
// it accepts encodes back to the same bytes.
func FuzzDecodeClusterState(f *testing.F) {
	f.Add(clusterStateOf(f, 12))
	f.Add(encodeClusterState(0, fusion.NewPicture(fusion.Config{}).AppendState(nil)))
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, state, err := decodeClusterState(b)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeClusterState(seq, state), b) {
			t.Fatal("accepted state file encodes back differently")
		}
		fusion.NewPicture(fusion.Config{}).LoadState(state)
	})
}

// TestClusterStateWriteCrash replaces a state file and crashes after
// every operation of the write (keeping only what was synced, and again
// a random part of what was not): the file read back is always the old
// state or the new one, whole, and the new one once the write returned.
func TestClusterStateWriteCrash(t *testing.T) {
	oldState := fusion.NewPicture(fusion.Config{}).AppendState(nil)
	newState := clusterStateOf(t, 0)[clusterStateHdr:]
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
