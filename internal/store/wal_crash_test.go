package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/tidewatch/tidewatch/internal/record"
)

// walCrashPayloads are the records of the WAL crash workload: sizes from
// a few bytes to more than a WAL chunk, so that one commit writes in
// pieces.
func walCrashPayloads() [][]byte {
	var out [][]byte
	for i := range 40 {
		n := 1 + i*97%700
		if i == 5 {
			n = walChunk + 3000
		}
		out = append(out, bytes.Repeat([]byte{byte(i)}, n))
	}
	return out
}

// walCrashWorkload writes batches of records to a segment in fsys,
// committing (with fsync) after each, and returns how many records were
// acknowledged (their commit returned nil) before the file system failed.
func walCrashWorkload(fsys *record.MemFS, payloads [][]byte) (acked int) {
	if err := fsys.MkdirAll("/data/wal", 0o700); err != nil {
		return 0
	}
	w, err := createSegment(fsys, "/data/wal", 1)
	if err != nil {
		return 0
	}
	i := 0
	for batch := range 12 {
		for range 1 + batch%4 {
			w.append(recPositions, payloads[i])
			i++
		}
		if err := w.commit(true); err != nil {
			return acked
		}
		acked = i
	}
	w.close()
	return acked
}

// TestWALCrashEveryPoint crashes the WAL workload in memory after every
// write and sync (dropping what was not synced, and again keeping a random
// torn part of it) and reads the segment back: every acknowledged record
// is there, in order, the records read are a prefix of those written, and
// a bad ending is a torn tail, never corruption.
func TestWALCrashEveryPoint(t *testing.T) {
	payloads := walCrashPayloads()
	dry := record.NewMemFS()
	total := walCrashWorkload(dry, payloads)
	ops := dry.Ops()
	if total == 0 || ops < 20 {
		t.Fatalf("workload: %d records acknowledged in %d operations", total, ops)
	}
	path := filepath.Join("/data/wal", fmt.Sprintf("%08d%s", 1, walSuffix))
	torn := 0
	for n := 0; n <= ops; n++ {
		for seed := range 4 {
			m := record.NewMemFS()
			var rng *rand.Rand
			if seed > 0 {
				rng = rand.New(rand.NewPCG(uint64(n), uint64(seed)))
			}
			m.CrashAfter(n, rng)
			acked := walCrashWorkload(m, payloads)
			after := m.Crashed()
			if after == nil {
				after = m.CrashClone(rng) // the workload finished: crash now
			}
			got := 0
			end, err := readSegment(after, path, func(typ byte, p []byte) error {
				if typ != recPositions || got >= len(payloads) || !bytes.Equal(p, payloads[got]) {
					return fmt.Errorf("record %d differs from the one written", got)
				}
				got++
				return nil
			})
			var fe *FileError
			switch {
			case errors.Is(err, fs.ErrNotExist):
				if acked > 0 {
					t.Fatalf("crash after %d (seed %d): segment gone with %d records acknowledged", n, seed, acked)
				}
			case err != nil && !(errors.As(err, &fe) && errors.Is(fe.Err, errTorn)):
				t.Fatalf("crash after %d (seed %d): %v; want nothing or a torn tail", n, seed, err)
			case err != nil:
				torn++
				if fe.Offset != end {
					t.Errorf("crash after %d (seed %d): torn at %d, valid data ends at %d", n, seed, fe.Offset, end)
				}
			}
			if got < acked {
				t.Fatalf("crash after %d (seed %d): %d records read, %d were acknowledged", n, seed, got, acked)
			}
		}
	}
	if torn == 0 {
		t.Error("no crash point left a torn tail: the tearing is not exercised")
	}
	t.Logf("%d crash points × 4, %d torn tails recovered", ops+1, torn)
}
