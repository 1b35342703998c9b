package server

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/tidewatch/tidewatch/internal/cluster"
	"github.com/tidewatch/tidewatch/internal/fusion"
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
